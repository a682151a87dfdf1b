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
    "drdam_divergence_bound",
    "drdam_step_size",
    "drdam_theorem2_bound",
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


def drdam_divergence_bound() -> sp.Expr:
    """DrDAM Corollary 1: ``C1 C2 exp(beta (E(x) - 1/2)) sqrt(D/Y) / (beta (1 - C2))`` (symbols C1, C2, beta, E, D, Y)."""
    C1, C2, beta, E, Dd, Yy = sp.symbols("C_1 C_2 beta E D Y", positive=True)
    return C1 * C2 * sp.exp(beta * (E - sp.Rational(1, 2))) * sp.sqrt(Dd / Yy) / (beta * (1 - C2))


def drdam_step_size() -> sp.Expr:
    """Corollary 1 step ``eta = C2 / (L (1 + 2 K beta exp(beta/2)))`` (symbols C2, L, K, beta)."""
    C2, L, Kk, beta = sp.symbols("C_2 L K beta", positive=True)
    return C2 / (L * (1 + 2 * Kk * beta * sp.exp(beta / 2)))


def drdam_theorem2_bound() -> sp.Expr:
    """DrDAM Theorem 2 for a constant step ``eta`` and ``L`` layers:
    ``2 eta L C1 K e^(beta E) sqrt(D/Y) (1 - q^L) / (1 - q)`` with ``q = eta L (1 + 2 K beta e^(beta/2))``
    (symbols eta, L, C1, K, beta, E, D, Y). Corollary 1 is the case ``q = C2``, bounded further."""
    eta, L, C1, Kk, beta, E, Dd, Yy = sp.symbols("eta L C_1 K beta E D Y", positive=True)
    q = eta * L * (1 + 2 * Kk * beta * sp.exp(beta / 2))
    return 2 * eta * L * C1 * Kk * sp.exp(beta * E) * sp.sqrt(Dd / Yy) * (1 - q**L) / (1 - q)
