"""Reference systems: effective models of the papers against their closed forms.

Closed forms (Krotov & Hopfield 2021, Sec. 3; Shafiei Kafraj et al. 2026, Eq. 4-6):

* Model A:  E = -sum_mu F(sum_i xi_mu,i sigma_i) - sum_i I_i sigma_i,  sigma = sign(v)
* Model B:  E = 1/2 sum v^2 - beta^-1 log sum_mu exp(beta sum_i xi_mu,i v_i) - I.v
* Model C:  E = -sum_mu F(sum_i xi_mu,i v_i / ||v||)
* threshold: integrating out v gives tau_h dh/dt = J s - h with J = xi xi^T / N_v.
"""

import copy

import pytest
import sympy as sp

import theory
from theory import concrete
from theory.vector import VSum, size_symbol

NV, NH = size_symbol("N_v"), size_symbol("N_h")
SIZES = [{NV: 2, NH: 3}, {NV: 3, NH: 2}]


def comps(name, n):
    return [sp.Symbol(f"{name}_{i}", real=True) for i in range(n)]


def xi_matrix(nh, nv):
    return sp.Matrix(nh, nv, lambda m, i: sp.Symbol(f"xi_{m}_{i}", real=True))


def sample(expr, seed=0):
    import random

    r = random.Random(seed)
    return {s: sp.Rational(r.choice([-1, 1]) * r.randint(1, 30), 11) for s in expr.free_symbols}


def assert_equal_at_points(a, b, n=3):
    d = a - b
    for k in range(n):
        pt = sample(a + b, k)
        assert abs(sp.N(d.xreplace(pt), 40)) < 1e-30, (a, b)


@pytest.mark.parametrize("sizes", SIZES)
def test_model_a_effective_energy_is_dense_am(sizes):
    m = theory.builtin("model_a")
    E = concrete.expand(m.integrate_out("h").energy, sizes)
    nv, nh = sizes[NV], sizes[NH]
    v, I, xi = comps("v", nv), comps("I", nv), xi_matrix(nh, nv)
    sigma = [sp.sign(a) for a in v]
    F = lambda z: sp.Max(z, 0) ** 3 / 3  # noqa: E731 - ReLU(z)^3/3 of the spec
    closed = -sum(F(sum(xi[mu, i] * sigma[i] for i in range(nv))) for mu in range(nh)) - sum(a * s for a, s in zip(I, sigma))
    assert_equal_at_points(E.rewrite(sp.Max), closed)


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("name,F", [("classical_hopfield", lambda z: z**2 / 2), ("dam_exp", sp.exp)])
def test_dense_am_variants(sizes, name, F):
    E = concrete.expand(theory.builtin(name).integrate_out("h").energy, sizes)
    nv, nh = sizes[NV], sizes[NH]
    v, xi = comps("v", nv), xi_matrix(nh, nv)
    closed = -sum(F(sum(xi[mu, i] * sp.sign(v[i]) for i in range(nv))) for mu in range(nh))
    assert_equal_at_points(E, closed)


@pytest.mark.parametrize("sizes", SIZES)
def test_dam_power_is_krotov_hopfield_2016(sizes):
    m = theory.builtin("dam_power")
    E = concrete.expand(m.integrate_out("h").energy, sizes).xreplace({sp.Symbol("n", integer=True, positive=True): 3})
    nv, nh = sizes[NV], sizes[NH]
    v, xi = comps("v", nv), xi_matrix(nh, nv)
    closed = -sum(sum(xi[mu, i] * sp.sign(v[i]) for i in range(nv)) ** 3 for mu in range(nh))
    assert_equal_at_points(E, closed)


@pytest.mark.parametrize("sizes", SIZES)
def test_model_b_effective_energy_is_modern_hopfield(sizes):
    m = theory.builtin("model_b")
    E = concrete.expand(m.integrate_out("h").energy, sizes)
    nv, nh = sizes[NV], sizes[NH]
    v, I, xi = comps("v", nv), comps("I", nv), xi_matrix(nh, nv)
    beta = sp.Symbol("beta", positive=True)
    closed = (
        sum(a**2 for a in v) / 2
        - sp.log(sum(sp.exp(beta * sum(xi[mu, i] * v[i] for i in range(nv))) for mu in range(nh))) / beta
        - sum(a * b for a, b in zip(I, v))
    )
    assert_equal_at_points(E, closed)


@pytest.mark.parametrize("sizes", SIZES)
def test_model_c_effective_energy_is_spherical(sizes):
    m = theory.builtin("model_c")
    E = concrete.expand(m.integrate_out("h").energy, sizes)
    nv, nh = sizes[NV], sizes[NH]
    v, xi = comps("v", nv), xi_matrix(nh, nv)
    r = sp.sqrt(sum(a**2 for a in v))
    closed = -sum(sp.Max(sum(xi[mu, i] * v[i] for i in range(nv)) / r, 0) ** 3 / 3 for mu in range(nh))
    assert_equal_at_points(E.rewrite(sp.Max), closed)


def test_model_dynamics_are_kh21_eq1(models):
    m = models["model_b"]
    v, h = m.layer("v"), m.layer("h")
    from theory.vector import MatTVec, MatVec, Vector, Weight

    xi = Weight("xi", NH, NV)
    assert sp.simplify(m.dynamics["v"] - (MatTVec(xi, h.g) - v.state + Vector("I", NV))) == 0
    assert sp.simplify(m.dynamics["h"] - (MatVec(xi, v.g) - h.state)) == 0


def test_threshold_model_rescaling_and_h_equals_Js(models):
    m = models["threshold"]
    assert any("rescaled" in n for n in m.notes)
    red = m.integrate_out("v")
    for sizes in SIZES:
        nv, nh = sizes[NV], sizes[NH]
        rhs = concrete.expand(red.model.dynamics["h"], sizes)
        s, h, xi = comps("s", nh), comps("h", nh), xi_matrix(nh, nv)
        J = xi * xi.T / nv
        expected = list(J * sp.Matrix(s) - sp.Matrix(h))
        for a, b in zip(rhs, expected):
            assert sp.expand(a - b) == 0


def test_threshold_published_dynamics_recovered_after_undoing_rescaling(models):
    """In v = lambda v~ the rescaled energy model reproduces both published factors."""
    from theory.rescaling import Coupling, DirectedModel
    from theory.vector import Weight

    xi = Weight("xi", NH, NV)
    layers = models["threshold"].layers
    v = theory.Layer("v", NV, theory.lagrangians.quadratic(), activation="g")
    d = DirectedModel((v, layers[1]), (Coupling("v", "h", xi, NH ** sp.Rational(-1, 2), True), Coupling("h", "v", xi, sp.sqrt(NH) / NV)))
    sym = d.energy_model()
    lam = sym.rescaling["v"]
    c = sym.couplings[("h", "v")]
    # coupling into v from h in original units: c * lam_h / lam_v ... back-transform: a = c * lam_v / lam_h
    assert sp.simplify(c * lam - NH ** sp.Rational(-1, 2)) == 0
    assert sp.simplify(c / lam - sp.sqrt(NH) / NV) == 0


def test_no_energy_for_opposite_signs_or_one_direction():
    from theory.rescaling import Coupling, DirectedModel, NoEnergyError
    from theory.vector import Weight

    xi = Weight("xi", NH, NV)
    v = theory.Layer("v", NV, theory.lagrangians.quadratic())
    h = theory.Layer("h", NH, theory.lagrangians.tanh(1))
    with pytest.raises(NoEnergyError, match="not provably positive") as e:
        DirectedModel((v, h), (Coupling("v", "h", xi, 1, True), Coupling("h", "v", xi, -2))).energy_model()
    assert set(e.value.dynamics) == {"v", "h"}
    with pytest.raises(NoEnergyError, match="one direction"):
        DirectedModel((v, h), (Coupling("v", "h", xi, 1, True),)).energy_model()
    other = Weight("zeta", NH, NV)
    with pytest.raises(NoEnergyError, match="not transposes"):
        DirectedModel((v, h), (Coupling("v", "h", xi, 1, True), Coupling("h", "v", other, 1))).energy_model()


@pytest.mark.parametrize("name", theory.builtin_names())
def test_energy_rate_equals_hessian_form(models, name):
    rc = models[name].check_energy_rate(sizes=(2,))
    assert rc.holds, rc.detail


@pytest.mark.parametrize("route", ["mpmath", "evalf"])
def test_energy_rate_check_catches_a_wrong_dissipation(monkeypatch, route):
    """Regression (the concrete rate is evaluated with mpmath, evalf as fallback): a dissipation off by a factor
    of 1.01 in one layer is refuted at a concrete size on both routes."""
    import theory.model as tm

    if route == "evalf":
        monkeypatch.setattr(tm, "_mpmath_function", lambda free, exprs: None)
    m = theory.builtin("hamux3")
    wrong = copy.copy(m)
    lay = m.layers[1]
    u = m.velocity[lay.name]
    wrong.__dict__["dissipation"] = m.dissipation - sp.Rational(1, 100) * lay.tau * VSum(u * lay.hessian_times(u), lay.size)
    rc = wrong.check_energy_rate(sizes=(2,))
    assert rc.concrete[2] is False, rc.detail
    assert "differ" in rc.detail


@pytest.mark.parametrize("name", [n for n in theory.builtin_names() if n != "dam_power"])
def test_builtin_certificates_proved(models, name):
    for lay, c in models[name].certificates.items():
        assert c.verdict is True, (name, lay, c.reason)
    assert models[name].lyapunov.established is True


def test_dam_power_odd_n_refuted_and_lyapunov_not_established(models):
    c = models["dam_power"].certificates["h"]
    assert c.verdict is False
    assert float(c.counterexample["min_eigenvalue"]) < 0
    assert models["dam_power"].lyapunov.established is False


def test_zero_modes_softmax_and_spherical(models):
    assert [str(z) for z in models["model_b"].certificates["h"].zero_modes] == ["Ones(N_h)"]
    assert [str(z) for z in models["model_c"].certificates["v"].zero_modes] == ["v"]


@pytest.mark.parametrize("sizes", SIZES)
def test_model_b_integrating_out_features_gives_energy_on_hidden(sizes):
    """tau_v -> 0 instead: E(h) = h.f - lse_beta(h) - 1/2 ||xi^T f + I||^2 with f = softmax(beta h)."""
    m = theory.builtin("model_b")
    E = concrete.expand(m.integrate_out("v").energy, sizes)
    nv, nh = sizes[NV], sizes[NH]
    h, I, xi = comps("h", nh), comps("I", nv), xi_matrix(nh, nv)
    beta = sp.Symbol("beta", positive=True)
    Z = sum(sp.exp(beta * a) for a in h)
    f = [sp.exp(beta * a) / Z for a in h]
    b = [sum(xi[mu, i] * f[mu] for mu in range(nh)) + I[i] for i in range(nv)]
    closed = sum(a * c for a, c in zip(h, f)) - sp.log(Z) / beta - sum(c**2 for c in b) / 2
    assert_equal_at_points(E, closed)
