#!/usr/bin/env bash
# A small seed sweep: the default problem (40 blobs, 2 -> 16 -> 1 ReLU, t = 1e4; examples/configs/blobs-sweep.json)
# from five initializations (--seed 0..4, the data fixed by data_seed), then one summary CSV of the final
# observables, read from each run.json. SEEDS="0 1 2" overrides the list.
# outputs: runs/examples/seed-sweep/summary.csv runs/examples/seed-sweep/seed-0/trajectory.csv runs/examples/seed-sweep/seed-4/trajectory.csv
source "$(dirname "$0")/common.sh"
out=runs/examples/seed-sweep
mkdir -p "$out"
for seed in ${SEEDS:-0 1 2 3 4}; do
  gradflow simulate --config examples/configs/blobs-sweep.json --seed "$seed" --out "$out/seed-$seed" --force --quiet
done
python3 - "$out" <<'PY'
import csv, json, pathlib, sys
out = pathlib.Path(sys.argv[1])
runs = sorted(out.glob("seed-*/run.json"), key=lambda p: int(p.parent.name.split("-")[1]))
fields = ["seed", "margin", "smoothed_margin", "rho", "loss", "accuracy", "steps", "seconds"]
with open(out / "summary.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fields)
    w.writeheader()
    for p in runs:
        r = json.loads(p.read_text())
        w.writerow({"seed": r["config"]["seed"], **{k: r["final"][k] for k in fields[1:6]},
                    "steps": r["stats"]["steps_accepted"], "seconds": round(r["stats"]["wall_seconds"], 3)})
rows = list(csv.DictReader(open(out / "summary.csv")))
print(f"{'seed':>4} {'margin':>11} {'smoothed':>11} {'rho':>9} {'loss':>11} {'steps':>6}")
for r in rows:
    print(f"{r['seed']:>4} {float(r['margin']):>11.6f} {float(r['smoothed_margin']):>11.6f} {float(r['rho']):>9.3f} "
          f"{float(r['loss']):>11.4e} {r['steps']:>6}")
m = [float(r["margin"]) for r in rows]
print(f"margin over {len(m)} seeds: min {min(m):.6f}, max {max(m):.6f}; written to {out / 'summary.csv'}")
PY
