# `make serve` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_TOOLS := raptor2-utils chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# $(call apt_install,DEBIAN PACKAGES,what happens without them): a shell command; needs root or sudo.
apt_install = if [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; then \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $(1); \
	  else echo "note: cannot install $(1) (not root); $(2)"; fi

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup tools malloc build serve validate test coverage import-cog bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Debian tools the tests use (rapper, an independent RDF parser; chromium, for the browser test).
# Needs root or sudo.
tools:
	@if ! command -v rapper >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then \
	  $(call apt_install,$(APT_TOOLS),the rapper and browser tests will be skipped); \
	fi

# mimalloc, which `territoires-lod serve` preloads when it is installed: pyoxigraph's many small
# allocations cost the query workers a third less CPU than with glibc's malloc. Needs root or sudo.
malloc:
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libmimalloc\.so\.2 '; then \
	  $(call apt_install,libmimalloc2.0,the server will use glibc's malloc); \
	fi

build: setup
	$(BIN)/territoires-lod build

validate: setup
	$(BIN)/territoires-lod validate

serve: setup malloc
	$(BIN)/territoires-lod serve --host $(HOST) --port $(PORT)

import-cog: node_modules/.installed $(VENV)/.installed
	$(BIN)/territoires-lod import-cog

test: setup tools malloc
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# Side-by-side benchmark (ours, Oxigraph server, rdflib-endpoint); writes bench/results/.
bench: setup
	bash bench/setup.sh
	bench/.venv/bin/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf dist .pytest_cache .coverage
