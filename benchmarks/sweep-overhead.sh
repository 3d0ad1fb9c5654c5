#!/usr/bin/env bash
# Per-task overhead of a sweep (docs/sweeps.md "Throughput"): the 1,000 small tasks of
# benchmarks/sweep-1000.json (n = 8 or 16 blobs, widths [2] or [4], t_end = 10, 5 saves), run
#   (a) one process per task, one at a time (GNU parallel -j 1: what a job array or parallel does), and
#   (b) all tasks in one process (`gradflow sweep GRID --out DIR`, no --task).
# overhead per task = (elapsed − Σ integration wall_seconds from run.json) / tasks: process start, grid
# and config, data and setup, outputs, the directory claim. GRADFLOW=path (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
gradflow=${GRADFLOW:-$(swift build -c release --show-bin-path)/gradflow}
work=$(mktemp -d /tmp/gradflow-overhead.XXXXXX)
grid=benchmarks/sweep-1000.json
n=$("$gradflow" sweep "$grid" --out "$work/a" --count)
measure() {  # DIR START END LABEL
  local integration
  integration=$("$gradflow" collect "$1" --timings --strict --quiet && python3 -c "
import csv, sys; print(sum(float(r['wall_seconds']) for r in csv.DictReader(open(sys.argv[1]))))" "$1/runs.csv")
  python3 -c "
import sys; n, s, e, w = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f'{sys.argv[5]}: {n} tasks in {e - s:.2f} s; integration {w:.2f} s; overhead {(e - s - w) / n * 1e3:.1f} ms per task')
" "$n" "$2" "$3" "$integration" "$4"
}
"$gradflow" sweep "$grid" --out "$work/a" --emit parallel >"$work/commands.txt"
start=$(date +%s.%N); parallel -j 1 <"$work/commands.txt"; end=$(date +%s.%N)
measure "$work/a" "$start" "$end" "(a) one process per task"
start=$(date +%s.%N); "$gradflow" sweep "$grid" --out "$work/b" --quiet; end=$(date +%s.%N)
measure "$work/b" "$start" "$end" "(b) one process for all tasks"
rm -rf "$work"
