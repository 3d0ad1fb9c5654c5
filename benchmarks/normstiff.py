#!/usr/bin/env python3
"""The stiffness of a one-hidden-layer ReLU run's frozen field, save by save (issue 21, issue 17 item 4).

For each state in a run's weights.csv (`gradflow simulate ... --save-weights`) this builds the field the
crossing-corrected steps integrate between crossings, the frozen activation pattern's field in the weights,

    unconstrained:            F(W) = G(W) = -grad L(W)                       (L = sum_n exp(-q_n), the pattern fixed)
    lagrange / weightnorm:    F(W)_k = a_k G_k + (1 - a_k) <W_k, G_k> W_k / rho_k^2,   a_k = rho_k^2 / c_k^2

(docs/dynamics.md, NormalizedWeightField), differentiates it by central differences (step 1e-7 relative; a
dense Jacobian for P <= 400 parameters, ARPACK on Jacobian-vector products above), and prints the largest
eigenvalue moduli times t, |lambda_i| t. An explicit 4(5) pair is stable for h |lambda| up to about 3, so
3/(|lambda_1| t) bounds its step h/t; `stiff` counts the modes with |lambda| h > 3 at h = 0.03 t (about the
unconstrained flow's accuracy-limited step on S, D and M at rtol 1e-8).

    python3 benchmarks/normstiff.py RUN_DIR [--top 6] [--every 4]

RUN_DIR must hold run.json and weights.csv; the data file is the one run.json names. Exponential loss only.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np


def load_saves(path):
    saves = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (int(r["save"]), float(r["t"]))
            saves.setdefault(key, []).append((int(r["layer"]), int(r["row"]), int(r["col"]), float(r["value"])))
    return saves


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("run", help="run directory (run.json, weights.csv)")
    p.add_argument("--top", type=int, default=6, help="eigenvalues to print (default 6)")
    p.add_argument("--every", type=int, default=1, help="use every k-th save (default 1)")
    p.add_argument("--h-over-t", type=float, default=0.03, help="step h/t at which `stiff` counts modes")
    a = p.parse_args()
    run = json.load(open(os.path.join(a.run, "run.json")))
    cfg = run["config"]
    if cfg.get("loss", "exponential") != "exponential" or len(cfg.get("widths", [])) != 1:
        sys.exit("normstiff.py: one hidden layer and the exponential loss only")
    dynamics = cfg["dynamics"]
    scales = cfg.get("wn_scale", [1.0]) if dynamics == "weightnorm" else [1.0]
    if not isinstance(scales, list):
        scales = [scales]
    if len(scales) == 1:
        scales = scales * 2
    data = np.loadtxt(cfg["data"], delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1]
    d = x.shape[1]
    print(f"# {a.run}: {dynamics}, N = {len(y)}, d = {d}")
    print(f"# {'t':>10} {'rho_1':>7} {'rho_2':>7} {'3/(|l1| t)':>10} {'stiff':>5}  |lambda_i| t (largest first)")
    for (k, t), entries in sorted(load_saves(os.path.join(a.run, "weights.csv")).items()):
        if t <= 0 or k % a.every:
            continue
        m = max(e[1] for e in entries if e[0] == 1)
        w1, w2 = np.zeros((m, d)), np.zeros(m)
        for layer, r, c, v in entries:
            if layer == 1:
                w1[r - 1, c - 1] = v
            else:
                w2[c - 1] = v
        theta = np.concatenate([w1.ravel(), w2])
        pattern = (x @ w1.T > 0).astype(float)
        n = theta.size
        blocks = [slice(0, m * d), slice(m * d, n)]

        def field(th):
            v1, v2 = th[: m * d].reshape(m, d), th[m * d :]
            h = (x @ v1.T) * pattern
            q = y * (h @ v2)
            an = np.exp(-q)
            g = np.concatenate([(((an * y)[:, None] * pattern * v2[None, :]).T @ x).ravel(), (an * y) @ h])
            if dynamics == "unconstrained":
                return g
            out = g.copy()
            for b, c in zip(blocks, scales):
                w = th[b]
                s = w @ w
                ak = s / (c * c)
                out[b] = ak * g[b] + (1 - ak) * (w @ g[b]) / s * w
            return out

        eps = 1e-7 * np.linalg.norm(theta)
        if n <= 400:
            jac = np.empty((n, n))
            for i in range(n):
                e = np.zeros(n)
                e[i] = eps
                jac[:, i] = (field(theta + e) - field(theta - e)) / (2 * eps)
            moduli = np.sort(abs(np.linalg.eigvals(jac)))[::-1]
        else:
            from scipy.sparse.linalg import LinearOperator, eigs

            def product(v):
                norm = np.linalg.norm(v)
                if norm == 0:
                    return np.zeros(n)
                u = v / norm
                return (field(theta + eps * u) - field(theta - eps * u)) / (2 * eps) * norm

            op = LinearOperator((n, n), matvec=product, dtype=float)
            values = eigs(op, k=a.top, which="LM", return_eigenvectors=False, tol=1e-4, maxiter=5000)
            moduli = np.sort(abs(values))[::-1]
        lt = moduli * t
        stiff = int((lt * a.h_over_t > 3).sum())
        tops = " ".join(f"{v:.3g}" for v in lt[: a.top])
        print(
            f"  {t:10.4g} {np.linalg.norm(w1):7.3f} {np.linalg.norm(w2):7.3f} {3 / lt[0]:10.3g} {stiff:5d}  {tops}"
        )


if __name__ == "__main__":
    main()
