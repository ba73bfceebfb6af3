#!/usr/bin/env bash
# Benchmark: placing orders (POST /api/v1/orders) on PostgreSQL against the database ceiling.
# A fresh database (dropped at the end) with the demo data, localstripe in memory and the app under gunicorn
# (2 sync workers) on loopback; wrk posts a 6-item, 3-stall pickup order with a fresh Idempotency-Key per request
# at several concurrency levels, then bench/orders_raw.py runs the same writes as raw SQL (one transaction per
# order, N connections). Prints orders/s, p50/p99 and the app/raw ratio per level; fails on any non-201 answer.
# Usage: bench/orders.sh  (or make bench-orders); DURATION=20 LEVELS="1 2 4" bench/orders.sh to change the runs.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}  # measured seconds per level
WARMUP=${WARMUP:-2}
LEVELS=${LEVELS:-1 4 8 16}
WORKERS=${WORKERS:-2}
WORKER_CLASS=${WORKER_CLASS:-sync}
THREADS=${THREADS:-1}
# The task queue (each order queues its expiry) on Redis as in production, when Redis answers: this DB number only.
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/6}
PGHOST_PORT=127.0.0.1:5432
BIN=.venv/bin
export FLASK_APP=market_app
# A throwaway signing key for this run (the app refuses to start without one of at least 32 bytes).
export SECRET_KEY="${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')}"

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
[ -x "$BIN/gunicorn" ] || make install
if ! pg_isready -q -h 127.0.0.1; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 && break; sleep 0.2; done
fi

db="bench_orders_$(date +%s)_$$"
queue_redis=""
if "$BIN/python" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()' \
    "$BENCH_REDIS_URL" 2>/dev/null; then
  queue_redis=$BENCH_REDIS_URL
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb -h 127.0.0.1 -U postgres --if-exists --force "$db" || echo "could not drop database $db" >&2
  [ -z "$queue_redis" ] || "$BIN/python" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()' "$queue_redis"
  rm -rf "$work"
}
trap cleanup EXIT

sql() { psql -h 127.0.0.1 -U postgres -d "$db" -v ON_ERROR_STOP=1 -Atqc "$1"; }

free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # url: up to 15 s for a server to answer
  for _ in $(seq 150); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

echo "== fresh PostgreSQL database $db with the demo data"
createdb -h 127.0.0.1 -U postgres "$db"
export DATABASE_URL="postgresql+psycopg://postgres@$PGHOST_PORT/$db"
"$BIN/flask" db upgrade >"$work/upgrade.txt" 2>&1 || { cat "$work/upgrade.txt" >&2; exit 1; }
"$BIN/flask" seed-demo >"$work/seed.txt" 2>"$work/seed.log" || { cat "$work/seed.log" >&2; exit 1; }
head -1 "$work/seed.txt"

# Two products from each of the first three active stalls of market 1 that sell at least two; a stock so big that
# no run sells out (tracked stock, so each order really decrements six rows).
products=$(sql "
  WITH candidates AS (
    SELECT p.id, p.stall_id, row_number() OVER (PARTITION BY p.stall_id ORDER BY p.id) AS n
    FROM products p JOIN stalls s ON s.id = p.stall_id
    WHERE p.market_id = 1 AND s.status = 'active' AND p.available AND p.deleted_at IS NULL
  ), picked AS (SELECT stall_id FROM candidates WHERE n = 2 ORDER BY stall_id LIMIT 3)
  SELECT string_agg(c.id::text, ',' ORDER BY c.id) FROM candidates c JOIN picked USING (stall_id) WHERE c.n <= 2")
[ "$(tr ',' '\n' <<<"$products" | wc -l)" = 6 ] || { echo "could not pick 6 products: $products" >&2; exit 1; }
sql "UPDATE products SET stock = 1000000000 WHERE id IN ($products)"
shopper=shopper1@example.com
user_id=$(sql "SELECT id FROM users WHERE email = '$shopper'")

ls_port=$(free_port)
"$BIN/python" -m market_app.payments.localstripe_server --port "$ls_port" >"$work/localstripe.log" 2>&1 &
pids+=($!)
"$BIN/python" -m market_app.payments.wait_for_port 127.0.0.1 "$ls_port" 20

app_port=$(free_port)
while [ "$app_port" = "$ls_port" ]; do app_port=$(free_port); done
# One shopper places every order: the cap on open unpaid orders per shopper is lifted for the run.
env -u PASSWORD_HASH_TIME_COST -u PASSWORD_HASH_MEMORY_KIB -u RATELIMIT_STORAGE_URI \
  STRIPE_API_KEY=sk_test_bench STRIPE_API_BASE="http://127.0.0.1:$ls_port" ORDER_RATE_LIMIT="1000000 per minute" \
  MAX_UNPAID_ORDERS_PER_MARKET=1000000000 REDIS_URL="$queue_redis" JOBS_SQLITE_PATH="$work/jobs.db" \
  PUBLIC_CACHE_DIR="$work/cache" "$BIN/gunicorn" --workers "$WORKERS" --worker-class "$WORKER_CLASS" \
  --threads "$THREADS" --bind "127.0.0.1:$app_port" --log-level warning wsgi:app >"$work/app.log" 2>&1 &
pids+=($!)
app="http://127.0.0.1:$app_port"
wait_for "$app/healthz"

ORDER_TOKEN=$(curl -sf -X POST "$app/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$shopper\", \"password\": \"demo1234!\"}" |
  "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
ORDER_BODY=$("$BIN/python" -c 'import json, sys
items = [{"product_id": int(p), "quantity": 1} for p in sys.argv[1].split(",")]
print(json.dumps({"market_id": 1, "fulfillment": "pickup", "items": items}))' "$products")
export ORDER_TOKEN ORDER_BODY

status=$(curl -s -o "$work/order.json" -w '%{http_code}' -X POST "$app/api/v1/orders" \
  -H "Authorization: Bearer $ORDER_TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: smoke-$$" \
  -d "$ORDER_BODY")
[ "$status" = 201 ] || { echo "a first order answered $status: $(head -c 500 "$work/order.json")" >&2; exit 1; }
"$BIN/python" - "$work/order.json" <<'EOF'
import json, sys
order = json.load(open(sys.argv[1]))
stalls = ", ".join(f"{s['stall_name']} ({len(s['items'])} items)" for s in order["stall_orders"])
print(f"== basket: {order['total']} won, pickup, from {stalls}")
EOF

mkdir -p bench/results
log="bench/results/orders-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "== a bare PaymentIntent create on localstripe (the app's gateway, one call at a time)"
stripe_line=$(timeout 120 "$BIN/python" bench/orders_raw.py stripe --api-base "http://127.0.0.1:$ls_port" | tee -a "$log")
read -r st_p50 st_rps < <(sed -n 's/^RESULT rps=\([0-9.]*\) p50_ms=\([0-9.]*\).*/\2 \1/p' <<<"$stripe_line")

run_wrk() {  # connections duration key_prefix -> wrk's RESULT line
  KEY_PREFIX="$3" timeout $(($2 + 30)) wrk -t1 -c"$1" -d"$2s" --timeout 10s --latency -s bench/orders.lua "$app/api/v1/orders"
}

load_before=$(uptime | sed 's/.*load average: //')
echo "== wrk: POST /api/v1/orders, 1 thread, ${DURATION} s per level after a ${WARMUP} s warm-up"
run_wrk 4 "$WARMUP" "warm-$$" >/dev/null
declare -A app_rps app_p50 app_p99 raw_rps raw_p50 raw_p99
bad=0
answered=0
for c in $LEVELS; do
  { echo "### app, $c connections"; run_wrk "$c" "$DURATION" "run-$$-c$c"; } >>"$log" 2>&1
  read -r rps p50 p99 n non201 errs < <(sed -n 's/^RESULT rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) requests=\([0-9]*\) non201=\([0-9]*\) socket_errors=\([0-9]*\)$/\1 \2 \3 \4 \5 \6/p' "$log" | tail -1)
  app_rps[$c]=$rps app_p50[$c]=$p50 app_p99[$c]=$p99
  bad=$((bad + non201 + errs))
  answered=$((answered + n - non201))
  printf '   app  c=%-3s %7.1f orders/s  p50 %7.2f ms  p99 %7.2f ms  non-201 %s  socket errors %s\n' \
    "$c" "$rps" "$p50" "$p99" "$non201" "$errs"
done
# Every 201 counted by wrk is an order in the database (a few more may have committed as wrk hung up).
stored=$(sql "SELECT count(*) FROM orders WHERE idempotency_key LIKE 'run-$$-%'")
echo "   $answered orders answered 201, $stored orders of these runs in the database"
[ "$stored" -ge "$answered" ] || { echo "fewer orders stored than answered 201" >&2; bad=$((bad + 1)); }

echo "== raw SQL: the order's writes in one transaction, N psycopg connections, ${DURATION} s per level"
for c in $LEVELS; do
  line=$(timeout $((DURATION + WARMUP + 60)) "$BIN/python" bench/orders_raw.py sql \
    --dsn "postgresql://postgres@$PGHOST_PORT/$db" --user-id "$user_id" --products "$products" \
    --concurrency "$c" --duration "$DURATION" --warmup "$WARMUP")
  echo "### raw, $c connections: $line" >>"$log"
  read -r rps p50 p99 errs < <(sed -n 's/^RESULT rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) count=[0-9]* errors=\([0-9]*\)$/\1 \2 \3 \4/p' <<<"$line")
  raw_rps[$c]=$rps raw_p50[$c]=$p50 raw_p99[$c]=$p99
  bad=$((bad + errs))
  printf '   raw  c=%-3s %7.1f orders/s  p50 %7.2f ms  p99 %7.2f ms  errors %s\n' "$c" "$rps" "$p50" "$p99" "$errs"
done

{
  printf '\n%-5s | %-30s | %-30s | %s\n' "conns" "app: orders/s  p50  p99 (ms)" "raw SQL: orders/s  p50  p99" "app/raw"
  for c in $LEVELS; do
    printf '%-5s | %9.1f %9.2f %9.2f | %9.1f %9.2f %9.2f | %6.3f\n' "$c" "${app_rps[$c]}" "${app_p50[$c]}" \
      "${app_p99[$c]}" "${raw_rps[$c]}" "${raw_p50[$c]}" "${raw_p99[$c]}" \
      "$(awk -v a="${app_rps[$c]}" -v b="${raw_rps[$c]}" 'BEGIN { print a / b }')"
  done
  echo "Bare PaymentIntent create on localstripe: p50 $st_p50 ms ($st_rps/s one at a time)."
  echo "Products $products (market 1, 3 stalls); gunicorn $WORKERS x $WORKER_CLASS ($THREADS threads); task queue" \
    "${queue_redis:-in SQLite}; wrk 1 thread; load before: $load_before; raw output: $log"
} | tee -a "$log"

if [ "$bad" -ne 0 ]; then
  echo "$bad requests or transactions failed (non-201, socket errors or SQL errors): see $log" >&2
  exit 1
fi
