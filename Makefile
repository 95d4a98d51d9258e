# Everyday commands. `make demo` and `make test` work on a fresh clone: they create
# .venv and install the pinned versions (requirements/constraints.txt) first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_QUIET := 2>&1 | grep -v "^WARNING: Location" || true

.PHONY: install up down demo test test-fast lint status airflow-ui bench clean browser pdf-libs

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

pdf-libs:  ## Pango and a font for the report's PDF (WeasyPrint), from Debian's packages when missing
	@ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && ldconfig -p | grep -q 'libpango-1.0.so.0' || { \
		echo "Installing Pango for the report's PDF..."; \
		(apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 \
		  fonts-dejavu-core >/dev/null 2>&1)) || echo "could not install Pango: reports will have no PDF"; }

demo: install pdf-libs  ## set up, load the demo dataset, run every month, print the budget
	$(BIN)/florwork demo

status: install
	$(BIN)/florwork status

browser:  ## Debian's Chromium for the report's browser test (needs apt, as on CI)
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser test..."; \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && \
		 apt-get install -y -q chromium >/dev/null 2>&1)) || echo "could not install chromium: the browser test will fail"; }

test: install browser pdf-libs lint  ## lint, then unit and end-to-end tests (embedded PostgreSQL, real dbt and Airflow, Chromium)
	$(BIN)/pytest

test-fast: install  ## unit tests only
	$(BIN)/pytest -m "not e2e"

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
