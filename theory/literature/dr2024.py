"""Hoover, Chau, Strobelt, Ram & Krotov, "Dense Associative Memory Through the Lens of Random Features",
NeurIPS 2024 (arXiv:2410.24153): claims ``DR-*``.

The paper's error bounds for the random-feature dynamics (Theorem 2, Corollary 1), transcribed; the random-feature
energies themselves are built by :mod:`theory.random_features`.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["divergence_bound", "step_size", "theorem2_bound"]


def divergence_bound() -> sp.Expr:
    """DrDAM Corollary 1: ``C1 C2 exp(beta (E(x) - 1/2)) sqrt(D/Y) / (beta (1 - C2))`` (symbols C1, C2, beta, E, D, Y)."""
    C1, C2, beta, E, Dd, Yy = sp.symbols("C_1 C_2 beta E D Y", positive=True)
    return C1 * C2 * sp.exp(beta * (E - sp.Rational(1, 2))) * sp.sqrt(Dd / Yy) / (beta * (1 - C2))


def step_size() -> sp.Expr:
    """Corollary 1 step ``eta = C2 / (L (1 + 2 K beta exp(beta/2)))`` (symbols C2, L, K, beta)."""
    C2, L, Kk, beta = sp.symbols("C_2 L K beta", positive=True)
    return C2 / (L * (1 + 2 * Kk * beta * sp.exp(beta / 2)))


def theorem2_bound() -> sp.Expr:
    """DrDAM Theorem 2 for a constant step ``eta`` and ``L`` layers:
    ``2 eta L C1 K e^(beta E) sqrt(D/Y) (1 - q^L) / (1 - q)`` with ``q = eta L (1 + 2 K beta e^(beta/2))``
    (symbols eta, L, C1, K, beta, E, D, Y). Corollary 1 is the case ``q = C2``, bounded further."""
    eta, L, C1, Kk, beta, E, Dd, Yy = sp.symbols("eta L C_1 K beta E D Y", positive=True)
    q = eta * L * (1 + 2 * Kk * beta * sp.exp(beta / 2))
    return 2 * eta * L * C1 * Kk * sp.exp(beta * E) * sp.sqrt(Dd / Yy) * (1 - q**L) / (1 - q)
