#!/usr/bin/env bash
# Steps and RHS evaluations per (dynamics, stepper) on the default problem (2 → 16 → 1 ReLU, 40 blobs,
# exponential loss, rtol 1e-8, atol 1e-10), t-clock to T. Usage: benchmarks/dynamics-steppers.sh [T]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-1e4}
swift build -c release --product gradflow >/dev/null
OUT=$(mktemp -d)
printf '| dynamics | stepper | accepted | rejected | RHS evals | Jacobians | seconds | final margin |\n|---|---|---|---|---|---|---|---|\n'
for d in unconstrained lagrange weightnorm; do
  for s in rkf45 rkck msbdf bsimp rk4imp; do
    .build/release/gradflow simulate --dynamics "$d" --stepper "$s" --t-end "$T" --out "$OUT" --force --quiet || true
    python3 - "$OUT/run.json" "$d" "$s" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r["stats"]; f = r["final"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {s['steps_accepted']} | {s['steps_rejected']} | {s['rhs_evals']} | "
      f"{s['jacobian_evals']} | {s['wall_seconds']:.2f} | {f['margin']:.8f} |")
PY
  done
done
rm -rf "$OUT"
