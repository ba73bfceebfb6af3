#!/usr/bin/env bash
# The benchmark (make bench): every ratio in one run. Public reads served by the app (response cache on: "hot"; and a
# second app with the cache off: "cold", what a miss costs), conditional requests (304), the per-request overhead of
# a token, a rate limit and a schema dump (bench/overhead_app.py), each against a bare Flask route returning the stall
# list's bytes; then order placement on PostgreSQL against raw SQL (bench/orders.sh, LEVELS 1 and 4).
# gunicorn (WORKERS, WORKER_CLASS, THREADS) on loopback, wrk 1 thread CONNECTIONS connections, WARMUP then DURATION
# per route. Prints requests/s, p50, p99 and the ratio of each to the bare route measured just before it (the load
# that other sessions put on this machine drifts within a run); fails if any answer was not the expected status.
# Usage: bench/run.sh  (or make bench).  DB=postgresql reads from a fresh PostgreSQL database instead of SQLite;
# ORDERS=0 skips order placement; QUICK=1 loads only the bare route and the stall list (hot and cold);
# DURATION=20s, CONNECTIONS=16, WORKERS=4 WORKER_CLASS=gthread THREADS=4 ... (bench/workers.sh compares those).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-8}
WORKERS=${WORKERS:-2}
WORKER_CLASS=${WORKER_CLASS:-sync}
THREADS=${THREADS:-1}
DB=${DB:-sqlite}
ORDERS=${ORDERS:-1}
QUICK=${QUICK:-0}
BIN=.venv/bin
export FLASK_APP=market_app
# A throwaway signing key for this run (the app refuses to start without one of at least 32 bytes).
export SECRET_KEY="${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')}"

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
[ -x "$BIN/gunicorn" ] || make install

work=$(mktemp -d)
pids=()
pg_db=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$pg_db" ] || dropdb -h 127.0.0.1 -U postgres --if-exists --force "$pg_db" || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # url: up to 15 s for a server to answer
  for _ in $(seq 150); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

if [ "$DB" = postgresql ]; then
  pg_db="bench_reads_$(date +%s)_$$"
  echo "== seeding a fresh PostgreSQL database $pg_db with the demo data"
  createdb -h 127.0.0.1 -U postgres "$pg_db"
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$pg_db"
else
  echo "== seeding a fresh SQLite database with the demo data"
  export DATABASE_URL="sqlite:///$work/bench.db"
fi
export JOBS_SQLITE_PATH="$work/jobs.db"
"$BIN/flask" db upgrade >/dev/null 2>&1
"$BIN/flask" seed-demo >"$work/seed.txt" 2>"$work/seed.log" || { cat "$work/seed.log" >&2; exit 1; }
head -2 "$work/seed.txt"

gunicorn_opts=(--workers "$WORKERS" --worker-class "$WORKER_CLASS" --threads "$THREADS" --log-level warning)
serve() {  # name module [env...]: starts gunicorn on a free port (not in a subshell: its pid is kept), sets $url
  local name=$1 module=$2 port
  shift 2
  port=$(free_port)
  env PUBLIC_CACHE_DIR="$work/cache-$name" "$@" "$BIN/gunicorn" "${gunicorn_opts[@]}" --bind "127.0.0.1:$port" \
    "$module" >"$work/$name.log" 2>&1 &
  pids+=($!)
  url="http://127.0.0.1:$port"
  wait_for "$url/healthz"
}

serve app wsgi:app && app=$url
serve cold wsgi:app PUBLIC_CACHE=off && cold=$url
[ "$QUICK" = 1 ] || { serve overhead bench.overhead_app:app && over=$url; }

curl -sf "$app/api/v1/markets/1/stalls?page_size=20" >"$work/stalls.json"
bare_port=$(free_port)
BARE_BODY_FILE="$work/stalls.json" "$BIN/gunicorn" "${gunicorn_opts[@]}" --bind "127.0.0.1:$bare_port" \
  --chdir bench bare_app:app &
pids+=($!)
bare="http://127.0.0.1:$bare_port/bare"
wait_for "$bare"
[ "$(curl -sf "$bare" | wc -c)" = "$(wc -c <"$work/stalls.json")" ]

[ "$QUICK" = 1 ] || token=$(curl -sf -X POST "$app/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"email": "shopper1@example.com", "password": "demo1234!"}' |
  "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# The public reads: path and a label. q=ㄷㅈ (초성: 돼지..., 된장...) and q=돼지 (a word).
reads=(
  "/api/v1/markets|market list"
  "/api/v1/markets/1/stalls?page_size=20|stall list (20 of 28)"
  "/api/v1/markets/1/stalls?open_now=true|stall list, open now"
  "/api/v1/markets/1/map|market map"
  "/api/v1/markets/1/products?q=%E3%84%B7%E3%85%88|product search, 초성 ㄷㅈ"
  "/api/v1/markets/1/products?q=%EB%8F%BC%EC%A7%80|product search, 돼지"
  "/api/v1/markets/1/live-sessions?page_size=20|live schedule"
  "/api/v1/markets/1/delivery/quote?lat=37.5649&lng=126.9063&subtotal=20000|delivery quote (1 km)"
  "/api/v1/markets/1/delivery/slots?date=$(TZ=Asia/Seoul date -d tomorrow +%F)|delivery slots, tomorrow"
)
if [ "$QUICK" = 1 ]; then
  reads=("${reads[1]}")
fi
for entry in "${reads[@]}"; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "$app${entry%%|*}")
  [ "$status" = 200 ] || { echo "${entry%%|*} answered $status" >&2; exit 1; }
done
etag=$(curl -sfD - -o /dev/null "$app/api/v1/markets/1/stalls?page_size=20" | tr -d '\r' | sed -n 's/^ETag: //Ip')
[ -n "$etag" ] || { echo "the stall list has no ETag" >&2; exit 1; }

mkdir -p bench/results
log="bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
: >"$work/failures"
load() {  # url [env...] -> "rps p50_ms p99_ms"; counts failed answers in $work/failures
  local url=$1 line
  shift
  env "$@" timeout 60 wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s bench/report.lua "$url" >/dev/null
  line=$({ env "$@" timeout 90 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/report.lua "$url"; } |
    tee -a "$log" | grep '^RESULT')
  read -r rps p50 p99 n nbad errs < <(sed -n 's/^RESULT rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) requests=\([0-9]*\) non2xx=\([0-9]*\) socket_errors=\([0-9]*\)$/\1 \2 \3 \4 \5 \6/p' <<<"$line")
  if [ $((nbad + errs)) -ne 0 ]; then
    echo "   $url: $nbad unexpected answers, $errs socket errors" >&2
    echo $((nbad + errs)) >>"$work/failures"  # load runs in a subshell: a variable would not come back
  fi
  echo "$rps $p50 $p99"
}

echo "== load: $(uptime | sed 's/.*load average/load average/')"
echo "== wrk: 1 thread, $CONNECTIONS connections, $DURATION per route after $WARMUP; gunicorn $WORKERS x $WORKER_CLASS" \
  "($THREADS threads); reads from $DB; body $(wc -c <"$work/stalls.json") bytes" | tee -a "$log"
rows=()
bare_runs=()
add() {  # label "rps p50 p99" bare_rps: a row of the table and its ratio to the bare run measured just before it
  rows+=("$1|$2|$3")
  printf '   %-48s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n' "$1" $2
}
paired() {  # label url [env...]: the bare route, then url at once. Other sessions' load on this machine drifts
  local label=$1 url=$2 bare_now  # within a run: each ratio is to the bare run next to it, not to the first one.
  shift 2
  echo "### bare, before $label" >>"$log"
  read -r bare_now _ < <(load "$bare")
  bare_runs+=("$bare_now")
  echo "### $label" >>"$log"
  add "$label" "$(load "$url" "$@")" "$bare_now"
}
echo "### bare" >>"$log"
read -r bare_rps bare_p50 bare_p99 < <(load "$bare")
bare_runs+=("$bare_rps")
add "bare Flask route, the stall list's bytes" "$bare_rps $bare_p50 $bare_p99" "$bare_rps"
for entry in "${reads[@]}"; do
  paired "hot: ${entry#*|}" "$app${entry%%|*}"
done
[ "$QUICK" = 1 ] || paired "304: stall list with If-None-Match" "$app/api/v1/markets/1/stalls?page_size=20" \
  EXPECT_STATUS=304 HEADER_NAME=If-None-Match HEADER_VALUE="$etag"
for entry in "${reads[@]}"; do
  paired "cold (no cache): ${entry#*|}" "$cold${entry%%|*}"
done
[ "$QUICK" = 1 ] || for route in plain token limited dumped; do
  paired "overhead: /bench/$route" "$over/bench/$route" HEADER_NAME=Authorization HEADER_VALUE="Bearer $token"
done
bad=$(awk '{ n += $1 } END { print n + 0 }' "$work/failures")

{
  printf '\n%-48s %9s %8s %8s %8s\n' "route" "req/s" "p50 ms" "p99 ms" "vs bare"
  for row in "${rows[@]}"; do
    IFS='|' read -r label numbers bare_then <<<"$row"
    read -r rps p50 p99 <<<"$numbers"
    printf '%-48s %9.0f %8.2f %8.2f %8.2f\n' "$label" "$rps" "$p50" "$p99" \
      "$(awk -v a="$rps" -v b="$bare_then" 'BEGIN { print a / b }')"
  done
  printf 'The bare route, measured before each row: %s runs, %s to %s req/s.\n' "${#bare_runs[@]}" \
    "$(printf '%s\n' "${bare_runs[@]}" | sort -n | head -1 | xargs printf '%.0f')" \
    "$(printf '%s\n' "${bare_runs[@]}" | sort -n | tail -1 | xargs printf '%.0f')"
  echo "Targets: public reads 0.8 of the bare route (hot), 0.35 cold. /bench/plain: the app's own hooks;" \
    "token: + JWT and its user; limited: + a rate limit; dumped: + a 20-row schema dump."
  echo "Raw wrk output: $log"
} | tee -a "$log"

if [ "$ORDERS" = 1 ]; then
  echo
  LEVELS=${LEVELS:-1 4} WORKERS="$WORKERS" WORKER_CLASS="$WORKER_CLASS" THREADS="$THREADS" bench/orders.sh ||
    bad=$((bad + 1))
fi

if [ "$bad" -ne 0 ]; then
  echo "$bad requests failed (unexpected status or socket errors): see $log" >&2
  exit 1
fi
