"""Vector-level symbolic expressions with sizes that stay symbolic.

SymPy's ``MatrixSymbol`` calculus mis-differentiates quadratic forms and the
``IndexedBase``/``Sum`` route lambdifies to Python loops, so the workbench uses
its own small layer on top of plain SymPy.

How it works
------------
An expression that contains a :class:`Vector` outside every reduction is a
*vector expression* and has NumPy semantics: ``x*y`` is the elementwise
product, ``exp(x)`` acts elementwise, scalars broadcast.  Every pointwise
identity SymPy applies is therefore valid.  Only a few node types are not
elementwise:

========================  ===========================================
node                      meaning
========================  ===========================================
``Vector(v, N)``          a state or activation vector of size ``N``
``Ones(N)``               the vector of ones
``Weight(xi, K, N)``      a ``K x N`` weight matrix
``MatVec(W, a)``          ``W a``
``MatTVec(W, a)``         ``W^T a``
``VSum(a, N)``            ``sum_i a_i`` (a scalar)
``LogSumExp(a, beta)``    ``beta^-1 log sum_i exp(beta a_i)`` (a scalar)
``Softmax(a, beta)``      ``exp(beta a) / sum exp(beta a)`` (a vector)
========================  ===========================================

Each has a derivative rule in :mod:`theory.calculus`, a concrete-size
expansion in :mod:`theory.concrete` and a NumPy implementation in
:mod:`numerics.codegen.backends`, so nothing here grows with ``N``.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

__all__ = [
    "Vector",
    "Ones",
    "Weight",
    "MatVec",
    "MatTVec",
    "VSum",
    "LogSumExp",
    "Softmax",
    "RowSumSq",
    "relu",
    "softplus",
    "sigmoid",
    "logcosh",
    "step",
    "norm",
    "dot",
    "vsize",
    "outer_nodes",
    "VECTOR_NODES",
    "ShapeError",
    "size_symbol",
    "parameters",
]


class ShapeError(ValueError):
    """Vector sizes that do not agree (or a vector where a scalar is needed)."""


def size_symbol(name: str) -> sp.Symbol:
    """Return the canonical positive-integer size symbol called ``name``."""
    return sp.Symbol(name, integer=True, positive=True)


def _as_size(size: object) -> sp.Expr:
    if isinstance(size, str):
        return size_symbol(size)
    size = sp.sympify(size, strict=True) if not isinstance(size, sp.Basic) else size
    if size.is_integer is not True or size.is_positive is not True:
        raise ShapeError(
            f"Argument `size` must be a positive integer or a positive-integer symbol; got {size!r}."
        )
    return size


def is_identifier(name: object) -> bool:
    """Whether ``name`` can name a vector or weight: an ASCII identifier of at most 64 characters."""
    return isinstance(name, str) and name.isascii() and name.isidentifier() and len(name) <= 64


def _sym_name(name: object) -> sp.Symbol:
    """The name of a vector or weight: an ASCII identifier (it becomes a kernel argument and appears in every
    printed derivation, so NUL, newlines and look-alike Unicode are refused here, for specs and Python alike)."""
    if isinstance(name, sp.Symbol):
        name = name.name
    if not isinstance(name, str):
        raise TypeError(f"Argument `name` must be a str; got {type(name).__name__}.")
    if not is_identifier(name):
        raise ValueError(f"Argument `name` must be an ASCII identifier of at most 64 characters; got {name!r}.")
    return sp.Symbol(name)


def _latex_with_exp(self, printer, exp=None):
    body = self._latex_body(printer)
    if exp is None:
        return body
    if isinstance(self, (Vector, Weight, Ones)):
        return body + "^{" + exp + "}"
    return r"\left(" + body + r"\right)^{" + exp + "}"


def _bold(printer: LatexPrinter, name: sp.Symbol) -> str:
    return r"\boldsymbol{" + printer._print(name) + "}"


class Vector(sp.Function):
    """A real vector of symbolic size: ``Vector('v', N_v)``."""

    nargs = 2
    is_real = True
    is_commutative = True

    def __new__(cls, name, size, **kw):  # noqa: D102
        return super().__new__(cls, _sym_name(name), _as_size(size), **kw)

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def size(self) -> sp.Expr:
        return self.args[1]

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        return _bold(printer, self.args[0])

    def _numpycode(self, printer):  # generated kernels take the array under this name
        return self.name

    _pythoncode = _numpycode

    def _sympystr(self, printer):
        return self.name

    def fdiff(self, argindex=1):  # vectors are leaves, never differentiated by SymPy
        raise sp.ArgumentIndexError(self, argindex)


class Ones(sp.Function):
    """The all-ones vector of size ``N``."""

    nargs = 1
    is_real = True
    is_positive = True

    def __new__(cls, size, **kw):  # noqa: D102
        return super().__new__(cls, _as_size(size), **kw)

    @property
    def size(self) -> sp.Expr:
        return self.args[0]

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        return r"\mathbf{1}"

    def _sympystr(self, printer):
        return f"Ones({printer._print(self.args[0])})"


class Weight(sp.Function):
    """A ``rows x cols`` real weight matrix, e.g. ``Weight('xi', N_h, N_v)``.

    ``symmetric=True`` declares ``W = W^T`` (square only); recurrent synapses
    need it for an energy to exist.
    """

    nargs = 4
    is_real = True

    def __new__(cls, name, rows, cols, symmetric=False, **kw):  # noqa: D102
        rows, cols = _as_size(rows), _as_size(cols)
        sym = sp.true if symmetric in (True, sp.true) else sp.false
        if sym is sp.true and rows != cols:
            raise ShapeError(
                f"Weight `{name}` is declared symmetric but has shape ({rows}, {cols}); "
                "a symmetric matrix must be square."
            )
        return super().__new__(cls, _sym_name(name), rows, cols, sym, **kw)

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def shape(self) -> tuple[sp.Expr, sp.Expr]:
        return self.args[1], self.args[2]

    @property
    def symmetric(self) -> bool:
        return self.args[3] is sp.true

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        return printer._print(self.args[0])

    def _numpycode(self, printer):  # generated kernels take the array under this name
        return self.name

    _pythoncode = _numpycode

    def _sympystr(self, printer):
        return self.name


def _weight(W: sp.Expr) -> Weight:
    if not isinstance(W, Weight):
        raise TypeError(f"Argument `W` must be a Weight; got {type(W).__name__}: {W}.")
    return W


def _is_vectorial(e: sp.Expr) -> bool:
    return vsize(e) is not None


class MatVec(sp.Function):
    """``W a`` for a weight ``W`` (rows x cols) and a vector ``a`` of size cols."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, W, a):
        W = _weight(W)
        if a.is_zero:
            return sp.S.Zero
        if isinstance(a, sp.Add):
            return sp.Add(*[cls(W, t) for t in a.args])
        if not _is_vectorial(a):  # a scalar c stands for the vector c 1 (e.g. the mean in x - mean): W (c 1) = c W 1
            return a * cls(W, Ones(W.shape[1]))
        if isinstance(a, sp.Mul):
            coeff = [f for f in a.args if not _is_vectorial(f)]
            if coeff:
                rest = sp.Mul(*[f for f in a.args if _is_vectorial(f)])
                return sp.Mul(*coeff) * cls(W, rest)
        return None

    @property
    def size(self) -> sp.Expr:
        return self.args[0].shape[0]

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        return printer._print(self.args[0]) + " " + printer.parenthesize(self.args[1], PRECEDENCE["Mul"], strict=True)

    def _sympystr(self, printer):
        return f"{printer._print(self.args[0])}@({printer._print(self.args[1])})"


class MatTVec(sp.Function):
    """``W^T a`` for a weight ``W`` (rows x cols) and a vector ``a`` of size rows."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, W, a):
        W = _weight(W)
        if a.is_zero:
            return sp.S.Zero
        if isinstance(a, sp.Add):
            return sp.Add(*[cls(W, t) for t in a.args])
        if not _is_vectorial(a):  # a scalar c stands for the vector c 1: W^T (c 1) = c W^T 1
            return a * cls(W, Ones(W.shape[0]))
        if isinstance(a, sp.Mul):
            coeff = [f for f in a.args if not _is_vectorial(f)]
            if coeff:
                rest = sp.Mul(*[f for f in a.args if _is_vectorial(f)])
                return sp.Mul(*coeff) * cls(W, rest)
        if W.symmetric:
            return MatVec(W, a)
        return None

    @property
    def size(self) -> sp.Expr:
        return self.args[0].shape[1]

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        return printer._print(self.args[0]) + r"^{\top} " + printer.parenthesize(self.args[1], PRECEDENCE["Mul"], strict=True)

    def _sympystr(self, printer):
        return f"{printer._print(self.args[0])}.T@({printer._print(self.args[1])})"


class VSum(sp.Function):
    """``sum_i a_i`` over a vector of size ``N``; linear, so scalars factor out."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, a, n):
        if a.has(Ones):
            b = a.replace(lambda t: t.is_Pow and isinstance(t.base, Ones), lambda t: t.base)
            if b != a:
                return cls(b, n)
        sa = vsize(a)
        if sa is None:  # a scalar broadcast over N entries
            return a * n
        if sa != n:
            raise ShapeError(f"VSum over size {n} of a vector of size {sa}: {a}.")
        if isinstance(a, Ones):
            return n
        if isinstance(a, Softmax):
            return sp.S.One
        if isinstance(a, sp.Add):
            return sp.Add(*[cls(t, n) for t in a.args])
        if isinstance(a, sp.Mul):
            coeff = [f for f in a.args if not _is_vectorial(f)]
            vec = [f for f in a.args if _is_vectorial(f)]
            if coeff:
                return sp.Mul(*coeff) * cls(sp.Mul(*vec), n)
            if _expansion_terms(vec) > _budget()["terms"]:
                return None  # multiplying out would make 2^30 terms of a 30-fold product: keep the sum of the product
            expanded = sp.expand_mul(a, deep=False)  # the top-level product only: what _expansion_terms counted
            if isinstance(expanded, sp.Add):
                return cls(expanded, n)
            ones = [f for f in vec if isinstance(f, Ones)]
            if ones and len(vec) > len(ones):
                return cls(sp.Mul(*[f for f in vec if not isinstance(f, Ones)]), n)
        return None

    def _eval_is_nonnegative(self):
        return _elementwise_sign(self.args[0], "nonnegative")

    def _eval_is_positive(self):
        return _elementwise_sign(self.args[0], "positive")

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        a = self.args[0]
        if isinstance(a, sp.Pow) and a.exp == 2 and _is_vectorial(a.base):
            return r"\left\lVert " + printer._print(a.base) + r" \right\rVert^{2}"
        if isinstance(a, sp.Mul) and len(a.args) == 2 and all(_is_vectorial(f) for f in a.args):
            x, y = a.args
            if isinstance(x, (MatVec, MatTVec)) and not isinstance(y, (MatVec, MatTVec)):
                x, y = y, x
            return printer.parenthesize(x, PRECEDENCE["Pow"], strict=True) + r"^{\top} " + printer.parenthesize(y, PRECEDENCE["Mul"], strict=True)
        return r"\sum_{i=1}^{" + printer._print(self.args[1]) + r"} \left[" + printer._print(a) + r"\right]_{i}"

    def _sympystr(self, printer):
        return f"sum({printer._print(self.args[0])})"


def _expansion_terms(factors) -> int:
    """How many terms multiplying out a product of these factors makes (sums of sums counted at the top)."""
    n = 1
    for f in factors:
        base, k = (f.base, f.exp) if isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp > 0 else (f, 1)
        n *= len(base.args) ** int(k) if isinstance(base, sp.Add) else 1
        if n > 1 << 40:
            break
    return n


def _budget() -> dict:
    from .budget import BUDGET

    return BUDGET


class LogSumExp(sp.Function):
    """``beta^{-1} log sum_i exp(beta a_i)`` (shift-stable in the kernels)."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, a, beta):
        if vsize(a) is None:
            raise ShapeError(f"LogSumExp needs a vector argument; got the scalar {a}.")

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        a, beta = self.args
        sub = "" if beta == 1 else "_{" + printer._print(beta) + "}"
        return r"\operatorname{lse}" + sub + r"\left(" + printer._print(a) + r"\right)"

    def _sympystr(self, printer):
        return f"logsumexp({printer._print(self.args[0])}, {printer._print(self.args[1])})"


class Softmax(sp.Function):
    """``exp(beta a) / sum_j exp(beta a_j)``, a vector on the simplex."""

    nargs = 2
    is_real = True
    is_positive = True

    @classmethod
    def eval(cls, a, beta):
        if vsize(a) is None:
            raise ShapeError(f"Softmax needs a vector argument; got the scalar {a}.")

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        a, beta = self.args
        sub = "" if beta == 1 else "_{" + printer._print(beta) + "}"
        return r"\operatorname{softmax}" + sub + r"\left(" + printer._print(a) + r"\right)"

    def _sympystr(self, printer):
        return f"softmax({printer._print(self.args[0])}, {printer._print(self.args[1])})"


class RowSumSq(sp.Function):
    """``sum_j W_ij^2`` for each row ``i`` of a weight: a constant vector of size rows (squared memory norms)."""

    nargs = 1
    is_real = True
    is_nonnegative = True

    @classmethod
    def eval(cls, W):
        _weight(W)

    @property
    def size(self) -> sp.Expr:
        return self.args[0].shape[0]

    _latex = _latex_with_exp

    def _latex_body(self, printer):
        return r"\lVert " + printer._print(self.args[0]) + r"_{\mu} \rVert^{2}"

    def _sympystr(self, printer):
        return f"rowsumsq({printer._print(self.args[0])})"


# ---------------------------------------------------------------- elementwise


class relu(sp.Function):
    """``max(x, 0)``; its derivative is ``Heaviside(x, 0)`` (so ``step(0) = 0``)."""

    nargs = 1
    is_real = True
    is_nonnegative = True

    @classmethod
    def eval(cls, x):
        if x.is_extended_nonnegative:
            return x
        if x.is_extended_negative:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)

    def _eval_evalf(self, prec):
        return sp.Max(self.args[0], 0)._eval_evalf(prec)

    def _eval_rewrite_as_Max(self, x, **kw):
        return sp.Max(x, 0)

    def _latex(self, printer, exp=None):
        s = r"\operatorname{ReLU}\left(" + printer._print(self.args[0]) + r"\right)"
        return s if exp is None else s + "^{" + exp + "}"


def step(x: sp.Expr) -> sp.Expr:
    """Heaviside step with ``step(0) = 0`` (the threshold model's convention)."""
    return sp.Heaviside(x, 0)


class sigmoid(sp.Function):
    """Logistic function ``1/(1+exp(-x))``."""

    nargs = 1
    is_real = True
    is_positive = True

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kw):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        s = r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"
        return s if exp is None else s + "^{" + exp + "}"


class softplus(sp.Function):
    """``log(1 + exp(x))`` (stable ``logaddexp(0, x)`` in kernels)."""

    nargs = 1
    is_real = True
    is_positive = True

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kw):
        return sp.log(1 + sp.exp(x))

    def _eval_rewrite_as_log(self, x, **kw):
        return sp.log(1 + sp.exp(x))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        s = r"\operatorname{softplus}\left(" + printer._print(self.args[0]) + r"\right)"
        return s if exp is None else s + "^{" + exp + "}"


class logcosh(sp.Function):
    """``log(cosh(x))`` (stable ``|x| + log1p(exp(-2|x|)) - log 2`` in kernels)."""

    nargs = 1
    is_real = True
    is_nonnegative = True

    def fdiff(self, argindex=1):
        return sp.tanh(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kw):
        return sp.log((sp.exp(x) + sp.exp(-x)) / 2)

    def _eval_rewrite_as_log(self, x, **kw):
        return sp.log(sp.cosh(x))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        s = r"\log\cosh\left(" + printer._print(self.args[0]) + r"\right)"
        return s if exp is None else s + "^{" + exp + "}"


ELEMENTWISE_FUNCTIONS = (relu, sigmoid, softplus, logcosh)

#: Nodes that are not elementwise: derivative rules treat them as leaves.
VECTOR_NODES = (Vector, Ones, Weight, MatVec, MatTVec, VSum, LogSumExp, Softmax, RowSumSq)
_VECTOR_VALUED = (Vector, Ones, MatVec, MatTVec, Softmax, RowSumSq)
_SCALAR_VALUED = (VSum, LogSumExp)


def vsize(e: sp.Expr) -> sp.Expr | None:
    """Size of a vector expression, or ``None`` for a scalar.

    Raises
    ------
    ShapeError
        If vectors of different sizes meet elementwise, or a weight's shape
        does not match the vector it multiplies.
    """
    if isinstance(e, (Vector, Ones, RowSumSq)):
        return e.size
    if isinstance(e, MatVec):
        W, a = e.args
        sa = vsize(a)
        if sa is not None and sa != W.shape[1]:
            raise ShapeError(
                f"`{W.name}` has shape ({W.shape[0]}, {W.shape[1]}) but multiplies a vector of size {sa}: {a}."
            )
        return W.shape[0]
    if isinstance(e, MatTVec):
        W, a = e.args
        sa = vsize(a)
        if sa is not None and sa != W.shape[0]:
            raise ShapeError(
                f"`{W.name}`^T has shape ({W.shape[1]}, {W.shape[0]}) but multiplies a vector of size {sa}: {a}."
            )
        return W.shape[1]
    if isinstance(e, Softmax):
        return vsize(e.args[0])
    if isinstance(e, (VSum, LogSumExp, Weight)):
        return None
    if not e.args:
        return None
    sizes = {s for s in (vsize(a) for a in e.args) if s is not None}
    if len(sizes) > 1:
        raise ShapeError(
            "Vectors of different sizes "
            + ", ".join(str(s) for s in sorted(sizes, key=str))
            + f" are combined elementwise in {e}."
        )
    return sizes.pop() if sizes else None


def outer_nodes(e: sp.Expr) -> set[sp.Expr]:
    """The vector-level nodes of ``e`` that are not inside another such node."""
    out: set[sp.Expr] = set()
    stack = [e]
    while stack:
        t = stack.pop()
        if isinstance(t, VECTOR_NODES):
            out.add(t)
        else:
            stack.extend(t.args)
    return out


def _elementwise_sign(a: sp.Expr, which: str) -> bool | None:
    """Whether every entry of the vector expression ``a`` is nonnegative/positive."""
    nodes = outer_nodes(a)
    reps = {}
    for nd in nodes:
        if isinstance(nd, (Ones, Softmax)):
            reps[nd] = sp.Dummy(positive=True)
        elif isinstance(nd, VSum):
            pos = nd.is_positive
            nonneg = nd.is_nonnegative
            reps[nd] = sp.Dummy(positive=True) if pos else sp.Dummy(nonnegative=True) if nonneg else sp.Dummy(real=True)
        else:
            reps[nd] = sp.Dummy(real=True)
    b = a.xreplace(reps)
    return getattr(b, "is_" + which)


def norm(a: sp.Expr) -> sp.Expr:
    """Euclidean norm ``sqrt(sum_i a_i^2)`` of a vector expression."""
    n = vsize(a)
    if n is None:
        raise ShapeError(f"norm needs a vector; got the scalar {a}.")
    return sp.sqrt(VSum(a**2, n))


def dot(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """Inner product ``a^T b`` of two vector expressions of the same size."""
    n = vsize(a)
    m = vsize(b)
    if n is None or m is None or n != m:
        raise ShapeError(f"dot needs two vectors of one size; got sizes {n} and {m}.")
    return VSum(a * b, n)


def parameters(e: sp.Expr) -> set[sp.Symbol]:
    """Free scalar symbols of ``e`` that are neither vector/weight names nor sizes."""
    skip: set[sp.Basic] = set()
    for nd in e.atoms(Vector, Weight, Ones, VSum):
        if isinstance(nd, (Vector, Weight)):
            skip.add(nd.args[0])
            skip.update(*(a.free_symbols for a in nd.args[1:3]))
        elif isinstance(nd, Ones):
            skip.update(nd.args[0].free_symbols)
        else:
            skip.update(nd.args[1].free_symbols)
    return {s for s in e.free_symbols if s not in skip}
