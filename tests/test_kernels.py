"""Generated kernels against independent routes: concrete-N SymPy/mpmath, finite differences, hand-written NumPy."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import numerics as nm
import theory
from numerics import tolerances as tol
from theory import concrete


def _random_inputs(kernel, sizes, rng, batch=None):
    vals = {}
    for a in kernel.args:
        if a.kind == "parameter":
            continue
        shape = tuple(sizes[str(s)] if not s.is_Integer else int(s) for s in a.shape)
        if a.kind in ("state", "input") and batch:
            shape = (batch, *shape)
        arr = rng.standard_normal(shape)
        if a.symmetric:
            arr = (arr + arr.T) / 2
        vals[a.name] = arr
    return vals


def _sizes(model):
    return {s.name: 3 + i for i, s in enumerate(model.sizes)}


def _targets():
    out = []
    for n in theory.builtin_names():
        m = theory.builtin(n)
        out.append((n, None))
        if len(m.layers) > 1:
            out.append((n, m.layers[-1].name if n != "threshold" else "v"))
    return out


@pytest.mark.parametrize("name,out", _targets(), ids=[f"{n}-{o}" for n, o in _targets()])
def test_energy_and_rhs_match_concrete_sympy(name, out, rng):
    model = theory.builtin(name)
    if out:
        model = model.integrate_out(out).model
    k = nm.compile(model)
    sizes = _sizes(model)
    vals = _random_inputs(k, sizes, rng)
    params = {a.name: a.default for a in k.args if a.kind == "parameter"}
    smap = {s: sizes[s.name] for s in model.sizes}
    subs = {}
    for lay in model.layers:
        subs.update(dict(zip(concrete.components(lay.state, smap), vals[lay.name])))
    for inp in model.inputs:
        subs.update(dict(zip(concrete.components(inp, smap), vals[inp.name])))
    for W in model.weights:
        M = concrete.weight_matrix(W, smap)
        for i in range(M.rows):
            for j in range(M.cols):
                subs[M[i, j]] = vals[W.name][i, j]
    for p in model.parameters:
        subs[p] = params[p.name]
    subs = {s: sp.Float(v, 30) for s, v in subs.items()}
    E_ref = sp.N(concrete.expand(model.energy, smap).xreplace(subs), 30)
    E = k.energy(**vals)
    assert abs(float(E) - float(E_ref)) <= tol.KERNEL_RTOL_F64 * (1 + abs(float(E_ref)))
    rhs = k.rhs(**vals)
    for lay in model.layers:
        ref = [float(sp.N(c.xreplace(subs), 30)) for c in concrete.expand(model.dynamics_explicit[lay.name], smap)]
        np.testing.assert_allclose(rhs[lay.name], ref, rtol=tol.KERNEL_RTOL_F64, atol=tol.KERNEL_RTOL_F64)


@pytest.mark.parametrize("name", ["model_b", "ramsauer", "hamux3", "continuous_hopfield", "model_c"])
def test_energy_grad_matches_finite_differences(name, rng):
    model = theory.builtin(name)
    k = nm.compile(model)
    vals = _random_inputs(k, _sizes(model), rng)
    g = k.energy_grad(**vals)
    h = 1e-6
    for lay in model.layers:
        x = vals[lay.name]
        fd = np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = h
            fd[i] = (k.energy(**{**vals, lay.name: x + e}) - k.energy(**{**vals, lay.name: x - e})) / (2 * h)
        np.testing.assert_allclose(g[lay.name], fd, rtol=tol.FD_RTOL, atol=tol.FD_RTOL)


def _attention(v, xi, beta=1.0):
    s = beta * v @ xi.T
    s = np.exp(s - s.max(-1, keepdims=True))
    s /= s.sum(-1, keepdims=True)
    return s @ xi


def test_model_b_euler_step_is_attention(rng):
    red = theory.builtin("model_b").integrate_out("h")
    k = nm.compile(red)
    xi = rng.standard_normal((50, 20))
    v = rng.standard_normal((8, 20))
    I = np.zeros(20)
    for beta in (0.5, 1.0, 4.0):
        ref = _attention(v, xi, beta)
        step = k.step(1.0, v=v, I=I, xi=xi, beta=beta, tau_v=1.0)["v"]
        upd = k.update(v=v, I=I, xi=xi, beta=beta)["v"]
        assert np.abs(step - ref).max() <= tol.EULER_ATTENTION_ATOL
        assert np.abs(upd - ref).max() <= tol.EULER_ATTENTION_ATOL
    # the update is derived exactly: symbolically it is xi^T softmax(beta xi v) + I
    assert "AttentionMatVec(xi, v, beta)" in k.source("update")  # the fused node xi^T softmax(beta xi v)


def test_float32_preserved_and_close_to_float64(rng):
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    xi = rng.standard_normal((100, 30))
    v = rng.standard_normal((4, 30))
    I = np.zeros(30)
    out32 = k.update(v=v.astype(np.float32), I=I.astype(np.float32), xi=xi.astype(np.float32), beta=2.0)["v"]
    out64 = k.update(v=v, I=I, xi=xi, beta=2.0)["v"]
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, rtol=tol.KERNEL_RTOL_F32, atol=tol.KERNEL_RTOL_F32)
    e32 = k.energy(v=v.astype(np.float32), I=I.astype(np.float32), xi=xi.astype(np.float32))
    assert e32.dtype == np.float32


@pytest.mark.parametrize("backend", nm.available_backends())
@pytest.mark.parametrize("name,out", _targets(), ids=[f"{n}-{o}" for n, o in _targets()])
def test_float32_in_float32_out_everywhere(name, out, backend, rng):
    """Regression: the energy (LseLegendre) and the softmax layer's gradient (SoftmaxCenter) built their masks as
    ``bool * 1.0``, a float64 array, so float32 inputs came back as float64 on NumPy and JAX."""
    m = theory.builtin(name)
    k = nm.compile(m if out is None else m.integrate_out(out), backend=backend)
    arrays = {a: x.astype(np.float32) for a, x in _random_inputs(k, _sizes(k.model), rng, batch=2).items()}
    for which in ("energy", "energy_grad", "rhs", "velocity", "activations", "update", "lagrangian"):
        res = getattr(k, which)(**arrays)
        for key, val in (res.items() if isinstance(res, dict) else [("", res)]):
            assert str(val.dtype).endswith("float32"), (which, key, val.dtype)


@pytest.mark.parametrize("beta", [1.0, 10.0, 1e3, 1e4])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3])
def test_stable_forms_match_mpmath(beta, scale, rng):
    """logsumexp, softmax, softplus and log cosh are finite and within 1e-10 of mpmath."""
    x = rng.uniform(-scale, scale, size=(2, 7))
    ns = nm.get_backend("numpy").namespace
    mpmath.mp.dps = tol.MPMATH_DPS
    lse = ns["LogSumExp"](x, np.asarray(beta))
    sm = ns["Softmax"](x, np.asarray(beta))
    sp_ = ns["softplus"](beta * x)
    lc = ns["logcosh"](beta * x)
    for b in range(2):
        ref = mpmath.log(mpmath.fsum(mpmath.exp(beta * mpmath.mpf(t)) for t in x[b])) / beta
        assert np.isfinite(lse[b, 0]) and abs(lse[b, 0] - ref) <= tol.KERNEL_RTOL_F64 * abs(ref) + 1e-300
        z = mpmath.fsum(mpmath.exp(beta * mpmath.mpf(t)) for t in x[b])
        for i, t in enumerate(x[b]):
            r = mpmath.exp(beta * mpmath.mpf(t)) / z
            assert abs(sm[b, i] - r) <= tol.KERNEL_RTOL_F64 * max(r, mpmath.mpf(1e-300)) + 1e-300
            u = beta * mpmath.mpf(t)
            r_sp = mpmath.log1p(mpmath.exp(u))
            r_lc = mpmath.log(mpmath.cosh(u))
            assert np.isfinite(sp_[b, i]) and abs(sp_[b, i] - r_sp) <= tol.KERNEL_RTOL_F64 * abs(r_sp) + 1e-300
            assert np.isfinite(lc[b, i]) and abs(lc[b, i] - r_lc) <= tol.KERNEL_RTOL_F64 * abs(r_lc) + 1e-15


def test_memory_is_not_batch_times_K_times_N():
    import tracemalloc

    rng = np.random.default_rng(1)
    B, K, N = 64, 2000, 500
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    xi = rng.standard_normal((K, N))
    v = rng.standard_normal((B, N))
    I = np.zeros(N)
    tracemalloc.start()
    k.update(v=v, I=I, xi=xi)
    k.energy(v=v, I=I, xi=xi)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 8 * (B * K + B * N)  # a B*K*N array alone would be 512 MB
    assert peak < 8 * B * K * N / 50


def test_input_errors_name_the_argument(rng):
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    xi = rng.standard_normal((10, 4))
    v = rng.standard_normal((2, 4))
    I = np.zeros(4)
    with pytest.raises(nm.KernelInputError, match="`I` has shape \\(4,\\), so N_v = 4, but argument `v` set N_v = 5"):
        k.energy(I=I, xi=xi, v=rng.standard_normal((2, 5)))
    bad = v.copy()
    bad[1, 2] = np.nan
    with pytest.raises(nm.KernelInputError, match="`v` must be finite"):
        k.energy(v=bad, I=I, xi=xi)
    with pytest.raises(TypeError, match="Unknown argument `w`"):
        k.energy(v=v, I=I, xi=xi, w=1)
    with pytest.raises(TypeError, match="Missing argument `xi`"):
        k.energy(v=v, I=I)
    with pytest.raises(nm.KernelInputError, match="`xi` must have shape"):
        k.energy(v=v, I=I, xi=np.zeros(4))
    with pytest.raises(nm.KernelInputError, match="real numbers"):
        k.energy(v=v, I=I, xi=xi.astype(complex))


def test_symmetric_weight_checked(rng):
    k = nm.compile(theory.builtin("continuous_hopfield"))
    T = rng.standard_normal((4, 4))
    with pytest.raises(nm.KernelInputError, match="`T` must be symmetric"):
        k.energy(v=np.zeros(4), I=np.zeros(4), T=T)
    k.energy(v=np.zeros(4), I=np.zeros(4), T=(T + T.T) / 2)


def test_kernel_documents_itself():
    k = nm.compile(theory.builtin("model_b"))
    assert k.arg_names[:2] == ("v", "h")
    assert "xi: weight ('N_h', 'N_v')" in k.signature
    src = k.source()
    assert "def _lambdifygenerated(v, h, I, xi" in src
    assert "for " not in src  # no Python loops in generated code


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_optional_backends_agree_with_numpy(backend, rng):
    if backend not in nm.available_backends():
        pytest.skip(f"{backend} not installed")
    red = theory.builtin("model_b").integrate_out("h")
    kn, kb = nm.compile(red), nm.compile(red, backend=backend)
    xi = rng.standard_normal((30, 10))
    v = rng.standard_normal((3, 10))
    I = np.zeros(10)
    np.testing.assert_allclose(kb.update(v=v, I=I, xi=xi)["v"], kn.update(v=v, I=I, xi=xi)["v"], rtol=1e-10)
    np.testing.assert_allclose(kb.energy(v=v, I=I, xi=xi), kn.energy(v=v, I=I, xi=xi), rtol=1e-10)


def test_unknown_backend_error():
    with pytest.raises(ValueError, match="Argument `backend`"):
        nm.compile(theory.builtin("model_b"), backend="tensorflow")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), dt=st.floats(1e-4, 0.05), beta=st.floats(0.1, 5.0))
def test_energy_never_rises_under_small_euler_steps(seed, dt, beta):
    """Model B (two layers): a small explicit step along the derived dynamics lowers E (Lyapunov property)."""
    rng = np.random.default_rng(seed)
    k = _MODEL_B_KERNEL
    xi = rng.standard_normal((6, 4))
    v, h = rng.standard_normal(4), rng.standard_normal(6)
    vals = dict(v=v, h=h, I=np.zeros(4), xi=xi, beta=beta, tau_v=1.0, tau_h=0.5)
    E0 = k.energy(**vals)
    nxt = k.step(dt, **vals)
    E1 = k.energy(**{**vals, **nxt})
    vel = k.velocity(**vals)
    rate = sum(np.dot(k.energy_grad(**vals)[n], vel[n]) for n in ("v", "h"))
    assert rate <= 1e-12 * (1 + abs(E0))
    assert E1 <= E0 + 1e-9 * (1 + abs(E0)) + 10 * dt**2 * (1 + sum(np.dot(x, x) for x in vel.values()))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), beta=st.floats(0.2, 8.0))
def test_legendre_identity_tanh_layer(seed, beta):
    """d/dg [x g - L(x)] = x, checked as d/dx [x g - L] = x g'(x) for the tanh layer."""
    rng = np.random.default_rng(seed)
    m = theory.builtin("continuous_hopfield")
    k = _HOPFIELD_KERNEL
    x = rng.standard_normal(5)
    zero = dict(I=np.zeros(5), T=np.zeros((5, 5)), beta=beta)
    # with T = 0 and I = 0 the energy is the Legendre term alone
    grad = k.energy_grad(v=x, **zero)["v"]
    gprime = beta * (1 - np.tanh(beta * x) ** 2)
    np.testing.assert_allclose(grad, x * gprime, rtol=1e-10, atol=1e-12)
    assert m.layer("v").lagrangian.name == "tanh"


_MODEL_B_KERNEL = nm.compile(theory.builtin("model_b"))
_HOPFIELD_KERNEL = nm.compile(theory.builtin("continuous_hopfield"))


def test_large_weight_nan_is_named(rng):
    """Arrays above 2**20 entries are scanned too (one pass, no temporary); the error names the argument."""
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    xi = rng.standard_normal((1100, 1000))
    xi[700, 3] = np.nan
    with pytest.raises(nm.KernelInputError, match="`xi` must be finite; got nan at index \\(700, 3\\)"):
        k.update(v=np.ones(1000), I=np.zeros(1000), xi=xi)
    xi[700, 3] = np.inf
    with pytest.raises(nm.KernelInputError, match="`xi` must be finite"):
        k.energy(v=np.ones(1000), I=np.zeros(1000), xi=xi)


def test_fused_softmax_equals_unfused(rng):
    ns = nm.get_backend("numpy").namespace
    W = rng.standard_normal((9, 4))
    a = rng.standard_normal((3, 4))
    for beta in (1.0, 2.5):
        fused = ns["SoftmaxMatVec"](W, a, np.asarray(beta))
        plain = ns["Softmax"](a @ W.T, np.asarray(beta))
        np.testing.assert_allclose(fused, plain, rtol=1e-14)


def test_expression_kernel_against_numpy(rng):
    """compile() of a bare expression: random-feature kernel estimates against direct NumPy."""
    from theory import random_features as rf
    from theory.vector import Vector, Weight, size_symbol

    D, Y = size_symbol("D"), size_symbol("Y")
    x, y, W = Vector("x", D), Vector("y", D), Weight("W", Y, D)
    k = nm.compile([rf.rbf(x, y), rf.trig_estimate(x, y, W), rf.positive_estimate(x, y, W)])
    xx, yy, Wn = rng.random((3, 4)), rng.random((3, 4)), rng.standard_normal((50, 4))
    exact, trig, pos = k(x=xx, y=yy, W=Wn)
    np.testing.assert_allclose(exact, np.exp(-((xx - yy) ** 2).sum(-1) / 2), rtol=1e-14)
    np.testing.assert_allclose(trig, (np.cos(xx @ Wn.T) * np.cos(yy @ Wn.T) + np.sin(xx @ Wn.T) * np.sin(yy @ Wn.T)).mean(-1), rtol=1e-13)
    s = (xx + yy) @ Wn.T
    np.testing.assert_allclose(pos, np.exp(-(xx**2).sum(-1) - (yy**2).sum(-1)) * (np.exp(s) + np.exp(-s)).sum(-1) / 100, rtol=1e-13)
    with pytest.raises(TypeError, match="Missing argument `W`"):
        k(x=xx, y=yy)


def test_compile_cache_shares_kernels_but_respects_defaults():
    m = theory.builtin("model_b")
    assert nm.compile(m) is nm.compile(m)
    k2 = nm.compile(m.with_defaults(beta=3.0))
    assert k2 is not nm.compile(m)
    assert next(a.default for a in k2.args if a.name == "beta") == 3.0


def test_signature_cache_still_checks_every_call():
    """Shapes are validated once per signature, values on every call: a cached signature must not let a NaN, a
    size mismatch or a bad parameter through."""
    import theory
    from numerics import compile as compile_kernel
    from numerics.codegen.kernel import KernelInputError

    k = compile_kernel(theory.builtin("model_b").integrate_out("h"))
    rng = np.random.default_rng(3)
    xi, v, I = rng.standard_normal((30, 8)), rng.standard_normal((4, 8)), np.zeros(8)
    first = k.update(v=v, I=I, xi=xi, beta=2.0)["v"]
    np.testing.assert_array_equal(k.update(v=v, I=I, xi=xi, beta=2.0)["v"], first)  # cached path, same numbers
    bad = xi.copy()
    bad[3, 4] = np.nan
    with pytest.raises(KernelInputError, match="xi"):
        k.update(v=v, I=I, xi=bad, beta=2.0)
    with pytest.raises(KernelInputError, match="N_v"):
        k.update(v=rng.standard_normal((4, 9)), I=I, xi=xi, beta=2.0)
    with pytest.raises(KernelInputError, match="beta"):
        k.update(v=v, I=I, xi=xi, beta=-1.0)
    np.testing.assert_allclose(k.update(v=v, I=I, xi=xi, beta=0.5)["v"], k.update(v=v, I=I, xi=xi, beta=0.5, check=False)["v"])
    # the checked call's plan (a signature seen before) still scans every array, states and inputs included, and an
    # unchecked call's plan of the same signature is not taken for a checked one
    k.update(v=v, I=I, xi=xi, beta=2.0, check=False)
    for name, where in (("v", (1, 2)), ("I", (5,)), ("xi", (0, 0))):
        for bad_value in (np.nan, np.inf):
            args = {"v": v.copy(), "I": I.copy(), "xi": xi.copy()}
            args[name][where] = bad_value
            with pytest.raises(KernelInputError, match=f"`{name}`"):
                k.update(**args, beta=2.0)
    # a large input (over 2**20 entries) is scanned as well: a NaN there is named
    big_xi = rng.standard_normal(((1 << 20) // 8 + 1, 8)) * 0.1
    k.energy(v=v, I=I, xi=big_xi, beta=1.0)
    big_xi[-1, -1] = np.nan
    with pytest.raises(KernelInputError, match="`xi`"):
        k.energy(v=v, I=I, xi=big_xi, beta=1.0)
    # a symmetric weight is checked on every call of a seen signature
    kh = compile_kernel(theory.builtin("continuous_hopfield"))
    T = rng.standard_normal((4, 4))
    kh.energy(v=np.zeros(4), I=np.zeros(4), T=(T + T.T) / 2)
    kh.energy(v=np.zeros(4), I=np.zeros(4), T=(T + T.T) / 2)
    with pytest.raises(KernelInputError, match="`T` must be symmetric"):
        kh.energy(v=np.zeros(4), I=np.zeros(4), T=T)


def test_fused_logsumexp_of_a_product():
    """LogSumExp(MatVec(xi, v)) used once is printed as one fused node (one batch x M temporary, worked in place);
    its values equal the unfused route and a direct evaluation, on NumPy and on torch (not in place)."""
    import theory
    from numerics import compile as compile_kernel
    from numerics.codegen.backends import available_backends

    red = theory.builtin("model_b").integrate_out("h")
    k = compile_kernel(red)
    assert "LogSumExpMatVec(xi, v, beta)" in k.source("energy")
    rng = np.random.default_rng(5)
    xi, v, I = rng.standard_normal((40, 6)), 30 * rng.standard_normal((3, 6)), rng.standard_normal(6)
    for beta in (1.0, 0.25, 7.0):
        z = beta * v @ xi.T
        m = z.max(1)
        ref = -(m + np.log(np.exp(z - m[:, None]).sum(1))) / beta + 0.5 * (v**2).sum(1) - v @ I
        np.testing.assert_allclose(k.energy(v=v, I=I, xi=xi, beta=beta), ref, rtol=1e-13)
        if "torch" in available_backends():
            kt = compile_kernel(red, backend="torch")
            np.testing.assert_allclose(np.asarray(kt.energy(v=v, I=I, xi=xi, beta=beta)), ref, rtol=1e-12)


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("name", theory.builtin_names())
def test_every_builtin_agrees_across_backends(backend, name):
    """Energy, rhs and energy gradient of every built-in on the optional backends (JAX jitted, sizes static)
    against NumPy; skipped where the backend is not installed."""
    if backend not in nm.available_backends():
        pytest.skip(f"{backend} not installed")
    rng = np.random.default_rng(11)
    m = theory.builtin(name)
    kn, kb = nm.compile(m), nm.compile(m, backend=backend)
    arrays = {lay.name: rng.standard_normal((3, 4)) for lay in m.layers}
    arrays.update({inp.name: rng.standard_normal(4) for inp in m.inputs})
    for W in m.weights:
        M = rng.standard_normal((4, 4))
        arrays[W.name] = (M + M.T) / 2 if W.symmetric else M
    for which in ("energy", "rhs", "energy_grad"):
        a, b = getattr(kn, which)(**arrays), getattr(kb, which)(**arrays)
        pairs = [(a[k], b[k]) for k in a] if isinstance(a, dict) else [(a, b)]
        for x, y in pairs:
            y = y.detach().cpu().numpy() if hasattr(y, "detach") else np.asarray(y)
            np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-12)


def test_irrational_constant_compiles():
    """Regression: a layer norm with a rational epsilon has sqrt(10) in its Legendre transform; the printer's constant
    folding called sp.Float(sqrt(10), 17), which raises. The compiled energy must equal the concrete SymPy value."""
    from theory import lagrangians as lg
    from theory.layers import Layer

    layer = Layer("x", "N", lg.by_name("layernorm", gamma=sp.Rational(3, 2), eps=sp.Rational(1, 10)))
    k = nm.compile([layer.legendre])
    x = np.array([0.3, -1.2, 0.7])
    xs = concrete.expand(layer.state, {layer.size: 3})
    ref = float(sp.N(concrete.expand(layer.legendre, {layer.size: 3}).xreplace(dict(zip(xs, map(sp.Float, x)))), 30))
    np.testing.assert_allclose(float(np.ravel(k(x=x))[0]), ref, rtol=1e-13)


def test_matvec_of_a_centred_vector_compiles():
    """Regression: W (x - mean(x)) expanded by linearity into W x - mean * W(1) printed MatVec(W, 1), a matmul with a
    scalar, so every model with a layer-norm activation under a synapse failed to run. A scalar now stands for c 1."""
    from theory.vector import MatTVec, MatVec, Vector, VSum, Weight, size_symbol

    D, K = size_symbol("D"), size_symbol("K")
    x, W = Vector("x", D), Weight("W", K, D)
    y = Vector("y", K)
    m = VSum(x, D) / D
    k = nm.compile([VSum(MatVec(W, x - m) ** 2, K), VSum(MatTVec(W, y - VSum(y, K) / K) ** 2, D)])
    rng = np.random.default_rng(3)
    xv, Wv, yv = rng.standard_normal((4, 5)), rng.standard_normal((3, 5)), rng.standard_normal((4, 3))
    a, b = k(x=xv, W=Wv, y=yv)
    np.testing.assert_allclose(a, (((xv - xv.mean(1, keepdims=True)) @ Wv.T) ** 2).sum(1), rtol=1e-12)
    np.testing.assert_allclose(b, (((yv - yv.mean(1, keepdims=True)) @ Wv) ** 2).sum(1), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_memory_budget_chunks_model_b_exactly_and_within_budget(dtype):
    """Under nm.memory_budget the Model B step and energy are computed in chunks over the memories: equal to the whole
    product (a streaming log-sum-exp is exact up to rounding), and the temporaries stay under the budget (tracemalloc
    sees NumPy's allocations; the score matrix alone would be batch x M = 10x the budget)."""
    import tracemalloc

    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    rng = np.random.default_rng(5)
    M, N, B = 40_000, 32, 16
    xi, v, I = rng.standard_normal((M, N)).astype(dtype), rng.standard_normal((B, N)).astype(dtype), np.zeros(N, dtype)
    whole_u, whole_e = k.update(v=v, xi=xi, I=I, beta=0.7)["v"], k.energy(v=v, xi=xi, I=I, beta=0.7)
    budget = B * M * np.dtype(dtype).itemsize // 10
    tracemalloc.start()
    try:
        with nm.memory_budget(budget):
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            u = k.update(v=v, xi=xi, I=I, beta=0.7)["v"]
            e = k.energy(v=v, xi=xi, I=I, beta=0.7)
            peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(u, whole_u, rtol=rtol, atol=rtol * np.abs(whole_u).max())
    np.testing.assert_allclose(e, whole_e, rtol=rtol)
    assert peak <= budget + 64 * B * N * 8  # the budget plus a few batch x N accumulators
    with pytest.raises(ValueError, match="nbytes"):
        with nm.memory_budget(0):
            pass


def test_unchecked_fast_path_equals_the_general_path():
    """check=False calls of a seen signature skip the general argument handling (the small-call target): the results,
    single-state squeezing, new shapes, integer inputs and argument errors must be exactly those of the general path."""
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    rng = np.random.default_rng(9)
    xi, v, I = rng.standard_normal((30, 6)), rng.standard_normal((5, 6)), rng.standard_normal(6)
    first = k.update(v=v, I=I, xi=xi, beta=0.5, check=False)["v"]  # builds the plan
    again = k.update(v=v, I=I, xi=xi, beta=0.5, check=False)["v"]  # uses it
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(again, k.update(v=v, I=I, xi=xi, beta=0.5)["v"])
    for _ in range(2):
        assert k.update(v=v[0], I=I, xi=xi, beta=0.5, check=False)["v"].shape == (6,)
        np.testing.assert_allclose(k.update(v=v[:2], I=I, xi=xi[:7], beta=2.0, check=False)["v"],
                                   k.update(v=v[:2], I=I, xi=xi[:7], beta=2.0)["v"], rtol=1e-15)
        ints = k.update(v=np.ones((2, 6), dtype=int), I=I, xi=xi, beta=0.5, check=False)["v"]
        assert ints.dtype == np.float64
    with pytest.raises(TypeError, match="Unknown argument"):
        k.update(v=v, I=I, xi=xi, beta=0.5, bogus=1, check=False)
    with pytest.raises(TypeError, match="Missing argument"):
        k.update(v=v, xi=xi, beta=0.5, check=False)


@pytest.mark.parametrize("backend", nm.available_backends())
@pytest.mark.parametrize("which", ["energy", "energy_grad", "rhs", "update"])
def test_fast_equals_the_checked_call(backend, which, rng):
    """``Kernel.fast`` (weights bound once; on JAX one jitted function with them as constants) gives what the
    keyword call gives, for hamux3 and for Model B's effective model."""
    for model in (theory.builtin("hamux3"), theory.builtin("model_b").integrate_out("h").model):
        k = nm.compile(model, backend=backend)
        arrays = _random_inputs(k, _sizes(model), rng, batch=3)
        states = [arrays[n] for n in k.layer_names]
        if backend == "torch":
            import torch

            states = [torch.from_numpy(x) for x in states]
        bound = {n: x for n, x in arrays.items() if n not in k.layer_names}
        got = k.fast(which, **bound)(*states)
        want = getattr(k, which)(**arrays)
        if which == "energy":
            np.testing.assert_allclose(np.asarray(got)[..., 0], want, rtol=1e-12, atol=1e-12)
        else:
            for g, n in zip(got, k.layer_names, strict=True):
                np.testing.assert_allclose(np.asarray(g), want[n], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xla_row_sums_are_sums_in_both_forms(dtype):
    """The JAX backend's row sums (``xla_rowsum``): a product with ones up to ``XLA_DOT_ROWSUM_MAX`` entries, a
    reduction above; both equal NumPy's sum up to the order of the additions, and rows holding NaN, inf or both
    infinities give what a sum gives."""
    if "jax" not in nm.available_backends():
        pytest.skip("jax not installed")
    import jax
    import jax.numpy as jnp

    from numerics.codegen.backends import jax_backend

    limit = jax_backend.XLA_DOT_ROWSUM_MAX
    rng = np.random.default_rng(5)
    rtol = tol.KERNEL_RTOL_F32 if dtype == np.float32 else tol.STABLE_RTOL
    for rows, cols, form in ((8, limit // 8, "dot_general"), (8, limit // 8 + 1, "reduce_sum"), (1, 7, "dot_general")):
        a = rng.standard_normal((rows, cols)).astype(dtype)
        a[0, 1], a[-1, 0] = np.nan, np.inf
        if rows > 2:
            a[1, 2], a[2, 0], a[2, 3] = np.inf, np.inf, -np.inf
        with np.errstate(invalid="ignore"):
            want = a.sum(-1, keepdims=True)
        with jax_backend.x64_scope():  # float64 for this block only, as the kernels run
            got = np.asarray(jax.jit(jax_backend.xla_rowsum)(jnp.asarray(a)))
            jaxpr = str(jax.make_jaxpr(jax_backend.xla_rowsum)(jnp.asarray(a)))
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=rtol)  # equal infinities compare equal
        assert form in jaxpr, (rows, cols)


def test_small_jax_energies_sum_rows_by_products():
    """Regression (speed, XLA:CPU): the small hamux3 energy's row sums, one loop fused with its Legendre terms, were
    split over the thread pool, which cost more than the loop; they run as products with ones now, and the larger
    batch still reduces. Both agree with NumPy."""
    if "jax" not in nm.available_backends():
        pytest.skip("jax not installed")
    import jax
    import jax.numpy as jnp

    m = theory.builtin("hamux3")
    kn, kj = nm.compile(m), nm.compile(m, backend="jax")
    rng = np.random.default_rng(2)
    bound = {"W1": rng.standard_normal((8, 16)) / 4, "W2": rng.standard_normal((8, 8)) / 3}
    for batch, small in ((4, True), (512, False)):
        states = [rng.standard_normal((batch, n)) for n in (16, 8, 8)]
        f = kj.fast("energy", **bound)
        jaxpr = str(jax.make_jaxpr(f)(*map(jnp.asarray, states)))
        assert ("reduce_sum" not in jaxpr) == small, batch
        want = kn.energy(**dict(zip(kn.layer_names, states, strict=True)), **bound)
        np.testing.assert_allclose(np.asarray(f(*states))[..., 0], want, rtol=tol.KERNEL_RTOL_F64)


@pytest.mark.parametrize("backend", [b for b in nm.available_backends() if b != "torch"])
def test_fast_checks_bound_weights_once(backend):
    k = nm.compile(theory.builtin("model_b").integrate_out("h"), backend=backend)
    xi = np.ones((4, 3))
    xi[1, 2] = np.nan
    with pytest.raises(nm.KernelInputError, match="xi"):
        k.fast("update", xi=xi, I=np.zeros(3))
    with pytest.raises(nm.KernelInputError, match="beta"):
        k.fast("update", xi=np.ones((4, 3)), I=np.zeros(3), beta=-1.0)


def test_sums_open_with_a_positive_term():
    """Regression (printer): ``-v + drive`` made NumPy fill ``-v`` before adding; sums now open with a term that has
    no leading minus where one exists (the value is the same: negation is exact)."""
    src = nm.compile(theory.builtin("hamux3")).source("rhs")
    assert "MatTVec(W1, x0) - v" in src and "-v +" not in src and "-h2 +" not in src
    assert nm.compile(theory.builtin("model_b").integrate_out("h")).source("energy").count("- LogSumExpMatVec") == 1


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 1000), (5, 2049), (1, 1024), (4096,), (3, 50000), (1, 1 << 17), (2, (1 << 16) + 1025)])
def test_finiteness_scan_finds_every_position(dtype, shape):
    """The one-pass scan (row dots with zeros, from ``_SCAN_DOT_MIN`` entries on; ``isfinite`` below) flags NaN and
    +-inf wherever they sit -- in the full rows of 1024 or in the tail -- and never flags large finite values (a
    plain sum would overflow there)."""
    from numerics.codegen.kernel import _SCAN_DOT_MIN, _all_finite

    assert 1 << 17 >= _SCAN_DOT_MIN  # the three last shapes take the row dots

    rng = np.random.default_rng(0)
    A = rng.standard_normal(shape).astype(dtype)
    assert _all_finite(A)
    big = np.full(shape, np.finfo(dtype).max, dtype=dtype)
    assert _all_finite(big)
    flat_n = A.size
    for pos in {0, flat_n // 2, flat_n - 1, min(flat_n - 1, 1023), min(flat_n - 1, 1024)}:
        for bad in (np.nan, np.inf, -np.inf):
            B = A.copy().reshape(-1)
            B[pos] = bad
            assert not _all_finite(B.reshape(shape)), (pos, bad)
            assert not _all_finite(B.reshape(shape)[..., ::-1]), (pos, bad)  # a non-contiguous view: the sum


def test_a_call_validates_its_own_arrays_across_threads(rng, monkeypatch):
    """Regression: the list of large arrays left for an output scan lived on the (shared, cached) kernel, so a call
    in another thread reset it between this call's validation and its run; the NaN in ``xi`` then went through
    unnamed (a warning and a NaN energy). Large arrays are now scanned up front; the interleaving is still forced:
    thread A validates its poisoned array, then waits until thread B has run a whole call on the same kernel."""
    import threading

    import numerics.codegen.kernel as kmod

    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    good = rng.standard_normal((1100, 1000)) * 0.1
    bad = good.copy()
    bad[700, 3] = np.nan
    v, I = np.ones(1000), np.zeros(1000)
    k.energy(v=v, I=I, xi=good)  # the signature's plan exists: both threads take the fast path
    validated, b_done = threading.Event(), threading.Event()
    original = kmod._check_values

    def check_then_wait(a, arr):
        try:
            original(a, arr)
        finally:  # the poisoned array's check (whatever it found) is held until thread B has run a whole call
            if arr is bad:
                validated.set()
                assert b_done.wait(30), "thread B did not finish"

    monkeypatch.setattr(kmod, "_check_values", check_then_wait)
    outcome: dict = {}

    def thread_a():
        try:
            outcome["a"] = k.energy(v=v, I=I, xi=bad)
        except Exception as exc:  # noqa: BLE001 - the outcome is the test's
            outcome["a"] = exc

    def thread_b():
        assert validated.wait(30)
        outcome["b"] = k.energy(v=v, I=I, xi=good)
        b_done.set()

    ta, tb = threading.Thread(target=thread_a), threading.Thread(target=thread_b)
    ta.start()
    tb.start()
    ta.join(60)
    tb.join(60)
    assert isinstance(outcome["a"], nm.KernelInputError) and "`xi` must be finite" in str(outcome["a"]), outcome["a"]
    assert np.isfinite(outcome["b"])


def test_jax_kernels_compute_in_float64_without_changing_the_process():
    """Regression: building the JAX backend turned on ``jax_enable_x64`` for the whole process (the user's own JAX code
    changed precision as a side effect). Now each call runs in JAX's scoped double precision: float64 inputs give
    float64 results equal to NumPy's, float32 stay float32, and the process setting is what it was."""
    if "jax" not in nm.available_backends():
        pytest.skip("jax not installed")
    import jax

    before = bool(jax.config.read("jax_enable_x64"))
    red = theory.builtin("model_b").integrate_out("h")
    kn, kj = nm.compile(red), nm.compile(red, backend="jax")
    rng = np.random.default_rng(11)
    xi, v, I = rng.standard_normal((7, 5)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    want = kn.update(v=v, xi=xi, I=I, beta=2.0)["v"]
    got = kj.update(v=v, xi=xi, I=I, beta=2.0)["v"]
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    f64 = kj.fast("update", dtype=np.float64, xi=xi, I=I, beta=2.0)
    np.testing.assert_allclose(np.asarray(f64(v)[0]), want, rtol=1e-13, atol=1e-13)
    f32 = kj.fast("update", dtype=np.float32, xi=xi.astype(np.float32), I=I.astype(np.float32), beta=2.0)
    assert np.asarray(f32(v.astype(np.float32))[0]).dtype == np.float32
    assert bool(jax.config.read("jax_enable_x64")) == before


def test_fast_refuses_unknown_and_state_keywords():
    """Regression (issue 33, item 7): `fast("update", ..., Beta=10.0)` ran with beta at its default 1; the keyword call
    refused the same misspelling. Both now name it."""
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    xi, I = np.eye(3), np.zeros(3)
    with pytest.raises(TypeError, match="Unknown argument\\(s\\) \\['Beta'\\]"):
        k.fast("update", xi=xi, I=I, Beta=10.0)
    with pytest.raises(TypeError, match="are states"):
        k.fast("update", xi=xi, I=I, v=np.ones(3))
    f = k.fast("update", xi=xi, I=I, beta=10.0)
    np.testing.assert_allclose(f(np.array([[2.0, 0.1, 0.0]]))[0], k.update(v=np.array([[2.0, 0.1, 0.0]]), xi=xi, I=I, beta=10.0)["v"])



@pytest.mark.parametrize("name,layer", [("continuous_hopfield", "v"), ("model_b", "v")])
def test_an_inf_in_a_large_state_is_refused_even_where_the_layer_saturates(name, layer, rng):
    """Issue 33 item 6: over 2**20 entries the values were checked through the outputs only, and a saturating activation
    (tanh: tanh(inf) = 1; softmax) turned an inf into a finite output, so the same inf refused in a small array was
    accepted in a large one."""
    model = theory.builtin(name)
    k = nm.compile(model)
    N = 4
    arrays = {}
    for a in k.args:
        if a.kind == "state":
            arrays[a.name] = rng.standard_normal(((1 << 20) // N + 1, N)) * 0.1
        elif a.kind == "input":
            arrays[a.name] = np.zeros(N)
        elif a.kind == "weight":
            W = rng.standard_normal((N, N)) * 0.1
            arrays[a.name] = (W + W.T) / 2 if a.symmetric else W
    arrays[layer][5, 2] = np.inf
    for which in ("activations", "update"):  # tanh(inf) = 1, softmax(... inf ...) finite: the outputs alone hide it
        with pytest.raises(nm.KernelInputError, match=f"`{layer}` must be finite; got inf at index \\(5, 2\\)"):
            getattr(k, which)(**arrays)


@pytest.mark.parametrize("name", theory.builtin_names())
def test_per_sample_weights_equal_a_loop_over_samples(name):
    """A weight with a leading batch axis holds one weight set per sample (the contexts of in-context denoising): every
    built-in's energy, rhs and energy gradient on B = 3 stacked weight sets equal three calls with one set each."""
    rng = np.random.default_rng(17)
    m = theory.builtin(name)
    k = nm.compile(m)
    B = 3
    states = {lay.name: rng.standard_normal((B, 4)) for lay in m.layers}
    inputs = {inp.name: rng.standard_normal(4) for inp in m.inputs}
    weights = {}
    for W in m.weights:
        M = rng.standard_normal((B, 4, 4))
        weights[W.name] = (M + np.swapaxes(M, -1, -2)) / 2 if W.symmetric else M
    for which in ("energy", "rhs", "energy_grad"):
        batched = getattr(k, which)(**states, **inputs, **weights)
        for b in range(B):
            one = getattr(k, which)(**{n: v[b:b + 1] for n, v in states.items()}, **inputs, **{n: v[b] for n, v in weights.items()})
            pairs = [(batched[key][b:b + 1], one[key]) for key in one] if isinstance(one, dict) else [(batched[b:b + 1], one)]
            for x, y in pairs:
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=f"{name} {which} sample {b}")


def test_per_sample_weights_must_match_the_batch():
    k = nm.compile(theory.builtin("context_denoising"))
    rng = np.random.default_rng(0)
    with pytest.raises(nm.KernelInputError, match="batch axes"):
        k.energy(s=rng.standard_normal((4, 3)), X=rng.standard_normal((5, 7, 3)))
    with pytest.raises(nm.KernelInputError, match="`X` must have shape"):
        k.energy(s=rng.standard_normal((4, 3)), X=rng.standard_normal(3))
