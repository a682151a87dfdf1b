"""numerics.thermal.OverlapChain against independent routes: the Gibbs law enumerated over all 2^N spin states, the
mean first-passage time from the full generator, and sampled replicas against the exact stationary law."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from numerics.thermal import OverlapChain
from theory.mean_field import m

F3 = m**3 / 3 + m**2 / 4


def test_stationary_law_is_the_gibbs_law_over_all_spin_states():
    """Over every s in {-1, 1}^10 with E = -N F(xi.s/N): the law of the number of aligned spins equals the chain's."""
    N, T = 10, 0.4
    xi = np.where(np.random.default_rng(0).random(N) < 0.5, -1.0, 1.0)
    f = sp.lambdify(m, F3, "numpy")
    S = np.array(list(itertools.product((-1.0, 1.0), repeat=N)))
    over = S @ xi / N
    w = np.exp(N * f(np.abs(over)) / T)
    k = ((over * N + N) / 2).round().astype(int)
    law = np.bincount(k, weights=w, minlength=N + 1) / w.sum()
    np.testing.assert_allclose(OverlapChain(F3, N, T).stationary, law, rtol=1e-12, atol=1e-15)


def test_first_passage_time_from_the_full_generator():
    """The backward-equation solve against -Q_AA^{-1} 1 with Q built entry by entry from the rates."""
    ch = OverlapChain(F3, 12, 0.3)
    up, down = ch.rates
    Q = np.diag(up[:-1], 1) + np.diag(down[1:], -1)
    Q -= np.diag(Q.sum(1))
    target = ch.m <= 0
    A = np.flatnonzero(~target)
    t = np.linalg.solve(-Q[np.ix_(A, A)], np.ones(len(A)))
    assert ch.first_passage(12, target) == pytest.approx(t[list(A).index(12)], rel=1e-12)
    assert ch.first_passage(0, target) == 0.0


def test_sampled_replicas_follow_the_stationary_law():
    """512 replicas run for 40 time units: their mean |m| within 4 standard errors of the exact stationary value."""
    ch = OverlapChain(m**2 / 2, 200, 0.8)
    k = ch.sample(np.full(512, 100), 40.0, np.random.default_rng(3))
    a = np.abs((2 * k - 200) / 200)
    assert abs(a.mean() - ch.mean_abs_overlap) <= 4 * a.std() / np.sqrt(len(a))


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"F": m**2 / 2, "N": 1, "T": 1.0}, "`N`"),
        ({"F": m**2 / 2, "N": 10, "T": 0.0}, "`T`"),
        ({"F": m**2 / 2, "N": 10, "T": float("nan")}, "`T`"),
        ({"F": "m**2", "N": 10, "T": 1.0}, "`F`"),
        ({"F": sp.Symbol("K") * m**2, "N": 10, "T": 1.0}, "`params`"),
    ],
)
def test_bad_input_is_one_clear_error(kw, match):
    with pytest.raises(ValueError, match=match):
        OverlapChain(**kw)


def test_sublattice_chain_energy_equals_the_spin_energy():
    """Counts per sublattice against an explicit spin state with explicit patterns (P = 3, N = 40, seed 5)."""
    from numerics.thermal import SublatticeChain, sublattice_sizes
    from theory.mean_field import m

    sizes = sublattice_sizes(3, 40, seed=5)
    ch = SublatticeChain(m**2 / 2 + m**4 / 8, sizes, 0.7)
    xi = np.repeat(ch.signs, sizes, axis=0).T  # (P, N): the patterns the sublattices stand for
    rng = np.random.default_rng(5)
    s = rng.choice([-1.0, 1.0], size=40)
    k = np.array([[np.sum(s[np.repeat(np.arange(8), sizes) == a] > 0) for a in range(8)]])
    mm = xi @ s / 40
    np.testing.assert_allclose(ch.overlaps(k)[0], mm, atol=1e-15)
    np.testing.assert_allclose(ch.energy(k)[0], -40 * np.sum(mm**2 / 2 + mm**4 / 8), rtol=1e-13)


def test_sublattice_chain_samples_the_exact_stationary_law():
    """With one pattern the chain is the overlap chain: its long-run histogram of k against OverlapChain's exact
    stationary law (N = 30, T = 1.5: one well, so 20 units mix; 4000 replicas from the pattern; seed 6), within MC_SIGMAS."""
    from numerics.thermal import OverlapChain, SublatticeChain
    from numerics.tolerances import MC_SIGMAS
    from theory.mean_field import m

    N, T = 30, 1.5
    ch = SublatticeChain(m**2 / 2, np.array([N, 0]), T)
    k = ch.sample(np.tile([N, 0], (4000, 1)), 20.0, np.random.default_rng(6))[:, 0]
    exact = OverlapChain(m**2 / 2, N=N, T=T).stationary
    got = np.bincount(k, minlength=N + 1) / k.size
    se = np.sqrt(exact * (1 - exact) / k.size) + 1e-12
    assert np.all(np.abs(got - exact) < MC_SIGMAS * se)


def test_sublattice_chain_bad_inputs():
    from numerics.thermal import SublatticeChain
    from theory.mean_field import m

    with pytest.raises(ValueError, match="`sizes`"):
        SublatticeChain(m**2 / 2, np.array([3, 3, 3]), 0.5)
    with pytest.raises(ValueError, match="`T`"):
        SublatticeChain(m**2 / 2, np.array([3, 3]), 0.0)
    with pytest.raises(ValueError, match="`k0`"):
        SublatticeChain(m**2 / 2, np.array([3, 3]), 0.5).sample([[4, 0]], 1.0, np.random.default_rng(0))
