# Two commands do everything on a fresh machine (Python 3.11):
#   make demo   build the venv, generate + load the demo province, start the app
#   make test   build the venv, run the whole test suite (SQLite and the local PostgreSQL)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-model serve lint clean chromium

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

test: $(STAMP) chromium
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# The page tests drive Debian's Chromium (no browser download: the network here only reaches the
# package registries). Installed once, as root or through sudo; without it those tests are skipped
# with the reason shown (and fail under CI=true).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  ($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null) \
	    || echo "could not install chromium: the browser tests will be skipped"; }

bench: $(STAMP) chromium
	$(BIN)/python bench/etl.py
	$(BIN)/python bench/pages.py

bench-model: $(STAMP)
	test -f data/cashless.db || $(BIN)/cashless demo
	$(BIN)/python bench/model.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) data/generated data/cashless.db*
