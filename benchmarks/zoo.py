#!/usr/bin/env python3
"""The conformance zoo: runs gradflow on every problem of benchmarks/zoo/problems.json under every
policy and compares the final state with the cached event-driven reference
(benchmarks/zoo/references.json, written by benchmarks/zoo/make_references.py).

    python3 benchmarks/zoo.py                 # every problem × policy; writes benchmarks/ZOO.md and ZOO.json
    python3 benchmarks/zoo.py --subset        # the test subset (defaults only), checked against ZOO.json
    python3 benchmarks/zoo.py --problems xor4_w2,sym_w4_t1e7 --policies defaults,filippov --no-write

Per run it records RHS evaluations, the rejected fraction, chatter flips, CPU time and the errors
    loss:  |log L − log L_ref|   (the relative error of L, to first order; log L does not underflow)
    γ̄:     |min_n q_n/ρ − ref|   (product-normalized margin, absolute)
    ρ:     |ρ − ρ_ref|/ρ_ref
The defaults pass a problem when the run finishes (no max-steps or wall-clock stop), the loss error
is ≤ 1e-6, the γ̄ error ≤ 1e-7, and the RHS evaluations are ≤ 2× those of the cheapest policy
that meets the same two accuracy bounds (issue 17, item 2). Each failure is listed with its reason.

--subset runs the problems marked `subset` with the defaults and fails (exit 1) when a run's
evaluations exceed the recorded ones (ZOO.json) by more than 20 %, or its loss/γ̄ error exceeds
1.2× the recorded error (floor 1e-10, below which debug and release builds may differ by round-off),
or its classification accuracy differs from the reference's, or an invariant that applies is violated
(benchmarks/zoo/invariants.py: ρ_k² − ρ_1² constant and the smoothed margin nondecreasing after L < 1
for unconstrained flows, γ_P ≤ (1 + α)/2 · γ_SVM on mirror-symmetric data; every run records them in
ZOO.json's inv_* fields and ZOO.md's invariants column). It ends with `zoo: N passed, F failed`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "benchmarks" / "zoo"
OUT_JSON = ROOT / "benchmarks" / "ZOO.json"
OUT_MD = ROOT / "benchmarks" / "ZOO.md"
sys.path.insert(0, str(ZOO))
import invariants  # noqa: E402  (benchmarks/zoo/invariants.py: the known invariants of every run)

LOSS_TOL = 1e-6  # issue 17 item 2: final loss within 1e-6 relative
MARGIN_TOL = 1e-7  # issue 17 item 2: γ̄ within 1e-7 absolute
COST_FACTOR = 2.0  # issue 17 item 2: at most 2× the cheapest policy that reaches that accuracy
REGRESSION = 1.2  # issue 17 item 4: a regression of evaluations or accuracy by more than 20 %
# a reference counts only when its own change from rtol 1e-10 (1e-11 where that run fails) to 1e-12 is
# 10× below the criteria
REF_LOSS_TOL = LOSS_TOL / 10
REF_MARGIN_TOL = MARGIN_TOL / 10
ERROR_FLOOR = 1e-10  # errors below this are round-off of the reference/run comparison

# name -> extra flags. Stepper families run with --sliding filippov on unconstrained ReLU nets,
# because there the default (corrected) integrates with its own rkf45 pair and ignores --stepper.
POLICIES = {
    "defaults": [],
    "corrected": ["--sliding", "corrected"],
    "filippov": ["--sliding", "filippov"],
    "off": ["--sliding", "off"],
    "rkck": ["--stepper", "rkck"],
    "rk8pd": ["--stepper", "rk8pd"],
    "msadams": ["--stepper", "msadams"],
    "msbdf": ["--stepper", "msbdf"],
    "exact": ["--sliding", "exact"],
}
# `--sliding exact` (one hidden relu/leaky layer, unconstrained flow) integrates in the t, log-t and auto
# clocks, not in ρ: the path is clock-invariant, so a ρ-clock problem runs in t with its `--rho-end` as the stop.
T_CLOCK_POLICIES = {"exact"}
STEPPER_POLICIES = {"rkck", "rk8pd", "msadams", "msbdf"}


def gradflow_path(arg):
    if arg:
        return arg
    for cfg in ("release", "debug"):
        p = ROOT / ".build" / cfg / "gradflow"
        if p.exists():
            return str(p)
    sys.exit("zoo: no gradflow binary; build with `swift build -c release --product gradflow` or pass --gradflow")


def command(g, spec, policy, out, max_wall, max_steps):
    cmd = [g, "simulate", "--data", str(ZOO / spec["data"]), "--init", str(ZOO / spec["init"]),
           "--widths", ",".join(str(w) for w in spec["widths"]), "--activation", spec["activation"],
           "--loss", spec["loss"], "--dynamics", spec["dynamics"], "--clock", spec["clock"],
           "--quiet", "--force", "--out", out, "--max-wall-seconds", str(max_wall), "--max-steps", str(max_steps)]
    if spec["bias_feature"]:
        cmd.append("--bias-feature")
    if spec["wn_scale"] is not None:
        cmd += ["--wn-scale", repr(spec["wn_scale"])]
    end = spec["end"]
    if "t_end" in end:
        cmd += ["--t-end", repr(end["t_end"])]
    elif "log_t_end" in end:
        cmd += ["--log-t-end", repr(end["log_t_end"])]
    else:
        cmd += ["--rho-end", repr(end["rho_end"])]
    if policy in T_CLOCK_POLICIES and spec["clock"] == "rho":
        cmd[cmd.index("--clock") + 1] = "t"
    extra = list(POLICIES[policy])
    if policy in STEPPER_POLICIES and spec["activation"] == "relu" and spec["dynamics"] == "unconstrained":
        extra += ["--sliding", "filippov"]
    return cmd + extra


def run_one(g, spec, policy, ref, max_wall, max_steps):
    out = tempfile.mkdtemp(prefix="zoo-")
    try:
        cmd = command(g, spec, policy, out, max_wall, max_steps)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        row = {"problem": spec["id"], "policy": policy, "exit": proc.returncode,
               "cpu_seconds": round(cpu, 3), "wall_seconds": round(time.time() - t0, 3)}
        try:
            rec = json.loads((Path(out) / "run.json").read_text())
        except (OSError, ValueError):
            rec = None
        if rec is None or "stats" not in rec:
            row["finished"] = False
            row["reason"] = (proc.stderr.strip().splitlines() or ["no run.json"])[-1][:300]
            return row
        st, term, fin = rec["stats"], rec["termination"], rec.get("final", {})
        attempted = st["steps_accepted"] + st["steps_rejected"]
        row.update({
            "finished": bool(term.get("success")) and proc.returncode == 0,
            "reason": term.get("reason") if term.get("success") else
            f"{term.get('reason')}: {(proc.stderr.strip().splitlines() or [''])[-1][:240]}",
            "rhs_evals": st["rhs_evals"], "jacobian_evals": st.get("jacobian_evals", 0),
            "steps": attempted, "rejected_fraction": st["steps_rejected"] / attempted if attempted else 0.0,
            "chatter_flips": (st.get("sliding") or {}).get("chatter_flips"),
            "pattern_changes": st.get("pattern_changes"),
            "sliding": rec["config"].get("sliding"), "stepper": rec["phases"][-1]["stepper"] if rec.get("phases") else None,
            "log_t": fin.get("log_t"), "log_loss": fin.get("log_loss"), "margin": fin.get("margin"),
            "rho": fin.get("rho"), "accuracy": fin.get("accuracy"),
        })
        score(row, ref)
        row.update(invariants.check_run(Path(out), spec, ZOO / spec["data"]))
        return row
    finally:
        shutil.rmtree(out, ignore_errors=True)


def score(row, ref):
    """The errors of a run's final state against the reference."""
    for key in ("err_loss", "err_margin", "err_rho"):
        row.pop(key, None)
    if ref and "log_loss" in ref and row.get("log_loss") is not None:
        row["err_loss"] = abs(row["log_loss"] - ref["log_loss"])
        row["err_margin"] = abs(row["margin"] - ref["margin"])
        row["err_rho"] = abs(row["rho"] - ref["rho"]) / ref["rho"]


def accurate(row):
    return (row.get("finished") and row.get("err_loss") is not None
            and row["err_loss"] <= LOSS_TOL and row["err_margin"] <= MARGIN_TOL)


def verdict(rows, ref=None):
    """Pass/fail of the defaults on one problem, with the reason (issue 17 item 2)."""
    d = rows.get("defaults")
    if d is None:
        return None, "defaults not run"
    if not d.get("finished"):
        return False, f"did not finish ({d.get('reason')})"
    sc = (ref or {}).get("self_check")
    if sc and (sc["log_loss"] > REF_LOSS_TOL or sc["margin"] > REF_MARGIN_TOL):
        return False, (f"reference not tight: rtol {sc.get('coarse_rtol', 1e-10):g} and 1e-12 differ by {sc['log_loss']:.1e} in log L, "
                       f"{sc['margin']:.1e} in γ̄")
    if d.get("err_loss") is None:
        return False, "no reference" + (f" (the reference integrator failed: {ref['error']})" if ref and "error" in ref else "")
    reasons = []
    if d["err_loss"] > LOSS_TOL:
        reasons.append(f"loss error {d['err_loss']:.2e} > {LOSS_TOL:g}")
    if d["err_margin"] > MARGIN_TOL:
        reasons.append(f"γ̄ error {d['err_margin']:.2e} > {MARGIN_TOL:g}")
    good = [(r["rhs_evals"], p) for p, r in rows.items() if accurate(r)]
    if good:
        best, who = min(good)
        if d["rhs_evals"] > COST_FACTOR * best:
            reasons.append(f"{d['rhs_evals']} evaluations > {COST_FACTOR:g}× {best} ({who})")
    elif not reasons:
        reasons.append("no policy reached the accuracy")
    return (not reasons), "; ".join(reasons)


def fmt(x, spec=".1e"):
    if x is None:
        return "–"
    if isinstance(x, float):
        return format(x, spec)
    return str(x)


def write_md(problems, refs, results, policies, gradflow, elapsed):
    lines = ["# Conformance zoo", "",
             "Generated by `python3 benchmarks/zoo.py` (see docs/zoo.md); do not edit by hand. "
             f"gradflow: `{os.path.relpath(gradflow, ROOT)}`; {len(problems)} problems × {len(policies)} policies "
             f"({', '.join(policies)}); {elapsed:.0f} s.", "",
             "Errors are against the cached event-driven reference (benchmarks/zoo/references.json): "
             "loss = |log L − log L_ref| (relative error of L), γ̄ absolute, ρ relative; the reference's "
             "self-check is its own change in log L / γ̄ from rtol 1e-10 (1e-11 where that run fails) to 1e-12. "
             "A run that stopped (max steps, wall clock) has no errors. "
             "Pass = the defaults finish, loss error ≤ 1e-6, γ̄ error ≤ 1e-7, and evaluations ≤ 2× the cheapest "
             "policy meeting both bounds.", ""]
    verdicts = {p["id"]: verdict(results.get(p["id"], {}), refs.get(p["id"])) for p in problems}
    npass = sum(1 for v in verdicts.values() if v[0])
    lines += [f"**Defaults: {npass} of {len(problems)} problems pass.**", "", "## Verdicts", "",
              "| problem | setting | reference | defaults | reason |", "|---|---|---|---|---|"]
    for p in problems:
        ok, why = verdicts[p["id"]]
        ref = refs.get(p["id"], {})
        setting = (f"{p['dataset']}{' +bias' if p['bias_feature'] else ''}, "
                   f"{'→'.join(str(w) for w in p['widths']) or 'linear'} {p['activation']}, {p['loss'][:3]}, "
                   f"{p['dynamics']}{'' if p['wn_scale'] is None else ' c=' + str(p['wn_scale'])}, "
                   f"{p['clock']} {list(p['end'].items())[0][0]}={list(p['end'].values())[0]:g}")
        r = (f"log L {ref['log_loss']:.10g}, γ̄ {ref['margin']:.10g}, {ref['events']} events, "
             f"self-check {ref['self_check']['log_loss']:.0e}/{ref['self_check']['margin']:.0e}"
             + (f", closed form {p['closed_form']}" if p.get("closed_form") else "")) if "log_loss" in ref else "none"
        lines.append(f"| {p['id']} | {setting} | {r} | {'pass' if ok else 'FAIL'} | {why} |")
    lines += ["", "## Every run", "",
              "| problem | policy | finished | RHS evals | rejected | chatter flips | CPU s | loss err | γ̄ err | ρ err | invariants |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in problems:
        for pol in policies:
            r = results.get(p["id"], {}).get(pol)
            if r is None:
                continue
            fin = "yes" if r.get("finished") else f"no: {r.get('reason', '')[:60]}"
            lines.append(f"| {p['id']} | {pol} | {fin} | {fmt(r.get('rhs_evals'))} | "
                         f"{fmt(r.get('rejected_fraction'), '.2f')} | {fmt(r.get('chatter_flips'))} | "
                         f"{fmt(r.get('cpu_seconds'), '.2f')} | {fmt(r.get('err_loss'))} | {fmt(r.get('err_margin'))} | "
                         f"{fmt(r.get('err_rho'))} | {invariants.summary(r)} |")
    OUT_MD.write_text("\n".join(lines) + "\n")
    return npass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gradflow", help="gradflow binary (default .build/release/gradflow, else .build/debug)")
    ap.add_argument("--problems", default="", help="comma-separated problem ids (default all)")
    ap.add_argument("--policies", default=",".join(POLICIES), help="comma-separated policies (default all)")
    ap.add_argument("--subset", action="store_true", help="the test subset, checked against ZOO.json")
    ap.add_argument("--baseline", default=str(OUT_JSON), help="recorded runs the subset is checked against (default benchmarks/ZOO.json)")
    ap.add_argument("--no-write", action="store_true", help="do not write ZOO.md/ZOO.json")
    ap.add_argument("--rescore", action="store_true",
                    help="recompute errors, verdicts, ZOO.md and ZOO.json from the stored runs (after new references)")
    ap.add_argument("--max-wall", type=float, default=10.0, help="--max-wall-seconds per run (default 10)")
    ap.add_argument("--max-steps", type=int, default=200000, help="--max-steps per run (default 200000)")
    ap.add_argument("--references", default=str(ZOO / "references.json"),
                    help="cached references to score against (default benchmarks/zoo/references.json)")
    args = ap.parse_args()
    if args.rescore:  # no binary needed: the stored runs keep the one that made them
        g = str(ROOT / json.loads(OUT_JSON.read_text())["gradflow"])
    else:
        g = gradflow_path(args.gradflow)
    problems = json.loads((ZOO / "problems.json").read_text())
    refs = json.loads(Path(args.references).read_text())
    if args.subset:
        return subset(g, problems, refs, args)
    want = set(filter(None, args.problems.split(",")))
    policies = [p for p in args.policies.split(",") if p]
    for p in policies:
        if p not in POLICIES:
            sys.exit(f"zoo: unknown policy {p}; choose from {', '.join(POLICIES)}")
    chosen = [p for p in problems if not want or p["id"] in want]
    results = {}
    if OUT_JSON.exists() and (want or args.policies != ",".join(POLICIES)):
        results = json.loads(OUT_JSON.read_text()).get("runs", {})  # update a partial rerun in place
    t0 = time.time()
    if args.rescore:
        stored = json.loads(OUT_JSON.read_text())
        results, elapsed = stored["runs"], stored.get("elapsed_seconds", 0.0)
        for pid, rows in results.items():
            for row in rows.values():
                score(row, refs.get(pid))
        chosen = []
    for spec in chosen:
        ref = refs.get(spec["id"])
        for pol in policies:
            row = run_one(g, spec, pol, ref, args.max_wall, args.max_steps)
            results.setdefault(spec["id"], {})[pol] = row
            print(f"{spec['id']:28s} {pol:10s} {'ok ' if row.get('finished') else 'DNF'} "
                  f"evals={row.get('rhs_evals')} loss_err={fmt(row.get('err_loss'))} "
                  f"margin_err={fmt(row.get('err_margin'))} cpu={row['cpu_seconds']:.2f} "
                  f"invariants={invariants.summary(row)}", flush=True)
    if not args.rescore:
        elapsed = time.time() - t0
    verdicts = {p["id"]: verdict(results.get(p["id"], {}), refs.get(p["id"])) for p in problems if p["id"] in results}
    npass = sum(1 for v in verdicts.values() if v[0])
    print(f"defaults: {npass} of {len(verdicts)} problems pass")
    if not args.no_write:
        all_pols = list(POLICIES)
        write_md(problems, refs, results, [p for p in all_pols if any(p in r for r in results.values())], g, elapsed)
        OUT_JSON.write_text(json.dumps({
            "criteria": {"loss": LOSS_TOL, "margin": MARGIN_TOL, "cost_factor": COST_FACTOR},
            "elapsed_seconds": elapsed, "gradflow": os.path.relpath(g, ROOT),
            "verdicts": {k: {"pass": v[0], "reason": v[1]} for k, v in verdicts.items()},
            "runs": results}, indent=1, sort_keys=True) + "\n")
    return 0


def subset(g, problems, refs, args):
    path = Path(args.baseline)
    base = json.loads(path.read_text())["runs"] if path.exists() else {}
    passed = failed = 0
    for spec in problems:
        if not spec.get("subset"):
            continue
        ref = refs.get(spec["id"], {})
        row = run_one(g, spec, "defaults", ref, 60, args.max_steps)
        b = base.get(spec["id"], {}).get("defaults")
        problems_found = []
        if b is None or b.get("rhs_evals") is None:
            problems_found.append("no recorded run in benchmarks/ZOO.json")
        elif not row.get("finished"):
            problems_found.append(f"did not finish: {row.get('reason')}")
        else:
            if row["rhs_evals"] > REGRESSION * b["rhs_evals"]:
                problems_found.append(f"evaluations {row['rhs_evals']} > 1.2× recorded {b['rhs_evals']}")
            for key in ("err_loss", "err_margin"):
                if row.get(key) is None:
                    problems_found.append(f"no {key}")
                elif row[key] > max(REGRESSION * (b.get(key) or 0.0), ERROR_FLOOR):
                    problems_found.append(f"{key} {row[key]:.2e} > 1.2× recorded {b.get(key) or 0:.2e}")
            if "accuracy" in ref and row.get("accuracy") != ref["accuracy"]:
                problems_found.append(f"accuracy {row.get('accuracy')} ≠ reference {ref['accuracy']}")
        if row.get("invariants_ok") is False:
            problems_found.append(f"invariant violated: {invariants.summary(row)}")
        status = "ok" if not problems_found else "FAIL: " + "; ".join(problems_found)
        print(f"zoo {spec['id']}: evals {row.get('rhs_evals')} (recorded {b and b.get('rhs_evals')}), "
              f"loss err {fmt(row.get('err_loss'))}, γ̄ err {fmt(row.get('err_margin'))}, "
              f"invariants {invariants.summary(row)}: {status}", flush=True)
        if problems_found:
            failed += 1
        else:
            passed += 1
    print(f"zoo: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
