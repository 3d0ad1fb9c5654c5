"""Former name of the plotting helper, kept so that `python -m gradflow_plot RUN_DIR` and old imports
work: everything now lives in `gradientflow` (`python -m gradientflow.plot RUN_DIR`)."""

from gradientflow import (  # noqa: F401
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
from gradientflow.plot import plot_run  # noqa: F401

__all__ = ["find_gradflow", "gradflow", "normalized_margins", "plot_run", "read_check", "read_compare", "read_layers",
           "read_run", "read_trajectory", "save_figure"]
