#!/usr/bin/env python3
"""Run the notebooks headless with papermill; a cell that raises fails its notebook.

    .venv/bin/python scripts/run_notebooks.py --ci                 # small parameters (CI)
    .venv/bin/python scripts/run_notebooks.py --figures notebooks/figures   # full parameters, key figures
    .venv/bin/python scripts/run_notebooks.py --ci notebooks/04-*.ipynb     # some of them
    .venv/bin/python scripts/run_notebooks.py --strip               # clear outputs of the committed notebooks

Each notebook runs in notebooks/ (its runs go to notebooks/runs/, gitignored); the executed copies go
to --output-dir (default a temporary directory), never over the committed, output-stripped notebooks.
--ci merges the notebook's entry of notebooks/ci-parameters.json into its `parameters` cell;
--figures DIR sets FIGURE_DIR so every notebook saves its key figure(s) there as PNG and SVG.
With --ci a notebook committed with outputs fails too (clear them with --strip).
Prints one line per notebook and, last, `notebooks: P passed, F failed`; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"


def yaml_parameters(value) -> str:
    """`value` as the YAML text papermill's -y reads, floats kept floats: YAML 1.1 reads 1e-06 (JSON's
    spelling) as a string, 1.0e-06 as a number."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {yaml_parameters(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_parameters(v) for v in value) + "]"
    if isinstance(value, float) and "e" in repr(value) and "." not in repr(value).split("e")[0]:
        return repr(value).replace("e", ".0e", 1)
    return json.dumps(value)


def run_one(notebook: Path, parameters: dict, output_dir: Path, timeout: int) -> tuple[bool, float, str]:
    out = output_dir / notebook.name
    argv = [
        sys.executable, "-m", "papermill", str(notebook), str(out),
        "--cwd", str(NOTEBOOKS), "--kernel", "python3", "--no-progress-bar",
        "--execution-timeout", str(timeout), "-y", yaml_parameters(parameters),
    ]
    env = dict(os.environ)
    # This interpreter's kernel (scripts/venv.sh registers it in the venv) ahead of any user kernel.
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(Path(sys.prefix) / "share" / "jupyter"), env.get("JUPYTER_PATH")) if p
    )
    env.setdefault("MPLBACKEND", "Agg")
    if env.get("GRADFLOW"):  # the notebooks run in notebooks/: a relative path means the caller's directory
        env["GRADFLOW"] = str(Path(env["GRADFLOW"]).expanduser().absolute())
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - start
    log = (proc.stdout + proc.stderr).strip()
    return proc.returncode == 0, seconds, log


def has_outputs(notebook: Path) -> bool:
    cells = json.loads(notebook.read_text())["cells"]
    return any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code")


def strip(notebook: Path) -> bool:
    """Clear outputs and execution counts in place; True if the file changed."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    kept = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    changed = len(kept) != len(nb.cells)
    nb.cells = kept
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count, changed = [], None, True
        for key in ("execution", "papermill"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    for key in ("papermill",):
        if key in nb.metadata:
            del nb.metadata[key]
            changed = True
    if changed:
        nbformat.write(nb, notebook)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--ci", action="store_true", help="small parameters from notebooks/ci-parameters.json")
    parser.add_argument("--figures", type=Path, help="FIGURE_DIR: save each notebook's key figure(s) here")
    parser.add_argument("--output-dir", type=Path, help="executed notebooks (default: a temporary directory)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    parser.add_argument("--strip", action="store_true", help="only clear the notebooks' outputs, in place")
    args = parser.parse_args()

    notebooks = [n.resolve() for n in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    if args.strip:
        for nb in notebooks:
            print(f"{nb.name}: {'stripped' if strip(nb) else 'no outputs'}")
        return 0
    ci = json.loads((NOTEBOOKS / "ci-parameters.json").read_text()) if args.ci else {}
    output_dir = args.output_dir or Path(tempfile.mkdtemp(prefix="gradflow-notebooks-"))
    output_dir.mkdir(parents=True, exist_ok=True)

    def job(nb: Path):
        if args.ci and has_outputs(nb):
            return nb, False, 0.0, f"PapermillExecutionError: {nb.name} is committed with outputs; run {sys.argv[0]} --strip"
        parameters = dict(ci.get(nb.stem, {}))
        if args.figures:
            parameters["FIGURE_DIR"] = str(args.figures.resolve())
        return nb, *run_one(nb, parameters, output_dir, args.timeout)

    passed = failed = 0
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for nb, ok, seconds, log in pool.map(job, notebooks):
            if ok:
                passed += 1
                print(f"notebook {nb.name}: passed ({seconds:.1f} s)", flush=True)
            else:
                failed += 1
                print(f"notebook {nb.name}: FAILED ({seconds:.1f} s); executed copy in {output_dir}", flush=True)
                lines = log.splitlines()
                marks = [i for i, line in enumerate(lines) if "PapermillExecutionError" in line]
                lines = lines[marks[-1]:] if marks else lines[-40:]  # the failing cell, not papermill's stack
                print("\n".join("    " + line for line in lines[:60]), flush=True)
    print(f"notebooks: {passed} passed, {failed} failed ({time.monotonic() - start:.0f} s)")
    return 1 if failed or not notebooks else 0


if __name__ == "__main__":
    sys.exit(main())
