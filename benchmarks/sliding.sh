#!/usr/bin/env bash
# ReLU kinks (THEORY §7.1, README "ReLU kinks"): cost and answer of each integration policy on the
# benchmark cases, against the reference answers of ../shared/bench/PROBLEM.md and our own tight runs.
# Prints one markdown row per (case, policy): RHS evaluations, accepted/rejected steps, wall seconds,
# final loss, γ̄, ρ, and the agreement with the reference (relative in loss and ρ, absolute in γ̄).
# Policies (flags explicit, independent of the defaults): off = plain rkf45 (σ'(0) = 0), filippov = --sliding
# filippov (any depth), *-rms = --error-norm rms (scipy/diffrax's RMS norm), else GSL's max norm; *-rkck =
# the rkck stepper; *-ref = tight-tolerance references. filippov-rms is the defaults.
# Usage: benchmarks/sliding.sh [CASES]   (default "S D"; M: ~2 minutes for filippov-rms, tens of
#        minutes for off-rms and filippov-rms-ref on a loaded machine)
#        T_END=0.02 benchmarks/sliding.sh M   (a shorter horizon for M)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-"S D"}
T_END=${T_END:-1e4}
PROBLEMS=${PROBLEMS:-../shared/bench/problems}
export OPENBLAS_NUM_THREADS=1
swift build -c release --product gradflow >/dev/null
G=.build/release/gradflow
W=$(mktemp -d)
printf '| case | T | policy | RHS evals | accepted | rejected | seconds | loss | γ̄ | ρ | Δloss (rel) | Δγ̄ (abs) | Δρ (rel) |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for case in $CASES; do
  case $case in
    S) policies=("off" "off-rms" "rkck-rms" "filippov" "filippov-rms" "filippov-rkck-rms" "filippov-ref") ;;
    M) policies=("filippov-rkck-rms" "filippov-rms" "off-rms" "filippov-rms-ref") ;;
    *) policies=("off" "off-rms" "rkck-rms" "filippov-rms" "filippov-rkck-rms" "off-rms-rtol1e-7" "off-rms-ref") ;;
  esac
  for policy in "${policies[@]}"; do
    case $policy in
      off) args=(--sliding off --error-norm max) ;;
      off-rms) args=(--sliding off --error-norm rms) ;;
      rkck-rms) args=(--sliding off --error-norm rms --stepper rkck) ;;
      off-rms-rtol1e-7) args=(--sliding off --error-norm rms --rtol 1e-7) ;;
      off-rms-ref) args=(--sliding off --error-norm rms --rtol 1e-9 --atol 1e-11) ;;
      filippov) args=(--sliding filippov --error-norm max) ;;
      filippov-rms) args=(--sliding filippov --error-norm rms) ;;
      filippov-rkck-rms) args=(--sliding filippov --error-norm rms --stepper rkck) ;;
      filippov-ref) args=(--sliding filippov --error-norm max --sliding-band 1e-9 --rtol 1e-11 --atol 1e-13) ;;
      filippov-rms-ref) args=(--sliding filippov --error-norm rms --sliding-band 1e-9 --rtol 1e-9 --atol 1e-11) ;;
    esac
    "$G" simulate --data "$PROBLEMS/${case}_s0/data.csv" --init "$PROBLEMS/${case}_s0/weights.json" \
      --t-end "$T_END" --max-steps 5000000 "${args[@]}" --out "$W/$case-$policy" --force --quiet || true
    python3 - "$W/$case-$policy" "$case" "$policy" "$T_END" <<'PY'
import json, sys
out, case, policy, t_end = sys.argv[1:]
reference = {  # ../shared/bench/PROBLEM.md, T = 1e4
    "S": (2.4865630e-05, 0.18635303, 60.750505),
    "D": (3.5806679e-06, 0.12780197, 109.45146),
    "M": (2.7223077e-05, 0.13005004, 94.544241),
}
r = json.load(open(f"{out}/run.json"))
s, f = r["stats"], r["final"]
loss, margin, rho = f["loss"], f["margin"], f["rho"]
if float(t_end) == 1e4 and r["termination"]["reason"] == "reachedEnd":
    L, g, p = reference[case]
    delta = f"{abs(loss / L - 1):.1e} | {abs(margin - g):.1e} | {abs(rho / p - 1):.1e}"
else:
    delta = f"({r['termination']['reason']} at t = {r['termination']['t']:.4g}) | | "
print(f"| {case} | {t_end} | {policy} | {s['rhs_evals']} | {s['steps_accepted']} | {s['steps_rejected']} | "
      f"{s['wall_seconds']:.2f} | {loss:.10g} | {margin:.10g} | {rho:.10g} | {delta} |")
PY
  done
done
rm -rf "$W"
