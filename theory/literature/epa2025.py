"""Hoover, Shi, Balasubramanian, Krotov & Ram, "Dense Associative Memory with Epanechnikov Energy", NeurIPS 2025:
claims ``EPA-*``.

The gradient as the paper writes it (App. E, Eq. 7-8), so that the ``EPA-*`` claims compare it with the gradient the workbench
derives from :func:`theory.energies.epanechnikov_energy`.
"""

from __future__ import annotations

import sympy as sp

from ..energies import squared_distances
from ..vector import MatTVec, Vector, VSum, Weight, step

__all__ = ["gradient_formula"]


def gradient_formula(x: Vector, W: Weight, beta: sp.Expr, eps: sp.Expr) -> sp.Expr:
    """App. E, Eq. 7-8: ``sum_{mu in B(x)} (x - W_mu) / (eps + sum_{nu in B(x)} (1 - (beta/2) ||x - W_nu||^2))``,
    with ``B(x)`` written as the indicator ``Theta(1 - (beta/2) ||x - W_mu||^2)``."""
    K = W.shape[0]
    a = 1 - beta / 2 * squared_distances(x, W)
    ind = step(a)
    return (VSum(ind, K) * x - MatTVec(W, ind)) / (eps + VSum(ind * a, K))
