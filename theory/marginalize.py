r"""Integrating out a fast layer (``tau_y -> 0``).

How it works
------------
If every synapse energy is linear in the activation :math:`g_y` of layer ``y``,
write :math:`E_{syn} = c - g_y^\top b` with ``b`` and ``c`` free of
:math:`g_y`.  The fast layer relaxes to :math:`x_y^* = b = -\partial E_{syn}/\partial g_y`
and its Legendre term cancels the coupling:

.. math::

   E_{eff} = E_{rest} + c - L_y(b).

The term :math:`c - L_y(b)` is itself a synapse energy of the remaining
activations, so the effective model is again an :class:`~theory.model.EnergyModel`
and its dynamics, energy rate and certificates come from the same machinery,
with no special case per model.  Model A (Dense AM), Model B (modern
Hopfield/attention), Model C (spherical) and the threshold model's ``h = J s``
all come out of this one function.

References
----------
.. [1] Krotov & Hopfield (2021), Sec. 3 (Eq. 5-22).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .calculus import grad, vsimplify
from .layers import ModelError
from .model import EnergyModel
from .synapses import Synapse

__all__ = ["integrate_out", "Reduction"]


@dataclass(frozen=True)
class Reduction:
    """Result of integrating out a layer.

    Attributes
    ----------
    model : EnergyModel
        The effective model on the remaining layers.
    layer : str
        The layer integrated out.
    fixed_point : sympy.Expr
        ``x_y^* = -dE_syn/dg_y`` in the remaining activation symbols.
    activation_at_fixed_point : sympy.Expr
        ``g_y(x_y^*)``.
    """

    model: EnergyModel
    layer: str
    fixed_point: sp.Expr
    activation_at_fixed_point: sp.Expr

    @property
    def energy(self) -> sp.Expr:
        """Effective energy, explicit in the remaining states."""
        return self.model.energy

    @property
    def dynamics(self) -> dict[str, sp.Expr]:
        """Effective dynamics (activation symbols)."""
        return self.model.dynamics

    def linear_form(self) -> tuple[sp.Expr, sp.Expr]:
        """Split the fixed point ``x_y^* = c W g`` into ``(c, W)``, the overlap scale and the weight.

        Raises
        ------
        ModelError
            If the fixed point is not a scalar times one matrix-vector product.
        """
        from .vector import MatVec

        coeff, mv = sp.S.One, None
        for f in sp.Mul.make_args(self.fixed_point):
            if isinstance(f, MatVec) and mv is None:
                mv = f
            else:
                coeff *= f
        if mv is None or coeff.has(MatVec):
            raise ModelError(f"the fixed point of `{self.layer}`, {self.fixed_point}, is not of the form c * W g")
        return coeff, mv.args[0]

    def _repr_latex_(self) -> str:
        lines = [f"{self.layer}^* = " + sp.latex(self.fixed_point), r"E_{\text{eff}} = " + sp.latex(self.model.energy)]
        for other in self.model.layers:
            lines.append(sp.latex(other.tau) + r"\dot{" + sp.latex(other.state) + "} = " + sp.latex(self.model.dynamics[other.name]))
        return r"$\begin{aligned}" + r"\\ ".join("&" + s for s in lines) + r"\end{aligned}$"


#: derived reductions, by (model, layer, defaults, rescaling): a capacity search or a sweep builds a memory at every
#: point, and the derivation is the same each time (a Reduction is frozen, so sharing it is safe)
_REDUCTIONS: dict = {}


def integrate_out(model: EnergyModel, name: str) -> Reduction:
    """Integrate out layer ``name`` in the limit ``tau -> 0`` (derived once per model; later calls return the same
    :class:`Reduction`).

    Raises
    ------
    ModelError
        If the layer does not exist, or a synapse energy is not linear in its activation.
    """
    key = (model, name, tuple(sorted((str(k), str(v)) for k, v in model.defaults.items())),
           tuple(sorted((str(k), str(v)) for k, v in model.rescaling.items())))
    if key not in _REDUCTIONS:
        if len(_REDUCTIONS) > 256:  # a bound, not an eviction policy: derivations are cheap beside a run
            _REDUCTIONS.clear()
        _REDUCTIONS[key] = _derive_reduction(model, name)
    return _REDUCTIONS[key]


def _derive_reduction(model: EnergyModel, name: str) -> Reduction:
    y = model.layer(name)
    if len(model.layers) < 2:
        raise ModelError(f"Cannot integrate out `{name}`: it is the only layer.")
    touching = [s for s in model.synapses if s.energy.has(y.g)]
    rest = [s for s in model.synapses if not s.energy.has(y.g)]
    E_y = sp.Add(*[s.energy for s in touching])
    b = -grad(E_y, y.g)
    if b.has(y.g):
        raise ModelError(
            f"Cannot integrate out `{name}`: the synapse energies are not linear in its activation "
            f"`{y.activation}` (d E_syn / d {y.activation} = {-b} still depends on it)."
        )
    if b == 0:
        raise ModelError(f"Cannot integrate out `{name}`: no synapse connects it to the other layers.")
    c = E_y.xreplace({y.g: sp.S.Zero})
    L_at_b = y.lagrangian.on(y.state).xreplace({y.state: b})
    eff = Synapse(vsimplify(c - L_at_b), f"effective ({name} integrated out)", tuple({v for s in touching for v in s.inputs}))
    layers = tuple(lay for lay in model.layers if lay.name != name)
    new = EnergyModel(
        layers,
        (*rest, eff),
        f"{model.name} | {name} integrated out",
        dict(model.defaults),
        (*model.notes, f"layer `{name}` integrated out: {name}* = {b}"),
        model.description,
    )
    g_star = y.activation_expr.xreplace({y.state: b})
    return Reduction(new, name, b, g_star)
