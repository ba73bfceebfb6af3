#!/usr/bin/env bash
# Which gunicorn worker class and count on this machine: the same loads under sync and gthread, 2 and 4 workers.
# For each: the stall list hot and cold against the bare route (bench/run.sh QUICK=1, same workers for the bare
# route), and order placement at 4 connections against raw SQL (bench/orders.sh LEVELS=4). About 6 minutes.
# Usage: bench/workers.sh  (or make bench-workers); CONFIGS="sync:2:1 gthread:2:4" to choose (class:workers:threads).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIGS=${CONFIGS:-sync:2:1 sync:4:1 gthread:2:4 gthread:4:4}
DURATION=${DURATION:-8}
summary=()
for config in $CONFIGS; do
  IFS=: read -r class workers threads <<<"$config"
  echo "== gunicorn $workers x $class ($threads threads)"
  reads=$(QUICK=1 ORDERS=0 DURATION="${DURATION}s" WORKER_CLASS="$class" WORKERS="$workers" THREADS="$threads" \
    bench/run.sh | tee -a /dev/stderr)
  orders=$(LEVELS=4 DURATION="$DURATION" WORKER_CLASS="$class" WORKERS="$workers" THREADS="$threads" \
    bench/orders.sh | tee -a /dev/stderr)
  hot=$(grep '^hot: stall list' <<<"$reads" | awk '{print $(NF-3), $NF}')
  cold=$(grep '^cold (no cache): stall list' <<<"$reads" | awk '{print $(NF-3), $NF}')
  order=$(grep '^4 ' <<<"$orders" | awk -F'|' '{print $2, $4}' | awk '{print $1, $2, $NF}')
  summary+=("$(printf '%-22s hot %s | cold %s | orders c=4: %s' "$workers x $class ($threads)" "$hot" "$cold" "$order")")
done
echo
echo "config                 stall list hot: req/s, vs bare | cold: req/s, vs bare | orders at 4: orders/s, p50 ms, vs raw"
printf '%s\n' "${summary[@]}"
