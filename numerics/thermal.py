r"""Dynamics at temperature of a memory with one condensed pattern, exactly at finite N.

Glauber (heat-bath) dynamics of :math:`N` Ising spins whose energy depends on the overlap alone,
:math:`E = -N F(m)` with :math:`m = \xi\cdot s / N`, is *lumpable*: by the permutation symmetry of the energy the
number :math:`k` of spins aligned with the pattern is a Markov chain by itself (a birth-death chain on
:math:`0..N`), so its laws at finite :math:`N` are computed exactly, with no sampling error, in :math:`O(N)` memory:

- the stationary law :math:`\pi_k \propto \binom{N}{k} e^{-E_k/T}` (detailed balance), hence :math:`\langle|m|\rangle`;
- mean first-passage times (escape from a memory) by one linear solve;
- sampled trajectories of many replicas at once (the uniformised jump chain: one randomly chosen spin per step),
  and adiabatic temperature sweeps (hysteresis).

The energies :math:`E_k` come from ``F`` compiled by :func:`numerics.compile` (F is the theory's, derived or given);
nothing here uses the mean-field theory, which is what the chain checks at finite :math:`N`.

Notes
-----
Each spin is tried once per unit time on average. A spin whose flip changes the energy by :math:`\Delta E` flips with
the heat-bath probability :math:`1/(1 + e^{\Delta E/T})`. From :math:`k`, a misaligned spin (one of :math:`N - k`)
flips up and an aligned one (one of :math:`k`) flips down, so the rates are
:math:`u_k = (N-k)\,/(1+e^{(E_{k+1}-E_k)/T})` and :math:`d_k = k\,/(1+e^{(E_{k-1}-E_k)/T})`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp

from ._checks import require

__all__ = ["OverlapChain", "SublatticeChain", "sublattice_sizes"]


def _positive_int(name: str, v, minimum: int = 1) -> int:
    require(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum,
            f"Argument `{name}` must be an integer >= {minimum}; got {v!r}.")
    return int(v)


def _check_F_T(F, T, params: dict) -> None:
    """The temperature, the memory function and its parameters of a chain (one message for both chains)."""
    from theory.mean_field import m

    require(isinstance(T, (int, float, np.floating)) and not isinstance(T, bool) and np.isfinite(T) and T > 0,
            f"Argument `T` (the temperature) must be a finite number > 0; got {T!r}.")
    require(isinstance(F, sp.Expr) and F.has(m), f"Argument `F` must be a SymPy expression in theory.mean_field.m; got {F!r}.")
    free = {s.name for s in F.free_symbols} - {"m"}
    require(free <= set(params), f"Argument `params` must give {sorted(free)}; got {sorted(params)}.")


@dataclass(frozen=True)
class OverlapChain:
    """Glauber dynamics of ``E = -N F(m)`` on ``N`` spins at temperature ``T``, lumped onto the overlap (exact).

    Parameters
    ----------
    F : sympy.Expr
        ``F(m)`` in :data:`theory.mean_field.m` (and parameters given in ``params``).
    N : int
    T : float
        Temperature, > 0.
    params : dict
        Values of ``F``'s other parameters.

    Examples
    --------
    >>> from theory.mean_field import m
    >>> ch = OverlapChain(m**2 / 2, N=1000, T=0.5)
    >>> round(ch.mean_abs_overlap, 3)  # the mean-field m = tanh(m/T) gives 0.957
    0.957
    """

    F: sp.Expr
    N: int
    T: float
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:

        object.__setattr__(self, "N", _positive_int("N", self.N, 2))
        _check_F_T(self.F, self.T, self.params)

    @cached_property
    def m(self) -> np.ndarray:
        """The overlap of each state ``k = 0..N`` (``k`` spins aligned): ``(2k - N) / N``."""
        return (2 * np.arange(self.N + 1) - self.N) / self.N

    @cached_property
    def energy(self) -> np.ndarray:
        """``E_k = -N F(m_k)``, from ``F`` compiled by :func:`numerics.compile` (vectorised over ``k``)."""
        from theory.mean_field import m
        from theory.vector import Vector, size_symbol

        from .codegen import compile as compile_kernel

        k = compile_kernel(self.F.xreplace({m: Vector("m", size_symbol("S"))}))
        # F of |m| is the theory's; the chain needs F at negative overlaps too: F even in the sign of the pattern
        values = np.asarray(k(m=np.abs(self.m), **{n: float(v) for n, v in self.params.items() if n in k.arg_names}), dtype=float)
        require(np.isfinite(values).all(), f"F is not finite on [-1, 1] at params {self.params}.")
        return -self.N * values

    @cached_property
    def rates(self) -> tuple[np.ndarray, np.ndarray]:
        """``(up, down)``: the rates ``k -> k + 1`` and ``k -> k - 1`` (heat bath, each spin tried once per unit time)."""
        E, N, T = self.energy, self.N, self.T
        k = np.arange(N + 1)
        up = np.zeros(N + 1)
        down = np.zeros(N + 1)
        up[:-1] = (N - k[:-1]) / (1 + np.exp(np.clip((E[1:] - E[:-1]) / T, -700, 700)))
        down[1:] = k[1:] / (1 + np.exp(np.clip((E[:-1] - E[1:]) / T, -700, 700)))
        return up, down

    @cached_property
    def stationary(self) -> np.ndarray:
        """The stationary law of ``k``: ``binom(N, k) exp(-E_k / T)``, normalised (in log space: no overflow)."""
        from scipy.special import gammaln

        k = np.arange(self.N + 1)
        logp = gammaln(self.N + 1) - gammaln(k + 1) - gammaln(self.N - k + 1) - self.energy / self.T
        p = np.exp(logp - logp.max())
        return p / p.sum()

    @property
    def mean_abs_overlap(self) -> float:
        """``<|m|>`` in the stationary law."""
        return float(self.stationary @ np.abs(self.m))

    def first_passage(self, start: int, target: np.ndarray) -> float:
        """Mean time to reach any state where ``target`` (a boolean array over ``k = 0..N``) is true, from ``start``
        (exact: one linear solve of the backward equation on the other states)."""
        start = _positive_int("start", start, 0)
        require(start <= self.N, f"Argument `start` must be a state 0..{self.N}; got {start}.")
        target = np.asarray(target, dtype=bool)
        require(target.shape == (self.N + 1,) and target.any(), f"Argument `target` must be a boolean array of {self.N + 1} states, not all false.")
        if target[start]:
            return 0.0
        up, down = self.rates
        free = np.flatnonzero(~target)
        idx = -np.ones(self.N + 1, dtype=int)
        idx[free] = np.arange(len(free))
        A = np.zeros((len(free), len(free)))
        for col, rate, shift in ((np.arange(len(free)), up[free], 1), (np.arange(len(free)), down[free], -1)):
            nb = free + shift
            ok = (nb >= 0) & (nb <= self.N)
            inside = ok & (idx[np.clip(nb, 0, self.N)] >= 0)
            A[col[inside], idx[nb[inside]]] += rate[inside]
        A[np.arange(len(free)), np.arange(len(free))] -= up[free] + down[free]
        t = np.linalg.solve(A, -np.ones(len(free)))
        return float(t[idx[start]])

    def sample(self, k0, time: float, rng: np.random.Generator, record: int = 0) -> np.ndarray:
        """Replicas run for ``time`` units (``round(time N)`` single-spin trials each), vectorised over the replicas
        (``k0``: their starting states); returns the final states, or with ``record > 0`` the states at ``record``
        evenly spaced times (``record x replicas``)."""
        k = np.array(k0, dtype=np.int64, ndmin=1).copy()
        require(((k >= 0) & (k <= self.N)).all(), f"Argument `k0` must hold states 0..{self.N}.")
        steps = int(round(time * self.N))
        up, down = self.rates
        N = self.N
        p_up = np.zeros(N + 1)
        p_down = np.zeros(N + 1)
        p_up[: N] = up[:N] / np.maximum(N - np.arange(N), 1)  # the heat-bath probability of the chosen misaligned spin
        p_down[1:] = down[1:] / np.arange(1, N + 1)
        out = []
        marks = set(np.linspace(0, steps, record, dtype=int).tolist()) if record else set()
        for s in range(steps):  # a loop over time; every replica moves at once
            if s in marks:
                out.append(m_of(k, N))
            u = rng.random(k.shape)
            pick_misaligned = rng.random(k.shape) * N >= k
            k += np.where(pick_misaligned, u < p_up[k], 0) - np.where(~pick_misaligned, u < p_down[k], 0)
        if record:
            out.append(m_of(k, N))
            return np.array(out)
        return k


@dataclass(frozen=True)
class SublatticeChain:
    r"""Glauber dynamics of ``E = -N sum_mu F(m_mu)`` with a few patterns, lumped onto sublattice counts (exact).

    The ``N`` sites split into the :math:`2^P` sublattices of equal pattern values
    :math:`\eta_a = (\xi^1_i, \dots, \xi^P_i)`; the energy depends on the spins only through the numbers :math:`k_a` of
    up spins in each (:math:`m_\mu = N^{-1}\sum_a \eta_{a\mu}(2k_a - n_a)`), so the counts are a Markov chain by
    themselves. One step tries one spin chosen uniformly (sublattice ``a`` with probability :math:`n_a/N`, up with
    probability :math:`k_a/n_a`) and flips it with the heat-bath probability :math:`1/(1 + e^{\Delta E/T})`; ``N``
    steps are one unit of time. Vectorised over replicas; the only loop is over steps.

    Parameters
    ----------
    F : sympy.Expr
        ``F(m)`` in :data:`theory.mean_field.m`, even in ``m`` (applied to each overlap).
    sizes : array of int, shape (2**P,)
        ``n_a``, the sites per sublattice, ordered as :attr:`signs` (from i.i.d. patterns: :func:`sublattice_sizes`).
    T : float
    params : dict
    """

    F: sp.Expr
    sizes: np.ndarray
    T: float
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:

        n = np.asarray(self.sizes)
        require(n.ndim == 1 and n.size >= 2 and (n.size & (n.size - 1)) == 0 and np.issubdtype(n.dtype, np.integer) and bool((n >= 0).all())
                and n.sum() >= 2, f"Argument `sizes` must hold 2**P nonnegative integers (P >= 1) summing to N >= 2; got {self.sizes!r}.")
        object.__setattr__(self, "sizes", n.astype(np.int64))
        _check_F_T(self.F, self.T, self.params)

    @property
    def N(self) -> int:
        return int(self.sizes.sum())

    @cached_property
    def signs(self) -> np.ndarray:
        """``eta``, (2**P, P): the pattern values of each sublattice (row ``a``: bit ``mu`` of ``a`` set means -1)."""
        P = int(np.log2(self.sizes.size))
        a = np.arange(self.sizes.size)[:, None]
        return np.where((a >> np.arange(P)[None, :]) & 1, -1.0, 1.0)

    @cached_property
    def _F(self):
        from theory.mean_field import m
        from theory.vector import Vector, size_symbol

        from .codegen import compile as compile_kernel

        k = compile_kernel(self.F.xreplace({m: Vector("m", size_symbol("S"))}))
        extra = {n: float(v) for n, v in self.params.items() if n in k.arg_names}
        return lambda x: np.asarray(k(m=np.abs(x), **extra), dtype=float)

    def overlaps(self, k: np.ndarray) -> np.ndarray:
        """``m`` (replicas, P) of counts ``k`` (replicas, 2**P)."""
        return (2 * np.asarray(k) - self.sizes) @ self.signs / self.N

    def energy(self, k: np.ndarray) -> np.ndarray:
        """``E = -N sum_mu F(m_mu)`` of counts ``k`` (replicas,)."""
        return -self.N * self._F(self.overlaps(k)).sum(axis=-1)

    def counts(self, up: np.ndarray) -> np.ndarray:
        """The counts of a state given per sublattice as the fraction of its spins up, (replicas, 2**P) in [0, 1], rounded."""
        return np.rint(np.asarray(up) * self.sizes).astype(np.int64)

    def sample(self, k0, time: float, rng: np.random.Generator) -> np.ndarray:
        """Replicas run for ``time`` units (``round(time N)`` single-spin trials each) from counts ``k0`` (replicas,
        2**P); returns the final counts."""
        k = np.array(k0, dtype=np.int64, ndmin=2).copy()
        require(k.shape[1] == self.sizes.size and bool(((k >= 0) & (k <= self.sizes)).all()),
                f"Argument `k0` must hold counts 0..n_a for each of the {self.sizes.size} sublattices.")
        N, R = self.N, k.shape[0]
        cum = np.cumsum(self.sizes)
        rows = np.arange(R)
        m = self.overlaps(k)
        E = -N * self._F(m).sum(axis=1)
        for _ in range(int(round(time * N))):  # a loop over time; every replica moves at once
            a = np.searchsorted(cum, rng.integers(0, N, R), side="right")  # the chosen spin's sublattice
            up = rng.random(R) * self.sizes[a] < k[rows, a]  # the chosen spin is up
            m_new = m + (2 * np.where(up, -1.0, 1.0) / N)[:, None] * self.signs[a]
            E_new = -N * self._F(m_new).sum(axis=1)
            accept = rng.random(R) * (1 + np.exp(np.clip((E_new - E) / self.T, -700, 700))) < 1
            k[rows[accept], a[accept]] += np.where(up[accept], -1, 1)
            m = np.where(accept[:, None], m_new, m)
            E = np.where(accept, E_new, E)
        return k


def sublattice_sizes(P: int, N: int, seed: int = 0) -> np.ndarray:
    """``n_a`` for ``N`` sites with i.i.d. +-1 patterns (one multinomial draw, seeded), ordered as
    :attr:`SublatticeChain.signs`."""
    P = _positive_int("P", P, 1)
    N = _positive_int("N", N, 2)
    require(P <= 24, f"Argument `P` must be at most 24 here: the sites fall into 2^P sublattices, one count each; got {P}.")
    return np.random.default_rng(seed).multinomial(N, np.full(2**P, 2.0**-P)).astype(np.int64)


def m_of(k: np.ndarray, N: int) -> np.ndarray:
    """The overlap of state ``k``."""
    return (2 * np.asarray(k) - N) / N
