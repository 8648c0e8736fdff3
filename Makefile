# `make run`: install what is missing, seed the demo organisation into the embedded SQLite default
# (var/fazhan.db) and serve the API on http://127.0.0.1:8000 (the engine demo: `fazhan demo`).
# `make test`: the whole test suite (PostgreSQL tests run when a server answers on 127.0.0.1:5432).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://root@127.0.0.1:5432/test

.PHONY: run test deps system-deps bench bench-hostile examples clean

run: deps
	$(BIN)/fazhan demo-seed
	$(BIN)/fazhan serve

test: deps
	@if [ -z "$$FAZHAN_TEST_POSTGRES_URL" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export FAZHAN_TEST_POSTGRES_URL=$(PG_URL); fi; \
	$(BIN)/pytest -q

examples: deps
	$(BIN)/python ../shared/tools/check_examples.py -v

bench: deps
	$(BIN)/python bench/audit_throughput.py

bench-hostile: deps   # each hostile spreadsheet: refusal code, time, peak memory (issue 9)
	$(BIN)/python -m bench.hostile_inputs

deps: system-deps $(BIN)/.installed

system-deps:
	@bash scripts/system-deps.sh   # FAZHAN_WITH_BROWSER=1 adds chromium for the browser tests

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .hypothesis
