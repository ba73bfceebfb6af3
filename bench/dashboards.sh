#!/usr/bin/env bash
# Dashboards on a million order items: a fresh PostgreSQL database (127.0.0.1:5432, user postgres), migrated,
# the demo markets seeded without history, then ITEMS order items over DAYS days loaded by COPY
# (bench/dashboards_load.py); then the dashboards timed, a month's CSV streamed with its peak memory measured,
# and the main queries EXPLAINed (bench/dashboards_measure.py). The database is dropped at the end.
# Usage: bench/dashboards.sh   (or make bench-dashboards);  ITEMS=200000 DAYS=365 KEEP_DB=1 bench/dashboards.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS=${ITEMS:-1000000}
DAYS=${DAYS:-365}
BIN=.venv/bin
PG=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
export FLASK_APP=market_app
export SECRET_KEY="${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')}"

if ! pg_isready -h 127.0.0.1 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
fi
db="bench_dash_$(date +%Y%m%d%H%M%S)_$$"
"${PG[@]}" -c "CREATE DATABASE $db"
if [ -z "${KEEP_DB:-}" ]; then
  trap '"${PG[@]}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true' EXIT
fi
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$db"
results="bench/results/dashboards-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"

echo "== database $db: migrate, seed the demo markets (no history)"
"$BIN/flask" db upgrade >/dev/null 2>&1
DEMO_HISTORY_DAYS=0 "$BIN/flask" seed-demo > "$results/seed.txt"
head -2 "$results/seed.txt"
echo "== load $ITEMS order items over $DAYS days (COPY)"
"$BIN/python" bench/dashboards_load.py --items "$ITEMS" --days "$DAYS" | tee "$results/load.txt"
"${PG[@]}" -c "SELECT pg_size_pretty(pg_database_size('$db'))"
echo "== measure (in-process; results in $results)"
"$BIN/python" bench/dashboards_measure.py "$results"
