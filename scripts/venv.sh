#!/usr/bin/env bash
# Creates the Python virtual environment .venv/ (gitignored) for the Python package gradientflow
# (python/), the notebooks and their runner: installs requirements.txt and the package (editable:
# `pip install -e ./python`, so edits to python/ take effect at once) -- again only when
# requirements.txt or python/pyproject.toml changed (a hash stamp in the venv), so repeated runs cost
# nothing. Nothing is installed globally. Registers the venv's Jupyter kernel.
# Usage: scripts/venv.sh   (then .venv/bin/python -c 'import gradientflow', .venv/bin/python -m pytest python)
# Env: GRADFLOW_VENV (default .venv), PYTHON (interpreter to create it with, default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${GRADFLOW_VENV:-.venv}
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  echo "venv: creating $venv with $("$python" --version 2>&1)" >&2
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "venv: '$python -m venv' failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
want=$(cat requirements.txt python/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  echo "venv: installing requirements.txt and python/ (gradientflow) into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ./python
  # The notebooks' kernel is this venv's python (the runner puts $venv/share/jupyter first).
  "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (GradientFlow .venv)" >/dev/null
  echo "$want" > "$venv/.requirements.sha256"
fi
# The .pth file earlier versions of this script wrote; the editable install replaces it.
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -f "$site/gradflow_plot.pth"
