"""Exponential and high-power memories at large N: energy differences in a shifted domain, never -inf."""

import numpy as np
import pytest
import sympy as sp

from numerics import BinaryMemory, patterns, retrieval
from theory import builtin, from_dict, variant_spec
from theory.lagrangians import T, growth


def test_growth_laws_are_derived():
    n = sp.Symbol("n", integer=True, positive=True)
    assert growth(sp.exp(T)) == ("exponential", 1)
    assert growth(sp.exp(3 * T) / 2) == ("exponential", 3)
    assert growth(T**n / n) == ("power", n)
    assert growth(T**2 / 2) == ("power", 2)
    assert growth(sp.log(sp.cosh(T))) is None
    assert growth(T**3 / 3 + T**5 / 50) is None


def test_dam_exp_stores_and_recalls_at_n_10000():
    """Regression: at N > 709, e^m overflowed, energies were -inf and no stored pattern was 'fixed'."""
    X = patterns.binary(8, 10_000, 0)
    bm = BinaryMemory(builtin("dam_exp"), X)
    assert bm.is_fixed(X).all()
    cue = retrieval.flip(X[:3], 0.3, 1)
    out, _ = bm.run(cue, 0, mode="sync")
    assert (out == X[:3]).all()
    with pytest.raises(FloatingPointError, match="beyond float64"):
        bm.energy(X[:1])
    with pytest.raises(FloatingPointError, match="beyond float64"):
        bm.delta_energy(X[:1])


def test_shifted_energy_differences_match_exact_ones_where_both_exist():
    """At N = 800 (e^m beyond float64) the shifted energy differences have the signs of the exact sums (mpmath)."""
    X = patterns.binary(5, 800, 2)
    bm = BinaryMemory(builtin("dam_exp"), X)
    s = retrieval.flip(X[:2], 0.2, 3)
    d, _ = bm._delta_signs(s)
    m = s @ X.T  # overlaps, exact integers
    i = 7
    import mpmath

    for b in range(2):
        mt = m[b] - s[b, i] * X[:, i]
        exact = -mpmath.fsum(mpmath.exp(int(v)) for v in mt - s[b, i] * X[:, i]) + mpmath.fsum(mpmath.exp(int(v)) for v in mt + s[b, i] * X[:, i])
        assert np.sign(d[b, i]) == np.sign(float(mpmath.sign(exact)))


def test_power_model_with_large_n():
    spec = variant_spec("dam_power", "dam_power_100", parameters={"n": {"value": 100, "assumptions": ["integer", "positive"]}})
    model = from_dict(spec)
    X = patterns.binary(40, 1000, 4)
    bm = BinaryMemory(model, X)
    assert bm._growth == ("power", 100.0)
    assert bm.is_fixed(X).all()
    cue = retrieval.flip(X[:2], 0.2, 5)
    out, _ = bm.run(cue, 0, mode="sync")
    assert (out == X[:2]).all()
