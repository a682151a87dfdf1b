r"""Krotov, Hoover, Ram & Pham, "Modern Methods in Associative Memory" (tutorial, 2025): claims
``TUT-*``.

The closed form the tutorial gives for the energy of a continuum of memories on the unit circle (Ch. 4 /
notebook 02), and its large-:math:`\beta` limit; TUT-4 and TUT-6 compare them with the integral that
:func:`theory.diffusion.circle_energy_integral` states as a definition.

.. math::

   E(x) = R^2 + 1 - \frac1\beta \log I_0(2\beta R) \;\to\; (R - 1)^2 \quad (\beta\to\infty),\qquad R = \lVert x\rVert.
"""

from __future__ import annotations

import sympy as sp

from ..diffusion import R, beta

__all__ = ["circle_energy_closed", "circle_energy_limit"]


def circle_energy_closed() -> sp.Expr:
    """``R^2 + 1 - beta^-1 log I_0(2 beta R)``."""
    return R**2 + 1 - sp.log(sp.besseli(0, 2 * beta * R)) / beta


def circle_energy_limit() -> sp.Expr:
    """``(R - 1)^2``."""
    return (R - 1) ** 2
