"""The task worker: `huey_consumer market_app.worker.huey` runs the jobs every domain registered at app start,
with the same configuration (environment) as the web app."""

from market_app import create_app
from market_app.core.jobs import huey_of

app = create_app()
huey = huey_of(app)
