#!/usr/bin/env bash
# THEORY R1: the linear flow on two orthogonal support vectors has the exact solution
# w1(t) = log(t + e^a), w2(t) = ½ log(4t + e^{2b}); its direction tends to the SVM direction (1, ½)/‖·‖.
# Writes runs/r1/trajectory.csv and prints the final direction next to the SVM direction.
set -euo pipefail
cd "$(dirname "$0")/.."
GRADFLOW=${GRADFLOW:-.build/release/gradflow}
printf 'x1,x2,y\n1,0,1\n0,-2,-1\n' > /tmp/r1-start.csv
printf '{"arch": [2, 1], "layers": [[[0.3, -0.2]]]}\n' > /tmp/r1-init.json
"$GRADFLOW" simulate --data /tmp/r1-start.csv --init /tmp/r1-init.json --t-end 1e6 --rtol 1e-10 --atol 1e-12 \
  --out runs/r1 --force --quiet
python3 - <<'PY'
import json, math
w = json.load(open("runs/r1/final_weights.json"))["layers"][0][0]
n = math.hypot(*w)
print(f"direction at t=1e6: ({w[0]/n:.6f}, {w[1]/n:.6f}); SVM direction: ({2/math.sqrt(5):.6f}, {1/math.sqrt(5):.6f})")
print(f"exact w(1e6): ({math.log(1e6 + math.exp(0.3)):.9f}, {0.5*math.log(4e6 + math.exp(-0.4)):.9f}); integrated: ({w[0]:.9f}, {w[1]:.9f})")
PY
