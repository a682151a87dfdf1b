r"""Energy models: layers plus synapses, and everything derived from them.

Notes
-----
For layers ``l`` with state :math:`x_l`, Lagrangian :math:`L_l`, activation
:math:`g_l = \nabla L_l` and synapse energies :math:`E_{syn}(g)`:

.. math::

   E = \sum_l \left[x_l^\top g_l - L_l(x_l)\right] + E_{syn}(g), \qquad
   \tau_l \dot x_l = -\frac{\partial E}{\partial g_l} = -x_l - \nabla_{g_l} E_{syn},

using the Legendre identity :math:`\partial_g (x^\top g - L) = x`.  The energy
rate is derived by the chain rule, :math:`\dot E = \sum_l \nabla_{x_l}E \cdot \dot x_l`,
and equals :math:`-\sum_l \tau_l \dot x_l^\top \operatorname{Hess}L_l\, \dot x_l`.

References
----------
.. [1] Krotov & Hopfield (2021), Eq. 1-4 and App. A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from . import concrete
from .budget import BUDGET, attempt
from .budget import simplify as bounded_simplify
from .calculus import grad, vsimplify
from .certificate import Certificate, canonical
from .layers import Layer, ModelError
from .synapses import Synapse
from .vector import ShapeError, Vector, VSum, Weight, parameters, vsize

__all__ = ["EnergyModel", "LyapunovReport", "EnergyRateCheck"]


@dataclass(frozen=True)
class LyapunovReport:
    """Whether ``dE/dt <= 0`` is established, from the per-layer certificates."""

    established: bool | None
    reason: str
    certificates: dict[str, Certificate]

    def to_dict(self) -> dict[str, Any]:
        return {"established": self.established, "reason": self.reason}


@dataclass(frozen=True)
class EnergyRateCheck:
    """Agreement of the chain-rule ``dE/dt`` with ``-sum tau xdot^T H xdot``."""

    symbolic: bool | None
    concrete: dict[int, bool | None]
    detail: str

    @property
    def holds(self) -> bool:
        return self.symbolic is True or (bool(self.concrete) and all(self.concrete.values()))


@dataclass(frozen=True)
class EnergyModel:
    """A Lagrangian energy model.

    Parameters
    ----------
    layers : tuple of Layer
    synapses : tuple of Synapse
    name : str
    defaults : dict
        Default numeric parameter values (name -> number), used by kernels.
    notes : tuple of str
        Provenance (e.g. a rescaling that made the model symmetric).

    Examples
    --------
    >>> from theory import Layer, EnergyModel, dense, lagrangians as lg
    >>> v = Layer("v", "N_v", lg.quadratic(), activation="g")
    >>> h = Layer("h", "N_h", lg.logsumexp(1), activation="f")
    >>> m = EnergyModel((v, h), (dense(h, v, "xi"),))
    >>> m.dynamics["v"]
    xi.T@(f) - v
    """

    layers: tuple
    synapses: tuple
    name: str = "model"
    defaults: dict = field(default_factory=dict, compare=False, hash=False)
    notes: tuple = ()
    description: str = ""
    #: layer -> lambda for models found by rescaling published dynamics (x_published = lambda * x)
    rescaling: dict = field(default_factory=dict, compare=False, hash=False)
    #: the name of the parameter that is the noise intensity (temperature) of the model's stochastic dynamics, where
    #: the model names one (``"D"`` for the Kuramoto oscillators); the mean-field theory calls its temperature so
    temperature: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "synapses", tuple(self.synapses))
        if not self.layers:
            raise ModelError("Argument `layers` must hold at least one Layer; got none.")
        for lay in self.layers:
            if not isinstance(lay, Layer):
                raise ModelError(f"Argument `layers` must hold Layer objects; got {type(lay).__name__}.")
        for s in self.synapses:
            if not isinstance(s, Synapse):
                raise ModelError(f"Argument `synapses` must hold Synapse objects; got {type(s).__name__}.")
        names = [lay.name for lay in self.layers] + [lay.activation for lay in self.layers]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ModelError(f"Layer and activation names must be unique; {sorted(dup)} used twice.")
        acts = {lay.activation: lay for lay in self.layers}
        for s in self.synapses:
            for v in s.vectors:
                if v in s.inputs:
                    continue
                if v.name in {lay.name for lay in self.layers}:
                    raise ModelError(
                        f"Synapse `{s.name}` uses the state `{v.name}`; synapse energies are written in "
                        f"activations ({sorted(acts)})."
                    )
                if v.name not in acts:
                    raise ModelError(
                        f"Synapse `{s.name}` refers to `{v.name}`, which is not the activation of any layer "
                        f"(activations: {sorted(acts)}) nor a declared input."
                    )
                if acts[v.name].size != v.size:
                    raise ModelError(
                        f"Synapse `{s.name}`: `{v.name}` has size {v.size} there but layer "
                        f"`{acts[v.name].name}` has size {acts[v.name].size}."
                    )
            try:
                vsize(s.energy)
            except ShapeError as exc:
                raise ModelError(f"Synapse `{s.name}`: {exc}") from None
            for W in s.weights:
                if W.shape[0] == W.shape[1] and not W.symmetric and _is_quadratic_in_one(s.energy, W):
                    raise ModelError(
                        f"Synapse `{s.name}`: weight `{W.name}` couples a layer to itself and must be declared "
                        "symmetric for the energy to generate the dynamics."
                    )

        for lay in self.layers:
            if lay.periodic:
                bad = _aperiodic_uses(self.interaction, lay.g)
                if bad:
                    raise ModelError(
                        f"Layer `{lay.name}` holds phases (periodic), but the synapse energy uses its activation "
                        f"`{lay.activation}` outside sin/cos of an integer multiple: {bad}. A phase enters an energy only "
                        "through its harmonics, e.g. cos(phi), sin(2*phi)."
                    )

    # -------------------------------------------------------------- lookup
    def layer(self, name: str) -> Layer:
        """The layer called ``name``."""
        for lay in self.layers:
            if lay.name == name:
                return lay
        raise ModelError(f"Unknown layer `{name}`; this model has layers {[lay.name for lay in self.layers]}.")

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(lay.name for lay in self.layers)

    @cached_property
    def inputs(self) -> tuple[Vector, ...]:
        """Constant input vectors, in a stable order."""
        out = {v for s in self.synapses for v in s.inputs}
        return tuple(sorted(out, key=lambda v: v.name))

    @cached_property
    def weights(self) -> tuple[Weight, ...]:
        """Weight matrices, in a stable order."""
        out = {W for s in self.synapses for W in s.weights}
        return tuple(sorted(out, key=lambda W: W.name))

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Scalar parameters (``beta``, ``theta``, time constants, ...)."""
        ps = parameters(self.energy) | set().union(*(parameters(lay.tau) for lay in self.layers))
        for e in self.dynamics.values():
            ps |= parameters(e)
        return tuple(sorted(ps, key=lambda s: s.name))

    @cached_property
    def sizes(self) -> tuple[sp.Symbol, ...]:
        """Size symbols."""
        out = set()
        for lay in self.layers:
            out |= lay.size.free_symbols
        for W in self.weights:
            out |= W.shape[0].free_symbols | W.shape[1].free_symbols
        return tuple(sorted(out, key=lambda s: s.name))

    # ------------------------------------------------------------- energy
    @cached_property
    def activation_map(self) -> dict[Vector, sp.Expr]:
        """Activation symbol -> activation expression in the state."""
        return {lay.g: lay.activation_expr for lay in self.layers}

    @cached_property
    def interaction(self) -> sp.Expr:
        """Sum of synapse energies (in activation symbols)."""
        return sp.Add(*[s.energy for s in self.synapses])

    @cached_property
    def energy_display(self) -> sp.Expr:
        """``sum_l [x_l^T g_l - L_l] + E_syn(g)`` with activations as symbols."""
        return sp.Add(*[lay.legendre_display for lay in self.layers]) + self.interaction

    @cached_property
    def energy(self) -> sp.Expr:
        """The energy as an explicit function of the states."""
        legendre = sp.Add(*[vsimplify(lay.legendre) for lay in self.layers])
        return legendre + self.interaction.xreplace(self.activation_map)

    # ----------------------------------------------------------- dynamics
    @cached_property
    def drive(self) -> dict[str, sp.Expr]:
        """``-grad_{g_l} E_syn``: the input each layer receives (activation symbols)."""
        return {lay.name: -grad(self.interaction, lay.g) for lay in self.layers}

    @cached_property
    def dynamics(self) -> dict[str, sp.Expr]:
        r"""``tau_l dx_l/dt = -x_l - grad_{g_l} E_syn`` in activation symbols (no leak ``-x_l`` on a periodic layer,
        whose energy is the synapse energy alone: :math:`\tau\dot\theta = -\partial E/\partial\theta`)."""
        return {lay.name: self.drive[lay.name] if lay.periodic else self.drive[lay.name] - lay.state for lay in self.layers}

    @cached_property
    def dynamics_explicit(self) -> dict[str, sp.Expr]:
        """The right-hand sides ``tau dx/dt`` explicit in the states."""
        return {k: v.xreplace(self.activation_map) for k, v in self.dynamics.items()}

    @cached_property
    def velocity(self) -> dict[str, sp.Expr]:
        """``dx_l/dt`` explicit in the states."""
        return {lay.name: self.dynamics_explicit[lay.name] / lay.tau for lay in self.layers}

    @cached_property
    def energy_rate(self) -> sp.Expr:
        r"""``dE/dt = sum_l grad_{x_l} E . dx_l/dt``, by the chain rule through the activations."""
        return sp.Add(
            *[VSum(grad(self.energy, lay.state) * self.velocity[lay.name], lay.size) for lay in self.layers]
        )

    @cached_property
    def dissipation(self) -> sp.Expr:
        r"""``-sum_l tau_l xdot_l^T Hess(L_l) xdot_l`` (the form that is <= 0 when every Hessian is PSD)."""
        terms = []
        for lay in self.layers:
            u = self.velocity[lay.name]
            terms.append(-lay.tau * VSum(u * lay.hessian_times(u), lay.size))
        return sp.Add(*terms)

    def check_energy_rate(self, sizes: tuple[int, ...] = (2, 3), seed: int = 0) -> EnergyRateCheck:
        """Check ``energy_rate == dissipation`` symbolically and at concrete sizes.

        The concrete route expands the energy at each size into scalars and
        differentiates it with plain ``sympy.diff``; the difference is evaluated
        at seeded rational points with 60 significant digits (mpmath; SymPy's
        ``evalf`` at 40 digits where a node has no mpmath form).
        """
        done, diff = attempt(BUDGET["step_seconds"], "expanding dE/dt minus the dissipation", lambda: canonical(sp.expand(self.energy_rate - self.dissipation)))
        try:
            sym = done and bounded_simplify(diff, "energy rate check") == 0
        except Exception:  # noqa: BLE001
            sym = False
        results: dict[int, bool | None] = {}
        details = [] if done else [diff]
        import random

        rng = random.Random(seed)
        for n in sizes:
            done, why = attempt(BUDGET["seconds"] / len(sizes), f"energy rate check at N = {n}", self._rate_at_size, n, rng, results, details)
            if not done:
                results[n] = None
                details.append(str(why))
        detail = "symbolic difference simplifies to 0" if sym else "symbolic simplification inconclusive"
        return EnergyRateCheck(True if sym else None, results, "; ".join([detail, *details]))

    def _rate_at_size(self, n: int, rng, results: dict, details: list) -> None:
        """The concrete-size half of :meth:`check_energy_rate` (exact differentiation at seeded points)."""
        smap = {s: n + i for i, s in enumerate(self.sizes)}
        E = concrete.expand(self.energy, smap)
        states = {lay.name: concrete.components(lay.state, smap) for lay in self.layers}
        vel = {lay.name: concrete.expand(self.velocity[lay.name], smap) for lay in self.layers}
        rate = sp.Add(
            *[sum(sp.diff(E, xi) * vi for xi, vi in zip(states[k], vel[k], strict=True)) for k in states]
        )
        quad = concrete.expand(self.dissipation, smap)
        free = sorted((rate - quad).free_symbols | quad.free_symbols, key=str)
        fast = _mpmath_function(free, [rate - quad, quad])
        ok = True
        for _ in range(3):
            point = {}
            for s in free:
                if s.name in self.defaults or s in self.defaults:
                    point[s] = sp.nsimplify(self.defaults.get(s.name, self.defaults.get(s)))
                    continue
                if s.is_integer:
                    point[s] = sp.Integer(rng.randint(2, 4))
                    continue
                # nonzero, off every kink of sign/step activations at 0
                val = sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 20), 7) + sp.Rational(1, 101)
                if s.is_positive:
                    val = abs(val) + sp.Rational(1, 3)
                point[s] = val
            try:
                dv_scale = _mpmath_values(fast, free, point)
                if dv_scale is None:  # a node mpmath cannot print: SymPy's evalf at the same precision
                    dv = sp.N((rate - quad).xreplace(point), 40)
                    scale = 1 + abs(sp.N(quad.xreplace(point), 40))
                    close = bool(abs(dv) <= sp.Float(10) ** -25 * scale)
                else:
                    dv, scale = dv_scale
                    close = bool(abs(dv) <= 1e-25 * (1 + abs(scale)))
            except (OverflowError, TypeError, ValueError, ZeroDivisionError) as exc:
                ok = None
                details.append(f"N={n}: the rates could not be evaluated at a sample point ({type(exc).__name__}: {exc})")
                break
            if not close:
                ok = False
                details.append(f"N={n}: chain-rule rate and Hessian form differ by {dv} at a sample point")
                break
        results[n] = ok

    @cached_property
    def symmetries(self) -> dict[str, Any]:
        """The global-phase symmetry of every periodic layer (:func:`theory.symmetries.global_phase`), by layer name:
        where proved, ``1`` is a zero mode of the energy Hessian at every fixed point (memories up to a global phase)."""
        from .symmetries import global_phase

        return {lay.name: global_phase(self, lay.name) for lay in self.layers if lay.periodic}

    # ----------------------------------------------------------- Lyapunov
    @cached_property
    def certificates(self) -> dict[str, Certificate]:
        """Per-layer PSD certificates of the Lagrangian Hessians."""
        return {lay.name: lay.certificate for lay in self.layers}

    @cached_property
    def lyapunov(self) -> LyapunovReport:
        """``dE/dt <= 0`` is established iff every layer's Hessian is proved PSD."""
        certs = self.certificates
        bad = [k for k, c in certs.items() if c.verdict is False]
        open_ = [k for k, c in certs.items() if c.verdict is None]
        if bad:
            return LyapunovReport(
                False,
                f"not established: the Hessian of layer(s) {bad} is not PSD (counterexample in the certificate); "
                "the energy may rise along the dynamics",
                certs,
            )
        if open_:
            return LyapunovReport(None, f"not established: the certificate of layer(s) {open_} is undecided", certs)
        return LyapunovReport(True, "every layer's Lagrangian Hessian is PSD, so dE/dt = -sum tau xdot^T H xdot <= 0", certs)

    # --------------------------------------------------------- reductions
    def integrate_out(self, name: str):
        """The effective model after the layer ``name`` is integrated out (``tau -> 0``).

        See :func:`theory.marginalize.integrate_out`.
        """
        from .marginalize import integrate_out

        return integrate_out(self, name)

    def rescale_factor(self, layer: str, **sizes: int) -> sp.Expr:
        """``lambda`` with ``x_published = lambda * x`` for a model found by rescaling (1 otherwise), at given sizes.

        Examples
        --------
        >>> from theory import builtin
        >>> builtin("threshold").rescale_factor("v", N_v=400, N_h=4)
        10
        """
        self.layer(layer)
        lam = sp.sympify(self.rescaling.get(layer, 1))
        return lam.xreplace({s: sp.Integer(sizes[s.name]) for s in lam.free_symbols if s.name in sizes})

    def with_defaults(self, **values: float) -> EnergyModel:
        """A copy with more default parameter values."""
        return EnergyModel(self.layers, self.synapses, self.name, {**self.defaults, **values}, self.notes, self.description, self.rescaling)

    def _repr_latex_(self) -> str:
        lines = [r"E = " + sp.latex(self.energy_display)]
        for lay in self.layers:
            lines.append(sp.latex(lay.tau) + r"\dot{" + sp.latex(lay.state) + "} = " + sp.latex(self.dynamics[lay.name]))
        return r"$\begin{aligned}" + r"\\ ".join("&" + s for s in lines) + r"\end{aligned}$"


def _is_quadratic_in_one(e: sp.Expr, W: Weight) -> bool:
    """Whether ``W`` multiplies the same activation on both sides somewhere in ``e``."""
    from .vector import MatTVec, MatVec

    for node in e.atoms(MatVec, MatTVec):
        if node.args[0] != W:
            continue
        inner = node.args[1].atoms(Vector)
        for prod in e.atoms(sp.Mul):
            if node in prod.args and inner & {a for a in prod.args if isinstance(a, Vector)}:
                return True
    return False


def _mpmath_function(free: list, exprs: list):
    """``exprs`` as one mpmath function of ``free`` (common subexpressions shared), or None where a node has no
    mpmath form: evaluating a concrete-size rate this way is ten times faster than ``evalf`` of the tree.

    The scalar nodes of :mod:`theory.vector` that mpmath does not name are replaced by their own definitions
    (``relu`` as ``Max(x, 0)``, the others rewritten as exponentials), not by forms typed here."""
    from .vector import logcosh, relu, sigmoid, softplus

    defs = {}
    for e in exprs:
        for f in e.atoms(relu, sigmoid, softplus, logcosh):
            defs[f] = f.rewrite(sp.Max) if isinstance(f, relu) else f.rewrite(sp.exp)
    try:
        return sp.lambdify(free, [e.xreplace(defs) for e in exprs], modules="mpmath", cse=True)
    except Exception:  # noqa: BLE001 - a node mpmath cannot print: the caller falls back to evalf
        return None


def _mpmath_values(f, free: list, point: dict) -> tuple | None:
    """``f`` at the rational ``point`` with 60 significant digits (None where it cannot be evaluated there)."""
    if f is None:
        return None
    import mpmath

    try:
        with mpmath.workdps(60):
            args = [mpmath.mpf(point[s].p) / point[s].q if isinstance(point[s], sp.Rational) else mpmath.mpf(str(sp.N(point[s], 70))) for s in free]
            vals = f(*args)
            if not all(isinstance(v, (mpmath.mpf, int)) for v in vals):  # a complex or symbolic value: let evalf decide
                return None
            return float(vals[0]), float(vals[1])
    except Exception:  # noqa: BLE001 - e.g. a function mpmath does not know: the caller falls back to evalf
        return None


def _harmonic(e: sp.Expr, g: Vector) -> bool:
    """Whether ``e`` is ``sin`` or ``cos`` of ``k g + c`` with ``k`` a nonzero integer and ``c`` free of ``g``."""
    if not isinstance(e, (sp.sin, sp.cos)):
        return False
    arg = sp.expand(e.args[0])
    k = arg.coeff(g)
    return bool(k.is_integer and k != 0 and not (arg - k * g).has(g))


def _aperiodic_uses(energy: sp.Expr, g: Vector) -> list[str]:
    """The subexpressions through which ``g`` enters ``energy`` other than its harmonics (empty: periodic)."""
    stripped = energy.replace(lambda e: _harmonic(e, g), lambda e: sp.Dummy())
    if not stripped.has(g):
        return []
    bad = set()
    for node in sp.preorder_traversal(stripped):
        if isinstance(node, sp.Basic) and node.has(g) and any(a == g for a in node.args):
            bad.add(str(node))
    return sorted(bad)[:3]
