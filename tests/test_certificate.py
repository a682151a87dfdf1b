"""Three-valued PSD certificates: proved, refuted with a verified counterexample, or undecided."""

import mpmath
import pytest
import sympy as sp

from theory import lagrangians as lg
from theory.certificate import certify, verify_counterexample
from theory.lagrangians import T, X
from theory.parsing import parse

CONVEX = {
    "quadratic": lg.quadratic(),
    "exponential": lg.exponential(),
    "tanh": lg.tanh(),
    "sigmoid": lg.sigmoid(),
    "relu_threshold": lg.relu_threshold(),
    "absolute": lg.absolute(),
    "logsumexp": lg.logsumexp(),
    "spherical": lg.spherical(),
    "layernorm": lg.layernorm(),
    "rectified_power_3": lg.rectified_power(3),
    "power_4": lg.power(4),
    "integral_of_tanh": lg.integral_of(sp.tanh(T)),
}

NONCONVEX = {
    "cos": lg.additive(sp.cos(T)),
    "minus_square": lg.additive(-(T**2)),
    "cube": lg.additive(T**3),
    "power_3": lg.power(3),
    "user_string": lg.Lagrangian(parse("sum(x**4/4 - 2*x**2)", {"x": X}), "user"),
    "neg_norm": lg.Lagrangian(-parse("norm(x)", {"x": X})),
}


@pytest.mark.parametrize("name", sorted(CONVEX))
def test_convex_catalogue_is_proved(name):
    L = CONVEX[name]
    c = certify(L.expr, X)
    assert c.verdict is True, c.reason
    assert c.counterexample is None


@pytest.mark.parametrize("name", sorted(NONCONVEX))
def test_nonconvex_is_refuted_with_verified_counterexample(name):
    L = NONCONVEX[name]
    c = certify(L.expr, X)
    assert c.verdict is False, c.reason
    ce = c.counterexample
    # independent re-verification: Hessian of the expanded Lagrangian at the point, 50 digits
    params = {sp.Symbol(k): sp.Rational(v) for k, v in ce["parameters"].items()}
    lam, _ = verify_counterexample(L.expr, X, ce["N"], [sp.sympify(p) for p in ce["x"]], params)
    assert lam < 0
    assert abs(lam - mpmath.mpf(ce["min_eigenvalue"])) < 1e-15


def test_zero_modes():
    assert [str(z) for z in certify(lg.logsumexp().expr, X).zero_modes] == ["Ones(N)"]
    assert [str(z) for z in certify(lg.spherical().expr, X).zero_modes] == ["x"]
    assert [str(z) for z in certify(lg.layernorm().expr, X).zero_modes] == ["Ones(N)"]


def test_undecided_is_not_folded_into_false():
    """F'' = 2 cosh(x) - sin(x) > 0 everywhere, but no rule here proves it: the verdict must be None, not False."""
    c = certify(lg.additive(2 * sp.cosh(T) + sp.sin(T)).expr, X)
    assert c.verdict is None
    assert c.counterexample is None and "no symbolic rule" in c.reason


def test_certificate_rejects_refutation_without_counterexample():
    from theory.certificate import Certificate

    with pytest.raises(ValueError, match="counterexample"):
        Certificate(False, "m", "r")


def test_numeric_search_never_expands_a_large_concrete_size(monkeypatch):
    """Regression: the quick refutation expanded a layer of concrete size 10**6 into 10**6 components
    (derive_cost_vs_N rose to 9); concrete sizes above 3 are not searched."""
    import theory
    from theory import certificate, concrete
    from theory import lagrangians as lg
    from theory.vector import Vector

    real, large = concrete.expand, []

    def guarded(e, sizes):  # record (the search catches exceptions) and refuse the expansion
        n = [int(v) for v in sizes.values()] + [int(v.size) for v in e.atoms(Vector) if v.size.is_Integer]
        if any(k > 3 for k in n):
            large.append(n)
            raise MemoryError("a large concrete expansion was asked for")
        return real(e, sizes)

    monkeypatch.setattr(concrete, "expand", guarded)
    big = theory.Layer("h", 10**6, lg.logsumexp(), activation="f")
    assert big.certificate.verdict is True
    assert certificate._numeric_search(big.L, big.state, {}, quick=True) is None
    assert not large, f"expansions at sizes {large}"


def test_a_non_smooth_lagrangian_is_searched_off_its_kinks():
    """Issue 33 item 14: -x^3 + |x| (F'' = -6x off the kink) was undecided with "a seeded search found no negative
    eigenvalue, which is evidence", although the Dirac term had stopped the search before any point was looked at.
    Off the kinks the measure vanishes and the Hessian is the classical one: refuted with a verified counterexample."""
    import sympy as sp

    from theory import Layer
    from theory import lagrangians as lg

    x = lg.T
    c = Layer("v", "N", lg.additive(-x**3 + sp.Abs(x))).certificate
    assert c.verdict is False and c.counterexample is not None
    assert all(sp.Rational(p) > 0 for p in c.counterexample["x"])  # where -6x < 0, away from the kink
    assert float(c.counterexample["min_eigenvalue"]) < 0
    # a convex non-smooth Lagrangian stays proved
    assert Layer("v", "N", lg.additive(sp.Abs(x) + x**2)).certificate.verdict is True
