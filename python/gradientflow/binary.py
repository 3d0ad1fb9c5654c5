"""Find the `gradflow` binary and run it.

The package holds no science of its own: every number comes from `gradflow`, which this module
locates and runs as a subprocess.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Sequence

#: Exit codes of `gradflow check` that mean "the analysis completed" (the verdict is in the report):
#: 0 kkt, 2 converging, 3 not-converged, 4 kink-ambiguous, 5 not-separable. Builds that exit 0 on every
#: completed analysis are handled the same way.
CHECK_VERDICT_CODES: tuple[int, ...] = (0, 2, 3, 4, 5)


class GradflowError(RuntimeError):
    """`gradflow` exited with an unexpected code; `returncode` and `stderr` say why."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str):
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr.strip()
        command = "gradflow " + " ".join(shlex.quote(a) for a in self.argv[1:])
        super().__init__(f"{command} exited {returncode}:\n{self.stderr}")


def _repo_candidates() -> Iterable[Path]:
    """Directories that may be a GradientFlow checkout: the one this file lives in (an editable
    install or a source tree), then the working directory and its parents."""
    here = Path(__file__).resolve()
    yield from here.parents
    cwd = Path.cwd().resolve()
    yield cwd
    yield from cwd.parents


def find_gradflow() -> Path:
    """The `gradflow` binary: $GRADFLOW if set (a path, relative to the working directory), else
    `gradflow` on PATH, else `.build/release/gradflow` or `.build/debug/gradflow` of the GradientFlow
    checkout this package or the working directory lies in.

    Raises FileNotFoundError, naming what to do, when none is found."""
    env = os.environ.get("GRADFLOW")
    if env:
        path = Path(env).expanduser().absolute()
        if not path.is_file():
            raise FileNotFoundError(f"GRADFLOW={env} is not a file: point it at a gradflow binary")
        return path
    on_path = shutil.which("gradflow")
    if on_path:
        return Path(on_path)
    seen: set[Path] = set()
    for root in _repo_candidates():
        if root in seen or not (root / "Package.swift").is_file():
            continue
        seen.add(root)
        for config in ("release", "debug"):
            path = root / ".build" / config / "gradflow"
            if path.is_file():
                return path
    raise FileNotFoundError(
        "no gradflow binary: build it (swift build -c release --product gradflow), put it on PATH, "
        "or set GRADFLOW=/path/to/gradflow"
    )


def gradflow(
    *args: object, ok: Sequence[int] = (0,), echo: bool = True, binary: str | os.PathLike | None = None
) -> subprocess.CompletedProcess:
    """Run `gradflow ARGS…` and return the completed process (stdout and stderr as text).

    Raises GradflowError with gradflow's own message unless the exit code is in `ok`.
    `echo` prints the command first (the notebooks show what they run); the API functions pass False."""
    argv = [str(binary or find_gradflow()), *(str(a) for a in args)]
    if echo:
        print("$ gradflow " + " ".join(shlex.quote(a) for a in argv[1:]), flush=True)
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode not in ok:
        raise GradflowError(argv, proc.returncode, proc.stderr)
    return proc


def subcommands() -> list[str]:
    """The subcommands this `gradflow` lists under SUBCOMMANDS in its --help."""
    text = gradflow("--help", echo=False).stdout
    names: list[str] = []
    listing = False
    for line in text.splitlines():
        if line.strip() == "SUBCOMMANDS:":
            listing = True
        elif listing and re.match(r"^  [a-z][a-z0-9-]*(\s|$)", line):
            names.append(line.split()[0])
        elif listing and line and not line.startswith("  "):
            listing = False
    return names


def supports(subcommand: str) -> bool:
    """Whether this `gradflow` has SUBCOMMAND (e.g. "sweep"). An unknown subcommand's --help prints
    the top-level help with exit 0, so the top-level list decides."""
    try:
        return subcommand in subcommands()
    except (FileNotFoundError, GradflowError):
        return False
