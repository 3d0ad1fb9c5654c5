"""Computes and caches (references.json) the event-driven reference of every zoo problem.

Each problem is integrated twice, at rtol 1e-12 (the reference) and at rtol 1e-10 (1e-11 where the
1e-10 run fails: `self_check.coarse_rtol`); the difference of the two is recorded as `self_check` (an estimate of the reference's own error, which
must sit far below the zoo's criteria, 1e-6 relative in L and 1e-7 in γ̄). Where THEORY §8 has a
closed form (R1: w(t) = (log(t + e^a), ½ log(4t + e^{2b})); R2: w(t) = ½ log(1 + 8t)(1, 1)) it is
evaluated too and the reference's distance to it recorded.

    python3 benchmarks/zoo/make_references.py [--only ID,ID] [--skip-existing]
    python3 benchmarks/zoo/make_references.py --compare --only ID,ID   # recompute, print the change, write nothing
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

# Radau's LU factorisations (224 unknowns on raw wine) in a multi-threaded OpenBLAS cost 70× the CPU of one
# thread on a loaded 2-core machine (0.16 s against 2 ms a factorisation); every other product here is tiny
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from reference import EventDriven, Problem  # noqa: E402


def load_problem(spec):
    raw = np.genfromtxt(HERE / spec["data"], delimiter=",", skip_header=1)
    X, y = raw[:, :-1], raw[:, -1]
    if spec["bias_feature"]:
        X = np.hstack([X, np.ones((len(X), 1))])
    init = json.loads((HERE / spec["init"]).read_text())
    return Problem(X, y, init["layers"], activation=spec["activation"], loss=spec["loss"],
                   dynamics=spec["dynamics"], wn_scale=spec["wn_scale"] or 1.0)


def closed_form(spec, log_t):
    """Final observables of R1/R2 from their exact solutions (linear model, exponential loss)."""
    t = math.exp(log_t)
    if spec["closed_form"] == "R1":
        a, b = 0.3, -0.2
        w = np.array([math.log(t + math.exp(a)), 0.5 * math.log(4 * t + math.exp(2 * b))])
        X, y = np.array([[1.0, 0.0], [0.0, -2.0]]), np.array([1.0, -1.0])
    elif spec["closed_form"] == "R2":
        w = 0.5 * math.log1p(8 * t) * np.ones(2)
        X = np.array([[0.5, 1.5], [1.5, 0.5], [-0.5, -1.5], [-1.5, -0.5]])
        y = np.array([1.0, 1.0, -1.0, -1.0])
    else:
        return None
    q = y * (X @ w)
    m = (-q).max()
    log_loss = m + math.log(np.exp(-q - m).sum())
    rho = float(np.linalg.norm(w))
    return {"log_loss": log_loss, "margin": float(q.min() / rho), "rho": rho}


# Stiff problems: their pieces are integrated with Radau IIA (implicit, order 5) instead of DOP853, whose
# steps these problems hold to their stability bound (h·ρ(J) ≈ 3): raw wine (features up to 1e3) has
# ż ~ 1e12 at t = 1e-13, and on the ill-conditioned set (features over six decades) DOP853 crawls from
# t = 1.6e-5 on, where a pair slides. Raw wine also starts in the τ clock (log L(0) = 18.4 < TAU_START):
# in t its forces a_n ≈ 1e8 make the first 1e-8 of t alone cost an hour of Radau steps.
STIFF = {
    "wine_raw_w16": {"method": "Radau", "tau_start": 5.0},
    "illcond_w8": {"method": "Radau"},
}


def run(spec, rtol):
    prob = load_problem(spec)
    end = spec["end"]
    opts = STIFF.get(spec["id"], {})
    method = opts.get("method", "DOP853")
    t0 = time.process_time()
    eng = EventDriven(prob, rtol=rtol, atol=rtol * 1e-2, method=method, tau_start=opts.get("tau_start"))
    y, s = eng.run(t_end=end.get("t_end"), log_t_end=end.get("log_t_end"), rho_end=end.get("rho_end"))
    obs = prob.observables(y, s)
    obs = {k: (float(v) if not isinstance(v, list) else [float(x) for x in v]) for k, v in obs.items()}
    obs.update({"rtol": rtol, "nfev": eng.nfev, "events": eng.events, "slides": eng.slides,
                "reversals": eng.reversals, "dips": eng.dips_found,
                "cpu_seconds": time.process_time() - t0})
    if opts:
        obs["integrator"] = dict(opts)
    if eng.tau_exit:
        obs["tau_exit"] = {"t": eng.tau_exit[0], "reason": eng.tau_exit[1]}
    return obs


# Problems whose reference is expected to fail, and why (recorded beside the error in references.json)
HARD = {}
# (wine_raw_w16 was here until reference.py's Radau got its analytic Jacobian: with finite-difference
# Jacobians, 225 right-hand sides at each new piece, it had reached t = 0.0048 after 20 minutes; it now
# finishes in minutes, docs/stiff.md.)


def timeout(seconds):
    def handler(signum, frame):
        raise TimeoutError(f"gave up after {seconds} s")
    signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per problem (both rtols) before giving up")
    ap.add_argument("--skip-existing", action="store_true")
    ap.add_argument("--compare", action="store_true",
                    help="recompute the --only problems at rtol 1e-12 and print their change from references.json; write nothing")
    args = ap.parse_args()
    problems = json.loads((HERE / "problems.json").read_text())
    path = HERE / "references.json"
    refs = json.loads(path.read_text()) if path.exists() else {}
    only = set(filter(None, args.only.split(",")))
    if args.compare:
        for spec in problems:
            old = refs.get(spec["id"], {})
            if (only and spec["id"] not in only) or "log_loss" not in old:
                continue
            new = run(spec, 1e-12)
            print(spec["id"], f"Δlog L {abs(new['log_loss'] - old['log_loss']):.1e}",
                  f"Δγ̄ {abs(new['margin'] - old['margin']):.1e}", f"Δρ/ρ {abs(new['rho'] - old['rho']) / old['rho']:.1e}",
                  f"events {new['events']} (was {old['events']})", flush=True)
        return
    for spec in problems:
        pid = spec["id"]
        if only and pid not in only:
            continue
        if args.skip_existing and pid in refs:
            continue
        try:
            timeout(args.timeout)
            fine = run(spec, 1e-12)
            try:
                coarse = run(spec, 1e-10)
            except RuntimeError:  # (deep nets: a pattern cycle at rtol 1e-10 that rtol 1e-11 avoids)
                coarse = run(spec, 1e-11)
        except Exception as exc:  # recorded, so the zoo reports the problem as unreferenced
            signal.alarm(0)
            refs = json.loads(path.read_text()) if path.exists() else {}
            refs[pid] = {"error": f"{type(exc).__name__}: {exc}"}
            if pid in HARD:
                refs[pid]["why"] = HARD[pid]
            print(pid, "ERROR", exc, flush=True)
            path.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
            continue
        signal.alarm(0)
        entry = dict(fine)
        entry["self_check"] = {"coarse_rtol": coarse["rtol"], "log_loss": abs(fine["log_loss"] - coarse["log_loss"]),
                               "margin": abs(fine["margin"] - coarse["margin"]),
                               "rho_rel": abs(fine["rho"] - coarse["rho"]) / fine["rho"]}
        cf = closed_form(spec, fine["log_t"])
        if cf:
            entry["closed_form"] = cf
            entry["closed_form_error"] = {"log_loss": abs(cf["log_loss"] - fine["log_loss"]),
                                          "margin": abs(cf["margin"] - fine["margin"]),
                                          "rho_rel": abs(cf["rho"] - fine["rho"]) / cf["rho"]}
        refs = json.loads(path.read_text()) if path.exists() else {}  # merge: another run may have written
        refs[pid] = entry
        print(pid, f"logL={fine['log_loss']:.12g} margin={fine['margin']:.12g} rho={fine['rho']:.10g}",
              f"events={fine['events']} slides={fine['slides']} cpu={fine['cpu_seconds']:.1f}s",
              f"self={entry['self_check']}", flush=True)
        path.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
