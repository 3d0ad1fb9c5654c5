#!/usr/bin/env python3
"""An independent KKT residual for a gradflow run's final weights (numpy/scipy only), to compare with
`gradflow check --json` at the same state (docs/checker.md, "Timings and an independent check").

From the definitions, for a bias-free ReLU net f(x) = W_K σ(… σ(W_1 x)) and margins q_n = y_n f(x_n):

1. V_k = W_k/‖W_k‖, γ = min_n q_n(V); W̃_k = γ^{−1/K} V_k (balanced rescale to margin 1), θ̃ its vector.
2. Pair (n, j) of layer k < K is on a kink when |z_{n,j}| ≤ τ‖W̃_k[j,:]‖‖h_{k−1,n}‖ (τ = --kink-tol).
3. The Clarke subdifferential of q_n at W̃ is the hull of the backprop gradients with every flagged slope at
   0 or 1 (forward values as they are). All 2^{|J_n|} vertex columns are enumerated (no column generation,
   no branch and bound) and ε_rel = min_{x ≥ 0} ‖θ̃ − Σ x_c h_c‖/‖θ̃‖ is one scipy NNLS over all of them.
4. For each candidate set S_η = {n : q_n(W̃) ≤ 1 + η} (η = ∞, 0.1, 0.01, 0.001, as gradflow), ε_rel,
   λ_n = Σ_v x_{n,v} and the Λ-ratio γ^{2/K} Σ_n λ_n.

    python3 benchmarks/check_independent.py RUN_DIR [--kink-tol 1e-3] [--max-columns 200000]

Prints JSON: per η the ε_rel, Λ-ratio and column count, and the number of flagged pairs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import nnls


def load(run: Path):
    rec = json.loads((run / "run.json").read_text())
    cfg = rec["config"]
    if cfg.get("activation", "relu") != "relu":
        sys.exit("check_independent: ReLU runs only")
    rows = [line.split(",") for line in Path(cfg["data"]).read_text().splitlines()]
    header, body = rows[0], np.array([[float(v) for v in r] for r in rows[1:]])
    label = header.index("y") if "y" in header else len(header) - 1
    y = body[:, label]
    x = np.delete(body, label, axis=1)
    if cfg.get("bias_feature"):
        x = np.hstack([x, np.ones((len(x), 1))])
    layers = [np.asarray(w, float) for w in json.loads((run / "final_weights.json").read_text())["layers"]]
    return x, y, layers


def forward(layers, x):
    """Pre-activations z_k (k < K) and activations h_k (h_0 = x) for every sample (rows)."""
    hs, zs = [x], []
    for w in layers[:-1]:
        z = hs[-1] @ w.T
        zs.append(z)
        hs.append(np.maximum(z, 0))
    return zs, hs, hs[-1] @ layers[-1].T


def gradient(layers, hs, zs, n, y, slopes):
    """∇_θ q_n with the hidden slopes `slopes[k][j]` (layer k < K), forward values as they are."""
    depth = len(layers)
    delta = np.array([y[n]])  # ∂q_n/∂(output)
    grads = [None] * depth
    for k in range(depth - 1, -1, -1):
        grads[k] = np.outer(delta, hs[k][n])
        if k > 0:
            delta = (layers[k].T @ delta) * slopes[k - 1]
    return np.concatenate([g.ravel() for g in grads])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--kink-tol", type=float, default=1e-3)
    ap.add_argument("--max-columns", type=int, default=200_000)
    args = ap.parse_args()
    x, y, raw = load(args.run)
    depth = len(raw)
    v = [w / np.linalg.norm(w) for w in raw]
    _, _, out = forward(v, x)
    q_v = y * out.ravel()
    gamma = q_v.min()
    if gamma <= 0:
        print(json.dumps({"separating": False, "gamma_product": float(gamma)}))
        return 0
    layers = [w * gamma ** (-1 / depth) for w in v]
    theta = np.concatenate([w.ravel() for w in layers])
    zs, hs, out = forward(layers, x)
    q = y * out.ravel()
    flagged = []
    for n in range(len(y)):
        units = []
        for k, z in enumerate(zs):
            rows = np.linalg.norm(layers[k], axis=1) * np.linalg.norm(hs[k][n])
            units += [(k, j) for j in np.flatnonzero(np.abs(z[n]) <= args.kink_tol * rows)]
        flagged.append(units)
    total = sum(2 ** len(u) for u in flagged)
    if total > args.max_columns:
        sys.exit(f"check_independent: {total} vertex columns exceed --max-columns {args.max_columns}")
    columns, owners = [], []
    for n in range(len(y)):
        base = [(z[n] > 0).astype(float) for z in zs]
        for pattern in itertools.product((0.0, 1.0), repeat=len(flagged[n])):
            slopes = [b.copy() for b in base]
            for (k, j), s in zip(flagged[n], pattern):
                slopes[k][j] = s
            columns.append(gradient(layers, hs, zs, n, y, slopes))
            owners.append(n)
    h = np.array(columns).T
    owners = np.array(owners)
    report = {"separating": True, "K": depth, "gamma_product": float(gamma), "kink_pairs": sum(map(len, flagged)),
              "columns": int(h.shape[1]), "fits": []}
    seen = set()
    for eta in (np.inf, 1e-1, 1e-2, 1e-3):
        members = tuple(np.flatnonzero(q <= 1 + eta))
        if not members or members in seen:
            continue
        seen.add(members)
        mask = np.isin(owners, members)
        coef, norm = nnls(h[:, mask], theta, maxiter=50 * h.shape[0])
        lam = np.bincount(owners[mask], weights=coef, minlength=len(y))
        report["fits"].append({
            "eta": "inf" if np.isinf(eta) else eta, "members": len(members), "columns": int(mask.sum()),
            "eps_rel": float(norm / np.linalg.norm(theta)),
            "lambda_ratio": float(gamma ** (2 / depth) * lam.sum()),
            "support_size": int((lam > 0).sum())})
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
