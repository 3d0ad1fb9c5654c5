#!/usr/bin/env bash
# Creates the Python virtual environment .venv/ (gitignored) for the notebooks, the plotting helper
# and the notebook runner, and installs requirements.txt into it -- again only when requirements.txt
# changed (a hash stamp in the venv), so repeated runs cost nothing. Nothing is installed globally.
# Makes python/gradflow_plot importable in the venv (a .pth file) and registers its Jupyter kernel.
# Usage: scripts/venv.sh        (then .venv/bin/python -m gradflow_plot RUN_DIR, .venv/bin/jupyter …)
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
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  echo "venv: installing requirements.txt into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
  # The notebooks' kernel is this venv's python (the runner puts $venv/share/jupyter first).
  "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (GradientFlow .venv)" >/dev/null
  echo "$want" > "$venv/.requirements.sha256"
fi
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD/python" > "$site/gradflow_plot.pth"
