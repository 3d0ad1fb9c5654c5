"""Writes the conformance zoo's datasets (data/*.csv), initial weights (init/*.json) and problem
list (problems.json). Deterministic (numpy default_rng with fixed seeds); the outputs are committed,
so nothing is downloaded or generated at run time. scikit-learn is needed only here, for its bundled
real datasets (iris, wine, breast cancer) and the circles/moons generators.

    python3 benchmarks/zoo/make_problems.py
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def write_csv(name, X, y):
    path = HERE / "data" / f"{name}.csv"
    path.parent.mkdir(exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([f"x{i + 1}" for i in range(X.shape[1])] + ["y"])
        for row, label in zip(X, y):
            w.writerow([repr(float(v)) for v in row] + [int(label)])
    return f"data/{name}.csv"


def datasets():
    from sklearn import datasets as skd

    rng = np.random.default_rng(17)
    out = {}
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], float)
    xl = np.array([1, 1, -1, -1])
    out["xor4"] = (corners, xl)
    out["xor_dup"] = (np.vstack([corners, corners]), np.concatenate([xl, xl]))
    out["xor_noisy"] = (np.vstack([corners + 0.1 * rng.normal(size=(4, 2)) for _ in range(3)]), np.tile(xl, 3))
    n = 20
    yb = np.where(np.arange(n) < n // 2, 1, -1)
    out["blobs"] = (np.array([3.0, 1.0]) * yb[:, None] + rng.normal(size=(n, 2)), yb)
    Xc, yc = skd.make_circles(n_samples=24, noise=0.05, factor=0.5, random_state=3)
    out["circles"] = (Xc, 2 * yc - 1)
    Xm, ym = skd.make_moons(n_samples=24, noise=0.05, random_state=3)
    out["moons"] = (Xm, 2 * ym - 1)
    out["randlab"] = (rng.normal(size=(12, 5)), rng.choice([-1, 1], size=12))
    out["r1"] = (np.array([[1.0, 0.0], [0.0, -2.0]]), np.array([1, -1]))
    out["r2"] = (np.array([[0.5, 1.5], [1.5, 0.5], [-0.5, -1.5], [-1.5, -0.5]]), np.array([1, 1, -1, -1]))
    # mirror-symmetric (issue 17): x and −x carry opposite labels, one kink surface per unit for both
    out["sym"] = (np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]), np.array([1, -1, 1, -1]))
    # coincident kink surfaces: parallel inputs (x, 2x) and antiparallel ones with equal labels
    out["coincide"] = (np.array([[1.0, 0.5], [2.0, 1.0], [-1.0, -0.5], [0.5, -1.0], [-1.0, 2.0], [-0.5, 1.0]]),
                       np.array([1, 1, 1, -1, -1, -1]))
    # orthogonal kink surfaces: inputs along the axes
    out["orthog"] = (np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [2.0, 0.0], [0.0, -2.0]]),
                     np.array([1, -1, 1, -1, 1, -1]))
    # orthogonally separable: x_n·x_m ≥ 0 within a class and ≤ 0 across (two opposite cones)
    v = np.abs(rng.normal(size=(12, 3))) + 0.1
    ys = np.where(np.arange(12) < 6, 1, -1)
    out["orthosep"] = (v * ys[:, None], ys)
    iris = skd.load_iris()
    m = iris.target < 2
    Xi, yi = iris.data[m], 2 * iris.target[m] - 1
    idx = np.random.default_rng(5).choice(len(yi), 30, replace=False)
    Xi, yi = Xi[idx], yi[idx]
    out["iris_raw"] = (Xi, yi)
    out["iris_std"] = ((Xi - Xi.mean(0)) / Xi.std(0), yi)
    wine = skd.load_wine()
    m = wine.target < 2
    Xw, yw = wine.data[m], 2 * wine.target[m] - 1
    idx = np.random.default_rng(6).choice(len(yw), 30, replace=False)
    Xw, yw = Xw[idx], yw[idx]
    out["wine_raw"] = (Xw, yw)
    out["wine_std"] = ((Xw - Xw.mean(0)) / Xw.std(0), yw)
    bc = skd.load_breast_cancer()
    idx = np.random.default_rng(7).choice(len(bc.target), 30, replace=False)
    Xb, yb2 = bc.data[idx], 2 * bc.target[idx] - 1
    out["cancer_std"] = ((Xb - Xb.mean(0)) / Xb.std(0), yb2)
    # ill-conditioned: three features over six decades (1e-3 … 1e3)
    yi2 = np.where(np.arange(16) < 8, 1, -1)
    Xi2 = (yi2[:, None] * np.array([1.0, 0.5, 0.2]) + 0.5 * rng.normal(size=(16, 3))) * np.array([1e-3, 1.0, 1e3])
    out["illcond"] = (Xi2, yi2)
    # non-separable: blobs with one input repeated under the opposite label
    Xn = np.array([2.0, 0.5]) * np.where(np.arange(10) < 5, 1, -1)[:, None] + 0.7 * rng.normal(size=(10, 2))
    yn = np.where(np.arange(10) < 5, 1, -1)
    out["nonsep"] = (np.vstack([Xn, Xn[:1]]), np.concatenate([yn, [-1]]))
    return out


def init_weights(d_in, widths, scale, seed):
    rng = np.random.default_rng(seed)
    sizes = [d_in] + list(widths) + [1]
    return [(scale * rng.normal(size=(sizes[k + 1], sizes[k])) / math.sqrt(sizes[k])).tolist()
            for k in range(len(sizes) - 1)]


# id, dataset, widths, activation, loss, dynamics, wn_scale, clock, end, init scale, seed, subset, closed form
P = [
    ("r1_lin_t", "r1", [], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, "r1w0", 0, True, "R1"),
    ("r1_lin_logt", "r1", [], "identity", "exponential", "unconstrained", None, "log-t", {"log_t_end": 50}, "r1w0", 0, False, "R1"),
    ("r2_lin_t", "r2", [], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, "zero", 0, True, "R2"),
    ("r2_lin_logt", "r2", [], "identity", "exponential", "unconstrained", None, "log-t", {"log_t_end": 30}, "zero", 0, False, "R2"),
    ("r1_lin_logistic", "r1", [], "identity", "logistic", "unconstrained", None, "t", {"t_end": 1e3}, "r1w0", 0, False, None),
    ("r1_deep2_identity", "r1", [2], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 1, False, None),
    ("r1_lin_lagrange", "r1", [], "identity", "exponential", "lagrange", None, "t", {"t_end": 1e2}, "r1w0", 0, False, None),
    ("r1_lin_wn_c2", "r1", [], "identity", "exponential", "weightnorm", 2.0, "t", {"t_end": 1e2}, "r1w0", 0, False, None),
    ("xor4_w8_s0.3_t1e4", "xor4", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e4}, 0.3, 0, True, None),
    ("xor4_w4_s1", "xor4", [4], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 2, True, None),
    ("xor4_w2", "xor4", [2], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 3, False, None),
    ("xor4_w8_leaky", "xor4", [8], "leaky-relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 0.3, 0, False, None),
    ("xor4_w8_logistic", "xor4", [8], "relu", "logistic", "unconstrained", None, "t", {"t_end": 1e3}, 0.3, 0, False, None),
    ("xor4_w8_logt", "xor4", [8], "relu", "exponential", "unconstrained", None, "log-t", {"log_t_end": 20}, 0.3, 0, True, None),
    ("xor4_w8_auto", "xor4", [8], "relu", "exponential", "unconstrained", None, "auto", {"log_t_end": 20}, 0.3, 0, False, None),
    ("xor4_w8_rho", "xor4", [8], "relu", "exponential", "unconstrained", None, "rho", {"rho_end": None}, 0.3, 0, False, None),
    ("xor_dup_w8", "xor_dup", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 0.3, 0, False, None),
    ("xor_noisy_w8", "xor_noisy", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 0.3, 0, False, None),
    ("xor4_w8_lagrange", "xor4", [8], "relu", "exponential", "lagrange", None, "t", {"t_end": 1e2}, 0.3, 0, False, None),
    ("xor4_w8_wn_c1", "xor4", [8], "relu", "exponential", "weightnorm", 1.0, "t", {"t_end": 1e2}, 0.3, 0, False, None),
    ("xor4_w8_wn_c0.5", "xor4", [8], "relu", "exponential", "weightnorm", 0.5, "t", {"t_end": 1e2}, 0.3, 0, False, None),
    ("xor4_w8_s1e-3", "xor4", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1e-3, 0, False, None),
    ("xor4_w8_s10", "xor4", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 10.0, 0, False, None),
    ("xor4_w8x8", "xor4", [8, 8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 4, False, None),
    ("sym_w4_t1e7", "sym", [4], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e7}, 1.0, 0, True, None),
    ("sym_w4_logt", "sym", [4], "relu", "exponential", "unconstrained", None, "log-t", {"log_t_end": 16.118}, 1.0, 0, True, None),
    ("sym_w4_auto", "sym", [4], "relu", "exponential", "unconstrained", None, "auto", {"log_t_end": 16.118}, 1.0, 0, False, None),
    ("sym_w4_rho", "sym", [4], "relu", "exponential", "unconstrained", None, "rho", {"rho_end": None}, 1.0, 0, False, None),
    ("sym_w4_lagrange", "sym", [4], "relu", "exponential", "lagrange", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("sym_w16", "sym", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e4}, 1.0, 5, False, None),
    ("blobs_lin", "blobs", [], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, True, None),
    ("blobs_w2", "blobs", [2], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("blobs_w16", "blobs", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, True, None),
    ("blobs_w64", "blobs", [64], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("blobs_w256", "blobs", [256], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("blobs_w8x8x8", "blobs", [8, 8, 8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("blobs_w16_leaky", "blobs", [16], "leaky-relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("blobs_w16_identity", "blobs", [16], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("blobs_w16_logistic", "blobs", [16], "relu", "logistic", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("blobs_w16_lagrange", "blobs", [16], "relu", "exponential", "lagrange", None, "t", {"t_end": 1e2}, 1.0, 0, True, None),
    ("blobs_w16_wn_c2", "blobs", [16], "relu", "exponential", "weightnorm", 2.0, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("blobs_w16_logt", "blobs", [16], "relu", "exponential", "unconstrained", None, "log-t", {"log_t_end": 30}, 1.0, 0, False, None),
    ("blobs_w16_rho", "blobs", [16], "relu", "exponential", "unconstrained", None, "rho", {"rho_end": None}, 1.0, 0, False, None),
    ("blobs_w16_s1e-3", "blobs", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1e-3, 0, False, None),
    ("blobs_w16_s10", "blobs", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 10.0, 0, False, None),
    ("circles_bias_w16", "circles", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("moons_bias_w16", "moons", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("moons_bias_w16_logt", "moons", [16], "relu", "exponential", "unconstrained", None, "log-t", {"log_t_end": 20}, 1.0, 0, False, None),
    ("moons_bias_w8x8", "moons", [8, 8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("randlab_w16", "randlab", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("randlab_w16_logistic", "randlab", [16], "relu", "logistic", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("coincide_w8", "coincide", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, True, None),
    ("orthog_w8", "orthog", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("orthosep_w8", "orthosep", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("orthosep_w8_lagrange", "orthosep", [8], "relu", "exponential", "lagrange", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("iris_raw_w8", "iris_raw", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("iris_std_w8", "iris_std", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, True, None),
    ("iris_std_w8_wn_c1_logt", "iris_std", [8], "relu", "exponential", "weightnorm", 1.0, "log-t", {"log_t_end": 10}, 1.0, 0, False, None),
    ("blobs_w16_lagrange_logt", "blobs", [16], "relu", "exponential", "lagrange", None, "log-t", {"log_t_end": 30}, 1.0, 0, False, None),
    ("xor4_w8_wn_c0.5_logt", "xor4", [8], "relu", "exponential", "weightnorm", 0.5, "log-t", {"log_t_end": 20}, 0.3, 0, False, None),
    ("wine_std_w8_lagrange_logt", "wine_std", [8], "relu", "exponential", "lagrange", None, "log-t", {"log_t_end": 12}, 1.0, 0, False, None),
    ("wine_raw_w16", "wine_raw", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("wine_std_w16", "wine_std", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("cancer_std_w16", "cancer_std", [16], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("illcond_w8", "illcond", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("nonsep_w8", "nonsep", [8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("r1_deep3_identity", "r1", [2, 2], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 8, False, None),
    ("blobs_w4x4_identity", "blobs", [4, 4], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("orthosep_w8x8", "orthosep", [8, 8], "relu", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
    ("xor4_w8x8_lagrange", "xor4", [8, 8], "relu", "exponential", "lagrange", None, "t", {"t_end": 1e2}, 1.0, 4, False, None),
    ("blobs_w8x8x8_lagrange", "blobs", [8, 8, 8], "relu", "exponential", "lagrange", None, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("orthosep_w8x8_wn_c0.5", "orthosep", [8, 8], "relu", "exponential", "weightnorm", 0.5, "t", {"t_end": 1e2}, 1.0, 0, False, None),
    ("nonsep_lin", "nonsep", [], "identity", "exponential", "unconstrained", None, "t", {"t_end": 1e3}, 1.0, 0, False, None),
]

BIAS = {"circles", "moons"}


def rho_at(dataset, bias, init, act, loss, dyn, c, log_t):
    from reference import EventDriven, Problem

    X, y = dataset
    if bias:
        X = np.hstack([X, np.ones((len(X), 1))])
    prob = Problem(X, y, init["layers"], activation=act, loss=loss, dynamics=dyn, wn_scale=c or 1.0)
    ys, s = EventDriven(prob, rtol=1e-8, atol=1e-10).run(log_t_end=log_t)
    return float(f"{prob.observables(ys, s)['rho']:.3g}")


def main():
    data = datasets()
    files = {name: write_csv(name, X, y) for name, (X, y) in data.items()}
    (HERE / "init").mkdir(exist_ok=True)
    problems = []
    for (pid, ds, widths, act, loss, dyn, c, clock, end, scale, seed, subset, closed) in P:
        X, _ = data[ds]
        d_in = X.shape[1] + (1 if ds in BIAS else 0)
        if scale == "r1w0":
            layers = [[[0.3, -0.2]]]
        elif scale == "zero":
            layers = [[[0.0, 0.0]]]
        else:
            layers = init_weights(d_in, widths, scale, seed)
        init = {"arch": [d_in] + widths + [1], "layers": layers}
        ipath = HERE / "init" / f"{pid}.json"
        ipath.write_text(json.dumps(init) + "\n")
        if "rho_end" in end:  # the ρ reached at log t = 6 (a coarse reference run), to 3 digits
            end = {"rho_end": rho_at(data[ds], ds in BIAS, init, act, loss, dyn, c, 6.0)}
        problems.append({
            "id": pid, "data": files[ds], "dataset": ds, "bias_feature": ds in BIAS, "widths": widths,
            "activation": act, "loss": loss, "dynamics": dyn, "wn_scale": c, "clock": clock, "end": end,
            "init": f"init/{pid}.json", "init_scale": scale if isinstance(scale, float) else None,
            "subset": subset, "closed_form": closed,
        })
    (HERE / "problems.json").write_text(json.dumps(problems, indent=1) + "\n")
    print(f"{len(problems)} problems, {len(files)} datasets")


if __name__ == "__main__":
    main()
