#!/usr/bin/env bash
# THEORY R1: the linear flow on two orthogonal support vectors has the exact solution
# w1(t) = log(t + e^a), w2(t) = ½ log(4t + e^{2b}); its direction tends to the SVM direction (1, ½)/‖·‖.
# Prints the final direction next to the SVM direction, and the integrated w next to the exact one.
# outputs: runs/examples/r1-linear/trajectory.csv runs/examples/r1-linear/final_weights.json
source "$(dirname "$0")/common.sh"
out=runs/examples/r1-linear
mkdir -p "$out"
printf '{"arch": [2, 1], "layers": [[[0.3, -0.2]]]}\n' > "$out/r1-init.json"
gradflow simulate --generator r1 --depth 1 --init "$out/r1-init.json" --t-end 1e6 --rtol 1e-10 --atol 1e-12 \
  --out "$out" --force --quiet
python3 - "$out/final_weights.json" <<'PY'
import json, math, sys
w = json.load(open(sys.argv[1]))["layers"][0][0]
n = math.hypot(*w)
print(f"direction at t=1e6: ({w[0]/n:.6f}, {w[1]/n:.6f}); SVM direction: ({2/math.sqrt(5):.6f}, {1/math.sqrt(5):.6f})")
print(f"exact w(1e6): ({math.log(1e6 + math.exp(0.3)):.9f}, {0.5*math.log(4e6 + math.exp(-0.4)):.9f}); integrated: ({w[0]:.9f}, {w[1]:.9f})")
PY
