r"""Ramsauer, Schäfl, Lehner, Seidl, Widrich, Adler, Gruber, Holzleitner, Pavlović, Sandve, Greiff, Kreil, Kopp,
Klambauer, Brandstetter & Hochreiter, "Hopfield Networks is All You Need", ICLR 2021 (arXiv:2008.02217): claims ``RAM-*``.

What the paper states, transcribed: the update of Eq. 3 (written from the paper, independent of
:func:`theory.integrate_out`, so that KH21-5a compares the derivation with it) and the storage and retrieval
theorems 3-5 with their separation condition.

.. math::

   v^{new} = \xi^\top \operatorname{softmax}(\beta\,\xi v) \quad\text{(Eq. 3; attention)}
"""

from __future__ import annotations

import sympy as sp

from ..vector import MatTVec, MatVec, Softmax, Vector, Weight

__all__ = ["attention_update", "energy_offset", "theorem3", "retrieval_error_bound", "one_step_bound", "separation_condition"]


def attention_update(v: Vector, xi: Weight, beta: sp.Expr) -> sp.Expr:
    """``xi^T softmax(beta xi v)`` (Eq. 3)."""
    return MatTVec(xi, Softmax(MatVec(xi, v), beta))


def energy_offset(beta: sp.Expr, n_patterns: sp.Expr, M: sp.Expr) -> sp.Expr:
    """Constant added to ``1/2 x.x - lse_beta(X^T x)`` in Ramsauer et al. Eq. 2: ``beta^-1 log N + M^2/2``."""
    return sp.log(n_patterns) / beta + M**2 / 2


def theorem3() -> dict[str, sp.Expr]:
    """Ramsauer et al. Theorem 3: ``a, b, c`` and the bound ``N >= sqrt(p) c^((d-1)/4)`` (symbols beta, K, d, p)."""
    beta, Kr, d, p = sp.symbols("beta K d p", positive=True)
    a = 2 / (d - 1) * (1 + sp.log(2 * beta * Kr**2 * p * (d - 1)))
    b = 2 * Kr**2 * beta / 5
    c = b / sp.LambertW(sp.exp(a + sp.log(b)))
    return {"a": a, "b": b, "c": c, "N_bound": sp.sqrt(p) * c ** ((d - 1) / 4), "c_min": (2 / sp.sqrt(p)) ** (4 / (d - 1))}


def retrieval_error_bound() -> sp.Expr:
    """Theorem 5 bound ``2 (N-1) exp(-beta (Delta - 2 max_dist M)) M`` on ``||f(x) - x_i||`` (symbols N, beta, Delta, dmax, M)."""
    Np, beta, Delta, dmax, M = sp.symbols("N_p beta Delta d_max M", positive=True)
    return 2 * (Np - 1) * sp.exp(-beta * (Delta - 2 * dmax * M)) * M


def one_step_bound() -> sp.Expr:
    """Theorem 4: ``||f(x) - x_i*|| <= 2 beta N M^2 (N-1) exp(-beta (Delta - 2 max_dist M)) ||x - x_i*||``
    (the contraction factor bounding ``||J^m||_2``; symbols N_p, beta, Delta, d_max, M, r)."""
    Np, beta, Delta, dmax, M, r = sp.symbols("N_p beta Delta d_max M r", positive=True)
    return 2 * beta * Np * M**2 * (Np - 1) * sp.exp(-beta * (Delta - 2 * dmax * M)) * r


def separation_condition() -> sp.Expr:
    """Theorems 4-5 assume pattern ``i`` well separated: ``Delta_i >= 2/(beta N) + log(2 (N-1) N beta M^2)/beta``
    (the right-hand side, symbols N_p, beta, M); the query lies in the sphere ``||x - x_i|| <= 1/(beta N M)``."""
    Np, beta, M = sp.symbols("N_p beta M", positive=True)
    return 2 / (beta * Np) + sp.log(2 * (Np - 1) * Np * beta * M**2) / beta
