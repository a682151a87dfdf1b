"""Safe parsing of user expression strings (spec files, CLI arguments).

SymPy's ``sympify`` and ``parse_expr`` call ``eval``; this module never does.
A string is checked (ASCII only, length, bracket depth), parsed by
:func:`ast.parse` (which builds a syntax tree and executes nothing), and the
tree is walked with a whitelist: numbers, the names the caller allows,
``+ - * / ** @``, unary signs, calls of whitelisted functions with positional
arguments, and ``W.T`` on a weight.  Anything else is rejected with one error
that says what was found.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import sympy as sp

from .budget import BUDGET, attempt
from .vector import (
    LogSumExp,
    MatTVec,
    MatVec,
    Softmax,
    VSum,
    Weight,
    dot,
    logcosh,
    norm,
    relu,
    sigmoid,
    softplus,
    step,
    vsize,
)

__all__ = ["parse", "as_expression", "ParseError", "FUNCTIONS", "LIMITS"]

#: Size limits applied before and during parsing.
LIMITS = {"length": 2000, "depth": 32, "nodes": 400, "exponent": 64, "integer": 10**12, "args": 4}


class ParseError(ValueError):
    """A string that is not an allowed expression."""


class _T:
    """Marker for ``W.T``."""

    def __init__(self, W: Weight):
        self.W = W


def _sum(a):
    n = vsize(a)
    if n is None:
        raise ParseError(f"sum() needs a vector argument; got the scalar {a}.")
    return VSum(a, n)


def _lse(a, beta=sp.S.One):
    return LogSumExp(a, beta)


def _softmax(a, beta=sp.S.One):
    return Softmax(a, beta)


def _max0(a, b):
    if b == 0:
        return relu(a)
    if a == 0:
        return relu(b)
    raise ParseError("max() is supported only as max(x, 0) (ReLU).")


#: Whitelisted functions: name -> (callable, number of arguments allowed).
FUNCTIONS = {
    "exp": (sp.exp, (1,)),
    "log": (sp.log, (1,)),
    "sqrt": (sp.sqrt, (1,)),
    "tanh": (sp.tanh, (1,)),
    "cosh": (sp.cosh, (1,)),
    "sinh": (sp.sinh, (1,)),
    "cos": (sp.cos, (1,)),
    "sin": (sp.sin, (1,)),
    "abs": (sp.Abs, (1,)),
    "Abs": (sp.Abs, (1,)),
    "sign": (sp.sign, (1,)),
    "relu": (relu, (1,)),
    "max": (_max0, (2,)),
    "softplus": (softplus, (1,)),
    "sigmoid": (sigmoid, (1,)),
    "logcosh": (logcosh, (1,)),
    "step": (step, (1,)),
    "heaviside": (step, (1,)),
    "sum": (_sum, (1,)),
    "norm": (norm, (1,)),
    "dot": (dot, (2,)),
    "logsumexp": (_lse, (1, 2)),
    "softmax": (_softmax, (1, 2)),
}
_CONSTANTS = {"pi": sp.pi}


def _precheck(text: str) -> None:
    if not isinstance(text, str):
        raise ParseError(f"expression must be a str; got {type(text).__name__}")
    if len(text) > LIMITS["length"]:
        raise ParseError(f"expression is {len(text)} characters long; the limit is {LIMITS['length']}")
    if not text.isascii():
        bad = next(c for c in text if not c.isascii())
        raise ParseError(f"expression contains the non-ASCII character {bad!r} (U+{ord(bad):04X}); only ASCII is accepted")
    if any(c in text for c in "\x00\r;`$\\"):
        raise ParseError("expression contains a forbidden character (NUL, carriage return, ';', '`', '$' or '\\\\')")
    depth = best = 0
    for c in text:
        if c in "([{":
            depth += 1
            best = max(best, depth)
        elif c in ")]}":
            depth -= 1
    if best > LIMITS["depth"]:
        raise ParseError(f"expression nests brackets {best} deep; the limit is {LIMITS['depth']}")
    if "__" in text:
        raise ParseError("expression contains '__' (dunder names are never allowed)")


def parse(text: str, symbols: Mapping[str, sp.Basic], what: str = "expression") -> sp.Expr:
    """Parse ``text`` into a SymPy expression without evaluating any code.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"-sum(f * (xi @ g))"`` or ``"log(cosh(beta*x))/beta"``.
    symbols : mapping
        The names the expression may use (vectors, weights, parameters).
    what : str
        Used in error messages (e.g. ``"layer `h` lagrangian"``).

    Raises
    ------
    ParseError
        For anything outside the whitelist, with what was found.
    """
    if not isinstance(symbols, Mapping):
        raise ParseError(f"{what}: Argument `symbols` must be a mapping of name -> SymPy object; got {type(symbols).__name__}.")
    try:
        _precheck(text)
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            raise ParseError(f"not a valid expression ({type(exc).__name__}: {getattr(exc, 'msg', exc)})") from None
        count = sum(1 for _ in ast.walk(tree))
        if count > LIMITS["nodes"]:
            raise ParseError(f"expression has {count} syntax nodes; the limit is {LIMITS['nodes']}")
        try:
            out = _Walker(symbols).visit(tree.body, 0)
        except (OverflowError, ZeroDivisionError, RecursionError, MemoryError) as exc:
            raise ParseError(f"a constant in it cannot be evaluated ({type(exc).__name__}: {exc})") from None
        if isinstance(out, sp.Basic) and out.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ParseError(f"it evaluates to an infinite or undefined value ({out})")
        if isinstance(out, sp.Basic) and out.has(sp.I):
            raise ParseError(f"it has a complex value ({out}); expressions must be real")
        if isinstance(out, sp.Basic):
            try:
                big = [p.exp for p in out.atoms(sp.Pow) if p.exp.is_Integer and abs(p.exp) > LIMITS["exponent"]]
                n = sp.count_ops(out, visual=False)
            except (OverflowError, ValueError, RecursionError) as exc:
                raise ParseError(f"a constant in it cannot be evaluated ({type(exc).__name__}: {exc})") from None
            if big:
                raise ParseError(f"the exponent {str(big[0])[:30]} (after combining powers) exceeds the limit {LIMITS['exponent']}")
            _check_constants(out)
            if n > BUDGET["ops"]:
                raise ParseError(f"it has {n} operations, over the budget of {BUDGET['ops']} (theory.budget)")
        if isinstance(out, _T):
            raise ParseError("a transposed weight W.T must multiply a vector (W.T @ v)")
        if not isinstance(out, sp.Expr):
            raise ParseError(f"the expression is a {type(out).__name__}, not a mathematical expression")
        return out
    except ParseError as exc:
        raise ParseError(f"{what} {text[:80]!r}: {exc}") from None


def _check_constants(e: sp.Basic) -> None:
    """Every constant sub-expression (``exp(exp(exp(10)))``) must be a finite float64 number: kernels evaluate it."""
    for r in e.atoms(sp.Rational, sp.Float):  # a product of literals folds into one exact number: 1e308*1e308 = 10**616
        if r.is_finite and abs(r) > sp.Float(1.7976931348623157e308):
            raise ParseError(f"the constant {str(r)[:40]}... overflows float64 (the kernels evaluate it in float64)")
    consts = [a for a in e.atoms(sp.Function, sp.Pow) if a.is_number and not a.is_Rational]
    for c in consts:
        done, v = attempt(BUDGET["step_seconds"], "evaluating a constant", _float_of, c)
        if not done or v is None:
            raise ParseError(f"the constant {str(c)[:60]} cannot be evaluated as a finite float64 number")


def _float_of(c: sp.Expr) -> float | None:
    try:
        v = complex(sp.N(c, 30))
    except (OverflowError, TypeError, ValueError, ZeroDivisionError):
        return None
    return v.real if v.imag == 0 and abs(v.real) < 1.7976931348623157e308 else None


class _Walker:
    def __init__(self, symbols: Mapping[str, sp.Basic]):
        self.symbols = dict(symbols)

    def visit(self, node: ast.AST, depth: int):
        if depth > LIMITS["depth"]:
            raise ParseError(f"expression is nested more than {LIMITS['depth']} levels")
        meth = getattr(self, "v_" + type(node).__name__, None)
        if meth is None:
            raise ParseError(f"{type(node).__name__} is not allowed (only numbers, names, + - * / ** @ and whitelisted calls)")
        return meth(node, depth + 1)

    def v_Constant(self, node: ast.Constant, d):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ParseError(f"the literal {v!r} is not a number")
        if isinstance(v, int):
            if abs(v) > LIMITS["integer"]:
                raise ParseError(f"the integer literal has {len(str(abs(v)))} digits; at most {LIMITS['integer']:.0e} is allowed")
            return sp.Integer(v)
        if v != v or v in (float("inf"), float("-inf")):
            raise ParseError("the literal is not finite")
        return sp.Rational(repr(v)) if len(repr(v)) < 20 else sp.Float(v)

    def v_Name(self, node: ast.Name, d):
        name = node.id
        if name.startswith("_"):
            raise ParseError(f"the name {name!r} starts with an underscore")
        if name in self.symbols:
            return self.symbols[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in FUNCTIONS:
            raise ParseError(f"the function {name!r} must be called")
        raise ParseError(f"unknown name {name!r}; allowed here: {sorted(self.symbols) + sorted(_CONSTANTS)}")

    def v_Attribute(self, node: ast.Attribute, d):
        if node.attr != "T" or not isinstance(node.value, ast.Name):
            raise ParseError(f"attribute access '.{node.attr}' is not allowed (only W.T on a weight)")
        W = self.v_Name(node.value, d)
        if not isinstance(W, Weight):
            raise ParseError(f"'.T' applies to weights only; {node.value.id!r} is not a weight")
        return _T(W)

    def v_UnaryOp(self, node: ast.UnaryOp, d):
        a = self._expr(self.visit(node.operand, d))
        if isinstance(node.op, ast.USub):
            return -a
        if isinstance(node.op, ast.UAdd):
            return a
        raise ParseError(f"the unary operator {type(node.op).__name__} is not allowed")

    def v_BinOp(self, node: ast.BinOp, d):
        left = self.visit(node.left, d)
        right = self.visit(node.right, d)
        op = node.op
        if isinstance(op, ast.MatMult):
            vec = self._expr(right)
            if isinstance(left, _T):
                return MatTVec(left.W, vec)
            if isinstance(left, Weight):
                return MatVec(left, vec)
            raise ParseError("'@' needs a weight (or W.T) on its left")
        a, b = self._expr(left), self._expr(right)
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, ast.Div):
            if b == 0:
                raise ParseError("division by zero")
            return a / b
        if isinstance(op, ast.Pow):
            if b.is_number and (abs(b) > LIMITS["exponent"]):
                raise ParseError(f"the exponent {b} exceeds the limit {LIMITS['exponent']}")
            if a.is_number and b.is_number and a != 0:
                mag = abs(float(sp.log(abs(sp.N(a, 15)), 10))) * abs(float(b)) if a.is_finite else float("inf")
                if mag > 1000:
                    raise ParseError(f"the power {a}**{b} would have about {mag:.0f} digits; the limit is 1000")
            if not b.is_number and b.has(sp.Pow):
                raise ParseError("nested symbolic exponents are not allowed")
            return a**b
        raise ParseError(f"the operator {type(op).__name__} is not allowed")

    def v_Call(self, node: ast.Call, d):
        if not isinstance(node.func, ast.Name):
            raise ParseError("only direct calls of whitelisted functions are allowed")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ParseError(f"the function {name!r} is not allowed; allowed: {sorted(FUNCTIONS)}")
        if node.keywords:
            raise ParseError(f"{name}() takes positional arguments only")
        f, arity = FUNCTIONS[name]
        if len(node.args) not in arity:
            raise ParseError(f"{name}() takes {' or '.join(map(str, arity))} arguments; got {len(node.args)}")
        args = [self._expr(self.visit(a, d)) for a in node.args]
        try:
            return f(*args)
        except ParseError:
            raise
        except (ValueError, TypeError) as exc:
            raise ParseError(f"{name}(): {exc}") from None

    @staticmethod
    def _expr(x):
        if isinstance(x, _T):
            raise ParseError("a transposed weight W.T must multiply a vector (W.T @ v)")
        if isinstance(x, Weight):
            raise ParseError(f"the weight {x.name!r} must multiply a vector (W @ v)")
        return x


def as_expression(value, what: str, symbols: Mapping[str, sp.Basic] | None = None) -> sp.Expr:
    """A SymPy expression from a number, a SymPy object, or text read by :func:`parse` with ``symbols`` -- never text
    given to ``sympify`` (which evaluates it as Python). ``what`` names the argument in the error.

    Examples
    --------
    >>> import sympy as sp
    >>> as_expression("1/N", "scale", {"N": sp.Symbol("N", positive=True)})
    1/N
    >>> as_expression(0.5, "scale")
    0.500000000000000
    """
    if isinstance(value, str):
        return parse(value, symbols or {}, what)
    if isinstance(value, bool):
        raise ParseError(f"{what} must be a number or a SymPy expression; got {value!r}.")
    try:
        return sp.sympify(value, strict=True)
    except sp.SympifyError:
        raise ParseError(f"{what} must be a number, a SymPy expression or text; got {value!r} ({type(value).__name__}).") from None
