# Two commands on a fresh machine: `make run` and `make test`; each sets itself up first.
PY := .venv/bin/python
STAMP := .venv/.setup-done
RAW ?= data/raw
OUT ?= data/parquet
ARGS ?=
export OMP_THREAD_LIMIT := 1

.PHONY: setup run test lint samples dictionaries eval eval-correct bench report clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	./scripts/setup.sh
	touch $(STAMP)

run: setup
	$(PY) -m pipeline run $(RAW) --out $(OUT) $(ARGS)

report: run
	$(PY) -m pipeline report $(OUT) --out report.html

test: setup lint
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check pipeline tests corrections
	$(PY) -m ruff format --check pipeline tests corrections

samples: setup
	$(PY) -m tests.samples.build --out data/raw

dictionaries: setup
	$(PY) corrections/build.py

eval-correct: setup
	$(PY) -m tests.eval_correct

eval: setup
	$(PY) -m tests.eval_accounts

bench: setup
	$(PY) -m tests.bench

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
