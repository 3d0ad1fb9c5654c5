#!/usr/bin/env bash
# The Python side of the test suite (called by scripts/test.sh after `swift test`; runs on its own too):
#   1. the gradflow binary: $GRADFLOW if set, else the debug build (`swift build --product gradflow`,
#      a no-op right after scripts/test.sh built the tests; GRADFLOW_BUILD=release builds release instead);
#   2. the virtual environment .venv/ with requirements.txt and the package python/ (scripts/venv.sh;
#      reinstalls only when requirements.txt or python/pyproject.toml changed);
#   2b. the package's pytest tests (python/tests);
#   3. every notebook, headless, with the small parameters of notebooks/ci-parameters.json (papermill;
#      a cell that raises fails its notebook), saving their figures into a scratch directory;
#   4. every example script (examples/*.sh): exit code 0 and every file its `# outputs:` line names;
#   5. the plotting helper (python -m gradientflow.plot) on a run directory and a compare directory.
# Ends with one line per part, e.g. `notebooks: 8 passed, 0 failed`; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scratch=$(mktemp -d "${TMPDIR:-/tmp}/gradflow-test-notebooks.XXXXXX")

if [ -z "${GRADFLOW:-}" ]; then
  config=${GRADFLOW_BUILD:-debug}
  if ! command -v swift >/dev/null 2>&1; then source scripts/setup.sh; fi
  echo "test-notebooks: building gradflow ($config)" >&2
  swift build -c "$config" --product gradflow 2>&1 | tail -n 1 >&2 || { echo "test-notebooks: build failed" >&2; exit 1; }
  GRADFLOW=$(swift build -c "$config" --show-bin-path)/gradflow
fi
export GRADFLOW=$(cd "$(dirname "$GRADFLOW")" && pwd)/$(basename "$GRADFLOW")
[ -x "$GRADFLOW" ] || { echo "test-notebooks: no gradflow binary at $GRADFLOW" >&2; exit 1; }
echo "test-notebooks: using $GRADFLOW" >&2

bash scripts/venv.sh || { echo "test-notebooks: could not create the virtual environment" >&2; exit 1; }
python=${GRADFLOW_VENV:-.venv}/bin/python

# 2b. The Python package's tests (pytest's exit 5, "no tests collected", counts as a failure).
"$python" -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee "$scratch/pytest.log"
pytest_status=${PIPESTATUS[0]}
pytest_summary="python package: $(tail -n 1 "$scratch/pytest.log" | sed 's/=//g; s/^ *//; s/ *$//') (pytest exit $pytest_status)"

# 3. Notebooks (their own summary line is kept for the end).
"$python" scripts/run_notebooks.py --ci --timeout 300 --figures "$scratch/figures" --output-dir "$scratch/executed" \
  | tee "$scratch/notebooks.log"
notebooks_status=${PIPESTATUS[0]}
notebooks_summary=$(grep '^notebooks:' "$scratch/notebooks.log" | tail -n 1)
[ -n "$notebooks_summary" ] || notebooks_summary="notebooks: the runner failed (exit $notebooks_status)"

# 4. Examples.
examples_passed=0 examples_failed=0
for script in examples/*.sh; do
  [ "$(basename "$script")" = common.sh ] && continue
  name=$(basename "$script" .sh)
  t0=$SECONDS
  if timeout 120 bash "$script" >"$scratch/$name.log" 2>&1; then
    missing=()
    for file in $(sed -n 's/^# outputs: //p' "$script"); do
      [ -s "$file" ] || missing+=("$file")
    done
    if ((${#missing[@]})); then
      echo "example $name: FAILED: missing outputs ${missing[*]}"
      examples_failed=$((examples_failed + 1))
    else
      echo "example $name: passed ($((SECONDS - t0)) s)"
      examples_passed=$((examples_passed + 1))
    fi
  else
    echo "example $name: FAILED (exit $?); last lines:"
    tail -n 15 "$scratch/$name.log" | sed 's/^/    /'
    examples_failed=$((examples_failed + 1))
  fi
done

# 5. The plotting helper, on a simulate run with check.csv and on a compare directory.
plots_passed=0 plots_failed=0
for dir in runs/examples/check-run runs/examples/compare-dynamics; do
  out="$scratch/plots/$(basename "$dir")"
  if "$python" -m gradientflow.plot "$dir" --out "$out" >"$scratch/plot.log" 2>&1 \
    && [ -s "$out/panel.png" ] && [ -s "$out/panel.svg" ] && [ -s "$out/check.png" ]; then
    echo "plot helper on $dir: passed"
    plots_passed=$((plots_passed + 1))
  else
    echo "plot helper on $dir: FAILED"
    tail -n 15 "$scratch/plot.log" | sed 's/^/    /'
    plots_failed=$((plots_failed + 1))
  fi
done

echo "test-notebooks: $((SECONDS - start)) s; executed notebooks, figures and logs in $scratch"
echo "$pytest_summary"
echo "$notebooks_summary"
echo "examples: $examples_passed passed, $examples_failed failed"
echo "plots: $plots_passed passed, $plots_failed failed"
if [ "$pytest_status" -ne 0 ] || [ "$notebooks_status" -ne 0 ] || [ "$examples_failed" -ne 0 ] || [ "$plots_failed" -ne 0 ]; then
  exit 1
fi
