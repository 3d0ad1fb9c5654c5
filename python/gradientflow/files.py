"""Read what `gradflow` writes (trajectory.csv, run.json, check.csv, compare.csv, weights files).

Thin on purpose: the science lives in the Swift package; this module only loads its files into
pandas and numpy. The one computation here, `normalized_margins`,
evaluates the trained network on its data to get every sample's q_n(V) — `gradflow` reports only
the minimum — and asserts that its minimum agrees with the margin `gradflow` wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

PathLike = str | os.PathLike


def read_trajectory(run_dir: PathLike) -> pd.DataFrame:
    """trajectory.csv of a run (one row per saved time); rows at t = 0 have log_t = -inf."""
    return pd.read_csv(Path(run_dir) / "trajectory.csv")


def read_run(run_dir: PathLike) -> dict:
    """run.json: resolved config, termination, stats, final observables."""
    return json.loads((Path(run_dir) / "run.json").read_text())


def read_check(run_dir: PathLike) -> pd.DataFrame:
    """check.csv written by `gradflow check RUN_DIR --at all` (one row per checked time)."""
    return pd.read_csv(Path(run_dir) / "check.csv")


def read_compare(compare_dir: PathLike) -> pd.DataFrame:
    """compare.csv of `gradflow compare` (long format, a `dynamics` column)."""
    return pd.read_csv(Path(compare_dir) / "compare.csv")


def read_layers(weights_json: PathLike) -> list[np.ndarray]:
    """The layer matrices W_1 … W_K of a weights file in the --init layout."""
    return [np.asarray(w, dtype=float) for w in json.loads(Path(weights_json).read_text())["layers"]]


def normalized_margins(run_dir: PathLike, data_csv: PathLike | None = None) -> np.ndarray:
    """q_n(V) = y_n f(x_n; W) / ∏_k ‖W_k‖_F for every sample, at the run's final weights.

    `gradflow` writes only min_n q_n(V); this evaluates the bias-free network (relu, leaky-relu,
    smooth-relu or identity hidden layers, with the run's --bias-feature) on the data of the run (its --data CSV, or
    `data_csv`) and checks that the minimum equals run.json's final margin to 1e-9 relative."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    config = run["config"]
    path = data_csv or config.get("data")
    if path is None:
        raise ValueError("the run used a generator: pass data_csv (gradflow data NAME -o FILE)")
    frame = pd.read_csv(path)
    label = config.get("label_column") or ("y" if "y" in frame.columns else frame.columns[-1])
    y = frame[label].to_numpy(dtype=float)
    if set(np.unique(y)) != {-1.0, 1.0}:
        lo, hi = np.unique(y)
        y = np.where(y == hi, 1.0, -1.0)
    x = frame.drop(columns=[label]).to_numpy(dtype=float)
    if config.get("bias_feature"):
        x = np.hstack([x, np.ones((len(x), 1))])
    layers = read_layers(run_dir / "final_weights.json")
    activation = config.get("activation", "relu")
    slope = config.get("leaky_slope", 0.01)
    h = x.T
    for w in layers[:-1]:
        z = w @ h
        if activation == "relu":
            h = np.maximum(z, 0)
        elif activation == "leaky-relu":
            h = np.where(z > 0, z, slope * z)
        elif activation == "smooth-relu":
            # z·S(z/(ε‖w_j‖‖h_n‖)), S logistic (README "ReLU kinks"); u = 0 where the scale is 0.
            scale = config["gate_width"] * np.outer(np.linalg.norm(w, axis=1), np.linalg.norm(h, axis=0))
            u = np.divide(z, scale, out=np.zeros_like(z), where=scale > 0)
            h = z / (1 + np.exp(-np.clip(u, -745, 745)))
        elif activation == "identity":
            h = z
        else:
            raise NotImplementedError(f"activation {activation!r}")
    f = (layers[-1] @ h).ravel()
    rho = np.prod([np.linalg.norm(w) for w in layers])
    q = y * f / rho
    reported = run["final"]["margin"]
    if not np.isclose(q.min(), reported, rtol=1e-9, atol=1e-12):
        raise AssertionError(f"min q_n(V) = {q.min()} differs from run.json's margin {reported}")
    return q


def read_weights(run_dir: PathLike) -> pd.DataFrame | None:
    """weights.csv (long format save,t,log_t,layer,row,col,value; older runs: t,layer,row,col,value), or None."""
    path = Path(run_dir) / "weights.csv"
    return pd.read_csv(path) if path.is_file() else None


def read_margins(run_dir: PathLike) -> pd.DataFrame | None:
    """margins.csv (every sample's normalized margin at the saved times, where gradflow writes it), or None."""
    path = Path(run_dir) / "margins.csv"
    return pd.read_csv(path) if path.is_file() else None


def layers_at(weights: pd.DataFrame, t: float) -> list[np.ndarray]:
    """The layer matrices W_1 … W_K at saved time T of a weights.csv frame (the saved time nearest T;
    layer, row and col are 1-based in the file)."""
    times = weights["t"].unique()
    nearest = times[np.nanargmin(np.abs(times - t))]
    rows = weights[weights["t"] == nearest]
    layers = []
    for _, block in rows.groupby("layer", sort=True):
        rows_, cols = block["row"].to_numpy(dtype=int) - 1, block["col"].to_numpy(dtype=int) - 1
        w = np.zeros((rows_.max() + 1, cols.max() + 1))
        w[rows_, cols] = block["value"].to_numpy()
        layers.append(w)
    return layers
