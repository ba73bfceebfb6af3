"""gunicorn settings every app server reads (gunicorn loads ./gunicorn.conf.py by itself)."""

import os

# Behind nginx with upstream keepalive: keep idle connections open longer than nginx does (its
# keepalive_timeout, 20 s in bench/cluster_check.sh), else a request sent on a connection gunicorn is just
# closing is reset, and nginx answers a POST with 502 and takes the server out of rotation.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))


def child_exit(server, worker):
    """A worker that exits leaves its Prometheus samples behind; mark it dead so its gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
