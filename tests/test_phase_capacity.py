"""The finite-load law of phase memories (theory.phase_capacity) against independent routes: an exact enumeration of
discrete uniform phases for the phasor moments, quadrature for the alignment function, Monte Carlo for the crosstalk
variance, and the compiled oscillator kernel for retrieval at low load."""

from __future__ import annotations

import itertools

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import theory
from numerics.oscillators import finite_load, retrieval_error
from numerics.tolerances import MC_SIGMAS
from theory.mean_field import m
from theory.moments import phasor_moment
from theory.phase_capacity import N, PhaseCapacityError, PhaseCapacityLaw, alignment, phase_capacity_law

KUR = theory.builtin("kuramoto")


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_phasor_moments_equal_an_exact_enumeration(n, k):
    """Uniform phases on Q > k points of the circle have the same moments of degree <= k in e^{+-i phi} as the uniform
    circle: every term e^{i(sum a - sum b) phi} with |sum a - sum b| < Q averages to 0 or 1 alike."""
    Q = 2 * k + 1
    roots = np.exp(2j * np.pi * np.arange(Q) / Q)
    total = np.mean([abs(sum(c)) ** (2 * k) for c in itertools.product(roots, repeat=n)])
    assert total == pytest.approx(float(phasor_moment(sp.Integer(n), k)), rel=1e-12)


@pytest.mark.parametrize("u", [1e-3, 0.05, 0.3, 1.0, 4.0, 100.0])
def test_alignment_equals_quadrature(u):
    with mp.workdps(25):
        ref = mp.quad(lambda z: mp.sqrt(1 - (u * z) ** 2) * mp.npdf(z), [-1 / mp.mpf(u), 0, 1 / mp.mpf(u)])
        assert abs(alignment(u) - ref) < mp.mpf(10) ** -18


def test_crosstalk_variance_matches_monte_carlo():
    """v_1 = E[F'(|S|/N)^2]/2 with S a sum of N - 1 phasors, against sampled torques F'(r) sin(psi - phi) (seed 3)."""
    law = phase_capacity_law(KUR, params={"K": 0.5, "C": 1})
    n, samples = 10, 400_000
    rng = np.random.default_rng(3)
    S = np.exp(1j * rng.uniform(0, 2 * np.pi, (samples, n - 1))).sum(axis=1) / n
    phi = rng.uniform(0, 2 * np.pi, samples)
    torque = (0.5 * np.abs(S) + np.abs(S) ** 3) * np.sin(np.angle(S) - phi)
    v = float(law.pattern_variance.subs(N, n))
    sq = torque**2  # mean-zero torque: its variance is E[torque^2], with the standard error of a sample mean
    assert abs(sq.mean() - v) < MC_SIGMAS * sq.std() / np.sqrt(samples)
    assert abs(sq.mean() - 2 * v) > MC_SIGMAS * sq.std() / np.sqrt(samples)  # the check tells a missing 1/2


def test_laws_pairwise_and_quartic():
    quartic = phase_capacity_law(KUR, params={"K": 0, "C": 1})
    assert sp.simplify(quartic.k_max_asymptotic - N**3 / (6 * sp.log(N))) == 0
    assert quartic.scaling.exponent == 3
    pairwise = phase_capacity_law(KUR, params={"K": 1, "C": 0})
    assert sp.simplify(pairwise.k_max_asymptotic - N / sp.log(N)) == 0
    assert pairwise.scaling.exponent == 1
    both = phase_capacity_law(KUR)  # symbolic K, C: the leading order is pairwise (linear) whenever K > 0
    assert both.scaling.exponent == 1
    assert theory.capacity_law(KUR, params={"K": 0, "C": 1}).k_max_asymptotic == quartic.k_max_asymptotic


def test_branch_is_self_consistent_and_ends_at_sigma_c():
    law = PhaseCapacityLaw(m**4 / 4)
    sc, rc = law.sigma_critical
    tq = lambda r: r**3  # noqa: E731 - F'(r) of m^4/4
    h = lambda r: float(tq(r) * mp.findroot(lambda u: alignment(u) - r, 0.3))  # noqa: E731
    assert h(rc) == pytest.approx(sc, rel=1e-9)
    assert h(rc - 0.02) < sc and h(rc + 0.02) < sc  # a maximum
    n = 64
    kc = float(law.k_collective.subs(N, n))
    r = law.branch(0.5 * kc, n)
    sigma = np.sqrt(0.5 * kc * float(law.pattern_variance.subs(N, n)))
    assert float(alignment(sigma / tq(r))) == pytest.approx(r, abs=1e-10)
    assert rc < r < 1
    assert law.branch(1.01 * kc, n) is None


def test_low_load_retrieves_and_the_error_is_linear_in_the_load():
    """A few patterns (P = 8, N = 48, quartic only) are retrieved almost perfectly and have settled (a doubled run does
    not move); at small loads 1 - |m| grows in proportion to P (the linear response KUR-9 relies on), seeded."""
    r = finite_load(KUR, 48, 8, {"K": 0.0, "C": 1.0}, replicas=8, seed=1)
    assert r.min() > 0.97
    a = retrieval_error(KUR, 48, 250, {"K": 0.0, "C": 1.0}, replicas=16, seed=2)
    b = retrieval_error(KUR, 48, 500, {"K": 0.0, "C": 1.0}, replicas=16, seed=2)
    assert abs(a["duration_shift"]) < 3 * a["sem"] + 1e-6
    ratio = b["error"] / a["error"]
    assert abs(ratio - 2) < 0.4, ratio


def test_bad_inputs_name_the_argument():
    with pytest.raises(PhaseCapacityError, match="polynomial in m"):
        PhaseCapacityLaw(sp.exp(m**2))
    with pytest.raises(PhaseCapacityError, match="give the parameters"):
        _ = phase_capacity_law(KUR).sigma_critical
    with pytest.raises(PhaseCapacityError, match="not positive"):
        _ = PhaseCapacityLaw(-(m**4)).sigma_critical
    with pytest.raises(theory.CapacityError, match="uniform_phase"):
        theory.capacity_law(KUR, fast="x")
    with pytest.raises(PhaseCapacityError, match="no layer of phases"):
        phase_capacity_law(theory.builtin("dam_power"))
    with pytest.raises(ValueError, match="`P_value`"):
        PhaseCapacityLaw(m**4 / 4).branch(float("nan"), 10)
    with pytest.raises(ValueError, match="`u`"):
        alignment(-1)
    with pytest.raises(ValueError, match="`replicas`"):
        finite_load(KUR, 16, 4, replicas=8)
    with pytest.raises(ValueError, match="`sets`"):
        retrieval_error(KUR, 16, 8, sets=0)


def test_load_per_error_is_the_small_load_limit_of_the_branch():
    """The derived 2 F'(1)^2 / v_1 against the branch itself at a load far below its end (N = 256, P = 1e-4 k_collective)."""
    law = PhaseCapacityLaw(m**4 / 4)
    kc = float(law.k_collective.subs(N, 256))
    P_small = 1e-4 * kc
    r = law.branch(P_small, 256)
    assert float(law.load_per_error.subs(N, 256)) == pytest.approx(P_small / (1 - r), rel=1e-3)
