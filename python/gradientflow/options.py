"""Keyword arguments → `gradflow` command-line flags, checked against the binary's own --help.

`simulate(t_end=1e4, widths=[16, 16], bias_feature=True)` becomes
`gradflow simulate --t-end 10000.0 --widths 16,16 --bias-feature`: option names are the CLI's in
snake_case. The set of known options, and which of them are flags without a value, is read from
`gradflow SUBCOMMAND --help` (once per binary and subcommand), so it cannot drift from the CLI.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .binary import find_gradflow, gradflow

# An option line of swift-argument-parser's help: two spaces, an optional short name, the long name,
# and for options with a value a placeholder in angle brackets.
_OPTION_LINE = re.compile(r"^\s{2,}(?:-\w, )?--([a-z0-9][a-z0-9-]*)(\s+<[^>]*>)?(?:\s|$)")

# Handled by the package itself, never passed through.
_NOT_OPTIONS = {"help", "version"}

# Options renamed for one word per concept (issue #16): the old keyword still works, as the old flag
# does, but --help lists only the new name.
RENAMED = {"sliding_band": "kink_band", "kink_tol": "kink_band"}


@dataclass(frozen=True)
class OptionSpec:
    """The options of one `gradflow` subcommand: `takes_value[name]` is False for a flag."""

    subcommand: str
    takes_value: Mapping[str, bool]

    def names(self) -> list[str]:
        """The options' names in snake_case, as keyword arguments."""
        return sorted(name.replace("-", "_") for name in self.takes_value)


def parse_help(subcommand: str, text: str) -> OptionSpec:
    """The options listed in the --help TEXT of SUBCOMMAND."""
    found: dict[str, bool] = {}
    for line in text.splitlines():
        match = _OPTION_LINE.match(line)
        if match and match.group(1) not in _NOT_OPTIONS:
            found[match.group(1)] = match.group(2) is not None
    if not found:
        raise RuntimeError(f"`gradflow {subcommand} --help` lists no options: is this a gradflow binary?")
    return OptionSpec(subcommand, found)


@functools.lru_cache(maxsize=None)
def _spec(binary: str, subcommand: str) -> OptionSpec:
    return parse_help(subcommand, gradflow(subcommand, "--help", binary=binary, echo=False).stdout)


def option_spec(subcommand: str) -> OptionSpec:
    """The options of `gradflow SUBCOMMAND`, read from the --help of the binary find_gradflow() gives."""
    return _spec(str(find_gradflow()), subcommand)


def format_value(value: object) -> str:
    """One option value as gradflow reads it: lists and tuples comma-separated (widths=[16, 16] →
    "16,16", widths=[] → "" for a linear model), floats in Python's round-trip form, paths as text."""
    if isinstance(value, (list, tuple)):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def to_argv(subcommand: str, options: Mapping[str, object], spec: OptionSpec | None = None) -> list[str]:
    """The command-line flags for OPTIONS (keyword → value) of `gradflow SUBCOMMAND`.

    A flag (an option without a value) is given when its value is true and left out when false; an
    option whose value is None is left out (gradflow's default applies). Raises TypeError naming every
    unknown keyword, with the known ones, before anything runs."""
    spec = spec or option_spec(subcommand)
    options = _renamed(subcommand, options, spec)
    unknown = sorted(k for k in options if k.replace("_", "-") not in spec.takes_value)
    if unknown:
        raise TypeError(
            f"gradflow {subcommand} has no option {', '.join(unknown)}; "
            f"known options: {', '.join(spec.names())}"
        )
    argv: list[str] = []
    for key, value in options.items():
        name = key.replace("_", "-")
        if value is None:
            continue
        if not spec.takes_value[name]:
            if not isinstance(value, bool):
                raise TypeError(f"gradflow {subcommand} --{name} is a flag: pass True or False, not {value!r}")
            if value:
                argv.append(f"--{name}")
            continue
        if isinstance(value, bool):
            raise TypeError(f"gradflow {subcommand} --{name} takes a value, not {value!r}")
        argv += [f"--{name}", format_value(value)]
    return argv


def _renamed(subcommand: str, options: Mapping[str, object], spec: OptionSpec) -> dict[str, object]:
    """OPTIONS with old keywords (RENAMED) under their new names; both given is a TypeError."""
    result: dict[str, object] = {}
    for key, value in options.items():
        new = RENAMED.get(key, key)
        if new != key and new.replace("_", "-") in spec.takes_value:
            if new in options:
                raise TypeError(f"gradflow {subcommand}: give {new} only ({key} is its old name)")
            key = new
        result[key] = value
    return result


def as_path(value: str | os.PathLike) -> Path:
    """VALUE as an absolute path (relative to the working directory)."""
    return Path(value).expanduser().absolute()
