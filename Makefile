# hearth: two commands. `make demo` runs the service with demo accounts; `make test` runs
# the whole suite on SQLite and PostgreSQL. Both install what they need and are idempotent.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hearth-installed
HOST ?= 127.0.0.1
PORT ?= 5000
export HEARTH_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test fuzz screenshots lint format system-demo system-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { scripts/ensure-system-packages demo && $(PYTHON) -m venv $(VENV); }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,natural]'
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

# Deeper fuzzing than the suite's: 40 generated cases per API operation (over 2,000, each sent as
# a therapist and as a client), 200 generated sequences of home practice and 200 of dose-settings
# changes through every endpoint and the settings form, on SQLite.
fuzz: system-test $(STAMP)
	HEARTH_FUZZ_EXAMPLES=40 HEARTH_FUZZ_SEQUENCES=200 $(BIN)/python -m pytest -q -k sqlite \
		tests/service/test_openapi_fuzz.py tests/service/test_fuzz_stateful.py \
		tests/service/care/test_settings_sequences.py

# The key pages with the demo data, in headless Chromium, into docs/screenshots/ (for the README).
screenshots: system-test $(STAMP)
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
