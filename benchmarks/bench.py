#!/usr/bin/env python3
"""GradientFlow vs the Python peers on the benchmark problems S, M, L, D (benchmarks/README.md).

    python3 benchmarks/bench.py                       # everything: S, D, M, L at T = 1e4 and 1e6
    python3 benchmarks/bench.py --cases S,D --repeats 3
    python3 benchmarks/bench.py --cases L --t-ends 100 --impls gradflow --threads 1,2 --section threads-L
    python3 benchmarks/bench.py --quick               # CI: gradflow only, S at T = 0.05, debug build

Builds gradflow and gradflow-bench (release), creates benchmarks/.venv with the peers
(peers/requirements.txt) unless --impls has only gradflow, then runs, interleaved and --repeats
times: the RHS cost in a tight loop for every implementation, and every (case, T, implementation)
simulation with the reference protocol (rtol 1e-8, atol 1e-10, 50 log-spaced saves from 1e-2 to T).
Medians go to section --section of --out (default benchmarks/RESULTS.md, between its markers; the
rest of the file is left alone, benchmarks/results.py) and every raw measurement to the same section of
--json, with the command, the machine and its load average before and after.
Standard library only, so CI can run the quick test without the venv.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "benchmarks")
VENV = os.path.join(HERE, ".venv")
PEERS = ["scipy-rk45", "diffrax-dopri5"]
# gradflow variants: extra `gradflow simulate` arguments. `gradflow` is the defaults (rkf45, the RMS error
# norm of the protocol, Filippov slopes on ReLU sliding modes: README "ReLU kinks"); `gradflow-plain` turns
# the sliding treatment off (σ'(0) = 0, as the peers); `gradflow-max` is also on GSL's max error norm (the
# defaults before the RMS norm and the Filippov slopes).
GRADFLOWS = {
    "gradflow": [],
    "gradflow-corrected": ["--sliding", "corrected"],
    "gradflow-filippov": ["--sliding", "filippov"],
    "gradflow-plain": ["--sliding", "off"],
    "gradflow-max": ["--sliding", "off", "--error-norm", "max"],
    "gradflow-lagrange": ["--dynamics", "lagrange"],
    "gradflow-weightnorm": ["--dynamics", "weightnorm"],
}
# The normalized flows follow other trajectories than the unconstrained flow, so PROBLEM.md's answers do not
# apply to them; their rows compare CPU time with the unconstrained `gradflow` row of the same run instead.
NORMALIZED = {"gradflow-lagrange", "gradflow-weightnorm"}

# PROBLEM.md's reference answers: (final loss, normalized margin, rho).
REFERENCE = {
    ("S", 1e4): (2.4865630e-05, 0.18635303, 60.750505),
    ("S", 1e6): (1.6963718e-07, 0.18808272, 86.663385),
    ("D", 1e4): (3.5806679e-06, 0.12780197, 109.45146),
    ("D", 1e6): (2.4359018e-08, 0.13032869, 144.77794),
    ("M", 1e4): (2.7223077e-05, 0.13005004, 94.544241),
    ("M", 1e6): (1.9856991e-07, 0.13472498, None),
}
# Tight-loop evaluations per timed batch of gradflow-bench, by case (about 0.1–0.5 s each).
BENCH_CALLS = {"S": 20000, "D": 2000, "M": 500, "L": 20}

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
           XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
           JAX_PLATFORMS="cpu")


def problem_dir(problems, case):
    for base in problems:
        d = os.path.join(base, f"{case}_s0")
        if os.path.isfile(os.path.join(d, "data.csv")):
            return d
    sys.exit(f"bench.py: no data for case {case} in {problems}; pass --problems DIR")


def run_measured(cmd, timeout=None):
    """Runs cmd (stdout/stderr to temp files); returns (exit code or None on timeout, stdout, stderr,
    peak RSS MiB, wall s). The child's CPU time (from wait4) is left in run_measured.cpu."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=ENV, text=True)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                p.returncode = None
                out.seek(0), err.seek(0)
                return None, out.read(), err.read(), usage.ru_maxrss / 1024, time.perf_counter() - start
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        run_measured.cpu = usage.ru_utime + usage.ru_stime
        return p.returncode, out.read(), err.read(), usage.ru_maxrss / 1024, time.perf_counter() - start


def flops_per_eval(problem):
    with open(os.path.join(problem, "weights.json")) as f:
        arch = json.load(f)["arch"]
    with open(os.path.join(problem, "data.csv")) as f:
        n = sum(1 for line in f if line.strip()) - 1
    return 4 * n * arch[0] * arch[1] + 6 * n * sum(arch[k - 1] * arch[k] for k in range(2, len(arch)))


def split_threads(impl):
    """"gradflow×2" → ("gradflow", 2): a gradflow variant run with --threads 2."""
    base, _, threads = impl.partition("×")
    return base, int(threads or 1)


def gradflow_simulate(args, impl, problem, t_end, tmp):
    out = os.path.join(tmp, "run")
    base, threads = split_threads(impl)
    cmd = [args.gradflow, "simulate"] + GRADFLOWS[base] + ["--threads", str(threads)] + [ "--data", os.path.join(problem, "data.csv"), "--init",
           os.path.join(problem, "weights.json"), "--t-end", f"{t_end:g}", "--rtol", "1e-8", "--atol",
           "1e-10", "--out", out, "--force", "--quiet", "--max-wall-seconds", str(args.max_wall_seconds)]
    code, stdout, stderr, peak, _ = run_measured(cmd, timeout=args.max_wall_seconds + 60)
    record = {"impl": impl, "command": " ".join(cmd), "peak_mib": peak}
    try:
        with open(os.path.join(out, "run.json")) as f:
            r = json.load(f)
    except OSError:
        return dict(record, status=f"failed (exit {code}): {stderr.strip()[-200:]}")
    s, fin = r["stats"], r["final"]
    return dict(record, status="ok" if code == 0 else r["termination"]["reason"],
                wall_seconds=s["wall_seconds"], cpu_seconds=run_measured.cpu, compile_seconds=0.0, rhs_evals=s["rhs_evals"],
                steps_accepted=s["steps_accepted"], steps_rejected=s["steps_rejected"], loss=fin["loss"],
                margin=fin["margin"], rho=fin["rho"], t_reached=r["termination"].get("t"))


def peer_simulate(args, solver, problem, t_end):
    cmd = [args.python, os.path.join(HERE, "peers", "peers.py"), "simulate", "--problem", problem, "--solver",
           solver, "--t-end", f"{t_end:g}"]
    code, stdout, stderr, peak, wall = run_measured(cmd, timeout=args.max_wall_seconds)
    record = {"impl": solver, "command": " ".join(cmd), "peak_mib": peak}
    if code is None:
        return dict(record, status=f"timeout after {args.max_wall_seconds:g} s")
    if code != 0:
        return dict(record, status=f"failed (exit {code}): {stderr.strip()[-200:]}")
    return dict(record, **json.loads(stdout.strip().splitlines()[-1]))


run_measured.cpu = None


def rhs_cost(args, impl, problem, case):
    if split_threads(impl)[0] in GRADFLOWS:
        cmd = [args.gradflow_bench, "--data", os.path.join(problem, "data.csv"), "--init",
               os.path.join(problem, "weights.json"), "--threads", str(split_threads(impl)[1]),
               "--calls", str(max(1, BENCH_CALLS.get(case, 20) // args.calls_divisor))]
    else:
        cmd = [args.python, os.path.join(HERE, "peers", "peers.py"), "rhs", "--problem", problem, "--solver", impl,
               "--seconds", "1" if case in "SD" else "3"]
    code, stdout, stderr, peak, _ = run_measured(cmd, timeout=600)
    if code != 0:
        return {"impl": impl, "status": f"failed: {stderr.strip()[-200:]}"}
    return dict(json.loads(stdout.strip().splitlines()[-1]), impl=impl, status="ok", command=" ".join(cmd))


def ensure_venv(args):
    python = os.path.join(VENV, "bin", "python")
    probe = [python, "-c", "import scipy, jax, diffrax, equinox"]
    if os.path.exists(python) and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print("bench.py: creating benchmarks/.venv with the peers (a few minutes)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "-r", os.path.join(HERE, "peers", "requirements.txt")],
                   check=True)
    return python


def build(args):
    config = "debug" if args.quick else "release"
    cmd = ["swift", "build", "-c", config, "--product"]
    for product in ["gradflow", "gradflow-bench"]:
        subprocess.run(cmd + [product], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    bindir = subprocess.run(["swift", "build", "-c", config, "--show-bin-path"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    return os.path.join(bindir, "gradflow"), os.path.join(bindir, "gradflow-bench")


def pairs(text):
    """"L@1e6,M@1e6" → {("L", 1e6), ("M", 1e6)}."""
    result = set()
    for item in filter(None, (text or "").split(",")):
        case, t_end = item.split("@")
        result.add((case, float(t_end)))
    return result


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def digits(value, reference, absolute=False):
    if value is None or reference is None:
        return None
    err = abs(value - reference) if absolute else abs(value - reference) / abs(reference)
    return err


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="S,D,M,L")
    parser.add_argument("--t-ends", default="1e4,1e6")
    parser.add_argument("--impls", default=",".join(list(GRADFLOWS) + PEERS),
                        help=", ".join(list(GRADFLOWS) + PEERS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", default="L@1e6,M@1e6",
                        help="case@T pairs not simulated (default: those no stack finishes in the budget)")
    parser.add_argument("--only-gradflow", default="L@1e4",
                        help="case@T pairs simulated by gradflow only (peers do not finish)")
    parser.add_argument("--max-wall-seconds", type=float, default=600)
    parser.add_argument("--problems", default=None,
                        help="directory with <CASE>_s0/ folders (default: benchmarks/problems, then ../shared/bench/problems)")
    parser.add_argument("--no-rhs", action="store_true", help="skip the tight-loop RHS measurements")
    parser.add_argument("--no-build", action="store_true", help="use --gradflow/--gradflow-bench as given")
    parser.add_argument("--gradflow", default=None)
    parser.add_argument("--gradflow-bench", default=None)
    parser.add_argument("--python", default=None, help="Python with the peers (default: benchmarks/.venv)")
    parser.add_argument("--threads", default="1",
                        help="OpenBLAS thread counts of the gradflow variants (e.g. 1,2: each variant also as "
                             "VARIANT×2, run with --threads 2); the peers stay single-threaded")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--json", default=None, help="raw measurements (default: next to --out)")
    parser.add_argument("--section", default="compare",
                        help="the generated section of --out and --json to (re)write (default: compare)")
    parser.add_argument("--title", default=None, help="the section's heading (default: from the cases)")
    parser.add_argument("--quick", "--smoke", dest="quick", action="store_true",
                        help="CI: S at T = 0.05, gradflow only (one and two threads), debug build, once, into a "
                             "temporary RESULTS.md; fails unless every run succeeded and the section was written "
                             "twice without touching the prose around it")
    args = parser.parse_args()
    args.calls_divisor = 1
    if args.quick:
        args.cases, args.t_ends, args.impls, args.repeats, args.threads = "S", "0.05", "gradflow", 1, "1,2"
        args.calls_divisor = 100
        if args.out == os.path.join(HERE, "RESULTS.md"):
            args.out = os.path.join(tempfile.mkdtemp(), "RESULTS.md")
            with open(args.out, "w") as f:
                f.write("# Benchmark results\n\nProse written by hand.\n")
    args.json = args.json or os.path.splitext(args.out)[0] + ".json"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    cases = args.cases.split(",")
    t_ends = [float(t) for t in args.t_ends.split(",")]
    impls = args.impls.split(",")
    thread_counts = [int(k) for k in args.threads.split(",")]
    impls = [i if k == 1 else f"{i}×{k}" for i in impls for k in (thread_counts if i in GRADFLOWS else [1])]
    skip = pairs(args.skip)
    only_gradflow = pairs(args.only_gradflow)
    problems = [args.problems] if args.problems else [os.path.join(HERE, "problems"),
                                                       os.path.join(ROOT, "..", "shared", "bench", "problems")]
    if not args.no_build:
        args.gradflow, args.gradflow_bench = build(args)
    unknown = [i for i in impls if i not in PEERS and split_threads(i)[0] not in GRADFLOWS]
    if unknown:
        sys.exit(f"bench.py: unknown implementation(s) {unknown}; choose from {list(GRADFLOWS) + PEERS}")
    if any(i in PEERS for i in impls):
        args.python = args.python or ensure_venv(args)

    rhs, sims = [], []
    load_before = results.loadavg()
    tmp = tempfile.mkdtemp()
    for rep in range(args.repeats):
        for case in cases:
            problem = problem_dir(problems, case)
            if not args.no_rhs:
                # The variants share gradflow's right-hand side (the Filippov slopes add to it in a run).
                for impl in [i for i in impls if split_threads(i)[0] not in GRADFLOWS or split_threads(i)[0] == "gradflow"]:
                    r = rhs_cost(args, impl, problem, case)
                    rhs.append(dict(r, case=case, repeat=rep))
                    print(f"rhs {case} {impl}: {fmt(r.get('us_per_eval'), '.3f')} µs", file=sys.stderr)
            for t_end in t_ends:
                key = f"{case}@{t_end:g}"
                if (case, t_end) in skip:
                    continue
                for impl in impls:
                    if (case, t_end) in only_gradflow and impl in PEERS:
                        continue
                    if impl not in PEERS:
                        r = gradflow_simulate(args, impl, problem, t_end, tmp)
                    else:
                        r = peer_simulate(args, impl, problem, t_end)
                    sims.append(dict(r, case=case, t_end=t_end, repeat=rep))
                    print(f"sim {key} {impl} #{rep}: {r.get('status')} {fmt(r.get('wall_seconds'), '.2f')} s",
                          file=sys.stderr)
                    with open(args.json, "w") as f:
                        json.dump({"rhs": rhs, "simulate": sims}, f, indent=1)
    shutil.rmtree(tmp, ignore_errors=True)
    load_after = results.loadavg()
    lines = report_lines(args, cases, t_ends, impls, problems, rhs, sims)
    title = args.title or f"Cases {', '.join(cases)} at T = {', '.join(f'{t:g}' for t in t_ends)}"
    write = lambda: results.write_section(args.out, args.json, args.section, title, lines,
                                          {"rhs": rhs, "simulate": sims}, results.command_line(), load_before,
                                          load_after)
    write()
    print(f"bench.py: wrote section {args.section} of {args.out} and {args.json}", file=sys.stderr)
    if args.quick:
        write()  # a second time: the section is replaced, not repeated, and the prose stays
        with open(args.out) as f:
            text = f.read()
        with open(args.json) as f:
            stored = json.load(f)["sections"][args.section]
        problems_found = [r for r in rhs + sims if r.get("status") != "ok"]
        if not sims or {split_threads(r["impl"])[1] for r in sims} != {1, 2}:
            problems_found.append("not every thread count ran")
        if text.count(results.markers(args.section)[0]) != 1 or "Prose written by hand." not in text:
            problems_found.append("the section was not spliced into the file exactly once")
        if len(stored["load_before"]) != 3 or stored["machine"]["nproc"] != os.cpu_count():
            problems_found.append("the machine and its load were not recorded")
        if problems_found:
            sys.exit(f"bench.py: quick test failed: {problems_found}")
        print("bench.py: quick test passed", file=sys.stderr)


def report_lines(args, cases, t_ends, impls, problems, rhs, sims):
    lines = ["Every number is a median over the repeats of one interleaved run; RHS evaluations and step "
             "counts are deterministic. `×K`: the variant with `--threads K` (OpenBLAS threads).", ""]
    if rhs:
        lines += ["### Cost of one RHS evaluation (tight loop)", "",
                  "CPU time per call. gradflow: `gradflow-bench`, thread CPU time per call of the full "
                  "right-hand side (forward, loss weights, backprop, scaling). scipy: the numpy RHS called "
                  "from Python. JAX: `jax.grad` inside one jitted `fori_loop` (process CPU time). FLOPs: "
                  "4·N·P_1 + 6·N·(P_2 + … + P_K). Wall µs: gradflow's wall time per call (with several "
                  "threads the calling thread's CPU time leaves out the workers'; GFLOP/s is from wall time "
                  "there).", "",
                  "| case | implementation | µs / eval | wall µs / eval | GFLOP/s | kernel |",
                  "|---|---|---|---|---|---|"]
        for case in cases:
            for impl in impls:
                rows = [r for r in rhs if r["case"] == case and r["impl"] == impl and r["status"] == "ok"]
                if not rows:
                    continue
                us = median([r["us_per_eval"] for r in rows])
                wall = median([r.get("us_per_eval_wall") for r in rows])
                flops = rows[0]["flops_per_eval"]
                per = wall if split_threads(impl)[1] > 1 and wall else us
                lines.append(f"| {case} | {impl} | {us:.3f} | {fmt(wall, '.3f')} | {flops / per * 1e-3:.1f} | "
                             f"{rows[0].get('kernel', '')} |")
        lines.append("")
    lines += ["### Simulations (reference protocol: rtol 1e-8, atol 1e-10, 50 log-spaced saves from 1e-2 to T)", "",
              "Wall time is the integration alone (gradflow: run.json `stats.wall_seconds`; JAX: the compiled "
              "solve, compile time in its own column). µs/eval = CPU time (wall time where CPU time was not "
              "measured) / RHS evals (includes the solver's own "
              "work); GFLOP/s = FLOPs per evaluation × evals / that time. Δloss is relative, Δγ̄ absolute, both "
              "against PROBLEM.md's reference answers (none for the normalized flows `gradflow-lagrange` and "
              "`gradflow-weightnorm`, which follow other trajectories: their last column is their CPU time over the "
              "unconstrained `gradflow` row's). Peak memory is the process's maximum RSS. diffrax's RHS "
              "evals are 6 × attempted steps + 1 (FSAL Dopri5); scipy reports no step counts. CPU s is the "
              "process's CPU time (gradflow: the whole process, setup and output included, from wait4; peers: "
              "`time.process_time()` around the solve), which other jobs on a shared machine inflate far less "
              "than wall time.", "",
              "| case | T | implementation | status | wall s | CPU s | compile s | RHS evals | accepted / rejected | "
              "µs / eval | GFLOP/s | peak MiB | loss | Δloss (rel) | γ̄ | Δγ̄ (abs) | gradflow / fastest peer |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for case in cases:
        problem = problem_dir(problems, case)
        flops = flops_per_eval(problem)
        for t_end in t_ends:
            ref = REFERENCE.get((case, t_end))
            walls = {}
            for impl in impls:
                rows = [r for r in sims if r["case"] == case and r["t_end"] == t_end and r["impl"] == impl]
                if rows:
                    ok = [r for r in rows if r.get("status") == "ok"]
                    walls[impl] = median([r["wall_seconds"] for r in ok]) if ok else None
            peer_walls = [w for i, w in walls.items() if i in PEERS and w]
            cpus = {i: median([r.get("cpu_seconds") for r in sims if r["case"] == case and r["t_end"] == t_end
                               and r["impl"] == i and r.get("status") == "ok"]) for i in walls}
            peer_cpus = [c for i, c in cpus.items() if i in PEERS and c]
            for impl in impls:
                rows = [r for r in sims if r["case"] == case and r["t_end"] == t_end and r["impl"] == impl]
                if not rows:
                    continue
                ok = [r for r in rows if r.get("status") == "ok"] or rows
                last = ok[-1]
                wall = median([r.get("wall_seconds") for r in ok])
                cpu = median([r.get("cpu_seconds") for r in ok])
                evals = last.get("rhs_evals")
                acc, rej = last.get("steps_accepted"), last.get("steps_rejected")
                steps = f"{acc:,} / {rej:,}" if acc is not None and rej is not None else "—"
                seconds = cpu or wall  # CPU time where measured: robust to other jobs on the machine
                us = seconds / evals * 1e6 if seconds and evals else None
                gflops = flops * evals / seconds * 1e-9 if seconds and evals else None
                status = last.get("status", "?")
                finished = status == "ok"
                own_ref = ref if impl not in NORMALIZED else None
                dloss = digits(last.get("loss"), own_ref[0] if own_ref and finished else None)
                dmargin = digits(last.get("margin"), own_ref[1] if own_ref and finished else None, absolute=True)
                if status != "ok" and last.get("t_reached") is not None:
                    status += f" at t = {last['t_reached']:.4g}"
                ratio = (f"wall {wall / min(peer_walls):.2f}×" if finished and impl not in PEERS and wall and peer_walls
                         else "")
                if finished and impl not in PEERS and cpu and peer_cpus:
                    ratio += f", CPU {cpu / min(peer_cpus):.2f}×"
                if finished and impl in NORMALIZED and cpu and cpus.get("gradflow"):
                    ratio += f"{', ' if ratio else ''}CPU {cpu / cpus['gradflow']:.2f}× gradflow"
                lines.append(
                    f"| {case} | {t_end:g} | {impl} | {status} | {fmt(wall, '.2f')} | {fmt(cpu, '.2f')} | {fmt(median([r.get('compile_seconds') for r in ok]), '.1f')} | "
                    f"{fmt(evals, ',')} | {steps} | {fmt(us, '.2f')} | {fmt(gflops, '.1f')} | "
                    f"{fmt(median([r.get('peak_mib') for r in ok]), '.0f')} | {fmt(last.get('loss'), '.8g')} | "
                    f"{fmt(dloss, '.1e')} | {fmt(last.get('margin'), '.9f')} | {fmt(dmargin, '.1e')} | {ratio} |")
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
