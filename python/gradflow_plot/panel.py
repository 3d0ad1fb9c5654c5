"""The standard panel of a run directory: loss, layer norms, margins and checker residuals vs log t.

A run directory of `gradflow simulate` (trajectory.csv, run.json, and check.csv if
`gradflow check RUN_DIR --at all` was run) gives one line per quantity; a directory of
`gradflow compare` (compare.csv) overlays the three dynamics, reading each one's check.csv if present.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .runs import read_run

PANELS = ("loss", "rho", "margin", "check")


def _finite(df: pd.DataFrame) -> pd.DataFrame:
    return df[np.isfinite(df["log_t"])]


def _series(run_dir: Path):
    """(label, trajectory, check or None) for a run dir, or one per dynamics for a compare dir."""
    if (run_dir / "compare.csv").is_file():
        out = []
        for dyn, traj in pd.read_csv(run_dir / "compare.csv").groupby("dynamics", sort=False):
            check = run_dir / dyn / "check.csv"
            out.append((dyn, traj, pd.read_csv(check) if check.is_file() else None))
        return out
    traj = pd.read_csv(run_dir / "trajectory.csv")
    check = run_dir / "check.csv"
    return [(None, traj, pd.read_csv(check) if check.is_file() else None)]


def _title(run_dir: Path) -> str:
    if (run_dir / "compare.csv").is_file():
        inner = run_dir / "unconstrained"
        if (inner / "run.json").is_file():
            return f"{run_dir.name} (gradflow compare) — " + _title(inner).split(": ", 1)[-1]
        return f"{run_dir.name} (gradflow compare)"
    if not (run_dir / "run.json").is_file():
        return run_dir.name
    run = read_run(run_dir)
    model = run.get("model", {})
    sizes = " → ".join(str(s) for s in model.get("layer_sizes", []))
    return (
        f"{run_dir.name}: {sizes} {model.get('activation', '')}, {model.get('loss', '')} loss, "
        f"{model.get('dynamics', '')}, data {run.get('data', {}).get('source', '?')}"
    )


def _loss(ax, series):
    for label, traj, _ in series:
        d = _finite(traj)
        ax.plot(d["log_t"], d["log_loss"], label=label or "log L")
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("log t")
    ax.set_ylabel("log L  (natural log of the loss)")
    ax.set_title("loss")


def _rho(ax, series):
    for label, traj, _ in series:
        d = _finite(traj)
        cols = sorted((c for c in d.columns if c.startswith("rho_")), key=lambda c: int(c[4:]))
        prefix = f"{label}: " if label else ""
        (line,) = ax.plot(d["log_t"], d["rho"], lw=2, label=f"{prefix}ρ = ∏ρ_k")
        if len(cols) > 1:
            for c in cols:
                ax.plot(d["log_t"], d[c], lw=1, ls="--", color=line.get_color() if label else None,
                        label=None if label else f"ρ_{c[4:]}")
    ax.set_yscale("log")
    ax.set_xlabel("log t")
    ax.set_ylabel("norm")
    ax.set_title("product norm ρ and layer norms ρ_k")


def _margin(ax, series):
    lows, highs = [], []
    for label, traj, _ in series:
        d = _finite(traj)
        prefix = f"{label}: " if label else ""
        (line,) = ax.plot(d["log_t"], d["margin"], label=f"{prefix}γ̄ = min q_n(V)")
        ax.plot(d["log_t"], d["smoothed_margin"], ls="--", color=line.get_color(),
                label=f"{prefix}smoothed margin")
        late = d[d["log_loss"] < 0]  # L < 1: where P1 says the smoothed margin is monotone
        if len(late):
            lows.append(min(late["margin"].min(), late["smoothed_margin"].min()))
            highs.append(max(late["margin"].max(), late["smoothed_margin"].max()))
            ax.axvline(late["log_t"].iloc[0], color=line.get_color(), lw=0.6, ls=":")
    if lows:
        lo, hi = min(lows), max(highs)
        pad = 0.08 * (hi - lo or abs(hi) or 1)
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("log t")
    ax.set_ylabel("normalized margin (product normalization)")
    ax.set_title("margins (dotted: first L < 1)")


def _check(ax, series):
    drawn = False
    styles = {"eps_rel": "ε_rel", "delta_rel": "δ_rel", "lambda_dev": "|Λ-ratio − 1|"}
    for i, (label, _, check) in enumerate(series):
        if check is None:
            continue
        c = check[np.isfinite(check["log_t"]) & check["eps_rel"].notna()].copy()
        c["lambda_dev"] = (c["lambda_ratio"] - 1).abs()
        prefix = f"{label}: " if label else ""
        for j, (col, ls) in enumerate(zip(styles, ("-", "--", ":"))):
            values = c[col].where(c[col] > 0)  # exact zeros have no place on a log axis
            color = f"C{i}" if label else f"C{j}"
            ax.plot(c["log_t"], values, ls=ls, marker=".", ms=3, color=color, label=f"{prefix}{styles[col]}")
        drawn = True
    if drawn:
        ax.set_yscale("log")
        ax.set_xlabel("log t")
        ax.set_ylabel("KKT residual")
        ax.set_title("checker residuals (gradflow check --at all)")
    else:
        ax.text(0.5, 0.5, "no check.csv:\nrun  gradflow check RUN_DIR --at all\n(needs simulate --save-weights)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()


DRAW = {"loss": _loss, "rho": _rho, "margin": _margin, "check": _check}


def _log_x(ax, series):
    """log t on a log axis from log t = 1: for long log-t-clock runs, where a linear axis hides the approach."""
    ax.set_xscale("log", nonpositive="mask")
    top = max(t["log_t"][np.isfinite(t["log_t"])].max() for _, t, _ in series)
    ax.set_xlim(1, top * 1.05)
    ax.set_xlabel("log t  (log scale, from log t = 1)")


def _draw(name, ax, series, xscale):
    """One panel, as in the 2×2 figure and in its own file."""
    DRAW[name](ax, series)
    if xscale == "log" and ax.axison:
        _log_x(ax, series)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)


def plot_run(run_dir, out_dir=None, formats=("png", "svg"), xscale="auto") -> list[Path]:
    """Write panel.{png,svg} (2×2) and loss/rho/margin/check.{png,svg} for RUN_DIR into OUT_DIR
    (default RUN_DIR/figures). xscale: "linear" in log t, "log" (log t on a log axis, from log t = 1),
    or "auto" (log once the run reaches log t ≥ 100). Returns the paths written."""
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir else run_dir / "figures"
    out.mkdir(parents=True, exist_ok=True)
    series = _series(run_dir)
    if xscale == "auto":
        reach = max(t["log_t"][np.isfinite(t["log_t"])].max() for _, t, _ in series)
        xscale = "log" if reach >= 100 else "linear"
    written = []

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    for name, ax in zip(PANELS, axes.ravel()):
        _draw(name, ax, series, xscale)
    fig.suptitle(_title(run_dir), fontsize=10)
    fig.tight_layout()
    for fmt in formats:
        fig.savefig(out / f"panel.{fmt}", dpi=110)
        written.append(out / f"panel.{fmt}")
    plt.close(fig)

    for name in PANELS:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        _draw(name, ax, series, xscale)
        fig.tight_layout()
        for fmt in formats:
            fig.savefig(out / f"{name}.{fmt}", dpi=110)
            written.append(out / f"{name}.{fmt}")
        plt.close(fig)
    return written
