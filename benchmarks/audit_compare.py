#!/usr/bin/env python3
"""Compares two settings of the defaults over audit runs (`benchmarks/audit.py --json`), several save schedules
at once: an audit scores only the final state, and at the 1e-7 line which problems pass moves with the step
sequence, which the save schedule moves. So run each setting with a few schedules and compare the error
distributions, not only the pass counts.

    for k in 50 37 64; do
      python3 benchmarks/audit.py --seed 2026 --references r2026.json --extra "--saves $k" --json a-$k-2026.json
      python3 benchmarks/audit.py --seed 2026 --references r2026.json --extra "--saves $k --config b.json" \\
        --json b-$k-2026.json
    done
    python3 benchmarks/audit_compare.py --a 'a-{k}-{seed}.json' --b 'b-{k}-{seed}.json' --schedules 50,37,64 \\
      --seeds 2026

(`--saves 50` is the default schedule; the file patterns take `{k}` and `{seed}`.) A run's error is the larger
of its errors in log L and γ̄ against the reference (floor 1e-13); a run that did not finish counts as error 1.
Per setting and schedule it prints the passes, the runs with an error above 1e-7, the median error and the
evaluations; then, per problem, the geometric mean of its errors over the schedules, and how many problems
are more than 3× better or worse under B. Standard library only.
"""
import argparse
import json
import math
import statistics


def errors(path):
    """{(seed, index): (error, evaluations, passed)} of one audit --json file (scored problems only)."""
    with open(path) as f:
        record = json.load(f)
    out = {}
    for run in record["runs"]:
        defaults, reference = run["defaults"], run["reference"]
        if not reference.get("finished"):
            continue
        key = (record["seed"], run["index"])
        if not defaults.get("finished") or defaults.get("log_loss") is None:
            out[key] = (1.0, defaults.get("rhs_evals", 0), run["pass"])
            continue
        loss = abs(defaults["log_loss"] - reference["log_loss"])
        numbers = all(isinstance(x, (int, float)) for x in (defaults["margin"], reference["margin"]))
        margin = abs(defaults["margin"] - reference["margin"]) if numbers else 0.0
        out[key] = (max(loss, margin, 1e-13), defaults["rhs_evals"], run["pass"])
    return out


def load(pattern, schedules, seeds):
    runs = []
    for k in schedules:
        merged = {}
        for seed in seeds:
            merged.update(errors(pattern.format(k=k, seed=seed)))
        runs.append(merged)
    return runs


def compare(settings):
    """The summary lines for {"A": runs, "B": runs}, runs one {(seed, index): (error, evaluations, passed)} per
    schedule."""
    lines = []
    for name, runs in settings.items():
        passes = [sum(v[2] for v in r.values()) for r in runs]
        above = [sum(v[0] > 1e-7 for v in r.values()) for r in runs]
        medians = [statistics.median(v[0] for v in r.values()) for r in runs]
        evaluations = sum(v[1] for r in runs for v in r.values())
        lines.append(f"{name}: passes {passes}, errors above 1e-7 {above}, median error "
                     f"{['%.1e' % m for m in medians]}, evaluations {evaluations:,}")
    keys = set.intersection(*[set(r) for runs in settings.values() for r in runs])
    better = worse = 0
    ratios = []
    for key in keys:
        mean = {name: math.exp(statistics.fmean(math.log(r[key][0]) for r in runs))
                for name, runs in settings.items()}
        ratio = mean["B"] / mean["A"]
        better += ratio < 1 / 3
        worse += ratio > 3
        ratios.append(math.log10(ratio))
    lines.append(f"{len(keys)} problems: B more than 3x better on {better}, more than 3x worse on {worse}; "
                 f"mean log10(B/A) {statistics.fmean(ratios):+.3f}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="file pattern of setting A, with {k} and {seed}")
    ap.add_argument("--b", required=True, help="file pattern of setting B, with {k} and {seed}")
    ap.add_argument("--schedules", default="50", help="comma-separated save counts (default 50)")
    ap.add_argument("--seeds", default="2026,4242,99,2718,31337,20261207", help="comma-separated audit seeds")
    args = ap.parse_args()
    schedules = args.schedules.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    settings = {"A": load(args.a, schedules, seeds), "B": load(args.b, schedules, seeds)}
    print(f"schedules {schedules}")
    for line in compare(settings):
        print(line)

if __name__ == "__main__":
    main()
