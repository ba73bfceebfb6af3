#!/usr/bin/env bash
# make cluster-check: the platform on several servers, on this machine, loopback only, a few minutes at most.
# PostgreSQL and Redis (started if down), a fresh database with the demo data, localstripe, two gunicorn app
# servers, the Huey worker on Redis and nginx in front; a mixed locust load for CLUSTER_LOAD_SECONDS (60) with
# one app server killed and started again midway; then the checks (bench/cluster_check.py verify), throughput
# and latency. Exits non-zero when a check fails. Everything it started is stopped and its database dropped.
set -euo pipefail
MAX_SECONDS=${CLUSTER_MAX_SECONDS:-420}
if [[ -z ${CLUSTER_CHECK_BOUNDED:-} ]]; then  # bounded in time: TERM after MAX_SECONDS, and the trap tears down
  CLUSTER_CHECK_BOUNDED=1 exec timeout "$MAX_SECONDS" "$0" "$@"
fi
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
LOCUST=$ROOT/.venv-bench/bin/locust
LOAD_SECONDS=${CLUSTER_LOAD_SECONDS:-60}
USERS=${CLUSTER_USERS:-30}
REDIS_DB=${CLUSTER_REDIS_DB:-5}
GUNICORN_ARGS=${CLUSTER_GUNICORN_ARGS:---workers 2 --threads 4}
LOGIN_LIMIT=10
PG=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)

work=$(mktemp -d /tmp/cluster-check.XXXXXX)
chmod 755 "$work"
run_id="cluster-$(date +%Y%m%d%H%M%S)-$$"
db="cluster_check_$(date +%Y%m%d%H%M%S)_$$"
declare -A app_pid=()
pids=()
started=$SECONDS

say() { printf '== %s (%ds)\n' "$*" $((SECONDS - started)); }

free_port() { "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for() {  # url seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null --noproxy '*' "$1"; do
    if ((SECONDS > deadline)); then echo "no answer from $1 in $2 s" >&2; return 1; fi
    sleep 0.3
  done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  say "tearing down"
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for i in "${!app_pid[@]}"; do kill -TERM -- "-${app_pid[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for i in "${!app_pid[@]}"; do kill -KILL -- "-${app_pid[$i]}" 2>/dev/null || true; done
  "${PG[@]}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -n "$REDIS_DB" --scan --pattern "*$run_id*" 2>/dev/null | xargs -r redis-cli -n "$REDIS_DB" del >/dev/null || true
  mkdir -p "$ROOT/instance/cluster-check"
  cp "$work"/*.log "$work"/*.csv "$work"/*.json "$ROOT/instance/cluster-check/" 2>/dev/null || true
  rm -rf "$work"
  echo "logs kept in instance/cluster-check/"
  exit "$status"
}
trap cleanup EXIT
trap 'echo "cluster-check: stopped (over ${MAX_SECONDS} s, or interrupted)" >&2; exit 124' INT TERM

say "tools"
if [[ ! -x $LOCUST ]]; then
  python3 -m venv "$ROOT/.venv-bench"
  "$ROOT/.venv-bench/bin/pip" install --quiet --disable-pip-version-check 'locust>=2.47,<2.48'
fi
command -v nginx >/dev/null || apt-get install -y nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y nginx >/dev/null; }

say "PostgreSQL and Redis"
if ! pg_isready -h 127.0.0.1 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
fi
if ! redis-cli ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

nginx_port=$(free_port); stripe_port=$(free_port); ports=("$(free_port)" "$(free_port)")
export FLASK_APP=market_app
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$db"
export SECRET_KEY JWT_SECRET_KEY
SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(32))'); JWT_SECRET_KEY=$SECRET_KEY
export REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export JOBS_QUEUE_NAME="$run_id"
export RATELIMIT_STORAGE_URI="$REDIS_URL" RATELIMIT_KEY_PREFIX="$run_id"
export LOGIN_RATE_LIMIT="$LOGIN_LIMIT per minute" ORDER_RATE_LIMIT="100000 per minute"
export STRIPE_API_KEY=sk_test_cluster STRIPE_API_BASE="http://127.0.0.1:$stripe_port"
export STRIPE_WEBHOOK_SECRET="whsec_$run_id"
export PROXY_FIX_X_FOR=1 LOG_LEVEL=WARNING PUBLIC_BASE_URL="http://127.0.0.1:$nginx_port"
export PASSWORD_HASH_TIME_COST=1 PASSWORD_HASH_MEMORY_KIB=8192

say "database $db: migrate, demo data, load accounts"
"${PG[@]}" -c "CREATE DATABASE $db"
"$BIN/flask" db upgrade >"$work/migrate.log" 2>&1
"$BIN/flask" seed-demo >"$work/seed.log" 2>&1
"$BIN/python" bench/cluster_check.py prepare "$work/data.json" 2>>"$work/prepare.log"

say "localstripe on :$stripe_port, webhooks to nginx"
"$BIN/python" -m market_app.payments.localstripe_server --port "$stripe_port" --webhook-secret "$STRIPE_WEBHOOK_SECRET" \
  --webhook-url "http://127.0.0.1:$nginx_port/api/v1/payments/stripe/webhook" >"$work/localstripe.log" 2>&1 &
pids+=($!)

start_app() {  # index: its own process group, so a kill takes the master and its workers at once
  local i=$1 dir="$work/prometheus-$1"
  rm -rf "$dir"; mkdir -p "$dir"
  # shellcheck disable=SC2086 # GUNICORN_ARGS is a list of options
  PROMETHEUS_MULTIPROC_DIR="$dir" setsid "$BIN/gunicorn" $GUNICORN_ARGS --bind "127.0.0.1:${ports[$i]}" \
    --graceful-timeout 5 wsgi:app >>"$work/app-$i.log" 2>&1 &
  app_pid[$i]=$!
  disown "${app_pid[$i]}"  # killed on purpose midway: no job-control notice
}
say "app servers ($GUNICORN_ARGS) on :${ports[0]} and :${ports[1]}, the worker, nginx on :$nginx_port"
start_app 0; start_app 1
"$BIN/python" -m market_app.worker --workers 4 --worker-type thread >"$work/worker.log" 2>&1 &
pids+=($!)

mkdir -p "$work/nginx-tmp"; chmod 777 "$work/nginx-tmp"
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  map \$http_x_request_id \$rid { default \$http_x_request_id; "" \$request_id; }
  upstream app {
    server 127.0.0.1:${ports[0]} max_fails=3 fail_timeout=2s;
    server 127.0.0.1:${ports[1]} max_fails=3 fail_timeout=2s;
    keepalive 32;
    keepalive_timeout 20s;  # shorter than gunicorn's keepalive (gunicorn.conf.py)
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Request-ID \$rid;
      # A dead server: GETs go to the other one; a POST is never sent twice by nginx (the client retries it
      # with its Idempotency-Key).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
    }
    # Webhooks are processed once per event id, so nginx may resend one to the other server when the first
    # died with it (localstripe, unlike Stripe, never retries a webhook).
    location = /api/v1/payments/stripe/webhook {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Request-ID \$rid;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }
    location = /metrics { allow 127.0.0.1; deny all; proxy_pass http://app; }
  }
}
EOF
nginx -t -c "$work/nginx.conf" -p "$work" 2>>"$work/nginx-error.log"
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>>"$work/nginx-error.log" &
pids+=($!)
for port in "${ports[@]}"; do wait_for "http://127.0.0.1:$port/readyz" 60; done
wait_for "http://127.0.0.1:$nginx_port/readyz" 20

say "load: $USERS users for ${LOAD_SECONDS}s (browse 80%, cart and orders 15%, merchants 5%)"
CLUSTER_DATA="$work/data.json" CLUSTER_RESULTS="$work/results.json" \
  timeout $((LOAD_SECONDS + 60)) "$LOCUST" -f bench/locustfile.py --headless -u "$USERS" -r 10 -t "${LOAD_SECONDS}s" \
  --host "http://127.0.0.1:$nginx_port" --csv "$work/locust" --stop-timeout 10 --loglevel WARNING \
  >"$work/locust.log" 2>&1 &
locust_pid=$!
sleep $((LOAD_SECONDS / 2))
say "restart: killing app server 1 (:${ports[1]}) and starting it again"
kill -KILL -- "-${app_pid[1]}"
sleep 2
start_app 1
restart_from=$SECONDS
wait_for "http://127.0.0.1:${ports[1]}/readyz" 60
echo "   app server 1 answering again after $((SECONDS - restart_from + 2)) s"
load_status=0
wait "$locust_pid" || load_status=$?
say "load finished (locust exit $load_status)"

say "waiting for webhooks and jobs to settle"
sleep 3
for _ in $(seq 60); do
  queued=$(curl -sf --noproxy '*' "http://127.0.0.1:$nginx_port/metrics" | awk '/^jobs_queued /{print $2}')
  [[ ${queued:-1} == 0.0 ]] && break
  sleep 1
done
"$BIN/flask" send-pending-refunds >"$work/refunds.log" 2>&1 || true

say "rate limit: 20 logins for one account, alternating servers"
logins=$("$BIN/python" bench/cluster_check.py logins "http://127.0.0.1:${ports[0]}" "http://127.0.0.1:${ports[1]}")

say "checks"
check_status=0
"$BIN/python" bench/cluster_check.py verify "$work/data.json" "$work/results.json" "$logins" "$LOGIN_LIMIT" \
  2>>"$work/verify.log" || check_status=$?
echo "   pending refunds swept at the end: $(cat "$work/refunds.log")"

say "throughput and latency (through nginx, locust on the same 2 cores)"
"$BIN/python" - "$work/locust_stats.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'request':38} {'count':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}  (ms)")
for row in rows:
    name = "ALL" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
    print(f"{name[:38]:38} {row['Request Count']:>7} {row['Failure Count']:>5} {float(row['Requests/s']):7.1f} "
          f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {float(row['Max Response Time']):7.0f}")
EOF
if ((check_status != 0)); then echo "cluster-check: FAILED"; exit 1; fi
echo "cluster-check: all checks passed in $((SECONDS - started)) s"
