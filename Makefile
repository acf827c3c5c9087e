# mailbot: the two commands of the README, and the checks.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean-demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: seed var/demo with sample mail, run one full cycle on the embedded default, report.
demo: $(STAMP)
	$(BIN)/mailbot demo

## test: install what the tests need and run the whole suite.
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check mailbot tests bench
	$(BIN)/mypy

## bench: the benchmarks (they print numbers; see bench/README.md). Needs dovecot-imapd.
bench: $(STAMP)
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_idle.py
	$(BIN)/python bench/bench_latency.py
	$(BIN)/python bench/bench_backlog.py

clean-demo:
	rm -rf var/demo
