#!/usr/bin/env bash
# Simulate on your own CSV file: examples/data/moons.csv has columns x1,x2,label with labels 0/1
# (mapped to -1/+1, with a note). The run's settings are in examples/configs/moons.json (the same
# fields as the flags, in snake_case: label_column, bias_feature, widths, ...); a flag overrides the file.
# outputs: runs/examples/simulate-csv/trajectory.csv runs/examples/simulate-csv/run.json runs/examples/simulate-csv/final_weights.json
source "$(dirname "$0")/common.sh"
out=runs/examples/simulate-csv
gradflow simulate --config examples/configs/moons.json --out "$out" --force
echo
echo "first and last saved rows of $out/trajectory.csv (t, loss, rho, margin, accuracy):"
python3 - "$out/trajectory.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in (rows[0], rows[-1]):
    print(f"  t={float(r['t']):<10.4g} loss={float(r['loss']):<12.6g} rho={float(r['rho']):<10.5g} "
          f"margin={float(r['margin']):<+10.6f} accuracy={r['accuracy']}")
PY
