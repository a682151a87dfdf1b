r"""Shafiei Kafraj, Krotov & Latham, "A Biologically Plausible Dense Associative Memory with Exponential Capacity",
ICLR 2026: claims ``BPD-*``.

The paper's closed forms for the threshold model, transcribed (the relaxation from ``h = 0`` is derived, in
:mod:`theory.relaxation`).

Fixed points satisfy :math:`s = \Theta(J s - \theta)` with :math:`J = \xi\xi^\top/N_v`
(derived by :func:`theory.marginalize.integrate_out` on the ``threshold`` built-in).

References
----------
.. [1] Eq. 9-10 (per-state bound), Eq. 12a/15 (basins) of the paper; the all-states criterion is
   derived in ``paper_claims.md`` BPD-6.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "Nh",
    "Nv",
    "sigma_v",
    "theta",
    "Q",
    "per_state_bound",
    "flip_probability",
    "all_states_gaussian",
    "all_states_scale",
    "perturbation_variance",
]

Nh = sp.Symbol("N_h", positive=True)
Nv = sp.Symbol("N_v", positive=True)
sigma_v = sp.Symbol("sigma_v", nonnegative=True)
theta = sp.Symbol("theta", real=True)


def Q(z: sp.Expr) -> sp.Expr:  # noqa: N802
    """Gaussian tail ``P(Z > z)``."""
    return sp.erfc(z / sp.sqrt(2)) / 2


def per_state_bound() -> sp.Expr:
    """``1 - N_h sqrt((N_h+1)/N_v) exp(-N_v/(8(N_h+1))) / sqrt(pi/2)`` (Eq. 10; a union bound, per state)."""
    return 1 - Nh * sp.sqrt((Nh + 1) / Nv) * sp.exp(-Nv / (8 * (Nh + 1))) / sp.sqrt(sp.pi / 2)


def flip_probability() -> sp.Expr:
    """Per-unit hidden flip probability under visible noise: ``Q((1/2) / sqrt(N_h sigma_v^2/N_v + (N_h+1)/N_v))``."""
    return Q(sp.Rational(1, 2) / sp.sqrt(Nh * sigma_v**2 / Nv + (Nh + 1) / Nv))


def all_states_gaussian() -> sp.Expr:
    """Gaussian approximation of P(every one of the 2^N_h states is fixed) (BPD-6)."""
    m = (Nh - 1) / sp.sqrt(2 * sp.pi * Nv)
    v = (Nh - 1) * (sp.Rational(1, 2) - 1 / (2 * sp.pi)) / Nv
    Phi = lambda u: 1 - Q(u)  # noqa: E731
    return Phi((theta - m) / sp.sqrt(v)) ** Nh * Phi((1 - m - theta) / sp.sqrt(v + 2 / Nv)) ** Nh


def all_states_scale() -> sp.Expr:
    """Leading-order visible size for all-states stability: ``N_v ~ (2/pi) N_h^2``."""
    return 2 * Nh**2 / sp.pi


def perturbation_variance() -> sp.Expr:
    """``Var(q_mu) = (k - s_mu + 2 s_mu) / N_v`` for ``q = J s - s`` with ``k`` active units (Eq. 9)."""
    k, s = sp.symbols("k s_mu", nonnegative=True)
    return (k - s + 2 * s) / Nv
