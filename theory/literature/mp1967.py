r"""Marchenko & Pastur, "Distribution of eigenvalues for some sets of random matrices", Math. USSR-Sbornik 1, 457
(1967): claims ``MP-*``.

The Marchenko–Pastur law for :math:`J = \xi\xi^\top/N_v` with :math:`\xi` an :math:`N_h\times N_v` Gaussian matrix.

.. math::

   \rho(x) = \frac{\sqrt{(\lambda_+ - x)(x - \lambda_-)}}{2\pi\lambda x},\qquad
   \lambda_\pm = (1 \pm \sqrt\lambda)^2,\qquad \lambda = N_h/N_v \le 1.

References
----------
.. [1] Marchenko & Pastur, Math. USSR-Sbornik 1 (1967).
"""

from __future__ import annotations

import sympy as sp

__all__ = ["lam", "x", "t", "edges", "density", "density_on_circle", "moment", "operator_deviation", "row_l1_offdiag"]

lam = sp.Symbol("lambda", positive=True)
x = sp.Symbol("x", positive=True)
t = sp.Symbol("t", real=True)


def edges() -> tuple[sp.Expr, sp.Expr]:
    """``((1 - sqrt(lambda))^2, (1 + sqrt(lambda))^2)``."""
    return (1 - sp.sqrt(lam)) ** 2, (1 + sp.sqrt(lam)) ** 2


def density() -> sp.Expr:
    """The MP density on its support."""
    lo, hi = edges()
    return sp.sqrt((hi - x) * (x - lo)) / (2 * sp.pi * lam * x)


def density_on_circle() -> sp.Expr:
    r"""``rho(x) dx`` after :math:`x = 1 + \lambda + 2\sqrt\lambda\cos t`, ``t`` in ``[0, pi]``.

    The square root becomes :math:`2\sqrt\lambda \sin t`, so moments are integrals
    of trigonometric polynomials over rational functions of ``cos t``.
    """
    xc = 1 + lam + 2 * sp.sqrt(lam) * sp.cos(t)
    dx = 2 * sp.sqrt(lam) * sp.sin(t)  # |dx/dt|
    root = 2 * sp.sqrt(lam) * sp.sin(t)
    return sp.simplify(root / (2 * sp.pi * lam * xc) * dx)


def moment(k: int) -> sp.Expr:
    """``int x^k rho(x) dx`` as an integral over ``t`` (unevaluated; evaluate with ``doit`` or mpmath)."""
    xc = 1 + lam + 2 * sp.sqrt(lam) * sp.cos(t)
    return sp.Integral(xc**k * density_on_circle(), (t, 0, sp.pi))


def operator_deviation() -> sp.Expr:
    """Limit of ``||J - I||_op``: ``2 sqrt(lambda) + lambda``."""
    return 2 * sp.sqrt(lam) + lam


def row_l1_offdiag() -> sp.Expr:
    """Mean off-diagonal row L1 norm of ``J - I``: ``(N_h - 1) sqrt(2/pi) / sqrt(N_v)`` (E|zeta| = sqrt(2/pi))."""
    Nh, Nv = sp.symbols("N_h N_v", positive=True)
    return (Nh - 1) * sp.sqrt(2 / sp.pi) / sp.sqrt(Nv)
