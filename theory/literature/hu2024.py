r"""Hu, Wu & Liu, "Provably Optimal Memory Capacity for Modern Hopfield Models: Transformer-Compatible Dense
Associative Memories as Spherical Codes", NeurIPS 2024: claims ``HU-*``.

Bounds on the minimal separation of optimal spherical codes (Prop. 3.1), transcribed.

For ``M`` unit vectors in :math:`\mathbb R^d`, :math:`\Delta_{\min} = 1 - \max_{i\ne j}\langle x_i, x_j\rangle` of an optimal code satisfies

.. math::

   \tfrac12\Big[\tfrac{\sqrt\pi}{M}\tfrac{\Gamma((d+1)/2)}{\Gamma(d/2+1)}\Big]^{2/(d-1)} \le \Delta_{\min}
   \le 2\Big[\tfrac{2\sqrt\pi}{M}\tfrac{\Gamma((d+1)/2)}{\Gamma(d/2)}\Big]^{1/(d-1)}.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["M", "d", "lower_bound", "upper_bound", "separation_from_angle"]

M = sp.Symbol("M", positive=True)
d = sp.Symbol("d", positive=True)


def lower_bound() -> sp.Expr:
    return sp.Rational(1, 2) * (sp.sqrt(sp.pi) / M * sp.gamma((d + 1) / 2) / sp.gamma(d / 2 + 1)) ** (2 / (d - 1))


def upper_bound() -> sp.Expr:
    return 2 * (2 * sp.sqrt(sp.pi) / M * sp.gamma((d + 1) / 2) / sp.gamma(d / 2)) ** (1 / (d - 1))


def separation_from_angle(theta_deg: sp.Expr) -> sp.Expr:
    """``1 - cos(theta)`` for a minimal angle in degrees."""
    return 1 - sp.cos(theta_deg * sp.pi / 180)
