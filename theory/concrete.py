"""Expansion of vector-level expressions at concrete sizes into plain SymPy scalars.

This is the independent route the symbolic-size calculus is checked against:
at ``N = 2`` or ``3`` every vector becomes its components ``x_0, x_1, ...``,
every weight a matrix of symbols, and plain ``sympy.diff`` applies.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from .vector import LogSumExp, MatTVec, MatVec, Ones, RowSumSq, Softmax, Vector, VSum, Weight

__all__ = ["expand", "components", "weight_matrix"]


def _n(size: sp.Expr, sizes: Mapping) -> int:
    m = {}
    for k, v in sizes.items():
        key = k if isinstance(k, sp.Basic) else sp.Symbol(str(k), integer=True, positive=True)
        m[key] = sp.Integer(v)
    v = sp.sympify(size).xreplace(m)
    if not v.is_Integer:
        raise ValueError(f"Argument `sizes` gives no value for the size {size}; got sizes={dict(sizes)}.")
    return int(v)


def components(x: Vector, sizes: Mapping[sp.Symbol, int]) -> list[sp.Symbol]:
    """The real scalar components ``x_0 .. x_{N-1}`` of ``x`` at concrete size."""
    return [sp.Symbol(f"{x.name}_{i}", real=True) for i in range(_n(x.size, sizes))]


def weight_matrix(W: Weight, sizes: Mapping[sp.Symbol, int]) -> sp.Matrix:
    """The matrix of real symbols ``W_{ij}`` (symmetric when ``W`` is declared so)."""
    r, c = _n(W.shape[0], sizes), _n(W.shape[1], sizes)

    def entry(i: int, j: int) -> sp.Symbol:
        if W.symmetric and j < i:
            i, j = j, i
        return sp.Symbol(f"{W.name}_{i}_{j}", real=True)

    return sp.Matrix(r, c, lambda i, j: entry(i, j))


def expand(e: sp.Expr, sizes: Mapping[sp.Symbol, int]) -> sp.Expr | list[sp.Expr]:
    """Expand ``e`` at concrete sizes.

    Returns a SymPy scalar for a scalar expression and a list of component
    expressions for a vector expression.
    """
    cache: dict[sp.Expr, object] = {}

    def rec(t):
        if t in cache:
            return cache[t]
        out = _rec(t)
        cache[t] = out
        return out

    def _rec(t):
        if isinstance(t, Vector):
            return components(t, sizes)
        if isinstance(t, Ones):
            return [sp.S.One] * _n(t.size, sizes)
        if isinstance(t, Weight):
            return weight_matrix(t, sizes)
        if isinstance(t, MatVec):
            M = rec(t.args[0])
            a = _vec(rec(t.args[1]), M.shape[1])
            return list(M * sp.Matrix(a))
        if isinstance(t, MatTVec):
            M = rec(t.args[0])
            a = _vec(rec(t.args[1]), M.shape[0])
            return list(M.T * sp.Matrix(a))
        if isinstance(t, RowSumSq):
            M = rec(t.args[0])
            return [sum(M[i, j] ** 2 for j in range(M.cols)) for i in range(M.rows)]
        if isinstance(t, VSum):
            n = _n(t.args[1], sizes)
            return sp.Add(*_vec(rec(t.args[0]), n))
        if isinstance(t, LogSumExp):
            a, beta = rec(t.args[0]), rec(t.args[1])
            return sp.log(sp.Add(*[sp.exp(beta * ai) for ai in a])) / beta
        if isinstance(t, Softmax):
            a, beta = rec(t.args[0]), rec(t.args[1])
            z = sp.Add(*[sp.exp(beta * ai) for ai in a])
            return [sp.exp(beta * ai) / z for ai in a]
        if not t.args:
            return t
        args = [rec(a) for a in t.args]
        lens = {len(a) for a in args if isinstance(a, list)}
        if not lens:
            return t.func(*args)
        if len(lens) > 1:
            raise ValueError(f"size mismatch in {t} at sizes {dict(sizes)}")
        n = lens.pop()
        return [t.func(*[a[i] if isinstance(a, list) else a for a in args]) for i in range(n)]

    def _vec(a, n):
        return a if isinstance(a, list) else [a] * n

    m = {k if isinstance(k, sp.Basic) else sp.Symbol(str(k), integer=True, positive=True): sp.Integer(v) for k, v in sizes.items()}
    out = rec(e)
    return [c.xreplace(m) for c in out] if isinstance(out, list) else out.xreplace(m)
