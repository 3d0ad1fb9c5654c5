#!/usr/bin/env python3
"""How gradflow's cost grows with the number of samples N, the width and the depth (benchmarks/README.md).

    python3 benchmarks/scaling.py                          # the whole grid, resuming what is recorded
    python3 benchmarks/scaling.py --max-wall-seconds 600   # rerun capped runs with a larger cap
    python3 benchmarks/scaling.py --axes width --threads 1,2
    python3 benchmarks/scaling.py --quick                  # CI-sized grid into a temporary RESULTS.md

One data generator (`blobs`: two Gaussian blobs separable through the origin, --dimension 10, seed 0),
Gaussian initial weights (seed 0), the unconstrained flow with gradflow's defaults at the benchmark
protocol's tolerances (rtol 1e-8, atol 1e-10). Three axes through one base point (N = 1,000, width 64,
depth 2, i.e. one hidden layer; depth is `--depth`, the number of weight layers, 1 a linear model):
N ∈ {100, 1k, 10k, 100k}, width ∈ {16, 64, 256, 1024}, depth ∈ {1, 2, 3, 4}. At every point:

- the bare right-hand side: `gradflow-bench` on the generated problem (thread CPU time and wall time per
  call; FLOPs 4·N·P_1 + 6·N·(P_2 + … + P_K); with --threads 1,2 also with two OpenBLAS threads);
- a run to t = 1e4 in the t clock and one to log t = 1e3 in the log-t clock, each capped at
  --max-wall-seconds (a capped run records how far it got, its evaluations and its CPU time).

Least-squares exponents of log cost against log N, log width and log depth go in a second table.
Every measurement is stored in section `scaling` of RESULTS.json as it is made; a rerun skips what is
recorded (finished runs, and capped runs whose cap was at least the current one), so a quiet rerun
completes a grid a busy machine left unfinished. Standard library only.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import results

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASE = {"n": 1000, "width": 64, "depth": 2}
AXES = {"n": [100, 1000, 10000, 100000], "width": [16, 64, 256, 1024], "depth": [1, 2, 3, 4]}
QUICK_AXES = {"n": [40, 80], "width": [8, 16], "depth": [1, 2]}
DIMENSION = 10
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")


def widths(point):
    return [point["width"]] * (point["depth"] - 1)


def flops(point):
    sizes = [DIMENSION] + widths(point) + [1]
    n = point["n"]
    return 4 * n * sizes[0] * sizes[1] + 6 * n * sum(sizes[k - 1] * sizes[k] for k in range(2, len(sizes)))


def parameters(point):
    sizes = [DIMENSION] + widths(point) + [1]
    return sum(sizes[k - 1] * sizes[k] for k in range(1, len(sizes)))


def problem_args(point):
    return ["--generator", "blobs", "--n", str(point["n"]), "--dimension", str(DIMENSION), "--widths",
            ",".join(map(str, widths(point))), "--seed", "0"]


def key(point, kind, threads=1):
    return f"n={point['n']},width={point['width']},depth={point['depth']}|{kind}|threads={threads}"


def measure(cmd, timeout):
    """Runs cmd; returns (exit code or None on timeout, stdout, stderr, CPU seconds of the child, wall s)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=ENV, text=True)
        try:
            _, status, usage = os.wait4(p.pid, 0) if timeout is None else wait_with_timeout(p, timeout)
        except TimeoutError:
            p.kill()
            _, status, usage = os.wait4(p.pid, 0)
            status = None
        wall = time.perf_counter() - start
        out.seek(0), err.seek(0)
        code = None if status is None else os.waitstatus_to_exitcode(status)
        return code, out.read(), err.read(), usage.ru_utime + usage.ru_stime, wall


def wait_with_timeout(p, timeout):
    deadline = time.perf_counter() + timeout
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            return pid, status, usage
        if time.perf_counter() > deadline:
            raise TimeoutError
        time.sleep(0.05)


def bare_rhs(args, point, threads):
    calls = int(min(20000, max(3, 3e9 / flops(point)))) // args.calls_divisor or 1
    cmd = [args.gradflow_bench] + problem_args(point) + ["--calls", str(calls), "--repeats", "3", "--threads",
                                                         str(threads)]
    load = results.loadavg()
    code, stdout, stderr, cpu, wall = measure(cmd, timeout=900)
    record = {"kind": "rhs", "threads": threads, "command": " ".join(cmd), "load_before": load,
              "load_after": results.loadavg()}
    if code != 0:
        return dict(record, status=f"failed (exit {code}): {stderr.strip()[-300:]}")
    return dict(record, status="ok", **json.loads(stdout.strip().splitlines()[-1]))


def simulate(args, point, clock, tmp):
    out = os.path.join(tmp, "run")
    end = (["--t-end", args.t_end] if clock == "t" else ["--clock", "log-t", "--log-t-end", args.log_t_end])
    cmd = [args.gradflow, "simulate"] + problem_args(point) + end + [
        "--rtol", "1e-8", "--atol", "1e-10", "--max-wall-seconds", f"{args.max_wall_seconds:g}", "--out", out,
        "--force", "--quiet"]
    load = results.loadavg()
    code, stdout, stderr, cpu, wall = measure(cmd, timeout=args.max_wall_seconds + 120)
    record = {"kind": clock, "threads": 1, "command": " ".join(cmd), "cap_seconds": args.max_wall_seconds,
              "load_before": load, "load_after": results.loadavg(), "cpu_seconds": cpu, "process_wall_seconds": wall}
    try:
        with open(os.path.join(out, "run.json")) as f:
            r = json.load(f)
    except (OSError, json.JSONDecodeError):
        return dict(record, status=f"failed (exit {code}): {stderr.strip()[-300:]}")
    s, fin, term = r.get("stats", {}), r.get("final", {}), r.get("termination", {})
    status = "ok" if code == 0 else term.get("reason", f"exit {code}")
    return dict(record, status=status, exit_code=code, wall_seconds=s.get("wall_seconds"),
                rhs_evals=s.get("rhs_evals"), steps_accepted=s.get("steps_accepted"),
                steps_rejected=s.get("steps_rejected"), t_reached=fin.get("t"), log_t_reached=fin.get("log_t"),
                loss=fin.get("loss"), margin=fin.get("margin"), pattern_changes=s.get("pattern_changes"),
                sliding_mode=(s.get("sliding") or {}).get("mode"))


def done(record, args):
    """Whether a stored record stands: finished, or capped at least as generously as now."""
    if record is None:
        return False
    if record["status"] == "ok":
        return True
    return record["kind"] != "rhs" and record.get("cap_seconds", 0) >= args.max_wall_seconds and \
        record["status"] == "wallClock"


def fit(xs, ys):
    """Least-squares slope of log y against log x (None with fewer than two points)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def report(args, points, store, thread_counts):
    lines = [
        "**A first measurement** on a machine other jobs shared (see the load averages above and in "
        "RESULTS.json, per run): times are CPU times of the process (`wait4`; the bare RHS: thread CPU time), "
        "which sharing inflates far less than wall time; evaluations and steps are deterministic. A run that hit "
        f"its wall-clock cap (`--max-wall-seconds`) shows how far it got; rerun "
        "`benchmarks/scaling.py` with a larger cap on a quiet machine to complete the grid (it resumes).", "",
        f"Problem: `--generator blobs --dimension {DIMENSION} --seed 0`, Gaussian weights (seed 0), unconstrained "
        f"flow, gradflow's defaults, rtol 1e-8, atol 1e-10; ends t = {args.t_end} (t clock) and log t = "
        f"{args.log_t_end} (`--clock log-t`). RHS: µs per bare evaluation (forward, loss weights, backprop), "
        "GFLOP/s from 4·N·P_1 + 6·N·(P_2 + … + P_K) FLOPs. In a run: CPU µs per evaluation (everything: "
        "steps, crossings, saves) and its ratio to the bare RHS.", ""]
    head = "| axis | N | width | depth | P | MFLOP / eval | RHS µs | GFLOP/s |"
    sep = "|---|---|---|---|---|---|---|---|"
    for k in thread_counts[1:]:
        head += f" RHS wall µs, {k} threads (speed-up) |"
        sep += "---|"
    for clock in ["t", "log-t"]:
        head += f" {clock}: status | evals | steps acc / rej | CPU s | µs / eval (× RHS) |"
        sep += "---|---|---|---|---|"
    lines += [head, sep]
    for axis, point in points:
        bare = store.get(key(point, "rhs"))
        us = bare.get("us_per_eval") if bare and bare["status"] == "ok" else None
        row = (f"| {axis} | {point['n']:,} | {point['width'] if point['depth'] > 1 else '—'} | {point['depth']} | "
               f"{parameters(point):,} | {flops(point) / 1e6:.3g} | {fmt(us, '.1f')} | "
               f"{fmt(flops(point) / us * 1e-3 if us else None, '.1f')} |")
        wall1 = bare.get("us_per_eval_wall") if bare and bare["status"] == "ok" else None
        for k in thread_counts[1:]:
            other = store.get(key(point, "rhs", k))
            wk = other.get("us_per_eval_wall") if other and other["status"] == "ok" else None
            row += f" {fmt(wk, '.1f')} ({fmt(wall1 / wk if wall1 and wk else None, '.2f')}×) |"
        for clock in ["t", "log-t"]:
            r = store.get(key(point, clock))
            if not r:
                row += " not run | | | | |"
                continue
            status = r["status"]
            if status != "ok":
                where = (f"t = {r['t_reached']:.3g}" if clock == "t" and r.get("t_reached") is not None else
                         f"log t = {r['log_t_reached']:.3g}" if r.get("log_t_reached") is not None else "")
                status = f"{status} ({where}, cap {r.get('cap_seconds', 0):g} s)" if where else status
            evals, cpu = r.get("rhs_evals"), r.get("cpu_seconds")
            per = cpu / evals * 1e6 if evals and cpu else None
            steps = (f"{r['steps_accepted']:,} / {r['steps_rejected']:,}"
                     if r.get("steps_accepted") is not None else "—")
            row += (f" {status} | {fmt(evals, ',')} | {steps} | {fmt(cpu, '.2f')} | {fmt(per, '.0f')}"
                    f" ({fmt(per / us if per and us else None, '.1f')}) |")
        lines.append(row)
    lines += ["", "Exponents: least-squares slopes of log cost against log N, log width or log depth along each "
              "axis, over the points that finished (capped runs excluded; `—`: fewer than two points; µs / eval, a rate, "
              "over every point with a run); the depth "
              "axis from depth 2 on (depth 1 is a linear model: another FLOP count, no kinks).", "",
              "| axis | FLOPs / eval | bare RHS time | evals to t = end | CPU s to t = end | µs / eval in the t run | "
              "evals to log t = end | CPU s to log t = end |", "|---|---|---|---|---|---|---|---|"]
    fits = {}
    for axis in AXES:
        # Depth 1 is a linear model (another FLOP formula, no crossings): the depth slope is over depth ≥ 2.
        pts = [p for a, p in points if a == axis and (axis != "depth" or p["depth"] >= 2)]
        pts = sorted({json.dumps(p, sort_keys=True): p for p in pts}.values(), key=lambda p: p[axis])
        xs = [p[axis] for p in pts]
        bare = [store.get(key(p, "rhs"), {}) for p in pts]
        runs = {c: [store.get(key(p, c), {}) for p in pts] for c in ["t", "log-t"]}
        ok = lambda rs, field: [r.get(field) if r.get("status") == "ok" else None for r in rs]
        per_eval = [r["cpu_seconds"] / r["rhs_evals"] if r.get("rhs_evals") else None for r in runs["t"]]
        f = {"flops": fit(xs, [flops(p) for p in pts]),
             "rhs_us": fit(xs, [b.get("us_per_eval") for b in bare]),
             "t_evals": fit(xs, ok(runs["t"], "rhs_evals")), "t_cpu": fit(xs, ok(runs["t"], "cpu_seconds")),
             "t_us_per_eval": fit(xs, per_eval),
             "logt_evals": fit(xs, ok(runs["log-t"], "rhs_evals")),
             "logt_cpu": fit(xs, ok(runs["log-t"], "cpu_seconds"))}
        fits[axis] = f
        lines.append(f"| {axis} | " + " | ".join(fmt(f[k], '.2f') for k in
                                                   ["flops", "rhs_us", "t_evals", "t_cpu", "t_us_per_eval",
                                                    "logt_evals", "logt_cpu"]) + " |")
    lines.append("")
    return lines, fits


def build(args):
    config = "debug" if args.quick else "release"
    for product in ["gradflow", "gradflow-bench"]:
        subprocess.run(["swift", "build", "-c", config, "--product", product], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    bindir = subprocess.run(["swift", "build", "-c", config, "--show-bin-path"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    return os.path.join(bindir, "gradflow"), os.path.join(bindir, "gradflow-bench")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--axes", default="n,width,depth", help="which axes to measure (n, width, depth)")
    parser.add_argument("--clocks", default="t,log-t", help="which runs to make at each point (t, log-t)")
    parser.add_argument("--threads", default="1,2", help="OpenBLAS thread counts of the bare RHS timings")
    parser.add_argument("--max-wall-seconds", type=float, default=120, help="cap of each run (wall clock)")
    parser.add_argument("--t-end", default="1e4")
    parser.add_argument("--log-t-end", default="1e3")
    parser.add_argument("--redo", action="store_true", help="measure again what is recorded")
    parser.add_argument("--no-build", action="store_true", help="use --gradflow/--gradflow-bench as given")
    parser.add_argument("--gradflow", default=None)
    parser.add_argument("--gradflow-bench", default=None)
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--json", default=None, help="default: next to --out")
    parser.add_argument("--section", default="scaling")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny grid (N 40, 80; width 8, 16; depth 1, 2; t = 10, log t = 3), debug build, "
                             "into a temporary RESULTS.md; fails unless every run finished and a rerun measures "
                             "nothing again")
    args = parser.parse_args()
    args.calls_divisor = 1
    axes = dict(AXES)
    if args.quick:
        axes = QUICK_AXES
        args.t_end, args.log_t_end, args.calls_divisor = "10", "3", 100
        BASE.update(n=40, width=8, depth=2)
        if args.out == os.path.join(HERE, "RESULTS.md"):
            args.out = os.path.join(tempfile.mkdtemp(), "RESULTS.md")
    args.json = args.json or os.path.splitext(args.out)[0] + ".json"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    args.axes = [a for a in args.axes.split(",") if a]
    if any(a not in AXES for a in args.axes):
        sys.exit(f"scaling.py: unknown axis in {args.axes}; choose from {list(AXES)}")
    clocks = [c for c in args.clocks.split(",") if c]
    thread_counts = sorted({1} | {int(k) for k in args.threads.split(",")})
    if not args.no_build:
        args.gradflow, args.gradflow_bench = build(args)
    elif not (args.gradflow and args.gradflow_bench):
        sys.exit("scaling.py: --no-build needs --gradflow and --gradflow-bench")

    previous = {}
    if os.path.exists(args.json):
        with open(args.json) as f:
            previous = json.load(f).get("sections", {}).get(args.section, {})
    store = {r["key"]: r for r in previous.get("records", [])}
    first_load = previous.get("load_before") or results.loadavg()
    # The table and the fits show every axis; only --axes are measured.
    points = [(axis, dict(BASE, **{axis: value})) for axis in AXES for value in axes[axis]]
    earlier = previous.get("commands") or [c for c in previous.get("command", "").split("\n") if c]
    commands = [c for c in earlier if c != results.command_line()] + [results.command_line()]
    measured = 0
    tmp = tempfile.mkdtemp()

    def save():
        lines, fits = report(args, points, store, thread_counts)
        results.write_section(args.out, args.json, args.section, "How cost grows with N, width and depth", lines,
                              {"records": sorted(store.values(), key=lambda r: r["key"]), "fits": fits,
                               "commands": commands}, "\n".join(commands), first_load, results.loadavg())

    seen = set()
    for axis, point in points:
        if axis not in args.axes:
            continue
        jobs = [("rhs", k) for k in thread_counts] + [(c, 1) for c in clocks]
        for kind, threads in jobs:
            k = key(point, kind, threads)
            if k in seen or (not args.redo and done(store.get(k), args)):
                seen.add(k)
                continue
            seen.add(k)
            record = bare_rhs(args, point, threads) if kind == "rhs" else simulate(args, point, kind, tmp)
            store[k] = dict(record, key=k, point=point)
            measured += 1
            print(f"scaling.py: {k}: {record['status']} "
                  f"{fmt(record.get('us_per_eval'), '.1f')} µs; evals {record.get('rhs_evals')}, "
                  f"CPU {fmt(record.get('cpu_seconds'), '.1f')} s; load {results.loadavg()[0]}", file=sys.stderr)
            save()
    save()
    print(f"scaling.py: wrote section {args.section} of {args.out} and {args.json} ({measured} measured)",
          file=sys.stderr)
    if args.quick:
        failed = [r["key"] for r in store.values() if r["status"] != "ok"]
        again = subprocess.run([sys.executable, os.path.abspath(__file__), "--no-build", "--gradflow", args.gradflow,
                                "--gradflow-bench", args.gradflow_bench, "--out", args.out, "--quick", "--axes",
                                ",".join(args.axes), "--clocks", ",".join(clocks), "--threads", args.threads],
                               capture_output=True, text=True, env=dict(os.environ, SCALING_INNER="1")
                               ) if not os.environ.get("SCALING_INNER") else None
        if again is not None and "(0 measured)" not in again.stderr:
            failed.append(f"the rerun measured again: {again.stderr.strip()[-300:]}")
        if failed:
            sys.exit(f"scaling.py: quick test failed: {failed}")
        print("scaling.py: quick test passed", file=sys.stderr)


if __name__ == "__main__":
    main()
