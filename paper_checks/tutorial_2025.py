"""Krotov, Hoover, Ram, Pham (2025), "Modern Methods in Associative Memory" (tutorial, HAMUX, diffusion)."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

import numerics as nm
import theory
from numerics.integrate import simulate
from numerics.plots import energy_trace
from theory import diffusion as df

from .claim import Result, claim

PAPER = "Krotov, Hoover, Ram, Pham 2025"


@claim(
    id="TUT-2", paper=PAPER, source="HAMUX neuron layers and hypersynapses (Ch. 3)", kind="simulation",
    statement="A random three-layer HAMUX-style model (sigmoid, tanh, softmax layers; dense synapses) has dE/dt = -sum tau xdot^T H xdot and its energy never rises along the dynamics.",
    expected={"identity": True, "max_increase": 0.0}, tolerance="identity exact at N = 2; max relative increase <= 1e-10", tolerance_reason="RK45 at rtol 1e-9",
    quick={"sizes": [12, 8, 5], "batch": 4, "t_max": 20.0},
)
def tut_2(p, seed):
    m = theory.builtin("hamux3")
    rc = m.check_energy_rate(sizes=(2,))
    k = nm.compile(m)
    rng = np.random.default_rng(seed)
    nv, n1, n2 = p["sizes"]
    args = {"W1": rng.standard_normal((n1, nv)), "W2": rng.standard_normal((n2, n1))}
    init = {"v": rng.standard_normal((p["batch"], nv)), "h1": rng.standard_normal((p["batch"], n1)), "h2": rng.standard_normal((p["batch"], n2))}
    tr = simulate(k, init, args, p["t_max"], method="adaptive")
    fig = energy_trace(tr.t, tr.energy, "three-layer HAMUX-style model")
    return Result({"identity": rc.holds, "max_increase": tr.max_energy_increase}, rc.holds and tr.max_energy_increase <= 1e-10, figure=fig)


@claim(
    id="TUT-4", paper=PAPER, source="Ch. 4, diffusion as memory (circle example)", kind="numeric",
    statement="For memories uniform on the unit circle, E(R) = R^2 + 1 - log I0(2 beta R)/beta equals the angular log-sum-exp integral and tends to (R - 1)^2 as beta grows.",
    expected={"quadrature_vs_closed": "< 1e-12", "limit": "E - (R-1)^2 = O(log beta / beta)"},
    tolerance="relative 1e-12; |E - (R-1)^2| <= 2 log(beta)/beta at R in [0.5, 1.5]", tolerance_reason="30-digit quadrature; the Laplace-method correction is (1/2) log(4 pi beta R)/beta",
    quick={"betas": [1, 10, 100, 1000], "R": [0.5, 0.9, 1.0, 1.3, 1.5]},
)
def tut_4(p, seed):
    integ = df.circle_energy_integral()
    closed = sp.lambdify((df.R, df.beta), df.circle_energy_closed(), "mpmath")
    lim = sp.lambdify(df.R, df.circle_energy_limit(), "mpmath")
    body = integ.atoms(sp.Integral).pop().function
    f = sp.lambdify((df.phi, df.R, df.beta), body, "mpmath")
    worst_q, worst_l = 0.0, 0.0
    with mpmath.workdps(40):
        for b in p["betas"]:
            for r in p["R"]:
                # the integrand peaks at phi = 0 with width 1/sqrt(beta R): split the range there
                w = 1 / mpmath.sqrt(2 * b * r)
                pts = sorted({mpmath.mpf(0), *[min(mpmath.pi, c * w) for c in (0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 32)], mpmath.pi})
                q = -mpmath.log(2 * mpmath.quad(lambda t, r=r, b=b: f(t, r, b), pts, maxdegree=10) / (2 * mpmath.pi)) / b  # integrand is even in phi
                c = closed(r, b)
                worst_q = max(worst_q, float(abs(q - c) / max(abs(c), 1e-30)))
                if b >= 10:
                    worst_l = max(worst_l, float(abs(c - lim(r)) / (2 * mpmath.log(b) / b)))
    return Result({"quadrature_vs_closed": worst_q, "limit_ratio_to_2logb_over_b": worst_l}, worst_q < 1e-12 and worst_l <= 1.0)
