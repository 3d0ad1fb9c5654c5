"""Keyword options → CLI flags, against the binary's own --help."""

from __future__ import annotations

from pathlib import Path

import pytest

import gradientflow as gf
from gradientflow.options import format_value, parse_help, to_argv

HELP = """USAGE: gradflow simulate <options>

DATA:
  --data <data>           Dataset CSV.
  --label-column <label-column>
                          Label column.
  --bias-feature          Append a constant-1 input feature.

OPTIONS:
  --out <out>             Output directory. (default: gradflow-out)
  --quiet                 No progress display and no summary.
  --version               Show the version.
  -h, --help              Show help information.
"""


def test_parse_help_finds_options_and_flags():
    spec = parse_help("simulate", HELP)
    assert dict(spec.takes_value) == {"data": True, "label-column": True, "bias-feature": False, "out": True,
                                      "quiet": False}


def test_to_argv_formats_values_and_flags():
    spec = parse_help("simulate", HELP)
    argv = to_argv("simulate", {"data": Path("a.csv"), "label_column": "y", "bias_feature": True,
                                "quiet": False, "out": None}, spec)
    assert argv == ["--data", "a.csv", "--label-column", "y", "--bias-feature"]


def test_unknown_and_mistyped_options_are_rejected():
    spec = parse_help("simulate", HELP)
    with pytest.raises(TypeError, match="no option t_ennd"):
        to_argv("simulate", {"t_ennd": 3}, spec)
    with pytest.raises(TypeError, match="is a flag"):
        to_argv("simulate", {"bias_feature": "yes"}, spec)
    with pytest.raises(TypeError, match="takes a value"):
        to_argv("simulate", {"data": True}, spec)


def test_renamed_keywords_give_the_new_flag():
    spec = parse_help("check", "OPTIONS:\n  --kink-band <kink-band>  Kink band.\n")
    assert to_argv("check", {"kink_tol": 0.01}, spec) == ["--kink-band", "0.01"]
    assert to_argv("check", {"kink_band": 0.01}, spec) == ["--kink-band", "0.01"]
    with pytest.raises(TypeError, match="give kink_band only"):
        to_argv("check", {"kink_tol": 0.01, "kink_band": 0.01}, spec)


def test_format_value():
    assert format_value([16, 16]) == "16,16"
    assert format_value([]) == ""  # a linear model: --widths ""
    assert format_value(1e-8) == "1e-08"
    assert float(format_value(0.1 + 0.2)) == 0.1 + 0.2  # round trip, no digits lost


def test_the_binary_lists_the_options_the_api_documents():
    """The set comes from `gradflow simulate --help`: the options used across the package and its docs exist."""
    names = set(gf.option_spec("simulate").names())
    assert {"generator", "widths", "t_end", "rtol", "atol", "save_weights", "clock", "dynamics", "out", "quiet",
            "force", "config", "bias_feature", "log_t_end"} <= names
    assert {"help", "version"}.isdisjoint(names)
    assert {"at", "tol", "kink_band", "out", "data", "weights"} <= set(gf.option_spec("check").names())


def test_simulate_rejects_unknown_options_before_running(tmp_path):
    out = tmp_path / "never"
    with pytest.raises(TypeError, match="t_ennd"):
        gf.simulate(t_ennd=10, out=out)
    assert not out.exists()


def test_gradflow_errors_carry_the_message_and_code(tmp_path):
    with pytest.raises(gf.GradflowError) as info:
        gf.simulate(data=tmp_path / "missing.csv", out=tmp_path / "run")
    assert info.value.returncode == 65  # a data error (documented exit code)
    assert "missing.csv" in str(info.value)
