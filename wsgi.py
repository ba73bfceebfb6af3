"""WSGI entry point: gunicorn wsgi:app"""

from market_app import create_app

app = create_app()
