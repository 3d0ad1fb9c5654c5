#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit, property and CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
