"""Run `gradflow` and read what it writes (trajectory.csv, run.json, check.csv, compare.json).

Thin on purpose (STYLE §8): the science lives in the Swift package; this module only finds the
binary, runs it, and loads its files into pandas. The one computation here, `normalized_margins`,
evaluates the trained network on its data to get every sample's q_n(V) — `gradflow` reports only
the minimum — and asserts that its minimum agrees with the margin `gradflow` wrote.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]


def find_gradflow() -> Path:
    """The gradflow binary: $GRADFLOW if set (relative to the working directory), else
    .build/release/gradflow, else .build/debug/gradflow of this repository."""
    env = os.environ.get("GRADFLOW")
    if env:
        path = Path(env).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"GRADFLOW={env} is not a file")
        return path
    for config in ("release", "debug"):
        path = REPO / ".build" / config / "gradflow"
        if path.is_file():
            return path
    raise FileNotFoundError(
        "no gradflow binary: build it (swift build -c release --product gradflow) or set GRADFLOW"
    )


def gradflow(*args, ok=(0,), echo=True) -> subprocess.CompletedProcess:
    """Run `gradflow ARGS…`; raise with its stderr unless the exit code is in `ok`.

    `gradflow check` exits 2 for `converging`, so notebooks pass ok=(0, 2) there."""
    argv = [str(find_gradflow()), *(str(a) for a in args)]
    if echo:
        print("$ gradflow " + " ".join(shlex.quote(a) for a in argv[1:]))
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode not in ok:
        raise RuntimeError(
            f"gradflow exited {proc.returncode} (expected {ok}):\n{proc.stderr.strip()}"
        )
    return proc


def read_trajectory(run_dir) -> pd.DataFrame:
    """trajectory.csv of a run (one row per saved time); rows at t = 0 have log_t = -inf."""
    return pd.read_csv(Path(run_dir) / "trajectory.csv")


def read_run(run_dir) -> dict:
    """run.json: resolved config, termination, stats, final observables."""
    return json.loads((Path(run_dir) / "run.json").read_text())


def read_check(run_dir) -> pd.DataFrame:
    """check.csv written by `gradflow check RUN_DIR --at all` (one row per checked time)."""
    return pd.read_csv(Path(run_dir) / "check.csv")


def read_compare(compare_dir) -> pd.DataFrame:
    """compare.csv of `gradflow compare` (long format, a `dynamics` column)."""
    return pd.read_csv(Path(compare_dir) / "compare.csv")


def read_layers(weights_json) -> list[np.ndarray]:
    """The layer matrices W_1 … W_K of a weights file in the --init layout."""
    return [np.asarray(w, dtype=float) for w in json.loads(Path(weights_json).read_text())["layers"]]


def normalized_margins(run_dir, data_csv=None) -> np.ndarray:
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


def save_figure(fig, name: str, figure_dir=None, formats=("png",)) -> list[Path]:
    """Save `fig` as FIGURE_DIR/NAME.png (and other formats); nothing when figure_dir is None."""
    if figure_dir is None:
        return []
    out = Path(figure_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        paths.append(path)
    return paths
