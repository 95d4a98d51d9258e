# Everyday commands. `make demo` and `make test` work on a fresh clone: they create
# .venv and install the pinned versions (requirements/constraints.txt) first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_QUIET := 2>&1 | grep -v "^WARNING: Location" || true

.PHONY: install up down demo test test-quick test-fast test-rules test-e2e lint status airflow-ui bench clean system-deps

$(STAMP): pyproject.toml requirements/constraints.txt
	@echo "Creating $(VENV) and installing the pinned dependencies (about a minute)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip $(PIP_QUIET)
	@$(BIN)/python -m pip install -q -c requirements/constraints.txt -e '.[dev,demo]' $(PIP_QUIET)
	@$(BIN)/python -c "import airflow, dbt.version, great_expectations, pgserver, stdnum, florwork" \
		|| { echo "installation incomplete"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)  ## create .venv with the pinned versions

up: install  ## start the embedded PostgreSQL, create the databases, migrate Airflow
	$(BIN)/florwork up

down:  ## stop the embedded PostgreSQL
	$(BIN)/florwork down

SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium

system-deps:  ## Debian/Ubuntu: Pango and a font (the report's PDF), Chromium (the browser tests); needs root or sudo
	@if [ "$$(id -u)" -eq 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
		echo "system-deps needs root or sudo: ask for $(SYSTEM_PACKAGES), or see the README's System packages"; exit 1; fi; \
	$$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null
	@echo "installed: $(SYSTEM_PACKAGES)"

demo: install  ## set up, load the demo dataset, run every month, print the budget
	$(BIN)/florwork demo

status: install
	$(BIN)/florwork status

# Every pytest target prints its 25 slowest tests. Tests that need Chromium skip without
# it (they fail instead where CI=true); without Pango the report has no PDF (a warning).
# The tests run on one worker per core (pytest-xdist), each with its own embedded
# PostgreSQL and state folder; a module's tests stay on one worker, as they share its
# run. WORKERS=1 runs them in this process.
PYTEST := $(BIN)/pytest --durations=25
WORKERS ?= auto
PARALLEL := $(if $(filter 1,$(WORKERS)),,-n $(WORKERS) --dist loadfile)

test: install lint  ## lint, then every test: unit, DAG integrity, dbt rules, end to end (embedded PostgreSQL)
	$(PYTEST) $(PARALLEL)

test-quick: install  ## every test but the slow ones (marked `slow`: Airflow's scheduler, long histories)
	$(PYTEST) $(PARALLEL) -m "not slow"

test-fast: install  ## under a minute: unit tests, DAG integrity, GX suites on fixtures, dbt parse
	$(PYTEST) $(PARALLEL) -m fast

test-rules: install  ## the warehouse built empty and every dbt unit test (the savings method's rules)
	$(PYTEST) -m rules

test-e2e: install  ## the end-to-end tests only (what test-fast and test-rules leave out)
	$(PYTEST) $(PARALLEL) -m "not fast and not rules"

lint: install  ## ruff: lint rules, 120-character lines, formatting
	$(BIN)/ruff check plugins dags tests bench
	$(BIN)/ruff format --check plugins dags tests bench

airflow-ui: up  ## Airflow's api-server, scheduler, dag-processor and triggerer on http://localhost:8080
	$(BIN)/florwork airflow standalone

DLT_VENV := bench/.venv-dlt

$(DLT_VENV)/.installed-stamp: bench/requirements-dlt.txt bench/constraints-dlt.txt
	@echo "Installing dlt for the benchmark's comparison into $(DLT_VENV)..."
	@test -x $(DLT_VENV)/bin/python || $(PYTHON) -m venv $(DLT_VENV)
	@$(DLT_VENV)/bin/python -m pip install -q -c bench/constraints-dlt.txt -r bench/requirements-dlt.txt $(PIP_QUIET)
	@touch $@

bench: install $(DLT_VENV)/.installed-stamp  ## benchmarks: make bench SCALE=demo|city|region (all comparisons)
	cd bench && ../$(BIN)/python run.py --scale $(or $(SCALE),demo)

clean: down  ## stop the server and delete the local state (databases, logs, reports)
	rm -rf .florwork dbt_project/target dbt_project/logs
