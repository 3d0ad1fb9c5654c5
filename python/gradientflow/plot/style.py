"""Figure style for print: sizes in inches at the printed size, 9-pt text, PNG and SVG.

A figure made at `COLUMN` width and included at a paper's column width keeps its legend at 9 pt;
`DOUBLE` is the full width of a two-column page.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLUMN = 3.4  # inches: one column of a two-column paper
DOUBLE = 7.0  # inches: the full text width
FONT_PT = 9.0  # legend, labels and ticks (titles one point larger)

RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 1,
    "axes.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "figure.titlesize": FONT_PT + 1,
    "legend.handlelength": 2.8,  # long enough to show a dash pattern
    "lines.linewidth": 1.4,
    "savefig.dpi": 200,
    "svg.fonttype": "none",  # text stays text in the SVG
}

#: How each dynamics is drawn wherever several are overlaid: Lagrange and weight normalization
#: coincide on the plot when c_k = 1, so the later one is a thinner dashed line with markers on top
#: of a wide pale one.
DYNAMICS_STYLE = {
    "unconstrained": {"color": "C0", "ls": "-", "lw": 1.4},
    "lagrange": {"color": "C1", "ls": "-", "lw": 4.0, "alpha": 0.45},
    "weightnorm": {"color": "C3", "ls": (0, (4, 2)), "lw": 1.2, "marker": "x", "ms": 4},
}


def use() -> None:
    """Make RC the matplotlib defaults of this process (the notebooks call it first)."""
    import matplotlib

    matplotlib.rcParams.update(RC)


@contextlib.contextmanager
def context() -> Iterator[None]:
    """RC for the figures made inside the `with` block only."""
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def save_figure(
    fig: "Figure",
    name: str,
    figure_dir: str | os.PathLike | None = None,
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Save FIG as FIGURE_DIR/NAME.png and NAME.svg (or FORMATS); nothing when figure_dir is None.

    Saved at the figure's own size (no tight bounding box that would change it), so text keeps its
    point size when the figure is printed at that width."""
    if figure_dir is None:
        return []
    out = Path(figure_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        fig.savefig(path, dpi=200)
        paths.append(path)
    return paths
