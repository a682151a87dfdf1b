r"""Gradients with respect to weight matrices, as sums of outer products (for learning rules).

How it works
------------
For a scalar :math:`S` and a weight :math:`W` the gradient is written as
:math:`\nabla_W S = \sum_k a_k b_k^\top` with vector expressions :math:`a_k` (size rows)
and :math:`b_k` (size cols), found by the same leaf rules as :func:`theory.calculus.vjp`:

.. math::

   c^\top (W a) \;\to\; c\,a^\top + J_a^\top(W^\top c), \qquad
   c^\top (W^\top a) \;\to\; a\,c^\top + J_a^\top(W c).

Summed over a batch, each term is one GEMM :math:`A^\top B` in the kernels, so a learning
step never forms a batch x rows x cols array.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .calculus import _leaf_partials
from .vector import (
    _SCALAR_VALUED,
    LogSumExp,
    MatTVec,
    MatVec,
    Ones,
    RowSumSq,
    ShapeError,
    Softmax,
    Vector,
    VSum,
    Weight,
    vsize,
)

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


def _vec(c: sp.Expr, n: sp.Expr) -> sp.Expr:
    return c if vsize(c) is not None else c * Ones(n)


def _wvjp(e: sp.Expr, W: Weight, c: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    n = vsize(e)
    if n is None:
        raise ShapeError(f"expected a vector expression; got the scalar {e}")
    if not e.has(W):
        return []
    if isinstance(e, (Vector, Ones)):
        return []
    if isinstance(e, RowSumSq):
        raise NotImplementedError("weight gradients through RowSumSq are not supported yet")
    if isinstance(e, MatVec):
        W2, a = e.args
        out = [(_vec(c, W2.shape[0]), _vec(a, W2.shape[1]))] if W2 == W else []
        return out + _wvjp_if(a, W, MatTVec(W2, _vec(c, W2.shape[0])))
    if isinstance(e, MatTVec):
        W2, a = e.args
        out = [(_vec(a, W2.shape[0]), _vec(c, W2.shape[1]))] if W2 == W else []
        return out + _wvjp_if(a, W, MatVec(W2, _vec(c, W2.shape[1])))
    if isinstance(e, Softmax):
        a, beta = e.args
        return _wvjp(a, W, beta * (e * c - e * VSum(e * c, n)))
    out = []
    for leaf, p in _leaf_partials(e, W):
        if isinstance(leaf, _SCALAR_VALUED):
            s = VSum(c * p, n)
            out += [(s * a, b) for a, b in weight_grad(leaf, W).terms]
        else:
            out += _wvjp(leaf, W, c * p)
    return out


def _wvjp_if(a, W, c):
    return _wvjp(a, W, c) if vsize(a) is not None and a.has(W) else []


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
        if isinstance(leaf, VSum):
            part = _wvjp(leaf.args[0], W, sp.S.One)
        elif isinstance(leaf, LogSumExp):
            a, beta = leaf.args
            part = _wvjp(a, W, Softmax(a, beta))
        else:  # pragma: no cover
            raise ShapeError(f"unexpected node {leaf}")
        terms += [(p * a, b) for a, b in part]
    return WeightGradient(W, tuple(terms))

