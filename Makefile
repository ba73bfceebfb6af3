# The README's two commands: `make run` serves the app with demo data, `make test` runs every test.
# Both create .venv and install the project into it the first time (again only when setup.cfg changes).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
LOCALSTRIPE_PORT ?= 8420
export FLASK_APP := market_app

.PHONY: run test lint bench bench-orders bench-workers bench-dashboards cluster-check install

$(STAMP): setup.cfg pyproject.toml
	@if [ ! -x $(BIN)/python ]; then
	  echo "Creating $(VENV) with $(PYTHON)"
	  $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "python3 -m venv failed (Debian: apt-get install -y python3-venv)"; exit 1; }
	fi
	echo "Installing the project and its dependencies into $(VENV)..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(STAMP)

run: install
	@if [ -z "$${SECRET_KEY:-}" ]; then
	  # Development only: a random key made once and kept in instance/ (the app refuses to start without a key).
	  mkdir -p instance
	  [ -s instance/dev-secret-key ] || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > instance/dev-secret-key
	  export SECRET_KEY="$$(cat instance/dev-secret-key)"
	  echo "== SECRET_KEY: the development key in instance/dev-secret-key (set SECRET_KEY to use your own)"
	fi
	echo "== database: $${DATABASE_URL:-instance/market.db (SQLite)}"
	$(BIN)/flask db upgrade
	echo "== demo data (only into a database without markets)"
	$(BIN)/flask seed-demo --if-empty
	if [ -z "$${STRIPE_API_KEY:-}" ]; then
	  # No Stripe key: payments go to localstripe on loopback, state kept under instance/, events signed
	  # with a local secret and sent to this app's webhook.
	  export STRIPE_API_KEY=sk_test_local STRIPE_API_BASE="http://127.0.0.1:$(LOCALSTRIPE_PORT)"
	  export STRIPE_WEBHOOK_SECRET="$${STRIPE_WEBHOOK_SECRET:-whsec_local_development}"
	  export STRIPE_PUBLISHABLE_KEY=pk_test_local STRIPE_JS_URL="$$STRIPE_API_BASE/js.stripe.com/v3/"
	  echo "== localstripe on $$STRIPE_API_BASE (state: instance/localstripe.pickle)"
	  $(BIN)/python -m market_app.payments.localstripe_server --port $(LOCALSTRIPE_PORT) \
	    --state-file instance/localstripe.pickle --webhook-secret "$$STRIPE_WEBHOOK_SECRET" \
	    --webhook-url "http://127.0.0.1:$(PORT)/api/v1/payments/stripe/webhook" > instance/localstripe.log 2>&1 &
	  localstripe_pid=$$!
	  trap 'kill $$localstripe_pid 2>/dev/null || true' EXIT
	  $(BIN)/python -m market_app.payments.wait_for_port 127.0.0.1 $(LOCALSTRIPE_PORT) 20
	fi
	rm -rf instance/prometheus && mkdir -p instance/prometheus  # /metrics adds up the samples of every process
	export PROMETHEUS_MULTIPROC_DIR=instance/prometheus  # the task worker's too (payments a webhook job moved)
	echo "== task worker (jobs queued in $${REDIS_URL:-instance/jobs.db}; log: instance/worker.log)"
	$(BIN)/python -m market_app.worker --workers 2 --worker-type thread > instance/worker.log 2>&1 &
	worker_pid=$$!
	trap 'kill $$worker_pid $${localstripe_pid:-} 2>/dev/null || true' EXIT
	echo "== serving http://127.0.0.1:$(PORT)  (API under /api/v1, docs at /api/docs, /metrics; Ctrl-C stops)"
	$(BIN)/gunicorn --workers 2 --threads 4 \
	  --bind 127.0.0.1:$(PORT) wsgi:app

# The browser tests drive Debian's Chromium (never `playwright install`, which downloads a browser and fails here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then
	  echo "Installing chromium and fonts-noto-cjk for the browser tests (apt-get, about 20 s)..."
	  apt-get update -qq
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
	else
	  echo "WARNING: no $(CHROMIUM); the browser tests fail until: sudo apt-get install -y chromium fonts-noto-cjk"
	  echo "         (or set MARKET_SKIP_BROWSER_TESTS=1 to skip them)"
	fi

# `python -m pytest` puts the repository root on sys.path, so tests can import tests.conftest helpers.
test: install $(CHROMIUM)
	@$(BIN)/python -m pytest

lint: install
	@$(BIN)/ruff check market_app tests bench
	$(BIN)/lint-imports

# Every ratio in one run: public reads (hot, cold, 304), per-request overhead, orders against raw SQL (bench/README.md).
bench: install
	@bench/run.sh

# Order placement on PostgreSQL (127.0.0.1:5432, user postgres) against raw SQL; see bench/README.md.
bench-orders: install
	@bench/orders.sh

# gunicorn sync vs gthread, 2 vs 4 workers, on reads and orders (bench/README.md).
bench-workers: install
	@bench/workers.sh

# nginx -> two gunicorn app servers -> PostgreSQL + Redis + the Huey worker, a minute of mixed load with one app
# server restarted midway, then the checks; a few minutes, loopback only (bench/cluster_check.sh).
cluster-check: install
	@bench/cluster_check.sh

# Dashboards on a million order items in PostgreSQL (COPY loader, timings, CSV memory, EXPLAIN); see bench/README.md.
bench-dashboards: install
	@bench/dashboards.sh
