#!/usr/bin/env python3
"""The defaults on problems nobody tuned them to: random one-hidden-layer problems against the event-driven
reference (`--sliding exact`), as a new user would meet them.

    python3 benchmarks/audit.py --count 40 --seed 1000                  # 40 random problems, printed
    python3 benchmarks/audit.py --count 40 --seed 1000 --json a.json    # and every run recorded
    python3 benchmarks/audit.py --count 120 --seed 7 --only 27,102      # problems 27 and 102 of that draw
    python3 benchmarks/audit.py --count 40 --seed 7 --references r.json # reuse the two exact runs

`--only` runs the listed indices of the same draw (the generator draws every problem up to `--count`, so
indices mean the same problems as in a full run). `--references FILE` keeps the two `--sliding exact` runs
of each problem in FILE, keyed by the binary's path and size and the problem's flags, and reuses them on
the next call: for comparing two builds of the defaults whose `exact` code is the same (pass the same
binary for `--exact-gradflow`).

Each problem draws a built-in generator (blobs, xor, circles and moons with --bias-feature, random labels,
r1, r2), n, a width 2…32, relu or leaky-relu, the exponential or logistic loss, an init scale 0.1…3, a seed
and the clock (t to 1e3, or log-t to 12). It runs three times:

- the defaults;
- `--sliding exact --rtol 1e-12 --atol 1e-14`, the reference (every activation switch located to round-off,
  the pieces by rk8pd; it agrees with the zoo's independent numpy reference to 1e-10 in log L, docs/kinks.md);
- `--sliding exact` at the default tolerances, a policy the defaults' cost is compared with.

A problem fails when the defaults do not finish, when their final log L is more than 1e-6 or their γ̄ more
than 1e-7 from the reference (the zoo's criteria), or when they cost more than 2× the evaluations of the
exact policy at default tolerances while that policy is itself that accurate (γ̄ is not compared where a run
ends with ρ < 1e-6, the zero net, where min q/ρ is 0/0). A problem whose reference
fails (it is explicit: stiff runs hit its step limit) is reported and not scored. Standard library only.
"""
import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOSS_TOL, MARGIN_TOL, COST_FACTOR = 1e-6, 1e-7, 2.0
# Below this ρ the net has collapsed to θ = 0 (a non-separable problem whose minimizer is the zero net): γ̄ =
# min q/ρ is then 0/0 to round-off, and only log L is compared.
RHO_FLOOR = 1e-6


def draw(rng):
    """One random problem: the flags of `gradflow simulate`."""
    gen = rng.choice(["blobs", "xor", "circles", "moons", "random-labels", "r1", "r2"])
    n = rng.choice([6, 8, 10]) if gen == "random-labels" else rng.choice([20, 40, 80])
    clock = rng.choice(["t", "t", "log-t"])
    flags = ["--generator", gen, "--n", str(n), "--widths", str(rng.choice([2, 4, 8, 16, 32])),
             "--activation", rng.choice(["relu", "relu", "relu", "leaky-relu"]),
             "--loss", rng.choice(["exponential", "exponential", "logistic"]),
             "--init-scale", str(rng.choice([0.1, 0.3, 1.0, 3.0])), "--seed", str(rng.randrange(100)),
             "--clock", clock]
    if gen in ("circles", "moons"):
        flags.append("--bias-feature")
    return flags + (["--t-end", "1000"] if clock == "t" else ["--log-t-end", "12"])


def run(gradflow, flags, out, max_wall):
    cmd = [gradflow, "simulate", "--quiet", "--force", "--out", out, "--max-wall-seconds", str(max_wall),
           "--max-steps", "400000"] + flags
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        with open(os.path.join(out, "run.json")) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return {"finished": False, "message": proc.stderr.strip()[-300:]}
    final, stats = record["final"], record["stats"]
    return {"finished": proc.returncode == 0, "message": proc.stderr.strip()[-300:],
            "log_loss": final.get("log_loss"), "margin": final.get("margin"), "rho": final.get("rho"),
            "rhs_evals": stats["rhs_evals"],
            "chatter_flips": stats["sliding"]["chatter_flips"], "sliding": record["config"].get("sliding")}


def binary_key(path):
    st = os.stat(path)
    return f"{os.path.abspath(path)}:{st.st_size}:{int(st.st_mtime)}"


def number(x):
    """Whether a run.json value is a finite number (non-finite ones are written as strings; 0 may be an int)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def collapsed(row):
    """Whether the net ended at θ = 0 or next to it (ρ below 1e-6, or γ̄ = min q/ρ not a number: 0/0)."""
    rho = row.get("rho")
    return not number(row["margin"]) or (number(rho) and rho < RHO_FLOOR)


def errors(row, ref):
    """The errors in log L and in γ̄; γ̄'s is 0 where either run ends at θ ≈ 0, where min q/ρ is 0/0."""
    margin_error = 0.0 if collapsed(row) or collapsed(ref) else abs(row["margin"] - ref["margin"])
    return abs(row["log_loss"] - ref["log_loss"]), margin_error


def verdict(defaults, reference, exact):
    if not reference["finished"]:
        return None, "reference did not finish: " + reference["message"][-120:]
    if not defaults["finished"]:
        return False, "defaults did not finish: " + defaults["message"][-120:]
    loss_error, margin_error = errors(defaults, reference)
    reasons = []
    if loss_error > LOSS_TOL:
        reasons.append(f"loss error {loss_error:.1e}")
    if margin_error > MARGIN_TOL:
        reasons.append(f"γ̄ error {margin_error:.1e}")
    if exact["finished"] and max(a / b for a, b in zip(errors(exact, reference), (LOSS_TOL, MARGIN_TOL))) <= 1:
        if defaults["rhs_evals"] > COST_FACTOR * exact["rhs_evals"]:
            reasons.append(f"{defaults['rhs_evals']} evaluations > 2× exact's {exact['rhs_evals']}")
    return not reasons, "; ".join(reasons)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gradflow", default=os.path.join(ROOT, ".build/release/gradflow"))
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--max-wall", type=float, default=30.0, help="--max-wall-seconds per run (default 30)")
    ap.add_argument("--json", help="write every run here")
    ap.add_argument("--only", help="comma-separated problem indices (of the --count drawn) to run")
    ap.add_argument("--references", help="a JSON file caching the exact runs (see above)")
    ap.add_argument("--exact-gradflow", help="the binary for the two exact runs (default: --gradflow)")
    ap.add_argument("--extra", default="", help="flags appended to the defaults' run only (e.g. a --config file)")
    args = ap.parse_args()
    if not os.path.exists(args.gradflow):
        sys.exit("audit: no gradflow binary; build with `swift build -c release` or pass --gradflow")
    rng = random.Random(args.seed)
    only = None if args.only is None else {int(i) for i in args.only.split(",") if i}
    exact_binary = args.exact_gradflow or args.gradflow
    cache = {}
    if args.references and os.path.exists(args.references):
        with open(args.references) as f:
            cache = json.load(f)
    scratch = tempfile.mkdtemp(prefix="gf-audit-")
    rows, failed, unscored = [], 0, 0
    try:
        for i in range(args.count):
            flags = draw(rng)
            if only is not None and i not in only:
                continue
            runs = {"defaults": run(args.gradflow, flags + args.extra.split(), os.path.join(scratch, "defaults"),
                                    args.max_wall)}
            for name, extra in (("reference", ["--sliding", "exact", "--rtol", "1e-12", "--atol", "1e-14"]),
                                ("exact", ["--sliding", "exact"])):
                key = f"{binary_key(exact_binary)} {name} {' '.join(flags)}"
                if key not in cache:
                    cache[key] = run(exact_binary, flags + extra, os.path.join(scratch, name), args.max_wall)
                runs[name] = cache[key]
            if args.references:
                with open(args.references, "w") as f:
                    json.dump(cache, f)
            ok, reason = verdict(runs["defaults"], runs["reference"], runs["exact"])
            failed += ok is False
            unscored += ok is None
            rows.append({"index": i, "flags": flags, "pass": ok, "reason": reason, **runs})
            status = {True: "ok", False: "FAIL", None: "--"}[ok]
            print(f"{i:3d} {status:4s} evals {runs['defaults'].get('rhs_evals')} (exact {runs['exact'].get('rhs_evals')})"
                  f" {reason} | {' '.join(flags)}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ran = len(rows)
    print(f"audit: {ran - failed - unscored} passed, {failed} failed, {unscored} without a reference")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "count": args.count, "runs": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
