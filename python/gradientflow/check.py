"""`gradflow check` from Python: the KKT certificate of the max-margin problem as a dataclass."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .binary import CHECK_VERDICT_CODES, gradflow
from .files import PathLike
from .options import to_argv


@dataclass
class Certificate:
    """The report of `gradflow check … --json` for the last checked time.

    `verdict` is one of kkt, converging, not-converged, kink-ambiguous, not-separable; the residuals
    are those of docs/checker.md (eps_rel stationarity, delta_rel complementary slackness, lambda_ratio
    1 at a KKT point). `report` is the whole JSON report; `points` the per-time table check.csv when
    more than one time was checked (`at="all"` or `"every:K"`), else None."""

    verdict: str
    meaning: str
    t: float | None
    log_t: float | None
    gamma_product: float | None
    gamma_lyu_li: float | None
    eps_rel: float | None
    delta_rel: float | None
    lambda_ratio: float | None
    score: float | None
    support: list[int]
    tolerance: float | None
    report: dict[str, Any] = field(repr=False)
    points: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def is_kkt(self) -> bool:
        """True when the verdict is kkt (an approximate KKT point, not necessarily the global max margin)."""
        return self.verdict == "kkt"

    def as_dict(self) -> dict[str, Any]:
        """The full JSON report."""
        return dict(self.report)

    @classmethod
    def from_report(cls, report: dict[str, Any], points: pd.DataFrame | None = None) -> "Certificate":
        """A Certificate from the JSON report of `gradflow check --json`."""

        def number(key: str) -> float | None:
            value = report.get(key)
            return float(value) if isinstance(value, (int, float)) else None

        return cls(
            verdict=str(report.get("verdict", "")),
            meaning=str(report.get("meaning", "")),
            t=number("t"),
            log_t=number("log_t"),
            gamma_product=number("gamma_product"),
            gamma_lyu_li=number("gamma_lyu_li"),
            eps_rel=number("eps_rel"),
            delta_rel=number("delta_rel"),
            lambda_ratio=number("lambda_ratio"),
            score=number("score"),
            support=[int(n) for n in report.get("support") or []],
            tolerance=number("tolerance"),
            report=report,
            points=points,
        )


def check(run_dir: PathLike | None = None, **options: object) -> Certificate:
    """Run `gradflow check` on RUN_DIR (or on `data=…, weights=…`) and return its certificate.

    Options are the CLI's in snake_case: `at="all"`, `tol=1e-3`, `kink_band=1e-4`, `out=DIR`, …
    (unknown ones raise TypeError before anything runs). A completed analysis returns whatever its
    verdict; a usage or data error raises GradflowError with gradflow's message."""
    options = {k: v for k, v in options.items() if k != "json"}
    argv = ["check", *([str(run_dir)] if run_dir is not None else []), *to_argv("check", options), "--json"]
    proc = gradflow(*argv, ok=CHECK_VERDICT_CODES, echo=False)
    report = json.loads(proc.stdout)
    points = None
    at = str(options.get("at") or "last")
    if at != "last":
        where = Path(str(options.get("out") or run_dir))
        if (where / "check.csv").is_file():
            points = pd.read_csv(where / "check.csv")
    return Certificate.from_report(report, points)
