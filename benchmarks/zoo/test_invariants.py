#!/usr/bin/env python3
"""Checks of benchmarks/zoo/invariants.py: the SVM margin against closed forms and a second solver,
mirror-symmetry detection, and each invariant check failing on a trajectory that breaks it (and
passing on one that keeps it). Prints `zoo invariants: N passed, F failed`; exits 1 on a failure.

    python3 benchmarks/zoo/test_invariants.py
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import invariants as inv  # noqa: E402

SPEC = {"dynamics": "unconstrained", "widths": [4], "loss": "exponential", "activation": "relu",
        "bias_feature": False}


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    names = list(columns)
    lines = [",".join(names)]
    for i in range(len(columns[names[0]])):
        lines.append(",".join(repr(float(columns[n][i])) for n in names))
    path.write_text("\n".join(lines) + "\n")


def trajectory(rho1_0=1.0, rho2_0=2.0, bump_balance=0.0, bump_smoothed=0.0, margin_scale=0.9):
    """A trajectory of a 2-layer net that keeps every invariant, then optionally breaks one.
    ρ_k² = ρ_k(0)² + s(t) (equal growth), log(1/L) = γ̃ρ with γ̃ increasing."""
    n = 30
    s = np.linspace(0, 400, n)
    r1, r2 = np.sqrt(rho1_0**2 + s), np.sqrt(rho2_0**2 + s)
    rho = r1 * r2
    smoothed = 0.2 - 0.1 / (1 + s)  # increasing
    smoothed[20:] -= bump_smoothed  # a decrease between saves 19 and 20
    log_loss = -smoothed * rho
    drift = np.zeros(n)
    drift[25:] = bump_balance * (r2[25:] ** 2)
    return {"t": np.exp(s / 20), "log_t": s / 20, "loss": np.exp(log_loss), "log_loss": log_loss, "rho": rho,
            "margin": margin_scale * np.ones(n), "smoothed_margin": smoothed, "rho_1": r1, "rho_2": r2,
            "balance_drift_2": drift}


def run(columns, data_path, spec=SPEC):
    with tempfile.TemporaryDirectory() as d:
        write_csv(Path(d) / "trajectory.csv", columns)
        return inv.check_run(Path(d), spec, data_path)


def main() -> int:
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")

    # SVM margins with closed forms. R1: z = (1, 0), (0, 2) → w = (1, 1/2), γ = 1/‖w‖ = 2/√5.
    g = inv.svm_margin(np.array([[1.0, 0.0], [0.0, -2.0]]), np.array([1.0, -1.0]))
    check("svm R1 = 2/√5", abs(g - 2 / math.sqrt(5)) < 1e-14, f"{g!r}")
    # R2: ±(0.5, 1.5), ±(1.5, 0.5) → w = (½, ½), γ = √2.
    x = np.array([[0.5, 1.5], [1.5, 0.5], [-0.5, -1.5], [-1.5, -0.5]])
    g = inv.svm_margin(x, np.array([1.0, 1, -1, -1]))
    check("svm R2 = √2", abs(g - math.sqrt(2)) < 1e-14, f"{g!r}")
    check("svm: not separable → None", inv.svm_margin(np.array([[1.0, 0], [1.0, 0]]), np.array([1.0, -1])) is None)
    # A second solver: SLSQP on the primal, 40 random separable points in 5-d.
    from scipy.optimize import minimize
    rng = np.random.default_rng(3)
    u = rng.normal(size=5)
    xs = rng.normal(size=(200, 5))
    xs = xs[np.abs(xs @ u) > 0.5 * np.linalg.norm(u)][:40]
    ys = np.sign(xs @ u)
    z = xs * ys[:, None]
    primal = minimize(lambda w: 0.5 * w @ w, u / np.min(z @ u), jac=lambda w: w, method="SLSQP",
                      constraints=[{"type": "ineq", "fun": lambda w: z @ w - 1, "jac": lambda w: z}],
                      options={"ftol": 1e-15, "maxiter": 1000})
    g_primal = 1 / np.linalg.norm(primal.x)
    g = inv.svm_margin(xs, ys)
    # SLSQP stops at ftol 1e-15 in ½‖w‖², about 1e-8 relative in ‖w‖ on this problem
    check("svm vs SLSQP primal (40 points, 5-d)", abs(g - g_primal) <= 1e-7 * g, f"{g!r} vs {g_primal!r}")

    # Mirror symmetry detection on the zoo's data.
    sym = inv.read_data(HERE / "data" / "sym.csv", False)
    xor = inv.read_data(HERE / "data" / "xor4.csv", False)
    check("sym.csv is mirror-symmetric", inv.mirror_symmetric(*sym))
    check("xor4.csv is not mirror-symmetric", not inv.mirror_symmetric(*xor))

    # The checks on synthetic trajectories (sym.csv: the mirror bound applies).
    data = HERE / "data" / "sym.csv"
    bound = inv.svm_margin(*sym) / 2
    clean = run(trajectory(margin_scale=0.999 * bound), data)
    check("clean trajectory passes all three", clean["invariants_ok"] is True
          and clean["invariants_checked"] == "balance,smoothed,mirror", str(clean))
    broken = run(trajectory(margin_scale=0.999 * bound, bump_balance=1e-3), data)
    check("balance drift 1e-3 fails", broken["invariants_failed"] == "balance", str(broken))
    broken = run(trajectory(margin_scale=0.999 * bound, bump_smoothed=1e-4), data)
    check("smoothed margin decrease fails", broken["invariants_failed"] == "smoothed", str(broken))
    broken = run(trajectory(margin_scale=(1 + 1e-6) * bound), data)
    check("margin above the mirror bound fails", broken["invariants_failed"] == "mirror", str(broken))
    lagrange = run(trajectory(bump_balance=1e-3, bump_smoothed=1e-4, margin_scale=0.5 * bound), data,
                   dict(SPEC, dynamics="lagrange"))
    check("lagrange: only the mirror bound applies", lagrange["invariants_checked"] == "mirror"
          and lagrange["invariants_ok"] is True, str(lagrange))

    failed = results.count(False)
    print(f"zoo invariants: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
