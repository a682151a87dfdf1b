"""Phase oscillators (issue 31): the periodic layer kind, the built-in `kuramoto`, its global-phase symmetry, its
mean-field theory and Ott-Antonsen reduction, its kernels against independent routes, and the Langevin simulator."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
import sympy as sp

import numerics as nm
import theory
from numerics.cli import main as amwb
from numerics.oscillators import (
    Oscillators,
    escape_rate,
    lorentzian_frequencies,
    overlaps,
    phase_patterns,
    phase_weights,
    von_mises_cue,
)
from paper_checks.kur2025 import microscopic_velocity
from theory.mean_field import MeanField, T, m
from theory.ott_antonsen import Delta, OttAntonsen

KU = theory.builtin("kuramoto")
SPEC = theory.builtin_spec("kuramoto")


def _energy_ref(theta, xi, K, C):
    """E = -N sum_mu [K/2 |m_mu|^2 + C/4 |m_mu|^4], written with complex exponentials (the test's own route)."""
    z = np.exp(1j * (theta[..., None, :] - xi)).mean(-1)
    return -theta.shape[-1] * (K / 2 * abs(z) ** 2 + C / 4 * abs(z) ** 4).sum(-1)


# ---------------------------------------------------------------- the layer kind and the model
def test_a_phase_layer_has_no_legendre_term_and_no_leak():
    lay = KU.layer("theta")
    assert lay.periodic and lay.legendre == 0 and lay.legendre_display == 0
    assert KU.energy == KU.interaction.xreplace(KU.activation_map)
    # tau dtheta/dt = -dE/dtheta exactly (no -theta)
    assert theory.vsimplify(KU.dynamics_explicit["theta"] + theory.grad(KU.energy, lay.state)) == 0
    assert KU.lyapunov.established is True
    assert KU.check_energy_rate(sizes=(2,)).holds


def test_a_phase_used_outside_its_harmonics_is_refused():
    spec = theory.builtin_spec("kuramoto")
    spec["synapses"][0]["expr"] = "-sum(a@phi)"
    with pytest.raises(theory.ModelError, match="outside sin/cos"):
        theory.from_dict(spec)
    with pytest.raises(theory.LagrangianError, match="rescaled"):
        theory.lagrangians.phase().rescaled(2)


def test_the_global_phase_zero_mode_is_proved_and_a_pinning_field_refutes_it():
    sym = KU.symmetries["theta"]
    assert sym.verdict is True and sym.zero_mode.startswith("1")
    pinned = theory.builtin_spec("kuramoto")
    pinned["synapses"][0]["expr"] += " - sum(a@cos(phi))"
    bad = theory.from_dict(pinned).symmetries["theta"]
    assert bad.verdict is False and bad.counterexample["N"] == 3 and abs(bad.counterexample["difference"]) > 1e-6
    with pytest.raises(theory.ModelError, match="periodic"):
        theory.global_phase(theory.builtin("model_b"), "v")


def test_spec_temperature_must_name_a_positive_parameter():
    spec = theory.builtin_spec("kuramoto")
    spec["temperature"] = "K"
    with pytest.raises(theory.SpecError, match="positive"):
        theory.from_dict(spec)


# ---------------------------------------------------------------- the theory
def test_the_mean_field_theory_is_read_off_the_model():
    mf = MeanField.from_model(KU)
    K, C = sorted(mf.F.free_symbols - {m}, key=str)[::-1]
    assert sp.simplify(mf.F - (K * m**2 / 2 + C * m**4 / 4)) == 0
    assert mf.site.name == "phase" and mf.temperature_name == "D" and mf.temperature_scale == 1
    assert mf.critical(K) == {K: 2 * T} and mf.tricritical(K, C) == {K: 2 * T, C: T}
    # the model's own temperature name is accepted everywhere values are (regression: barrier read values["T"])
    b = mf.barrier(K=0.45, C=1.0, D=0.25)
    assert b["escape_slope"] == b["barrier"] / 0.25 and mf.stationary(K=0.45, C=1.0, D=0.25) == mf.stationary(K=0.45, C=1.0, T=0.25)
    with pytest.raises(theory.MeanFieldError, match="once"):
        mf.stationary(K=0.45, C=1.0, D=0.25, T=0.25)
    # a rotation-dependent energy has no theory in |m| alone
    pinned = theory.builtin_spec("kuramoto")
    pinned["synapses"][0]["expr"] += " - sum(a@cos(phi))"
    with pytest.raises(theory.MeanFieldError, match="global rotation"):
        MeanField.from_model(theory.from_dict(pinned))


def test_every_derived_transition_solves_the_self_consistency_to_1e_8():
    """The saddle-node and the Maxwell point in K (D = 0.25, C = 1) against a direct solution of r = A1((K r + C r^3)/D):
    the saddle-node is a double root, the Maxwell point has f(r) = f(0) = 0."""
    mf = MeanField.from_model(KU)
    K = next(p for p in mf.parameters if p.name == "K")
    tr = mf.transitions(K, D=0.25, C=1.0)
    D, Cv = mpmath.mpf("0.25"), mpmath.mpf(1)

    def a1(x):
        return mpmath.besseli(1, x) / mpmath.besseli(0, x)

    with mpmath.workdps(40):
        sn = tr["spinodal"][0]
        k0, r0 = mpmath.mpf(sn["value"]), mpmath.mpf(sn["m"])
        k, r = mpmath.findroot(lambda k, r: [a1((k * r + Cv * r**3) / D) - r,
                                              mpmath.diff(lambda s: a1((k * s + Cv * s**3) / D) - s, r)], (k0, r0))
        assert abs(k - sn["value"]) < 1e-8 and abs(r - sn["m"]) < 1e-8
        mx = tr["coexistence"][0]

        def f(k, r):  # f = -F(r) + D I(r), I(r) = h r - log I0(h) at A1(h) = r
            h = mpmath.findroot(lambda x: a1(x) - r, (k * r + Cv * r**3) / D)
            return -(k * r**2 / 2 + Cv * r**4 / 4) + D * (h * r - mpmath.log(mpmath.besseli(0, h)))

        k, r = mpmath.findroot(lambda k, r: [a1((k * r + Cv * r**3) / D) - r, f(k, r)], (mpmath.mpf(mx["value"]), mpmath.mpf(mx["m"])))
        assert abs(k - mx["value"]) < 1e-8 and abs(r - mx["m"]) < 1e-8


def test_ott_antonsen_flow_is_derived_and_its_closed_forms_hold():
    K, C = sp.symbols("K C", real=True)
    oa = MeanField.from_model(KU).ott_antonsen()
    Kf = next(s for s in oa.F.free_symbols if s.name == "K")
    Cf = next(s for s in oa.F.free_symbols if s.name == "C")
    ref = -Delta * m + (Kf * m + Cf * m**3) * (1 - m**2) / 2
    assert sp.expand(oa.rate - ref) == 0
    assert oa.critical(Kf) == {Kf: 2 * Delta} and oa.tricritical(Kf, Cf) == {Kf: 2 * Delta, Cf: 2 * Delta}
    sn = [s for s in oa.saddle_node(Kf) if s[Kf].subs({Cf: 4, Delta: 1}) > 0][0]
    assert sp.simplify(sn[Kf] - (sp.sqrt(8 * Cf * Delta) - Cf)) == 0
    # the fixed points at numbers solve the flow, with the right stability (bistable window K_sn < K < 2 Delta)
    fps = oa.fixed_points(K=1.9, C=4, Delta=1)
    assert [p["stable"] for p in fps] == [True, False, True]
    rate = sp.lambdify(m, oa.rate.subs({Kf: sp.Rational(19, 10), Cf: 4, Delta: 1}))
    assert all(abs(rate(p["r"])) < 1e-12 for p in fps)
    with pytest.raises(theory.MeanFieldError, match="phase"):
        MeanField(m**2 / 2, "ising").ott_antonsen()
    with pytest.raises(theory.MeanFieldError, match="Delta"):
        OttAntonsen(Delta * m**2)


def test_amwb_phases_kuramoto_json_gives_onset_and_tricritical_point_in_the_noise(capsys):
    assert amwb(["phases", "kuramoto", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["site"] == "phase" and rep["temperature"] == "D"
    assert rep["critical"]["K"]["str"] == "2*D" and rep["tricritical"] == {"C": {"str": "D", "latex": "D", "value": None},
                                                                           "K": {"str": "2*D", "latex": "2 D", "value": None}}
    assert rep["branches"] is None and rep["barrier"] is None
    assert amwb(["phases", "kuramoto", "--param", "D=0.25", "--param", "C=1", "--param", "K=0.45", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    stable = [b for b in rep["branches"] if b["stable"]]
    assert len(stable) == 2 and rep["barrier"]["barrier"] > 0  # bistable: incoherence and the memory
    assert amwb(["phases", "kuramoto", "--param", "D=0.25", "--param", "C=1", "--json"]) == 0
    tr = json.loads(capsys.readouterr().out)["transitions"]
    assert tr["parameter"] == "K" and tr["order"] == "first" and tr["continuous"] == 0.5
    assert amwb(["phases", "kuramoto", "--site", "ising"]) == 2
    assert "has phase sites" in capsys.readouterr().err


# ---------------------------------------------------------------- the kernels
@pytest.mark.parametrize("kind", ["binary", "uniform"])
def test_kernel_matches_the_overlap_form_and_the_microscopic_tensors(kind):
    rng = np.random.default_rng(5)
    N, P, K, C = 7, 2, 1.3, 0.7
    xi = phase_patterns(P, N, kind, seed=3)
    th = rng.uniform(0, 2 * np.pi, (3, N))
    k = nm.compile(KU)
    w = phase_weights(xi)
    E = k.energy(th, w["a"], w["b"], C=C, K=K)
    np.testing.assert_allclose(E, _energy_ref(th, xi, K, C), rtol=1e-13, atol=1e-13)
    v = k.velocity(th, w["a"], w["b"], C=C, K=K, tau_theta=1.0)["theta"]
    micro = microscopic_velocity(th, xi, K, C)  # KUR-1's reference, the Hebbian tensors written out
    np.testing.assert_allclose(v, micro, rtol=1e-12, atol=1e-12)
    # and -dE/dtheta by central differences
    h = 1e-6
    fd = np.array([[-(_energy_ref(t + h * e, xi, K, C) - _energy_ref(t - h * e, xi, K, C)) / (2 * h) for e in np.eye(N)] for t in th])
    np.testing.assert_allclose(v, fd, rtol=1e-7, atol=1e-8)
    u = k.update(th, w["a"], w["b"], C=C, K=K)["theta"]
    np.testing.assert_allclose(u, th + v, rtol=1e-14)


def test_kernel_uses_the_overlaps_only():
    """O(N P) per step: every matrix product in the generated code is with a pattern weight (P x N), none builds an
    N x N coupling or an N^4 tensor (the printed source is inspected; nothing is timed)."""
    k = nm.compile(KU)
    src = k.source("velocity")
    import re

    products = re.findall(r"MatT?Vec\((\w+),", src)
    assert products and set(products) <= {"a", "b"}
    assert "outer" not in src and "einsum" not in src


# ---------------------------------------------------------------- the simulator
def test_langevin_noise_has_intensity_D_and_the_noiseless_flow_descends_the_energy():
    xi = phase_patterns(1, 400, seed=1)
    free = Oscillators(KU, xi, {"K": 0.0, "C": 0.0}, D=0.3)
    th0 = np.zeros((200, 400))
    run = free.run(th0, duration=2.0, dt=0.01, seed=4)
    var = np.var(np.angle(np.exp(1j * run.theta)))  # wrapped to (-pi, pi]: still 2 D t while the spread is small
    assert abs(var / (2 * 0.3 * 2.0) - 1) < 0.03
    det = Oscillators(KU, xi, {"K": 1.0, "C": 0.5}, D=0.0)
    th = von_mises_cue(xi, 0.3, 4, seed=2)
    k = det.kernel
    w = phase_weights(xi)
    energies = []
    rng = np.random.default_rng(0)
    for _ in range(50):
        energies.append(k.energy(th, w["a"], w["b"], C=0.5, K=1.0))
        th = det.step(th, 0.02, rng)
    assert np.all(np.diff(np.array(energies), axis=0) <= 1e-12)


def test_cue_overlap_and_lorentzian_quantiles():
    xi = phase_patterns(1, 5000, "uniform", seed=0)
    th = von_mises_cue(xi, 0.6, 8, seed=1)
    r = np.abs(overlaps(th, xi))[:, 0]
    assert np.all(abs(r - 0.6) < 4 / np.sqrt(5000))
    om = lorentzian_frequencies(1001, 0.5)
    assert om[500] == 0 and abs(np.median(np.abs(om)) - 0.5) < 0.01  # the half-width is the median |omega|


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: Oscillators("model_b", np.zeros((1, 4))), "one layer, of phases"),
        (lambda: Oscillators("kuramoto", np.zeros((1, 4)), D=-1), "`D`"),
        (lambda: Oscillators("kuramoto", np.zeros((1, 4)), omega=np.zeros(3)), "`omega`"),
        (lambda: Oscillators("kuramoto", np.zeros((1, 4)), {"J": 1}), "unknown parameter"),
        (lambda: Oscillators("kuramoto", np.zeros((1, 4))).run(np.zeros((2, 5)), 1.0), "`theta`"),
        (lambda: Oscillators("kuramoto", np.zeros((1, 4))).run(np.zeros((2, 4)), 1.0, dt=0), "`dt`"),
        (lambda: von_mises_cue(np.zeros((1, 4)), 1.0, 2), "`r0`"),
        (lambda: phase_patterns(2, 4, "gaussian"), "`kind`"),
        (lambda: Oscillators("kuramoto", np.zeros((1, 4))).sweep("J", [1.0], np.zeros((1, 4)), 1.0), "`parameter`"),
    ],
)
def test_bad_input_is_one_clear_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_escape_rate_is_the_censored_exponential_likelihood():
    """Exponential times of mean 10 censored at 8: the estimate is within 3 standard errors of 10 (seeded), every censored
    time counts, and the bad inputs are named."""
    t = np.random.default_rng(7).exponential(10.0, 4000)
    t_cens = np.where(t > 8.0, np.inf, t)
    e = escape_rate(t_cens, 8.0)
    assert e["escaped"] + e["censored"] == 4000 and e["censored"] == int((t > 8).sum())
    assert abs(e["tau"] / 10.0 - 1) < 3 * e["rel_error"]
    naive = t_cens[np.isfinite(t_cens)].mean()  # dropping the censored ones would be biased low
    assert naive < 0.5 * e["tau"]
    assert escape_rate(np.full(3, np.inf), 1.0)["tau"] == np.inf
    with pytest.raises(ValueError, match="`times`"):
        escape_rate(np.array([2.0]), 1.0)
    with pytest.raises(ValueError, match="`t_max`"):
        escape_rate(np.array([0.5]), 0.0)


def test_escape_times_are_resolved_to_the_check_interval():
    xi = phase_patterns(1, 50, seed=0)
    osc = Oscillators(KU, xi, {"K": 0.0, "C": 0.0}, D=0.5)  # free diffusion: a cue at the pattern melts
    t = osc.escape_times(xi[:1].repeat(6, 0), threshold=0.5, t_max=20.0, dt=0.05, seed=1, check_every=0.25)
    assert np.all(np.isfinite(t)) and np.all(t > 0) and np.allclose(t / 0.25, np.round(t / 0.25))


def test_the_manuals_phase_diagram_command_runs(tmp_path, capsys):
    """`amwb phases kuramoto --param D=0.25 --x K 0 1.5 --y C 0 1.5 --plot ...` (the manual's command, on a small grid): the
    model's temperature name reaches the grid, and the four regions appear with the bistable window above C_t = D."""
    plot = tmp_path / "kuramoto.png"
    assert amwb(["phases", "kuramoto", "--param", "D=0.25", "--x", "K", "0", "1.5", "--y", "C", "0", "1.5", "--grid", "31",
                 "--plot", str(plot), "--json"]) == 0
    grid = json.loads(capsys.readouterr().out)["phase_grid"]
    phase = np.array(grid["phase"])
    C = np.array(grid["y"]["values"])
    assert plot.stat().st_size > 0 and set(np.unique(phase)) == {0, 1, 2, 3}
    assert not (phase[C < 0.25] >= 2).any() and (phase[C > 0.5] >= 2).any()  # bistable only beyond the tricritical C = D
