r"""Gradients with respect to weight matrices, as sums of outer products (for learning rules).

How it works
------------
For a scalar :math:`S` and a weight :math:`W` the gradient is written as
:math:`\nabla_W S = \sum_k a_k b_k^\top` with vector expressions :math:`a_k` (size rows)
and :math:`b_k` (size cols), found by the same rule per node as :func:`theory.calculus.vjp` (:func:`theory.calculus.pullback`):

.. math::

   c^\top (W a) \;\to\; c\,a^\top + J_a^\top(W^\top c), \qquad
   c^\top (W^\top a) \;\to\; a\,c^\top + J_a^\top(W c).

Summed over a batch, each term is one GEMM :math:`A^\top B` in the kernels, so a learning
step never forms a batch x rows x cols array.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .calculus import _leaf_partials, pullback, reduction_seed
from .vector import _SCALAR_VALUED, Ones, RowSumSq, ShapeError, Vector, VSum, Weight, vsize

__all__ = ["WeightGradient", "weight_grad"]


@dataclass(frozen=True)
class WeightGradient:
    """``sum_k a_k b_k^T``: ``terms`` is a tuple of ``(a_k, b_k)``."""

    W: Weight
    terms: tuple

    def __post_init__(self) -> None:
        rows, cols = self.W.shape
        for a, b in self.terms:
            if vsize(a) != rows or vsize(b) != cols:
                raise ShapeError(f"outer-product term ({a}) ({b})^T does not have the shape {self.W.shape} of `{self.W.name}`")


def _wvjp(e: sp.Expr, W: Weight, c: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """The outer products ``(a, b)`` of ``J_W(e)^T c``: the walk of :func:`theory.calculus.vjp`, with the same rule
    per node (:func:`theory.calculus.pullback`), collecting each node's outer product on ``W`` instead of a vector."""
    if vsize(e) is None:
        raise ShapeError(f"expected a vector expression; got the scalar {e}")
    if not e.has(W) or isinstance(e, (Vector, Ones)):
        return []
    if isinstance(e, RowSumSq):
        raise NotImplementedError("weight gradients through RowSumSq are not supported yet")
    rule = pullback(e, c)
    if rule is not None:
        out = [(a, b) for W2, a, b in rule.outer if W2 == W]
        for child, cot in rule.children:
            if vsize(child) is not None and child.has(W):
                out += _wvjp(child, W, cot)
        return out
    out = []
    n = vsize(e)
    for leaf, p in _leaf_partials(e, W):
        if isinstance(leaf, _SCALAR_VALUED):
            s = VSum(c * p, n)
            out += [(s * a, b) for a, b in weight_grad(leaf, W).terms]
        else:
            out += _wvjp(leaf, W, c * p)
    return out


def weight_grad(S: sp.Expr, W: Weight) -> WeightGradient:
    """``dS/dW`` of a scalar ``S`` as a sum of outer products.

    Examples
    --------
    >>> from theory.vector import Vector, VSum, MatVec, Weight, size_symbol
    >>> K, N = size_symbol("K"), size_symbol("N")
    >>> W, x, y = Weight("W", K, N), Vector("x", N), Vector("y", K)
    >>> weight_grad(VSum(y * MatVec(W, x), K), W).terms
    ((y, x),)
    """
    if not isinstance(W, Weight):
        raise TypeError(f"Argument `W` must be a Weight; got {type(W).__name__}.")
    if vsize(S) is not None:
        raise ShapeError(f"weight_grad needs a scalar expression; got a vector: {S}")
    terms: list[tuple[sp.Expr, sp.Expr]] = []
    for leaf, p in _leaf_partials(S, W):
        child, seed = reduction_seed(leaf)
        terms += [(p * a, b) for a, b in _wvjp(child, W, seed)]
    return WeightGradient(W, tuple(terms))

