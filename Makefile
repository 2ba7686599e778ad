# The two commands a new user needs: `make run` and `make test`. Both build the virtual
# environment from the project's own files first, so a fresh clone needs nothing installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck cases venv clean worker demo

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@echo "silson: adjudicating the example case (examples/kim-2017.json)"
	$(BIN)/silson adjudicate examples/kim-2017.json
	@echo
	@echo "The rule sets in the terms catalogue:"
	$(BIN)/silson terms list
	@echo
	@echo "What a family's 3 years of tax-office medical data may be owed (examples/family):"
	$(BIN)/silson discover --hometax examples/family/hometax-2023-2025.xml \
		--contracts examples/family/contracts.json --as-of 2026-11-23

demo: $(STAMP)
	$(BIN)/silson demo --no-serve

worker: $(STAMP)
	$(BIN)/huey_consumer silson.jobs.queue.huey -w 2

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

cases: $(STAMP)
	$(SHARED)/tools/check-cases --silson $(BIN)/silson
	$(SHARED)/tools/check-cases --silson $(BIN)/silson tests/cases

test: $(STAMP) lint typecheck
	$(BIN)/pytest
	$(MAKE) --no-print-directory cases

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
