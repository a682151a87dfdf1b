"""The mean-field engine (theory.mean_field) against closed forms and independent numerics: Curie-Weiss, the dense
p-spin model and the quartic Kuramoto model (issue 31, first slice)."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from theory.mean_field import ISING, PHASE, MeanField, MeanFieldError, T, m

K, C = sp.symbols("K C", positive=True)


def test_curie_weiss_critical_temperature_and_landau_series():
    cw = MeanField(m**2 / 2, "ising")
    assert cw.critical() == {T: 1}
    assert cw.tricritical() is None  # F has no second parameter
    # the Landau series against a brute-force series of the closed-form free energy -m^2/2 + T I(m)
    brute = sp.expand(sp.series(cw.free_energy, m, 0, 9).removeO())
    assert all(sp.simplify(c - brute.coeff(m, k)) == 0 for k, c in cw.landau(8))
    assert len(cw.landau(8)) == 4


def test_curie_weiss_order_parameter_exponent_is_one_half():
    """m(T) below T_c from the engine's stationary points: log m against log(1 - T) has slope 1/2 (m ~ sqrt(3 (1 - T)))."""
    cw = MeanField(m**2 / 2, "ising")
    eps = [1e-3, 1e-4, 1e-5]
    ms = [max(r["m"] for r in cw.stationary(T=1 - e) if r["stable"]) for e in eps]
    slopes = [float(mpmath.log(ms[i + 1] / ms[i]) / mpmath.log(eps[i + 1] / eps[i])) for i in range(2)]
    assert all(abs(s - 0.5) < 1e-3 for s in slopes), slopes
    assert abs(ms[-1] / float(mpmath.sqrt(3e-5)) - 1) < 1e-3


@pytest.mark.parametrize("site", [ISING, PHASE], ids=["ising", "phase"])
def test_rate_series_is_the_legendre_transform_to_order_8(site):
    """The series of I(m) to m^8 against the Legendre transform computed directly (mpmath, 50 digits: solve
    Lambda'(h) = m, then I = h m - Lambda(h)): the difference is the m^10 term, so an error at any order up to 8 would
    show as a ratio diff / m^10 orders of magnitude off."""
    series = sp.lambdify(m, site.rate_series(8), "mpmath")
    c10 = site.rate_series(10).coeff(m, 10)
    lam = sp.lambdify(sp.Symbol("h", nonnegative=True), site.cgf, "mpmath")
    mean = sp.lambdify(sp.Symbol("h", nonnegative=True), site.mean, "mpmath")
    with mpmath.workdps(60):
        for mv in (mpmath.mpf("0.01"), mpmath.mpf("0.02")):
            hv = mpmath.findroot(lambda x, mv=mv: mean(x) - mv, mv / float(sp.diff(site.cgf, sp.Symbol("h", nonnegative=True), 2).subs(sp.Symbol("h", nonnegative=True), 0)))
            exact = hv * mv - lam(hv)
            ratio = (exact - series(mv)) / mv**10
            assert abs(ratio / float(c10) - 1) < 0.05, (site.name, mv, ratio, c10)


def test_ising_rate_series_closed_form():
    """I(m) = sum_k m^(2k) / (2k (2k - 1)) for spins: every coefficient to m^12."""
    got = ISING.rate_series(12)
    assert all(got.coeff(m, 2 * k) == sp.Rational(1, 2 * k * (2 * k - 1)) for k in range(1, 7))


def test_quartic_kuramoto_onset_and_tricritical_point():
    """Phases with F = K m^2/2 + C m^4/4: onset K_c = 2T, tricritical point (K, C) = (2T, T), m^6 coefficient positive
    there; beyond it (C > T) the onset is first order with a saddle-node below K_c and a Maxwell point between."""
    ku = MeanField(K * m**2 / 2 + C * m**4 / 4, "phase")
    assert ku.critical(K) == {K: 2 * T}
    assert ku.tricritical(K, C) == {K: 2 * T, C: T}
    assert ku.coefficient(6, 8).subs({K: 2 * T, C: T}).is_positive
    first = ku.transitions(K, T=1, C=2)
    assert first["order"] == "first" and first["continuous"] == 2.0
    sn, mx = first["spinodal"][0]["value"], first["coexistence"][0]["value"]
    assert sn < mx < 2.0
    assert ku.transitions(K, T=1, C=0.5)["order"] == "continuous"


def test_dense_p_spin_is_first_order_and_its_transitions_solve_the_self_consistency():
    """F = m^3/3 on spins: no continuous transition; the saddle-node temperature is a double root of
    m = tanh(m^2 / T) and the coexistence point has f(m) = f(0), both to 1e-8 by direct substitution."""
    p3 = MeanField(m**3 / 3, "ising")
    assert p3.critical() is None
    tr = p3.transitions(T)
    assert tr["order"] == "first" and len(tr["spinodal"]) == 1 and len(tr["coexistence"]) == 1
    with mpmath.workdps(30):
        Ts, ms = tr["spinodal"][0]["value"], tr["spinodal"][0]["m"]
        assert abs(ms - mpmath.tanh(ms**2 / Ts)) < 1e-8
        assert abs(1 - (1 - mpmath.tanh(ms**2 / Ts) ** 2) * 2 * ms / Ts) < 1e-6  # tangent: a double root
        Tc, mc = tr["coexistence"][0]["value"], tr["coexistence"][0]["m"]
        f = sp.lambdify((m, T), p3.free_energy, "mpmath")
        assert abs(mc - mpmath.tanh(mc**2 / Tc)) < 1e-8 and abs(f(mc, Tc)) < 1e-8
    assert Tc < Ts
    b = p3.barrier(T=0.5)
    assert b["barrier"] > 0 and b["boundary"]["m"] < b["memory"]["m"] and not b["boundary"]["stable"]


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: MeanField("m**2/2", "ising"), "SymPy expression"),
        (lambda: MeanField(m**2 / 2, "potts"), "site"),
        (lambda: MeanField(m + m**2, "ising"), "F'\\(0\\)"),
        (lambda: MeanField(K * T, "ising"), "depend on the overlap"),
        (lambda: MeanField(m**2 / 2, "ising").stationary(T=-1), "`T`"),
        (lambda: MeanField(m**2 / 2, "ising").stationary(T=1, J=2), "Unknown parameter"),
        (lambda: MeanField(m**2 / 2, "ising").stationary(T=float("nan")), "finite"),
        (lambda: MeanField(K * m**2 / 2, "ising").stationary(T=1), "Missing value"),
        (lambda: MeanField(m**2 / 2, "phase").free_energy, "no closed form"),
    ],
)
def test_bad_input_is_one_clear_error(make, match):
    with pytest.raises(MeanFieldError, match=match):
        make()


def test_models_give_their_theory_and_say_how_their_temperature_maps():
    """From a model: the classical Hopfield energy -1/2 sum (xi.s)^2 is N times the extensive -N m^2/2, so its own
    temperature is N T and the theory's T_c = 1; dense F = x^3 scales as N^2; exponential F has no extensive limit;
    a model without sign states has no Ising theory; a user's spec works with no code."""
    import theory
    from theory.vector import size_symbol

    N = size_symbol("N_v")
    hop = MeanField.from_model(theory.builtin("classical_hopfield"))
    assert hop.F == m**2 / 2 and hop.temperature_scale == N and hop.critical() == {T: 1} and hop.model == "classical_hopfield"
    p3 = MeanField.from_model(theory.builtin("dam_power"), params={"n": 3})
    assert p3.F == m**3 and p3.temperature_scale == N**2 and p3.critical() is None
    with pytest.raises(MeanFieldError, match="give their values"):
        MeanField.from_model(theory.builtin("dam_power"))
    with pytest.raises(MeanFieldError, match="no temperature scale"):
        MeanField.from_model(theory.builtin("dam_exp"))
    with pytest.raises(MeanFieldError, match="no mean-field theory for `model_b`"):
        MeanField.from_model(theory.builtin("model_b"))
    spec = theory.from_dict(theory.variant_spec("dam_power", "mine", lagrangians={"h": {"expr": "x**4/4"}}))
    mine = MeanField.from_model(spec)
    assert mine.F == m**4 / 4 and mine.temperature_scale == N**3 and mine.transitions(T)["order"] == "first"
    mixed = theory.from_dict(theory.variant_spec("dam_power", "mixed", lagrangians={"h": {"expr": "x**2/2 + x**4/4"}}))
    with pytest.raises(MeanFieldError, match="terms of different degree"):
        MeanField.from_model(mixed)


def test_the_disordered_state_at_the_critical_point_is_a_minimum():
    """Regression: at T = T_c exactly the m^2 coefficient vanishes and m = 0 was reported unstable with no other
    stationary point (a notebook's max() of no stable state); the m^4 term decides."""
    pts = MeanField(m**2 / 2, "ising").stationary(T=1.0)
    assert pts == [{"m": 0.0, "h": 0.0, "f": 0.0, "stable": True}]


def test_symmetric_mixtures_of_the_classical_model():
    """AGS 1985 with several condensed patterns: s = 1 is the single-pattern branch (m = tanh(m/T), Hessian 1 - (1 - m^2)/T
    along it), even mixtures are saddles, the 3-mixture's overlaps solve their own equation, and the Hessian is checked
    against central differences of f computed from its variational form."""
    import itertools

    cw = MeanField(m**2 / 2, "ising")
    one = cw.mixture(1, T=0.5)
    assert abs(one["m"] - float(mpmath.tanh(one["m"] / 0.5))) < 1e-12
    assert one["stable"] and cw.mixture(2, T=0.5)["stable"] is False
    three = cw.mixture(3, T=0.3)
    mv = three["m"]
    rhs = sum(c[0] * mpmath.tanh(mv * sum(c) / 0.3) for c in itertools.product((1, -1), repeat=3)) / 8
    assert abs(mv - rhs) < 1e-12 and three["stable"]
    with pytest.raises(MeanFieldError, match="Ising"):
        MeanField(K * m**2 / 2, "phase").mixture(3, K=1, T=0.3)
    with pytest.raises(MeanFieldError, match="`s`"):
        cw.mixture(0, T=0.3)
    assert cw.mixture(3, T=2.0) is None  # no mixture above T_c


def test_mixture_hessian_matches_finite_differences_of_the_free_energy():
    """f(m) = -|m|^2/2 + T I(m) with I(m) = sup_h [h.m - E log cosh(xi.h)] evaluated by Newton's method (independent of the
    engine's inverse-Hessian formula); its smallest Hessian eigenvalue at the 3-mixture by central differences."""
    import itertools

    cw = MeanField(m**2 / 2, "ising")
    Tv = mpmath.mpf("0.3")
    mix = cw.mixture(3, T=0.3)
    signs = [mpmath.matrix(c) for c in itertools.product((1, -1), repeat=4)]

    def f(mvec):
        h = mpmath.matrix([x / Tv for x in mvec])
        for _ in range(60):  # Newton on grad Lambda(h) = m, to the working precision
            g = sum((c * mpmath.tanh((c.T * h)[0]) for c in signs), mpmath.matrix(4, 1)) / 16 - mvec
            H = sum((c * c.T * (1 / mpmath.cosh((c.T * h)[0]) ** 2) for c in signs), mpmath.zeros(4)) / 16
            step = mpmath.lu_solve(H, g)
            h = h - step
            if mpmath.norm(step) < mpmath.mpf(10) ** (2 - mpmath.mp.dps):
                break
        lam = sum(mpmath.log(mpmath.cosh((c.T * h)[0])) for c in signs) / 16
        return -sum(x**2 for x in mvec) / 2 + Tv * ((h.T * mvec)[0] - lam)

    with mpmath.workdps(30):
        m0 = mpmath.matrix([mix["m"]] * 3 + [0])
        e = mpmath.mpf("1e-6")
        hess = mpmath.zeros(4)
        for i in range(4):
            for j in range(i, 4):  # symmetric: the upper triangle
                ei, ej = mpmath.zeros(4, 1), mpmath.zeros(4, 1)
                ei[i], ej[j] = e, e
                hess[i, j] = hess[j, i] = (f(m0 + ei + ej) - f(m0 + ei - ej) - f(m0 - ei + ej) + f(m0 - ei - ej)) / (4 * e * e)
        smallest = min(mpmath.eigsy(hess)[0])
    assert abs(float(smallest) - mix["min_eigenvalue"]) < 1e-5


def test_a_size_scaled_synapse_gives_the_extensive_energy_directly():
    """scale = 1/sqrt(N_v) makes the classical energy -1/2 sum (xi.s)^2 / N_v = -N m^2/2 extensive: temperature scale 1,
    T_c = 1 (the capacity law writes that scale in its own N; the theory maps it back to the layer's size)."""
    import theory

    spec = theory.variant_spec("classical_hopfield", "scaled")
    spec["synapses"][0]["scale"] = "1/sqrt(N_v)"
    mf = MeanField.from_model(theory.from_dict(spec))
    assert mf.F == m**2 / 2 and mf.temperature_scale == 1 and mf.critical() == {T: 1}


def test_disordered_overlap_against_the_exact_finite_n_law():
    """The derived Gaussian <|m|> above T_c against the exact stationary law of Glauber dynamics (OverlapChain) at
    N = 4000, T = 2 and 3; the relative error of the leading order is O(1/N) there."""
    from numerics.thermal import OverlapChain

    cw = MeanField(m**2 / 2, "ising")
    for Tv in (2.0, 3.0):
        derived = float(cw.disordered_overlap(4000).subs(T, Tv))
        exact = OverlapChain(cw.F, 4000, Tv).mean_abs_overlap
        assert abs(exact / derived - 1) < 0.01, (Tv, exact, derived)
    # phases: 1/2 sqrt(pi T / (N a2)), a2 = T - K/2 from the Landau series
    ku = MeanField(K * m**2 / 2, "phase")
    at = {K: 1, T: 2}
    assert abs(float(ku.disordered_overlap(100).subs(at)) - float((sp.sqrt(sp.pi * T / (100 * (T - K / 2))) / 2).subs(at))) < 1e-15
