"""GradientFlow from Python: run `gradflow`, load its outputs into pandas, check and plot them.

    import gradientflow as gf
    run = gf.simulate(generator="xor", n=4, widths=[8], t_end=1e4, save_weights=True)
    run.trajectory.plot(x="log_t", y="margin"); run.check(at="all").verdict; run.plot()

Every number comes from the `gradflow` binary (found through $GRADFLOW, PATH, or the .build directory
of a GradientFlow checkout); this package runs it and reads what it writes.
"""

from .binary import GradflowError, find_gradflow, gradflow, supports
from .check import Certificate, check
from .compare import Comparison, compare, load_compare
from .files import (
    layers_at,
    normalized_margins,
    read_check,
    read_compare,
    read_layers,
    read_margins,
    read_run,
    read_trajectory,
    read_weights,
)
from .options import option_spec
from .plot import plot_run, save_figure
from .run import Run, load, simulate
from .sweep import collect, sweep

__version__ = "0.1.0"

__all__ = [
    "Certificate",
    "Comparison",
    "GradflowError",
    "Run",
    "check",
    "collect",
    "compare",
    "find_gradflow",
    "gradflow",
    "layers_at",
    "load",
    "load_compare",
    "normalized_margins",
    "option_spec",
    "plot_run",
    "read_check",
    "read_compare",
    "read_layers",
    "read_margins",
    "read_run",
    "read_trajectory",
    "read_weights",
    "save_figure",
    "simulate",
    "supports",
    "sweep",
]
