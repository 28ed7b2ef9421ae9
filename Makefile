# Two commands do everything on a fresh machine (Python 3.11):
#   make demo   build the venv, generate + load the demo province, start the app
#   make test   build the venv, run the whole test suite (SQLite and the local PostgreSQL)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-model serve lint clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cashless demo
	$(BIN)/cashless serve --headless

serve: $(STAMP)
	$(BIN)/cashless serve --headless

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/etl.py

bench-model: $(STAMP)
	test -f data/cashless.db || $(BIN)/cashless demo
	$(BIN)/python bench/model.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) data/generated data/cashless.db*
