r"""Shared passes: nodes of one layer that a kernel needs together are computed together.

A derived energy holds each layer twice: its activation (in the synapse terms) and its Legendre term ``x g - L``
(a stable node, :mod:`numerics.codegen.stable`); a gradient holds ``sigmoid(u)`` beside ``sigmoid(-u)``. Each pair shares
most of its work -- ``exp(-|u|)`` and ``1 + exp(-|u|)`` for the sigmoid nodes, the shifted exponentials of ``beta a``
for the softmax and its entropy. XLA finds the shared work itself (common subexpressions inside one fused
program); NumPy evaluates node by node, so each node would redo it.

:func:`share_passes` rewrites a group of printable expressions (the outputs of one kernel entry) so that each such
pair is one node returning both values, ``First(P)`` and ``Second(P)``:

- ``sigmoid(u)`` with ``SigmoidLegendre(u)`` -> ``SigmoidLegendrePair(u)``;
- ``sigmoid(u)`` with ``sigmoid(-u)`` -> ``SigmoidPlusMinus(u)``;
- ``Softmax(a, beta)`` with ``LseLegendre(a, beta)`` -> ``SoftmaxLsePair(a, beta)``.

:func:`collect_transposed_products` merges the back-projections a gradient is made of: terms
:math:`f \odot W^\top u_k` with the same elementwise factor :math:`f` and weight :math:`W` become one
:math:`f \odot W^\top(\sum_k c_k u_k)` (the sum is over the short memory axis), so a gradient through several overlap
terms costs one product per (factor, weight) instead of one per term; and :func:`fuse_row_dots` turns the sum over neurons of a product of two vectors, ``VSum(c a b, N)``, into
``c RowDot(a, b)``: one dot product per row (BLAS on NumPy) instead of a product pass, a scaling pass and a sum.

The printer's common-subexpression pass then computes each pair node once. It is a printing device, not
mathematics: ``First(SigmoidLegendrePair(u))`` *is* ``sigmoid(u)``. Every backend implements the pair nodes; the
NumPy ones perform exactly the operations of the two separate nodes, sharing the common ones, so their values are
bitwise those of the separate nodes (``tests/test_stability.py`` checks this).
"""

from __future__ import annotations

import sympy as sp

from theory.vector import sigmoid

from .stable import SigmoidLegendre, _is_inert

__all__ = ["share_passes", "fuse_row_dots", "collect_transposed_products", "SHARED_NODES", "RowDot", "First", "Second", "SigmoidLegendrePair", "SigmoidPlusMinus", "SoftmaxLsePair"]

First = sp.Function("First")
Second = sp.Function("Second")
#: ``(sigmoid(u), SigmoidLegendre(u))``
SigmoidLegendrePair = sp.Function("SigmoidLegendrePair")
#: ``(sigmoid(u), sigmoid(-u))``
SigmoidPlusMinus = sp.Function("SigmoidPlusMinus")
#: ``(Softmax(a, beta), LseLegendre(a, beta))``
SoftmaxLsePair = sp.Function("SoftmaxLsePair")
#: ``VSum(a b)``, the sum over the neuron axis of a product of two vectors (keeping the axis, like VSum)
RowDot = sp.Function("RowDot")

#: Names the backends must implement.
SHARED_NODES = ("First", "Second", "SigmoidLegendrePair", "SigmoidPlusMinus", "SoftmaxLsePair", "RowDot")

_PAIRABLE = ("Softmax", "LseLegendre")


def _nested(arg: sp.Basic) -> bool:
    """Whether ``arg`` itself holds a node that could be paired (then the pair is not formed: one level only)."""
    return any(isinstance(f, (sigmoid, SigmoidLegendre)) or f.func.__name__ in _PAIRABLE for f in arg.atoms(sp.Function))


def share_passes(exprs: list) -> list:
    """The expressions of one kernel entry, with the pairs of the module notes replaced by pair nodes.

    Parameters
    ----------
    exprs : list of sympy.Expr
        Printable expressions (after :func:`numerics.codegen.stable.stabilize`), all outputs of one generated function.

    Returns
    -------
    list of sympy.Expr
        The same values; a node whose partner is absent is left as it is.

    Examples
    --------
    >>> import sympy as sp
    >>> from theory.vector import sigmoid
    >>> from numerics.codegen.stable import SigmoidLegendre
    >>> v = sp.Symbol("v")
    >>> share_passes([sigmoid(v) * 2, SigmoidLegendre(v)])
    [2*First(SigmoidLegendrePair(v)), Second(SigmoidLegendrePair(v))]
    """
    fs: set = set()
    for e in exprs:
        fs |= sp.sympify(e).atoms(sp.Function)
    rep: dict = {}
    for f in sorted(fs, key=sp.default_sort_key):
        if isinstance(f, SigmoidLegendre) and not _nested(f.args[0]):
            s = sigmoid(f.args[0])
            if s in fs and s not in rep:
                p = SigmoidLegendrePair(f.args[0])
                rep[s], rep[f] = First(p), Second(p)
    for f in sorted(fs, key=sp.default_sort_key):
        if isinstance(f, sigmoid) and f not in rep and not _nested(f.args[0]) and not f.args[0].could_extract_minus_sign():
            m = sigmoid(-f.args[0])
            if m in fs and m not in rep:
                p = SigmoidPlusMinus(f.args[0])
                rep[f], rep[m] = First(p), Second(p)
        if _is_inert(f, "LseLegendre") and not any(_nested(a) for a in f.args):
            s = sp.Function("Softmax")(*f.args)
            if s in fs and s not in rep:
                p = SoftmaxLsePair(*f.args)
                rep[s], rep[f] = First(p), Second(p)
    if not rep:
        return list(exprs)
    return [sp.sympify(e).xreplace(rep) for e in exprs]


# nodes whose value is a vector of the neuron axis (kernels.py's inert and fused names)
_VECTOR_NODES = frozenset({"MatVec", "MatTVec", "Softmax", "SoftmaxMatVec", "AttentionMatVec", "Ones", "RowSumSq", "First"})
_VECTOR_SECONDS = frozenset({"SigmoidLegendrePair", "SigmoidPlusMinus"})  # Second of SoftmaxLsePair is a scalar


def _is_vector(e: sp.Basic, vectors: frozenset) -> bool:
    """Known to be a vector: a vector argument, a vector node, or an elementwise function of a known vector."""
    if isinstance(e, sp.Symbol):
        return e.name in vectors
    if isinstance(e, sp.Function):
        name = e.func.__name__
        if name in _VECTOR_NODES:
            return True
        if name == "MaxAbsScale":  # one number per row (a column), not a vector of the neuron axis
            return False
        if name == "Second":
            return isinstance(e.args[0], sp.Function) and e.args[0].func.__name__ in _VECTOR_SECONDS
        return len(e.args) == 1 and _is_vector(e.args[0], vectors)  # tanh, sigmoid, Sech2, ...: elementwise
    if isinstance(e, sp.Pow):
        return e.exp.is_number and _is_vector(e.base, vectors)
    return False


def _is_scalar(e: sp.Basic, vectors: frozenset, weights: frozenset) -> bool:
    """Known to be a scalar: numbers and parameter symbols, and products and powers of them."""
    return all(isinstance(s, sp.Symbol) and s.name not in vectors and s.name not in weights for s in e.free_symbols) and not any(
        isinstance(f, sp.Function) for f in e.atoms(sp.Function))


def _row_dot_term(t: sp.Expr, vectors: frozenset, weights: frozenset) -> sp.Expr | None:
    """``c RowDot(a, b)`` for a term ``c a b`` (c scalar, a and b vectors), else ``None``."""
    vec, sc = [], []
    for f in sp.Mul.make_args(t):
        if _is_scalar(f, vectors, weights):
            sc.append(f)
        elif _is_vector(f, vectors):
            vec.append(f)
        else:
            return None
    if len(vec) == 2:
        return sp.Mul(*sc) * RowDot(*vec)
    if len(vec) == 1 and isinstance(vec[0], sp.Pow) and vec[0].exp == 2:  # a^2: the row's squared norm
        return sp.Mul(*sc) * RowDot(vec[0].base, vec[0].base)
    return None


def fuse_row_dots(exprs: list, vectors, weights=()) -> list:
    """The expressions with every ``VSum`` term ``c a b`` (two vectors) as ``c RowDot(a, b)``.

    Parameters
    ----------
    exprs : list of sympy.Expr
        Printable expressions, after :func:`share_passes`.
    vectors, weights : iterable of str
        The names of the vector arguments (states, inputs) and of the weights; every other symbol is a scalar.

    Returns
    -------
    list of sympy.Expr
        The same values; the other terms of a sum stay in a ``VSum`` (a sum over the neuron axis is linear).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y, b, N = sp.symbols("x y beta N")
    >>> VSum = sp.Function("VSum")
    >>> fuse_row_dots([VSum(-b * x * sp.tanh(y) + sp.tanh(y), N)], ["x", "y"])
    [-beta*RowDot(x, tanh(y)) + VSum(tanh(y), N)]
    """
    vectors, weights = frozenset(vectors), frozenset(weights)

    def rewrite(e):
        if not isinstance(e, sp.Function) or e.func.__name__ != "VSum":
            return e
        body, n = e.args
        dots, rest = [], []
        for t in sp.Add.make_args(body):
            d = _row_dot_term(t, vectors, weights)
            (rest if d is None else dots).append(t if d is None else d)
        if not dots:
            return e
        return sp.Add(*dots) + (sp.Function("VSum")(sp.Add(*rest), n) if rest else 0)

    return [sp.sympify(e).replace(lambda t: isinstance(t, sp.Function) and t.func.__name__ == "VSum", rewrite) for e in exprs]


#: a sum is expanded for :func:`collect_transposed_products` only while it has at most this many terms
COLLECT_TERMS = 256


def collect_transposed_products(exprs: list, vectors, weights=()) -> list:
    """The expressions with every group of terms ``c_k f MatTVec(W, u_k)`` (``c_k`` scalars, ``f`` a product of vectors,
    the same ``f`` and ``W``) merged into ``f MatTVec(W, sum_k c_k u_k)``; an expression where nothing merges, or whose
    expansion exceeds :data:`COLLECT_TERMS` terms, is returned unchanged.

    The expansion distributes products over sums with every function node held opaque (the arguments of ``cos``,
    ``MatTVec``, ... are not touched), so it is linear algebra on the outer level only.

    Examples
    --------
    >>> import sympy as sp
    >>> x, u, v, K, C = sp.symbols("x u v K C")
    >>> M = sp.Function("MatTVec")
    >>> collect_transposed_products([x * (K * M(sp.Symbol("a"), u) + C * M(sp.Symbol("a"), v))], ["x"], ["a"])
    [x*MatTVec(a, C*v + K*u)]
    """
    vectors, weights = frozenset(vectors), frozenset(weights)
    out = []
    for e in exprs:
        e = sp.sympify(e)
        prods = [f for f in e.atoms(sp.Function) if _is_inert(f, "MatTVec")]
        if len(prods) < 2:
            out.append(e)
            continue
        funcs = sorted(e.atoms(sp.Function), key=sp.default_sort_key)
        # only outermost function nodes become opaque (a MatTVec inside a cos stays inside it)
        outer = {f: sp.Dummy(f"f{i}") for i, f in enumerate(funcs) if not any(o != f and o.has(f) for o in funcs)}
        masked = e.xreplace(outer)
        expanded = sp.expand(masked, deep=True, mul=True, multinomial=False, power_exp=False, power_base=False, log=False)
        terms = sp.Add.make_args(expanded)
        if len(terms) > COLLECT_TERMS:
            out.append(e)
            continue
        back = {d: f for f, d in outer.items()}
        groups: dict = {}
        rest = []
        for t in terms:
            t = t.xreplace(back)
            factors = sp.Mul.make_args(t)
            mats = [f for f in factors if _is_inert(f, "MatTVec")]
            if len(mats) != 1:
                rest.append(t)
                continue
            scalar = sp.Mul(*[f for f in factors if f is not mats[0] and _is_scalar(f, vectors, weights)])
            vec = sp.Mul(*[f for f in factors if f is not mats[0] and not _is_scalar(f, vectors, weights)])
            groups.setdefault((mats[0].args[0], vec), []).append(scalar * mats[0].args[1])
        if sum(len(g) for g in groups.values()) == len(groups):  # nothing merges
            out.append(e)
            continue
        M = sp.Function("MatTVec")
        merged = [vec * M(W, sp.Add(*args)) for (W, vec), args in sorted(groups.items(), key=lambda kv: sp.default_sort_key(kv[0][1]))]
        out.append(sp.Add(*merged, *rest))
    return out
