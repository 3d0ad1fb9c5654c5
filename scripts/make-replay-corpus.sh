#!/usr/bin/env bash
# Writes Tests/CLITests/ReplayCorpus/: one small run per dynamics, clock, kink policy and gradient descent,
# made by the gradflow given as $1 (default: the debug build). Each directory keeps run.json and the CSVs;
# ReplayCorpusTests replays every run.json with the current build and requires identical CSVs.
# Run it only to add a case: regenerating the corpus with a changed build defeats its purpose. A machine whose
# OpenBLAS kernels differ (ReplayCorpusTests.kernelFamily) keeps the files it reproduces differently in
# <case>/blas-<family>/, written by a build that reproduced the recorded files.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/gradflow}
corpus=Tests/CLITests/ReplayCorpus
mkdir -p "$corpus"
run() {
  local name=$1; shift
  rm -rf "${corpus:?}/$name"
  "$bin" simulate --quiet --out "$corpus/$name" "$@"
  rm -f "$corpus/$name"/*.tmp
}
# Paths inside run.json are written relative to the corpus so that the replay works from any checkout.
printf 'x1,x2,y\n1,0.2,1\n0.8,-0.5,1\n-1,0.1,-1\n-0.7,0.6,-1\n0.3,1.1,1\n-0.2,-1.2,-1\n' > "$corpus/six.csv"
run corrected-2layer --generator blobs --n 16 --widths 5 --t-end 30 --saves 8
run corrected-3layer --generator blobs --n 16 --widths 6,5 --bias-feature --t-end 20 --saves 8
run filippov-3layer --generator blobs --n 16 --widths 6,5 --bias-feature --t-end 20 --saves 8 --sliding filippov
run off-max --generator blobs --n 12 --widths 4 --t-end 3 --saves 6 --sliding off --error-norm max
run leaky-logistic --generator blobs --n 12 --bias-feature --widths 4 --activation leaky-relu --loss logistic --t-end 3 --saves 6
run lagrange --generator blobs --n 12 --widths 4 --dynamics lagrange --t-end 5 --saves 6
run weightnorm --generator blobs --n 12 --widths 4 --dynamics weightnorm --wn-scale 2 --t-end 5 --saves 6
run log-t --generator blobs --n 12 --widths 4 --clock log-t --log-t-end 8 --saves 6
run rho --generator blobs --n 12 --widths 4 --clock rho --rho-end 60 --saves 6
run auto --generator blobs --n 12 --widths 4 --clock auto --t-end 1e5 --saves 6
run linear --generator r1 --depth 1 --t-end 100 --saves 6
run gd --generator blobs --n 12 --widths 4 --gd-step 0.05 --t-end 5 --saves 6 --save-weights
run csv-data --data "$corpus/six.csv" --widths 3 --t-end 10 --saves 5 --save-weights
# The CSV case names its data relative to its run.json (a config's relative paths are relative to it).
python3 - "$corpus/csv-data/run.json" "$(cd "$corpus" && pwd)/six.csv" <<'PY'
import sys
path, absolute = sys.argv[1], sys.argv[2]
text = open(path).read().replace('"data" : "%s"' % absolute, '"data" : "../six.csv"').replace(absolute, "six.csv")
open(path, "w").write(text)
PY
echo "replay corpus: $(ls -d "$corpus"/*/ | wc -l) runs in $corpus"
