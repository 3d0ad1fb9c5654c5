"""simulate() and load(): the files of a run as pandas and numpy, checked against independent readings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import gradientflow as gf


def test_simulate_returns_a_loaded_run(xor_run):
    traj = xor_run.trajectory
    assert isinstance(traj, pd.DataFrame)
    assert len(traj) == 13  # 12 log-spaced saves plus t = 0
    assert traj["t"].iloc[0] == 0 and np.isneginf(traj["log_t"].iloc[0])
    assert traj["t"].iloc[-1] == 1e3
    assert xor_run.config["t_end"] == 1e3 and xor_run.config["widths"] == [8]
    assert xor_run.termination["reason"] == "reachedEnd"
    assert xor_run.stats["rhs_evals"] > 0


def test_final_matches_the_last_row_and_run_json(xor_run):
    raw = json.loads((xor_run.path / "run.json").read_text())
    assert xor_run.final == raw["final"]
    last = xor_run.trajectory.iloc[-1]
    for key in ("loss", "rho", "margin", "smoothed_margin"):
        assert last[key] == xor_run.final[key]  # both written from the same double, shortest round trip


def test_margin_against_numpy_forward_pass(xor_run, tmp_path):
    """min_n q_n(V) recomputed by numpy from final_weights.json and the data (normalized_margins asserts
    agreement to 1e-9 relative); every q_n ≥ the minimum, and y f / ∏‖W_k‖ reproduces it."""
    data = tmp_path / "xor.csv"
    gf.gradflow("data", "xor", "--n", 4, "--seed", 0, "-o", data, echo=False)
    q = xor_run.normalized_margins(data)
    assert q.shape == (4,)
    assert np.isclose(q.min(), xor_run.final["margin"], rtol=1e-9)


def test_weights_csv_ends_at_the_final_weights(xor_run):
    w = xor_run.weights
    assert list(w.columns) == ["save", "t", "log_t", "layer", "row", "col", "value"]
    assert w["save"].max() == len(xor_run.trajectory) - 1  # one block per trajectory row
    final = xor_run.layers()
    saved = xor_run.layers(t=1e3)
    assert [a.shape for a in final] == [(8, 2), (1, 8)]
    for a, b in zip(final, saved):
        assert np.array_equal(a, b)  # the same doubles written twice
    rho = np.prod([np.linalg.norm(a) for a in final])
    assert np.isclose(rho, xor_run.final["rho"], rtol=1e-12)  # ∏‖W_k‖_F, an independent product


def test_load_and_margins(xor_run):
    again = gf.load(xor_run.path)
    assert again == xor_run
    pd.testing.assert_frame_equal(again.trajectory, xor_run.trajectory)
    margins_csv = xor_run.path / "margins.csv"
    assert (again.margins is None) == (not margins_csv.is_file())


def test_config_replays_bit_for_bit(xor_run, tmp_path):
    replay = gf.simulate(config=xor_run.path / "run.json", out=tmp_path / "replay")
    pd.testing.assert_frame_equal(replay.trajectory, xor_run.trajectory, check_exact=True)


def test_load_refuses_a_directory_without_run_json(tmp_path):
    try:
        gf.load(tmp_path)
    except FileNotFoundError as error:
        assert "run.json" in str(error)
    else:
        raise AssertionError("load accepted an empty directory")
