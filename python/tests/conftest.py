"""Shared fixtures: one small XOR run with saved weights, made once per test session.

The tests need a gradflow binary ($GRADFLOW, PATH, or this checkout's .build); without one they fail
with find_gradflow's message rather than being skipped."""

from __future__ import annotations

import pytest

import gradientflow as gf


@pytest.fixture(scope="session")
def xor_run(tmp_path_factory) -> gf.Run:
    """2 → 8 → 1 ReLU on the four XOR corners to t = 1e3 with 12 saves and weights.csv."""
    out = tmp_path_factory.mktemp("xor") / "run"
    return gf.simulate(generator="xor", n=4, widths=[8], init_scale=0.3, t_end=1e3, rtol=1e-6, saves=12,
                       save_weights=True, out=out)


@pytest.fixture(scope="session")
def comparison(tmp_path_factory) -> gf.Comparison:
    """gradflow compare on 20 blobs to t = 20 with weights saved, each dynamics checked at all saves."""
    out = tmp_path_factory.mktemp("compare") / "cmp"
    cmp = gf.compare(generator="blobs", n=20, widths=[8], t_end=20.0, saves=8, save_weights=True, out=out)
    for run in cmp.runs.values():
        run.check(at="all")
    return cmp
