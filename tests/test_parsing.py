"""User strings are parsed by a whitelist and never executed."""

import builtins

import pytest
import sympy as sp

from theory.parsing import ParseError, parse
from theory.vector import MatTVec, MatVec, Vector, VSum, Weight, size_symbol

N, K = size_symbol("N"), size_symbol("K")
TABLE = {"x": Vector("x", N), "g": Vector("g", N), "f": Vector("f", K), "xi": Weight("xi", K, N), "beta": sp.Symbol("beta", positive=True)}

HOSTILE = [
    "__import__('os').system('touch /tmp/amwb_pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "lambda: 0",
    "(lambda q: q)(1)",
    "exec('1')",
    "eval('1')",
    "open('/etc/passwd').read()",
    "globals()",
    "getattr(x, 'name')",
    "x.name",
    "x.func.__globals__",
    "[1, 2]",
    "{'a': 1}",
    "{1, 2}",
    "'string'",
    "b'bytes'",
    "f'{x}'",
    "x if 1 else 2",
    "[q for q in range(3)]",
    "x; import os",
    "import os",
    "x == 1",
    "x < 1",
    "not x",
    "x and 1",
    "x[0]",
    "x := 1",
    "9**9**9",
    "(10**12)**64**64",
    "x**100000",
    "(" * 200 + "x" + ")" * 200,
    "-" * 5000 + "x",
    "exp(" * 40 + "x" + ")" * 40,
    "ｅｘｐ(x)",
    "exp\u200b(x)",
    "x\u0000",
    "_x",
    "__builtins__",
    "sum(x, start=1)",
    "exp(x=1)",
    "os.system('ls')",
    "xi.T.T @ x",
    "xi @ xi",
    "1e400",
    "float('nan')",
    "Symbol('z')",
    "sympify('1')",
    "S(1)",
    "*x",
    "await x",
    "yield x",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_strings_rejected_without_execution(text, monkeypatch, tmp_path):
    called = []

    def trapping(original):
        def trap(*a, **k):
            # the import machinery execs code objects; a *string* reaching eval/exec/sympify is the attack
            if a and isinstance(a[0], (str, bytes)):
                called.append(a[0])
                raise AssertionError(f"{original.__name__} called on a string")
            return original(*a, **k)

        return trap

    monkeypatch.setattr(builtins, "eval", trapping(builtins.eval))
    monkeypatch.setattr(builtins, "exec", trapping(builtins.exec))
    monkeypatch.setattr(sp, "sympify", trapping(sp.sympify))
    with pytest.raises(ParseError) as e:
        parse(text, TABLE)
    assert str(e.value)  # one clear message
    assert not called


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 30


def test_pwned_file_not_created():
    import os

    assert not os.path.exists("/tmp/amwb_pwned")


def test_valid_expressions():
    assert parse("sum(x**2)/2", TABLE) == VSum(Vector("x", N) ** 2, N) / 2
    assert parse("-sum(f * (xi @ g))", TABLE) == -VSum(Vector("f", K) * MatVec(TABLE["xi"], Vector("g", N)), K)
    assert parse("xi.T @ f", TABLE) == MatTVec(TABLE["xi"], Vector("f", K))
    assert parse("log(cosh(beta*x))/beta", TABLE) == sp.log(sp.cosh(TABLE["beta"] * Vector("x", N))) / TABLE["beta"]
    assert parse("0.5*x", TABLE) == Vector("x", N) / 2


def test_unknown_name_error_lists_allowed():
    with pytest.raises(ParseError, match="unknown name 'y'.*allowed here"):
        parse("y + 1", TABLE)


def test_size_mismatch_is_reported():
    with pytest.raises(ParseError, match="different sizes"):
        parse("sum(x * f)", TABLE)


@pytest.mark.parametrize("text", ["exp(exp(exp(exp(exp(10)))))**2", "0**-1", "log(-1)", "1/0", "log(0)"])
def test_constants_that_overflow_or_are_undefined_are_parse_errors(text):
    """Regression: OverflowError, zoo (KeyError later) and I*pi (TypeError later) became tracebacks."""
    from theory import ParseError, parse

    with pytest.raises(ParseError, match="expression"):
        parse(text, {})


def test_a_folded_constant_that_overflows_float64_is_refused():
    """Regression (issue 33, item 13): 1e308*1e308 folded into the exact integer 10**616 and passed, though constants
    that overflow float64 are refused (the kernels evaluate them in float64)."""
    import pytest

    import theory

    for text in ("1e308*1e308", "1e308*10", "-1e200*1e200"):
        with pytest.raises(theory.ParseError, match="overflows float64"):
            theory.parse(text, {}, "x")
    assert theory.parse("1e300*2", {}, "x") == 2 * sp.Integer(10) ** 300
