r"""Ready-made energies that are not two-body dense synapses, and gradient systems built on them.

* :func:`lse_distance_energy`: :math:`E = -\beta^{-1}\log\sum_\mu e^{-\frac\beta2\lVert x-\xi_\mu\rVert^2}`;
* :func:`epanechnikov_energy` (log-sum-ReLU):
  :math:`E = -\beta^{-1}\log\big(\epsilon + \sum_\mu \mathrm{ReLU}(1 - \tfrac\beta2\lVert x-\xi_\mu\rVert^2)\big)`;
* :func:`gradient_system`: a one-layer model (quadratic Lagrangian, so ``g = x``) whose synapse
  energy is :math:`E(g) - \tfrac12\lVert g\rVert^2`; its energy is ``E(x)`` and its dynamics
  :math:`\tau\dot x = -\nabla E(x)`, so every tool of the workbench applies to plain energy descent.

References
----------
.. [1] Hoover, Shi, Balasubramanian, Krotov, Ram, "Dense Associative Memory with Epanechnikov Energy",
   NeurIPS 2025, Eq. 3 and App. E.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from . import lagrangians as lg
from .layers import Layer
from .model import EnergyModel
from .synapses import Synapse
from .vector import LogSumExp, MatVec, RowSumSq, Vector, VSum, Weight, relu

__all__ = [
    "squared_distances",
    "lse_distance_energy",
    "epanechnikov_energy",
    "gradient_system",
    "et_attention_energy",
    "et_hopfield_energy",
    "energy_transformer_block",
]


def squared_distances(x: Vector, W: Weight) -> sp.Expr:
    """``||x - W_mu||^2`` for every memory (a vector over rows of ``W``)."""
    return VSum(x**2, x.size) - 2 * MatVec(W, x) + RowSumSq(W)


def lse_distance_energy(x: Vector, W: Weight, beta: sp.Expr) -> sp.Expr:
    """``-beta^-1 log sum_mu exp(-(beta/2) ||x - W_mu||^2)``."""
    return -LogSumExp(-squared_distances(x, W) / 2, beta)


def epanechnikov_energy(x: Vector, W: Weight, beta: sp.Expr, eps: sp.Expr) -> sp.Expr:
    """``-beta^-1 log(eps + sum_mu ReLU(1 - (beta/2) ||x - W_mu||^2))`` (log-sum-ReLU)."""
    K = W.shape[0]
    return -sp.log(eps + VSum(relu(1 - beta / 2 * squared_distances(x, W)), K)) / beta


def gradient_system(energy: Callable[[Vector], sp.Expr], size: str | int = "D", name: str = "gradient_system", defaults: dict | None = None) -> EnergyModel:
    """A one-layer model whose energy is ``energy(x)`` and whose dynamics are ``tau dx/dt = -grad E(x)``."""
    layer = Layer("x", size, lg.quadratic(), activation="g")
    E = energy(layer.g) - VSum(layer.g**2, layer.size) / 2
    return EnergyModel((layer,), (Synapse(E, name),), name, defaults or {})


def et_attention_energy(tokens: list[Vector], WK: list[Weight], WQ: list[Weight], beta: sp.Expr) -> sp.Expr:
    r"""Energy Transformer attention energy over a fixed set of token activations ``g_B``.

    .. math::

       E^{ATT} = -\frac1\beta\sum_h\sum_C \log\sum_{B\ne C}\exp\big(\beta\,(W^K_h g_B)\cdot(W^Q_h g_C)\big)

    Feature sizes stay symbolic; the token count is the length of ``tokens``.

    References
    ----------
    .. [1] Hoover et al., "Energy Transformer", NeurIPS 2023, Eq. 3.
    """
    E = sp.S.Zero
    for Kh, Qh in zip(WK, WQ, strict=True):
        Y = Kh.shape[0]
        keys = [MatVec(Kh, g) for g in tokens]
        queries = [MatVec(Qh, g) for g in tokens]
        for c, q in enumerate(queries):
            E += -sp.log(sp.Add(*[sp.exp(beta * VSum(keys[b] * q, Y)) for b in range(len(tokens)) if b != c])) / beta
    return E


def et_hopfield_energy(tokens: list[Vector], Xi: Weight) -> sp.Expr:
    r"""Energy Transformer Hopfield-network energy :math:`-\sum_B\sum_\mu \tfrac12\mathrm{ReLU}(\xi_\mu\cdot g_B)^2`."""
    K = Xi.shape[0]
    return sp.Add(*[-VSum(relu(MatVec(Xi, g)) ** 2, K) / 2 for g in tokens])


def energy_transformer_block(tokens: int, heads: int = 1, size: str = "D", name: str = "energy_transformer") -> EnergyModel:
    r"""One Energy Transformer block as a Lagrangian model: a layer-norm layer per token (activation ``g_B``, the
    layer norm), joined by the attention energy and the Hopfield-network energy.

    Notes
    -----
    The layer norm's Lagrangian :math:`L = N\gamma\sqrt{\mathrm{Var}(x) + \epsilon}` has a zero mode along
    :math:`\mathbf 1` (its activation ignores the mean), so the energy is invariant under :math:`x_B \to x_B + c\mathbf 1`
    and :math:`dE/dt = -\sum_B \tau\,\dot x_B^\top \mathrm{Hess}L\,\dot x_B` does not see motion along it.

    References
    ----------
    .. [1] Hoover et al., "Energy Transformer", NeurIPS 2023, Eq. 1-6.
    """
    if not (isinstance(tokens, int) and tokens >= 2):
        raise ValueError(f"Argument `tokens` must be an integer >= 2 (attention needs another token); got {tokens!r}.")
    if not (isinstance(heads, int) and heads >= 1):
        raise ValueError(f"Argument `heads` must be a positive integer; got {heads!r}.")
    from .vector import size_symbol

    D, Y, K = size_symbol(size), size_symbol("Y"), size_symbol("K")
    layers = tuple(Layer(f"x{b}", D, lg.layernorm(), activation=f"g{b}") for b in range(tokens))
    g = [lay.g for lay in layers]
    WK = [Weight(f"WK{h}", Y, D) for h in range(heads)]
    WQ = [Weight(f"WQ{h}", Y, D) for h in range(heads)]
    beta = sp.Symbol("beta", positive=True)
    syn = (Synapse(et_attention_energy(g, WK, WQ, beta), "attention"), Synapse(et_hopfield_energy(g, Weight("xi", K, D)), "hopfield"))
    return EnergyModel(layers, syn, name, {})
