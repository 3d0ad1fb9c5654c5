#!/usr/bin/env python3
"""Prototype (not used by gradflow): exponential steps for the stiff mode of a normalized flow (issue 21).

From a saved state of a one-hidden-layer Lagrange run (`--save-weights`), with the activation pattern frozen
there, integrate the Lagrange flow in the weights, F(W)_k = a_k G_k + (1 - a_k) <W_k, G_k> W_k/rho_k^2
(a_k = rho_k^2, docs/dynamics.md), to the run's t_end with geometric steps h = r t, by

- rk4: the classical Runge-Kutta method (stable for h |lambda_1| up to 2.8, lambda_1 the field's largest
  eigenvalue: the limit the crossing-corrected steps' 4(5) pair meets, docs/kinks.md);
- etdrk4: Cox and Matthews' exponential RK4 with the rank-one linear part L = lambda_1 u w^T, where u is the
  top right eigenvector of the Jacobian J (power iteration on central-difference products J v, warm-started,
  refreshed every `--every` steps) and w = M(W)^{-1} u / (u^T M^{-1} u) its left one (exact when J = M H
  with H symmetric: J^T M^{-1} u = H u = lambda_1 M^{-1} u); N(W) = F(W) - L W is integrated explicitly
  and phi_k(hL) = phi_k(0) I + (phi_k(h lambda_1) - phi_k(0)) u w^T costs two dot products;
- lawson: RK4 on the integrating-factor form v(s) = e^{-sL} W(t + s) with the same L (Lawson's method), whose
  stages see N only through e^{(c_i - c_j) hL} and so lose accuracy when N forces the stiff mode.

With `--adaptive RTOL` it also runs etdrk4 with step doubling (two half steps against one full step, error
(y_half - y_full)/15 in the RMS norm of rtol |W| + rtol/100, the extrapolated solution propagated, next step
h min(5, max(0.2, 0.9 r^(-1/5)))), the step-size control an implementation inside gradflow would start from.

All are compared with DOP853 at rtol 1e-12 (atol 1e-14) in the loss (relative), the margin gamma-bar
(absolute) and the weights (max abs).
Evaluations count every F, those of the power iterations included.

    python3 benchmarks/normetd.py RUN_DIR SAVE [--ratios 0.004,0.01,0.02] [--every 20]
"""
import argparse
import csv
import json
import math
import os

import numpy as np
from scipy.integrate import solve_ivp


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("run")
    p.add_argument("save", type=int, help="index of the save in weights.csv to start from")
    p.add_argument("--ratios", default="0.002,0.004,0.01,0.02,0.04")
    p.add_argument("--every", type=int, default=20)
    p.add_argument("--adaptive", type=float, default=0, help="rtol of the step-doubling etdrk4 run (0: none)")
    a = p.parse_args()
    cfg = json.load(open(os.path.join(a.run, "run.json")))["config"]
    assert cfg["dynamics"] == "lagrange" and len(cfg["widths"]) == 1 and cfg["loss"] == "exponential"
    data = np.loadtxt(cfg["data"], delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1]
    d, m = x.shape[1], cfg["widths"][0]
    w1, w2, t0 = np.zeros((m, d)), np.zeros(m), None
    for r in csv.DictReader(open(os.path.join(a.run, "weights.csv"))):
        if int(r["save"]) == a.save:
            t0 = float(r["t"])
            (w1.__setitem__((int(r["row"]) - 1, int(r["col"]) - 1), float(r["value"])) if r["layer"] == "1"
             else w2.__setitem__(int(r["col"]) - 1, float(r["value"])))
    t_end = float(cfg["t_end"])
    theta0 = np.concatenate([w1.ravel(), w2])
    pattern = (x @ w1.T > 0).astype(float)
    n = theta0.size
    blocks = [slice(0, m * d), slice(m * d, n)]
    count = [0]

    def field(th):
        count[0] += 1
        v1, v2 = th[: m * d].reshape(m, d), th[m * d :]
        h = (x @ v1.T) * pattern
        an = np.exp(-y * (h @ v2))
        g = np.concatenate([(((an * y)[:, None] * pattern * v2[None, :]).T @ x).ravel(), (an * y) @ h])
        for b in blocks:
            w = th[b]
            s = w @ w
            g[b] = s * g[b] + (1 - s) * (w @ g[b]) / s * w
        return g

    def loss(th):
        v1, v2 = th[: m * d].reshape(m, d), th[m * d :]
        return np.exp(-y * (((x @ v1.T) * pattern) @ v2)).sum()

    def margin(th):
        v1, v2 = th[: m * d].reshape(m, d), th[m * d :]
        q = y * (np.maximum(x @ v1.T, 0) @ v2)
        return q.min() / (np.linalg.norm(v1) * np.linalg.norm(v2))

    def inverse_m(th, v):
        out = v.copy()
        for b in blocks:
            w = th[b]
            s = w @ w
            radial = (w @ v[b]) / s * w
            out[b] = (v[b] - radial) / s + radial
        return out

    def top_mode(th, u, iterations):
        f0 = field(th)
        eps = 1e-7 * np.linalg.norm(th)
        lam = 0.0
        for _ in range(iterations):
            ju = (field(th + eps * u) - f0) / eps
            lam = u @ ju
            u = ju / np.linalg.norm(ju)
        w = inverse_m(th, u)
        return lam, u, w / (w @ u)

    def phi(k, z):
        if abs(z) < 1e-2:
            return sum(z**j / math.factorial(j + k) for j in range(12))
        value = math.exp(z)
        for j in range(k):
            value = (value - 1 / math.factorial(j)) / z
        return value

    reference = solve_ivp(lambda t, z: field(z), (t0, t_end), theta0, method="DOP853", rtol=1e-12, atol=1e-14)
    theta_ref = reference.y[:, -1]
    loss_ref = loss(theta_ref)
    print(f"# {a.run} from save {a.save} (t = {t0:.6g}) to t = {t_end:g}, P = {n}; "
          f"reference DOP853 1e-12: {count[0]} evaluations, loss {loss_ref:.10e}")

    def rk4(r):
        count[0] = 0
        t, th, steps = t0, theta0.copy(), 0
        while t < t_end * (1 - 1e-12):
            h = min(r * t, t_end - t)
            k1 = field(th)
            k2 = field(th + h / 2 * k1)
            k3 = field(th + h / 2 * k2)
            k4 = field(th + h * k3)
            th = th + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t, steps = t + h, steps + 1
            if not np.isfinite(th).all():
                return None, steps
        return th, steps

    def etd_step(th, h, lam, u, w):
        def op(k, z):
            c0 = 1 / math.factorial(k)
            c = phi(k, z) - c0
            return lambda v: c0 * v + c * u * (w @ v)

        def nonlinear(z):
            return field(z) - lam * u * (w @ z)

        z = lam * h
        e2, e1, p2 = op(0, z / 2), op(0, z), op(1, z / 2)
        f1 = lambda v: op(1, z)(v) - 3 * op(2, z)(v) + 4 * op(3, z)(v)
        f2 = lambda v: op(2, z)(v) - 2 * op(3, z)(v)
        f3 = lambda v: -op(2, z)(v) + 4 * op(3, z)(v)
        nu = nonlinear(th)
        sa = e2(th) + h / 2 * p2(nu)
        na = nonlinear(sa)
        sb = e2(th) + h / 2 * p2(na)
        nb = nonlinear(sb)
        sc = e2(sa) + h / 2 * p2(2 * nb - nu)
        nc = nonlinear(sc)
        return e1(th) + h * (f1(nu) + 2 * f2(na + nb) + f3(nc))

    def adaptive(rtol):
        count[0] = 0
        t, th, steps, rejected, h = t0, theta0.copy(), 0, 0, 0.01 * t0
        u = np.random.default_rng(0).standard_normal(n)
        u /= np.linalg.norm(u)
        while t < t_end * (1 - 1e-12):
            hh = min(h, t_end - t)
            if steps % a.every == 0:
                lam, u, w = top_mode(th, u, 30 if steps == 0 else 6)
            full = etd_step(th, hh, lam, u, w)
            half = etd_step(etd_step(th, hh / 2, lam, u, w), hh / 2, lam, u, w)
            count[0] -= 1  # the half and the full step share their first evaluation
            scale = rtol * np.maximum(abs(th), abs(half)) + rtol / 100
            ratio = np.sqrt(np.mean(((half - full) / 15 / scale) ** 2))
            if ratio <= 1:
                th, t, steps = half + (half - full) / 15, t + hh, steps + 1
            else:
                rejected += 1
            h = hh * min(5, max(0.2, 0.9 * max(ratio, 1e-10) ** -0.2))
        return th, steps, rejected

    def lawson_step(th, h, lam, u, w):
        def ex(s, v):
            return v + (math.exp(s * lam) - 1) * u * (w @ v)

        def nonlinear(z):
            return field(z) - lam * u * (w @ z)

        k1 = nonlinear(th)
        k2 = nonlinear(ex(h / 2, th) + h / 2 * ex(h / 2, k1))
        k3 = nonlinear(ex(h / 2, th) + h / 2 * k2)
        k4 = nonlinear(ex(h, th) + h * ex(h / 2, k3))
        return ex(h, th) + h / 6 * (ex(h, k1) + 2 * ex(h / 2, k2 + k3) + k4)

    def fixed_steps(step):
        """Steps h = r·t of `step(th, h, lam, u, w)`, the stiff mode refreshed every a.every steps."""
        def run(r):
            count[0] = 0
            t, th, steps = t0, theta0.copy(), 0
            u = np.random.default_rng(0).standard_normal(n)
            u /= np.linalg.norm(u)
            while t < t_end * (1 - 1e-12):
                h = min(r * t, t_end - t)
                if steps % a.every == 0:
                    lam, u, w = top_mode(th, u, 30 if steps == 0 else 6)
                th = step(th, h, lam, u, w)
                t, steps = t + h, steps + 1
            return th, steps
        return run

    etdrk4, lawson = fixed_steps(etd_step), fixed_steps(lawson_step)

    for r in [float(v) for v in a.ratios.split(",")]:
        for name, method in (("rk4", rk4), ("lawson", lawson), ("etdrk4", etdrk4)):
            th, steps = method(r)
            if th is None:
                print(f"h/t = {r:<6g} {name:7s} unstable (steps {steps})")
                continue
            print(f"h/t = {r:<6g} {name:7s} steps {steps:5d} evaluations {count[0]:6d} "
                  f"loss error {abs(loss(th) / loss_ref - 1):.2e} margin error {abs(margin(th) - margin(theta_ref)):.1e} "
                  f"max |dW| {abs(th - theta_ref).max():.2e}")
    if a.adaptive > 0:
        th, steps, rejected = adaptive(a.adaptive)
        print(f"adaptive etdrk4 (step doubling), rtol {a.adaptive:g}: steps {steps} rejected {rejected} evaluations "
              f"{count[0]} loss error {abs(loss(th) / loss_ref - 1):.2e} margin error {abs(margin(th) - margin(theta_ref)):.1e} max |dW| {abs(th - theta_ref).max():.2e}")


if __name__ == "__main__":
    main()
