# hearth: two commands. `make demo` runs the service with demo accounts; `make test` runs
# the whole suite on SQLite and PostgreSQL. Both install what they need and are idempotent.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hearth-installed
HOST ?= 127.0.0.1
PORT ?= 5000
export HEARTH_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test lint format system-demo system-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { scripts/ensure-system-packages demo && $(PYTHON) -m venv $(VENV); }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-demo:
	@scripts/ensure-system-packages demo

system-test:
	@scripts/ensure-system-packages test

demo: system-demo $(STAMP)
	$(BIN)/hearth db upgrade
	$(BIN)/hearth demo
	@echo
	@echo "hearth is starting at $(HEARTH_BASE_URL)  (API docs: $(HEARTH_BASE_URL)/api/docs)"
	@echo "Stop it with Ctrl-C."
	scripts/run-demo $(HOST) $(PORT)

test: system-test $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
