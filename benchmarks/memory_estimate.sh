#!/bin/sh
# The memory estimate against the measured peak RSS (issue #20: within 20 % for widths 1e3 to 1e5).
# One short run per width (default data: 40 blobs in 2-D, one hidden layer); prints
# width, estimate MiB, peak RSS MiB and their ratio from each run.json. Usage:
#   swift build -c release --product gradflow && sh benchmarks/memory_estimate.sh [path/to/gradflow]
set -eu
gradflow=${1:-.build/release/gradflow}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "width estimate_MiB peak_rss_MiB ratio"
for width in 1000 10000 100000; do
  "$gradflow" simulate --widths "$width" --t-end 0.01 --saves 2 --out "$scratch/w$width" --quiet
  python3 - "$scratch/w$width/run.json" "$width" <<'PY'
import json, sys
memory = json.load(open(sys.argv[1]))["memory"]
estimate, peak = memory["estimate_bytes"], memory["peak_rss_bytes"]
print(sys.argv[2], round(estimate / 2**20, 1), round(peak / 2**20, 1), round(estimate / peak, 3))
PY
done
