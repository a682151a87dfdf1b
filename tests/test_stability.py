"""Every compiled function of every built-in model and catalogue Lagrangian against mpmath at 50 digits.

The bound is the mixed forward-backward one of numerical analysis: a kernel output ``f`` is accepted when

    |f_computed - f(x)| <= STABLE_RTOL |f(x)| + STABLE_INPUT_RTOL sum_j |df/dx_j| max|A(j)| + STABLE_ATOL,

with ``f(x)`` and its partial derivatives evaluated exactly (SymPy/mpmath, 50 correct digits) at the float64
inputs ``x``, and ``A(j)`` the argument array that holds ``x_j``.  The second term is what a normwise
perturbation of 1e-14 of each argument changes (the backward error of a GEMM), so an ill-conditioned *sum*
(terms cancelling between synapses) is allowed its inherent error, while a cancellation the *formula* adds
-- ``1 - tanh(u)**2`` is 0 at u = 30 where the truth is 3.5e-26 -- is not: those derivatives are tiny too.
Where the true value overflows float64 the output may be inf; where it is finite it must be finite.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerics import tolerances as tol
from numerics.codegen.kernel import KernelInputError, compile
from numerics.codegen.stable import STABLE_NODES, Sech2, SigmoidLegendre, TanhLegendre, stabilize
from theory import EnergyModel, Layer, bias, builtin, builtin_names, concrete, lagrangians
from theory.vector import logcosh, sigmoid, softplus

U, V = sp.symbols("u v", real=True)

FUNCTIONS = ("energy", "rhs", "activations", "energy_grad", "update")
BETAS = (1.0, 1e2, 1e4)
F64_MAX = 1.7976931348623157e308


def magnitude():
    """|x| log-uniform in [1e-12, 1e3] with a random sign (and exact zero now and then)."""
    return st.one_of(
        st.just(0.0),
        st.tuples(st.floats(-12, 3), st.sampled_from((-1.0, 1.0))).map(lambda t: t[1] * 10.0 ** t[0]),
    )


_MP = {
    "sigmoid": lambda u: 1 / (1 + mpmath.exp(-u)),
    "softplus": lambda u: mpmath.log1p(mpmath.exp(u)) if u < 0 else u + mpmath.log1p(mpmath.exp(-u)),
    "logcosh": lambda u: mpmath.log(mpmath.cosh(u)),
    "relu": lambda u: u if u > 0 else mpmath.mpf(0),
    "Heaviside": lambda u, h0=0: mpmath.mpf(1) if u > 0 else (mpmath.mpf(0) if u < 0 else mpmath.mpf(h0)),
    "DiracDelta": lambda u, k=0: mpmath.mpf(0) if u != 0 else mpmath.inf,
    "Abs": abs,
    "sign": mpmath.sign,
}


@pytest.fixture(autouse=True)
def _backend_scope(request):
    """The tests below call node implementations directly, outside a kernel call: a JAX one runs in the scope a
    kernel call gives it (double precision for the call only, ``Backend.scope``), not in a process-wide setting."""
    name = getattr(getattr(request.node, "callspec", None), "params", {}).get("backend")
    from numerics.codegen.backends import available_backends, get_backend

    if name == "jax" and "jax" in available_backends():
        with get_backend("jax").scope():
            yield
    else:
        yield


def _continuous(d):
    """``x**n/x`` (SymPy's derivative of ``x**n``) as its continuous extension ``x**(n-1)``, also at 0: ``powsimp``, which is
    only needed where a power has a negative exponent (and costs seconds on large trigonometric expressions)."""
    if any(p.exp.is_negative for p in d.atoms(sp.Pow)):
        return sp.powsimp(d, deep=True, combine="exp")
    return d


@functools.cache
def _reference_functions(expr, sizes: tuple, symbols: tuple):
    """f and its gradient, expanded at concrete sizes and lambdified to mpmath (cached per expression)."""
    # x**n/x (SymPy's derivative of x**n) is the continuous extension x**(n-1), also at x = 0
    exp = concrete.expand(sp.powsimp(expr, deep=True, combine="exp"), dict(sizes))
    comps = exp if isinstance(exp, list) else [exp]
    out = []
    for c in comps:
        used = [s for s in symbols if c.has(s)]
        f = sp.lambdify(symbols, c, modules=[_MP, "mpmath"])
        grads = [(symbols.index(s), sp.lambdify(symbols, _continuous(sp.diff(c, s)), modules=[_MP, "mpmath"])) for s in used]
        out.append((f, grads))
    return out


def _reference(expr, values: dict, scale: dict, params: dict, sizes: dict):
    """f and sum_j |df/dx_j| * scale_j at REFERENCE_DPS digits, per component.

    Inputs enter as the float64 values themselves (exact in binary); the working precision is high enough
    (``STABLE_REFERENCE_DPS``) that a cancelling reference such as ``1 - tanh(100)**2`` keeps 50 correct digits
    instead of being rounded to 0 (a value below 1e-300 needs only absolute accuracy).
    """
    symbols = tuple(values) + tuple(params)
    fns = _reference_functions(expr, tuple(sorted(sizes.items(), key=str)), symbols)
    with mpmath.workdps(tol.STABLE_REFERENCE_DPS):
        args = [mpmath.mpf(float(v)) for v in values.values()] + [mpmath.mpf(float(v)) for v in params.values()]
        scales = [scale[s] for s in values] + [0.0] * len(params)
        out = []
        for f, grads in fns:
            fv = f(*args)
            cond = mpmath.fsum(abs(g(*args)) * scales[i] for i, g in grads if scales[i] != 0)
            out.append((fv, cond))
    return out


def _assert_close(which, got, ref, coupled=False):
    """Componentwise bound; ``coupled`` (a non-additive layer: norm, mean, softmax couple its entries)
    takes each component's input-perturbation term as the largest over the components (normwise)."""
    got = np.atleast_1d(np.asarray(got, dtype=np.float64)).ravel()
    assert got.size == len(ref), which
    if coupled:
        top = max((c for _, c in ref if mpmath.isfinite(c)), default=mpmath.mpf(0))
        ref = [(f, top) for f, _ in ref]
    for g, (f, cond) in zip(got, ref):
        if not (mpmath.isfinite(f) and mpmath.isfinite(cond)):
            continue  # e.g. DiracDelta at an exact kink: no derivative to bound by
        if abs(f) > F64_MAX:
            continue  # the true value overflows float64: inf is the right answer
        fv = float(f)
        assert np.isfinite(g), f"{which}: got {g} where the true value is {mpmath.nstr(f, 20)}"
        allowed = tol.STABLE_RTOL * abs(fv) + tol.STABLE_INPUT_RTOL * float(min(cond, F64_MAX)) + tol.STABLE_ATOL
        assert abs(g - fv) <= allowed, f"{which}: got {g!r}, true {mpmath.nstr(f, 20)} (allowed error {allowed:.3g})"


def _check_model(model: EnergyModel, arrays: dict, params: dict, sizes: dict, functions=FUNCTIONS, coupled=False):
    k = compile(model)
    values, scale = {}, {}
    for vec in [lay.state for lay in model.layers] + list(model.inputs):
        comps = concrete.components(vec, sizes)
        values.update(dict(zip(comps, arrays[vec.name])))
        scale.update(dict.fromkeys(comps, float(np.abs(arrays[vec.name]).max())))
    for W in model.weights:
        M = concrete.weight_matrix(W, sizes)
        values.update({M[i, j]: arrays[W.name][i, j] for i in range(M.rows) for j in range(M.cols)})
        scale.update({M[i, j]: float(np.abs(arrays[W.name]).max()) for i in range(M.rows) for j in range(M.cols)})
    pvals = {p: params.get(p.name, a.default) for p in model.parameters for a in k.args if a.name == p.name}
    for which in functions:
        exprs = k.sympy(which)
        exprs = exprs if isinstance(exprs, list) else [exprs]
        names = model.layer_names if which != "energy" else ("",)
        try:
            got = getattr(k, which)(**arrays, **params)
        except KernelInputError as exc:  # the checked call refuses a non-finite result: only where the true one overflows
            assert "overflowed" in str(exc), exc
            refs = [_reference(sp.sympify(e), values, scale, pvals, sizes) for e in exprs]
            assert any(abs(f) > F64_MAX for ref in refs for f, _ in ref), \
                f"{model.name}.{which}: refused as an overflow where every true value fits float64: {exc}"
            continue
        for name, e in zip(names, exprs, strict=True):
            ref = _reference(sp.sympify(e), values, scale, pvals, sizes)
            _assert_close(f"{model.name}.{which}[{name}]", got[name] if name else got, ref, coupled)


# ------------------------------------------------------------ catalogue Lagrangians, one layer + input
CATALOGUE_CASES = [
    ("quadratic", {}),
    ("power", {"n": 4}),
    ("power", {"n": 3}),
    ("rectified_power", {"n": 3}),
    ("exponential", {"beta": "beta"}),
    ("tanh", {"beta": "beta"}),
    ("sigmoid", {"beta": "beta"}),
    ("relu_threshold", {"theta": sp.Rational(1, 2)}),
    ("absolute", {}),
    ("logsumexp", {"beta": "beta"}),
    ("spherical", {}),
    ("layernorm", {"gamma": 1, "eps": sp.Rational(1, 100)}),
]


def _one_layer(name: str, params: dict) -> EnergyModel:
    kw = {k: (sp.Symbol("beta", positive=True) if v == "beta" else v) for k, v in params.items()}
    lay = Layer("x", "N", lagrangians.by_name(name, **kw))
    return EnergyModel([lay], [bias(lay, "I")], name=f"one_layer_{name}")


@pytest.mark.parametrize("name,params", CATALOGUE_CASES, ids=[f"{n}-{list(p.values())}" for n, p in CATALOGUE_CASES])
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.lists(magnitude(), min_size=3, max_size=3), inp=st.lists(magnitude(), min_size=3, max_size=3), beta=st.sampled_from(BETAS))
def test_catalogue_lagrangians_match_mpmath(name, params, x, inp, beta):
    model = _one_layer(name, params)
    if name in ("spherical", "layernorm") and not any(x):
        x = [1.0, 0.0, 0.0]  # ||x|| = 0: the activation x/||x|| is undefined there
    if name == "relu_threshold":  # the step's kink: a.e. derivative, compare away from it
        x = [v if v != 0.5 else 0.25 for v in x]
    functions = FUNCTIONS
    coupled = model.layers[0].entrywise is None
    _check_model(model, {"x": np.array(x), "I": np.array(inp)}, {"beta": beta} if "beta" in params.values() else {}, {"N": 3}, functions, coupled)


@pytest.mark.parametrize("which,x", [("energy_grad", -100.0), ("energy", -31.622776601683793), ("energy_grad", 1e3), ("energy", 1e3)])
def test_layernorm_far_from_the_mean(which, x):
    """Regression: the derived x.g - L of layer norm was N(var + eps) - (N sum x^2 - (sum x)^2)/N, which cancels to
    -N eps when |x| >> sqrt(eps) (5 digits lost); theory.calculus.centre_sums keeps the two-pass form and the
    Legendre term cancels symbolically to -N gamma eps / sigma."""
    model = _one_layer("layernorm", {"gamma": 1, "eps": sp.Rational(1, 100)})
    _check_model(model, {"x": np.array([0.0, 0.0, x]), "I": np.zeros(3)}, {}, {"N": 3}, (which,), coupled=True)


# ------------------------------------------------------------ built-in models
def _builtin_arrays(model: EnergyModel, data, beta) -> tuple[dict, dict, dict]:
    sizes = {s: 2 for s in model.sizes}
    arrays = {}
    for lay in model.layers:
        n = sizes[lay.size] if lay.size in sizes else int(lay.size)
        arrays[lay.name] = np.array(data.draw(st.lists(magnitude(), min_size=n, max_size=n)))
    for inp in model.inputs:
        arrays[inp.name] = np.array(data.draw(st.lists(magnitude(), min_size=2, max_size=2)))
    for W in model.weights:
        r, c = (sizes[d] for d in W.shape)
        M = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=r * c, max_size=r * c))).reshape(r, c)
        arrays[W.name] = (M + M.T) / 2 if W.symmetric else M
    params = {p.name: beta for p in model.parameters if p.name == "beta"}
    return arrays, params, sizes


@pytest.mark.parametrize("name", builtin_names())
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), beta=st.sampled_from(BETAS))
def test_builtin_models_match_mpmath(name, data, beta):
    model = builtin(name)
    arrays, params, sizes = _builtin_arrays(model, data, beta)
    if model.name in ("model_c",) and not np.any(arrays["v"]):
        arrays["v"][0] = 1.0  # spherical visible layer: x/||x|| undefined at 0
    _check_model(model, arrays, params, sizes)


# ------------------------------------------------------------ regressions named in the issue
def test_tanh_gradient_in_saturation_is_not_zero():
    k = compile(builtin("continuous_hopfield"))
    g = k.energy_grad(v=np.array([30.0, 300.0]), T=np.zeros((2, 2)), I=np.zeros(2), beta=1.0)["v"]
    # dE/dv = beta sech^2(beta v) (v - I - T g): 30 * 4 e^-60 and 300 * 4 e^-600
    np.testing.assert_allclose(g, [30 * 4 * np.exp(-60.0), 300 * 4 * np.exp(-600.0)], rtol=1e-13)


def test_user_logcosh_and_softplus_do_not_overflow():
    x = sp.Symbol("x", real=True)
    for F in (sp.log(sp.cosh(x)), sp.log(1 + sp.exp(x))):
        lay = Layer("v", "N", lagrangians.additive(F))
        model = EnergyModel([lay], [bias(lay, "I")], name="user")
        k = compile(model)
        v = np.array([-800.0, 1e-9, 800.0], dtype=np.float32)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for which in ("energy", "activations", "energy_grad"):
                out = getattr(k, which)(v=v, I=np.zeros(3, dtype=np.float32))
                for o in (out.values() if isinstance(out, dict) else [out]):
                    assert np.all(np.isfinite(o)), (F, which, o)


def test_logcosh_relative_accuracy_near_zero():
    from numerics.codegen.backends import get_backend

    lc = get_backend("numpy").namespace["logcosh"]
    for x in (1e-7, 1e-9, 1e-150):
        assert abs(lc(np.float64(x)) - x * x / 2) <= 1e-14 * x * x / 2


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_legendre_nodes_dense_grid(backend, dtype):
    """TanhLegendre and SigmoidLegendre on dense grids against mpmath, relative error in units of the dtype's eps
    (``tol.LEGENDRE_EPS``), both signs: 1e-150 and geometric from 1e-30 to 1 (the small-|x| forms, where the naive
    x tanh x - log cosh x loses everything), linear from 1 to 40 (the switch, and NumPy's TanhLegendre
    log1p(t) - u (1 - t), whose error grows with u until tanh rounds to 1) and on to saturation."""
    from numerics.codegen.backends import available_backends, get_backend

    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    be = get_backend(backend)
    xs = np.concatenate([[1e-150], np.geomspace(1e-30, 1, 300), np.linspace(1, 40, 1500),
                         [0.99999, 1.00001, 88.0, 300.0, 1e4]]).astype(dtype)
    refs: dict = {"TanhLegendre": [], "SigmoidLegendre": []}
    for x in map(mpmath.mpf, xs.astype(float)):
        with mpmath.workdps(700 if x < 1e-20 else 200):  # cosh(1e-150) - 1 needs 300 digits
            refs["TanhLegendre"].append(x * mpmath.tanh(x) - mpmath.log(mpmath.cosh(x)))
            refs["SigmoidLegendre"].append(x / (1 + mpmath.exp(-x)) - mpmath.log1p(mpmath.exp(x)))
    fi = np.finfo(dtype)
    for node, ref in refs.items():
        for sign in (1, -1):
            r = np.array([float(v) for v in ref])  # both nodes are even in x
            got = be.to_numpy(be.namespace[node](be.asarray(sign * xs))).astype(float)
            normal = np.abs(r) >= fi.tiny  # below, the value underflows in this dtype
            # XLA:CPU flushes subnormal numbers to zero: where exp(-|x|) is subnormal (|x| > 87.3 in float32) the
            # sigmoid term (true value about -(1 + |x|) exp(-|x|), still normal up to |x| ~ 92) comes out as 0. Those
            # points are held to that absolute bound, the others to the relative one
            xla = backend == "jax" and node == "SigmoidLegendre"
            flushed = (np.exp(-xs.astype(float)) < fi.tiny) & normal if xla else np.zeros_like(normal)
            assert (np.abs(got[flushed] - r[flushed]) <= 1.01 * (1 + xs[flushed]) * np.exp(-xs[flushed].astype(float))).all()
            normal &= ~flushed
            err = np.abs(got[normal] - r[normal]) / np.abs(r[normal])
            assert err.max() <= tol.LEGENDRE_EPS * fi.eps, f"{node}({sign} x), {dtype.__name__}: {err.max() / fi.eps:.1f} eps at x = {xs[normal][err.argmax()]}"


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lse_legendre_ties_and_tiny_entropies(backend, dtype):
    """LseLegendre (minus the softmax entropy over beta) and the softmax pair against mpmath: flat rows (every entry a
    tie: the entropy is log n), two- and three-way ties, rows whose softmax is one-hot up to 1e-30 (the entropy is tiny
    and Z - 1 must not be rounded into Z), the maximum at the last index, a near-tie 1e-6 below the maximum, and a
    NaN row (NaN out).
    The entropy is a sum of positive terms (log Z and -s.z), so its relative error is that of the row sums: (n + 8)
    eps; the softmax is held to 4 eps of each entry."""
    from numerics.codegen.backends import available_backends, get_backend

    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    be, n = get_backend(backend), 9
    rows = [np.zeros(n), np.r_[3.0, 3.0, np.zeros(n - 2)], np.r_[0.0, 5.0, 5.0, 5.0, np.full(n - 4, -1.0)],
            np.r_[0.0, -70.0 * np.ones(n - 1)], np.r_[np.full(n - 1, -60.0), 0.0], np.linspace(-3, 2, n),
            np.r_[2.0, 2.0 - 1e-6, np.full(n - 2, -40.0)]]
    a = np.array(rows, dtype=dtype)
    fi = np.finfo(dtype)
    for beta in (1.0, 7.0):
        lse = be.to_numpy(be.namespace["LseLegendre"](be.asarray(a), be.asarray(dtype(beta))))
        s, lse_pair = (be.to_numpy(x) for x in be.namespace["SoftmaxLsePair"](be.asarray(a), be.asarray(dtype(beta))))
        with mpmath.workdps(tol.STABLE_REFERENCE_DPS):  # Z = 1 + 1e-212 at beta = 7
            for b, row in enumerate(a):
                u = [beta * mpmath.mpf(float(x)) for x in row]
                z = mpmath.fsum(mpmath.exp(x) for x in u)
                p = [mpmath.exp(x) / z for x in u]
                h = -mpmath.fsum(q * mpmath.log(q) for q in p if q > 0)
                if abs(h) < fi.tiny:  # underflows in this dtype (the one-hot rows at beta = 7 in float32): no relative bound
                    continue
                for got in (lse[b, 0], lse_pair[b, 0]):
                    assert abs(got + h / beta) <= (n + 8) * fi.eps * abs(h / beta), (backend, beta, b, got, float(-h / beta))
                for i in range(n):
                    assert abs(s[b, i] - p[i]) <= 4 * fi.eps * p[i] + fi.tiny, (beta, b, i)
    nan = be.to_numpy(be.namespace["LseLegendre"](be.asarray(np.r_[0.0, np.nan, 1.0].astype(dtype)[None]), be.asarray(dtype(1.0))))
    assert np.isnan(nan).all()


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_legendre_at_the_largest_floats(backend, dtype):
    """Regression: TanhLegendre(x) -> log 2 as |x| grows, but its large-|x| branch formed 2|x| first, which overflows
    at the largest floats and turned the exact 0 of 2|x| e/(1 + e) into inf * 0 = NaN."""
    from numerics.codegen.backends import available_backends, get_backend

    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    be = get_backend(backend)
    big = np.finfo(dtype).max
    x = np.array([-big, -big / 2, big / 2, big], dtype=dtype)
    got = be.to_numpy(be.namespace["TanhLegendre"](be.asarray(x)))
    np.testing.assert_allclose(got, np.log(2.0), rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_sigmoid_node_relative_accuracy_on_both_tails(backend):
    """sigmoid on every backend (JAX: XLA's logistic, NumPy: a branch-free form) against mpmath, relative error
    on both tails, where 1 - sigmoid(|x|) and sigmoid(-|x|) are tiny."""
    from numerics.codegen.backends import available_backends, get_backend

    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    be = get_backend(backend)
    xs = np.concatenate([[0.0], np.logspace(-12, np.log10(700.0), 300)])  # sigmoid(-700) ~ 1e-304: normal numbers
    xs = np.concatenate([-xs[::-1], xs])
    with mpmath.workdps(50):
        ref = [float(1 / (1 + mpmath.exp(-mpmath.mpf(x)))) for x in xs]
    got = be.to_numpy(be.namespace["sigmoid"](be.asarray(xs)))
    # a few roundings (exp, one add, one division, one product): 4 ulp; a lost tail is off by a factor, not by ulps
    np.testing.assert_allclose(got, ref, rtol=4 * np.finfo(np.float64).eps, atol=0)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("beta", [1.0, 30.0, 1e3, 1e6])
def test_softmax_center_node_relative_accuracy(backend, beta):
    """s * SoftmaxCenter(u, s) = s (u - s.u), the softmax layer's Hessian times u, on every backend against mpmath,
    from a flat softmax to a one-hot one, with u far from 0: where s is nearly one-hot at k, u_k - s.u cancels, and a
    single centering is off by the rounding of s.u (relative error ~ |u| eps / |result|, far beyond the bound);
    subnormal results are held to the smallest normal number."""
    from numerics.codegen.backends import available_backends, get_backend

    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    be = get_backend(backend)
    rng = np.random.default_rng(7)
    a = rng.standard_normal((4, 9))
    u = 1e3 + rng.standard_normal((4, 9))
    s = be.to_numpy(be.namespace["Softmax"](be.asarray(a), be.asarray(np.float64(beta))))
    got = s * be.to_numpy(be.namespace["SoftmaxCenter"](be.asarray(u), be.asarray(s)))
    with mpmath.workdps(700):  # s spans 1e-300 to 1: every sum exact
        for b in range(a.shape[0]):
            sb = [mpmath.mpf(float(t)) for t in s[b]]  # the computed s, exactly: the node's input
            su = mpmath.fsum(p * mpmath.mpf(float(t)) for p, t in zip(sb, u[b]))
            tot = mpmath.fsum(sb)
            for i in range(a.shape[1]):
                # s (u - s.u / sum s): the centering the node stands for, on the s it was given; two sums of 9 terms
                # round to a few eps of the scale (n eps at most); one centering misses by |u| eps, many orders beyond
                ref = sb[i] * (mpmath.mpf(float(u[b, i])) - su / tot)
                scale = abs(sb[i]) * mpmath.fsum(p * abs(mpmath.mpf(float(t)) - su / tot) for p, t in zip(sb, u[b]))
                assert abs(got[b, i] - ref) <= 8 * np.finfo(np.float64).eps * (abs(ref) + scale) + np.finfo(np.float64).tiny, (b, i, got[b, i], float(ref))


def test_softmax_centrings_of_one_softmax_merge_and_common_factors_come_out():
    """Regression (printer): the softmax layer's energy gradient beta s (c(h2) - c(W2 f1)) was printed with two
    centrings (two sets of row reductions), because the inner sums are rewritten before the outer one; and every term
    of the sigmoid and tanh layers' gradients carried its own product with the Hessian factor. Now one centring of
    h2 - W2 f1, and each Hessian factor multiplies once."""
    src = compile(builtin("hamux3")).source("energy_grad")
    assert src.count("SoftmaxCenter(") == 1, src
    assert src.count("Sech2(") == 1, src
    # the sigmoid layer's Hessian factor sigmoid(v) sigmoid(-v): its two sigmoids come from one shared pass
    assert src.count("SigmoidPlusMinus(v)") == 1 and src.count("Second(") == 1, src
    u = sp.Symbol("u")
    s = stabilize(u * sp.tanh(u) - sp.tanh(u) * sp.Symbol("w"))
    assert s == (u - sp.Symbol("w")) * sp.tanh(u)


def test_sympy_round_trip_is_the_derivation():
    """The kernel's sympy() is the derived expression, not the printer's stable rewrite of it."""
    k = compile(builtin("continuous_hopfield"))
    assert not any(f.func.__name__ in STABLE_NODES for f in sp.sympify(k.sympy("energy")).atoms(sp.Function))
    assert "TanhLegendre" in k.source("energy")


@pytest.mark.parametrize(
    "expr",
    [
        1 - sp.tanh(U) ** 2,
        3 * V - 3 * V * sigmoid(U),
        V * sp.tanh(U) - logcosh(U),
        U * sp.tanh(U) - logcosh(U) + V * sp.tanh(U),
        U * sigmoid(U) - softplus(U),
        sp.log(sp.cosh(U)),
        sp.log(1 + sp.exp(U)),
        sp.sinh(U) ** 2 / sp.cosh(U) ** 2,
        sp.exp(U) / (1 + sp.exp(U)) ** 2,
        1 / sp.cosh(U) ** 2,
        V**3 / V,
        sp.log(sp.besseli(0, U)),
        V * sp.besseli(1, U) / sp.besseli(0, U),
    ],
)
def test_each_rewrite_is_an_identity(expr):
    """stabilize() changes the form, never the value: both sides at 40 digits at several points."""
    out = stabilize(expr)
    for u, v in ((0.3, 1.7), (-2.5, 0.4), (7.0, -3.0)):
        at = {U: sp.Float(u, 40), V: sp.Float(v, 40)}
        a = sp.N(expr.xreplace(at), 40)
        b = sp.N(out.xreplace(at), 40)
        assert abs(a - b) <= sp.Float("1e-35") * (1 + abs(a)), (expr, out)


def test_rewrites_fire_on_the_shapes():
    assert stabilize(1 - sp.tanh(U) ** 2) == Sech2(U)
    assert stabilize(U * sp.tanh(U) - logcosh(U)) == TanhLegendre(U)
    assert stabilize(U * sigmoid(U) - softplus(U)) == SigmoidLegendre(U)
    assert stabilize(sp.log(sp.cosh(U))) == logcosh(U)
    from numerics.codegen.stable import BesselRatio, LogBesselI0

    assert stabilize(sp.log(sp.besseli(0, U))) == LogBesselI0(U)
    assert stabilize(V * sp.besseli(1, U) / sp.besseli(0, U)) == V * BesselRatio(U)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_bessel_nodes_against_mpmath_without_overflow(backend):
    """The phase oscillator's nodes (log I0, I1/I0), compiled from SymPy, against mpmath from 1e-300 to 1e5, both signs:
    relative error within LEGENDRE_EPS float64 eps, finite where I0 itself overflows (|x| > 713)."""
    from numerics.codegen.backends import available_backends
    from theory.vector import Vector, size_symbol

    if backend not in available_backends():
        pytest.skip(f"{backend} not installed")
    x = Vector("x", size_symbol("S"))
    k = compile([sp.log(sp.besseli(0, x)), sp.besseli(1, x) / sp.besseli(0, x)], backend=backend)
    xs = np.concatenate([[1e-300, 1e-150], np.geomspace(1e-8, 1e5, 400)])
    for sign in (1.0, -1.0):
        lg, ratio = (np.asarray(v, dtype=float) for v in k(x=sign * xs))
        assert np.isfinite(lg).all() and np.isfinite(ratio).all()
        with mpmath.workdps(60):
            ref_lg = np.array([float(mpmath.log(mpmath.besseli(0, mpmath.mpf(v)))) for v in xs])
            ref_r = np.array([float(sign * mpmath.besseli(1, mpmath.mpf(v)) / mpmath.besseli(0, mpmath.mpf(v))) for v in xs])
        normal = np.abs(ref_lg) > np.finfo(float).tiny
        assert np.max(np.abs(lg[normal] - ref_lg[normal]) / np.abs(ref_lg[normal])) <= tol.LEGENDRE_EPS * np.finfo(float).eps
        assert np.max(np.abs(ratio - ref_r) / np.abs(ref_r)) <= tol.LEGENDRE_EPS * np.finfo(float).eps
    with pytest.raises(NotImplementedError, match="no stable array form"):
        compile(sp.besseli(2, x))


def test_power_model_gradient_finite_at_zero():
    """Regression: n*h**n/h printed as such is 0/0 = NaN at h = 0."""
    k = compile(builtin("dam_power"))
    with np.errstate(all="raise"):
        g = k.energy_grad(v=np.array([1.0, -1.0]), h=np.zeros(3), xi=np.ones((3, 2)), n=3.0)
    assert np.all(np.isfinite(g["h"])) and np.all(g["h"] == 0)


@pytest.mark.parametrize("name", ["dam_exp", "dam_power", "model_a", "classical_hopfield"])
def test_sign_layer_gradients_are_zero_not_nan_where_the_memory_overflows(name):
    """Issue 33 item 5: dE/dsigma = DiracDelta(v) * (memory term) was printed as 0 * inf = NaN once the memory's
    activation overflowed (dam_exp from fields ~710); a product with a delta is zero almost everywhere, and prints so."""
    red = builtin(name).integrate_out("h")
    k = compile(red)
    v = np.array([[1.0, -1.0, 1.0, 1.0]])
    arrays = {"v": v, "xi": np.full((3, 4), 300.0)}
    if any(a.name == "I" for a in k.args):
        arrays["I"] = np.zeros(4)
    with np.errstate(over="ignore", invalid="ignore"):
        g = k.energy_grad(**arrays)["v"]
    assert np.array_equal(g, np.zeros_like(v)), g
    assert "DiracDelta(v)*" not in k.source("energy_grad") and "*DiracDelta(v)" not in k.source("energy_grad")


@pytest.mark.parametrize("which", ["reduced", "full"])
def test_norm_based_kernels_are_scale_invariant_over_the_float_range(which):
    """Issue 33 item 4: Model C's energy is scale invariant, but its kernels wrote v/sqrt(v.v): at |v| = 5e200 the
    activations were 0 and the energy wrong, at 5e-200 NaN. A state whose norm appears is computed as S u with
    S = max|v| (the shared mechanism, not a Model C case): the same values from 1e-300 to 1e300."""
    m = builtin("model_c")
    k = compile(m.integrate_out("h") if which == "reduced" else m)
    rng = np.random.default_rng(2)
    xi = rng.standard_normal((3, 4))
    v0 = rng.standard_normal(4)
    arrays = {"xi": xi} if which == "reduced" else {"xi": xi, "h": rng.standard_normal(3)}
    ref_E = k.energy(v=v0, **arrays)
    ref_a = k.activations(v=v0, **arrays)["v"]
    ref_g = k.energy_grad(v=v0, **arrays)["v"]
    for s in (1e-300, 5e-200, 1e-100, 5e200, 1e300):
        with np.errstate(all="raise"):
            E = k.energy(v=v0 * s, **arrays)
            a = k.activations(v=v0 * s, **arrays)["v"]
            g = k.energy_grad(v=v0 * s, **arrays)["v"]
        np.testing.assert_allclose(a, ref_a, rtol=1e-13)
        if which == "reduced":  # degree 0 and -1 in v
            np.testing.assert_allclose(E, ref_E, rtol=1e-13)
            np.testing.assert_allclose(g * s, ref_g, rtol=1e-12)
