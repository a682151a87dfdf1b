"""Capacity measurements: binary search on the number of stored patterns, confidence intervals, scaling fits,
and the closed-form predictions of :mod:`theory.capacity` evaluated numerically."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ._checks import as_array, as_count, as_scalar, require, require_memory
from .patterns import rng_from

__all__ = [
    "CapacityResult",
    "largest_k",
    "capacity",
    "fit_power_law",
    "fit_exponential",
    "theory_value",
    "ags_critical_load",
    "all_stable",
    "fraction_stable",
    "recall_from_corrupted",
    "k_max_predicted",
    "bit_errors",
    "k_max_measured",
    "median_interval",
    "CapacityPoint",
    "CapacityCheck",
    "check",
]


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


def _number(v) -> sp.Expr:
    return sp.Integer(v) if isinstance(v, (int, np.integer)) else sp.Integer(int(v)) if float(v).is_integer() else sp.Float(float(v), 30)


def _sum_value(total: sp.Sum, numbers: dict) -> sp.Expr:
    """An exact finite sum with numeric limits, added up term by term in mpmath (30 digits).

    The summand is compiled with its parameters (``N``, ...) as arguments and given them as mpmath numbers: substituted
    first, exact powers such as ``2**(-7 N)`` became integers of thousands of digits that Python refuses to print past
    4300 (every non-polynomial law failed at N ~ 1560)."""
    (j, lo, hi), = total.limits
    lo, hi = int(lo.xreplace(numbers)), int(hi.xreplace(numbers))
    require(hi - lo <= 10**6, f"a finite sum of {hi - lo + 1} terms is too long to add up")
    syms = sorted(total.function.free_symbols - {j}, key=lambda s: s.name)
    missing = [s.name for s in syms if s not in numbers]
    require(not missing, f"values missing for {missing}")
    term = sp.lambdify((j, *syms), total.function, "mpmath")
    with mpmath.workdps(30):
        args = [mpmath.mpf(sp.Float(numbers[s], 30)) if not isinstance(numbers[s], sp.Integer) else mpmath.mpf(int(numbers[s])) for s in syms]
        return sp.Float(mpmath.fsum(term(mpmath.mpf(i), *args) for i in range(lo, hi + 1)), 30)


def theory_value(expr: sp.Expr, **values: float) -> float:
    """Evaluate a theory expression at numeric values (by symbol name), with mpmath; finite sums
    (a capacity law's exact binomial moments) are added up term by term."""
    expr = sp.sympify(expr)
    subs = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    missing = sorted(s.name for s in expr.free_symbols if s.name not in values)
    require(not missing, f"values missing for {missing}")
    numbers = {k: _number(v) for k, v in subs.items()}
    # finite sums are valued first and stand in as placeholders meanwhile: substituting numbers around an
    # unevaluated Sum makes SymPy's assumption queries evaluate it by Euler-Maclaurin (minutes, or a hang)
    sums = {t: sp.Dummy("sum") for t in expr.atoms(sp.Sum)}
    values = {d: _sum_value(t, numbers) for t, d in sums.items()}
    e = expr.xreplace(sums).xreplace(numbers).xreplace(values)
    out = complex(sp.N(e, 20))
    require(abs(out.imag) <= 1e-12 * max(1.0, abs(out.real)), f"the expression evaluates to the complex number {out} at {values}")
    return out.real


def ags_critical_load() -> tuple[float, float]:
    """``(alpha_c, m_c)``: the maximum of the AGS load curve and the overlap there (~0.138, ~0.967)."""
    from theory.literature import chn1985

    a = sp.lambdify(chn1985.y, chn1985.ags_alpha_of_y(), "mpmath")
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


# ------------------------------------------------------------------ a derived law against simulation


def _law_values(law, params: dict | None) -> dict:
    """Numeric parameter values for a law: the model's defaults, the law's own, then ``params``."""
    vals = {str(k): float(v) for k, v in law.model.defaults.items()}
    vals.update({str(k): float(v) for k, v in law.params})
    vals.update({str(k): float(v) for k, v in (params or {}).items()})
    return vals


def k_max_predicted(law, N: int, params: dict | None = None) -> float:
    """The law's ``k_max`` evaluated at ``N`` (the expression theory derives: ``N P_error = 1`` solved under the
    Gaussian tail with exact ``signal`` and ``v_1``); nothing is re-typed here."""
    N = as_count("N", N, minimum=3)
    vals = _law_values(law, params)
    v = theory_value(law.pattern_variance, N=N, **vals)
    require(v > 0, f"the crosstalk variance of `{law.model.name}` is {v} at N={N}: no noise, the capacity is unbounded.")
    return theory_value(law.k_max, N=N, **vals)


#: the look-ahead of the pattern stream: at most this many entries (64 MB of float64) are drawn ahead of what is used
STREAM_ENTRIES = 1 << 23


class _Stream:
    """Stored patterns drawn sequentially from one seeded generator (any prefix is reproducible).

    Patterns are drawn ahead in blocks of 8192 rows, or fewer where ``N`` is large (the block holds at most
    :data:`STREAM_ENTRIES` entries): a fixed 8192-row block made the memory O(8192 N) whatever K was (2.6 GB at
    N = 20000 for about 1000 patterns). Up to N = 1024 the blocks, hence the patterns of every seed, are unchanged."""

    def __init__(self, N: int, seed: int, block: int = 8192) -> None:
        self.N, self.rng = N, rng_from(seed)
        self.block = max(1, min(block, STREAM_ENTRIES // N))
        self.buf = np.empty((0, N))

    def take(self, k: int) -> np.ndarray:
        while len(self.buf) < k:
            self.buf = np.concatenate([self.buf, self.rng.choice(np.array([-1.0, 1.0]), size=(max(self.block, k), self.N))])
        out, self.buf = self.buf[:k], self.buf[k:]
        return out


def _grid(k_cap: int, ratio: float = 1.02) -> np.ndarray:
    """Every K up to 64, then geometric steps of ``ratio`` up to ``k_cap``."""
    ks = list(range(1, min(64, k_cap) + 1))
    while ks[-1] < k_cap:
        ks.append(min(k_cap, max(ks[-1] + 1, int(ks[-1] * ratio))))
    return np.array(ks)


def bit_errors(law, N: int, seed: int, probes: int = 32, k_cap: int = 1 << 21, params: dict | None = None, stop: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean number of unstable bits per stored pattern at every ``K`` of a grid, in one pass over the patterns.

    The first ``probes`` stored patterns are the probes.  For each, the flip gap of every bit is
    :math:`\Delta E_i = \sum_\mu F(m_\mu) - F(m_\mu - 2c\,\xi_{\mu i}\sigma_i)`, split as
    :math:`\sum_\mu \alpha_\mu + \sigma_i \sum_\mu \beta_\mu \xi_{\mu i}` with
    :math:`\alpha, \beta = (u \pm w)/2`, :math:`u = F(m) - F(m - 2c)`, :math:`w = F(m) - F(m + 2c)`: one GEMM per
    segment of patterns, so that the gaps at every prefix ``K`` come out of one pass (no binary search, no
    Python loop over patterns or neurons).  A bit is in error when :math:`\Delta E_i < 0`.

    Returns
    -------
    ks, errors : ndarray
        The grid of ``K`` and the mean error count per probe pattern (over the probes stored at that ``K``);
        the scan stops after the first ``K`` with more than ``stop`` errors per pattern (``N P_error > stop``).
    """
    from .discrete import BinaryMemory

    N, probes = as_count("N", N, minimum=3), as_count("probes", probes)
    require_memory(3 * 8.0 * probes * N, "the probe patterns and their fields", "`N` and `probes`")
    stop = as_scalar("stop", stop, positive=True)
    vals = _law_values(law, params)
    declared = {p.name for p in law.model.parameters}
    inputs = {v.name: np.zeros(N) for syn in law.model.synapses for v in syn.inputs if v.name not in (law.fast, law.slow)}
    stream = _Stream(N, seed)
    first = stream.take(probes)
    mem = BinaryMemory(law.model, first, fast=law.fast, params={k: v for k, v in vals.items() if k in declared}, inputs=inputs)
    c = mem.c
    growth = mem._growth
    shift = np.full(probes, growth[1] * c * N) if growth and growth[0] == "exponential" else None

    def F(m):
        return mem._F(m) if shift is None else mem._F_shifted(m, shift)

    acc = np.zeros((probes, N))
    ks, errs, k0 = [], [], 0
    for k1 in _grid(k_cap):
        # rows k0..k1-1: the probes are the first stored patterns, the rest continue the same stream
        parts = [first[k0 : min(k1, probes)]] if k0 < probes else []
        if k1 > probes:
            parts.append(stream.take(int(k1) - max(k0, probes)))
        X = np.concatenate(parts) if len(parts) > 1 else parts[0]
        m = c * (first @ X.T)
        Fm, lo, hi = F(m), F(m - 2 * c), F(m + 2 * c)
        u, w = Fm - lo, Fm - hi
        acc += ((u + w) / 2).sum(1)[:, None] + first * (((u - w) / 2) @ X)
        stored = min(probes, int(k1))
        e = float((acc[:stored] < 0).sum(1).mean())
        require(np.isfinite(acc[:stored]).all(), f"flip gaps overflowed at N={N}, K={k1}: F is too large for float64 here")
        ks.append(int(k1))
        errs.append(e)
        k0 = int(k1)
        if e > stop:
            break
    return np.array(ks), np.array(errs)


def k_max_measured(law, N: int, seed: int, probes: int = 32, k_cap: int = 1 << 21, params: dict | None = None) -> tuple[int, bool]:
    """The largest grid ``K`` before the mean number of unstable bits per pattern first exceeds 1
    (``N P_error = 1``, measured), and whether the scan reached ``k_cap`` without crossing (a lower bound)."""
    ks, errs = bit_errors(law, N, seed, probes, k_cap, params)
    if errs[-1] <= 1.0:
        return int(ks[-1]), True
    return (int(ks[-2]) if len(ks) > 1 else 0), False


@dataclass(frozen=True)
class CapacityPoint:
    """Prediction and measurement at one ``N``: median over seeds with an order-statistic interval."""

    N: int
    K_pred: float
    K_sim: float
    K_sim_low: float
    K_sim_high: float
    per_seed: tuple
    censored: bool = False

    def __post_init__(self) -> None:
        require(self.K_sim_low <= self.K_sim <= self.K_sim_high, f"CapacityPoint needs K_sim_low <= K_sim <= K_sim_high; got {self.K_sim_low}, {self.K_sim}, {self.K_sim_high}.")

    @property
    def ratio(self) -> float:
        return self.K_sim / self.K_pred

    def to_dict(self) -> dict:
        return {"N": self.N, "K_pred": self.K_pred, "K_sim": self.K_sim, "K_sim_low": self.K_sim_low, "K_sim_high": self.K_sim_high,
                "per_seed": list(self.per_seed), "censored": self.censored}


def median_interval(values, coverage: float = 0.9) -> tuple[float, float, float]:
    """Median and the distribution-free interval of order statistics ``(x_(k), x_(n+1-k))`` covering the
    median with probability at least ``coverage`` (all the values when ``n`` is too small)."""
    from scipy.stats import binom

    x = np.sort(as_array("values", values, ndim=1).astype(float))
    n = len(x)
    k = 1
    while k + 1 <= n // 2 and 1 - 2 * binom.cdf(k, n, 0.5) >= coverage:  # P(x_(k+1) <= med <= x_(n-k))
        k += 1
    return float(np.median(x)), float(x[k - 1]), float(x[n - k])


@dataclass(frozen=True)
class CapacityCheck:
    """A derived :class:`theory.capacity.CapacityLaw` side by side with simulation (:func:`check`)."""

    law: object
    points: tuple
    probes: int
    seeds: tuple

    def within(self, factor: float = 2.0) -> bool:
        """Every measured median within ``factor`` of the prediction."""
        return all(1 / factor <= p.ratio <= factor and not p.censored for p in self.points)

    def to_dict(self) -> dict:
        return {**self.law.to_dict(), "points": [p.to_dict() for p in self.points], "probes": self.probes, "seeds": list(self.seeds),
                "criterion": "mean number of unstable bits per stored pattern <= 1 (N P_error = 1)"}

    def figure(self):
        """Theory line (``k_max`` of the law, exact moments) and measured medians with their intervals."""
        import matplotlib.pyplot as plt

        Ns = [p.N for p in self.points]
        fig, ax = plt.subplots(figsize=(5, 3.6))
        grid = np.unique(np.geomspace(min(Ns), max(Ns), 25).round().astype(int))
        ax.plot(grid, [k_max_predicted(self.law, int(n), dict(self.law.params)) for n in grid], "-", label="derived law: N P_error = 1")
        y = np.array([p.K_sim for p in self.points])
        err = np.array([[p.K_sim - p.K_sim_low for p in self.points], [p.K_sim_high - p.K_sim for p in self.points]])
        ax.errorbar(Ns, y, yerr=err, fmt="o", capsize=3, label=f"simulation: median of {len(self.seeds)} seeds")
        from .plots import _tidy_log

        ax.set_yscale("log")
        _tidy_log(ax, "y")
        if self.law.scaling.kind != "exponential":  # power law: log-log; exponential: semi-log
            ax.set_xscale("log")
            _tidy_log(ax, "x")
        ax.set_xticks(Ns, [str(n) for n in Ns])
        ax.set_xlabel("number of neurons N")
        ax.set_ylabel("K_max (<= 1 unstable bit per pattern)")
        params = ", ".join(f"{k} = {float(v):g}" if isinstance(v, (int, float)) else f"{k} = {v}" for k, v in dict(self.law.params).items())
        ax.set_title(f"{self.law.model.name}{f' ({params})' if params else ''}: F(x) = ${sp.latex(self.law.F)}$; "
                     f"law ~ {self.law.scaling.kind} {self.law.scaling.exponent}", fontsize=9)
        ax.legend(fontsize=8)
        return fig


def check(law, N: Sequence[int], seeds: int | Sequence[int] = 5, probes: int = 32, params: dict | None = None,
          k_cap: int = 1 << 21, out: str | None = None, progress: bool = True) -> CapacityCheck:
    """Measure ``K_max`` at each ``N`` over seeds and put it beside the law's prediction.

    Parameters
    ----------
    law : theory.capacity.CapacityLaw
        From :func:`theory.capacity_law`.
    N : sequence of int
        Sizes (>= 3).
    seeds : int or sequence of int
        A count (seeds ``0..seeds-1``) or explicit seeds.
    probes : int
        Stored patterns whose bits are tested (the mean over them estimates ``N P_error``).
    out : path, optional
        A sweep store: each (N, seed) is saved when done and a rerun resumes.

    Returns
    -------
    CapacityCheck
    """
    from .sweeps import run_sweep

    Ns = [as_count(f"N[{i}]", n, minimum=3) for i, n in enumerate(N)]
    require(len(Ns) >= 1, "Argument `N` must not be empty.")
    seed_list = list(range(as_count("seeds", seeds))) if isinstance(seeds, (int, np.integer)) else [as_count(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(seeds)]
    require(len(seed_list) >= 1, "Argument `seeds` must not be empty.")
    require(len(set(seed_list)) == len(seed_list), f"Argument `seeds` must not repeat (a repeated seed is the same sample twice, "
            f"and the interval would count it as two); got {seed_list}.")
    vals = _law_values(law, params)

    def measure(N: int, seed: int, **_):
        k, censored = k_max_measured(law, N, seed, probes, k_cap, vals)
        return {"K": k, "censored": censored}

    # everything that determines a measurement is in its key: the model's whole energy (its synapse scales included),
    # the law's F, overlap scale, layers and pattern law -- a store is never reused for a model that differs in any
    fingerprint = hashlib.sha256("|".join(sp.srepr(x) for x in (law.model.energy, law.F, law.c)).encode()
                                 + f"|{law.fast}|{law.slow}|{law.patterns}".encode()).hexdigest()[:16]
    points = [{"N": n, "seed": s, "model": law.model.name, "law": fingerprint, "F": str(law.F), "probes": probes, "k_cap": k_cap, "params": vals}
              for n in Ns for s in seed_list]
    if out is not None:
        results = [r["result"] for r in run_sweep(measure, points, out, progress=progress)]
    else:
        from tqdm.auto import tqdm

        results = [measure(**pt) for pt in tqdm(points, disable=not progress, desc="capacity")]
    out_points = []
    for n in Ns:
        rs = [r for pt, r in zip(points, results) if pt["N"] == n]
        ks = [r["K"] for r in rs]
        med, lo, hi = median_interval(ks)
        out_points.append(CapacityPoint(n, k_max_predicted(law, n, vals), med, lo, hi, tuple(ks), any(r["censored"] for r in rs)))
    return CapacityCheck(law, tuple(out_points), probes, tuple(seed_list))
