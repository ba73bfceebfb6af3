"""Wait until something listens on HOST PORT (used by `make run` before starting the app on localstripe)."""

import socket
import sys
import time


def wait_for_port(host: str, port: int, timeout_seconds: float) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


if __name__ == "__main__":
    host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if not wait_for_port(host, port, timeout):
        sys.exit(f"nothing answered on {host}:{port} within {timeout:.0f} s")
