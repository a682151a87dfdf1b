"""In-context denoising (theory.denoising, numerics.denoising) against independent routes: quadrature for the integrals,
mpmath at 40 digits for the Bessel ratio, brute-force posterior means by importance sampling, hand-written attention,
and the optional backends against NumPy."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import numerics as nm
import theory
from numerics import denoising as nd
from numerics.tolerances import MC_SIGMAS
from theory import denoising as td
from theory.vector import Vector


def test_gaussian_posterior_matches_quadrature():
    post = td.gaussian_posterior(0.3, 0.7, 0.2)
    y = 1.1
    num = mp.quad(lambda x: x * mp.exp(-((x - 0.3) ** 2) / 1.4 - (y - x) ** 2 / 0.4), [-mp.inf, mp.inf])
    den = mp.quad(lambda x: mp.exp(-((x - 0.3) ** 2) / 1.4 - (y - x) ** 2 / 0.4), [-mp.inf, mp.inf])
    var = mp.quad(lambda x: (x - num / den) ** 2 * mp.exp(-((x - 0.3) ** 2) / 1.4 - (y - x) ** 2 / 0.4), [-mp.inf, mp.inf]) / den
    assert float(post["mean"].subs(post["observation"], y)) == pytest.approx(float(num / den), rel=1e-12)
    assert float(post["variance"]) == pytest.approx(float(var), rel=1e-10)


def test_linear_task_closed_forms():
    lt = td.linear_task()
    assert sp.simplify(lt["excess"] - td.d * (td.d + 1) * td.sigma0**4 / ((td.sigma0**2 + td.sigma**2) * (td.L + td.d + 1))) == 0
    assert sp.simplify(lt["gamma_opt"] - td.L / ((td.L + td.d + 1) * (td.sigma0**2 + td.sigma**2))) == 0
    # the risk is convex in gamma and its minimum is at gamma_opt
    assert sp.simplify(sp.diff(lt["risk"], td.gamma, 2)).is_positive


@pytest.mark.parametrize("m", [2, 3, 4, 9])
def test_poisson_integral_matches_quadrature(m):
    for k in (0.3, 2.0, 15.0):
        quad = mp.quad(lambda t: mp.exp(k * mp.cos(t)) * mp.sin(t) ** (m - 2), [0, mp.pi])
        assert float(td.poisson_integral(m).subs(td.kappa, k).evalf(30)) == pytest.approx(float(quad), rel=1e-12)


def test_poisson_integral_equals_sympys_own_integral_at_m3():
    """SymPy integrates the m = 3 case in elementary functions (2 sinh(kappa)/kappa); the Bessel closed form agrees with
    it to 30 digits (SymPy does not rewrite besseli(1/2, kappa) itself)."""
    t = sp.Symbol("t")
    own = sp.integrate(sp.exp(td.kappa * sp.cos(t)) * sp.sin(t), (t, 0, sp.pi))
    for k in (sp.Rational(3, 10), 2, 15):
        assert abs(sp.N((td.poisson_integral(3) - own).subs(td.kappa, k), 40)) < 1e-30 * abs(sp.N(own.subs(td.kappa, k), 40))


def test_sphere_ratio_general_order():
    m = sp.Symbol("m", integer=True, positive=True)
    assert td.sphere_mean_ratio(m) == sp.besseli(m / 2, td.kappa) / sp.besseli(m / 2 - 1, td.kappa)


@pytest.mark.parametrize("m", [2, 3, 9])
def test_sphere_estimator_is_finite_and_accurate_at_extremes(m):
    """kappa up to 1e4 and beyond (sigma down to 1e-3), and kappa ~ 1e-8: the compiled estimator against mpmath at 40
    digits, relative error <= 1e-13 on every coordinate."""
    k = nm.compile(td.sphere_posterior_mean(Vector("y", m)))
    rng = np.random.default_rng(m)
    with mp.workdps(40):
        for R, sigma, scale in ((1.0, 1e-3, 1.0), (1.0, 1e-2, 1.0), (2.0, 0.5, 1.0), (1.0, 1.0, 1e-8), (1.0, 3.0, 1e-4)):
            y = scale * rng.standard_normal(m)
            got = k(y=y[None, :], R=R, sigma=sigma)[0]
            r = mp.sqrt(sum(mp.mpf(v) ** 2 for v in y))
            kap = R * r / mp.mpf(sigma) ** 2
            ratio = mp.besseli(mp.mpf(m) / 2, kap) / mp.besseli(mp.mpf(m) / 2 - 1, kap)
            want = np.array([float(R * ratio * mp.mpf(v) / r) for v in y])
            assert np.isfinite(got).all()
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


def test_mixture_bayes_matches_a_brute_force_posterior_mean():
    """Importance sampling from the mixture prior (seed 5): sum x p(q | x) / sum p(q | x) against the derived estimator."""
    p = nd.mixture_prompts(3, 4, 3, 8, 0.4, 0.5, seed=5, weights=[0.5, 0.3, 0.2])
    est = nd.bayes(p)
    rng = np.random.default_rng(6)
    S = 400_000
    for b in range(3):
        labels = rng.choice(3, size=S, p=p.weights)
        x = p.centres[b][labels] + 0.4 * rng.standard_normal((S, 4))
        logw = -np.sum((p.query[b] - x) ** 2, axis=1) / (2 * 0.5**2)
        w = np.exp(logw - logw.max())
        w /= w.sum()
        mean = w @ x
        se = np.sqrt(np.sum(w[:, None] ** 2 * (x - mean) ** 2, axis=0))
        assert np.all(np.abs(est[b] - mean) < MC_SIGMAS * se), (est[b], mean, se)


def test_linear_bayes_is_the_projected_shrinkage():
    p = nd.linear_prompts(5, 6, 2, 4, 1.5, 0.5, seed=2)
    c = 1.5**2 / (1.5**2 + 0.5**2)
    P = np.einsum("bnk,bmk->bnm", p.basis, p.basis)
    np.testing.assert_allclose(nd.bayes(p), c * np.einsum("bnm,bm->bn", P, p.query), rtol=1e-13)


def test_generators_are_seeded_and_on_their_sets():
    a, b = nd.sphere_prompts(50, 10, 3, 7, 2.0, 0.3, seed=4), nd.sphere_prompts(50, 10, 3, 7, 2.0, 0.3, seed=4)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    assert not np.array_equal(a.tokens, nd.sphere_prompts(50, 10, 3, 7, 2.0, 0.3, seed=5).tokens)
    np.testing.assert_allclose(np.linalg.norm(a.tokens, axis=-1), 2.0, rtol=1e-12)
    np.testing.assert_allclose(np.einsum("bnk,bnj->bkj", a.basis, a.basis), np.broadcast_to(np.eye(4), (50, 4, 4)), atol=1e-12)
    lin = nd.linear_prompts(50, 10, 3, 7, 1.0, 0.3, seed=4)
    P = np.einsum("bnk,bmk->bnm", lin.basis, lin.basis)
    np.testing.assert_allclose(np.einsum("bnm,blm->bln", P, lin.tokens), lin.tokens, atol=1e-12)
    mix = nd.mixture_prompts(20000, 3, 3, 1, 1e-9, 0.3, seed=1, weights=[0.6, 0.3, 0.1])
    which = np.argmin(np.linalg.norm(mix.tokens[:, 0, None, :] - mix.centres, axis=-1), axis=1)
    freq = np.bincount(which, minlength=3) / 20000
    assert np.all(np.abs(freq - [0.6, 0.3, 0.1]) < MC_SIGMAS * np.sqrt(np.array([0.24, 0.21, 0.09]) / 20000))


def test_one_step_is_attention_and_nearest_token_is_nearest():
    p = nd.sphere_prompts(40, 6, 2, 9, 1.0, 0.5, seed=3)
    z = 2.5 * np.einsum("bln,bn->bl", p.tokens, p.query)
    w = np.exp(z - z.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(nd.one_step(p, 0.7, 2.5), 0.7 * np.einsum("bl,bln->bn", w, p.tokens), rtol=1e-13, atol=1e-15)
    brute = np.array([p.tokens[b][np.argmin(np.linalg.norm(p.tokens[b] - p.query[b], axis=1))] for b in range(40)])
    np.testing.assert_array_equal(nd.nearest_token(p), brute)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_one_step_identity_on_every_backend(backend):
    if backend not in nm.available_backends():
        pytest.skip(f"{backend} not installed")
    p = nd.sphere_prompts(64, 8, 2, 16, 1.0, 0.5, seed=1)
    kb = nm.compile(theory.builtin("context_denoising"), backend=backend)
    out = kb.step(1.0, s=p.query, X=p.tokens, alpha=1.0, beta=4.0, tau_s=1.0)["s"]
    out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
    assert float(np.abs(out - nd.one_step(p, 1.0, 4.0)).max()) <= 1e-12
    lin = nd.linear_prompts(64, 8, 2, 16, 1.0, 0.5, seed=2)
    kl = nm.compile(theory.builtin("linear_denoising"), backend=backend)
    out = kl.step(1.0, s=lin.query, X=lin.tokens, alpha=1.0, beta=0.7, tau_s=1.0)["s"]
    out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
    assert float(np.abs(out - nd.linear_step(lin, 0.7)).max()) <= 1e-12


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("kind", ["softmax", "linear"])
def test_attention_objective_on_every_backend(backend, kind):
    """The loss and gradient terms compiled for an optional backend agree with NumPy's kernels to 1e-12."""
    if backend not in nm.available_backends():
        pytest.skip(f"{backend} not installed")
    obj = td.AttentionObjective(kind)
    g = obj.gradients
    exprs = [obj.loss, *[e for name in ("W_KQ", "W_PV") for t in g[name].terms for e in t]]
    p = nd.sphere_prompts(32, 6, 2, 9, 1.0, 0.5, seed=4)
    rng = np.random.default_rng(5)
    args = {"q": p.query, "x": p.target, "X": p.tokens, "W_KQ": 3.0 * np.eye(6) + 0.1 * rng.standard_normal((6, 6)),
            "W_PV": np.eye(6) + 0.1 * rng.standard_normal((6, 6))}
    ref = nm.compile(exprs)(**args)
    out = nm.compile(exprs, backend=backend)(**args)
    for a, b in zip(out, ref, strict=True):
        a = a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)
        np.testing.assert_allclose(np.broadcast_to(a, np.shape(b)), b, rtol=1e-12, atol=1e-12)


def test_converged_is_a_fixed_point_below_the_query_energy():
    p = nd.sphere_prompts(30, 6, 2, 12, 1.0, 0.4, seed=8)
    s = nd.converged(p, tol=1e-12)
    np.testing.assert_allclose(nd.one_step(nd.Prompts(p.task, p.tokens, s, p.target, p.sigma, p.params, basis=p.basis)), s, atol=1e-11)
    k = nm.compile(theory.builtin("context_denoising"))
    beta = 1 / 0.4**2
    assert np.all(k.energy(s=s, X=p.tokens, alpha=1.0, beta=beta) <= k.energy(s=p.query, X=p.tokens, alpha=1.0, beta=beta) + 1e-12)


def test_bad_inputs_name_the_argument():
    p = nd.sphere_prompts(4, 6, 2, 5, 1.0, 0.5, seed=0)
    with pytest.raises(ValueError, match="`query`"):
        nd.Prompts("sphere", p.tokens, p.query[:, :5], p.target, 0.5, basis=p.basis)
    with pytest.raises(ValueError, match="`L`"):
        nd.sphere_prompts(4, 6, 2, 0, 1.0, 0.5)
    with pytest.raises(ValueError, match="`tokens`"):
        nd.Prompts("sphere", p.tokens[:, :0], p.query, p.target, 0.5, basis=p.basis)
    with pytest.raises(ValueError, match="`sigma`"):
        nd.linear_prompts(4, 6, 2, 5, 1.0, 0.0)
    with pytest.raises(ValueError, match="`sigma`"):
        nd.Prompts("sphere", p.tokens, p.query, p.target, -1.0, basis=p.basis)
    bad = p.tokens.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="`tokens`"):
        nd.Prompts("sphere", bad, p.query, p.target, 0.5, basis=p.basis)
    with pytest.raises(ValueError, match="`d`"):
        nd.sphere_prompts(4, 3, 3, 5, 1.0, 0.5)
    with pytest.raises(ValueError, match="`weights`"):
        nd.mixture_prompts(4, 3, 2, 5, 0.1, 0.5, weights=[0.7, 0.7])
    with pytest.raises(ValueError, match="`prompts`"):
        nd.bayes("not prompts")
    with pytest.raises(ValueError, match="`estimate`"):
        nd.risk(np.zeros((4, 5)), p)
    with pytest.raises(ValueError, match="`layer`"):
        td.one_step(theory.builtin("context_denoising"), layer="h")
    with pytest.raises(ValueError, match="alpha"):
        td.one_step(theory.builtin("ramsauer"), layer="v")


@pytest.mark.parametrize("kind", ["softmax", "linear"])
def test_attention_gradients_match_finite_differences(kind):
    p = nd.sphere_prompts(32, 5, 2, 7, 1.0, 0.5, seed=2)
    rng = np.random.default_rng(3)
    W_KQ, W_PV = 2 * rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    _, G_KQ, G_PV = nd.attention_gradients(p, W_KQ, W_PV, kind)
    h = 1e-6
    for (i, j) in [(0, 0), (1, 3), (4, 2)]:
        E = np.zeros((5, 5))
        E[i, j] = h
        fd_kq = (nd.attention_gradients(p, W_KQ + E, W_PV, kind)[0] - nd.attention_gradients(p, W_KQ - E, W_PV, kind)[0]) / (2 * h)
        fd_pv = (nd.attention_gradients(p, W_KQ, W_PV + E, kind)[0] - nd.attention_gradients(p, W_KQ, W_PV - E, kind)[0]) / (2 * h)
        assert G_KQ[i, j] == pytest.approx(fd_kq, rel=1e-6, abs=1e-9)
        assert G_PV[i, j] == pytest.approx(fd_pv, rel=1e-6, abs=1e-9)


def test_training_is_seeded_and_reproducible():
    def make(s):
        return nd.linear_prompts(64, 6, 2, 8, 1.0, 0.5, seed=s)

    a = nd.train_attention(make, kind="linear", parametrisation="matrix", steps=20, lr=0.02, seed=3)
    b = nd.train_attention(make, kind="linear", parametrisation="matrix", steps=20, lr=0.02, seed=3)
    c = nd.train_attention(make, kind="linear", parametrisation="matrix", steps=20, lr=0.02, seed=4)
    np.testing.assert_array_equal(a.W_KQ, b.W_KQ)
    assert a.history == b.history
    assert not np.array_equal(a.W_KQ, c.W_KQ)
    assert a.history[-1] < a.history[0]


def test_training_bad_inputs_name_the_argument():
    p = nd.sphere_prompts(4, 6, 2, 5, 1.0, 0.5, seed=0)
    with pytest.raises(ValueError, match="`make_prompts`"):
        nd.train_attention(p)
    with pytest.raises(ValueError, match="`parametrisation`"):
        nd.train_attention(lambda s: p, parametrisation="diagonal")
    with pytest.raises(ValueError, match="`W_KQ`"):
        nd.attention_gradients(p, np.eye(5), np.eye(6))
    with pytest.raises(ValueError, match="`kind`"):
        td.AttentionObjective("cosine")
