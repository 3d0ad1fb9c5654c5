"""Helpers for the GradientFlow notebooks: run `gradflow`, read its files, draw the standard panel.

    python -m gradflow_plot RUN_DIR          # RUN_DIR/figures/panel.png, .svg and one file per panel

The science stays in `gradflow` (STYLE §8); this package only runs the binary and plots its CSV/JSON.
"""

from .runs import (
    find_gradflow,
    gradflow,
    normalized_margins,
    read_check,
    read_compare,
    read_layers,
    read_run,
    read_trajectory,
    save_figure,
)

__all__ = [
    "find_gradflow",
    "gradflow",
    "normalized_margins",
    "plot_run",
    "read_check",
    "read_compare",
    "read_layers",
    "read_run",
    "read_trajectory",
    "save_figure",
]


def plot_run(run_dir, out_dir=None, formats=("png", "svg"), xscale="auto"):
    """Write the standard panel of RUN_DIR (see gradflow_plot.panel.plot_run)."""
    from .panel import plot_run as _plot_run  # imports pyplot only when plotting

    return _plot_run(run_dir, out_dir, formats, xscale)
