#!/usr/bin/env bash
# An asymptotic run with the log-t clock: blobs (N = 100), 2 -> 16 -> 1 ReLU, to log t = 1000, i.e.
# t = e^1000, far past what double-precision t can hold (examples/configs/relu-log-t.json; --clock auto
# integrates in t until t >= 1 and L < 1, then in s = log t). Prints THEORY P4's ratio rho*margin/log t,
# which tends to 1. Past log t = 709.78 the t column of trajectory.csv is empty and log_t carries time.
# outputs: runs/examples/asymptotic-log-t/trajectory.csv runs/examples/asymptotic-log-t/run.json
source "$(dirname "$0")/common.sh"
out=runs/examples/asymptotic-log-t
gradflow simulate --config examples/configs/relu-log-t.json --out "$out" --force
python3 - "$out/run.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
f = run["final"]
print(f"log t = {f['log_t']:g}: rho = {f['rho']:.6g}, margin = {f['margin']:.8f}, log L = {f['log_loss']:.6g}")
print(f"rho * margin / log t = {f['rho'] * f['margin'] / f['log_t']:.4f}   (THEORY P4: -> 1)")
for p in run["phases"]:
    print(f"  phase {p['clock']:6s} {p['start']:>8g} -> {p['end']:<8g} {p['stepper']:6s} {p['steps_accepted']} steps ({p['reason']})")
PY
