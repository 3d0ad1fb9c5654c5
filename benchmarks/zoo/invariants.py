"""Known invariants checked on every zoo run (issue 22), from the run's own trajectory.csv.

Each check applies only where the theory says it must hold; elsewhere it reports "n/a".

1. **Balance** (unconstrained flow, K ≥ 2): d(ρ_k²)/dt = 2⟨W_k, −∇_k L⟩ is the same for every layer k
   (each layer is 1-homogeneous, so ⟨W_k, ∇_k q_n⟩ = q_n), hence ρ_k² − ρ_1² is constant along the
   exact flow, kinks included. The trajectory's `balance_drift_k` columns are (ρ_k² − ρ_1²) minus
   their initial value; the check is max_k,t |drift| / max_k,t ρ_k² ≤ BALANCE_TOL.
2. **Monotone smoothed margin** (Lyu & Li 2019; unconstrained flow, exponential or logistic loss):
   once ℓ⁻¹(L) > 0 (L < 1 for the exponential loss, L < log 2 for the logistic), γ̃ = ℓ⁻¹(L)/‖θ‖^K never
   decreases. For the exponential loss the product form ℓ⁻¹(L)/∏_k ρ_k (the trajectory's
   `smoothed_margin`) never decreases either: d log log(1/L)/dt = ‖∇L‖²/(L log(1/L)) ≥ ν Σ_k ρ_k⁻²
   = d log ∏ρ_k/dt, by ‖∇_k L‖ ≥ ν/ρ_k (Cauchy–Schwarz, ν = ⟨W_k, −∇_k L⟩ = Σ_n e^{−q_n} q_n for every
   k) and ν ≥ L log(1/L) (q_n ≥ q_min ≥ log(1/L)). Both forms are checked on consecutive saves:
   a step counts as a decrease when it is below −SMOOTHED_TOL · (ℓ⁻¹(L)/scale + |γ̃|) (see there).
3. **Mirror bound** (bias-free one-hidden-layer (leaky) ReLU net, mirror-symmetric data: (x, y) ∈ S ⇒
   (−x, −y) ∈ S): σ(z) − σ(−z) = (1 + α)z, so f(x) − f(−x) = (1 + α) Σ_j a_j w_j·x is linear, and
   γ_P ≤ (1 + α)/2 · γ_SVM for **every** weights (docs/checker.md, "Known answers"), with γ_SVM the bias-free hard-margin SVM margin of the
   data (computed here with scipy, independently of gradflow's SVM). Checked at every saved state on
   the `margin` column (γ_P = min_n q_n/∏ρ_k); the only slack is round-off (MIRROR_TOL).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

try:
    import numpy as np
except ImportError:  # the zoo itself runs without numpy; then the invariants are not checked
    np = None

# ρ_k² − ρ_1² drift relative to the largest ρ_k², the allowance of `gradflow check`'s P5. The exact flow
# conserves it; the integrator's error control (default rtol 1e-8) and the kink band η = min(100·rtol,
# 1e-2), inside which the Filippov slopes break σ(z) = σ'(z)·z by O(η), move it slightly. Measured on the
# zoo's defaults (docs/zoo.md, "Invariants"): at most 5.0e-6, except 7.1e-5 on xor4_w8_leaky, a run stopped
# by the wall clock with a loss error of order 1; a lost or doubled layer gradient drifts by O(1).
BALANCE_TOL = 1e-4
# A decrease of the smoothed margin between consecutive saves is a violation when it exceeds
# SMOOTHED_TOL in log L (the zoo's own loss-accuracy criterion, 1e-6, which a run meeting it satisfies
# at both saves), carried over to γ̃ = ℓ⁻¹(L)/scale: |Δγ̃| ≤ 2·SMOOTHED_TOL/scale · |dℓ⁻¹/d log L| +
# rounding of γ̃ itself.
SMOOTHED_TOL = 1e-6
# γ_P ≤ (1+α)/2·γ_SVM holds for every weights; the slack is the rounding of the margins (≈1e-15
# relative) and of the SVM solve (verified below to 1e-12).
MIRROR_TOL = 1e-9


def read_table(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return {name: np.array([float(r[i]) for r in body]) for i, name in enumerate(header)}


def read_data(path: Path, bias_feature: bool) -> tuple[np.ndarray, np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    a = np.array([[float(v) for v in r] for r in rows[1:]])
    x, y = a[:, :-1], a[:, -1]
    if bias_feature:
        x = np.hstack([x, np.ones((len(x), 1))])
    return x, y


def mirror_symmetric(x: np.ndarray, y: np.ndarray) -> bool:
    """(x, y) ∈ S ⇒ (−x, −y) ∈ S, as multisets, exactly."""
    pairs = sorted(zip(map(tuple, x), y))
    mirrored = sorted(zip(map(tuple, -x), -y))
    return pairs == mirrored


def svm_margin(x: np.ndarray, y: np.ndarray) -> float | None:
    """γ_SVM = 1/‖w‖ for min ½‖w‖² s.t. y_n w·x_n ≥ 1 (no bias), or None if not separable.

    Dual: min_{α≥0} ½‖Zᵀα‖² − 1ᵀα (Z rows y_n x_n), solved by projected Newton on the active set,
    then certified: w = Zᵀα must satisfy Zw ≥ 1 − 1e-12 (primal feasible), α ≥ 0 (dual feasible),
    and α_n (z_n·w − 1) = 0 (complementarity), so ‖w‖ is the optimum.
    """
    from scipy.optimize import minimize

    z = np.unique(x * y[:, None], axis=0)  # mirror pairs give the same row y·x twice
    gram = z @ z.T
    n = len(z)
    res = minimize(lambda a: 0.5 * a @ gram @ a - a.sum(), np.full(n, 1e-3), jac=lambda a: gram @ a - 1,
                   bounds=[(0, None)] * n, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
    active = res.x > 1e-8 * max(res.x.max(), 1e-300)
    # Polish: on the active set the constraints hold with equality, Z_A w = 1 with w = Z_Aᵀ α_A.
    for _ in range(20):
        za = z[active]
        alpha_a, *_ = np.linalg.lstsq(za @ za.T, np.ones(int(active.sum())), rcond=None)
        w = za.T @ alpha_a
        slack = z @ w - 1
        if (alpha_a < 0).any():
            active[np.flatnonzero(active)[alpha_a < 0]] = False
            continue
        worst = int(np.argmin(slack))
        if slack[worst] < -1e-12:
            active[worst] = True
            continue
        if not np.isfinite(w).all() or np.linalg.norm(w) == 0:
            return None
        return 1.0 / float(np.linalg.norm(w))
    return None


def check_run(out: Path, spec: dict, data_path: Path) -> dict:
    """The invariant checks of one finished run directory; keys inv_*, and `invariants_ok` (False on any
    violation, True otherwise, None when nothing applied or trajectory.csv is missing)."""
    row: dict = {}
    if np is None:
        return {"invariants_ok": None, "inv_note": "not checked: python3 has no numpy"}
    try:
        traj = read_table(out / "trajectory.csv")
    except (OSError, ValueError, IndexError):
        return {"invariants_ok": None, "inv_note": "no trajectory.csv"}
    verdicts = []
    unconstrained = spec["dynamics"] == "unconstrained"
    depth = len(spec["widths"]) + 1

    # 1. balance
    drifts = [traj[k] for k in traj if k.startswith("balance_drift_")]
    if unconstrained and depth >= 2 and drifts:
        scale = max(float(np.nanmax(traj[f"rho_{k}"] ** 2)) for k in range(1, depth + 1))
        drift = max(float(np.nanmax(np.abs(d))) for d in drifts) / scale
        row["inv_balance_drift"] = drift
        verdicts.append(("balance", drift <= BALANCE_TOL))

    # 2. monotone smoothed margin
    if unconstrained and spec["loss"] in ("exponential", "logistic"):
        rho = traj["rho"]
        theta_k = np.sqrt(sum(traj[f"rho_{k}"] ** 2 for k in range(1, depth + 1))) ** depth
        with np.errstate(invalid="ignore"):
            inv = traj["smoothed_margin"] * rho  # ℓ⁻¹(L); nan where L = 0 or ρ = 0
        after = np.isfinite(inv) & (inv > 0)
        if after.sum() >= 2:
            idx = np.arange(int(np.flatnonzero(after)[0]), len(inv))  # from the first save with L < ℓ(0) on
            # |dℓ⁻¹(L)/d log L| = L ℓ'(ℓ⁻¹)... for the exponential it is 1; for the logistic
            # ℓ⁻¹(L) = −log(e^L − 1), dℓ⁻¹/dlog L = −L e^L/(e^L − 1), magnitude ≤ 1 + L ≤ 2.
            slope = 1.0 if spec["loss"] == "exponential" else 2.0
            worst = math.inf
            smallest = math.inf
            forms = [("lyu_li", theta_k)] + ([("product", rho)] if spec["loss"] == "exponential" else [])
            ok = True
            for _, scale in forms:
                g = inv[idx] / scale[idx]
                steps = np.diff(g)
                allowed = 2 * SMOOTHED_TOL * slope / scale[idx][1:] + 1e-12 * np.abs(g[1:])
                rel = steps / allowed  # below −1: a violation
                worst = min(worst, float(rel.min()))
                smallest = min(smallest, float((steps / np.abs(g[1:])).min()))
                ok &= bool((steps >= -allowed).all())
            row["inv_smoothed_worst"] = worst  # the smallest step in units of its allowance (< −1: violated)
            row["inv_smoothed_min_step"] = smallest  # the smallest step relative to γ̃ (≥ 0 for the exact flow)
            row["inv_smoothed_saves"] = int(len(idx))
            verdicts.append(("smoothed", ok))

    # 3. mirror bound
    if depth == 2 and spec["activation"] in ("relu", "leaky-relu") and not spec["bias_feature"]:
        x, y = read_data(data_path, False)
        if mirror_symmetric(x, y):
            gsvm = svm_margin(x, y)
            if gsvm is not None:
                alpha = spec.get("leaky_slope", 0.01) if spec["activation"] == "leaky-relu" else 0.0
                bound = (1 + alpha) / 2 * gsvm
                worst = float(np.nanmax(traj["margin"])) / bound
                row["inv_mirror_bound"] = bound
                row["inv_mirror_ratio"] = worst
                verdicts.append(("mirror", worst <= 1 + MIRROR_TOL))

    row["invariants_checked"] = ",".join(name for name, _ in verdicts)
    failed = [name for name, ok in verdicts if not ok]
    row["invariants_failed"] = ",".join(failed)
    row["invariants_ok"] = (not failed) if verdicts else None
    return row


def summary(row: dict) -> str:
    """One short cell for ZOO.md."""
    if row.get("invariants_ok") is None:
        return "–"
    parts = []
    if row.get("inv_balance_drift") is not None:
        parts.append(f"bal {row['inv_balance_drift']:.0e}")
    if row.get("inv_smoothed_min_step") is not None:
        parts.append(f"min Δγ̃/γ̃ {row['inv_smoothed_min_step']:+.0e}")
    if row.get("inv_mirror_ratio") is not None:
        parts.append(f"mir {row['inv_mirror_ratio']:.4f}")
    status = "ok" if row["invariants_ok"] else "VIOLATED " + row["invariants_failed"]
    return f"{status} ({', '.join(parts)})"
