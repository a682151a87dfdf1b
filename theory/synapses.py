"""Synapses: scalar energies of the layers' activations."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .layers import Layer, ModelError
from .vector import MatVec, Vector, VSum, Weight, vsize

__all__ = ["Synapse", "dense", "bias", "recurrent"]


@dataclass(frozen=True)
class Synapse:
    """A (hyper)synapse: a scalar energy written in activation symbols.

    Parameters
    ----------
    energy : sympy.Expr
        Scalar; vectors in it are activation symbols of the model's layers or
        constant inputs listed in ``inputs``.
    name : str
        For messages and reports.
    inputs : tuple of Vector
        Constant external vectors (e.g. the input current ``I``).
    """

    energy: sp.Expr
    name: str = "synapse"
    inputs: tuple = ()

    def __post_init__(self) -> None:
        if not isinstance(self.energy, sp.Expr):
            raise ModelError(f"Synapse `{self.name}`: `energy` must be a SymPy expression; got {type(self.energy).__name__}.")
        n = vsize(self.energy)
        if n is not None:
            raise ModelError(
                f"Synapse `{self.name}`: the energy must be a scalar; got a vector of size {n}: {self.energy}. "
                "Reduce it with a sum or an inner product."
            )
        object.__setattr__(self, "inputs", tuple(self.inputs))

    @property
    def vectors(self) -> set[Vector]:
        """Activation symbols (and inputs) the energy depends on."""
        return set(self.energy.atoms(Vector))

    @property
    def weights(self) -> set[Weight]:
        """Weight matrices in the energy."""
        return set(self.energy.atoms(Weight))


def dense(post: Layer, pre: Layer, weight: str | Weight = "xi", scale: sp.Expr = sp.S.One) -> Synapse:
    r"""Two-body dense synapse :math:`E = -s\, g_{post}^\top W g_{pre}` with ``W`` of shape (N_post, N_pre).

    ``post is pre`` gives a recurrent synapse :math:`-\tfrac s2 g^\top W g`,
    which needs ``W`` declared symmetric.
    """
    if post.name == pre.name:
        return recurrent(post, weight, scale)
    W = Weight(weight, post.size, pre.size) if isinstance(weight, str) else weight
    if W.shape != (post.size, pre.size):
        raise ModelError(
            f"Argument `weight` `{W.name}` must have shape ({post.size}, {pre.size}) to connect "
            f"`{pre.name}` to `{post.name}`; got {W.shape}."
        )
    return Synapse(-_scale(scale, post, pre) * VSum(post.g * MatVec(W, pre.g), post.size), f"dense {pre.name}->{post.name}")


def _scale(scale, *layers: Layer) -> sp.Expr:
    """The synapse's scale: a number, a SymPy expression, or text in the layers' sizes (``"1/N_v"``), read by
    :func:`theory.parsing.parse`, never evaluated."""
    from .parsing import as_expression

    sizes = {s.name: s for lay in layers for s in lay.size.free_symbols}
    return as_expression(scale, "Argument `scale`", sizes)


def recurrent(layer: Layer, weight: str | Weight = "W", scale: sp.Expr = sp.S.One) -> Synapse:
    r"""Recurrent synapse :math:`-\tfrac s2 g^\top W g`; ``W`` must be symmetric for an energy to exist."""
    W = Weight(weight, layer.size, layer.size, symmetric=True) if isinstance(weight, str) else weight
    if not W.symmetric:
        raise ModelError(
            f"Argument `weight` `{W.name}` of the recurrent synapse on `{layer.name}` must be symmetric for an "
            "energy to exist (the dynamics of an asymmetric W has no Lyapunov function in general). "
            "Declare Weight(..., symmetric=True) or use (W + W.T)/2."
        )
    if W.shape != (layer.size, layer.size):
        raise ModelError(f"Argument `weight` must be {layer.size} x {layer.size}; got {W.shape}.")
    return Synapse(-_scale(scale, layer) / 2 * VSum(layer.g * MatVec(W, layer.g), layer.size), f"recurrent {layer.name}")


def bias(layer: Layer, name: str = "I", scale: sp.Expr = sp.S.One) -> Synapse:
    r"""External input :math:`E = -s\, I^\top g` (``I`` a constant vector of the layer's size)."""
    I = Vector(name, layer.size)
    return Synapse(-_scale(scale, layer) * VSum(I * layer.g, layer.size), f"input {name}->{layer.name}", (I,))
