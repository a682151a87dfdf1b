"""Derivatives of vector-level expressions at symbolic size.

How it works
------------
A vector expression ``e`` is a pointwise SymPy function ``phi`` of its *leaves*:
the outermost vector-level nodes (:data:`theory.vector.VECTOR_NODES`).  The
vector-Jacobian product with a cotangent ``c`` is then

.. math::

   J_e^\\top c = \\sum_{\\ell\\ \\text{vector}} J_\\ell^\\top (c \\odot \\partial_\\ell\\phi)
             + \\sum_{\\ell\\ \\text{scalar}} \\nabla\\ell \\; \\mathbf 1^\\top (c \\odot \\partial_\\ell\\phi),

where ``partial_l phi`` is an ordinary ``sympy.diff`` with the leaf replaced by
a dummy symbol.  The leaves carry their own rules::

    x            -> c                     (the variable itself)
    W a          -> J_a^T (W^T c)
    softmax(a)   -> J_a^T (beta (s*c - s * 1^T(s*c)))
    sum(a)       -> grad = J_a^T 1
    lse(a)       -> grad = J_a^T softmax(a)

Nothing is expanded over components, so the cost does not depend on ``N``.
Hessians are obtained as Hessian-vector products and decomposed into the
structured form ``diag(d) + B C B^T`` used by :mod:`theory.certificate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .budget import simplify as bounded_simplify
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
    outer_nodes,
    vsize,
)

__all__ = ["grad", "vjp", "hvp", "Pullback", "pullback", "reduction_seed", "StructuredHessian", "hessian", "vsimplify", "NotStructured", "centre_sums"]


class NotStructured(ValueError):
    """The Hessian is not of the form diag(d) + B C B^T in the layer's variable."""


def _leaf_partials(e: sp.Expr, x: Vector | Weight) -> list[tuple[sp.Expr, sp.Expr]]:
    """Pairs (leaf, d e / d leaf) for the leaves of ``e`` that depend on ``x`` (a vector or a weight)."""
    leaves = [nd for nd in outer_nodes(e) if nd.has(x) and not isinstance(nd, Weight)]
    if not leaves:
        return []
    dummies = {nd: sp.Dummy("l", real=True) for nd in leaves}
    back = {d: nd for nd, d in dummies.items()}
    e_d = e.xreplace(dummies)
    out = []
    for nd in sorted(leaves, key=sp.default_sort_key):
        p = sp.diff(e_d, dummies[nd])
        out.append((nd, p.xreplace(back)))
    return out


def _as_vector(c: sp.Expr, n: sp.Expr) -> sp.Expr:
    return c if vsize(c) is not None else c * Ones(n)


@dataclass(frozen=True)
class Pullback:
    """The reverse-mode rule of one structural vector node, for a cotangent ``c`` of the node's output.

    ``children``: each vector argument with its cotangent (what :func:`vjp` recurses into); ``outer``: the node's
    contribution to the gradient of its own weight, ``(W, a, b)`` for ``a b^T`` (what
    :func:`theory.weight_gradients.weight_grad` collects). One rule per node serves both walks, so they cannot
    disagree on a node.
    """

    children: tuple
    outer: tuple = ()


def pullback(e: sp.Expr, c: sp.Expr) -> Pullback | None:
    r"""The :class:`Pullback` of the structural vector node ``e`` (``MatVec``, ``MatTVec``, ``Softmax``) for the
    cotangent ``c`` (a vector of ``e``'s size, or a scalar broadcast over it); ``None`` for other expressions, whose
    derivatives are elementwise (:func:`_leaf_partials`).

    Notes
    -----
    .. math::

       c^\top (W a):\; a \leftarrow W^\top c,\; \nabla_W \mathrel{+}= c\,a^\top; \qquad
       c^\top (W^\top a):\; a \leftarrow W c,\; \nabla_W \mathrel{+}= a\,c^\top; \qquad
       c^\top \operatorname{softmax}(\beta a):\; a \leftarrow \beta\,(s \odot c - s\,(s^\top c)).
    """
    if isinstance(e, MatVec):
        W, a = e.args
        cw = _as_vector(c, W.shape[0])
        return Pullback(((a, MatTVec(W, cw)),), ((W, cw, _as_vector(a, W.shape[1])),))
    if isinstance(e, MatTVec):
        W, a = e.args
        cw = _as_vector(c, W.shape[1])
        return Pullback(((a, MatVec(W, cw)),), ((W, _as_vector(a, W.shape[0]), cw),))
    if isinstance(e, Softmax):
        a, beta = e.args
        return Pullback(((a, beta * (e * c - e * VSum(e * c, vsize(e)))),))
    return None


def reduction_seed(leaf: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The reduction ``leaf`` (``VSum`` or ``LogSumExp``) of a scalar: its vector argument and the cotangent the
    gradient walk starts from there (1 for a sum, ``softmax(beta a)`` for ``lse(beta, a)``)."""
    if isinstance(leaf, VSum):
        return leaf.args[0], sp.S.One
    if isinstance(leaf, LogSumExp):
        a, beta = leaf.args
        return a, Softmax(a, beta)
    raise ShapeError(f"Unexpected vector node {leaf} in a scalar expression (expected a reduction: VSum or LogSumExp).")


@lru_cache(maxsize=4096)
def grad(S: sp.Expr, x: Vector) -> sp.Expr:
    """Gradient of a scalar expression ``S`` with respect to the vector ``x``.

    Parameters
    ----------
    S : sympy.Expr
        A scalar: every vector in it sits inside a reduction (``VSum``,
        ``LogSumExp``).
    x : Vector
        The variable.

    Returns
    -------
    sympy.Expr
        A vector expression of size ``x.size`` (``0`` when ``S`` does not
        depend on ``x``).

    Examples
    --------
    >>> from theory.vector import Vector, VSum, size_symbol
    >>> N = size_symbol("N"); x = Vector("x", N)
    >>> grad(VSum(x**2, N) / 2, x)
    x
    """
    if not isinstance(x, Vector):
        raise TypeError(f"Argument `x` must be a Vector; got {type(x).__name__}.")
    if vsize(S) is not None:
        raise ShapeError(f"grad needs a scalar expression; got a vector of size {vsize(S)}: {S}.")
    total = sp.S.Zero
    for leaf, p in _leaf_partials(S, x):
        child, seed = reduction_seed(leaf)
        total += p * vjp(child, x, seed)
    return total


@lru_cache(maxsize=8192)
def vjp(e: sp.Expr, x: Vector, c: sp.Expr) -> sp.Expr:
    """Vector-Jacobian product ``J_e(x)^T c``.

    ``c`` is a vector of the size of ``e`` or a scalar (broadcast).
    """
    n = vsize(e)
    if n is None:
        raise ShapeError(f"vjp needs a vector expression; got the scalar {e}.")
    if isinstance(e, Vector):
        return _as_vector(c, e.size) if e == x else sp.S.Zero
    if isinstance(e, (Ones, RowSumSq)):
        return sp.S.Zero
    rule = pullback(e, c)
    if rule is not None:
        return sp.Add(*[vjp(child, x, cot) for child, cot in rule.children])
    total = sp.S.Zero
    for leaf, p in _leaf_partials(e, x):
        if isinstance(leaf, _SCALAR_VALUED):
            total += grad(leaf, x) * VSum(c * p, n)
        else:
            total += vjp(leaf, x, c * p)
    return total


def hvp(S: sp.Expr, x: Vector, u: sp.Expr) -> sp.Expr:
    """Hessian-vector product ``Hess_x(S) u`` (``u`` may depend on ``x``: it is held fixed)."""
    probe = Vector("_u_" + x.name, x.size)
    h = grad(VSum(grad(S, x) * probe, x.size), x)
    return h.xreplace({probe: u})


@dataclass(frozen=True)
class StructuredHessian:
    r"""A Hessian written as :math:`\operatorname{diag}(d) + B C B^\top`.

    Attributes
    ----------
    x : Vector
        The variable.
    diagonal : sympy.Expr
        ``d``, an elementwise (vector or scalar) expression.
    basis : tuple of sympy.Expr
        The columns of ``B`` (vector expressions of size ``x.size``).
    coupling : sympy.Matrix
        The small symmetric matrix ``C`` (``r x r``).
    """

    x: Vector
    diagonal: sp.Expr
    basis: tuple
    coupling: sp.Matrix

    def __post_init__(self) -> None:
        r = len(self.basis)
        if self.coupling.shape != (r, r):
            raise ValueError(f"coupling must be {r}x{r}; got {self.coupling.shape}.")

    @property
    def rank(self) -> int:
        """Number of low-rank columns ``r``."""
        return len(self.basis)

    def apply(self, u: sp.Expr) -> sp.Expr:
        """``H u`` as a vector expression."""
        n = self.x.size
        out = self.diagonal * u
        for a, ba in enumerate(self.basis):
            for b, bb in enumerate(self.basis):
                if self.coupling[a, b] != 0:
                    out += self.coupling[a, b] * ba * VSum(bb * u, n)
        return out

    def as_expr(self) -> sp.Expr:
        """A displayable form: ``diag(d) + sum_ab C_ab b_a b_b^T``."""
        D = sp.Function("diag")(self.diagonal)
        terms = [D]
        for a, ba in enumerate(self.basis):
            for b, bb in enumerate(self.basis):
                if self.coupling[a, b] != 0:
                    terms.append(self.coupling[a, b] * sp.Function("outer")(ba, bb))
        return sp.Add(*terms, evaluate=False) if len(terms) > 1 else D

    def _repr_latex_(self) -> str:
        return "$" + self.latex() + "$"

    def latex(self) -> str:
        """LaTeX: ``\\operatorname{diag}(d) + \\sum C_{ab} b_a b_b^\\top``."""
        parts = [r"\operatorname{diag}\left(" + sp.latex(self.diagonal) + r"\right)"]
        for a, ba in enumerate(self.basis):
            for b, bb in enumerate(self.basis):
                c = self.coupling[a, b]
                if c != 0:
                    parts.append(
                        sp.latex(c) + r"\, \left(" + sp.latex(ba) + r"\right)\left(" + sp.latex(bb) + r"\right)^{\top}"
                    )
        return " + ".join(parts)


def _split_vector_part(e: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Split a product into (scalar coefficient, vector part)."""
    coeff, vec = [], []
    for f in sp.Mul.make_args(e):
        (vec if vsize(f) is not None else coeff).append(f)
    return sp.Mul(*coeff), sp.Mul(*vec)


def _linear_combination(v: sp.Expr, n: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """Write ``v`` as ``sum_k c_k m_k`` with scalar ``c_k`` and vector monomials ``m_k``."""
    out: dict[sp.Expr, sp.Expr] = {}
    work = list(sp.Add.make_args(sp.expand(v, deep=False, power_exp=False, log=False, multinomial=False)))
    while work:
        t = work.pop()
        c, m = _split_vector_part(t)
        adds = [f for f in sp.Mul.make_args(m) if isinstance(f, sp.Add)]
        if adds:
            a = adds[0]
            others = sp.Mul(*[f for f in sp.Mul.make_args(m) if f is not a])
            work.extend(c * others * arg for arg in a.args)
            continue
        m = m if m != 1 else Ones(n)
        out[m] = out.get(m, sp.S.Zero) + c
    return {m: c for m, c in out.items() if c != 0}


@lru_cache(maxsize=512)
def hessian(S: sp.Expr, x: Vector) -> StructuredHessian:
    """Structured Hessian of the scalar ``S`` in ``x``.

    Raises
    ------
    NotStructured
        If the Hessian-vector product is not a diagonal part plus terms
        ``w (z^T u)`` (for instance when ``S`` contains a weight matrix acting on ``x``).
    """
    n = x.size
    u = Vector("_u_" + x.name, n)
    h = sp.expand(hvp(S, x, u), deep=False, power_exp=False, log=False, multinomial=False)
    diag = sp.S.Zero
    pairs: dict[tuple[sp.Expr, sp.Expr], sp.Expr] = {}
    work = list(sp.Add.make_args(h))
    while work:
        term = work.pop()
        factors = sp.Mul.make_args(term)
        with_u = [f for f in factors if f.has(u)]
        rest = sp.Mul(*[f for f in factors if not f.has(u)])
        if len(with_u) == 1 and isinstance(with_u[0], sp.Add):
            work.extend(rest * a for a in with_u[0].args)
            continue
        if len(with_u) != 1:
            raise NotStructured(f"term {term} is not linear in the probe direction in a recognised way")
        f = with_u[0]
        if f == u:
            diag += rest
        elif isinstance(f, VSum):
            z = bounded_simplify(f.args[0] / u, "hessian: proportional factor")
            if z.has(u):
                raise NotStructured(f"term {term}: {f} is not of the form sum(z*u)")
            for w, cw in _linear_combination(rest, n).items():
                for zv, cz in _linear_combination(z, n).items():
                    key = (w, zv)
                    pairs[key] = pairs.get(key, sp.S.Zero) + cw * cz
        else:
            raise NotStructured(f"term {term}: {f} is neither u nor sum(z*u)")
    basis: list[sp.Expr] = []
    for w, z in pairs:
        for v in (w, z):
            if v not in basis:
                basis.append(v)
    basis.sort(key=sp.default_sort_key)
    r = len(basis)
    C = sp.zeros(r, r)
    for (w, z), c in pairs.items():
        C[basis.index(w), basis.index(z)] += c
    C = C.applyfunc(sp.simplify)
    asym = (C - C.T).applyfunc(sp.simplify)
    if any(e != 0 for e in asym):
        # symmetrise: only the symmetric part matters for the quadratic form
        C = ((C + C.T) / 2).applyfunc(sp.simplify)
    return StructuredHessian(x, bounded_simplify(diag, "hessian diagonal"), tuple(basis), C)


VECTOR_LEAVES = (Vector, VSum, LogSumExp, MatVec, MatTVec, Softmax, Ones, RowSumSq)


def vsimplify(e: sp.Expr) -> sp.Expr:
    """Simplify pointwise pieces of a vector expression (recursing into nodes).

    Vectors are replaced by real dummies, so identities such as
    ``v*sign(v) - |v| = 0`` (valid for real ``v``) are applied.
    """
    if isinstance(e, (Vector, Ones, Weight, RowSumSq)) or not e.args:
        return e
    if isinstance(e, (VSum, MatVec, MatTVec, LogSumExp, Softmax)):
        return e.func(*[vsimplify(a) for a in e.args])
    if isinstance(e, sp.Add):
        # merge c * sum(a) terms of one size first, so cancellations across sums are seen
        groups: dict[sp.Expr, sp.Expr] = {}
        others = []
        for t in e.args:
            sums = [f for f in sp.Mul.make_args(t) if isinstance(f, VSum)]
            coeff = sp.Mul(*[f for f in sp.Mul.make_args(t) if not isinstance(f, VSum)])
            if len(sums) == 1 and not coeff.has(*VECTOR_LEAVES):
                n = sums[0].args[1]
                groups[n] = groups.get(n, sp.S.Zero) + coeff * sums[0].args[0]
            else:
                others.append(t)
        if groups and (len(groups) < len(e.args) - len(others) or others):
            merged = [VSum(vsimplify(a), n) for n, a in groups.items()]
            return sp.Add(*merged, *[vsimplify(t) for t in others])
    nodes = outer_nodes(e)
    reps = {nd: sp.Dummy("n", real=True) for nd in nodes}
    back = {d: vsimplify(nd) for nd, d in reps.items()}
    body = bounded_simplify(e.xreplace(reps), "vsimplify")
    return body.xreplace(back)


def centre_sums(e: sp.Expr) -> sp.Expr:
    r"""Rewrite ``c sum(u^2) - c sum(u)^2 / n`` as ``c sum((u - sum(u)/n)^2)`` wherever it occurs.

    The linearity of ``VSum`` expands a centred sum such as :math:`\sum_i x_i (x_i - \bar x)` into
    :math:`\sum x^2 - (\sum x)^2/n`, the one-pass formula that cancels catastrophically when a mean is large
    against the spread; the two-pass form is exact algebra and keeps every digit (and lets a Lagrangian built
    on it, such as layer norm's, cancel against itself symbolically).

    Examples
    --------
    >>> from theory.vector import Vector
    >>> x = Vector("x", sp.Symbol("N", integer=True, positive=True))
    >>> centre_sums(2 * VSum(x**2, x.size) - 2 * VSum(x, x.size) ** 2 / x.size)
    2*sum((x - sum(x)/N)**2)
    """
    if not isinstance(e, sp.Basic) or not e.args or isinstance(e, (Vector, Weight, Ones)):
        return e
    new_args = [centre_sums(a) for a in e.args]
    if any(a is not b for a, b in zip(new_args, e.args)):
        e = e.func(*new_args)
    if not isinstance(e, sp.Add):
        return e

    def rest_of(t, f):
        return sp.Mul(*[g for g in sp.Mul.make_args(t) if g is not f])

    terms = list(e.args)
    squares = {}  # c * sum(u**2): (u, n) -> (index, c)
    for i, t in enumerate(terms):
        for f in sp.Mul.make_args(t):
            if isinstance(f, VSum) and isinstance(f.args[0], sp.Pow) and f.args[0].exp == 2:
                squares[(f.args[0].base, f.args[1])] = (i, rest_of(t, f))
    for j, t in enumerate(terms):  # c2 * sum(u)**2 with c1 + n c2 = 0
        for f in sp.Mul.make_args(t):
            if isinstance(f, sp.Pow) and f.exp == 2 and isinstance(f.base, VSum) and tuple(f.base.args) in squares:
                u, n = f.base.args
                i, c1 = squares[(u, n)]
                if i != j and sp.expand(c1 + n * rest_of(t, f)) == 0:
                    # (cross terms sum(u w) - sum(u) sum(w)/n cannot be kept centred: VSum's linearity multiplies them out)
                    rest = [x for k, x in enumerate(terms) if k not in (i, j)]
                    return centre_sums(sp.Add(*rest, c1 * VSum((u - VSum(u, n) / n) ** 2, n)))
    return e
