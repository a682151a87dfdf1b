r"""Reference updates written directly from the papers (independent of :func:`theory.integrate_out`).

.. math::

   v^{new} = \xi^\top \operatorname{softmax}(\beta\,\xi v) \quad\text{(Ramsauer et al. 2021, Eq. 3; attention)}

   h^{(0)}_i = \sum_{j\ne i} T_{ij}\sigma_j,\ T = \xi^\top\xi \quad\text{(Hopfield 1982, zero self-coupling; for } \pm1 \text{ patterns } T_{ii} = K)
"""

from __future__ import annotations

import sympy as sp

from .vector import MatTVec, MatVec, Softmax, Vector, Weight

__all__ = ["attention_update", "hebbian_field_zero_diagonal"]


def attention_update(v: Vector, xi: Weight, beta: sp.Expr) -> sp.Expr:
    """``xi^T softmax(beta xi v)``."""
    return MatTVec(xi, Softmax(MatVec(xi, v), beta))


def hebbian_field_zero_diagonal(sigma: Vector, xi: Weight) -> sp.Expr:
    """``(xi^T xi - K I) sigma``: the Hebbian field without self-coupling, for +-1 patterns (rows of ``xi``)."""
    return MatTVec(xi, MatVec(xi, sigma)) - xi.shape[0] * sigma
