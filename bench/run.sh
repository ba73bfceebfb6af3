#!/usr/bin/env bash
# Benchmark: the stall list, a 초성 product search, the live schedule, the delivery quote and slot list, and a
# bare Flask route returning the stall list's bytes, each served by gunicorn (2 sync workers) on loopback and
# loaded with wrk (1 thread, 8 connections, 10 s).
# Prints requests/s, p50/p99 latency and each listing's ratio to the bare route; keeps the raw output
# under bench/results/. Usage: bench/run.sh  (or make bench); DURATION=20s bench/run.sh for longer runs.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
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
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
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

echo "== seeding a fresh SQLite database with the demo data"
export DATABASE_URL="sqlite:///$work/bench.db"
"$BIN/flask" db upgrade >/dev/null 2>&1
"$BIN/flask" seed-demo >"$work/seed.txt" && head -2 "$work/seed.txt"

app_port=$(free_port)
"$BIN/gunicorn" --workers 2 --bind "127.0.0.1:$app_port" --log-level warning wsgi:app &
pids+=($!)
app="http://127.0.0.1:$app_port"
wait_for "$app/healthz"

stalls="$app/api/v1/markets/1/stalls?page_size=20"
search="$app/api/v1/markets/1/products?q=%E3%84%B7%E3%85%88"  # q=ㄷㅈ (돼지..., 된장...)
schedule="$app/api/v1/markets/1/live-sessions?page_size=20"  # 망원시장's broadcasts from today on, with offers
curl -sf "$stalls" >"$work/stalls.json"
hits=$(curl -sfD - -o /dev/null "$search" | tr -d '\r' | sed -n 's/^X-Pagination: .*"total": *\([0-9]*\).*/\1/p')
[ "${hits:-0}" -gt 0 ] || { echo "the 초성 search found nothing" >&2; exit 1; }
sessions=$(curl -sf "$schedule" | "$BIN/python" -c 'import json, sys; print(len(json.load(sys.stdin)))')
[ "${sessions:-0}" -gt 0 ] || { echo "the live schedule is empty" >&2; exit 1; }

# 1 km north of 망원시장 with a 20,000 won basket; tomorrow's slots (a full day of them, in Seoul time).
quote="$app/api/v1/markets/1/delivery/quote?lat=37.5649&lng=126.9063&subtotal=20000"
slots="$app/api/v1/markets/1/delivery/slots?date=$(TZ=Asia/Seoul date -d tomorrow +%F)"
curl -sf "$quote" | grep -q '"deliverable": *true' || { echo "the demo quote is not deliverable" >&2; exit 1; }
[ "$(curl -sf "$slots" | grep -o '"start"' | wc -l)" -gt 0 ] || { echo "no demo slots tomorrow" >&2; exit 1; }

bare_port=$(free_port)
while [ "$bare_port" = "$app_port" ]; do bare_port=$(free_port); done
BARE_BODY_FILE="$work/stalls.json" "$BIN/gunicorn" --workers 2 --bind "127.0.0.1:$bare_port" \
  --log-level warning --chdir bench bare_app:app &
pids+=($!)
bare="http://127.0.0.1:$bare_port/bare"
wait_for "$bare"
[ "$(curl -sf "$bare" | wc -c)" = "$(wc -c <"$work/stalls.json")" ]

mkdir -p bench/results
log="bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
load() {  # name url -> "rps p50_ms p99_ms non2xx socket_errors"
  timeout 30 wrk -t1 -c8 -d"$WARMUP" "$2" >/dev/null
  { echo "### $1: $2"; timeout 60 wrk -t1 -c8 -d"$DURATION" --latency -s bench/report.lua "$2"; } >>"$log"
  sed -n 's/^RESULT rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) requests=[0-9]* non2xx=\([0-9]*\) socket_errors=\([0-9]*\)$/\1 \2 \3 \4 \5/p' "$log" | tail -1
}

echo "== wrk: 1 thread, 8 connections, $DURATION each after a $WARMUP warm-up; body $(wc -c <"$work/stalls.json") bytes"
read -r bare_rps bare_p50 bare_p99 bare_bad bare_err < <(load "bare route" "$bare")
read -r st_rps st_p50 st_p99 st_bad st_err < <(load "stall list" "$stalls")
read -r se_rps se_p50 se_p99 se_bad se_err < <(load "product search" "$search")
read -r ls_rps ls_p50 ls_p99 ls_bad ls_err < <(load "live schedule" "$schedule")
read -r qu_rps qu_p50 qu_p99 qu_bad qu_err < <(load "delivery quote" "$quote")
read -r sl_rps sl_p50 sl_p99 sl_bad sl_err < <(load "delivery slots" "$slots")

row() {  # label rps p50 p99
  printf '%-44s %9.0f %8.2f %8.2f %8.2f\n' "$1" "$2" "$3" "$4" "$(awk -v a="$2" -v b="$bare_rps" 'BEGIN { print a / b }')"
}
{
  printf '\n%-44s %9s %8s %8s %8s\n' "route" "req/s" "p50 ms" "p99 ms" "vs bare"
  row "bare Flask route, same bytes" "$bare_rps" "$bare_p50" "$bare_p99"
  row "GET /api/v1/markets/1/stalls?page_size=20" "$st_rps" "$st_p50" "$st_p99"
  row "GET /api/v1/markets/1/products?q=ㄷㅈ" "$se_rps" "$se_p50" "$se_p99"
  row "GET /api/v1/markets/1/live-sessions" "$ls_rps" "$ls_p50" "$ls_p99"
  row "GET .../markets/1/delivery/quote (1 km)" "$qu_rps" "$qu_p50" "$qu_p99"
  row "GET .../markets/1/delivery/slots?date=tomorrow" "$sl_rps" "$sl_p50" "$sl_p99"
  echo "($hits products match ㄷㅈ; the first page of 20 is returned. $sessions live sessions listed.)"
  echo "Target: listings at 0.6 of the bare route or better."
  echo "Raw wrk output: $log"
} | tee -a "$log"

if [ $((bare_bad + bare_err + st_bad + st_err + se_bad + se_err + ls_bad + ls_err + qu_bad + qu_err + sl_bad + sl_err)) -ne 0 ]; then
  echo "some requests failed (non-2xx or socket errors): see $log" >&2
  exit 1
fi
