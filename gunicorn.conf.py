"""gunicorn settings every app server reads (gunicorn loads ./gunicorn.conf.py by itself)."""

import os

# gunicorn's own refusals (URL over limit_request_line: 414, headers over the limits: 431, malformed requests:
# 400) answer in the API's JSON error shape through these worker classes (market_app/serving.py): the threaded
# one here; `--worker-class market_app.serving.JsonErrorSyncWorker` for sync workers. A plain `--worker-class
# gthread` on the command line would bring gunicorn's HTML error pages back.
worker_class = "market_app.serving.JsonErrorThreadWorker"
limit_request_line = 4094  # bytes of method + URL + version; longer is a JSON 414
limit_request_fields = 100  # header count; more is a JSON 431
limit_request_field_size = 8190  # bytes of one header
timeout = 30  # a worker silent this long is restarted; the database timeouts answer well before (README)

# Behind nginx with upstream keepalive: keep idle connections open longer than nginx does (its
# keepalive_timeout, 20 s in bench/cluster_check.sh), else a request sent on a connection gunicorn is just
# closing is reset, and nginx answers a POST with 502 and takes the server out of rotation.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))


def child_exit(server, worker):
    """A worker that exits leaves its Prometheus samples behind; mark it dead so its gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
