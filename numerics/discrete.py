r"""Discrete updates of associative memories built from :mod:`theory` models.

How it works
------------
A *binary* memory is a two-layer model whose slow layer has sign activation
(Lagrangian ``|v|``) and whose fast layer ``h`` has an additive Lagrangian
:math:`\sum_\mu F(h_\mu)` and is integrated out (:func:`theory.integrate_out`):
its fixed point is :math:`h^* = c\, W\sigma` and the effective energy is
:math:`E(\sigma) = -\sum_\mu F(m_\mu)` with overlaps :math:`m = c\,W\sigma`.
The class reads ``c``, ``W`` and ``F`` off the derived reduction and compiles
``F`` and ``f = F'`` through :func:`numerics.compile`; it keeps the overlaps
``m`` up to date (``O(K)`` per flip), so one asynchronous sweep costs ``O(NK)``.

Two rules, as Krotov & Hopfield (2016) distinguish them:

* ``"induced_field"``: :math:`\sigma_i \leftarrow \operatorname{sign}(\sum_\mu c W_{\mu i} f(m_\mu))`, the
  Euler step of the derived dynamics (includes self-coupling terms);
* ``"energy_difference"``: :math:`\sigma_i \leftarrow \operatorname{argmin}_{\pm1} E` exactly, i.e. the sign of
  :math:`\sum_\mu F(\tilde m_\mu + cW_{\mu i}) - F(\tilde m_\mu - cW_{\mu i})` with neuron ``i``
  removed from :math:`\tilde m` (no self-coupling; for ``F = x^2/2`` this is the
  zero-diagonal Hebbian rule).

Ties (zero field or zero energy difference) keep the current value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from theory.lagrangians import T as _T
from theory.lagrangians import growth
from theory.marginalize import integrate_out
from theory.model import EnergyModel

from ._checks import as_array, as_count, as_scalar, require
from .codegen.kernel import ArgSpec, declared_assumptions
from .codegen.kernel import compile as compile_kernel
from .patterns import rng_from

__all__ = ["BinaryMemory", "RULES", "ThresholdMemory"]

RULES = ("induced_field", "energy_difference")

#: log of the largest energy term computed directly; beyond it energies are compared in a shifted domain.
_SAFE_LOG = 600.0


@lru_cache(maxsize=64)
def _layer_kernel(layer, model_name: str, defaults: tuple):
    """Compiled kernel of one layer on its own (cached: compiling is the slow part of a small run)."""
    return compile_kernel(EnergyModel((layer,), (), f"{model_name}:{layer.name}", dict(defaults)))


@dataclass
class BinaryMemory:
    """Sign-neuron memory (Dense AM / classical Hopfield) from a two-layer model.

    Parameters
    ----------
    model : EnergyModel
        E.g. ``theory.builtin("dam_power")``; the fast layer must be additive.
    patterns : ndarray of shape (K, N)
        The weight matrix ``W`` (rows are memories).
    fast : str
        The layer integrated out (default ``"h"``).
    params : dict
        Numeric parameter values (e.g. ``{"n": 3}``), defaults from the model.
    inputs : dict
        Values of the model's constant input vectors (e.g. ``{"I": array}``); required when the model has
        input synapses, so that an input is never dropped silently.
    """

    model: EnergyModel
    patterns: np.ndarray
    fast: str = "h"
    params: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(self.fast in self.model.layer_names, f"Argument `fast` must name a layer of `{self.model.name}` {list(self.model.layer_names)}; got {self.fast!r}.")
        declared = {p.name: p for p in self.model.parameters}
        unknown = sorted(set(self.params) - set(declared))
        require(not unknown, f"Argument `params` has {unknown}, which model `{self.model.name}` does not declare; it has {sorted(declared)}.")
        red = integrate_out(self.model, self.fast)  # derived once per model (theory caches it)
        slow = [lay for lay in self.model.layers if lay.name != self.fast]
        require(len(slow) == 1, f"BinaryMemory needs exactly two layers; model `{self.model.name}` has {len(self.model.layers)}.")
        self.slow = slow[0].name
        require(slow[0].sign_states, f"layer `{self.slow}` must have sign states (Lagrangian sum |v_i|, sign activation); got `{slow[0].lagrangian.name}`: L = {slow[0].L}.")
        X = as_array("patterns", self.patterns, ndim=2)
        self.patterns = X.astype(np.float64)
        K, N = X.shape
        fl = self.model.layer(self.fast)
        require(fl.entrywise is not None, f"the fast layer `{self.fast}` must have an additive Lagrangian sum F(h).")
        self._hk = _layer_kernel(fl, self.model.name, tuple(sorted((str(k), v) for k, v in self.model.defaults.items())))
        # every value checked against the parameter's declared assumptions (positive, integer) before use
        specs = {a.name: a for a in self._hk.args if a.kind == "parameter"}
        params = {str(k): v for k, v in self.model.defaults.items()}
        for k, v in self.params.items():
            spec = specs.get(k) or ArgSpec(k, "parameter", (), assumptions=declared_assumptions(declared[k]))
            params[k] = spec.scalar(v)
        c, W = red.linear_form()
        # a synapse scaled by a size (1/N_v): the sizes are the patterns' (N columns, K rows)
        sizes = {z: n for z, n in ((slow[0].size, N), (fl.size, K)) if isinstance(z, sp.Symbol)}
        c = c.xreplace(sizes)
        self.c = float(c.xreplace({s: params[s.name] for s in c.free_symbols if s.name in params}).evalf()) if c.free_symbols else float(c)
        require(np.isfinite(self.c) and self.c != 0, f"the overlap scale c = {c} evaluates to {self.c} at params {self.params}.")
        self._hparams = {a.name: params.get(a.name, a.default) for a in self._hk.args if a.kind == "parameter"}
        self._growth = self._growth_law(fl, params)
        self._W = self.patterns
        self._wmax = float(np.abs(self._W).max())
        self.K, self.N = K, N
        # raw generated F and f for the per-neuron hot loop (the size of h is taken from the state)
        self._F_raw = self._hk.fast("entrywise", **self._hparams)
        self._f_raw = self._hk.fast("activations", **self._hparams)
        self._linear_terms(red, params)

    def _linear_terms(self, red, params: dict) -> None:
        """The synapses other than the integrated-out one (e.g. an input -I.sigma), which must be linear in sigma.

        Their gradient ``b = dE_other/dsigma`` is derived by theory and evaluated once; it enters the field as
        ``-b``, the flip energy as ``-2 sigma_i b_i`` and the energy as ``b.sigma``.
        """
        from theory.calculus import grad

        slow = red.model.layer(self.slow)
        others = red.model.synapses[:-1]  # integrate_out appends the effective synapse last
        self._lin = np.zeros(self.N)
        self._e0 = 0.0
        if not others:
            return
        E = sum((syn.energy for syn in others), start=0)
        lin = grad(E, slow.g)
        if lin.has(slow.g):
            raise ValueError(f"BinaryMemory needs the other synapses of `{self.model.name}` to be linear in `{slow.activation}`; got {E}.")
        vals = {}
        for v in {v for syn in others for v in syn.inputs}:
            if v.name not in self.inputs:
                raise ValueError(
                    f"model `{self.model.name}` has an input `{v.name}` (size {v.size}); pass inputs={{'{v.name}': array}} "
                    "(zeros for no input) rather than have it dropped silently."
                )
            vals[v.name] = as_array(f"inputs[{v.name!r}]", self.inputs[v.name], ndim=1)
        sigma0 = np.zeros((1, self.N))
        k = compile_kernel([E, lin])
        fixed = {a.name: (params.get(a.name, a.default)) for a in k.args if a.kind == "parameter"}
        e0, b = k(**{slow.activation: sigma0}, **vals, **fixed)
        self._lin = np.broadcast_to(np.asarray(b, dtype=float).reshape(-1), (self.N,)).copy()
        self._e0 = float(np.asarray(e0).reshape(-1)[0])

    def _growth_law(self, fl, params: dict) -> tuple[str, float] | None:
        """``("exponential", k)`` or ``("power", n)`` from :func:`theory.lagrangians.growth` of the derived ``F``."""
        F = fl.entrywise.xreplace({fl.state: _T})
        law = growth(F, _T)
        if law is None:
            return None
        kind, e = law
        e = sp.sympify(e).xreplace({s: sp.Float(params[s.name]) for s in e.free_symbols if s.name in params})
        return (kind, float(e)) if e.is_number and float(e) > 0 else None

    # ----------------------------------------------------------------- pieces
    def _F(self, m: np.ndarray) -> np.ndarray:
        return self._hk.entrywise(**{self.fast: m}, **self._hparams, check=False)[self.fast]

    def _shift(self, m: np.ndarray) -> np.ndarray:
        """Per-state log of the factor ``F`` values are divided by (0 where no rescaling is needed).

        For ``F = C e^{kx}`` it is ``k s`` with ``s`` the largest argument that can occur (the overlaps plus
        one flip); for ``F = C x^n`` it is ``n log s``.  Only used where ``F`` would otherwise come near
        float64's range, so that small models keep their exact integer arithmetic (and exact ties).
        """
        B = m.shape[0]
        if self._growth is None:
            return np.zeros(B)
        kind, e = self._growth
        reach = 2 * abs(self.c) * self._wmax
        top = (m.max(-1) + reach) if kind == "exponential" else (np.abs(m).max(-1) + reach)
        logmag = e * top if kind == "exponential" else e * np.log(np.maximum(top, 1.0))
        if float(np.max(logmag)) + np.log(max(self.K, 1)) < _SAFE_LOG:
            return np.zeros(B)
        return np.maximum(logmag, 0.0)

    def _F_shifted(self, m: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """``F(m) / exp(shift)`` computed without forming ``F(m)`` (``shift`` broadcasts over the last axis)."""
        if self._growth is None:
            return self._F(m)
        kind, e = self._growth
        sh = shift.reshape(shift.shape + (1,) * (m.ndim - shift.ndim))
        return self._F(m - sh / e) if kind == "exponential" else self._F(m / np.exp(sh / e))

    def _f(self, m: np.ndarray) -> np.ndarray:
        return self._hk.activations(**{self.fast: m}, **self._hparams, check=False)[self.fast]

    def overlaps(self, sigma: np.ndarray) -> np.ndarray:
        """``m = c W sigma`` (batch x K)."""
        return self.c * (sigma @ self._W.T)

    def energy(self, sigma: np.ndarray) -> np.ndarray:
        """``E = -sum_mu F(m_mu)``, the effective energy derived by theory.

        Raises
        ------
        FloatingPointError
            If ``|E|`` exceeds float64 (``e^{m}`` at ``N > 709`` for the exponential model); compare states
            with :meth:`is_fixed` and the update rules, which work in a shifted domain.
        """
        s = self._states(sigma)
        m = self.overlaps(s)
        shift = self._shift(m)
        if shift.any():
            raise FloatingPointError(
                f"the energy of `{self.model.name}` at these states is about -exp({float(shift.max()):.4g}), beyond float64; "
                "use delta_energy() or is_fixed(), which work in a shifted domain."
            )
        return -self._F(m).sum(-1) + s @ self._lin + self._e0

    def _states(self, sigma) -> np.ndarray:
        s = as_array("sigma", sigma, ndim=(1, 2)).astype(np.float64)
        require(s.shape[-1] == self.N, f"Argument `sigma` must have {self.N} entries per state; got shape {s.shape}.")
        require(bool(np.isin(s, (-1.0, 1.0)).all()), "Argument `sigma` must hold +-1 values only.")
        return np.atleast_2d(s).copy()

    def field(self, sigma: np.ndarray) -> np.ndarray:
        """Induced field ``c W^T f(m)`` for every neuron (batch x N)."""
        s = self._states(sigma)
        return self.c * (self._f(self.overlaps(s)) @ self._W) - self._lin

    def delta_energy(self, sigma: np.ndarray, max_elements: int = 1 << 22) -> np.ndarray:
        """``E(sigma with bit i flipped) - E(sigma)`` for every ``i`` (batch x N).

        Work is split so that no temporary exceeds ``max_elements`` entries (batch x K x neurons).
        """
        s = self._states(sigma)
        d, shift = self._delta_signs(s, max_elements)
        if not shift.any():
            return d
        with np.errstate(over="ignore"):
            out = d * np.exp(shift)[:, None]
        bad = ~np.isfinite(out) & np.isfinite(d) & (d != 0)
        if bad.any():
            raise FloatingPointError(
                f"energy differences of `{self.model.name}` reach exp({float(shift.max()):.4g}), beyond float64; "
                "is_fixed() and the update rules compare them in a shifted domain."
            )
        return out

    def _delta_shifted(self, s: np.ndarray, max_elements: int) -> tuple[np.ndarray, np.ndarray]:
        """``(dE / exp(shift), shift)`` per state: the signs of ``dE`` survive when ``dE`` itself would overflow."""
        B = len(s)
        chunk = max(1, max_elements // max(1, B * self.K))
        m = self.overlaps(s)
        shift = self._shift(m)
        F0 = self._F_shifted(m, shift).sum(-1)
        out = np.empty_like(s)
        for a in range(0, self.N, chunk):
            idx = np.arange(a, min(a + chunk, self.N))
            flip = -2 * self.c * s[:, None, idx] * self._W[None, :, idx]  # (B, K, c)
            mf = m[:, :, None] + flip
            Ff = self._F_shifted(np.moveaxis(mf, 1, -1), shift)  # (B, c, K)
            out[:, idx] = -(Ff.sum(-1)) + F0[:, None]
        return out - 2 * s * self._lin * np.exp(-shift)[:, None], shift

    def is_fixed(self, sigma: np.ndarray, rule: str = "energy_difference") -> np.ndarray:
        """Whether each state is a fixed point of the rule (no bit would change)."""
        s = self._states(sigma)
        if rule == "induced_field":
            h = self.field(s)
            return ((np.sign(h) == s) | (h == 0)).all(-1)
        if rule == "energy_difference":
            return (self._delta_signs(s)[0] >= 0).all(-1)
        raise ValueError(f"Argument `rule` must be one of {RULES}; got {rule!r}.")

    def _delta_signs(self, s: np.ndarray, max_elements: int = 1 << 22) -> tuple[np.ndarray, np.ndarray]:
        """``(dE / exp(shift), shift)``, in batches so that no temporary exceeds ``max_elements``: the signs are
        what the rules and fixed-point tests need."""
        B = len(s)
        if B * self.K > max_elements and B > 1:
            step = max(1, max_elements // self.K)
            parts = [self._delta_shifted(s[a : a + step], max_elements) for a in range(0, B, step)]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        return self._delta_shifted(s, max_elements)

    def all_fixed(self, sigma: np.ndarray, rule: str = "energy_difference", batch: int = 32) -> bool:
        """Whether every state is a fixed point, stopping at the first that is not."""
        s = self._states(sigma)
        return all(bool(self.is_fixed(s[a : a + batch], rule).all()) for a in range(0, len(s), batch))

    # ----------------------------------------------------------------- steps
    def sync_step(self, sigma: np.ndarray, rule: str = "induced_field") -> np.ndarray:
        """All neurons at once."""
        s = self._states(sigma)
        if rule == "induced_field":
            h = self.field(s)
            return np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))
        if rule == "energy_difference":
            return np.where(self._delta_signs(s)[0] < 0, -s, s)
        raise ValueError(f"Argument `rule` must be one of {RULES}; got {rule!r}.")

    def async_sweep(self, sigma: np.ndarray, seed, rule: str = "energy_difference") -> tuple[np.ndarray, int]:
        """One sweep in a random order (one permutation per call, shared by the batch). Returns (state, flips)."""
        require(rule in RULES, f"Argument `rule` must be one of {RULES}; got {rule!r}.")
        s = self._states(sigma)
        rng = rng_from(seed)
        m = self.overlaps(s)
        flips = 0
        cWT = np.ascontiguousarray((self.c * self._W).T)  # row i = column i of c W
        F, f = self._F_raw, self._f_raw
        for i in rng.permutation(self.N):
            wi = cWT[i]
            if rule == "induced_field":
                h = f(m)[0] @ wi - self._lin[i]
                new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s[:, i]))
            elif self._growth is not None and (sh := self._shift(m)).any():
                mt = m - s[:, i, None] * wi
                d = (self._F_shifted(mt + wi, sh) - self._F_shifted(mt - wi, sh)).sum(-1) - 2 * self._lin[i] * np.exp(-sh)
                new = np.where(d > 0, 1.0, np.where(d < 0, -1.0, s[:, i]))
            else:
                mt = m - s[:, i, None] * wi
                d = (F(mt + wi)[0] - F(mt - wi)[0]).sum(-1) - 2 * self._lin[i]
                new = np.where(d > 0, 1.0, np.where(d < 0, -1.0, s[:, i]))
            ch = new != s[:, i]
            if ch.any():
                flips += int(ch.sum())
                m += (new - s[:, i])[:, None] * wi
                s[:, i] = new
        return s, flips

    def run(self, sigma: np.ndarray, seed, rule: str = "energy_difference", mode: str = "async", max_sweeps: int = 100) -> tuple[np.ndarray, int]:
        """Iterate until no neuron changes (or ``max_sweeps``). Returns (state, sweeps used)."""
        require(mode in ("async", "sync"), f"Argument `mode` must be 'async' or 'sync'; got {mode!r}.")
        max_sweeps = as_count("max_sweeps", max_sweeps)
        rng = rng_from(seed)
        s = self._states(sigma)
        for k in range(1, max_sweeps + 1):
            if mode == "async":
                s, flips = self.async_sweep(s, rng, rule)
            else:
                new = self.sync_step(s, rule)
                flips = int((new != s).sum())
                s = new
            if flips == 0:
                return s, k
        return s, max_sweeps


@lru_cache(maxsize=2)
def _threshold_reduction(heterogeneous: bool):
    """Compiled reduction of the threshold model over ``v`` (global or per-unit threshold), derived once per process."""
    from theory.specs import builtin

    return compile_kernel(builtin("threshold_heterogeneous" if heterogeneous else "threshold").integrate_out("v"))


@lru_cache(maxsize=1)
def _directed_threshold_map():
    """Compiled ``J' s`` for the threshold model with separate feedback weights ``xi_v``, derived from the
    published dynamics: substitute ``v = N_h^{-1/2} xi_v^T s`` (the visible fixed point) into the hidden input."""
    from theory.rescaling import NoEnergyError
    from theory.specs import from_dict, variant_spec
    from theory.vector import Vector

    spec = variant_spec("threshold", "threshold_untied", weights={"xi_v": {"shape": ["N_h", "N_v"]}}, couplings={"v": {"weight": "xi_v"}})
    try:
        from_dict(spec)
    except NoEnergyError as exc:
        dyn = exc.dynamics
    else:  # pragma: no cover - the theory would have to find an energy for asymmetric weights
        raise AssertionError("asymmetric threshold model unexpectedly has an energy")
    vec = {str(a.args[0]): a for a in (dyn["v"] + dyn["h"]).atoms(Vector)}
    v_fixed = dyn["v"] + vec["v"]  # tau_v dv/dt = -v + N_h^{-1/2} xi_v^T s  ->  v* = N_h^{-1/2} xi_v^T s
    hidden_input = (dyn["h"] + vec["h"]).xreplace({vec["g"]: v_fixed})
    return compile_kernel(hidden_input)


@dataclass
class ThresholdMemory:
    r"""The threshold model's hidden dynamics ``s <- Theta(J s - theta)``, from the derived reduction.

    ``h`` is iterated with the compiled effective update ``h <- (xi xi^T / N_v) s``
    (integrating out ``v`` of the ``threshold`` built-in) and ``s = Theta(h - theta)``
    is read off the compiled activation.

    ``theta`` is one global threshold (a number) or one per hidden unit (an array of length N_h); the latter
    uses the ``threshold_heterogeneous`` built-in, whose hidden variable is measured from its own threshold
    (``h~ = h - theta``, input ``b = -theta``), so :meth:`hidden_from_code` returns ``h~`` there.

    ``feedback`` (N_h x N_v) gives the visible layer its own weights, ``v = N_h^{-1/2} xi_v^T s`` (the
    asymmetric ablation). Such a model has no energy (:class:`theory.rescaling.NoEnergyError`); the hidden
    map ``J' s = xi xi_v^T s / N_v`` is then derived from the published dynamics carried by that error.
    """

    xi: np.ndarray
    theta: float | np.ndarray = 0.5
    feedback: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.xi = as_array("xi", self.xi, ndim=2).astype(np.float64)
        if np.ndim(self.theta) == 0:
            self.theta = as_scalar("theta", self.theta)
            self._k = _threshold_reduction(False)
            self._args = {"xi": self.xi, "theta": self.theta}
            self._off = self.theta
        else:
            self.theta = as_array("theta", self.theta, ndim=1).astype(np.float64)
            require(self.theta.shape == (self.xi.shape[0],),
                    f"Argument `theta` must be a number or have shape (N_h,) = ({self.xi.shape[0]},); got shape {self.theta.shape}.")
            self._k = _threshold_reduction(True)
            self._args = {"xi": self.xi, "b": -self.theta}
            self._off = 0.0
        if self.feedback is not None:
            self.feedback = as_array("feedback", self.feedback, ndim=2).astype(np.float64)
            require(self.feedback.shape == self.xi.shape,
                    f"Argument `feedback` must have the shape of `xi` {self.xi.shape}; got {self.feedback.shape}.")
            self._directed = _directed_threshold_map()

    @property
    def heterogeneous(self) -> bool:
        """Whether each hidden unit has its own threshold."""
        return np.ndim(self.theta) > 0

    def hidden_from_code(self, s: np.ndarray) -> np.ndarray:
        """Any hidden state whose code is ``s`` (threshold ``+ 1/2`` where on, ``- 1/2`` where off)."""
        return np.where(np.asarray(s) > 0, self._off + 0.5, self._off - 0.5)

    def code(self, h: np.ndarray) -> np.ndarray:
        """``s = Theta(h - theta)``."""
        return self._k.activations(h=h, **self._args)["h"]

    def _hidden(self, s: np.ndarray) -> np.ndarray:
        """The hidden variable the code ``s`` drives (in the compiled model's coordinates)."""
        if self.feedback is None:
            return self._k.update(h=self.hidden_from_code(s), **self._args)["h"]
        return self._directed(s=np.asarray(s, dtype=float), xi=self.xi, xi_v=self.feedback) - self.theta + self._off

    def margin(self, s: np.ndarray) -> np.ndarray:
        """The hidden input minus the threshold (``J s - theta``) for codes ``s``."""
        return self._hidden(s) - self._off

    def step_code(self, s: np.ndarray) -> np.ndarray:
        """One synchronous update ``s <- Theta(J s - theta)``."""
        return self.code(self._hidden(self._codes(s)))

    def _codes(self, s) -> np.ndarray:
        s = as_array("s", s, ndim=(1, 2)).astype(float)
        require(s.shape[-1] == self.xi.shape[0], f"Argument `s` must have N_h = {self.xi.shape[0]} entries per code; got shape {s.shape}.")
        require(bool(np.isin(s, (0.0, 1.0)).all()), "Argument `s` must hold binary codes (0 or 1 entries only).")
        return s

    def run(self, s: np.ndarray, max_steps: int = 100) -> tuple[np.ndarray, int]:
        """Iterate the code to a fixed point (or ``max_steps``)."""
        s = self._codes(s)
        max_steps = as_count("max_steps", max_steps)
        for k in range(1, max_steps + 1):
            new = self.step_code(s)
            if np.array_equal(new, s):
                return s, k
            s = new
        return s, max_steps
