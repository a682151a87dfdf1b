"""The Claim record: one quantitative statement of a paper, how it is checked, and its verdict."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .tolerance import Tolerance

__all__ = ["Claim", "Result", "Skip", "claim", "REGISTRY", "KINDS", "ROLES", "decide"]

KINDS = ("symbolic", "numeric", "simulation")
#: what a verdict means: a paper's number reproduced, an identity the derivation guarantees, or a bound checked
ROLES = ("reproduction", "identity", "bound")
_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]+[a-z]?$")

#: Every claim defined by an imported paper module, in definition order.
REGISTRY: list[Claim] = []


class Skip(Exception):  # noqa: N818 - a verdict, not an error
    """Raised by a compute function that cannot run here (e.g. data directory missing), with the reason."""


@dataclass(frozen=True)
class Result:
    """What a compute function returns: the measured value, the values its claim's tolerance reads, evidence.

    The claim's :class:`~paper_checks.tolerance.Tolerance` decides the verdict and the margin from ``checked``: a
    compute function measures, it never judges.
    """

    measured: Any
    detail: str = ""
    figure: Any = None  # a matplotlib Figure, or a dict {name: Figure} for several
    checked: Any = None  # what the claim's Tolerance reads (a number, numbers, or a mapping by the rules' keys)


@dataclass(frozen=True)
class Claim:
    """One paper claim as a runnable check.

    Attributes
    ----------
    id : str
        E.g. ``"KH21-3a"``.
    paper : str
        Short citation.
    source : str
        Section, equation, figure or table.
    statement : str
        One sentence.
    kind : {"symbolic", "numeric", "simulation"}
    expected : any
        The paper's value (or the identity/range it asserts).
    tolerance : Tolerance
        The acceptance rule, which decides the verdict and the margin and prints itself
        (e.g. ``AtMost(1e-12, "max |error|")``).
    tolerance_reason : str
        Why the tolerance has that size.
    paper_tolerance : Tolerance, optional
        The rule at ``--scale paper`` where it differs (a claim measured on a small proxy at quick scale and on the
        paper's data at paper scale); :meth:`rule` picks.
    compute : callable
        ``compute(params: dict, seed: int) -> Result``; uses theory/ and numerics/ only.
    quick, paper_scale : dict
        Parameters for ``--scale quick`` and ``--scale paper``.
    seed : int
    known_discrepancy : str or None
        Evidence-backed reason why the claim is expected to FAIL here.
    role : {"reproduction", "identity", "bound"}
        ``"identity"`` where the workbench's derivation makes the statement true by construction (it tests the
        code, not the paper), ``"bound"`` for an inequality checked with slack, else ``"reproduction"``.
    expected_source : str
        Where the expected value comes from: ``"paper"`` (its text) or ``"derived from the model"`` (computed by
        theory/ from the built-in model, e.g. :func:`theory.capacity_law`), with the call that derives it.
    """

    id: str
    paper: str
    source: str
    statement: str
    kind: str
    expected: Any
    tolerance: Tolerance
    tolerance_reason: str
    compute: Callable[[dict, int], Result] = field(repr=False)
    quick: dict = field(default_factory=dict)
    paper_scale: dict = field(default_factory=dict)
    seed: int = 0
    known_discrepancy: str | None = None
    expected_source: str = "paper"
    role: str = "reproduction"
    paper_tolerance: Tolerance | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"Claim id {self.id!r} must look like 'KH21-3' or 'KH21-3a'.")
        if self.kind not in KINDS:
            raise ValueError(f"Claim {self.id}: kind must be one of {KINDS}; got {self.kind!r}.")
        for name in ("tolerance", "paper_tolerance"):
            t = getattr(self, name)
            if not isinstance(t, Tolerance) and not (name == "paper_tolerance" and t is None):
                raise ValueError(f"Claim {self.id}: `{name}` must be a paper_checks.tolerance.Tolerance (which decides and prints "
                                 f"itself); got {type(t).__name__} {t!r}.")
        for name in ("paper", "source", "statement", "tolerance", "tolerance_reason"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"Claim {self.id}: `{name}` must not be empty.")
        if self.role not in ROLES:
            raise ValueError(f"Claim {self.id}: role must be one of {ROLES}; got {self.role!r}.")
        if not (self.expected_source == "paper" or self.expected_source.startswith("derived from the model")):
            raise ValueError(f"Claim {self.id}: `expected_source` must be 'paper' or start with 'derived from the model'; got {self.expected_source!r}.")
        if not callable(self.compute):
            raise ValueError(f"Claim {self.id}: `compute` must be callable.")

    def rule(self, scale: str) -> Tolerance:
        """The tolerance in force at ``scale`` (``paper_tolerance`` at paper scale where given)."""
        return self.paper_tolerance if scale == "paper" and self.paper_tolerance is not None else self.tolerance

    def params(self, scale: str) -> dict:
        """Parameters for ``scale`` ("quick" or "paper"; paper falls back to quick where not given)."""
        if scale not in ("quick", "paper"):
            raise ValueError(f"Argument `scale` must be 'quick' or 'paper'; got {scale!r}.")
        return dict(self.quick) if scale == "quick" else {**self.quick, **self.paper_scale}


def claim(**meta: Any) -> Callable[[Callable[[dict, int], Result]], Callable[[dict, int], Result]]:
    """Decorator: register ``compute`` as the check of a claim described by ``meta`` (the Claim fields)."""

    def wrap(fn: Callable[[dict, int], Result]) -> Callable[[dict, int], Result]:
        c = Claim(compute=fn, **meta)
        if any(x.id == c.id for x in REGISTRY):
            raise ValueError(f"duplicate claim id {c.id}")
        REGISTRY.append(c)
        return fn

    return wrap


def decide(c: Claim, r: Result, scale: str = "quick") -> tuple[bool, float | None, str]:
    """A claim's verdict (``ok``), margin and how its values met the rule: its tolerance at ``scale`` decides from what
    the compute function measured (``Result.checked``)."""
    d = c.rule(scale).decide(r.checked)
    return d.ok, d.margin, d.text
