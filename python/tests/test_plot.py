"""The panel: files in PNG and SVG, print-size fonts, every dynamics labelled as itself and visible."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

from matplotlib.lines import Line2D  # noqa: E402

from gradientflow.plot import DOUBLE, FONT_PT, DYNAMICS_STYLE  # noqa: E402


def _legend_texts(fig):
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return legends, [t for legend in legends for t in legend.get_texts()]


def test_run_plot_writes_png_and_svg(xor_run, tmp_path):
    fig = xor_run.plot(tmp_path)
    for name in ("panel", "loss", "rho", "margin", "check"):
        for fmt in ("png", "svg"):
            assert (tmp_path / f"{name}.{fmt}").stat().st_size > 0
    width, _ = fig.get_size_inches()
    assert width <= DOUBLE  # drawn at the printed size: the fonts' points are printed points
    legends, texts = _legend_texts(fig)
    assert texts and all(t.get_fontsize() >= FONT_PT for t in texts)
    rho_axis = fig.axes[1]
    assert {"ρ_1", "ρ_2"} <= {t.get_text() for t in rho_axis.get_legend().get_texts()}  # ρ_k lines have a legend


def test_comparison_is_labelled_by_dynamics(comparison):
    fig = comparison.plot()
    assert "unconstrained" not in fig._suptitle.get_text()
    _, texts = _legend_texts(fig)
    labels = {t.get_text() for t in texts}
    assert {"unconstrained", "lagrange", "weightnorm"} <= labels
    assert all(t.get_fontsize() >= FONT_PT for t in texts)
    # Lagrange and weight normalization coincide when c_k = 1: their lines must differ in style.
    lagrange, weightnorm = DYNAMICS_STYLE["lagrange"], DYNAMICS_STYLE["weightnorm"]
    assert (lagrange["ls"], lagrange["lw"], lagrange.get("marker")) != (weightnorm["ls"], weightnorm["lw"],
                                                                         weightnorm.get("marker"))
    residual_lines = [ln for ln in fig.axes[3].get_lines() if len(ln.get_xdata())]
    styles = {(ln.get_color(), str(ln.get_linestyle()), ln.get_marker()) for ln in residual_lines}
    assert len(styles) == len(residual_lines) == 9  # nine residual curves, nine distinct styles
    assert all(isinstance(ln, Line2D) for ln in residual_lines)


def test_module_commands(xor_run, tmp_path):
    for module in ("gradientflow.plot", "gradflow_plot"):
        out = tmp_path / module
        proc = subprocess.run([sys.executable, "-m", module, str(xor_run.path), "--out", str(out)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert (out / "panel.svg").is_file() and (out / "check.png").is_file()
