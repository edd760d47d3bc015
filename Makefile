# One command each, on a fresh Python 3.11 machine:  `make app`  (the app on its embedded rule engine)
#                                                   `make test` (install everything, run every test)
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install app test bench browser screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch is pinned to the CPU build (2.13.0) in the `ml` extra; an unpinned torch pulls GBs of CUDA.
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

app: install
	$(PY) app.py

# The browser test drives Debian's chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: install browser
	$(PY) -m pytest

bench: install
	$(PY) bench/run_all.py

screenshots: install browser
	$(PY) scripts/screenshots.py
