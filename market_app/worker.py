"""The task worker: `python -m market_app.worker [huey_consumer options]` runs the jobs every domain registered at
app start, with the same configuration (environment) as the web app, logging JSON lines like the app servers
(each with the request id of the request that queued the job). `huey_consumer market_app.worker.huey` works too,
with huey's own plain log lines beside the JSON ones.

Metrics: with PROMETHEUS_MULTIPROC_DIR set (the app servers' folder on the same machine) the jobs' samples, e.g.
payments a webhook moved, are added up by the app's /metrics; WORKER_METRICS_PORT serves them at this process's
own /metrics (a worker on another machine). The variable must be in the environment before the start: the
multiprocess mode is chosen when prometheus_client is imported."""

import logging
import os

from huey.consumer_options import ConsumerConfig, OptionParserHandler

from market_app import create_app
from market_app.core import metrics
from market_app.core.jobs import huey_of

app = create_app()
huey = huey_of(app)


def main() -> None:
    options, _args = OptionParserHandler().get_option_parser().parse_args()
    config = ConsumerConfig(**{key: value for key, value in vars(options).items() if value is not None})
    config.validate()
    logging.getLogger("huey").setLevel(config.loglevel)  # lines go out through the app's JSON handler
    consumer = huey.create_consumer(**config.values)
    metrics.worker_started(int(os.environ.get("WORKER_METRICS_PORT") or 0))
    try:
        consumer.run()
    finally:
        metrics.worker_exited()


if __name__ == "__main__":
    main()
