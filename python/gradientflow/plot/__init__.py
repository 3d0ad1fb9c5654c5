"""Plotting: the standard panel of a run or comparison, and the print style of every figure.

    python -m gradientflow.plot RUN_DIR        # RUN_DIR/figures/panel.{png,svg} and one file per panel
"""

from .style import COLUMN, DOUBLE, DYNAMICS_STYLE, FONT_PT, context, save_figure, use

__all__ = ["COLUMN", "DOUBLE", "DYNAMICS_STYLE", "FONT_PT", "context", "plot_run", "save_figure", "use"]


def plot_run(run_dir, out_dir=None, formats=("png", "svg"), xscale="auto"):
    """Write the standard panel of RUN_DIR (see gradientflow.plot.panel.plot_run); returns the paths."""
    from .panel import plot_run as _plot_run  # imports pyplot only when plotting

    return _plot_run(run_dir, out_dir, formats, xscale)
