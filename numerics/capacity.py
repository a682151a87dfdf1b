"""Capacity measurements: binary search on the number of stored patterns, confidence intervals, scaling fits,
and the closed-form predictions of :mod:`theory.capacity` evaluated numerically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from theory import capacity as th

from ._checks import as_array, as_count, require

__all__ = ["CapacityResult", "largest_k", "capacity", "fit_power_law", "fit_exponential", "theory_value", "ags_critical_load"]


@dataclass(frozen=True)
class CapacityResult:
    """Largest K meeting a criterion, per seed, with its mean and 95% confidence interval."""

    per_seed: np.ndarray
    mean: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict:
        return {"per_seed": self.per_seed.tolist(), "mean": self.mean, "ci": [self.ci_low, self.ci_high]}


def largest_k(ok: Callable[[int], bool], k_lo: int, k_hi: int) -> int:
    """Largest ``K`` in ``[k_lo, k_hi]`` with ``ok(K)`` true, for a criterion monotone in ``K`` (binary search).

    Returns ``k_lo - 1`` if even ``k_lo`` fails.

    Raises
    ------
    ValueError
        If ``ok(k_hi)`` holds (the search range is too small to bracket the capacity).
    """
    k_lo, k_hi = as_count("k_lo", k_lo), as_count("k_hi", k_hi)
    require(k_lo <= k_hi, f"Arguments must satisfy 1 <= k_lo <= k_hi; got k_lo={k_lo}, k_hi={k_hi}.")
    if not ok(k_lo):
        return k_lo - 1
    if ok(k_hi):
        raise ValueError(f"Argument `k_hi`={k_hi} still meets the criterion: raise it so the search brackets the capacity.")
    lo, hi = k_lo, k_hi  # ok(lo) true, ok(hi) false
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def capacity(criterion: Callable[[int, int], bool], seeds: Sequence[int], k_lo: int, k_hi: int) -> CapacityResult:
    """Run :func:`largest_k` for each seed (``criterion(K, seed)``) and summarise with a t-interval."""
    require(len(seeds) >= 1, "Argument `seeds` must not be empty.")
    seeds = [as_count(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(seeds)]
    vals = np.array([largest_k(lambda K, s=s: criterion(K, s), k_lo, k_hi) for s in seeds], dtype=float)
    m = float(vals.mean())
    if len(vals) > 1:
        from scipy.stats import t

        half = float(t.ppf(0.975, len(vals) - 1) * vals.std(ddof=1) / np.sqrt(len(vals)))
    else:
        half = float("nan")
    return CapacityResult(vals, m, m - half, m + half)


def _positive_points(name: str, a) -> np.ndarray:
    """Sizes or capacities for a log fit: finite and > 0 (log 0 = -inf would fit a silent nonsense slope)."""
    x = as_array(name, a, ndim=1).astype(float)
    bad = np.flatnonzero(x <= 0)
    require(not len(bad), f"Argument `{name}` must hold positive values (they are fitted on a log scale); got {x[bad[0]] if len(bad) else None} at index {bad[0] if len(bad) else None}.")
    return x


def fit_power_law(N: Sequence[float], K: Sequence[float]) -> dict:
    """Least-squares fit ``log K = a log N + b``: slope, its standard error, intercept."""
    x, y = np.log(_positive_points("N", N)), np.log(_positive_points("K", K))
    require(len(x) == len(y), f"Arguments `N` and `K` must have the same length; got {len(x)} and {len(y)}.")
    require(len(x) >= 2, f"Arguments `N` and `K` need at least two points to fit a power law; got {len(x)}.")
    require(np.ptp(x) > 0, "Argument `N` must hold at least two different sizes to fit a slope.")
    A = np.vstack([x, np.ones_like(x)]).T
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = max(len(x) - 2, 1)
    s2 = float(((A @ coef - y) ** 2).sum()) / dof
    se = float(np.sqrt(s2 / ((x - x.mean()) ** 2).sum())) if len(x) > 2 else float("nan")
    return {"slope": float(coef[0]), "slope_se": se, "intercept": float(coef[1])}


def fit_exponential(N: Sequence[float], K: Sequence[float]) -> dict:
    """Least-squares fit ``log K = r N + b``: the exponential rate ``r``."""
    x, y = _positive_points("N", N), np.log(_positive_points("K", K))
    require(len(x) == len(y), f"Arguments `N` and `K` must have the same length; got {len(x)} and {len(y)}.")
    require(len(x) >= 2 and np.ptp(x) > 0, "Arguments `N` and `K` need at least two points with different N to fit a rate.")
    coef = np.polyfit(x, y, 1)
    return {"rate": float(coef[0]), "intercept": float(coef[1])}


def theory_value(expr: sp.Expr, **values: float) -> float:
    """Evaluate a :mod:`theory.capacity` expression at numeric values (by symbol name), with mpmath."""
    subs = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    missing = [s.name for s in expr.free_symbols if s.name not in values]
    require(not missing, f"values missing for {missing}")
    return float(sp.N(expr.xreplace({k: sp.nsimplify(v) if isinstance(v, int) else sp.Float(v, 30) for k, v in subs.items()}), 20))


def ags_critical_load() -> tuple[float, float]:
    """``(alpha_c, m_c)``: the maximum of the AGS load curve and the overlap there (~0.138, ~0.967)."""
    a = sp.lambdify(th.y, th.ags_alpha_of_y(), "mpmath")
    with mpmath.workdps(30):
        y_star = mpmath.findroot(lambda t: mpmath.diff(a, t), 1.5)
        return float(a(y_star)), float(mpmath.erf(y_star))


# ------------------------------------------------------------------ criteria


def all_stable(make_memory: Callable[[np.ndarray], object], make_patterns: Callable[[int, int], np.ndarray], rule: str = "energy_difference") -> Callable[[int, int], bool]:
    """Criterion ``(K, seed) -> bool``: every stored pattern is an exact fixed point."""

    def crit(K: int, seed: int) -> bool:
        X = make_patterns(K, seed)
        return bool(make_memory(X).all_fixed(X, rule))

    return crit


def fraction_stable(q: float, make_memory, make_patterns, rule: str = "energy_difference") -> Callable[[int, int], bool]:
    """Criterion: at least a fraction ``q`` of the stored patterns are fixed points."""
    require(0 < q <= 1, f"Argument `q` must be in (0, 1]; got {q}.")

    def crit(K: int, seed: int) -> bool:
        X = make_patterns(K, seed)
        return bool(np.mean(make_memory(X).is_fixed(X, rule)) >= q)

    return crit


def recall_from_corrupted(rho: float, make_memory, make_patterns, success: float = 1.0, n_cues: int = 10, rule: str = "energy_difference") -> Callable[[int, int], bool]:
    """Criterion: the first ``n_cues`` patterns, each with a fraction ``rho`` of bits flipped, are recalled
    with mean overlap >= ``success`` (1.0: exactly)."""
    from .retrieval import flip, overlap

    def crit(K: int, seed: int) -> bool:
        X = make_patterns(K, seed)
        mem = make_memory(X)
        cues = flip(X[:n_cues], rho, seed + 7919)
        out, _ = mem.run(cues, seed + 104729, rule=rule)
        return bool(overlap(out, X[:n_cues]).mean() >= success - 1e-12)

    return crit


__all__ += ["all_stable", "fraction_stable", "recall_from_corrupted"]
