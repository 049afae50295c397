# Two commands for a newcomer: `make run` and `make test`. Everything else is for the team.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Migrate, load the demo programme on first run, and serve on http://127.0.0.1:8000
run: install
	$(BIN)/glimpse migrate
	$(BIN)/glimpse demo --if-empty
	$(BIN)/glimpse serve

## Lint, type-check and run the whole test suite
test: install lint
	$(BIN)/pytest -n auto --durations=15

lint: install
	$(BIN)/ruff check server tests bench migrations
	$(BIN)/ruff format --check server tests bench migrations
	$(BIN)/mypy

format: install
	$(BIN)/ruff format server tests bench migrations
	$(BIN)/ruff check --fix server tests bench migrations

## Benchmarks: print p50/p99 latency, throughput and memory tables
bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
