"""Marchenko-Pastur law for J = xi xi^T / N_v (standard random-matrix facts used by the threshold model)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from numerics import spectra
from numerics.plots import spectrum
from theory.literature import mp1967 as th

from .claim import Result, claim
from .tolerance import AllOf, AtMost, Within

PAPER = "Marchenko & Pastur 1967"


@claim(
    id="MP-1", paper=PAPER, source="MP law, lambda = N_h/N_v", kind="simulation",
    statement="The spectrum of J follows Marchenko-Pastur: edges (1 -+ sqrt(lambda))^2, KS distance < 0.05, ||J - I|| -> 2 sqrt(lambda) + lambda.",
    expected={"ks": "< 0.05", "edges": "(1 -+ sqrt(lambda))^2"}, tolerance=AllOf(AtMost(1.0, "|edge - MP edge| / (3 N_h^(-2/3)), both edges", key="edges"), AtMost(0.05, "KS distance", key="ks"),
                    Within(1.0, "||J - I|| / its prediction", rel=0.05, key="norm")),
    tolerance_reason="Tracy-Widom edge fluctuations scale as N^(-2/3); the catalogue's KS band",
    quick={"N_h": 400, "N_v": 4000}, paper_scale={"N_h": 1000, "N_v": 10000},
)
def mp_1(p, seed):
    nh, nv = p["N_h"], p["N_v"]
    lam = nh / nv
    J = spectra.coupling(np.random.default_rng(seed).standard_normal((nh, nv)))
    ev = np.linalg.eigvalsh(J)
    lo, hi = spectra.mp_edges(lam)
    ks = spectra.ks_distance(ev, lam)
    dev = spectra.operator_deviation(J)["norm"]
    pred = spectra.predicted_operator_deviation(lam)
    tw = 3 * nh ** (-2 / 3)
    checked = {"edges": [abs(ev.min() - lo) / tw, abs(ev.max() - hi) / tw], "ks": ks, "norm": dev / pred}
    return Result({"edges": [float(ev.min()), float(ev.max())], "mp_edges": [lo, hi], "ks": ks, "norm_J_minus_I": dev, "predicted": pred},
                  figure=spectrum(ev, lam), checked=checked)


@claim(
    id="MP-2", paper=PAPER + "; Shafiei Kafraj et al. 2026", source="J -> I as N_v/N_h -> infinity", kind="simulation",
    statement="J -> I as N_v/N_h grows: ||J - I||_op follows 2 sqrt(lambda) + lambda, while the worst row L1 norm of J - I (which controls all-state stability) is ~ (N_h - 1) sqrt(2/pi) / sqrt(N_v), larger by ~ sqrt(N_h).",
    expected="both within 10% of their formulas", tolerance=Within(1.0, "measured / formula, both norms at every N_v", rel=0.1), tolerance_reason="finite-N fluctuations at N_h = 100",
    quick={"N_h": 100, "N_v": [1000, 10000, 100000]},
)
def mp_2(p, seed):
    rng = np.random.default_rng(seed)
    Nh_s, Nv_s = sp.symbols("N_h N_v", positive=True)
    row = sp.lambdify((Nh_s, Nv_s), th.row_l1_offdiag(), "numpy")
    out, ratios = {}, []
    for nv in p["N_v"]:
        J = spectra.coupling(rng.standard_normal((p["N_h"], nv)))
        op = spectra.operator_deviation(J)["norm"]
        pred = spectra.predicted_operator_deviation(p["N_h"] / nv)
        off = np.abs(J - np.diag(np.diag(J))).sum(1)
        out[str(nv)] = {"op": op, "op_pred": pred, "row_l1_mean": float(off.mean()), "row_l1_pred": float(row(p["N_h"], nv)), "row_l1_max": float(off.max())}
        ratios += [op / pred, float(off.mean() / row(p["N_h"], nv))]
    return Result(out, checked=ratios)


@claim(
    id="MP-3", role="identity", paper=PAPER, source="MP density", kind="numeric",
    statement="The MP density integrates to 1 with mean 1 and variance lambda (mpmath quadrature of the symbolic density in the angle variable).",
    expected={"mass": 1, "mean": 1, "variance": "lambda"}, tolerance=AtMost(1e-20, "|mass - 1|, |mean - 1|, |variance - lambda| at lambda = 0.1, 0.5, 0.9"), tolerance_reason="30-digit quadrature of a smooth integrand",
)
def mp_3(p, seed):
    import mpmath

    f = sp.lambdify((th.t, th.lam), th.density_on_circle(), "mpmath")
    x = sp.lambdify((th.t, th.lam), 1 + th.lam + 2 * sp.sqrt(th.lam) * sp.cos(th.t), "mpmath")
    out, devs = {}, []
    with mpmath.workdps(30):
        for lam in (0.1, 0.5, 0.9):
            m0 = mpmath.quad(lambda t, lam=lam: f(t, lam), [0, mpmath.pi])
            m1 = mpmath.quad(lambda t, lam=lam: x(t, lam) * f(t, lam), [0, mpmath.pi])
            m2 = mpmath.quad(lambda t, lam=lam: x(t, lam) ** 2 * f(t, lam), [0, mpmath.pi])
            out[str(lam)] = {"mass": float(m0), "mean": float(m1), "variance": float(m2 - m1**2)}
            devs += [float(abs(m0 - 1)), float(abs(m1 - 1)), float(abs(m2 - m1**2 - lam))]
    return Result(out, checked=devs)
