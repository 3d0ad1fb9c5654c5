"""`gradflow compare` from Python: the three dynamics from one initialization."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from .binary import gradflow
from .files import PathLike, read_compare
from .options import as_path, to_argv
from .run import Run, load

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Comparison:
    """The output directory of `gradflow compare`.

    `table` is compare.csv (long format: one row per saved time and dynamics, a `dynamics` column);
    `summary` is compare.json; `runs` maps each dynamics to its own Run."""

    path: Path

    @property
    def table(self) -> pd.DataFrame:
        """compare.csv."""
        return read_compare(self.path)

    @property
    def summary(self) -> dict[str, Any]:
        """compare.json (final values per dynamics and the same-function verdicts)."""
        return json.loads((self.path / "compare.json").read_text())

    @property
    def runs(self) -> dict[str, Run]:
        """{dynamics: Run} for the subdirectories that hold a run."""
        return {d.name: load(d) for d in sorted(self.path.iterdir()) if (d / "run.json").is_file()}

    def plot(
        self, out_dir: PathLike | None = None, formats: Sequence[str] = ("png", "svg"), xscale: str = "auto"
    ) -> "Figure":
        """The standard panel with the dynamics overlaid (each in its own colour, line style and marker)."""
        from .plot import panel

        return panel.plot(self.path, out_dir, formats, xscale)

    def __repr__(self) -> str:
        return f"Comparison({str(self.path)!r})"


def load_compare(compare_dir: PathLike) -> Comparison:
    """The comparison in COMPARE_DIR (a `gradflow compare` output directory)."""
    path = as_path(compare_dir)
    if not (path / "compare.csv").is_file():
        raise FileNotFoundError(f"{path} has no compare.csv: not a gradflow compare output directory")
    return Comparison(path)


def compare(**options: object) -> Comparison:
    """Run `gradflow compare` with OPTIONS (the CLI's options in snake_case, as for simulate) and
    return the comparison. Without `out`, it goes into a new temporary directory; `quiet` defaults to True."""
    options = dict(options)
    if options.get("out") is None:
        options["out"] = tempfile.mkdtemp(prefix="gradflow-compare-")
    options["out"] = as_path(options["out"])  # type: ignore[arg-type]
    options.setdefault("quiet", True)
    gradflow("compare", *to_argv("compare", options), echo=False)
    return load_compare(options["out"])  # type: ignore[arg-type]
