"""The standard panel of a run directory: loss, layer norms, margins and checker residuals vs log t.

A run directory of `gradflow simulate` (trajectory.csv, run.json, and check.csv if
`gradflow check RUN_DIR --at all` was run) gives one line per quantity; a directory of
`gradflow compare` (compare.csv) overlays the three dynamics, each in its own colour, line style and
marker (style.DYNAMICS_STYLE), reading each one's check.csv if present. Sizes are the printed ones
(style.COLUMN, style.DOUBLE) with 9-pt legends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..files import read_run
from .style import COLUMN, DOUBLE, DYNAMICS_STYLE, context

PANELS = ("loss", "rho", "margin", "check")

# Round-off floor of the residuals: values below it are drawn at it, not as noise far below.
RESIDUAL_FLOOR = 1e-13

Series = list[tuple[str | None, pd.DataFrame, pd.DataFrame | None]]


def _finite(df: pd.DataFrame) -> pd.DataFrame:
    return df[np.isfinite(df["log_t"])]


def _series(run_dir: Path) -> Series:
    """(label, trajectory, check or None) for a run dir, or one per dynamics for a compare dir."""
    if (run_dir / "compare.csv").is_file():
        out: Series = []
        for dyn, traj in pd.read_csv(run_dir / "compare.csv").groupby("dynamics", sort=False):
            check = run_dir / str(dyn) / "check.csv"
            out.append((str(dyn), traj, pd.read_csv(check) if check.is_file() else None))
        return out
    traj = pd.read_csv(run_dir / "trajectory.csv")
    check = run_dir / "check.csv"
    return [(None, traj, pd.read_csv(check) if check.is_file() else None)]


def _model(run: dict) -> str:
    model = run.get("model", {})
    sizes = " → ".join(str(s) for s in model.get("layer_sizes", []))
    return (f"{sizes} {model.get('activation', '')}, {model.get('loss', '')} loss,\n"
            f"data {run.get('data', {}).get('source', '?')}")


def _title(run_dir: Path) -> str:
    """The run's model and data, and its dynamics; for a comparison, the shared model and no dynamics."""
    if (run_dir / "compare.csv").is_file():
        inner = next((d for d in sorted(run_dir.iterdir()) if (d / "run.json").is_file()), None)
        shared = f": {_model(read_run(inner))}" if inner else ""
        return f"{run_dir.name} (gradflow compare){shared}"
    if not (run_dir / "run.json").is_file():
        return run_dir.name
    run = read_run(run_dir)
    return f"{run_dir.name}: {_model(run)}, {run.get('model', {}).get('dynamics', '')} dynamics"


def _style(label: str | None, fallback: str | None = None) -> dict:
    if label in DYNAMICS_STYLE:
        style = dict(DYNAMICS_STYLE[label])
        if "marker" in style:
            style["markevery"] = 0.08
        return style
    return {"color": fallback} if fallback else {}


def _proxy(**style) -> Line2D:
    return Line2D([], [], **style)


def _loss(ax, series: Series) -> None:
    for label, traj, _ in series:
        d = _finite(traj)
        ax.plot(d["log_t"], d["log_loss"], **_style(label, "C0"))
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("log t")
    ax.set_ylabel("log L  (natural log)")
    ax.set_title("loss")


def _rho(ax, series: Series) -> None:
    """ρ thick, the layer norms ρ_k thin; in a comparison each dynamics in its colour, ρ_k dotted."""
    compared = bool(series[0][0])
    layers = 0
    for label, traj, _ in series:
        d = _finite(traj)
        cols = sorted((c for c in d.columns if c.startswith("rho_")), key=lambda c: int(c[4:]))
        layers = max(layers, len(cols))
        if compared:
            style = _style(label)
            ax.plot(d["log_t"], d["rho"], **style)
            thin = {**style, "lw": 1.0, "ls": ":", "alpha": 1.0, "marker": None}
            for c in cols if len(cols) > 1 else []:
                ax.plot(d["log_t"], d[c], **thin)
        else:
            ax.plot(d["log_t"], d["rho"], lw=2, color="k", label="ρ = ∏ρ_k")
            for j, c in enumerate(cols if len(cols) > 1 else []):
                ax.plot(d["log_t"], d[c], lw=1.3, ls=("--", "-.", ":")[j % 3], color=f"C{j}", label=f"ρ_{c[4:]}")
    if compared and layers > 1:
        ax.legend(handles=[_proxy(color="k", lw=1.4, label="ρ = ∏ρ_k"),
                           _proxy(color="k", lw=1.0, ls=":", label=f"ρ_k, k = 1…{layers}")])
    elif not compared:
        ax.legend()
    ax.set_yscale("log")
    ax.set_xlabel("log t")
    ax.set_ylabel("norm (log scale)")
    ax.set_title("norms ρ and ρ_k")


def _margin(ax, series: Series) -> None:
    """γ̄ solid, the smoothed margin dotted; in a comparison each dynamics in its colour."""
    compared = bool(series[0][0])
    lows, highs = [], []
    for label, traj, _ in series:
        d = _finite(traj)
        style = _style(label, "C0")
        ax.plot(d["log_t"], d["margin"], label=None if compared else "γ̄ = min q_n(V)", **style)
        smooth = {**style, "ls": ":", "marker": None, "lw": min(style.get("lw", 1.4), 1.8), "alpha": 1.0}
        if not compared:
            smooth["color"] = "C1"
        ax.plot(d["log_t"], d["smoothed_margin"], label=None if compared else "smoothed margin", **smooth)
        late = d[d["log_loss"] < 0]  # L < 1: where the smoothed margin is monotone
        if len(late):
            lows.append(min(late["margin"].min(), late["smoothed_margin"].min()))
            highs.append(max(late["margin"].max(), late["smoothed_margin"].max()))
            ax.axvline(late["log_t"].iloc[0], color="grey", lw=0.6, ls=":")
    if lows:
        lo, hi = min(lows), max(highs)
        pad = 0.08 * (hi - lo or abs(hi) or 1)
        ax.set_ylim(lo - pad, hi + pad)
    if compared:
        ax.legend(handles=[_proxy(color="k", label="γ̄ = min q_n(V)"), _proxy(color="k", ls=":", label="smoothed")])
    else:
        ax.legend()
    ax.set_xlabel("log t")
    ax.set_ylabel("normalized margin")
    ax.set_title("margins (from first L < 1)")


RESIDUALS = {"eps_rel": ("ε_rel", "C2"), "delta_rel": ("δ_rel", "C4"), "lambda_dev": ("|Λ-ratio − 1|", "C5")}
MARKERS = {"unconstrained": "o", "lagrange": "s", "weightnorm": "^"}
LINESTYLES = {"unconstrained": "-", "lagrange": "--", "weightnorm": ":"}


def _check(ax, series: Series) -> None:
    """Residuals: colour = which residual; in a comparison, line style and marker = which dynamics."""
    drawn = []
    for label, _, check in series:
        if check is None:
            continue
        c = check[np.isfinite(check["log_t"]) & check["eps_rel"].notna()].copy()
        c["lambda_dev"] = (c["lambda_ratio"] - 1).abs()
        for col, (name, color) in RESIDUALS.items():
            values = c[col].clip(lower=RESIDUAL_FLOOR)  # round-off: drawn at the floor, not below it
            ax.plot(c["log_t"], values, ls=LINESTYLES.get(label, "-"), marker=MARKERS.get(label, "."),
                    ms=3.5, mfc="none", color=color)
        drawn.append(label)
    if not drawn:
        ax.text(0.5, 0.5, "no check.csv:\nrun  gradflow check RUN_DIR --at all\n(needs simulate --save-weights)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    handles = [_proxy(color=color, lw=2, label=name) for name, color in RESIDUALS.values()]
    handles += [_proxy(color="k", ls=LINESTYLES[d], marker=MARKERS[d], mfc="none", label=d) for d in drawn if d]
    ax.legend(handles=handles, ncol=2 if len(handles) > 3 else 1)
    ax.set_yscale("log")
    ax.set_xlabel("log t")
    ax.set_ylabel("KKT residual")
    ax.set_title("checker residuals")


DRAW = {"loss": _loss, "rho": _rho, "margin": _margin, "check": _check}


def _log_x(ax, series: Series) -> None:
    """log t on a log axis from log t = 1: for long log-t-clock runs, where a linear axis hides the approach."""
    ax.set_xscale("log", nonpositive="mask")
    top = max(t["log_t"][np.isfinite(t["log_t"])].max() for _, t, _ in series)
    ax.set_xlim(1, top * 1.05)
    ax.set_xlabel("log t  (log scale, from log t = 1)")


def _draw(name: str, ax, series: Series, xscale: str) -> None:
    """One panel, as in the 2×2 figure and in its own file."""
    DRAW[name](ax, series)
    if xscale == "log" and ax.axison:
        _log_x(ax, series)
    ax.grid(alpha=0.3)


def _dynamics_legend(fig: Figure, series: Series, ncol: int = 3) -> None:
    """In a comparison, one legend for the whole figure: which colour and line is which dynamics."""
    labels = [label for label, _, _ in series if label]
    if labels:
        handles = [_proxy(label=label, **{k: v for k, v in _style(label).items() if k != "markevery"})
                   for label in labels]
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)


def _xscale(series: Series, xscale: str) -> str:
    if xscale != "auto":
        return xscale
    reach = max(t["log_t"][np.isfinite(t["log_t"])].max() for _, t, _ in series)
    return "log" if reach >= 100 else "linear"


def figure(run_dir, xscale: str = "auto") -> Figure:
    """The 2×2 panel of RUN_DIR (a simulate or compare directory) as a matplotlib figure, DOUBLE wide."""
    run_dir = Path(run_dir)
    series = _series(run_dir)
    xscale = _xscale(series, xscale)
    with context():
        fig, axes = plt.subplots(2, 2, figsize=(DOUBLE, 6.2), layout="constrained")
        for name, ax in zip(PANELS, axes.ravel()):
            _draw(name, ax, series, xscale)
        fig.suptitle(_title(run_dir))
        _dynamics_legend(fig, series)
    return fig


def single(run_dir, name: str, xscale: str = "auto") -> Figure:
    """One panel (loss, rho, margin or check) of RUN_DIR as its own COLUMN-wide figure."""
    run_dir = Path(run_dir)
    series = _series(run_dir)
    with context():
        fig, ax = plt.subplots(figsize=(COLUMN, 3.0), layout="constrained")
        _draw(name, ax, series, _xscale(series, xscale))
        _dynamics_legend(fig, series, ncol=2)
    return fig


def plot_run(run_dir, out_dir=None, formats: Sequence[str] = ("png", "svg"), xscale: str = "auto") -> list[Path]:
    """Write panel.{png,svg} (2×2) and loss/rho/margin/check.{png,svg} for RUN_DIR into OUT_DIR
    (default RUN_DIR/figures). xscale: "linear" in log t, "log" (log t on a log axis, from log t = 1),
    or "auto" (log once the run reaches log t ≥ 100). Returns the paths written."""
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir else run_dir / "figures"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    figures = [("panel", figure(run_dir, xscale))] + [(name, single(run_dir, name, xscale)) for name in PANELS]
    for name, fig in figures:
        for fmt in formats:
            fig.savefig(out / f"{name}.{fmt}", dpi=200)
            written.append(out / f"{name}.{fmt}")
        plt.close(fig)
    return written


def plot(run_dir, out_dir=None, formats: Sequence[str] = ("png", "svg"), xscale: str = "auto") -> Figure:
    """The 2×2 panel of RUN_DIR as a figure; with OUT_DIR, plot_run's files are written there too."""
    if out_dir is not None:
        plot_run(run_dir, out_dir, formats, xscale)
    return figure(run_dir, xscale)
