#!/usr/bin/env bash
# The sweep tests on real schedulers (docs/sweeps.md): a 52-task grid
#   1. under GNU parallel, killed (SIGKILL to the whole process group) mid-way and resumed with
#      `parallel --resume`: collect --strict finds every run a success;
#   2. rerun in-process: every task is skipped, no run.json rewritten;
#   3. as a Slurm job array on a single-node cluster (scripts/slurm-local.sh), cancelled mid-way and
#      resubmitted: collect's runs.csv and trajectories.csv identical byte for byte to the parallel run's.
# Missing packages are installed when this runs as root with apt-get; only where they cannot be is a part
# skipped, and then it says so. Ends with `sweeps: N passed, F failed`.
# GRADFLOW=path overrides the binary (default: the debug build).
set -uo pipefail
cd "$(dirname "$0")/.."
gradflow=${GRADFLOW:-$(swift build --show-bin-path 2>/dev/null)/gradflow}
[ -x "$gradflow" ] || { echo "test-sweeps: no gradflow binary at $gradflow (swift build first)" >&2; exit 1; }
work=$(mktemp -d /tmp/gradflow-sweeps.XXXXXX)
passed=0
failed=0
notes=()
pass() { passed=$((passed + 1)); echo "sweeps: ok   $1"; }
fail() { failed=$((failed + 1)); echo "sweeps: FAIL $1" >&2; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

# Installs Debian packages for a command when missing; returns 1 when they cannot be installed.
ensure() {
  local command=$1; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$work/apt.log" 2>&1 ||
      { apt-get update -qq >>"$work/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$work/apt.log" 2>&1; }
  fi
  command -v "$command" >/dev/null 2>&1
}

grid=examples/configs/sweep-test-grid.json
tasks=$("$gradflow" sweep "$grid" --out "$work/count" --count)
check "the grid has 52 tasks (13 seeds x 2 widths x 2 zipped datasets)" '[ "$tasks" = 52 ]'
succeeded() { grep -l '"success" : true' "$1"/*/run.json 2>/dev/null | wc -l; }

# 1. GNU parallel, killed mid-way, resumed.
if ensure parallel parallel; then
  P=$work/parallel
  "$gradflow" sweep "$grid" --out "$P" --emit parallel >"$work/commands.txt"
  check "--emit parallel prints one command per task" '[ "$(wc -l <"$work/commands.txt")" = 52 ]'
  setsid parallel -j 2 --joblog "$P/joblog" --resume <"$work/commands.txt" >/dev/null 2>&1 &
  group=$!
  for _ in $(seq 1 600); do [ "$(succeeded "$P")" -ge 12 ] && break; sleep 0.05; done
  kill -KILL -- "-$group" 2>/dev/null
  wait "$group" 2>/dev/null
  # GNU parallel starts each job in a process group of its own: kill the sweep's running tasks too (as a
  # node that dies would), and count only once all of them are gone, or one may still finish after the count.
  for _ in $(seq 1 200); do
    pids=$(pgrep -f -- "--out $P " || true)
    [ -z "$pids" ] && break
    kill -KILL $pids 2>/dev/null
    sleep 0.05
  done
  done_at_kill=$(succeeded "$P")
  check "killed mid-way ($done_at_kill of 52 finished)" '[ "$done_at_kill" -ge 1 ] && [ "$done_at_kill" -lt 52 ]'
  "$gradflow" collect "$P" --quiet
  unfinished=$(($(grep -vc ",success," "$P/runs.csv") - 1))
  check "collect lists the unfinished runs ($unfinished not success, $done_at_kill finished)" \
    '[ "$unfinished" -eq $((52 - done_at_kill)) ]'
  parallel -j 2 --joblog "$P/joblog" --resume <"$work/commands.txt" >/dev/null 2>&1
  check "parallel --resume completes the sweep" '[ $? = 0 ] && [ "$(succeeded "$P")" = 52 ]'
  check "collect --strict: 52 successful runs in runs.csv" \
    '"$gradflow" collect "$P" --strict --quiet && [ "$(grep -c ",success," "$P/runs.csv")" = 52 ]'
  # 2. Finished tasks are skipped: nothing is rewritten.
  before=$(stat -c %Y.%s "$P"/*/run.json | md5sum)
  "$gradflow" sweep "$grid" --out "$P" >"$work/rerun.txt" 2>&1
  check "a rerun skips all 52 finished tasks" \
    '[ "$(grep -c "finished before, skipped" "$work/rerun.txt")" = 52 ] && [ "$(stat -c %Y.%s "$P"/*/run.json | md5sum)" = "$before" ]'
else
  fail "GNU parallel is not installed and cannot be (apt-get install parallel)"
fi

# 3. Slurm job array on a local single-node cluster.
if ensure slurmctld slurm-wlm && ensure sbatch slurm-client; then
  export GRADFLOW_SLURM_DIR=$work/slurm SLURM_CONF=$work/slurm/slurm.conf
  if bash scripts/slurm-local.sh start; then
    S=$work/slurm-sweep
    "$gradflow" sweep "$grid" --out "$S" --emit slurm --array-limit 2 >"$work/sweep.sbatch"
    check "--emit slurm: an array of 52 tasks" 'grep -q "^#SBATCH --array=0-51%2$" "$work/sweep.sbatch"'
    job=$(sbatch --parsable "$work/sweep.sbatch")
    for _ in $(seq 1 600); do [ "$(succeeded "$S")" -ge 12 ] && break; sleep 0.05; done
    scancel "$job"
    for _ in $(seq 1 200); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.1; done
    at_cancel=$(succeeded "$S")
    echo "sweeps: slurm array cancelled with $at_cancel of 52 finished; resubmitted"
    job=$(sbatch --parsable "$work/sweep.sbatch")
    # Polled here: sbatch --wait polls with a growing interval and adds tens of seconds.
    for _ in $(seq 1 1200); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.1; done
    check "the resubmitted array completes the sweep" '[ "$(succeeded "$S")" = 52 ]'
    "$gradflow" collect "$S" --strict --quiet
    if [ -f "$P/runs.csv" ]; then
      check "Slurm and GNU parallel: identical runs.csv" 'cmp -s "$P/runs.csv" "$S/runs.csv"'
      check "Slurm and GNU parallel: identical trajectories.csv" 'cmp -s "$P/trajectories.csv" "$S/trajectories.csv"'
    fi
    check "per-task Slurm logs" '[ -s "$S/logs/task-0.out" ]'
    bash scripts/slurm-local.sh stop
  else
    fail "the local Slurm cluster did not start (logs in $work/slurm/log)"
    bash scripts/slurm-local.sh stop || true
  fi
else
  notes+=("slurm skipped: slurm-wlm cannot be installed here (not root, or no apt-get)")
fi

for note in "${notes[@]}"; do echo "sweeps: $note"; done
[ "$failed" = 0 ] && rm -rf "$work"
echo "sweeps: $passed passed, $failed failed"
[ "$failed" = 0 ]
