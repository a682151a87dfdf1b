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

:func:`collect_linear_products` merges the terms that apply one linear node to different arguments: terms
:math:`f \odot W^\top u_k` with the same elementwise factor :math:`f` and weight :math:`W` become one
:math:`f \odot W^\top(\sum_k c_k u_k)` (the sum is over the short memory axis), likewise for :math:`W u_k` and sums
over an axis, so a gradient through several overlap terms costs one product per (factor, weight) instead of one per
term, and a residual :math:`W^\top x - W^\top f` one product instead of two; and :func:`fuse_row_dots` turns the sum over neurons of a product of two vectors, ``VSum(c a b, N)``, into
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

__all__ = ["share_passes", "fuse_row_dots", "collect_linear_products", "SHARED_NODES", "RowDot", "First", "Second", "SigmoidLegendrePair", "SigmoidPlusMinus", "SoftmaxLsePair"]

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


#: a sum is expanded for :func:`collect_linear_products` only while it has at most this many terms
COLLECT_TERMS = 256

# the linear nodes and the position of the argument they are linear in (the others are the key: weight, size)
_LINEAR = {"MatVec": 1, "MatTVec": 1, "VSum": 0}


def _linear_node(f: sp.Basic) -> bool:
    return isinstance(f, sp.core.function.AppliedUndef) and f.func.__name__ in _LINEAR


def _canonical(arg: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``(c, p)`` with ``arg = c p``, ``c`` a number and ``p`` a sum without common numeric content or a leading minus."""
    c, p = arg.as_content_primitive()
    if p.could_extract_minus_sign():
        c, p = -c, -p
    return c, p


def _outer_functions(e: sp.Expr) -> list:
    """The function nodes of ``e`` not inside another one (one traversal that stops at each), in a stable order."""
    found, stack = set(), [e]
    while stack:
        node = stack.pop()
        if isinstance(node, sp.Function):
            found.add(node)
        elif not node.is_Atom:
            stack.extend(node.args)
    return sorted(found, key=sp.default_sort_key)


def _may_merge(e: sp.Expr, vectors: frozenset, weights: frozenset) -> bool:
    """Whether two terms of ``e`` (a sum, or a product holding sums, as the expansion would distribute it) could merge:
    the same linear node with the same key (weight, size) and the same other non-scalar factors. A cheap test before the
    expansion, which is the costly part; where a term's other factors hold a sum (distributed later) it answers yes."""
    seen: set = set()
    loose: set = set()  # (node, key) of terms whose other factors are not known before the expansion

    def visit(x, outer: tuple, known: bool) -> bool:
        for t in sp.Add.make_args(x) if x.is_Add else [x]:
            fs = sp.Mul.make_args(t)
            sums = [f for f in fs if f.is_Add]
            others = tuple(sorted((f for f in fs if not f.is_Add and not _linear_node(f) and not _is_scalar(f, vectors, weights)),
                                  key=sp.default_sort_key))
            for i, f in enumerate(fs):
                if _linear_node(f):
                    pos = _LINEAR[f.func.__name__]
                    node = (f.func, tuple(a for j, a in enumerate(f.args) if j != pos))
                    rest = tuple(g for j, g in enumerate(fs) if j != i and _linear_node(g))
                    sure = known and not sums
                    key = (node, outer + others + rest)
                    if (sure and key in seen) or node in loose or (not sure and any(k[0] == node for k in seen)):
                        return True
                    seen.add(key)
                    if not sure:
                        loose.add(node)
            for f in sums:
                if visit(f, outer + others, known and len(sums) == 1):
                    return True
        return False

    return visit(e, (), True)


def _collect(e: sp.Expr, vectors: frozenset, weights: frozenset) -> sp.Expr:
    """One level: the terms of ``e`` (expanded over its opaque function nodes) ``c_k f Op(K, u_k)`` with the same linear
    node ``Op``, key ``K`` and non-scalar factor ``f`` merged into ``f Op(K, sum_k c_k u_k)``; ``e`` itself when nothing
    merges or the expansion is too long."""
    funcs = _outer_functions(e)
    if sum(1 for f in funcs if _linear_node(f)) < 2:
        return e
    outer = {f: sp.Dummy(f"f{i}") for i, f in enumerate(funcs)}
    expanded = sp.expand(e.xreplace(outer), deep=True, mul=True, multinomial=False, power_exp=False, power_base=False, log=False)
    terms = sp.Add.make_args(expanded)
    if len(terms) > COLLECT_TERMS or len(terms) < 2:
        return e
    back = {d: f for f, d in outer.items()}
    cands = []  # per term: [(key, scalar * linear argument)]
    for t in terms:
        factors = sp.Mul.make_args(t.xreplace(back))
        scalar = sp.Mul(*[f for f in factors if _is_scalar(f, vectors, weights)])
        others = [f for f in factors if not _is_scalar(f, vectors, weights)]
        opts = []
        for i, f in enumerate(others):
            if _linear_node(f):
                pos = _LINEAR[f.func.__name__]
                rest = sp.Mul(*(others[:i] + others[i + 1:]))
                opts.append(((f.func, tuple(a for j, a in enumerate(f.args) if j != pos), rest), scalar * f.args[pos]))
        cands.append((t.xreplace(back), opts))
    count: dict = {}
    for _, opts in cands:
        for key, _ in opts:
            count[key] = count.get(key, 0) + 1
    groups: dict = {}
    rest = []
    for t, opts in cands:
        best = max(opts, key=lambda o: count[o[0]], default=None)
        if best is None or count[best[0]] < 2:
            rest.append(t)
        else:
            groups.setdefault(best[0], []).append(best[1])
    if not any(len(g) > 1 for g in groups.values()):
        return e
    merged = []
    for (func, keys, f), args in sorted(groups.items(), key=lambda kv: sp.default_sort_key(kv[0][2])):
        c, p = _canonical(sp.Add(*args))
        p = _collect(p, vectors, weights) if p.is_Add else p  # the merged argument may merge again (W^T a - W^T b)
        pos = _LINEAR[func.__name__]
        inner = list(keys)
        inner.insert(pos, p)
        merged.append(c * f * func(*inner))
    return sp.Add(*merged, *rest)


def collect_linear_products(exprs: list, vectors, weights=()) -> list:
    """The expressions with the terms of every sum that apply one linear node to different arguments merged: ``c_k f
    Op(K, u_k)`` (``c_k`` scalars, ``f`` the same product of the other factors, ``Op`` one of ``MatVec``, ``MatTVec``,
    ``VSum`` with the same weight or size ``K``) become ``f Op(K, sum_k c_k u_k)``, at every level of the expression
    (the arguments of a node first), with the merged argument's numeric content and sign taken out so that equal
    combinations print as one node; an expression where nothing merges, or whose expansion exceeds
    :data:`COLLECT_TERMS` terms, is returned unchanged.

    A gradient made of several overlap terms thus costs one back-projection per (factor, weight), and a residual
    ``W^T x - W^T f`` one product instead of two. The expansion distributes products over sums with every function node
    held opaque, so it is linear algebra on each level only.

    Examples
    --------
    >>> import sympy as sp
    >>> x, u, v, K, C = sp.symbols("x u v K C")
    >>> M = sp.Function("MatTVec")
    >>> collect_linear_products([x * (K * M(sp.Symbol("a"), u) + C * M(sp.Symbol("a"), v))], ["x"], ["a"])
    [x*MatTVec(a, C*v + K*u)]
    >>> X, W, s, L = sp.symbols("X W s L")
    >>> MV, VS = sp.Function("MatVec"), sp.Function("VSum")
    >>> collect_linear_products([2 * VS(s * MV(X, M(W, x)), L) - 2 * VS(s * MV(X, M(W, v)), L)], ["x", "v", "s"], ["X", "W"])
    [-2*VSum(s*MatVec(X, MatTVec(W, v - x)), L)]
    """
    vectors, weights = frozenset(vectors), frozenset(weights)
    memo: dict = {}

    def walk(e):
        if e.is_Atom:
            return e
        if e in memo:
            return memo[e]
        args = tuple(walk(a) for a in e.args)
        out = e.func(*args) if args != e.args else e
        if (out.is_Add or (out.is_Mul and any(a.is_Add for a in out.args))) and _may_merge(out, vectors, weights):
            out = _collect(out, vectors, weights)
        memo[e] = out
        return out

    return [walk(sp.sympify(e)) for e in exprs]
