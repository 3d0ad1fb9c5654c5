#!/usr/bin/env bash
# Regenerates notebooks/figures/*.png and *.svg: runs every notebook headless with its full parameters (the ones
# in its `parameters` cell) and FIGURE_DIR=notebooks/figures. Takes a few minutes with a release build.
# Usage: scripts/render-figures.sh [NOTEBOOK.ipynb …]     (default: all of notebooks/[0-9]*.ipynb)
# The binary: $GRADFLOW if set, else a release build (swift build -c release --product gradflow).
# Executed notebooks (with outputs) are kept in a temporary directory; the committed ones stay stripped.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GRADFLOW:-}" ]; then
  if ! command -v swift >/dev/null 2>&1; then source scripts/setup.sh; fi
  swift build -c release --product gradflow 2>&1 | tail -n 1 >&2
  GRADFLOW=$(swift build -c release --show-bin-path)/gradflow
fi
export GRADFLOW=$(cd "$(dirname "$GRADFLOW")" && pwd)/$(basename "$GRADFLOW")
bash scripts/venv.sh
"${GRADFLOW_VENV:-.venv}/bin/python" scripts/run_notebooks.py --figures notebooks/figures "$@"
