#!/usr/bin/env bash
# Check a run for a KKT point of the max-margin problem: XOR, 2 -> 8 -> 1 ReLU, to log t = 200 with the
# weights saved (examples/configs/xor-check.json), then `gradflow check --at all`, which writes
# check.csv and check.json into the run directory. The checker's exit code is its verdict
# (0 kkt, 2 converging, 3 not converged, 4 kink-ambiguous, 5 not separable): 0 and 2 are expected here.
# outputs: runs/examples/check-run/trajectory.csv runs/examples/check-run/weights.csv runs/examples/check-run/check.csv runs/examples/check-run/check.json
source "$(dirname "$0")/common.sh"
out=runs/examples/check-run
gradflow simulate --config examples/configs/xor-check.json --out "$out" --force --quiet
status=0
gradflow check "$out" --at all || status=$?
case $status in
  0|2) echo "check-run: verdict exit code $status (0 kkt, 2 converging)" ;;
  *) echo "check-run: unexpected verdict exit code $status" >&2; exit 1 ;;
esac
