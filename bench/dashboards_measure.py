"""Time the dashboards on the loaded database (in-process, Flask test client: the server's own time per request,
no HTTP), stream a month's CSV in a child process measuring its peak memory, and EXPLAIN the main queries.

    DATABASE_URL=postgresql+psycopg://... python bench/dashboards_measure.py RESULTS_DIR
"""

import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from market_app import create_app
from market_app.extensions import db

RUNS = 15


def _timed(client, url: str, headers: dict, runs: int = RUNS) -> dict:
    for _ in range(2):
        assert client.get(url, headers=headers).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        resp = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, resp.data[:200]
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
            "max_ms": round(times[-1], 1)}


def _statements(client, url: str, headers: dict) -> list[tuple[str, dict]]:
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get(url, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return [(s, p) for s, p in seen if "ledger" in s or "stall_orders" in s]


def _explain(statements, out: Path) -> list[str]:
    summary = []
    with db.engine.connect() as conn:
        for n, (statement, parameters) in enumerate(statements):
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            with out.open("a") as f:
                f.write(f"-- query {n + 1}\n{statement}\n{parameters}\n" + "\n".join(plan) + "\n\n")
            summary.append(f"query {n + 1}: {plan[0].strip()[:110]} | {plan[-1].strip()}")
    return summary


def _csv_memory(first: str, last: str, market_id: int, token: str) -> dict:
    """A child process streams the CSV through the app and reports its peak RSS (ru_maxrss)."""
    code = f"""
import resource, time, json
from market_app import create_app
app = create_app()
client = app.test_client()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
resp = client.get('/api/v1/markets/{market_id}/reports/sales.csv?from={first}&to={last}',
                  headers={{'Authorization': 'Bearer {token}'}}, buffered=False)
size = rows = 0
for chunk in resp.response:
    size += len(chunk); rows += chunk.count(b'\\n')
resp.close()
print(json.dumps({{'status': resp.status_code, 'bytes': size, 'rows': rows - 1,
                  'seconds': round(time.perf_counter() - started, 1),
                  'rss_before_mb': round(before / 1024, 1),
                  'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}}))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(results: Path) -> None:
    results.mkdir(parents=True, exist_ok=True)
    app = create_app()
    with app.app_context():
        client = app.test_client()
        admin = db.session.scalar(sa.text("SELECT id FROM users WHERE email = 'mangwon-admin@example.com'"))
        stall_id, owner = db.session.execute(sa.text(
            "SELECT s.id, s.owner_id FROM stalls s JOIN ledger_entries e ON e.stall_id = s.id "
            "WHERE s.market_id = 1 GROUP BY s.id, s.owner_id ORDER BY count(*) DESC LIMIT 1")).one()
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                  for t in ("order_items", "stall_orders", "orders", "ledger_entries", "ledger_lines")}
        admin_h = {"Authorization": f"Bearer {create_access_token(identity=str(admin))}"}
        owner_h = {"Authorization": f"Bearer {create_access_token(identity=str(owner))}"}
        today = datetime.now(ZoneInfo("Asia/Seoul")).date()

        def period(days: int) -> str:
            return f"from={(today - timedelta(days=days - 1)).isoformat()}&to={today.isoformat()}"

        cases = {
            "market dashboard, 30 days": (f"/api/v1/markets/1/dashboard?{period(30)}", admin_h),
            "market dashboard, 365 days": (f"/api/v1/markets/1/dashboard?{period(365)}", admin_h),
            "merchant dashboard (busiest stall), 30 days": (f"/api/v1/stalls/{stall_id}/dashboard?{period(30)}",
                                                            owner_h),
            "merchant dashboard (busiest stall), 365 days": (f"/api/v1/stalls/{stall_id}/dashboard?{period(365)}",
                                                             owner_h),
            "owner dashboard (3 stalls), 30 days": (f"/api/v1/me/dashboard?{period(30)}", owner_h),
            "owner dashboard (3 stalls), 365 days": (f"/api/v1/me/dashboard?{period(365)}", owner_h),
            "daily sheet": (f"/api/v1/stalls/{stall_id}/daily-sheet", owner_h),
        }
        timings = {}
        for name, (url, headers) in cases.items():
            timings[name] = _timed(client, url, headers)
            print(f"{name:48} {timings[name]}", flush=True)
        explain_file = results / "explain.txt"
        explain_file.write_text("")
        plans = {}
        for name in ("market dashboard, 365 days", "merchant dashboard (busiest stall), 365 days"):
            url, headers = cases[name]
            plans[name] = _explain(_statements(client, url, headers), explain_file)
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        last = today.replace(day=1) - timedelta(days=1)
        csv = _csv_memory(first.isoformat(), last.isoformat(), 1, admin_h["Authorization"].split()[1])
    report = {"counts": counts, "timings": timings, "csv_month": {"from": first.isoformat(), "to": last.isoformat(),
                                                                  **csv}, "plans": plans,
              "measured_at": datetime.now().astimezone().isoformat(timespec="minutes"),
              "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    (results / "dashboards.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results"))
