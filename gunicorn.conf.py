"""gunicorn settings every app server reads (gunicorn loads ./gunicorn.conf.py by itself)."""

import os


def child_exit(server, worker):
    """A worker that exits leaves its Prometheus samples behind; mark it dead so its gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
