"""numerics.codegen.sharing: nodes of one layer computed in one pass (pair nodes) give the values of the separate nodes.

On NumPy the pair nodes perform exactly the separate nodes' operations, sharing the common ones: their values are
compared bitwise, node by node over a grid with the extremes; kernel by kernel against the same model compiled
without the rewrite, to the rounding of the final sum (whose terms SymPy orders by their printed names). On JAX and torch a pair is its two nodes (XLA shares the work itself).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import numerics.codegen.kernel as nk
from numerics.codegen.backends import available_backends, get_backend
from numerics.codegen.sharing import (
    SHARED_NODES,
    First,
    Second,
    SigmoidLegendrePair,
    SigmoidPlusMinus,
    SoftmaxLsePair,
    share_passes,
)
from numerics.codegen.stable import STABLE_NODES, SigmoidLegendre
from theory import builtin
from theory.vector import sigmoid

BACKENDS = ["numpy", "jax", "torch"]


def _grid(dtype):
    fi = np.finfo(dtype)
    xs = np.concatenate([np.linspace(-120, 120, 2401), np.geomspace(fi.tiny / 8, 30, 300), -np.geomspace(fi.tiny / 8, 30, 300),
                         [0.0, -0.0, 1.0, -1.0, fi.max, -fi.max, 700.0, -700.0, np.nan]])
    return xs.astype(dtype).reshape(2, -1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_implements_the_pair_nodes(backend):
    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    ns = get_backend(backend).namespace
    assert all(n in ns for n in SHARED_NODES + STABLE_NODES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_sigmoid_pairs_are_bitwise_the_separate_nodes(dtype):
    ns = get_backend("numpy").namespace
    x = _grid(dtype)
    with np.errstate(invalid="ignore"):  # SigmoidLegendre at +-inf is not asked; NaN propagates
        s, sl = ns["SigmoidLegendrePair"](x)
        p, m = ns["SigmoidPlusMinus"](x)
        for got, want in ((s, ns["sigmoid"](x)), (sl, ns["SigmoidLegendre"](x)), (p, ns["sigmoid"](x)), (m, ns["sigmoid"](-x))):
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta", [1.0, 0.3, 40.0])
def test_numpy_softmax_pair_is_bitwise_the_separate_nodes(dtype, beta):
    ns = get_backend("numpy").namespace
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((16, 50)) * np.array([[1e-3], [1.0], [30.0], [1e3]]).repeat(4, 0)).astype(dtype)
    a[0] = 0.0  # a flat row: every entry a maximum
    a[1, :3] = a[1].max()  # tied maxima
    # non-finite rows: the pair zeroes one maximum's exp(0) for Z - 1 and restores what was there (NaN where the row's
    # maximum is inf or NaN), so these rows stay the Softmax node's too (regression: restoring an exact 1 made an inf
    # row one-hot where the node gives NaN)
    a[2, 5], a[3, 7], a[4, 1], a[4, 9] = np.inf, np.nan, -np.inf, np.inf
    with np.errstate(invalid="ignore"):
        s, lse = ns["SoftmaxLsePair"](a, beta)
        np.testing.assert_array_equal(s, ns["Softmax"](a, beta))
        np.testing.assert_array_equal(lse, ns["LseLegendre"](a, beta))
    assert np.isnan(s[2:5]).all() and np.isnan(lse[2:5]).all()  # no finite answer from a non-finite row


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_other_backends_pairs_are_the_two_nodes(backend):
    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    be = get_backend(backend)
    ns = be.namespace
    x = be.asarray(np.linspace(-30, 30, 121).reshape(11, 11))
    for pair, parts in (("SigmoidLegendrePair", (ns["sigmoid"](x), ns["SigmoidLegendre"](x))),
                        ("SigmoidPlusMinus", (ns["sigmoid"](x), ns["sigmoid"](-x))),
                        ("SoftmaxLsePair", (ns["Softmax"](x, 2.0), ns["LseLegendre"](x, 2.0)))):
        got = ns[pair](x, 2.0) if pair == "SoftmaxLsePair" else ns[pair](x)
        for g, w in zip(got, parts, strict=True):
            np.testing.assert_array_equal(be.to_numpy(g), be.to_numpy(w))


def test_pairs_are_formed_only_with_their_partner():
    v, w, b = sp.symbols("v w beta")
    Softmax, Lse = sp.Function("Softmax"), sp.Function("LseLegendre")
    assert share_passes([SigmoidLegendre(v), sigmoid(w)]) == [SigmoidLegendre(v), sigmoid(w)]  # different arguments
    assert share_passes([sigmoid(v) * 2, SigmoidLegendre(v)]) == [2 * First(SigmoidLegendrePair(v)), Second(SigmoidLegendrePair(v))]
    assert share_passes([sigmoid(-v) + sigmoid(v)]) == [First(SigmoidPlusMinus(v)) + Second(SigmoidPlusMinus(v))]
    assert share_passes([Softmax(v, b), Lse(v, 2 * b)]) == [Softmax(v, b), Lse(v, 2 * b)]  # different beta
    assert share_passes([Softmax(v, b) + Lse(v, b)]) == [First(SoftmaxLsePair(v, b)) + Second(SoftmaxLsePair(v, b))]
    # one level only: a pairable node inside an argument keeps the outer ones apart (nothing is mis-nested)
    inner = sigmoid(sigmoid(v))
    assert share_passes([inner, SigmoidLegendre(sigmoid(v))]) == [inner, SigmoidLegendre(sigmoid(v))]


@pytest.fixture
def unshared(monkeypatch):
    """Compile without the rewrite: a fresh kernel cache and share_passes as the identity."""
    monkeypatch.setattr(nk, "_CACHE", {})
    monkeypatch.setattr(nk, "share_passes", lambda es: list(es))
    yield
    nk._CACHE.clear()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_kernels_with_pairs_agree_with_the_kernels_without(dtype, unshared, monkeypatch):
    """The kernels agree to the rounding of their final sum: its terms come in SymPy's order of the printed names
    (``Second(x0) - RowDot(W2 ...) - RowDot(W1 ...)`` against ``LseLegendre(h2) - RowDot(W1 ...) - ...``), and a
    reassociated float sum may differ in its last bits (it did for float32 at these inputs). The nodes themselves are
    bitwise (the tests above); the gradient and the update, whose sums keep their order under the rewrite, are
    compared bitwise here."""
    model = builtin("hamux3")
    rng = np.random.default_rng(11)
    arr = {"v": rng.standard_normal((8, 20)) * 4, "h1": rng.standard_normal((8, 12)) * 2, "h2": rng.standard_normal((8, 12)) * 3,
           "W1": rng.standard_normal((12, 20)) / 4, "W2": rng.standard_normal((12, 12)) / 3}
    arr = {k: x.astype(dtype) for k, x in arr.items()}
    plain = nk.compile(model)
    monkeypatch.setattr(nk, "share_passes", share_passes)
    monkeypatch.setattr(nk, "_CACHE", {})
    shared = nk.compile(model)
    assert "SigmoidLegendrePair" in shared.source("energy") and "SoftmaxLsePair" in shared.source("energy")
    assert "Pair" not in plain.source("energy")
    for which in ("energy_grad", "rhs"):
        a, b = getattr(shared, which)(**arr), getattr(plain, which)(**arr)
        for x, y in zip(a.values(), b.values(), strict=True):
            np.testing.assert_array_equal(x, y, err_msg=which)
    a, b = shared.energy(**arr), plain.energy(**arr)
    # the bound for summing the same five terms in another order: 4 eps sum |t_i|, row by row (the terms from the
    # nodes, as the plain kernel prints them)
    ns = get_backend("numpy").namespace
    v, h1, h2, W1, W2 = (arr[k] for k in ("v", "h1", "h2", "W1", "W2"))
    t = np.tanh(h1)
    terms = [ns["LseLegendre"](h2, 1.0), ns["RowDot"](ns["MatVec"](W1, ns["sigmoid"](v.copy())), t),
             ns["RowDot"](ns["MatVec"](W2, t), ns["Softmax"](h2, 1.0)), ns["VSum"](ns["SigmoidLegendre"](v.copy()), 20),
             ns["VSum"](ns["TanhLegendre"](h1.copy()), 12)]
    bound = 4 * np.finfo(dtype).eps * np.sum([np.abs(x[:, 0]) for x in terms], axis=0)
    assert np.all(np.abs(a - b) <= bound), (np.abs(a - b), bound)



def test_row_dots_only_for_two_vectors_and_a_scalar_coefficient():
    from numerics.codegen.sharing import RowDot, fuse_row_dots

    x, y, b, N = sp.symbols("x y beta N")
    VSum, MatVec, Lse = sp.Function("VSum"), sp.Function("MatVec"), sp.Function("LseLegendre")
    W = sp.Symbol("W")
    vec = ["x", "y"]
    assert fuse_row_dots([VSum(-b * x * MatVec(W, y), N)], vec, ["W"]) == [-b * RowDot(x, MatVec(W, y))]
    assert fuse_row_dots([VSum(x**2, N)], vec) == [RowDot(x, x)]
    # kept: one vector; three vectors; a weight as a factor; a scalar-valued node as a factor
    for body in (b * x, x * y * sp.tanh(x), W * x * y, Lse(x, b) * x * y):
        assert fuse_row_dots([VSum(body, N)], vec, ["W"]) == [VSum(body, N)], body
    # the other terms of the sum stay in one VSum
    out = fuse_row_dots([VSum(sp.tanh(x) + 2 * x * y, N)], vec)[0]
    assert out == 2 * RowDot(x, y) + VSum(sp.tanh(x), N)
    # Second of the softmax pair is its (scalar) entropy, Second of a sigmoid pair a vector
    s_pair, g_pair = SoftmaxLsePair(x, b), SigmoidLegendrePair(x)
    assert fuse_row_dots([VSum(Second(s_pair) * x * y, N)], vec) == [VSum(Second(s_pair) * x * y, N)]
    assert fuse_row_dots([VSum(Second(g_pair) * y, N)], vec) == [RowDot(y, Second(g_pair))]  # factors in SymPy order


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_row_dot_node_against_mpmath(dtype):
    """RowDot (a BLAS dot per row on NumPy) is the row sum of the product: within a dot product's error bound."""
    import mpmath

    ns = get_backend("numpy").namespace
    rng = np.random.default_rng(5)
    a, b = (rng.standard_normal((6, 300)).astype(dtype) for _ in range(2))
    got = ns["RowDot"](a, b)
    assert got.shape == (6, 1) and got.dtype == dtype
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.fsum(mpmath.mpf(float(p)) * mpmath.mpf(float(q)) for p, q in zip(ra, rb, strict=True))) for ra, rb in zip(a, b, strict=True)])
        scale = np.abs(a.astype(float) * b).sum(-1)
    assert np.all(np.abs(got[:, 0] - ref) <= 300 * np.finfo(dtype).eps * scale)
    np.testing.assert_array_equal(ns["RowDot"](a[0], b[0]).shape, (1,))  # unbatched: the axis kept, like VSum


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_row_sums_against_mpmath(dtype):
    """NumPy's row sums (VSum, the softmax normaliser, log-sum-exp) run as one BLAS product with a vector of ones:
    within the recursive-summation bound of the exact sum, in the input's dtype, the axis kept; NaN and inf propagate."""
    import mpmath

    from numerics.codegen.backends.numpy_backend import rowsum as _rowsum

    ns = get_backend("numpy").namespace
    rng = np.random.default_rng(7)
    a = (rng.standard_normal((5, 777)) * np.exp(rng.uniform(-20, 20, (5, 777)))).astype(dtype)
    got = ns["VSum"](a, 777)
    assert got.shape == (5, 1) and got.dtype == dtype
    with mpmath.workdps(60):
        ref = np.array([float(mpmath.fsum(mpmath.mpf(float(p)) for p in row)) for row in a])
    scale = np.abs(a.astype(float)).sum(-1)
    assert np.all(np.abs(got[:, 0] - ref) <= 777 * np.finfo(dtype).eps * scale)
    # every layout and rank gives NumPy's sum up to rounding, with its shape
    for x in (a[0], a[:, ::-1], a.T, a.reshape(5, 7, 111), a[:, :0]):
        want = x.sum(axis=-1, keepdims=True)
        assert _rowsum(x).shape == want.shape and _rowsum(x).dtype == dtype
        np.testing.assert_allclose(_rowsum(x), want, rtol=0, atol=float(x.shape[-1] * np.finfo(dtype).eps * np.abs(x).sum(-1, keepdims=True).max(initial=0)))
    b = a.copy()
    b[1, 3], b[2, 0], b[3, 5], b[3, 6] = np.nan, np.inf, np.inf, -np.inf
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, with the warning NumPy's sum gives too
        out = ns["VSum"](b, 777)[:, 0]
    assert np.isnan(out[1]) and out[2] == np.inf and np.isnan(out[3]) and np.isfinite(out[[0, 4]]).all()
    # other dtypes keep NumPy's own sum (no BLAS for them)
    h = a[:, :10].clip(-1, 1).astype(np.float16)
    assert ns["VSum"](h, 10).dtype == np.float16


def test_fused_backends_get_no_row_dots():
    """On JAX the fused program does the product and the sum in one pass: the printer leaves VSum as it is."""
    if "jax" not in available_backends():
        pytest.skip("jax not installed")
    src = nk.compile(builtin("hamux3"), backend="jax").source("energy")
    assert "RowDot" not in src and "VSum" in src
    assert "RowDot" in nk.compile(builtin("hamux3")).source("energy")


def test_expression_kernels_get_row_dots_too():
    from theory.vector import MatVec, Vector, VSum, Weight, size_symbol

    D, K = size_symbol("D"), size_symbol("K")
    x, y, W = Vector("x", D), Vector("y", D), Weight("W", K, D)
    k = nk.compile([VSum(x * y, D), VSum(MatVec(W, x) ** 2, K)])
    assert k.source.count("RowDot(") == 2, k.source
    rng = np.random.default_rng(2)
    xv, yv, Wv = rng.standard_normal((4, 6)), rng.standard_normal((4, 6)), rng.standard_normal((3, 6))
    a, b = k(x=xv, y=yv, W=Wv)
    np.testing.assert_allclose(a, (xv * yv).sum(-1), rtol=1e-13)
    np.testing.assert_allclose(b, ((xv @ Wv.T) ** 2).sum(-1), rtol=1e-13)


def test_linear_products_merge_at_every_level_with_one_canonical_argument():
    """Regression (issue 32): the attention gradient applied the tokens twice to the residual, ``X W^T x`` and
    ``X W^T f`` (one batched product too many against a hand gradient); a product of one linear node on a difference,
    wherever it sits (inside a sum over an axis, an argument, a product), is now one product of the difference, printed
    the same wherever it recurs (its numeric content and sign taken out)."""
    from numerics.codegen.sharing import collect_linear_products

    W, X, L = sp.symbols("W X L")
    x, y, s = sp.symbols("x y s")
    MV, MT, VS = sp.Function("MatVec"), sp.Function("MatTVec"), sp.Function("VSum")
    a = collect_linear_products([2 * MT(W, y) - 2 * MT(W, x), s * (MV(X, MT(W, x)) - MV(X, MT(W, y)))], ["x", "y", "s"], ["W", "X"])
    assert a[0] == -2 * MT(W, x - y) and a[1] == s * MV(X, MT(W, x - y)), a
    b = collect_linear_products([VS(s * MV(X, x), L) + 3 * VS(s * MV(X, y), L)], ["x", "y", "s"], ["X"])
    assert b == [VS(s * MV(X, x + 3 * y), L)], b
    # different weights, factors or sizes never merge
    for e in (MT(W, x) + MT(X, y), s * MT(W, x) + MT(W, y), VS(x, L) + VS(y, sp.Symbol("K"))):
        assert collect_linear_products([e], ["x", "y", "s"], ["W", "X"]) == [e]


def test_attention_gradient_kernel_applies_the_tokens_four_times_and_keeps_its_values(monkeypatch):
    """The softmax attention's loss and gradients need four batched products with the tokens (scores, output, the
    back-projected residual, the score gradient), as a hand gradient does; the values equal the kernel compiled
    without the pass."""
    from numerics import denoising as nd
    from theory.denoising import AttentionObjective

    obj = AttentionObjective("softmax")
    exprs = [obj.loss, *[e for name in ("W_KQ", "W_PV") for t in obj.gradients[name].terms for e in t]]
    monkeypatch.setattr(nk, "_CACHE", {})
    k = nk.compile(exprs)
    assert k.source.count("MatVec(X,") + k.source.count("MatTVec(X,") == 4, k.source
    monkeypatch.setattr(nk, "collect_linear_products", lambda es, *a: list(es))
    monkeypatch.setattr(nk, "_CACHE", {})
    plain = nk.compile(exprs)
    assert plain.source.count("MatVec(X,") + plain.source.count("MatTVec(X,") > 4
    p = nd.sphere_prompts(16, 6, 2, 9, 1.0, 0.5, seed=3)
    rng = np.random.default_rng(0)
    args = {"q": p.query, "x": p.target, "X": p.tokens, "W_KQ": 4 * np.eye(6) + rng.standard_normal((6, 6)) / 5,
            "W_PV": np.eye(6) + rng.standard_normal((6, 6)) / 5}
    for u, v in zip(k(**args), plain(**args), strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-14)
