#!/usr/bin/env bash
# Times `gradflow check` (the K >= 3 Clarke certificate included) on the zoo's 3- and 4-layer ReLU nets
# after long runs and on the benchmark D net, and compares each certificate with the independent numpy/scipy
# residual of benchmarks/check_independent.py at the same state (docs/checker.md, "Timings").
# Usage: benchmarks/check-timings.sh [OUT_DIR]   (GRADFLOW: the binary, default .build/release/gradflow;
#        D_PROBLEM: the benchmark problem D, default /work/shared/bench/problems/D_s0 or benchmarks/problems/D_s0)
# The simulations are slow (the stopped ones run to their 1e6-step limit: minutes each); the checks are not.
set -uo pipefail
cd "$(dirname "$0")/.."
G=${GRADFLOW:-$PWD/.build/release/gradflow}
Z=$PWD/benchmarks/zoo
D=${D_PROBLEM:-/work/shared/bench/problems/D_s0}
[ -d "$D" ] || D=$PWD/benchmarks/problems/D_s0
OUT=${1:-runs/check-timings}
mkdir -p "$OUT" && cd "$OUT"
long="--clock auto --log-t-end 100 --saves 20 --save-weights --max-wall-seconds 900 --force --quiet"
run() { name=$1; shift; "$G" simulate "$@" --out "$name"; echo "$name: $(python3 -c "import json; print(json.load(open('$name/run.json'))['termination']['message'])")"; }
run orthosep_w8x8 --data $Z/data/orthosep.csv --init $Z/init/orthosep_w8x8.json --widths 8,8 $long
run moons_bias_w8x8 --data $Z/data/moons.csv --bias-feature --init $Z/init/moons_bias_w8x8.json --widths 8,8 $long
run blobs_w8x8x8 --data $Z/data/blobs.csv --init $Z/init/blobs_w8x8x8.json --widths 8,8,8 $long
run xor4_w8x8 --data $Z/data/xor4.csv --init $Z/init/xor4_w8x8.json --widths 8,8 $long
run D100 --data $D/data.csv --init $D/weights.json --widths 32,32 $long
run orthosep_w8x8_lagrange --data $Z/data/orthosep.csv --init $Z/init/orthosep_w8x8.json --widths 8,8 \
  --dynamics lagrange --t-end 1e4 --saves 20 --save-weights --force --quiet
for n in orthosep_w8x8 orthosep_w8x8_lagrange moons_bias_w8x8 blobs_w8x8x8 xor4_w8x8 D100; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U" -o $n.time "$G" check $n --json > $n.check.json
  python3 ../../benchmarks/check_independent.py $n > $n.independent.json 2>/dev/null || echo '{"separating": false}' > $n.independent.json
  python3 - "$n" "$load" <<'PY'
import json, sys
n, load = sys.argv[1:]
g = json.load(open(f"{n}.check.json"))
i = json.load(open(f"{n}.independent.json"))
wall, cpu = open(f"{n}.time").read().split()
line = f"{n}: log t {g['log_t']:.4g}, verdict {g['verdict']}, kink pairs {g['kink_pairs']}, check {cpu} s CPU ({wall} s wall, load {load})"
if g.get("eps_rel") is not None:
    line += f", eps_rel {g['eps_rel']:.6g}, certified bound {g.get('eps_rel_lower_bound')}"
    pareto = {str(p["eta"]): p["eps_rel"] for p in g["pareto"]}
    diffs = [abs(f["eps_rel"] - pareto[str(f["eta"])]) / f["eps_rel"] for f in i.get("fits", []) if str(f["eta"]) in pareto]
    line += f"; independent ({i.get('columns')} vertex columns): eps_rel(S_inf) {i['fits'][0]['eps_rel']:.15g}, largest relative difference over the candidate sets {max(diffs):.1e}"
print(line)
PY
done
