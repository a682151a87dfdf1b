"""Weight gradients (sums of outer products) against finite differences and the concrete-N route."""

import numpy as np
import pytest
import sympy as sp

import numerics as nm
from theory import concrete
from theory.vector import LogSumExp, MatTVec, MatVec, Vector, VSum, Weight, sigmoid, size_symbol
from theory.weight_gradients import weight_grad

Nh, Nv = size_symbol("N_h"), size_symbol("N_v")
xi = Weight("xi", Nh, Nv)
v = Vector("v", Nv)
b, th = sp.Symbol("b", positive=True), sp.Symbol("theta", real=True)


def bpd_loss():
    """The threshold model's reconstruction objective (paper Eq. 16-17) with a steep sigmoid."""
    s = sigmoid(b * (sp.sqrt(Nh) / Nv * MatVec(xi, v) - th))
    return VSum((v - MatTVec(xi, s) / sp.sqrt(Nh)) ** 2, Nv)


LOSSES = {
    "bpd": bpd_loss(),
    "lse": LogSumExp(MatVec(xi, v), b),
    "quadratic": VSum(MatVec(xi, v) ** 2, Nh) / 2,
}


def _numeric_grad(L, Wn, vn, params):
    g = weight_grad(L, xi)
    k = nm.compile([e for t in g.terms for e in t])
    outs = k(v=vn, xi=Wn, **{p: params[p] for p in k.arg_names if p in params})
    total = np.zeros_like(Wn)
    for a, bb in zip(outs[0::2], outs[1::2]):
        A = np.broadcast_to(np.atleast_2d(a), (len(vn), Wn.shape[0]))
        B = np.broadcast_to(np.atleast_2d(bb), (len(vn), Wn.shape[1]))
        total += A.T @ B  # the batch sum of outer products is one GEMM
    return total


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_weight_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(0)
    L = LOSSES[name]
    Wn, vn = rng.standard_normal((4, 6)) / 2, rng.standard_normal((5, 6))
    params = {"b": 3.0, "theta": 0.2}
    kL = nm.compile(L)
    G = _numeric_grad(L, Wn, vn, params)
    h = 1e-6
    fd = np.zeros_like(Wn)
    pnames = {p: params[p] for p in kL.arg_names if p in params}
    for i in range(Wn.shape[0]):
        for j in range(Wn.shape[1]):
            E = np.zeros_like(Wn)
            E[i, j] = h
            fd[i, j] = (kL(v=vn, xi=Wn + E, **pnames).sum() - kL(v=vn, xi=Wn - E, **pnames).sum()) / (2 * h)
    np.testing.assert_allclose(G, fd, rtol=1e-6, atol=1e-7)


def test_weight_gradient_concrete_route():
    """At N_h = 2, N_v = 3 the outer-product terms equal plain sympy.diff of the expanded loss."""
    sizes = {Nh: 2, Nv: 3}
    L = LOSSES["bpd"]
    Lc = concrete.expand(L, sizes)
    Wc = concrete.weight_matrix(xi, sizes)
    g = weight_grad(L, xi)
    total = sp.zeros(2, 3)
    for a, bb in g.terms:
        ac, bc = concrete.expand(a, sizes), concrete.expand(bb, sizes)
        ac = ac if isinstance(ac, list) else [ac] * 2
        bc = bc if isinstance(bc, list) else [bc] * 3
        total += sp.Matrix(2, 3, lambda i, j: ac[i] * bc[j])
    pt = {s: sp.Rational(k % 7 - 3, 5) for k, s in enumerate(sorted(Lc.free_symbols, key=str))}
    pt[b], pt[th] = sp.Integer(2), sp.Rational(1, 3)
    for i in range(2):
        for j in range(3):
            assert abs(sp.N((total[i, j] - sp.diff(Lc, Wc[i, j])).xreplace(pt), 30)) < 1e-25


def test_vjp_and_weight_gradient_walk_share_one_rule_per_node():
    """The structural nodes' derivatives live in one place (theory.calculus.pullback), read by both walks: neither
    `vjp`, `grad` nor the weight-gradient walk names MatVec, MatTVec or Softmax itself (they had a copy each)."""
    import ast
    import inspect

    import theory.calculus as calc
    import theory.weight_gradients as wg

    def names(obj) -> set[str]:
        return {n.id for n in ast.walk(ast.parse(inspect.getsource(obj))) if isinstance(n, ast.Name)}

    for walker in (calc.vjp.__wrapped__, calc.grad.__wrapped__, wg._wvjp, wg.weight_grad):
        assert not names(walker) & {"MatVec", "MatTVec", "Softmax", "LogSumExp"}, walker.__name__
    assert {"MatVec", "MatTVec", "Softmax"} <= names(calc.pullback)
