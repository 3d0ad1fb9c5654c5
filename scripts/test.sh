#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit, property and CLI tests, then notebooks and examples).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
# The tests' own process computes with the OpenBLAS kernels gradflow itself uses: where OpenBLAS does not know
# the CPU and falls back to its generic kernels, gradflow restarts itself with OPENBLAS_CORETYPE set
# (docs/performance.md, "OpenBLAS's kernels on a CPU it does not know"); the test runner, which cannot,
# gets the same setting here (the last `Core:` line OpenBLAS prints for a gradflow process).
if [ -z "${OPENBLAS_CORETYPE+x}" ]; then
  core=$(OPENBLAS_VERBOSE=2 "$(swift build --show-bin-path)/gradflow" --version 2>&1 >/dev/null | sed -n 's/^Core: //p' | tail -n 1)
  if [ -n "$core" ]; then export OPENBLAS_CORETYPE="$core"; fi
  echo "OpenBLAS kernels: ${core:-unknown}"
fi
# The benchmark harness runs end to end (gradflow on S to t = 0.05 with one and two threads, no peers,
# nothing timed, into a temporary RESULTS.md), and so does the scaling grid on a tiny grid:
# benchmarks/README.md. Before the tests, so that the output ends with the test summaries.
python3 benchmarks/bench.py --quick
python3 benchmarks/scaling.py --quick --no-build --gradflow "$(swift build --show-bin-path)/gradflow" \
  --gradflow-bench "$(swift build --show-bin-path)/gradflow-bench"
# The conformance zoo's test subset (docs/zoo.md): the defaults on 12 problems against the cached
# references and the recorded runs (benchmarks/ZOO.json); fails on a regression of evaluations or
# accuracy by more than 20 % and ends with `zoo: N passed, F failed`. The reference's own checks
# need numpy and scipy.
python3 benchmarks/zoo.py --subset --gradflow "$(swift build --show-bin-path)/gradflow"
# The audit comparison's scoring on hand-made records (benchmarks/README.md).
python3 benchmarks/test_audit_compare.py
if python3 -c 'import numpy, scipy' >/dev/null 2>&1; then
  python3 benchmarks/zoo/test_reference.py
  python3 benchmarks/zoo/test_invariants.py
else
  echo "zoo reference: skipped (python3 has no numpy/scipy)"
fi
swift test --skip-build --disable-xctest "$@"
# Sweeps on real schedulers: GNU parallel killed and resumed, a Slurm job array on a local cluster, identical
# runs.csv (scripts/test-sweeps.sh, docs/sweeps.md; ~45 s). Ends with `sweeps: N passed, F failed`;
# GRADFLOW_SKIP_SWEEPS=1 skips it.
if [ "${GRADFLOW_SKIP_SWEEPS:-0}" != 1 ]; then
  GRADFLOW=$(swift build --show-bin-path)/gradflow bash scripts/test-sweeps.sh
fi
# Notebooks (headless, small parameters), example scripts and the plotting helper, on the debug gradflow
# built above, in the virtual environment .venv/ (scripts/test-notebooks.sh; GRADFLOW_SKIP_NOTEBOOKS=1
# skips them). It ends with `notebooks: N passed, F failed`, `examples: …` and `plots: …`.
if [ "${GRADFLOW_SKIP_NOTEBOOKS:-0}" != 1 ]; then
  GRADFLOW=$(swift build --show-bin-path)/gradflow bash scripts/test-notebooks.sh
fi
