#!/usr/bin/env bash
# The Python package gradientflow (python/): simulate XOR, check the run and plot its panel from Python
# (examples/python_api.py). Python: $PYTHON, else the .venv of scripts/venv.sh, else python3 (which then
# needs `pip install ./python`).
# outputs: runs/examples/python-api/trajectory.csv runs/examples/python-api/check.csv runs/examples/python-api/figures/panel.png runs/examples/python-api/figures/panel.svg
source "$(dirname "$0")/common.sh"
python=${PYTHON:-}
if [ -z "$python" ]; then
  if [ -x "${GRADFLOW_VENV:-.venv}/bin/python" ]; then python=${GRADFLOW_VENV:-.venv}/bin/python; else python=python3; fi
fi
GRADFLOW=$(cd "$(dirname "$GRADFLOW")" && pwd)/$(basename "$GRADFLOW") MPLBACKEND=Agg "$python" examples/python_api.py
