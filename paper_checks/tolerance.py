"""Tolerances as objects: each decides a claim's verdict and margin from the measured values and prints itself.

A claim states its acceptance rule once, as a :class:`Tolerance`; the English in the report is that object's
``str`` and the verdict is its :meth:`Tolerance.decide`, so the two cannot disagree (a rule written once in English and
once as a literal in the compute function could). The compute function returns the values the rule reads
(``Result(measured, checked=...)``) and never a verdict of its own.

Margins follow one convention: 1 at the centre of a two-sided tolerance (or at the ideal value of a one-sided one), 0
at its edge, negative when failing; ``None`` where a rule has no scale (an identity, a count of violations that must be
0) or the value has none (NaN). A rule over several values (an array) takes the worst of them. A NaN never passes.

Examples
--------
>>> t = AllOf(AtMost(1e-10, "max relative step increase", key="rise"), Between(0.13, 0.17, "half-drop alpha", key="alpha"))
>>> print(t)
max relative step increase <= 1e-10; half-drop alpha in [0.13, 0.17]
>>> d = t.decide({"rise": 2e-11, "alpha": 0.16})
>>> d.ok, round(d.margin, 2)
(True, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Decision", "Tolerance", "AtMost", "AtLeast", "Within", "Between", "WithinFactor", "Holds", "AllOf"]


@dataclass(frozen=True)
class Decision:
    """What a tolerance decided: ``ok``, the ``margin`` and how the values met the rule (``text``)."""

    ok: bool
    margin: float | None
    text: str


def _g(x: float) -> str:
    return f"{x:.3g}"


def _values(value: Any, what: str) -> np.ndarray:
    """The measured value(s) as a flat float array; a non-number is an error naming what was measured."""
    try:
        a = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"tolerance on `{what}`: expected a number or numbers; got {value!r}") from None
    if a.size == 0:
        raise ValueError(f"tolerance on `{what}`: no values to check")
    return a


@dataclass(frozen=True)
class Tolerance:
    """Base of the rules: ``what`` is measured (English, for the report); ``key`` picks its value out of the
    compute function's ``checked`` mapping (``None``: ``checked`` is the value itself)."""

    def decide(self, checked: Any) -> Decision:
        """The verdict and margin for the compute function's ``checked`` values."""
        value = checked
        key = getattr(self, "key", None)
        if key is not None:
            if not isinstance(checked, Mapping) or key not in checked:
                raise KeyError(f"tolerance `{self}` reads `checked[{key!r}]`, which the compute function did not return")
            value = checked[key]
        return self._decide(value)

    def _decide(self, value: Any) -> Decision:  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def keys(self) -> tuple:
        return (getattr(self, "key", None),)


@dataclass(frozen=True)
class AtMost(Tolerance):
    """Every value ``<= bound``; margin ``1 - worst / bound``, at most 1 (1 at 0 and below; ``None`` for a bound of 0,
    a count that must be 0)."""

    bound: float
    what: str
    key: str | None = None
    strict: bool = False  # ``<`` instead of ``<=``

    def __str__(self) -> str:
        return f"{self.what} {'<' if self.strict else '<='} {self.bound:g}"

    def _decide(self, value: Any) -> Decision:
        v = _values(value, self.what)
        worst = float(np.max(v)) if not np.isnan(v).any() else math.nan
        ok = bool(worst < self.bound if self.strict else worst <= self.bound)
        margin = None if self.bound == 0 else (min(1.0, 1 - worst / self.bound) if not math.isnan(worst) else None)
        return Decision(ok, margin, f"{self.what} {_g(worst)} {('<' if self.strict else '<=') if ok else ('>=' if self.strict else '>')} {self.bound:g}")


@dataclass(frozen=True)
class AtLeast(Tolerance):
    """Every value ``>= bound``; margin ``(worst - bound) / (ideal - bound)``, at most 1, when an ``ideal`` is given
    (1 for a success rate), else ``1 - bound / worst`` for positive values (``None`` for a bound of 0 or below)."""

    bound: float
    what: str
    key: str | None = None
    ideal: float | None = None
    strict: bool = False  # ``>`` instead of ``>=``

    def __post_init__(self) -> None:
        if self.ideal is not None and not self.ideal > self.bound:
            raise ValueError(f"AtLeast `{self.what}`: the ideal {self.ideal} must lie above the bound {self.bound}")

    def __str__(self) -> str:
        return f"{self.what} {'>' if self.strict else '>='} {self.bound:g}"

    def _decide(self, value: Any) -> Decision:
        v = _values(value, self.what)
        worst = float(np.min(v)) if not np.isnan(v).any() else math.nan
        ok = bool(worst > self.bound if self.strict else worst >= self.bound)
        if math.isnan(worst):
            margin: float | None = None
        elif self.ideal is not None:
            margin = min(1.0, (worst - self.bound) / (self.ideal - self.bound))
        elif self.bound > 0 and worst > 0:
            margin = 1 - self.bound / worst
        elif self.bound > 0:
            margin = None
        else:
            margin = None
        return Decision(ok, margin, f"{self.what} {_g(worst)} {('>' if self.strict else '>=') if ok else ('<=' if self.strict else '<')} {self.bound:g}")


@dataclass(frozen=True)
class Within(Tolerance):
    """Every value within ``abs`` (or ``rel`` times ``|target|``) of ``target``; margin ``1 - worst deviation /
    allowed``."""

    target: float
    what: str
    abs: float | None = None
    rel: float | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if (self.abs is None) == (self.rel is None):
            raise ValueError(f"Within `{self.what}`: give exactly one of `abs` and `rel`")
        if not self.allowed > 0:
            raise ValueError(f"Within `{self.what}`: the allowed deviation must be positive; got {self.allowed}")

    @property
    def allowed(self) -> float:
        return float(self.abs) if self.abs is not None else float(self.rel) * abs(self.target)

    def __str__(self) -> str:
        if self.rel is not None:
            return f"{self.what} within {self.rel:.3g} (relative) of {self.target:g}"
        return f"|{self.what} - {self.target:g}| <= {self.abs:g}"

    def _decide(self, value: Any) -> Decision:
        v = _values(value, self.what)
        dev = float(np.max(np.abs(v - self.target))) if not np.isnan(v).any() else math.nan
        ok = bool(dev <= self.allowed)
        margin = 1 - dev / self.allowed if not math.isnan(dev) else None
        return Decision(ok, margin, f"{self.what} off {self.target:g} by {_g(dev)} {'<=' if ok else '>'} {self.allowed:.3g}")


@dataclass(frozen=True)
class Between(Tolerance):
    """Every value in ``[lo, hi]``; margin ``1 - |worst - centre| / half-width``."""

    lo: float
    hi: float
    what: str
    key: str | None = None

    def __post_init__(self) -> None:
        if not self.hi > self.lo:
            raise ValueError(f"Between `{self.what}`: need lo < hi; got [{self.lo}, {self.hi}]")

    def __str__(self) -> str:
        return f"{self.what} in [{self.lo:g}, {self.hi:g}]"

    def _decide(self, value: Any) -> Decision:
        v = _values(value, self.what)
        mid, half = (self.lo + self.hi) / 2, (self.hi - self.lo) / 2
        if np.isnan(v).any():
            return Decision(False, None, f"{self.what} is NaN")
        i = int(np.argmax(np.abs(v - mid)))
        ok = bool(((v >= self.lo) & (v <= self.hi)).all())
        return Decision(ok, 1 - abs(v[i] - mid) / half, f"{self.what} {_g(v[i])} {'in' if ok else 'outside'} [{self.lo:g}, {self.hi:g}]")


@dataclass(frozen=True)
class WithinFactor(Tolerance):
    """Every ratio (measured / expected) within a factor ``factor`` of 1; margin ``1 - |log ratio| / log factor``."""

    factor: float
    what: str
    key: str | None = None

    def __post_init__(self) -> None:
        if not self.factor > 1:
            raise ValueError(f"WithinFactor `{self.what}`: the factor must exceed 1; got {self.factor}")

    def __str__(self) -> str:
        return f"{self.what} within a factor {self.factor:g}"

    def _decide(self, value: Any) -> Decision:
        v = _values(value, self.what)
        if np.isnan(v).any() or (v <= 0).any():
            return Decision(False, None, f"{self.what}: a ratio is NaN or not positive ({v.tolist()})")
        logs = np.abs(np.log(v))
        i = int(np.argmax(logs))
        ok = bool(logs[i] <= math.log(self.factor))
        return Decision(ok, 1 - float(logs[i]) / math.log(self.factor), f"{self.what} {_g(v[i])} {'within' if ok else 'outside'} a factor {self.factor:g}")


@dataclass(frozen=True)
class Holds(Tolerance):
    """A statement that holds or not (an identity, an exact equality, an ordering): every value true; no margin."""

    what: str
    key: str | None = None

    def __str__(self) -> str:
        return self.what

    def _decide(self, value: Any) -> Decision:
        vals = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        if not vals or not all(isinstance(x, (bool, np.bool_)) for x in vals):
            raise TypeError(f"tolerance `{self.what}`: expected True/False (or a list of them); got {value!r}")
        ok = all(bool(x) for x in vals)
        return Decision(ok, None, f"{self.what}: {'holds' if ok else 'does not hold'}")


@dataclass(frozen=True, init=False)
class AllOf(Tolerance):
    """Every part holds; the margin is the smallest of the parts' when all hold, else the smallest of the failing parts'
    (``None`` if none of those has one: a failing ``Holds`` or an ``AtLeast`` at or below 0 must not lend the verdict a
    passing part's positive margin)."""

    parts: tuple

    def __init__(self, *parts: Tolerance) -> None:
        if len(parts) < 2 or not all(isinstance(p, Tolerance) and not isinstance(p, AllOf) for p in parts):
            raise TypeError("AllOf needs two or more tolerances (not nested AllOf)")
        keys = [p.key for p in parts]
        if None in keys or len(set(keys)) != len(keys):
            raise ValueError(f"AllOf: every part needs its own `key` to read; got {keys}")
        object.__setattr__(self, "parts", tuple(parts))

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.parts)

    def keys(self) -> tuple:
        return tuple(p.key for p in self.parts)

    def decide(self, checked: Any) -> Decision:
        ds = [p.decide(checked) for p in self.parts]
        ok = all(d.ok for d in ds)
        margins = [d.margin for d in (ds if ok else [d for d in ds if not d.ok]) if d.margin is not None]
        return Decision(ok, min(margins) if margins else None, "; ".join(d.text for d in ds))
