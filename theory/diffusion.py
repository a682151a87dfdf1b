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

__all__ = ["R", "beta", "phi", "sigma", "t", "circle_energy_integral", "am_energy",
           "log_density", "diffusion_beta", "diffusion_energy"]

R = sp.Symbol("R", nonnegative=True)
beta = sp.Symbol("beta", positive=True)
phi = sp.Symbol("phi", real=True)
sigma = sp.Symbol("sigma", positive=True)
t = sp.Symbol("t", positive=True)


def circle_energy_integral() -> sp.Expr:
    """``-beta^-1 log( (1/2pi) int exp(-beta |x - y(phi)|^2) dphi )`` with ``x = (R, 0)`` (unevaluated)."""
    dist2 = (R - sp.cos(phi)) ** 2 + sp.sin(phi) ** 2
    return -sp.log(sp.Integral(sp.exp(-beta * dist2), (phi, 0, 2 * sp.pi)) / (2 * sp.pi)) / beta


def am_energy(x, W, b: sp.Expr = beta) -> sp.Expr:
    """The tutorial's associative-memory energy ``-b^-1 log sum_mu exp(-b ||x - W_mu||^2)`` (no factor 1/2 in the exponent)."""
    from .energies import squared_distances
    from .vector import LogSumExp

    return -LogSumExp(-squared_distances(x, W), b)


def log_density(x, W, s: sp.Expr = sigma, time: sp.Expr = t) -> sp.Expr:
    """``log p_t(x)`` of the variance-exploding forward process started at the K training points ``W``:
    the mixture ``(1/K) sum_mu N(x; W_mu, s^2 time I)``."""
    from .energies import squared_distances
    from .vector import LogSumExp

    K, D = W.shape
    var = s**2 * time
    return LogSumExp(-squared_distances(x, W) / (2 * var), 1) - sp.log(K) - D * sp.log(2 * sp.pi * var) / 2


def diffusion_beta() -> sp.Expr:
    """The inverse temperature at which ``-log p_t`` is an associative-memory energy, derived: the curvature of one
    memory's term ``-beta (x - y)^2`` must equal that of ``log N(x; y, sigma^2 t)``. Gives ``1 / (2 sigma^2 t)``."""
    x1, y1 = sp.symbols("x_1 y_1", real=True)
    b = sp.Symbol("b", positive=True)
    gauss = -((x1 - y1) ** 2) / (2 * sigma**2 * t) - sp.log(2 * sp.pi * sigma**2 * t) / 2
    (sol,) = sp.solve(sp.Eq(sp.diff(-b * (x1 - y1) ** 2, x1, 2), sp.diff(gauss, x1, 2)), b)
    return sol


def diffusion_energy(x, W) -> sp.Expr:
    """``E^DM(x, t) = -beta_t^-1 log p_t(x)`` with ``beta_t`` from :func:`diffusion_beta`: the tutorial's
    ``-2 sigma^2 t log sum_mu exp(-||x - W_mu||^2 / (2 sigma^2 t))`` up to an x-independent constant."""
    return -log_density(x, W) / diffusion_beta()
