"""A run of `gradflow simulate` as a Python object: `simulate(**options)` and `load(run_dir)`."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from .binary import gradflow
from .check import Certificate, check
from .files import (
    PathLike,
    layers_at,
    normalized_margins,
    read_layers,
    read_margins,
    read_run,
    read_trajectory,
    read_weights,
)
from .options import as_path, to_argv

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Run:
    """The output directory of one `gradflow simulate` run; every file is read when first asked for.

    - `trajectory`: trajectory.csv, one row per saved time (columns: docs/outputs.md);
    - `weights`: weights.csv (long format t,layer,row,col,value) of a run with `save_weights=True`, else None;
    - `margins`: margins.csv (every sample's normalized margin) where gradflow writes it, else None;
    - `config`, `final`, `stats`, `termination`: the parts of run.json."""

    path: Path

    @functools.cached_property
    def info(self) -> dict[str, Any]:
        """run.json as a dict."""
        return read_run(self.path)

    @property
    def config(self) -> dict[str, Any]:
        """The fully resolved configuration (a valid --config: it replays the run bit for bit)."""
        return self.info["config"]

    @property
    def final(self) -> dict[str, Any]:
        """The observables at the last state (loss, log_loss, rho, margin, …)."""
        return self.info["final"]

    @property
    def stats(self) -> dict[str, Any]:
        """Solver statistics: rhs_evals, steps_accepted, steps_rejected, wall_seconds, sliding, …"""
        return self.info["stats"]

    @property
    def termination(self) -> dict[str, Any]:
        """Why and where the run ended: reason, t, message."""
        return self.info["termination"]

    @functools.cached_property
    def trajectory(self) -> pd.DataFrame:
        """trajectory.csv: one row per saved time; log_t is -inf at t = 0."""
        return read_trajectory(self.path)

    @functools.cached_property
    def weights(self) -> pd.DataFrame | None:
        """weights.csv (t,layer,row,col,value; 1-based indices), or None without save_weights."""
        return read_weights(self.path)

    @functools.cached_property
    def margins(self) -> pd.DataFrame | None:
        """margins.csv, or None when this gradflow did not write one."""
        return read_margins(self.path)

    def layers(self, t: float | None = None) -> list[np.ndarray]:
        """The weight matrices W_1 … W_K: the final ones, or at saved time T (needs weights.csv)."""
        if t is None:
            return read_layers(self.path / "final_weights.json")
        if self.weights is None:
            raise ValueError(f"{self.path} has no weights.csv: simulate with save_weights=True")
        return layers_at(self.weights, t)

    def normalized_margins(self, data_csv: PathLike | None = None) -> np.ndarray:
        """Every sample's q_n(V) at the final weights (see gradientflow.files.normalized_margins)."""
        return normalized_margins(self.path, data_csv)

    def check(self, **options: object) -> Certificate:
        """`gradflow check` on this run (options as gradientflow.check: at, tol, kink_band, …)."""
        return check(self.path, **options)

    def plot(
        self, out_dir: PathLike | None = None, formats: Sequence[str] = ("png", "svg"), xscale: str = "auto"
    ) -> "Figure":
        """The standard panel (loss, ρ and ρ_k, margins, checker residuals against log t) as a figure;
        with OUT_DIR also written there as panel.* and one file per panel (docs/plotting.md)."""
        from .plot import panel

        return panel.plot(self.path, out_dir, formats, xscale)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"


def load(run_dir: PathLike) -> Run:
    """The run in RUN_DIR (a `gradflow simulate` output directory)."""
    path = as_path(run_dir)
    if not (path / "run.json").is_file():
        raise FileNotFoundError(f"{path} has no run.json: not a gradflow simulate output directory")
    return Run(path)


def simulate(**options: object) -> Run:
    """Run `gradflow simulate` with OPTIONS (the CLI's options in snake_case) and return the run.

    `simulate(generator="xor", n=4, widths=[8], t_end=1e3, save_weights=True)` runs
    `gradflow simulate --generator xor --n 4 --widths 8 --t-end 1000.0 --save-weights --out … --quiet`.
    Flags take True/False; lists become comma-separated values; None leaves gradflow's default.
    Unknown options raise TypeError before anything runs. Without `out`, the run goes into a new
    temporary directory; `quiet` defaults to True. A failed run raises GradflowError (gradflow's message)."""
    options = dict(options)
    if options.get("out") is None:
        options["out"] = tempfile.mkdtemp(prefix="gradflow-run-")
    options["out"] = as_path(options["out"])  # type: ignore[arg-type]
    options.setdefault("quiet", True)
    gradflow("simulate", *to_argv("simulate", options), echo=False)
    return load(options["out"])  # type: ignore[arg-type]
