# The two commands a new user runs: `make run` and `make test`. Both work on a fresh machine
# with only Python 3.11: they create .venv and install the pinned dependencies first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test chaos lint typecheck check clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	TIXALLO_WEBHOOK_ALLOW_PRIVATE=$${TIXALLO_WEBHOOK_ALLOW_PRIVATE:-true} $(BIN)/tixallo serve --demo

test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fault battery at full scale (tests/reliability, TIXALLO_CHAOS=1); prints the table.
# Set TIXALLO_TEST_POSTGRES_URL (and a redis-server binary on PATH) for the PostgreSQL rows.
chaos: $(VENV)/.dev
	TIXALLO_CHAOS=1 $(BIN)/python -m pytest tests/reliability $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/python scripts/tenancy_lint.py

typecheck: $(VENV)/.dev
	$(BIN)/mypy

check: lint typecheck test

# Not part of `make test`: needs wrk (apt-get install wrk), PostgreSQL and Redis on localhost
# (BENCH_PG_URL, BENCH_REDIS_URL); see bench/README.md. BENCH_SIZES adds 1000000 for the full series.
BENCH_SIZES ?= 10000,100000
BENCH_PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
bench: $(VENV)/.dev
	$(BIN)/python bench/api_bench.py
	$(BIN)/python bench/scale.py --sizes $(BENCH_SIZES) --requests 150
	$(BIN)/python bench/webhooks_bench.py --events 1000 --latency-events 200
	$(BIN)/python bench/webhooks_bench.py --events 1000 --latency-events 200 \
		--database-url $(subst postgresql://,postgresql+asyncpg://,$(BENCH_PG_URL))

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
