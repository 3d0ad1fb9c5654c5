"""check() and compare(): gradflow's reports as Python objects."""

from __future__ import annotations

import json

import numpy as np

import gradientflow as gf

VERDICTS = {"kkt", "converging", "not-converged", "kink-ambiguous", "not-separable"}


def test_certificate_of_the_last_state(xor_run, tmp_path):
    cert = xor_run.check(out=tmp_path)
    assert cert.verdict in VERDICTS
    assert cert.points is None
    # γ_P is the product-normalized margin the run itself reports: two computations, one number.
    assert np.isclose(cert.gamma_product, xor_run.final["margin"], rtol=1e-12)
    assert cert.support and all(0 <= n < 4 for n in cert.support)
    assert cert.as_dict()["verdict"] == cert.verdict
    assert cert.is_kkt == (cert.verdict == "kkt")


def test_certificate_along_the_run(xor_run, tmp_path):
    cert = gf.check(xor_run.path, at="all", out=tmp_path)
    points = cert.points
    assert len(points) == len(xor_run.trajectory)  # one row per saved time
    assert points["eps_rel"].iloc[-1] == cert.eps_rel
    written = json.loads((tmp_path / "check.json").read_text())
    assert written["verdict"] == cert.verdict


def test_compare_loads_three_runs(comparison):
    assert set(comparison.runs) == {"unconstrained", "lagrange", "weightnorm"}
    table = comparison.table
    assert set(table["dynamics"]) == set(comparison.runs)
    for name, run in comparison.runs.items():
        rows = table[table["dynamics"] == name]
        assert np.array_equal(rows["margin"].to_numpy(), run.trajectory["margin"].to_numpy())
    assert isinstance(comparison.summary, dict)
    assert gf.load_compare(comparison.path) == comparison
