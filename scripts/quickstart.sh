#!/usr/bin/env bash
# Sets up, builds gradflow (release) and runs the built-in default simulation into runs/default.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product gradflow 2>&1 | tail -n 1
.build/release/gradflow simulate --out runs/default --force "$@"
