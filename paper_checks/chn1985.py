"""Classical Hopfield network: Amit-Gutfreund-Sompolinsky (1985) and McEliece et al. (1987)."""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import brentq

import theory
from numerics import capacity, patterns, retrieval
from numerics.discrete import BinaryMemory
from numerics.plots import capacity_curve, phase_diagram
from theory import capacity as th

from .claim import Result, claim
from .tolerance import AllOf, Between, Within


def _mem(X):
    return BinaryMemory(theory.builtin("classical_hopfield"), X)


@claim(
    id="CHN-0", role="identity", paper="Amit, Gutfreund, Sompolinsky 1985", source="zero-temperature retrieval equation", kind="numeric",
    statement="The maximum of the AGS load curve alpha(y) = (erf(y)/y - 2 exp(-y^2)/sqrt(pi))^2/2 is alpha_c = 0.138, with retrieval overlap m = 0.967 there.",
    expected={"alpha_c": 0.138, "m": 0.967}, tolerance=AllOf(Within(0.138, "alpha_c", abs=5e-4, key="alpha_c"), Within(0.967, "m", abs=5e-4, key="m")), tolerance_reason="the quoted values have 3 digits",
)
def chn_0(p, seed):
    a, m = capacity.ags_critical_load()
    return Result({"alpha_c": a, "m": m}, checked={"alpha_c": a, "m": m})


@claim(
    id="CHN-1", paper="Amit, Gutfreund, Sompolinsky 1985", source="alpha_c ~ 0.138", kind="simulation",
    statement="Started at a pattern, zero-temperature asynchronous dynamics keep the overlap near 1 below alpha_c ~ 0.138 and collapse above; the finite-size half-drop lies in [0.13, 0.17].",
    expected=0.138, tolerance=Between(0.13, 0.17, "half-drop alpha (mean overlap crosses 0.75)"), tolerance_reason="the catalogue's finite-size band for N = 1000-4000",
    quick={"N": 1000, "alphas": [0.11, 0.13, 0.14, 0.15, 0.16, 0.17, 0.19, 0.21], "seeds": [0, 1, 2, 3]},
    paper_scale={"N": 4000, "seeds": list(range(10))},
)
def chn_1(p, seed):
    N = p["N"]
    means = []
    for a in p["alphas"]:
        ov = []
        for s in p["seeds"]:
            X = patterns.binary(int(round(a * N)), N, seed=1000 * s + int(a * 1e4))
            out, _ = _mem(X).run(X[:1], seed=s, max_sweeps=30)
            ov.append(float(retrieval.overlap(out, X[:1])[0]))
        means.append(float(np.mean(ov)))
    half = None
    for (a0, m0), (a1, m1) in zip(zip(p["alphas"], means), zip(p["alphas"][1:], means[1:])):
        if m0 >= 0.75 > m1:
            half = a0 + (m0 - 0.75) / (m0 - m1) * (a1 - a0)
            break
    a_c, _ = capacity.ags_critical_load()
    fig = phase_diagram(p["alphas"], {f"N={N}": means}, "load alpha = K/N", "final overlap m", logx=False)
    fig.axes[0].axvline(a_c, color="k", ls="--", label=f"AGS alpha_c = {a_c:.4f}")
    fig.axes[0].legend(fontsize=8)
    return Result({"half_drop_alpha": half, "overlap": dict(zip(map(str, p["alphas"]), means)), "AGS_alpha_c": a_c}, figure=fig,
                  checked=float("nan") if half is None else half)  # no crossing in the scan: NaN, which fails


@claim(
    id="CHN-2", paper="McEliece et al. 1987", source="m <~ n/(2 log n)", kind="simulation",
    statement="The number of patterns at which half of the stored patterns are exact fixed points agrees with the finite-N Gaussian prediction (1 - P_error)^N = 1/2 (McEliece's N/(2 ln N) is the asymptote of N P_error = 1).",
    expected="K at which (1 - P_error(N, K))^N = 1/2", tolerance=Within(1.0, "measured K_half / the Gaussian-tail K_half", rel=0.2), tolerance_reason="the catalogue's 10-20% band (log-log corrections)",
    expected_source="derived from the model: theory.capacity_law(builtin('classical_hopfield')).p_error and .k_max_asymptotic",
    quick={"N": 500, "Ks": [30, 40, 50, 60, 70, 80, 100], "seeds": [0, 1, 2]}, paper_scale={"N": 2000, "Ks": [100, 130, 160, 190, 220, 260], "seeds": list(range(6))},
)
def chn_2(p, seed):
    N = p["N"]
    frac = []
    for K in p["Ks"]:
        f = [float(np.mean(_mem(X).is_fixed(X))) for X in (patterns.binary(K, N, seed=100 * s + K) for s in p["seeds"])]
        frac.append(float(np.mean(f)))
    Kmeas = None
    for (k0, f0), (k1, f1) in zip(zip(p["Ks"], frac), zip(p["Ks"][1:], frac[1:])):
        if f0 >= 0.5 > f1:
            Kmeas = k0 + (f0 - 0.5) / (f0 - f1) * (k1 - k0)
            break
    law = theory.capacity_law(theory.builtin("classical_hopfield"))
    g = sp.lambdify((th.N, th.K), (1 - law.p_error) ** th.N, "mpmath")  # every bit of one pattern stable
    Kpred = brentq(lambda K: float(g(N, K)) - 0.5, 2, N)
    mc = capacity.theory_value(law.k_max_asymptotic, N=N)
    pred_curve = [float(g(N, K)) for K in p["Ks"]]
    fig = capacity_curve(p["Ks"], {"fraction stable": frac}, {"(1 - P_error)^N, derived": pred_curve}, xlabel="stored patterns K", ylabel="fraction of patterns exactly stable", log=False)
    return Result({"K_half_measured": Kmeas, "K_half_gaussian": Kpred, "N/(2 ln N)": mc}, figure=fig,
                  checked=float("nan") if Kmeas is None else Kmeas / Kpred)
