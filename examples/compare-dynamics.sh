#!/usr/bin/env bash
# Compare the three dynamics (unconstrained, Lagrange, weight normalization) from one initialization:
# blobs, 2 -> 16 -> 1 ReLU, log-t clock to log t = 50 (examples/configs/compare-blobs.json).
# Prints the table; writes one full run per dynamics plus compare.csv (long format) and compare.json.
# outputs: runs/examples/compare-dynamics/compare.csv runs/examples/compare-dynamics/compare.json runs/examples/compare-dynamics/unconstrained/trajectory.csv runs/examples/compare-dynamics/lagrange/trajectory.csv runs/examples/compare-dynamics/weightnorm/trajectory.csv
source "$(dirname "$0")/common.sh"
gradflow compare --config examples/configs/compare-blobs.json --out runs/examples/compare-dynamics --force
