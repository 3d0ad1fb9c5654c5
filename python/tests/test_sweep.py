"""sweep() and collect(): exercised only where the gradflow binary has these subcommands."""

from __future__ import annotations

import pytest

import gradientflow as gf


def test_sweep_and_collect_refuse_or_reject_cleanly(tmp_path):
    if not gf.supports("sweep"):
        with pytest.raises(RuntimeError, match="no `sweep` subcommand"):
            gf.sweep(out=tmp_path / "s")
        return
    with pytest.raises(TypeError, match="no option"):
        gf.sweep(not_an_option_of_sweep=1, out=tmp_path / "s")


def test_supports_knows_the_existing_subcommands():
    assert gf.supports("simulate") and gf.supports("check")
    assert not gf.supports("no-such-subcommand")
