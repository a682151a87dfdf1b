r"""Models given by their dynamics, with couplings that may differ by direction.

How it works
------------
A coupling adds :math:`a\,W g_s` to :math:`\tau_t \dot x_t`.  An energy needs
every pair of layers coupled both ways through one matrix (``W`` and
``W^T``) with equal factors.  Rescaling a layer, :math:`x_l = \lambda_l \tilde x_l`
with Lagrangian :math:`\tilde L(y) = L(\lambda_l y)/\lambda_l^2` (still convex,
activation :math:`g(\lambda y)/\lambda`), multiplies the coupling into ``t``
from ``s`` by :math:`\lambda_s/\lambda_t`.  Factors ``a`` (into ``t``) and ``b``
(into ``s``) become equal iff :math:`(\lambda_t/\lambda_s)^2 = a/b`, which needs
:math:`a/b > 0`; the common factor is then :math:`\sqrt{ab}`.  On a tree of
couplings this always has a solution; around a cycle the ratios must agree.
Otherwise no energy of this form exists and the dynamics are offered alone.

References
----------
.. [1] Shafiei Kafraj, Krotov & Latham, ICLR 2026, Eq. 1a-1b (factors
   :math:`N_h^{-1/2}` and :math:`\sqrt{N_h}/N_v`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .layers import Layer, ModelError
from .model import EnergyModel
from .synapses import Synapse
from .vector import MatTVec, MatVec, Vector, VSum, Weight

__all__ = ["Coupling", "DirectedModel", "NoEnergyError", "Symmetrization"]


class NoEnergyError(ModelError):
    """The couplings admit no energy; ``.dynamics`` holds the dynamics alone."""

    def __init__(self, message: str, dynamics: dict[str, sp.Expr]):
        super().__init__(message)
        self.dynamics = dynamics


@dataclass(frozen=True)
class Coupling:
    """``tau_target dx_target/dt += scale * W g_source`` (``W^T`` when ``transpose``)."""

    target: str
    source: str
    weight: Weight
    scale: sp.Expr = sp.S.One
    transpose: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", sp.sympify(self.scale))
        if not isinstance(self.weight, Weight):
            raise ModelError(f"Coupling `weight` must be a Weight; got {type(self.weight).__name__}.")


@dataclass(frozen=True)
class Symmetrization:
    """An energy model found for a directed model, and the rescaling used."""

    model: EnergyModel
    rescaling: dict[str, sp.Expr]
    couplings: dict[tuple[str, str], sp.Expr]


@dataclass(frozen=True)
class DirectedModel:
    """Layers with directed couplings and inputs: the dynamics as published."""

    layers: tuple
    couplings: tuple
    inputs: dict = field(default_factory=dict)  # layer name -> input vector name
    name: str = "directed"
    defaults: dict = field(default_factory=dict, compare=False, hash=False)
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "couplings", tuple(self.couplings))
        names = {lay.name for lay in self.layers}
        for c in self.couplings:
            for end in (c.target, c.source):
                if end not in names:
                    raise ModelError(f"Coupling {c.source}->{c.target} refers to unknown layer `{end}`; layers are {sorted(names)}.")
            t, s = self._layer(c.target), self._layer(c.source)
            shape = (c.weight.shape[1], c.weight.shape[0]) if c.transpose else c.weight.shape
            if shape != (t.size, s.size):
                raise ModelError(
                    f"Coupling {c.source}->{c.target}: `{c.weight.name}`{'^T' if c.transpose else ''} has shape {shape}, "
                    f"expected ({t.size}, {s.size})."
                )
        for k in self.inputs:
            if k not in names:
                raise ModelError(f"Input to unknown layer `{k}`; layers are {sorted(names)}.")

    def _layer(self, name: str) -> Layer:
        for lay in self.layers:
            if lay.name == name:
                return lay
        raise ModelError(f"Unknown layer `{name}`.")

    def _term(self, c: Coupling, factor: sp.Expr = sp.S.One) -> sp.Expr:
        s = self._layer(c.source)
        op = MatTVec if c.transpose else MatVec
        return c.scale * factor * op(c.weight, s.g)

    @property
    def dynamics(self) -> dict[str, sp.Expr]:
        """``tau dx/dt`` per layer, as published (activation symbols)."""
        out = {}
        for lay in self.layers:
            rhs = -lay.state
            for c in self.couplings:
                if c.target == lay.name:
                    rhs += self._term(c)
            if lay.name in self.inputs:
                rhs += Vector(self.inputs[lay.name], lay.size)
            out[lay.name] = rhs
        return out

    def energy_model(self) -> Symmetrization:
        """Find the rescaling that makes the dynamics an energy model.

        Raises
        ------
        NoEnergyError
            With the reason and ``.dynamics``, when no rescaling works.
        """
        pairs: dict[frozenset, list[Coupling]] = {}
        for c in self.couplings:
            pairs.setdefault(frozenset((c.target, c.source)), []).append(c)
        rel: dict[tuple[str, str], sp.Expr] = {}
        common: dict[tuple[str, str], tuple[Coupling, sp.Expr]] = {}
        for key, cs in pairs.items():
            if len(key) == 1:
                raise NoEnergyError(
                    f"Coupling of `{cs[0].target}` to itself: use a recurrent synapse with a symmetric weight instead.",
                    self.dynamics,
                )
            t, s = sorted(key)
            into_t = [c for c in cs if c.target == t]
            into_s = [c for c in cs if c.target == s]
            if len(into_t) != 1 or len(into_s) != 1:
                raise NoEnergyError(
                    f"Layers `{t}` and `{s}` are coupled in one direction only (or twice in one direction): "
                    "an energy needs exactly one coupling each way through the same matrix.",
                    self.dynamics,
                )
            a_c, b_c = into_t[0], into_s[0]
            if a_c.weight != b_c.weight or a_c.transpose == b_c.transpose:
                raise NoEnergyError(
                    f"Couplings {s}->{t} ({a_c.weight.name}{'^T' if a_c.transpose else ''}) and {t}->{s} "
                    f"({b_c.weight.name}{'^T' if b_c.transpose else ''}) are not transposes of one matrix: "
                    "asymmetric weights have no energy.",
                    self.dynamics,
                )
            ratio = sp.simplify(a_c.scale / b_c.scale)
            if ratio.is_positive is not True:
                raise NoEnergyError(
                    f"Couplings {s}->{t} (factor {a_c.scale}) and {t}->{s} (factor {b_c.scale}) have ratio {ratio}, "
                    "not provably positive: no rescaling of the layers makes them symmetric.",
                    self.dynamics,
                )
            rel[(t, s)] = sp.sqrt(ratio)  # lambda_t / lambda_s
            common[(t, s)] = (a_c, sp.sqrt(sp.simplify(a_c.scale * b_c.scale)))
        # choose the layer kept unscaled: the first non-quadratic one
        order = sorted(self.layers, key=lambda lay: lay.lagrangian.name == "quadratic")
        lam: dict[str, sp.Expr] = {}
        for root in order:
            if root.name in lam:
                continue
            lam[root.name] = sp.S.One
            stack = [root.name]
            while stack:
                u = stack.pop()
                for (t, s), r in rel.items():
                    if u not in (t, s):
                        continue
                    other, val = (s, lam[u] / r) if u == t else (t, lam[u] * r)
                    val = sp.simplify(val)
                    if other in lam:
                        if sp.simplify(lam[other] - val) != 0:
                            raise NoEnergyError(
                                f"The coupling factors around a cycle through `{t}` and `{s}` are inconsistent: "
                                f"layer `{other}` would need scale {lam[other]} and {val}.",
                                self.dynamics,
                            )
                    else:
                        lam[other] = val
                        stack.append(other)
        layers = []
        for lay in self.layers:
            lmb = lam[lay.name]
            lag = lay.lagrangian if lmb == 1 else lay.lagrangian.rescaled(lmb)
            layers.append(Layer(lay.name, lay.size, lag, lay.tau, lay.activation, lay.defaults))
        by = {lay.name: lay for lay in layers}
        synapses = []
        factors = {}
        for (t, s), (c, k) in common.items():
            op = MatTVec if c.transpose else MatVec
            tl = by[c.target]
            synapses.append(Synapse(-k * VSum(tl.g * op(c.weight, by[c.source].g), tl.size), f"dense {c.source}<->{c.target}"))
            factors[(t, s)] = k
        for lname, iname in self.inputs.items():
            lay = by[lname]
            inp = Vector(iname, lay.size)
            synapses.append(Synapse(-VSum(inp * lay.g, lay.size) / lam[lname], f"input {iname}->{lname}", (inp,)))
        notes = tuple(
            f"layer `{k}` rescaled: {k} = {v} * {k}~ (Lagrangian L(lambda y)/lambda^2)" for k, v in lam.items() if v != 1
        )
        notes += tuple(f"symmetric coupling {s}<->{t}: factor {k}" for (t, s), k in factors.items())
        model = EnergyModel(tuple(layers), tuple(synapses), self.name, dict(self.defaults), notes, self.description, dict(lam))
        return Symmetrization(model, {k: v for k, v in lam.items()}, factors)
