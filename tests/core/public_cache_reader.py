"""Another process for tests/core/test_core_public_cache.py: an app on the same database and cache store that reads
each URL given on stdin and prints one JSON line (status, body, statements sent) per URL."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import sqlalchemy as sa  # noqa: E402

from market_app import create_app  # noqa: E402
from market_app.config import TestConfig  # noqa: E402
from market_app.extensions import db  # noqa: E402


def main() -> None:
    class ReaderConfig(TestConfig):
        pass

    for key, value in json.loads(sys.argv[1]).items():
        setattr(ReaderConfig, key, value)
    app = create_app(ReaderConfig)
    client = app.test_client()
    sent: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: sent.append(statement))
    for line in sys.stdin:
        sent.clear()
        resp = client.get(line.strip())
        print(json.dumps({"status": resp.status_code, "body": resp.get_json(), "statements": len(sent)}), flush=True)


if __name__ == "__main__":
    main()
