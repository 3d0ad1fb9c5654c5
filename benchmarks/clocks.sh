#!/usr/bin/env bash
# Cost of reaching the asymptotic regime per clock (THEORY §7.3): accepted steps, RHS evaluations,
# wall time and the final direction error (R1, R2: against the SVM direction) or ρ·γ̄/log t (ReLU).
# Usage: benchmarks/clocks.sh [LOG_T_END]   (default 1000; the t clock stops at log t = 700, its limit)
set -euo pipefail
cd "$(dirname "$0")/.."
END=${1:-1000}
swift build -c release --product gradflow >/dev/null
G=.build/release/gradflow
W=$(mktemp -d)
printf '{"arch": [2, 1], "layers": [[[0.3, -0.2]]]}\n' > "$W/r1.json"
printf '{"arch": [2, 1], "layers": [[[0.2, -0.7]]]}\n' > "$W/r2.json"
printf '| problem | clock | log t reached | accepted | rejected | RHS evals | seconds | result |\n|---|---|---|---|---|---|---|---|\n'
for problem in r1 r2 relu; do
  case $problem in
    r1) args=(--generator r1 --init "$W/r1.json" --rtol 1e-10 --atol 1e-12) ;;
    r2) args=(--generator r2 --init "$W/r2.json" --rtol 1e-10 --atol 1e-12) ;;
    relu) args=(--generator blobs --n 100 --widths 16) ;;
  esac
  for clock in t log-t rho auto; do
    end=$END
    if [ "$clock" = t ] && awk "BEGIN{exit !($END > 700)}"; then end=700; fi
    "$G" simulate "${args[@]}" --clock "$clock" --log-t-end "$end" --max-steps 2000000 --out "$W/out" --force --quiet || true
    python3 - "$W/out" "$problem" "$clock" <<'PY'
import json, math, sys
out, problem, clock = sys.argv[1:]
r = json.load(open(f"{out}/run.json")); s = r["stats"]; f = r["final"]
if problem == "relu":
    result = f"ρ·γ̄/log t = {f['rho'] * f['margin'] / f['log_t']:.4f}"
else:
    w = json.load(open(f"{out}/final_weights.json"))["layers"][0][0]
    svm = (1.0, 0.5) if problem == "r1" else (1.0, 1.0)
    n, m = math.hypot(*w), math.hypot(*svm)
    result = f"direction error {math.hypot(w[0]/n - svm[0]/m, w[1]/n - svm[1]/m):.6e}"
print(f"| {problem} | {clock} | {f['log_t']:.6g} | {s['steps_accepted']} | {s['steps_rejected']} | {s['rhs_evals']} | {s['wall_seconds']:.2f} | {result} |")
PY
  done
done
rm -rf "$W"
