"""Every quantitative claim of the papers as a runnable check (``python -m paper_checks``).

One module per paper, named by the paper's key (claim prefix + year, :mod:`paper_checks.papers`), defines its
claims with :func:`paper_checks.claim.claim`; the compute functions call :mod:`theory` and :mod:`numerics` only.
"""

from __future__ import annotations

import importlib

from .claim import REGISTRY, Claim, Result, Skip, claim
from .papers import PAPERS, Paper, module_of, paper_of
from .record import ClaimRecord, Run
from .report import Report, write_report
from .runner import exit_status, run_claims
from .tolerance import AllOf, AtLeast, AtMost, Between, Holds, Tolerance, Within, WithinFactor

__all__ = ["Claim", "Result", "Skip", "claim", "all_claims", "run_claims", "write_report", "exit_status", "ClaimRecord", "Run", "Report", "Tolerance", "AtMost", "AtLeast", "Within", "Between", "WithinFactor", "Holds", "AllOf", "MODULES", "PAPERS", "Paper", "paper_of", "module_of"]

#: Paper modules, in report order (one per paper, named by its key; see :mod:`paper_checks.papers`).
MODULES = tuple(p.key for p in PAPERS)


def all_claims() -> list[Claim]:
    """Import every paper module and return the registered claims."""
    for m in MODULES:
        importlib.import_module(f"paper_checks.{m}")
    return list(REGISTRY)
