"""Numerics against reference answers (analytic or independent routes), seeds explicit."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import numerics as nm
import theory
from numerics import capacity, census, patterns, retrieval, spectra
from numerics.discrete import BinaryMemory, ThresholdMemory
from numerics.integrate import simulate
from theory import lagrangians as lg

# ----------------------------------------------------------------- 1. dynamics


def _decay_kernel():
    x = theory.Layer("x", "N", lg.quadratic(), tau=2)
    return nm.compile(theory.EnergyModel((x,), (), "decay"))


@pytest.mark.parametrize("method,dt,tol", [("euler", 1e-3, 2e-3), ("rk4", 0.05, 1e-6), ("adaptive", 0.1, 1e-7)])
def test_identity_lagrangian_decays_exponentially(method, dt, tol):
    """Reference system: L = x^2/2, no synapse, tau = 2: x(t) = x0 exp(-t/2), E = x^2/2."""
    k = _decay_kernel()
    x0 = np.array([[1.0, -2.0, 0.5]])
    tr = simulate(k, {"x": x0}, {}, 3.0, method=method, dt=dt)
    np.testing.assert_allclose(tr.states["x"][-1], x0 * np.exp(-tr.t[-1] / 2), rtol=tol)
    np.testing.assert_allclose(tr.energy[:, 0], 0.5 * (tr.states["x"][:, 0] ** 2).sum(-1), rtol=1e-12)
    assert tr.max_energy_increase == 0.0


def test_rk4_converges_at_fourth_order():
    k = _decay_kernel()
    x0 = np.array([[1.0]])
    errs, dts = [], [0.4, 0.2, 0.1, 0.05]
    for dt in dts:
        tr = simulate(k, {"x": x0}, {}, 4.0, method="rk4", dt=dt)
        errs.append(abs(tr.states["x"][-1, 0, 0] - np.exp(-tr.t[-1] / 2)))
    slope = capacity.fit_power_law(dts, errs)["slope"]
    assert 3.8 < slope < 4.2


@pytest.mark.parametrize("name", ["model_a", "model_b", "model_c"])
def test_energy_never_rises_along_adaptive_integration(name):
    rng = np.random.default_rng(0)
    k = nm.compile(theory.builtin(name))
    nv, nh = 20, 50
    args = {"xi": rng.standard_normal((nh, nv)) / np.sqrt(nv)}
    if "I" in k.arg_names:
        args["I"] = np.zeros(nv)
    init = {"v": rng.standard_normal((4, nv)), "h": rng.standard_normal((4, nh))}
    tr = simulate(k, init, args, 30.0, method="adaptive", rtol=1e-9, atol=1e-12)
    assert tr.max_energy_increase <= 1e-10
    assert tr.energy.shape == (len(tr.t), 4)


def test_convergence_stop_model_b():
    rng = np.random.default_rng(1)
    k = nm.compile(theory.builtin("model_b"))
    xi = rng.standard_normal((30, 10))
    tr = simulate(k, {"v": rng.standard_normal((2, 10)), "h": np.zeros((2, 30))}, {"xi": xi, "I": np.zeros(10)}, 200.0, method="rk4", dt=0.05, tol=1e-8)
    assert tr.converged.all() and tr.t[-1] < 200.0
    v = tr.final()["v"]
    s = np.exp(v @ xi.T - (v @ xi.T).max(-1, keepdims=True))
    np.testing.assert_allclose(v, (s / s.sum(-1, keepdims=True)) @ xi, atol=1e-6)  # fixed point = attention fixed point


def test_simulate_bad_input():
    k = _decay_kernel()
    with pytest.raises(ValueError, match="method"):
        simulate(k, {"x": np.ones(3)}, {}, 1.0, method="leapfrog")
    with pytest.raises(ValueError, match="lacks the layer"):
        simulate(k, {}, {}, 1.0)
    with pytest.raises(ValueError, match="`init\\['x'\\]` must be finite"):
        simulate(k, {"x": np.array([np.nan, 1.0])}, {}, 1.0)


# ------------------------------------------------------------ 2. discrete updates


@pytest.fixture(scope="module")
def hopfield():
    X = patterns.binary(20, 120, seed=3)
    return X, BinaryMemory(theory.builtin("classical_hopfield"), X)


def test_induced_field_and_energy_difference_against_explicit_couplings(hopfield):
    X, bm = hopfield
    s = patterns.binary(5, 120, seed=4)
    J = X.T @ X
    np.testing.assert_allclose(bm.field(s), s @ J, atol=1e-9)  # includes the self-coupling diag(J) = K
    J0 = J - np.diag(np.diag(J))
    np.testing.assert_allclose(bm.delta_energy(s), 2 * s * (s @ J0), atol=1e-9)  # zero-diagonal rule
    np.testing.assert_allclose(bm.energy(s), -0.5 * np.einsum("bi,ij,bj->b", s, J, s), atol=1e-9)


def test_async_energy_difference_never_raises_energy(hopfield):
    X, bm = hopfield
    s = retrieval.flip(X[:3], 0.3, seed=5)
    E = [bm.energy(s)]
    rng = np.random.default_rng(6)
    for _ in range(5):
        s, _ = bm.async_sweep(s, rng, rule="energy_difference")
        E.append(bm.energy(s))
    assert (np.diff(np.array(E), axis=0) <= 1e-9).all()


def test_low_load_recall_and_rules_agree_on_fixed_points():
    X = patterns.binary(8, 120, seed=3)  # load 0.067, well below alpha_c = 0.138
    bm = BinaryMemory(theory.builtin("classical_hopfield"), X)
    out, _ = bm.run(retrieval.flip(X, 0.1, seed=7), seed=8)
    assert retrieval.overlap(out, X).mean() > 0.99
    assert bm.is_fixed(X, "energy_difference").all() and bm.is_fixed(X, "induced_field").all()


def test_dense_am_energy_difference_is_krotov_hopfield_rule():
    X = patterns.binary(40, 30, seed=9)
    bm = BinaryMemory(theory.builtin("dam_power"), X, params={"n": 3})
    s = patterns.binary(2, 30, seed=10)
    m = s @ X.T
    ref = np.empty_like(s)
    for i in range(30):
        mt = m - s[:, i, None] * X[:, i]
        ref[:, i] = -((mt - s[:, i, None] * X[:, i]) ** 3).sum(-1) + (m**3).sum(-1)  # E(flip) - E
    np.testing.assert_allclose(bm.delta_energy(s), ref, rtol=1e-10, atol=1e-8)


def test_threshold_update_against_explicit_J():
    rng = np.random.default_rng(11)
    xi = rng.standard_normal((12, 500))
    tm = ThresholdMemory(xi, theta=0.5)
    s = (rng.random((7, 12)) < 0.5).astype(float)
    J = xi @ xi.T / 500
    np.testing.assert_array_equal(tm.step_code(s), (s @ J.T - 0.5 > 0).astype(float))


def test_binary_memory_rejects_bad_input(hopfield):
    _, bm = hopfield
    with pytest.raises(ValueError, match="\\+-1"):
        bm.field(np.full((1, 120), 0.5))
    with pytest.raises(ValueError, match="120 entries"):
        bm.field(np.ones((1, 7)))
    with pytest.raises(ValueError, match="sign activation"):
        BinaryMemory(theory.builtin("model_b"), np.ones((2, 3)))


# ------------------------------------------------------------- 3. patterns


def test_pattern_generators():
    assert set(np.unique(patterns.binary(5, 50, 0))) == {-1.0, 1.0}
    assert set(np.unique(patterns.zero_one(5, 50, 0))) <= {0.0, 1.0}
    np.testing.assert_allclose(np.linalg.norm(patterns.sphere(6, 9, 0, radius=3.0), axis=1), 3.0)
    X = patterns.correlated_binary(4000, 2, c=0.6, seed=1)
    assert abs(np.corrcoef(X.T)[0, 1] - 0.36) < 0.05  # two features on one latent: correlation c^2
    Y = patterns.min_hamming_binary(10, 64, 24, seed=2)
    D = patterns.pairwise_hamming(Y)
    assert D[~np.eye(10, dtype=bool)].min() >= 24
    with pytest.raises(ValueError, match="Could only place"):
        patterns.min_hamming_binary(10, 8, 8, seed=0, max_tries=500)
    with pytest.raises(ValueError, match="seed"):
        patterns.binary(3, 3, None)


# ------------------------------------------------------------- 4. retrieval


def test_corruptions():
    X = np.ones((200, 500))
    f = retrieval.flip(X, 0.2, seed=0)
    assert abs((f < 0).mean() - 0.2) < 4 * math.sqrt(0.2 * 0.8 / f.size)
    g = retrieval.gaussian_noise(np.zeros((100, 100)), 2.0, seed=1)
    assert abs(g.std() - 2.0) < 0.05
    o = retrieval.occlude(np.ones((2, 16)), 0.25, shape=(4, 4))
    assert o.reshape(2, 4, 4)[:, 3].sum() == 0 and o.sum() == 24
    assert retrieval.overlap(np.array([1, -1, 1, 1.0]), np.array([1, 1, 1, 1.0]))[0] == 0.5
    with pytest.raises(ValueError, match="rho"):
        retrieval.flip(X, 1.5, seed=0)


# ------------------------------------------------------------- 5. capacity


def test_largest_k_binary_search_and_ci():
    assert capacity.largest_k(lambda K: K <= 37, 1, 1000) == 37
    assert capacity.largest_k(lambda K: False, 5, 10) == 4
    with pytest.raises(ValueError, match="k_hi"):
        capacity.largest_k(lambda K: True, 1, 10)
    res = capacity.capacity(lambda K, s: K <= 20 + s, seeds=[0, 1, 2, 3], k_lo=1, k_hi=100)
    assert res.mean == 21.5 and res.ci_low < 21.5 < res.ci_high


def test_theory_value_of_derived_laws_against_direct_evaluation():
    import theory

    hop = theory.capacity_law(theory.builtin("classical_hopfield"))
    assert abs(capacity.theory_value(hop.k_max_asymptotic, N=1000) - 1000 / (2 * math.log(1000))) < 1e-12
    assert abs(capacity.theory_value(hop.k_max_all_asymptotic, N=1000) - 1000 / (4 * math.log(1000))) < 1e-12
    dam = theory.capacity_law(theory.builtin("dam_power"), params={"n": 3})
    assert abs(capacity.theory_value(dam.k_max_asymptotic, N=100) - 100**2 / (2 * 3 * math.log(100))) < 1e-9
    p = capacity.theory_value(dam.p_error_asymptotic, N=100, K=600)
    assert abs(p - math.sqrt(3 / (2 * math.pi) * 600 / 100**2) * math.exp(-(100**2) / (2 * 600 * 3))) < 1e-15
    # an exact binomial sum is added up term by term: log cosh's crosstalk variance at N = 6, by hand
    lc = theory.capacity_law(theory.from_dict({
        "name": "lc", "layers": [{"name": "v", "size": "N_v", "lagrangian": "absolute", "activation": "sigma"},
                                 {"name": "h", "size": "N_h", "lagrangian": {"expr": "log(cosh(x))"}, "activation": "f"}],
        "synapses": [{"kind": "dense", "post": "h", "pre": "v", "weight": "xi"}]}))
    ref = sum(math.comb(5, j) * (math.log(math.cosh(2 * j - 4)) - math.log(math.cosh(2 * j - 6))) ** 2 for j in range(6)) / 2**5
    assert abs(capacity.theory_value(lc.pattern_variance, N=6) - ref) < 1e-12 * ref
    with pytest.raises(ValueError, match="missing"):
        capacity.theory_value(dam.p_error, N=100)


def test_ags_critical_load_matches_literature():
    a, m = capacity.ags_critical_load()
    assert abs(a - 0.1379) < 1e-4  # Amit, Gutfreund, Sompolinsky 1985: alpha_c = 0.138
    assert abs(m - 0.967) < 1e-3


def test_fits():
    N = np.array([16, 32, 64, 128.0])
    assert abs(capacity.fit_power_law(N, 0.3 * N**2)["slope"] - 2) < 1e-12
    assert abs(capacity.fit_exponential(N, 5 * np.exp(0.2 * N))["rate"] - 0.2) < 1e-12


def test_measured_all_stable_capacity_brackets_mceliece():
    """Largest K with every pattern an exact fixed point (classical, N=200), 4 seeds: between the two McEliece scales."""

    def all_stable(K, seed):
        X = patterns.binary(K, 200, seed=seed * 1000 + K)
        return bool(BinaryMemory(theory.builtin("classical_hopfield"), X).is_fixed(X, "energy_difference").all())

    res = capacity.capacity(all_stable, seeds=[0, 1, 2, 3], k_lo=1, k_hi=80)
    assert 200 / (4 * math.log(200)) * 0.5 < res.mean < 200 / (2 * math.log(200)) * 1.5


# ------------------------------------------------------------- 6. spectra


def test_mp_density_normalisation_and_moments_mpmath():
    from theory.literature import mp1967 as th

    f = sp.lambdify((th.t, th.lam), th.density_on_circle(), "mpmath")
    xc = sp.lambdify((th.t, th.lam), 1 + th.lam + 2 * sp.sqrt(th.lam) * sp.cos(th.t), "mpmath")
    mpmath.mp.dps = 30
    for lam in (0.1, 0.5, 0.9):
        m0 = mpmath.quad(lambda t: f(t, lam), [0, mpmath.pi])
        m1 = mpmath.quad(lambda t: xc(t, lam) * f(t, lam), [0, mpmath.pi])
        m2 = mpmath.quad(lambda t: xc(t, lam) ** 2 * f(t, lam), [0, mpmath.pi])
        assert abs(m0 - 1) < 1e-20 and abs(m1 - 1) < 1e-20 and abs(m2 - m1**2 - lam) < 1e-20
    mpmath.mp.dps = 15


def test_empirical_spectrum_matches_mp():
    nh, nv = 400, 4000
    xi = np.random.default_rng(12).standard_normal((nh, nv))
    J = spectra.coupling(xi)
    ev = np.linalg.eigvalsh(J)
    lam = nh / nv
    lo, hi = spectra.mp_edges(lam)
    tw = 3 * nh ** (-2 / 3)
    assert abs(ev.min() - lo) < tw and abs(ev.max() - hi) < tw
    assert spectra.ks_distance(ev, lam) < 0.05
    assert abs(spectra.operator_deviation(J)["norm"] - spectra.predicted_operator_deviation(lam)) < 0.05
    st = spectra.entry_statistics(J, nv)
    assert abs(st["Nv_var_diag"] - 2) < 0.3 and abs(st["Nv_var_off"] - 1) < 0.05 and abs(st["diag_mean"] - 1) < 0.01
    assert spectra.mp_cdf(np.array([lo - 1, hi + 1]), lam).tolist() == [0.0, 1.0]


# ------------------------------------------------------------- 7. census


@pytest.mark.parametrize("nh,nv,seed", [(10, 60, 0), (10, 200, 1), (10, 2000, 2), (8, 400, 3), (12, 5000, 4)])
def test_all_states_criterion_agrees_with_enumeration(nh, nv, seed):
    xi = np.random.default_rng(seed).standard_normal((nh, nv))
    J = xi @ xi.T / nv
    crit = census.all_states_fixed(J, 0.5)["all"]
    en = census.enumerate_fixed(J, 0.5)
    assert crit == (en["count"] == en["total"])


def test_enumeration_agrees_with_compiled_threshold_update():
    rng = np.random.default_rng(13)
    xi = rng.standard_normal((9, 300))
    en = census.enumerate_fixed(xi @ xi.T / 300, 0.5)
    tm = ThresholdMemory(xi, 0.5)
    S = census._codes(0, 1 << 9, 9).astype(float)
    fixed = (tm.step_code(S) == S).all(-1)
    assert np.array_equal(np.nonzero(fixed)[0], en["labels"])


def test_streamed_coupling_equals_direct_and_mc_fraction():
    J1 = census.random_coupling_streamed(6, 1000, seed=14, block=128, dtype=np.float64)
    rng = np.random.default_rng(14)
    blocks = [rng.standard_normal((6, b)) for b in [128] * 7 + [104]]
    xi = np.concatenate(blocks, axis=1)
    np.testing.assert_allclose(J1, xi @ xi.T / 1000, rtol=1e-12)
    xi2 = np.random.default_rng(15).standard_normal((14, 400))
    J = xi2 @ xi2.T / 400
    exact = census.enumerate_fixed(J, 0.5)["fraction"]
    mc = census.fraction_fixed(J, 0.5, 20000, seed=16)
    assert abs(mc["fraction"] - exact) < 4 * mc["se"] + 1e-3


def test_basin_flip_rate_against_q_formula():
    xi = np.random.default_rng(17).standard_normal((20, 2000))
    r = census.basin_flip_rate(xi, 0.5, sigma_v=8.0, n_trials=3000, seed=18)
    assert r["rate"] > 1e-3
    assert abs(r["rate"] - r["predicted"]) < 0.25 * r["predicted"] + 3 * r["se"]


def test_census_bad_input():
    with pytest.raises(ValueError, match="symmetric"):
        census.all_states_fixed(np.array([[1.0, 2.0], [0.0, 1.0]]), 0.5)
    with pytest.raises(ValueError, match="N_h <= 26"):
        census.enumerate_fixed(np.eye(30), 0.5)
    with pytest.raises(ValueError, match="finite"):
        census.all_states_fixed(np.array([[np.nan]]), 0.5)


# ------------------------------------------------------------- 9. plots


def test_plots_write_png_and_pdf(tmp_path):
    from numerics import plots

    figs = {
        "energy": plots.energy_trace(np.arange(5.0), np.arange(10.0).reshape(5, 2)),
        "capacity": plots.capacity_curve([10, 20, 40], {"K": [1, 2, 4]}, {"N/(2 ln N)": [2, 3, 5]}),
        "spectrum": plots.spectrum(np.random.default_rng(0).uniform(0.5, 1.5, 100), 0.1),
        "phase": plots.phase_diagram([1, 2, 4], {"all states": [0, 0.5, 1]}, "N_v / N_h^2"),
        "grid": plots.image_grid({"original": np.zeros((3, 64)), "recalled": np.ones((3, 64))}, (8, 8)),
    }
    for name, fig in figs.items():
        for ax in fig.axes[:1]:
            if name != "grid":
                assert ax.get_xlabel() and ax.get_ylabel()
        paths = plots.save(fig, tmp_path / name)
        assert all(p.exists() and p.stat().st_size > 0 for p in paths)


def test_capacity_criteria_factories():
    """Classical Hopfield, N = 100: all-stable <= fraction-stable(0.9) capacity; recall from 10% noise exists at low K."""
    from numerics.capacity import all_stable, fraction_stable, recall_from_corrupted

    def mem(X):
        return BinaryMemory(theory.builtin("classical_hopfield"), X)

    def pats(K, seed):
        return patterns.binary(K, 100, seed=1000 * seed + K)

    seeds = [0, 1, 2]
    a = capacity.capacity(all_stable(mem, pats), seeds, 1, 60).mean
    f = capacity.capacity(fraction_stable(0.9, mem, pats), seeds, 1, 60).mean
    assert 1 <= a <= f
    assert recall_from_corrupted(0.1, mem, pats, success=0.95, n_cues=3)(3, 0)


def test_binary_memory_keeps_input_synapses():
    """Regression: Model A has an input synapse -I.sigma; BinaryMemory must not drop it silently.
    Independent route: the compiled reduction's derived drive and energy."""
    X = patterns.binary(15, 30, seed=21)
    I = np.random.default_rng(22).standard_normal(30) * 3
    s = patterns.binary(4, 30, seed=23)
    m = theory.builtin("model_a")
    bm = BinaryMemory(m, X, inputs={"I": I})
    k = nm.compile(m.integrate_out("h"))
    np.testing.assert_allclose(bm.field(s), k.update(v=s, I=I, xi=X)["v"], rtol=1e-12)
    np.testing.assert_allclose(bm.energy(s), k.energy(v=s, I=I, xi=X), rtol=1e-12)
    flipped = np.repeat(s[:1], 30, axis=0) * np.where(np.eye(30, dtype=bool), -1, 1)
    np.testing.assert_allclose(bm.delta_energy(s[:1])[0], k.energy(v=flipped, I=I, xi=X) - k.energy(v=s[:1], I=I, xi=X)[0], rtol=1e-10, atol=1e-9)
    with pytest.raises(ValueError, match="input `I`"):
        BinaryMemory(m, X)  # an input synapse with no value given is an error, not a silent zero


def test_coupling_is_the_derived_reduction():
    """spectra.coupling (used by the census and the BPD claims) equals the map theory derives by integrating out v."""
    import numerics as nm

    rng = np.random.default_rng(13)
    xi = rng.standard_normal((9, 150))
    s = (rng.random((6, 9)) < 0.5).astype(float)
    np.testing.assert_allclose(s @ spectra.coupling(xi).T - 0.5, nm.ThresholdMemory(xi, 0.5).margin(s), atol=1e-12)


def test_hidden_rise_peak_against_the_ode():
    """theory.relaxation.hidden_rise_peak (dsolve + stationary point) against scipy's integration of the same ODE."""
    from scipy.integrate import solve_ivp

    from theory.relaxation import hidden_rise_peak, ratio

    peak = hidden_rise_peak()
    for r in (2.0, 4.0, 20.0):
        sol = solve_ivp(lambda t, h: -h + np.exp(-t / r), (0, 30 * r), [0.0], rtol=1e-11, atol=1e-13, dense_output=True)
        t = np.linspace(0, 10 * r, 200_001)
        assert abs(sol.sol(t)[0].max() - float(peak.subs(ratio, r))) < 1e-8


def test_spherical_code_reaches_known_optima_and_never_beats_them():
    """Repulsion codes in d = 3 against the Tammes table (independent: published optima): the icosahedron (M = 12)
    and the octahedron (M = 6) to 0.05 degrees, and no code separates better than the proven/best known optimum."""
    from numerics import patterns
    from paper_checks.hu2024 import TAMMES_DEG

    for M in (4, 6, 8, 12, 16, 20):
        X = patterns.spherical_code(M, 3, M)
        assert np.allclose(np.linalg.norm(X, axis=1), 1.0)
        ang = np.degrees(np.arccos(1 - patterns.min_separation(X)))
        assert ang <= TAMMES_DEG[M] + 1e-6
        if M in (6, 12):
            assert abs(ang - TAMMES_DEG[M]) < 0.05


def test_distinct_limits_finds_the_minima_of_a_double_well():
    """x <- x - eta V'(x) for V = (x^2 - 1)^2 from starts on both sides: the two minima +-1 (analytic), each once."""
    from numerics.retrieval import distinct_limits

    x0 = np.linspace(-2, 2, 41)[:, None]
    x0 = x0[np.abs(x0[:, 0]) > 0.05]  # x = 0 is the maximum: a start there stays
    mins = distinct_limits(lambda x: x - 0.05 * 4 * x * (x**2 - 1), x0, merge=1e-6)
    np.testing.assert_allclose(np.sort(mins[:, 0]), [-1.0, 1.0], atol=1e-10)
    with pytest.raises(ValueError, match="merge"):
        distinct_limits(lambda x: x, x0, merge=0.0)


def test_min_hamming_binary_is_the_one_at_a_time_greedy_packing():
    """The block-vectorised rejection sampler accepts exactly the candidates the plain greedy loop (one candidate at a
    time, against every kept pattern) accepts, from the generator and from a base pool, and fails alike."""
    def reference(K, N, d, seed, base=None, max_tries=200_000):
        r = patterns.rng_from(seed)
        kept, tried = [], 0
        pool = iter(()) if base is None else iter(np.asarray(base, dtype=float))
        while len(kept) < K and tried < max_tries:
            block = np.array([row for _, row in zip(range(256), pool)]) if base is not None else r.choice(np.array([-1.0, 1.0]), size=(256, N))
            if len(block) == 0:
                break
            for cand in block:
                tried += 1
                if not kept or min((N - k @ cand) / 2 for k in kept) >= d:
                    kept.append(cand)
                    if len(kept) == K:
                        break
        return np.array(kept), tried

    for K, N, d, seed, corr in ((40, 48, 18, 1, False), (30, 48, 20, 3, True), (60, 32, 10, 5, False), (25, 16, 6, 7, True)):
        base = patterns.correlated_binary(4000, N, 0.6, seed=seed, n_latent=4) if corr else None
        ref, _ = reference(K, N, d, seed, base)
        if len(ref) == K:
            np.testing.assert_array_equal(patterns.min_hamming_binary(K, N, d, seed=seed, base=base), ref)
        else:
            with pytest.raises(ValueError, match=f"Could only place {len(ref)} of K={K}"):
                patterns.min_hamming_binary(K, N, d, seed=seed, base=base)
