# Sourced by the example scripts: run from the repository root, find the gradflow binary.
# GRADFLOW (env) overrides; else .build/release/gradflow, else .build/debug/gradflow.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${GRADFLOW:-}" ]; then
  for candidate in .build/release/gradflow .build/debug/gradflow; do
    if [ -x "$candidate" ]; then GRADFLOW=$candidate; break; fi
  done
fi
if [ -z "${GRADFLOW:-}" ] || [ ! -x "$GRADFLOW" ]; then
  echo "no gradflow binary: run 'swift build -c release --product gradflow' or set GRADFLOW" >&2
  exit 1
fi
gradflow() { "$GRADFLOW" "$@"; }
