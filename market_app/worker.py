"""The task worker: `python -m market_app.worker [huey_consumer options]` runs the jobs every domain registered at
app start, with the same configuration (environment) as the web app, logging JSON lines like the app servers
(each with the request id of the request that queued the job). `huey_consumer market_app.worker.huey` works too,
with huey's own plain log lines beside the JSON ones."""

import logging

from huey.consumer_options import ConsumerConfig, OptionParserHandler

from market_app import create_app
from market_app.core.jobs import huey_of

app = create_app()
huey = huey_of(app)


def main() -> None:
    options, _args = OptionParserHandler().get_option_parser().parse_args()
    config = ConsumerConfig(**{key: value for key, value in vars(options).items() if value is not None})
    config.validate()
    logging.getLogger("huey").setLevel(config.loglevel)  # lines go out through the app's JSON handler
    huey.create_consumer(**config.values).run()


if __name__ == "__main__":
    main()
