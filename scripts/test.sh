#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit, property and CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
# The benchmark harness runs end to end (gradflow on S to t = 0.05, no peers, nothing timed):
# benchmarks/README.md. Before the tests, so that their summary stays the last line.
python3 benchmarks/bench.py --smoke
swift test --skip-build --disable-xctest "$@"
