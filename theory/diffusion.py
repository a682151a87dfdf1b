r"""Diffusion as associative memory: the log-sum-exp energy of a continuum of memories on the unit circle.

.. math::

   E(x) = -\frac1\beta \log \frac{1}{2\pi}\int_0^{2\pi} e^{-\beta\lVert x - y(\phi)\rVert^2} d\phi
        = R^2 + 1 - \frac1\beta \log I_0(2\beta R),\qquad R = \lVert x\rVert,

which tends to :math:`(R-1)^2` as :math:`\beta\to\infty`.

References
----------
.. [1] Krotov, Hoover, Ram, Pham, "Modern Methods in Associative Memory" (2025), Ch. 4 / notebook 02.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["R", "beta", "phi", "circle_energy_integral", "circle_energy_closed", "circle_energy_limit"]

R = sp.Symbol("R", nonnegative=True)
beta = sp.Symbol("beta", positive=True)
phi = sp.Symbol("phi", real=True)


def circle_energy_integral() -> sp.Expr:
    """``-beta^-1 log( (1/2pi) int exp(-beta |x - y(phi)|^2) dphi )`` with ``x = (R, 0)`` (unevaluated)."""
    dist2 = (R - sp.cos(phi)) ** 2 + sp.sin(phi) ** 2
    return -sp.log(sp.Integral(sp.exp(-beta * dist2), (phi, 0, 2 * sp.pi)) / (2 * sp.pi)) / beta


def circle_energy_closed() -> sp.Expr:
    """``R^2 + 1 - beta^-1 log I_0(2 beta R)``."""
    return R**2 + 1 - sp.log(sp.besseli(0, 2 * beta * R)) / beta


def circle_energy_limit() -> sp.Expr:
    """``(R - 1)^2``."""
    return (R - 1) ** 2
