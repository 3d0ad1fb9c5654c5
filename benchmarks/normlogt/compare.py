"""Normalized flows in the log-t clock, two builds (OLD, NEW env vars) against a tight t-clock run of OLD (same path).

    OLD=old/gradflow NEW=.build/release/gradflow python3 benchmarks/normlogt/compare.py COUNT SEED LOG_T_END
"""
import json, os, random, subprocess, sys, math, tempfile
MAIN = os.environ.get("OLD", ".build/release/gradflow")  # the build to compare against
NL = os.environ.get("NEW", ".build/release/gradflow")
def run(g, flags, out, wall=60):
    cmd = [g, "simulate", "--quiet", "--force", "--out", out, "--max-wall-seconds", str(wall), "--max-steps", "2000000"] + flags
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        r = json.load(open(os.path.join(out, "run.json")))
    except Exception:
        return {"ok": False, "msg": p.stderr.strip()[-200:]}
    f, s = r["final"], r["stats"]
    return {"ok": p.returncode == 0, "ll": f.get("log_loss"), "m": f.get("margin"), "ev": s["rhs_evals"],
            "logt": f.get("log_t"), "t": f.get("t"), "msg": p.stderr.strip()[-160:], "cpu": s.get("cpu_seconds")}
def draw(rng):
    gen = rng.choice(["blobs", "xor", "circles", "moons", "random-labels", "iris", "cancer", "wine"])
    fl = []
    if gen in ("iris", "cancer", "wine"):
        fl += ["--data", f"benchmarks/zoo/data/{gen}_std.csv"]
    else:
        fl += ["--generator", gen, "--n", str(rng.choice([8, 12, 20]))]
        if gen in ("circles", "moons"): fl.append("--bias-feature")
    dyn = rng.choice(["lagrange", "weightnorm"])
    fl += ["--widths", str(rng.choice([4, 8, 16])), "--dynamics", dyn,
           "--init-scale", str(rng.choice([0.3, 1.0, 2.0])), "--seed", str(rng.randrange(100))]
    if dyn == "weightnorm": fl += ["--wn-scale", str(rng.choice([0.5, 1.0, 2.0]))]
    return fl
def main():
    count, seed, logt = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(seed); tmp = tempfile.mkdtemp()
    rows = []
    for i in range(count):
        fl = draw(rng)
        a = run(MAIN, fl + ["--clock", "log-t", "--log-t-end", str(logt)], tmp + "/a")
        b = run(NL, fl + ["--clock", "log-t", "--log-t-end", str(logt)], tmp + "/b")
        r = run(MAIN, fl + ["--clock", "t", "--t-end", repr(math.exp(logt)), "--rtol", "1e-11", "--atol", "1e-13"], tmp + "/r", 120)
        def err(x):
            if not x.get("ok") or not r.get("ok") or x.get("ll") is None or r.get("ll") is None: return None
            return max(abs(x["ll"] - r["ll"]), abs(x["m"] - r["m"]) * 10)
        rows.append({"i": i, "flags": fl, "main": a, "nl": b, "ref": r})
        print(f"{i:2d} main {'ok' if a.get('ok') else 'DNF'} ev {a.get('ev')} err {err(a)} | nl {'ok' if b.get('ok') else 'DNF'} ev {b.get('ev')} err {err(b)} | ref {'ok' if r.get('ok') else 'DNF'} ev {r.get('ev')} || {' '.join(fl)}", flush=True)
        if not a.get('ok'): print("    main:", a.get('msg'))
        if not b.get('ok'): print("    nl:", b.get('msg'))
        if not r.get('ok'): print("    ref:", r.get('msg'))
    json.dump(rows, open(f"benchmarks/normlogt/rows_{seed}_{logt}.json", "w"), indent=1)
main()
