"""`gradflow sweep` and `gradflow collect` from Python (in builds that have these subcommands).

Both are thin: keyword options are checked against the subcommand's --help and passed through,
positional arguments go first, and the result is what the subcommand wrote.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .binary import gradflow, supports
from .options import as_path, to_argv


def _require(subcommand: str) -> None:
    if not supports(subcommand):
        raise RuntimeError(f"this gradflow has no `{subcommand}` subcommand: build a newer gradflow")


def sweep(*args: object, **options: object) -> Path:
    """Run `gradflow sweep ARGS… --OPTIONS` and return its output directory (`out`).

    Options are `gradflow sweep --help`'s in snake_case; unknown ones raise TypeError before the run.
    `quiet` is passed as True when the subcommand has it and it is not given."""
    _require("sweep")
    options = dict(options)
    if options.get("out") is not None:
        options["out"] = as_path(options["out"])  # type: ignore[arg-type]
    from .options import option_spec

    if "quiet" in option_spec("sweep").takes_value:
        options.setdefault("quiet", True)
    proc = gradflow("sweep", *args, *to_argv("sweep", options), echo=False)
    out = options.get("out")
    return Path(str(out)) if out is not None else Path(proc.stdout.strip().splitlines()[-1])


def collect(*args: object, **options: object) -> pd.DataFrame:
    """Run `gradflow collect ARGS… --OPTIONS` and return its table as a DataFrame (the CSV it writes
    to `out`, or to standard output)."""
    _require("collect")
    proc = gradflow("collect", *args, *to_argv("collect", options), echo=False)
    out = options.get("out")
    if out is not None and Path(str(out)).is_file():
        return pd.read_csv(Path(str(out)))
    return pd.read_csv(io.StringIO(proc.stdout))
