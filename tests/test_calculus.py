"""The symbolic-size calculus against the concrete-size route (plain sympy.diff at N = 2, 3)."""

import pytest
import sympy as sp

from theory import concrete
from theory.calculus import grad, hessian, hvp
from theory.energies import epanechnikov_energy, lse_distance_energy
from theory.vector import (
    LogSumExp,
    MatTVec,
    MatVec,
    Softmax,
    Vector,
    VSum,
    Weight,
    logcosh,
    norm,
    relu,
    size_symbol,
    softplus,
)

N = size_symbol("N")
K = size_symbol("K")
x = Vector("x", N)
y = Vector("y", K)
W = Weight("W", K, N)
beta = sp.Symbol("beta", positive=True)

SCALARS = {
    "quadratic": VSum(x**2, N) / 2,
    "lse": LogSumExp(x, beta),
    "lse_of_matvec": LogSumExp(MatVec(W, x), beta),
    "norm": norm(x),
    "bilinear": VSum(y * MatVec(W, x), K),
    "softplus_sum": VSum(softplus(x), N),
    "logcosh": VSum(logcosh(beta * x), N) / beta,
    "nested": VSum(sp.tanh(MatVec(W, sp.exp(x))) * y, K) + norm(x) ** 3,
    "ratio": VSum(MatVec(W, x) ** 2, K) / (1 + VSum(x**2, N)),
    "softmax_inner": VSum(Softmax(MatVec(W, x), beta) * y, K),
    "transpose": VSum(x * MatTVec(W, sp.sin(y)), N),
    "layernorm_like": sp.sqrt(VSum((x - VSum(x, N) / N) ** 2, N) / N + 1),
    "epanechnikov": epanechnikov_energy(x, W, beta, sp.Rational(1, 10)),
    "lse_distance": lse_distance_energy(x, W, beta),
}


def _point(symbols, seed):
    import random

    r = random.Random(seed)
    return {s: sp.Rational(r.randint(-9, 9), 5) + sp.Rational(1, 7) for s in symbols}


@pytest.mark.parametrize("name", sorted(SCALARS))
@pytest.mark.parametrize("sizes", [{N: 2, K: 3}, {N: 3, K: 2}])
def test_gradient_matches_plain_sympy_diff(name, sizes):
    S = SCALARS[name]
    g = grad(S, x)
    Sc = concrete.expand(S, sizes)
    gc = concrete.expand(g, sizes)
    xs = concrete.components(x, sizes)
    ref = [sp.diff(Sc, xi) for xi in xs]
    pt = _point(Sc.free_symbols | {beta}, 1)
    for a, b in zip(gc, ref):
        assert abs(sp.N((a - b).xreplace(pt), 30)) < 1e-25


@pytest.mark.parametrize("name", ["quadratic", "lse", "norm", "softplus_sum", "logcosh", "layernorm_like"])
def test_structured_hessian_matches_sympy_hessian(name):
    S = SCALARS[name]
    H = hessian(S, x)
    sizes = {N: 3}
    xs = concrete.components(x, sizes)
    ref = sp.hessian(concrete.expand(S, sizes), xs)
    u = Vector("u", N)
    hu = concrete.expand(H.apply(u), sizes)
    us = concrete.components(u, sizes)
    pt = _point(set(xs) | set(us) | {beta}, 2)
    refu = ref * sp.Matrix(us)
    for a, b in zip(hu, refu):
        assert abs(sp.N((a - b).xreplace(pt), 30)) < 1e-25


def test_hvp_equals_hessian_apply():
    S = SCALARS["lse"]
    u = Vector("u", N)
    a = concrete.expand(hvp(S, x, u), {N: 3})
    b = concrete.expand(hessian(S, x).apply(u), {N: 3})
    pt = _point(set().union(*[e.free_symbols for e in a + b]), 3)
    assert all(abs(sp.N((p - q).xreplace(pt), 30)) < 1e-25 for p, q in zip(a, b))


def test_lse_gradient_is_softmax_and_hessian_rank_one():
    g = grad(LogSumExp(x, beta), x)
    assert g == Softmax(x, beta)
    H = hessian(LogSumExp(x, beta), x)
    assert H.rank == 1 and H.basis == (Softmax(x, beta),)
    assert sp.simplify(H.coupling[0, 0] + beta) == 0


def test_derivation_cost_does_not_depend_on_size():
    """The same derivation at N = 10 and N = 10**6 yields the same expression up to the size."""
    a = grad(LogSumExp(MatVec(Weight("W", 7, 10), Vector("z", 10)), 1), Vector("z", 10))
    b = grad(LogSumExp(MatVec(Weight("W", 7, 10**6), Vector("z", 10**6)), 1), Vector("z", 10**6))
    assert sp.count_ops(a) == sp.count_ops(b)


def test_relu_derivative_uses_step_zero_at_zero():
    assert grad(VSum(relu(x), N), x) == sp.Heaviside(x, 0)
