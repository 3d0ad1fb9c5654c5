#!/usr/bin/env bash
# A small seed sweep with `gradflow sweep` (docs/sweeps.md): the default problem (40 blobs, 2 -> 16 -> 1
# ReLU, t = 1e4) from five initializations (seed 0..4, the data fixed by data_seed; the grid is
# examples/configs/seed-sweep-grid.json), one task after another here (with GNU parallel installed:
# `gradflow sweep GRID --out DIR --emit parallel | parallel`), then `gradflow collect` gathers runs.csv.
# Running it again skips the finished tasks.
# outputs: runs/examples/seed-sweep/runs.csv runs/examples/seed-sweep/trajectories.csv runs/examples/seed-sweep/seed-4/trajectory.csv
source "$(dirname "$0")/common.sh"
out=runs/examples/seed-sweep
grid=examples/configs/seed-sweep-grid.json
# A directory holds one sweep: an earlier layout of this example (seed-K directories without sweep.json) is cleared.
[ -f "$out/sweep.json" ] || rm -rf "$out"
gradflow sweep "$grid" --out "$out"
gradflow collect "$out" --strict
python3 - "$out" <<'PY'
import csv, pathlib, sys
out = pathlib.Path(sys.argv[1])
rows = list(csv.DictReader(open(out / "runs.csv")))
print(f"{'seed':>4} {'margin':>11} {'smoothed':>11} {'rho':>9} {'loss':>11} {'steps':>6}")
for r in rows:
    print(f"{r['seed']:>4} {float(r['final_margin']):>11.6f} {float(r['final_smoothed_margin']):>11.6f} "
          f"{float(r['final_rho']):>9.3f} {float(r['final_loss']):>11.4e} {r['steps_accepted']:>6}")
m = [float(r["final_margin"]) for r in rows]
print(f"margin over {len(m)} seeds: min {min(m):.6f}, max {max(m):.6f}; written to {out / 'runs.csv'}")
PY
