"""python -m gradientflow.plot RUN_DIR [RUN_DIR …] [--out DIR] [--format png,svg] [--check]

Writes the standard panel of each run directory (or `gradflow compare` directory) as PNG and SVG:
RUN_DIR/figures/panel.{png,svg} plus loss, rho, margin and check separately.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: the command only writes files

from .panel import plot_run  # noqa: E402
from ..binary import gradflow  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gradientflow.plot",
        description="Standard figures of a gradflow run directory (loss, ρ_k, margins, checker "
        "residuals vs log t) as PNG and SVG.",
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR",
                        help="a gradflow simulate or gradflow compare output directory")
    parser.add_argument("--out", help="output directory (default RUN_DIR/figures; with several "
                        "RUN_DIRs, OUT/<name of each>)")
    parser.add_argument("--format", default="png,svg", help="comma-separated formats (default png,svg)")
    parser.add_argument("--xscale", choices=("auto", "linear", "log"), default="auto",
                        help="log t axis: linear, log (from log t = 1), or auto: log once a run reaches "
                        "log t >= 100 (default)")
    parser.add_argument("--check", action="store_true",
                        help="first run `gradflow check RUN_DIR --at all` if check.csv is missing "
                        "and the run saved its weights (binary: $GRADFLOW or .build/{release,debug})")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())

    status = 0
    for name in args.run_dirs:
        run_dir = Path(name)
        if not ((run_dir / "trajectory.csv").is_file() or (run_dir / "compare.csv").is_file()):
            print(f"gradientflow.plot: error: {run_dir} has no trajectory.csv or compare.csv", file=sys.stderr)
            status = 1
            continue
        if args.check:
            subdirs = [run_dir / d for d in ("unconstrained", "lagrange", "weightnorm")]
            for d in [run_dir, *subdirs]:
                if (d / "weights.csv").is_file() and not (d / "check.csv").is_file():
                    gradflow("check", d, "--at", "all", ok=(0, 2, 3, 4, 5), echo=False)
        out = None
        if args.out:
            out = Path(args.out) / run_dir.resolve().name if len(args.run_dirs) > 1 else Path(args.out)
        for path in plot_run(run_dir, out, formats, args.xscale):
            print(path)
    return status


if __name__ == "__main__":
    sys.exit(main())
