#!/usr/bin/env bash
# Sets up what the benchmark needs: wrk (Debian), bench/.venv with the peers (Oxigraph server from PyPI
# `oxigraph`, rdflib-endpoint), matplotlib, psutil and the project itself (editable), and the npm package
# of the COG. Idempotent; needs root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

if ! command -v wrk >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends wrk
fi

if [ ! -x bench/.venv/bin/python ]; then
  "$PYTHON" -m venv bench/.venv
fi
if [ ! -f bench/.venv/.installed ] || [ bench/setup.sh -nt bench/.venv/.installed ] || [ pyproject.toml -nt bench/.venv/.installed ]; then
  bench/.venv/bin/pip install --quiet --upgrade pip
  bench/.venv/bin/pip install --quiet oxigraph rdflib-endpoint matplotlib psutil -e .
  touch bench/.venv/.installed
fi

if [ ! -f node_modules/@etalab/decoupage-administratif/data/communes.json ]; then
  npm ci --no-audit --no-fund --silent
fi
# our server is run from the project's own venv (make setup)
if [ ! -x .venv/bin/territoires-lod ]; then
  echo "note: .venv/bin/territoires-lod is missing: run 'make setup' so that our server can be benchmarked" >&2
fi
echo "bench: ready (wrk $(command -v wrk), bench/.venv: $(bench/.venv/bin/oxigraph --version), rdflib-endpoint $(bench/.venv/bin/python -c 'import importlib.metadata as m; print(m.version("rdflib-endpoint"))'))"
