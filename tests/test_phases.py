"""numerics.phase_grid against the exact transitions of theory.mean_field (mpmath) and the Curie-Weiss closed form."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from numerics.phases import phase_grid
from theory.mean_field import MeanField, m

K, C = sp.symbols("K C", positive=True)
KURAMOTO = MeanField(K * m**2 / 2 + C * m**4 / 4, "phase")


def test_quartic_oscillators_phase_boundaries_match_the_exact_transitions():
    """Along C = 2 (beyond the tricritical point C = T): disordered, then memories metastable from the saddle-node,
    global from the Maxwell point, and the disordered state unstable from K = 2T: each boundary within one grid step
    of the value transitions() finds at 30 digits."""
    grid = phase_grid(KURAMOTO, ("K", 1.5, 2.5, 201), ("C", 1.9, 2.1, 3), T=1.0)
    row, xs, step = grid.phase[1], grid.x, grid.x[1] - grid.x[0]
    changes = [(xs[j], int(row[j - 1]), int(row[j])) for j in range(1, len(xs)) if row[j] != row[j - 1]]
    assert [(a, b) for _, a, b in changes] == [(0, 3), (3, 2), (2, 1)]
    exact = KURAMOTO.transitions(K, T=1.0, C=2.0)
    for (x, _, _), want in zip(changes, (exact["spinodal"][0]["value"], exact["coexistence"][0]["value"], exact["continuous"])):
        assert want <= x < want + step + 1e-12, (x, want)


def test_below_the_tricritical_point_the_onset_is_continuous_and_curie_weiss_orders_below_one():
    grid = phase_grid(KURAMOTO, ("K", 1.5, 2.5, 101), ("C", 0.0, 0.5, 3), T=1.0)
    assert not np.isin(grid.phase, (2, 3)).any()  # no bistability: continuous onset
    assert (grid.phase[:, grid.x < 2.0 - 1e-9] == 0).all() and (grid.phase[:, grid.x > 2.0 + 1e-9] == 1).all()
    J = sp.Symbol("J", positive=True)
    cw = phase_grid(MeanField(J * m**2 / 2, "ising"), ("T", 0.5, 1.5, 101), ("J", 0.9, 1.1, 3))
    Tc = cw.y[:, None]  # T_c = J
    assert ((cw.phase == 1) == (cw.x[None, :] < Tc)).all()
    some = np.flatnonzero(cw.x < 1)[::10]  # a few temperatures against the mpmath branch
    assert np.allclose(cw.m[1, some], [max(r["m"] for r in MeanField(m**2 / 2).stationary(T=t) if r["stable"]) for t in cw.x[some]], atol=1e-8)


def test_the_figure_marks_the_derived_lines(tmp_path):
    import matplotlib.pyplot as plt

    fig = phase_grid(KURAMOTO, ("K", 1.0, 3.0, 21), ("C", 0.0, 3.0, 21), T=1.0).figure()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "continuous transition (derived)" in labels and "tricritical point (derived)" in labels
    plt.close(fig)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"x": ("Q", 1, 2, 10), "y": ("C", 0, 1, 10), "T": 1.0}, "`x`"),
        ({"x": ("K", 2, 1, 10), "y": ("C", 0, 1, 10), "T": 1.0}, "lo < hi"),
        ({"x": ("K", 1, 2, 10), "y": ("C", 0, 1, 10)}, "Missing value"),
        ({"x": ("K", 1, 2, 10), "y": ("K", 0, 1, 10), "T": 1.0, "C": 1.0}, "different"),
        ({"x": ("T", -1, 2, 10), "y": ("C", 0, 1, 10), "K": 1.0}, "temperature"),
    ],
)
def test_bad_grids_are_one_clear_error(kw, match):
    with pytest.raises(ValueError, match=match):
        phase_grid(KURAMOTO, **kw)
