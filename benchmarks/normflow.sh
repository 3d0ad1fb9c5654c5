#!/usr/bin/env bash
# The normalized flows against the unconstrained flow on the benchmark problems (issue 17 item 4, issue 21):
# RHS evaluations, steps, wall time, final loss and γ̄ for each dynamics under the defaults and under
# --sliding filippov, with the bench protocol (rtol 1e-8, atol 1e-10, t = 1e4), and the machine's load.
#
#   benchmarks/normflow.sh [GRADFLOW] [CASES] [EXTRA FLAGS...]
#   benchmarks/normflow.sh .build/release/gradflow "S M"
#   benchmarks/normflow.sh .build/release/gradflow S --rtol 1e-10 --atol 1e-12   # tighter references
#
# Output: one line per run (case, dynamics, policy, evaluations, accepted, rejected, seconds, loss, γ̄).
set -euo pipefail
gradflow=${1:-.build/release/gradflow}
cases=${2:-"S D M"}
shift $(($# < 2 ? $# : 2))
problems=${PROBLEMS:-$(cd "$(dirname "$0")" && pwd)/problems}
shared=/work/shared/bench/problems
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-2s %-22s %-9s %9s %7s %7s %8s %-16s %-14s\n' case dynamics policy evals acc rej seconds loss margin
for c in $cases; do
  dir=$problems/${c}_s0
  [ -d "$dir" ] || dir=$shared/${c}_s0
  for dyn in unconstrained lagrange weightnorm "weightnorm --wn-scale 0.5"; do
    for policy in defaults filippov; do
      flags=()
      [ "$policy" = filippov ] && flags=(--sliding filippov)
      # shellcheck disable=SC2086
      if ! "$gradflow" simulate --data "$dir/data.csv" --init "$dir/weights.json" --t-end 1e4 --rtol 1e-8 \
        --atol 1e-10 --dynamics $dyn "${flags[@]}" "$@" --out "$out/run" --force --quiet 2>"$out/err"; then
        printf '%-2s %-22s %-9s %s\n' "$c" "$dyn" "$policy" "$(tail -c 120 "$out/err" | tr '\n' ' ')"
        continue
      fi
      python3 - "$out/run/run.json" "$c" "$dyn" "$policy" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s, f = r["stats"], r["final"]
print(f"{sys.argv[2]:2s} {sys.argv[3]:22s} {r['config']['sliding']:9s} {s['rhs_evals']:9d} {s['steps_accepted']:7d} "
      f"{s['steps_rejected']:7d} {s['wall_seconds']:8.2f} {f['loss']:<16.10g} {f['margin']:<14.10g}")
EOF
    done
  done
done
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
