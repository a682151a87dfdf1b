r"""Random-feature approximations of the RBF kernel (DrDAM, Hoover et al. NeurIPS 2024, Sec. 3).

For :math:`k(x, y) = e^{-\lVert x - y\rVert^2/2}` and random directions :math:`w_a \sim N(0, I_D)`
(rows of a ``Y x D`` weight ``W``):

* trigonometric: :math:`\hat k = \tfrac1Y\sum_a \cos(w_a\cdot x)\cos(w_a\cdot y) + \sin(w_a\cdot x)\sin(w_a\cdot y)`;
* positive: :math:`\hat k = \tfrac{e^{-\lVert x\rVert^2 - \lVert y\rVert^2}}{2Y}\sum_a e^{w_a\cdot(x+y)} + e^{-w_a\cdot(x+y)}`.

Both are unbiased, with standard deviation :math:`O(Y^{-1/2})`.
"""

from __future__ import annotations

import sympy as sp

from .vector import MatVec, Vector, VSum, Weight

__all__ = [
    "rbf",
    "trig_estimate",
    "positive_estimate",
    "lse_energy_exact",
    "lse_energy_random_features",
    "positive_features",
]


def rbf(x: Vector, y: Vector) -> sp.Expr:
    """``exp(-||x - y||^2 / 2)``."""
    return sp.exp(-VSum((x - y) ** 2, x.size) / 2)


def trig_estimate(x: Vector, y: Vector, W: Weight) -> sp.Expr:
    """Trigonometric random-feature estimate of :func:`rbf`."""
    Y = W.shape[0]
    a, b = MatVec(W, x), MatVec(W, y)
    return VSum(sp.cos(a) * sp.cos(b) + sp.sin(a) * sp.sin(b), Y) / Y


def positive_estimate(x: Vector, y: Vector, W: Weight) -> sp.Expr:
    """Positive random-feature estimate of :func:`rbf`."""
    Y = W.shape[0]
    s = MatVec(W, x) + MatVec(W, y)
    pre = sp.exp(-VSum(x**2, x.size) - VSum(y**2, y.size))
    return pre * VSum(sp.exp(s) + sp.exp(-s), Y) / (2 * Y)


def lse_energy_exact(x: Vector, Xi: Weight, beta: sp.Expr) -> sp.Expr:
    """``-beta^-1 log sum_mu exp(-(beta/2) ||x - xi_mu||^2)`` (the MrDAM energy)."""
    from .energies import lse_distance_energy

    return lse_distance_energy(x, Xi, beta)


def lse_energy_random_features(x: Vector, T_plus: Vector, T_minus: Vector, W: Weight, beta: sp.Expr) -> sp.Expr:
    """DrDAM energy ``-beta^-1 log <T, phi(sqrt(beta) x)>`` with positive features; ``T = sum_mu phi(sqrt(beta) xi_mu)``
    is passed as its two halves ``T_plus = sum_mu exp(sqrt(beta) W xi_mu - beta ||xi_mu||^2)`` and ``T_minus`` (same with -W)."""
    Y = W.shape[0]
    z = sp.sqrt(beta) * MatVec(W, x)
    pre = sp.exp(-beta * VSum(x**2, x.size))
    return -sp.log(pre * VSum(T_plus * sp.exp(z) + T_minus * sp.exp(-z), Y) / (2 * Y)) / beta


def positive_features(u: Vector, W: Weight, scale: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Unnormalised positive features of ``scale * u``: ``(exp(s W u - s^2 |u|^2), exp(-s W u - s^2 |u|^2))``."""
    z = scale * MatVec(W, u)
    pre = -(scale**2) * VSum(u**2, u.size)
    return sp.exp(z + pre), sp.exp(-z + pre)


