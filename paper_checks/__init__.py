"""Every quantitative claim of the papers as a runnable check (``python -m paper_checks``).

One module per paper defines its claims with :func:`paper_checks.claim.claim`; the compute
functions call :mod:`theory` and :mod:`numerics` only.
"""

from __future__ import annotations

import importlib

from .claim import REGISTRY, Claim, Result, Skip, claim
from .runner import exit_status, format_table, run_claims, write_report

__all__ = ["Claim", "Result", "Skip", "claim", "all_claims", "run_claims", "write_report", "exit_status", "format_table", "MODULES"]

#: Paper modules, in report order.
MODULES = (
    "krotov_hopfield_2021",
    "krotov_hopfield_2016",
    "demircigil_2017",
    "ramsauer_2021",
    "classical_hopfield",
    "threshold_2026",
    "threshold_learning",
    "marchenko_pastur",
    "tutorial_2025",
    "spherical_codes_2024",
    "epanechnikov_2025",
    "drdam_2024",
    "feature_correlations_2025",
)


def all_claims() -> list[Claim]:
    """Import every paper module and return the registered claims."""
    for m in MODULES:
        importlib.import_module(f"paper_checks.{m}")
    return list(REGISTRY)
