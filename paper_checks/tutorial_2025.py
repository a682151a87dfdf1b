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
    id="TUT-4", role="identity", paper=PAPER, source="Ch. 4, diffusion as memory (circle example)", kind="numeric",
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


@claim(
    id="TUT-3", role="identity", paper=PAPER + "; Hoover et al. 2023 (Energy Transformer)", source="Ch. 3, Energy Transformer energy", kind="numeric",
    statement="The Energy Transformer energy E = E_ATT + E_HN has the gradient derived by the workbench (checked by finite differences), "
    "-dE_HN/dg_B = xi^T ReLU(xi g_B) is the tied-weight MLP, and gradient descent on the tokens lowers E monotonically.",
    expected={"fd_rel_error": "< 1e-6", "mlp_identity": True, "monotone": True}, tolerance="relative FD error < 1e-6; exact identity; no energy increase",
    tolerance_reason="central differences with step 1e-6 in float64; the catalogue's band",
    quick={"tokens": 8, "D": 16, "heads": 2, "Y": 4, "K": 10, "beta": 0.5, "steps": 30, "lr": 0.01},
)
def tut_3(p, seed):
    from theory.energies import et_attention_energy, et_hopfield_energy
    from theory.vector import MatTVec, MatVec, Vector, Weight, relu, size_symbol

    Dm, Ym, Km = size_symbol("D"), size_symbol("Y"), size_symbol("K")
    toks = [Vector(f"g{b}", Dm) for b in range(p["tokens"])]
    WK = [Weight(f"WK{h}", Ym, Dm) for h in range(p["heads"])]
    WQ = [Weight(f"WQ{h}", Ym, Dm) for h in range(p["heads"])]
    Xi = Weight("xi", Km, Dm)
    beta = sp.Symbol("beta", positive=True)
    E_att, E_hn = et_attention_energy(toks, WK, WQ, beta), et_hopfield_energy(toks, Xi)
    E = E_att + E_hn
    grads = [theory.grad(E, g) for g in toks]
    from theory import concrete

    # -dE_HN/dg_B - xi^T ReLU(xi g_B) must vanish: checked exactly at concrete sizes and rational points
    sizes = {Dm: 3, Km: 4}
    qrng = np.random.default_rng(seed + 1)
    mlp_ok = True
    for g in toks[:2]:
        diff = concrete.expand(theory.grad(E_hn, g) + MatTVec(Xi, relu(MatVec(Xi, g))), sizes)
        for _ in range(3):
            pt = {s_: sp.Rational(int(qrng.integers(-9, 10)), 7) for s_ in set().union(*[d.free_symbols for d in diff])}
            mlp_ok = mlp_ok and all(sp.N(d.xreplace(pt).rewrite(sp.Max), 30) == 0 for d in diff)
    kE = nm.compile(E)
    kG = nm.compile(grads)
    rng = np.random.default_rng(seed)
    vals = {f"WK{h}": rng.standard_normal((p["Y"], p["D"])) / 4 for h in range(p["heads"])}
    vals |= {f"WQ{h}": rng.standard_normal((p["Y"], p["D"])) / 4 for h in range(p["heads"])}
    vals["xi"] = rng.standard_normal((p["K"], p["D"])) / 4
    x = {f"g{b}": rng.standard_normal(p["D"]) for b in range(p["tokens"])}
    G = kG(**x, **vals, beta=p["beta"])
    h = 1e-6
    worst = 0.0
    for b in range(p["tokens"]):
        fd = np.zeros(p["D"])
        for i in range(p["D"]):
            e = np.zeros(p["D"])
            e[i] = h
            fd[i] = (kE(**{**x, f"g{b}": x[f"g{b}"] + e}, **vals, beta=p["beta"]) - kE(**{**x, f"g{b}": x[f"g{b}"] - e}, **vals, beta=p["beta"])) / (2 * h)
        worst = max(worst, float(np.abs(G[b] - fd).max() / max(np.abs(fd).max(), 1e-12)))
    Es = [float(kE(**x, **vals, beta=p["beta"]))]
    for _ in range(p["steps"]):
        G = kG(**x, **vals, beta=p["beta"])
        x = {f"g{b}": x[f"g{b}"] - p["lr"] * G[b] for b in range(p["tokens"])}
        Es.append(float(kE(**x, **vals, beta=p["beta"])))
    mono = bool(np.all(np.diff(Es) <= 1e-12))
    return Result({"fd_rel_error": worst, "mlp_identity": bool(mlp_ok), "monotone": mono, "energy_first_last": [Es[0], Es[-1]]}, worst < 1e-6 and mlp_ok and mono)
