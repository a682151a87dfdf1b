r"""Phase oscillators at temperature: Euler–Maruyama Langevin dynamics on a compiled kernel, batched over replicas.

A model with one periodic layer (:func:`theory.lagrangians.phase`, e.g. the built-in ``kuramoto``) has the gradient
dynamics :math:`\dot\theta = -\partial E/\partial\theta`; at noise intensity :math:`D` (the temperature) and with natural
frequencies :math:`\omega_i`

.. math::

   \theta(t + \delta t) = \theta(t) + \delta t\,\big(\omega + v(\theta)\big) + \sqrt{2 D\,\delta t}\;\eta,
   \qquad \eta \sim \mathcal N(0, I),

with :math:`v` the model's velocity kernel (:func:`numerics.compile`, bound once to the patterns and couplings), so
one step costs what the kernel costs: :math:`O(N P)` per replica for an energy written in the overlaps. Everything
is vectorised over replicas (the leading axis of ``theta``); the only Python loop is over time steps.

What is measured, :math:`|m_\mu| = |N^{-1}\sum_j e^{i(\theta_j - \xi_j^\mu)}|`, is computed from the patterns directly,
not from the kernel. Nothing here uses the mean-field theory (:class:`theory.MeanField`), which the simulations
check.

References
----------
.. [1] Nägerl & Berloff, arXiv 2507.21984 (2025): higher-order Kuramoto memories at noise.
.. [2] P. E. Kloeden & E. Platen, *Numerical Solution of Stochastic Differential Equations* (1992), Sec. 10.2
   (Euler–Maruyama, strong order 1/2, weak order 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ._checks import as_array, as_scalar, require, require_memory, step_ratio

__all__ = ["Oscillators", "OscillatorRun", "phase_patterns", "phase_weights", "lorentzian_frequencies", "overlaps", "von_mises_cue", "escape_rate",
           "finite_load", "retrieval_error"]


#: the most Euler-Maruyama steps one run takes (a tiny ``dt`` is refused, not run for ever)
MAX_STEPS = 10**8


def phase_patterns(P: int, N: int, kind: str = "binary", seed: int = 0) -> np.ndarray:
    """``P`` patterns of ``N`` phases, shape ``(P, N)``: ``"binary"`` (0 or pi, fair coins) or ``"uniform"`` on [0, 2 pi)."""
    P = as_scalar("P", P, integer=True, positive=True)
    N = as_scalar("N", N, integer=True, positive=True)
    require_memory(2 * 8.0 * P * N, "the patterns", "`P` and `N`")
    require(kind in ("binary", "uniform"), f"Argument `kind` must be 'binary' or 'uniform'; got {kind!r}.")
    rng = np.random.default_rng(int(as_scalar("seed", seed, integer=True, nonnegative=True)))
    if kind == "binary":
        return np.pi * rng.integers(0, 2, size=(int(P), int(N))).astype(float)
    return rng.uniform(0.0, 2 * np.pi, size=(int(P), int(N)))


def phase_weights(xi: np.ndarray) -> dict[str, np.ndarray]:
    """The built-in ``kuramoto`` model's weights of patterns ``xi``: ``a = cos(xi)``, ``b = sin(xi)`` (exact 0 and +-1 for
    binary patterns, so their ``b`` is exactly zero)."""
    xi = as_array("xi", xi, ndim=2)
    binary = np.isin(xi, (0.0, np.pi)).all()
    if binary:
        return {"a": np.where(xi == 0.0, 1.0, -1.0), "b": np.zeros_like(xi)}
    return {"a": np.cos(xi), "b": np.sin(xi)}


def lorentzian_frequencies(N: int, Delta: float) -> np.ndarray:
    r"""``N`` natural frequencies at the quantiles of a Lorentzian of half-width ``Delta`` centred at 0:
    :math:`\omega_i = \Delta\tan(\pi(i + 1/2)/N - \pi/2)` (deterministic, so the frequency sample adds no noise)."""
    N = as_scalar("N", N, integer=True, positive=True)
    Delta = as_scalar("Delta", Delta, nonnegative=True)
    require_memory(2 * 8.0 * N, "the frequencies", "`N`")
    i = np.arange(int(N))
    return Delta * np.tan(np.pi * (i + 0.5) / N - np.pi / 2)


def overlaps(theta: np.ndarray, xi: np.ndarray) -> np.ndarray:
    r"""The complex overlaps :math:`m_\mu = N^{-1}\sum_j e^{i(\theta_j - \xi_j^\mu)}`, shape ``theta.shape[:-1] + (P,)``
    (two real matrix products per replica batch)."""
    c, s = np.cos(theta), np.sin(theta)
    ca, sa = np.cos(xi), np.sin(xi)
    N = theta.shape[-1]
    return ((c @ ca.T + s @ sa.T) + 1j * (s @ ca.T - c @ sa.T)) / N


def _a1(k):
    from scipy.special import i0e, i1e

    return i1e(k) / i0e(k)


def von_mises_cue(xi: np.ndarray, r0: float, replicas: int, seed: int = 0, pattern: int = 0) -> np.ndarray:
    r"""Initial phases with overlap about ``r0`` with pattern ``pattern``: :math:`\theta_j = \xi_j + \phi_j`, :math:`\phi_j`
    von Mises with the concentration :math:`\kappa` that solves :math:`I_1(\kappa)/I_0(\kappa) = r_0` (uniform for
    ``r0 = 0``), and a uniform global phase per replica. Shape ``(replicas, N)``."""
    xi = as_array("xi", xi, ndim=2)
    r0 = as_scalar("r0", r0, low=0.0)
    require(r0 < 1, f"Argument `r0` must be in [0, 1); got {r0!r}.")
    replicas = as_scalar("replicas", replicas, integer=True, positive=True)
    require(0 <= pattern < xi.shape[0], f"Argument `pattern` must index one of the {xi.shape[0]} patterns; got {pattern!r}.")
    rng = np.random.default_rng(int(as_scalar("seed", seed, integer=True, nonnegative=True)))
    N = xi.shape[1]
    if r0 == 0:
        return rng.uniform(0, 2 * np.pi, size=(int(replicas), N))
    lo, hi = 0.0, 1.0
    while _a1(hi) < r0:
        hi *= 2
    for _ in range(200):  # bisection: A1 is increasing
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _a1(mid) < r0 else (lo, mid)
    phi = rng.vonmises(0.0, (lo + hi) / 2, size=(int(replicas), N))
    return xi[pattern] + phi + rng.uniform(0, 2 * np.pi, size=(int(replicas), 1))


@dataclass(frozen=True)
class OscillatorRun:
    """What one run recorded: ``times`` (n,), ``r`` the overlap moduli (n, replicas, P), and the final ``theta``."""

    times: np.ndarray
    r: np.ndarray
    theta: np.ndarray

    def __post_init__(self) -> None:
        require(self.r.ndim == 3 and self.r.shape[0] == self.times.shape[0], "OscillatorRun: `r` must be (times, replicas, P).")


@dataclass(frozen=True)
class Oscillators:
    """Langevin dynamics of a phase-oscillator model with patterns ``xi``, couplings ``params`` and noise ``D``.

    Parameters
    ----------
    model : EnergyModel or str
        A model with one periodic layer (a built-in name, e.g. ``"kuramoto"``).
    xi : ndarray, shape (P, N)
        The patterns (phases); the model's weights are ``phase_weights(xi)`` unless ``weights`` is given.
    params : dict
        The model's parameters (``K``, ``C``; its defaults otherwise).
    D : float
        Noise intensity (the temperature), >= 0.
    omega : ndarray, optional
        Natural frequencies, shape (N,).
    weights : dict, optional
        The model's weight arrays, for a model whose weights are not the built-in's ``a``, ``b``.
    backend : str

    Examples
    --------
    >>> osc = Oscillators("kuramoto", phase_patterns(1, 500, seed=1), {"K": 1.0, "C": 0.0}, D=0.25)
    >>> run = osc.run(von_mises_cue(osc.xi, 0.9, 4, seed=2), duration=20.0, dt=0.05, seed=3)
    >>> bool(abs(run.r[-1, :, 0].mean() - 0.83) < 0.05)  # the branch r = I1/I0(4 r) at K/D = 4: 0.831
    True
    """

    model: Any
    xi: np.ndarray
    params: dict = field(default_factory=dict)
    D: float = 0.0
    omega: np.ndarray | None = None
    weights: dict | None = None
    backend: str = "numpy"

    def __post_init__(self) -> None:
        import theory

        model = theory.load(self.model) if isinstance(self.model, str) else self.model
        require(isinstance(model, theory.EnergyModel), f"Argument `model` must be an EnergyModel or a built-in name; got {type(model).__name__}.")
        periodic = [lay for lay in model.layers if lay.periodic]
        require(len(periodic) == 1 and len(model.layers) == 1,
                f"Argument `model` must have exactly one layer, of phases (lagrangian = \"phase\"); `{model.name}` has {list(model.layer_names)}"
                + ("" if periodic else ", none periodic") + ".")
        object.__setattr__(self, "model", model)
        xi = as_array("xi", self.xi, ndim=2, dtype=float)
        object.__setattr__(self, "xi", xi)
        object.__setattr__(self, "D", as_scalar("D", self.D, nonnegative=True))
        if self.omega is not None:
            om = as_array("omega", self.omega, ndim=1, dtype=float)
            require(om.shape == (xi.shape[1],), f"Argument `omega` must have shape ({xi.shape[1]},) like the patterns' N; got {om.shape}.")
            object.__setattr__(self, "omega", om)
        require(isinstance(self.params, dict), f"Argument `params` must be a dict of parameter values; got {type(self.params).__name__}.")
        own = {p.name for p in model.parameters}
        unknown = sorted(set(self.params) - own)
        require(not unknown, f"Argument `params`: unknown parameter(s) {unknown}; the model's parameters are {sorted(own)}.")

    @cached_property
    def kernel(self):
        """The compiled model."""
        from .codegen.kernel import compile

        return compile(self.model, backend=self.backend)

    @cached_property
    def _velocity(self):
        weights = phase_weights(self.xi) if self.weights is None else self.weights
        names = {W.name for W in self.model.weights}
        require(set(weights) == names, f"Argument `weights` must give the model's weights {sorted(names)}; got {sorted(weights)}.")
        tau = {str(lay.tau): 1.0 for lay in self.model.layers if lay.tau.is_Symbol}
        return self.kernel.fast("velocity", **weights, **tau, **{k: float(v) for k, v in self.params.items()})

    def velocity(self, theta: np.ndarray) -> np.ndarray:
        """:math:`-\\partial E/\\partial\\theta` at ``theta`` (replicas x N), from the kernel."""
        return self._velocity(theta)[0]

    def overlaps(self, theta: np.ndarray) -> np.ndarray:
        """Complex overlaps with every pattern, (replicas, P)."""
        return overlaps(theta, self.xi)

    def _check_theta(self, theta) -> np.ndarray:
        theta = as_array("theta", theta, ndim=2, dtype=float)
        require(theta.shape[1] == self.xi.shape[1], f"Argument `theta` must have N = {self.xi.shape[1]} columns like the patterns; got {theta.shape}.")
        return theta

    def _steps(self, duration: float, dt: float) -> int:
        duration = as_scalar("duration", duration, positive=True)
        dt = as_scalar("dt", dt, positive=True)
        n = int(round(step_ratio(duration, dt, MAX_STEPS, "`duration`/`dt`",
                                 "raise `dt` or shorten `duration` (numerics.oscillators.MAX_STEPS).")))
        require(n >= 1, f"Argument `duration` ({duration}) must be at least one step `dt` ({dt}).")
        return n

    def step(self, theta: np.ndarray, dt: float, rng: np.random.Generator) -> np.ndarray:
        """One Euler–Maruyama step (a new array)."""
        drift = self.velocity(theta)
        if self.omega is not None:
            drift = drift + self.omega
        new = theta + dt * drift
        if self.D > 0:
            new += np.sqrt(2 * self.D * dt) * rng.standard_normal(theta.shape)
        return new

    def run(self, theta0: np.ndarray, duration: float, dt: float = 0.05, seed: int = 0, record_every: float | None = None,
            progress: bool = False) -> OscillatorRun:
        """Integrate from ``theta0`` (replicas x N) for ``duration``, recording ``|m|`` every ``record_every``
        (default: about 100 records)."""
        from tqdm.auto import tqdm

        theta = self._check_theta(theta0).copy()
        n = self._steps(duration, dt)
        every = max(1, n // 100) if record_every is None else max(1, int(round(as_scalar("record_every", record_every, positive=True) / dt)))
        rng = np.random.default_rng(int(as_scalar("seed", seed, integer=True, nonnegative=True)))
        times, rs = [0.0], [np.abs(self.overlaps(theta))]
        for i in tqdm(range(1, n + 1), disable=not progress, desc="langevin"):
            theta = self.step(theta, dt, rng)
            if i % every == 0 or i == n:
                times.append(i * dt)
                rs.append(np.abs(self.overlaps(theta)))
        return OscillatorRun(np.array(times), np.array(rs), np.mod(theta, 2 * np.pi))

    def sweep(self, parameter: str, values, theta0: np.ndarray, duration: float, dt: float = 0.05, seed: int = 0,
              pattern: int = 0, progress: bool = False) -> np.ndarray:
        """Adiabatic sweep of ``parameter`` (a coupling, or ``"D"``) through ``values`` in the given order, each held for
        ``duration`` starting from the previous end state; returns the time-averaged ``|m|`` of ``pattern`` over the
        second half of each hold, shape (len(values), replicas). Sweep up then down to see hysteresis."""
        from dataclasses import replace

        values = as_array("values", values, ndim=1, dtype=float)
        own = {p.name for p in self.model.parameters}
        require(parameter in own or parameter == "D", f"Argument `parameter` must be one of {sorted(own | {'D'})}; got {parameter!r}.")
        theta = self._check_theta(theta0)
        out = []
        for i, v in enumerate(values):
            osc = replace(self, D=v) if parameter == "D" else replace(self, params={**self.params, parameter: float(v)})
            object.__setattr__(osc, "kernel", self.kernel)  # one compiled model for the whole sweep
            run = osc.run(theta, duration, dt, seed=seed + i, record_every=dt, progress=progress)
            half = run.r[run.r.shape[0] // 2:, :, pattern]
            out.append(half.mean(axis=0))
            theta = run.theta
        return np.array(out)

    def escape_times(self, theta0: np.ndarray, threshold: float, t_max: float, dt: float = 0.05, seed: int = 0,
                     pattern: int = 0, check_every: float | None = None) -> np.ndarray:
        """First time each replica's ``|m|`` with ``pattern`` falls below ``threshold``; ``inf`` where it has not by
        ``t_max`` (censored: report those, never drop them; :func:`escape_rate` uses them). ``|m|`` is checked every
        ``check_every`` time units (default: every step), so a time is resolved to that; replicas that have escaped
        stop being integrated."""
        threshold = as_scalar("threshold", threshold, low=0.0)
        theta = self._check_theta(theta0).copy()
        n = self._steps(t_max, dt)
        every = 1 if check_every is None else max(1, int(round(as_scalar("check_every", check_every, positive=True) / dt)))
        rng = np.random.default_rng(int(as_scalar("seed", seed, integer=True, nonnegative=True)))
        out = np.full(theta.shape[0], np.inf)
        alive = np.arange(theta.shape[0])
        for i in range(1, n + 1):
            theta = self.step(theta, dt, rng)
            if i % every and i != n:
                continue
            hit = np.abs(self.overlaps(theta))[:, pattern] < threshold
            if hit.any():
                out[alive[hit]] = i * dt
                alive, theta = alive[~hit], theta[~hit]
                if alive.size == 0:
                    break
        return out


def escape_rate(times: np.ndarray, t_max: float) -> dict:
    r"""The mean escape time from first-passage ``times`` censored at ``t_max`` (``inf``): for an exponential law (Kramers
    escape after its short transient) the maximum-likelihood estimate is :math:`\hat\tau = (\sum_{\text{escaped}} t_i +
    n_{\text{censored}}\,t_{\max}) / n_{\text{escaped}}`, with relative standard error :math:`1/\sqrt{n_{\text{escaped}}}`.
    ``{"tau", "rel_error", "escaped", "censored"}``; ``tau`` is ``inf`` when no replica escaped."""
    times = np.asarray(times, dtype=float)
    t_max = as_scalar("t_max", t_max, positive=True)
    require(times.ndim == 1 and times.size > 0, f"Argument `times` must be a non-empty 1-d array; got shape {times.shape}.")
    done = np.isfinite(times)
    require(bool(np.all(times[done] <= t_max + 1e-9)), "Argument `times`: an escape later than `t_max` cannot be censored at it.")
    k = int(done.sum())
    if k == 0:
        return {"tau": float("inf"), "rel_error": float("inf"), "escaped": 0, "censored": int(times.size)}
    tau = (times[done].sum() + (times.size - k) * t_max) / k
    return {"tau": float(tau), "rel_error": float(1 / np.sqrt(k)), "escaped": k, "censored": int(times.size - k)}


def finite_load(model: Any, N: int, P: int, params: dict | None = None, replicas: int = 16, duration: float = 20.0,
                dt: float = 0.2, seed: int = 0, kind: str = "uniform", backend: str = "numpy") -> np.ndarray:
    r"""Retrieval at finite load: ``P`` patterns of ``N`` phases (``phase_patterns(P, N, kind, seed)``), zero noise;
    replica ``j`` starts exactly at pattern ``j`` and relaxes for ``duration``. Returns the final :math:`|m|` of each
    replica with its own pattern, shape (replicas,). Patterns nest: the first rows are the same for every ``P`` at one
    ``seed`` (a larger load adds patterns to the same set)."""
    return _own_overlaps(model, N, P, params, replicas, duration, 1, dt, seed, kind, backend)[-1]


def _own_overlaps(model, N: int, P: int, params, replicas: int, duration: float, times: int, dt: float, seed: int, kind: str,
                  backend: str = "numpy") -> list:
    """:func:`finite_load`'s ``|m|`` of each replica with its own pattern at ``duration``, ``2 duration``, ...,
    ``times x duration``, from one run (zero noise: the state at ``duration`` is the one a run of that length ends in)."""
    N = int(as_scalar("N", N, integer=True, low=2))
    P = int(as_scalar("P", P, integer=True, low=1))
    replicas = int(as_scalar("replicas", replicas, integer=True, low=1))
    require(replicas <= P, f"Argument `replicas` ({replicas}) must not exceed `P` ({P}): each replica starts at its own pattern.")
    require_memory(8.0 * N * (4 * P + 4 * replicas), "patterns, weights and replica states", "`N`, `P` and `replicas`")
    require(params is None or isinstance(params, Mapping), f"Argument `params` must be a dict of parameter values; got {params!r}.")
    xi = phase_patterns(P, N, kind, seed=seed)
    osc = Oscillators(model, xi, dict(params or {}), D=0.0, backend=backend)
    steps = osc._steps(duration, dt)  # checked: at least one step, at most MAX_STEPS
    run = osc.run(xi[:replicas], times * steps * dt, dt, seed=0, record_every=steps * dt)
    return [r[np.arange(replicas), np.arange(replicas)] for r in run.r[1:]]


def retrieval_error(model: Any, N: int, P: int, params: dict | None = None, replicas: int = 16, duration: float = 20.0,
                    dt: float = 0.2, seed: int = 0, kind: str = "uniform", sets: int = 3) -> dict:
    r"""The stationary retrieval error :math:`1 - |m|` at load ``P`` (:func:`finite_load`), with its error bar.

    ``sets`` independent pattern sets (seeds ``seed``, ``seed + 1``, ...) of ``replicas`` each. Returns ``{"error",
    "sem", "duration_shift", "sigma"}``: the mean of :math:`1 - |m|` after ``duration``; its standard error over the
    sets' means (replicas sharing one pattern set are not independent; with one set, over the replicas); the change
    when every run is twice as long (a state still drifting shows here: near the end of the retrieval branch, or for
    pairwise coupling's soft directions); and :math:`\sigma = \sqrt{\mathrm{sem}^2 + \mathrm{shift}^2}`.
    """
    sets = int(as_scalar("sets", sets, integer=True, low=1))
    runs = [_own_overlaps(model, N, P, params, replicas, duration, 2, dt, seed + k, kind) for k in range(sets)]  # one run to 2 duration
    short = [1 - r[0] for r in runs]
    long = [1 - r[1] for r in runs]
    means = np.array([e.mean() for e in short])
    err = float(means.mean())
    if sets > 1:
        sem = float(means.std(ddof=1) / np.sqrt(sets))
    else:
        sem = float(short[0].std(ddof=1) / np.sqrt(short[0].size)) if short[0].size > 1 else 0.0
    shift = float(np.mean([e.mean() for e in long])) - err
    return {"error": err, "sem": sem, "duration_shift": shift, "sigma": float(np.hypot(sem, shift))}
