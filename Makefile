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
	@echo "silson: the example case, and the family's discover report, through the CLI"
	$(BIN)/silson adjudicate examples/kim-2017.json --json > /dev/null && echo "adjudicate: ok"
	$(BIN)/silson discover --hometax examples/family/hometax-2023-2025.xml \
		--contracts examples/family/contracts.json --as-of 2026-11-23 | tail -n 3
	@echo
	@echo "Starting the sandbox insurer on :8765 and the service with the demo family (SILSON_HOME=$${SILSON_HOME:-var}); Ctrl-C stops both."
	@$(BIN)/silson sandbox-insurer --port 8765 & insurer=$$!; trap "kill $$insurer 2>/dev/null" EXIT INT TERM; \
		SILSON_INSURER_URL=$${SILSON_INSURER_URL:-http://127.0.0.1:8765} $(BIN)/silson serve

demo: $(STAMP)
	$(BIN)/silson demo --no-serve

worker: $(STAMP)
	$(BIN)/huey_consumer silson.jobs.queue.huey -w 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The golden cases through the CLI with the shared folder's checker; a clone on its own (no $(SHARED))
# still runs every own case in-process under pytest, and says here that this step was skipped.
cases: $(STAMP)
	@if [ -x "$(SHARED)/tools/check-cases" ]; then \
		$(SHARED)/tools/check-cases --silson $(BIN)/silson && \
		$(SHARED)/tools/check-cases --silson $(BIN)/silson tests/cases; \
	else echo "cases: skipped, $(SHARED)/tools/check-cases is not here (the own cases ran under pytest)"; fi

test: $(STAMP) lint typecheck
	$(BIN)/pytest
	$(MAKE) --no-print-directory cases

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
