"""Krotov & Hopfield (2016), "Dense Associative Memory for Pattern Recognition", NeurIPS."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

import numerics as nm
import theory
from numerics import capacity, patterns
from numerics.discrete import BinaryMemory
from theory import moments

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Holds, Within, WithinFactor

PAPER = "Krotov & Hopfield 2016"


def _dam(X, n):
    return BinaryMemory(theory.builtin("dam_power"), X, params={"n": n})



def _capacity_rule(*extra):
    """The capacity claims' rule: the log-log slope within +-0.3 of the law's over the same N, every median K_max within
    a factor 2 of the law's k_max, and no measurement censored (the scan reached its cap)."""
    return AllOf(Within(0.0, "measured log-log slope - the law's", abs=0.3, key="slope"),
                 WithinFactor(2.0, "every median K_max / the law's k_max", key="ratios"),
                 Holds("no K_max censored (k_cap reached)", key="uncensored"), *extra)


def _capacity_values(chk, fit, fit_pred, **extra) -> dict:
    return {"slope": fit["slope"] - fit_pred["slope"], "ratios": [pt.ratio for pt in chk.points],
            "uncensored": [not pt.censored for pt in chk.points], **extra}

def _law(n):
    """The capacity law of the built-in dam_power at degree n, derived by theory (nothing typed in)."""
    return theory.capacity_law(theory.builtin("dam_power"), params={"n": n})


@claim(
    id="KH16-2", role="identity", paper=PAPER, source="Sec. 2 (signal and noise)", kind="numeric",
    statement="The noise variance uses E[(sum of N-1 random signs)^(2(n-1))] ~ (2n-3)!! N^(n-1); the exact moment approaches it with O(1/N) corrections.",
    expected=1.0, tolerance=AllOf(AtMost(1.0, "|ratio - 1| / (3 (n-1)^2 / N), at every N", key="scaled_deviation"),
                                  Holds("|ratio - 1| decreasing in N", key="decreasing"),
                                  Holds("the derived moment equals the binomial sum to 1e-25", key="agree")),
    tolerance_reason="the first correction of the Gaussian moment is O(k^2/N); the two exact routes agree to working precision",
    quick={"n": 3, "N": [100, 1000, 10000]}, paper_scale={"N": [100, 1000, 10000, 100000]},
    expected_source="derived from the model: theory.moments.rademacher_moment (cumulants of log cosh) against gaussian_abs_moment",
)
def kh16_2(p, seed):
    n = p["n"]
    k = 2 * (n - 1)
    msym = sp.Symbol("m", positive=True)
    exact_poly = moments.rademacher_moment(msym, k)  # closed polynomial in m, from the cumulants of one sign
    gauss = moments.gaussian_abs_moment(k)  # (k-1)!!
    ratios, agree = {}, True
    for N in p["N"]:
        m = N - 1
        exact = exact_poly.xreplace({msym: m})
        with mpmath.workdps(60):  # independent route: the binomial sum itself
            binom = mpmath.fsum(mpmath.binomial(m, j) * mpmath.mpf(2 * j - m) ** k for j in range(m + 1)) / mpmath.mpf(2) ** m
            agree = agree and abs(binom - mpmath.mpf(int(exact))) <= mpmath.mpf(10) ** -25 * abs(binom)
        ratios[N] = float(sp.Rational(exact) / (gauss * sp.Integer(N) ** (k // 2)))
    devs = [abs(ratios[N] - 1) for N in p["N"]]
    checked = {"scaled_deviation": [abs(r - 1) / (3 * (n - 1) ** 2 / N) for N, r in ratios.items()],
               "decreasing": [a > b for a, b in zip(devs, devs[1:])], "agree": bool(agree)}
    return Result(ratios, detail=f"E[S^{k}] = {exact_poly} (m = N - 1); derived equals binomial sum: {agree}", checked=checked)


@claim(
    id="KH16-3", paper=PAPER, source="Sec. 2, P_error", kind="simulation",
    statement="The bit-error probability at a stored pattern is the Gaussian tail of signal/noise "
    "(KH16's P_error ~ sqrt((2n-3)!!/(2 pi) K/N^(n-1)) exp(-N^(n-1)/(2K(2n-3)!!)) is its leading order).",
    expected="p_error of the derived capacity law", tolerance=Within(1.0, "simulated / derived P_error, every configuration", rel=0.3), tolerance_reason="the catalogue's tolerance: Gaussian-tail approximation at finite N",
    quick={"configs": [[100, 3, 600], [60, 4, 2000]], "trials": 150}, paper_scale={"configs": [[100, 3, 600], [200, 3, 1500], [60, 4, 2000]], "trials": 400},
    expected_source="derived from the model: theory.capacity_law(builtin('dam_power'), params={'n': n}).p_error",
)
def kh16_3(p, seed):
    out, ratios = {}, []
    for N, n, K in p["configs"]:
        errs = 0
        for t in range(p["trials"]):
            X = patterns.binary(K, N, seed=seed * 100003 + t)
            errs += int((_dam(X, n).delta_energy(X[:1]) < 0).sum())
        sim = errs / (p["trials"] * N)
        law = _law(n)
        pred = capacity.theory_value(law.p_error, N=N, K=K)
        lead = capacity.theory_value(law.p_error_asymptotic, N=N, K=K)
        out[f"N={N},n={n},K={K}"] = {"simulated": sim, "derived": pred, "leading order (KH16 formula)": lead}
        ratios.append(sim / pred)
    return Result(out, checked=ratios)


@claim(
    id="KH16-4", paper=PAPER, source="Sec. 2, capacity", kind="simulation",
    statement="Perfect-recall capacity (P_error < 1/N, i.e. at most one unstable bit per pattern on average) follows "
    "K_max ~ N^(n-1) / (2 (2n-3)!! ln N): its log-log slope and its size.",
    expected="k_max of the derived capacity law over the same N (its leading order N^(n-1)/(2(2n-3)!! ln N))",
    tolerance=_capacity_rule(),
    tolerance_reason="the catalogue's +-0.3 slope band; O(1) prefactor agreement expected at these N",
    quick={"n": 3, "N": [24, 48, 96], "seeds": [0, 1, 2]}, paper_scale={"N": [32, 64, 128, 256], "seeds": list(range(8))},
    expected_source="derived from the model: theory.capacity_law(builtin('dam_power'), params={'n': n}).k_max",
)
def kh16_4(p, seed):
    n = p["n"]
    law = _law(n)
    chk = capacity.check(law, p["N"], seeds=[10_000 * seed + s for s in p["seeds"]], probes=64, progress=False)
    caps = [pt.K_sim for pt in chk.points]
    pred = [pt.K_pred for pt in chk.points]
    lead = [capacity.theory_value(law.k_max_asymptotic, N=N) for N in p["N"]]
    fit = capacity.fit_power_law(p["N"], caps)
    fit_pred = capacity.fit_power_law(p["N"], pred)
    ratios = [c / q for c, q in zip(caps, pred)]
    fig = chk.figure()
    fig.axes[0].plot(p["N"], lead, "--", label=f"leading order ${sp.latex(law.k_max_asymptotic)}$ (n = {n})")
    fig.axes[0].legend(fontsize=7)
    detail = (f"measured slope {fit['slope']:.3f} (asymptotic exponent {law.scaling.exponent}); law's slope over these N {fit_pred['slope']:.3f}; "
              f"K/law = {[round(r, 3) for r in ratios]}")
    return Result({"K_max": dict(zip(map(str, p["N"]), caps)), "slope": fit["slope"], "law_slope": fit_pred["slope"], "law": dict(zip(map(str, p["N"]), pred)),
                   "leading_order": dict(zip(map(str, p["N"]), lead))}, detail=detail, figure=fig, checked=_capacity_values(chk, fit, fit_pred))


@claim(
    id="KH16-5", role="identity", paper=PAPER, source="Sec. 3 (XOR)", kind="symbolic",
    statement="With the 4 XOR truth-table memories, the Dense-AM energy on the cube is C_n x y z for odd n >= 3 (so z = Sign[-xy] solves XOR), and not of that form for n = 1, 2.",
    expected={"1": False, "2": False, "3": True, "5": True, "7": True}, tolerance=Holds("every degree's verdict as expected (exact symbolic)"), tolerance_reason="finite polynomial identities on {-1,1}^3",
)
def kh16_5(p, seed):
    m = theory.builtin("dam_power").integrate_out("h").model
    from theory import concrete

    sizes = {sp.Symbol("N_v", integer=True, positive=True): 3, sp.Symbol("N_h", integer=True, positive=True): 4}
    E = concrete.expand(m.energy, sizes)
    xor = [(-1, -1, -1), (-1, 1, 1), (1, -1, 1), (1, 1, -1)]  # z = XOR(x, y) in +-1 coding: z = -x*y
    subs = {sp.Symbol(f"xi_{mu}_{i}", real=True): xor[mu][i] for mu in range(4) for i in range(3)}
    v = [sp.Symbol(f"v_{i}", real=True) for i in range(3)]
    out = {}
    for n in (1, 2, 3, 5, 7):
        En = E.xreplace(subs).xreplace({sp.Symbol("n", integer=True, positive=True): n})
        vals = {c: sp.simplify(En.xreplace(dict(zip(v, c)))) for c in [(a, b, c) for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)]}
        C = vals[(1, 1, 1)]
        prod_form = C != 0 and all(sp.simplify(vals[c] - C * c[0] * c[1] * c[2]) == 0 for c in vals)
        solves = all(min((-1, 1), key=lambda z: vals[(x, y, z)]) == -x * y and vals[(x, y, 1)] != vals[(x, y, -1)] for x in (-1, 1) for y in (-1, 1))
        out[str(n)] = bool(prod_form and solves)
    return Result(out, checked=out == {"1": False, "2": False, "3": True, "5": True, "7": True})


@claim(
    id="KH16-1", role="identity", paper=PAPER, source="Sec. 2, Eq. 3-4", kind="numeric",
    statement="The energy-difference update differs from the induced-field rule by self-coupling terms: for F = x^2/2 it is exactly the zero-diagonal Hebbian rule, and the two rules disagree on some decisions.",
    expected={"n2_matches_zero_diagonal": True, "disagreements": "> 0"},
    tolerance=AllOf(Holds("at n = 2 every decision equals the zero-diagonal rule's", key="match"), AtLeast(1, "disagreements at n > 2", key="disagreements")), tolerance_reason="integer-valued decisions",
    quick={"N": 40, "K": 30, "states": 200},
)
def kh16_1(p, seed):
    N, K = p["N"], p["K"]
    X = patterns.binary(K, N, seed=seed)
    S = patterns.binary(p["states"], N, seed=seed + 1)
    hop = BinaryMemory(theory.builtin("classical_hopfield"), X)
    ed = np.sign(hop.delta_energy(S) * S)  # preferred sign of each bit: keep s_i if flipping raises E, else -s_i
    from theory.literature.chn1985 import hebbian_field_zero_diagonal
    from theory.vector import Vector, Weight, size_symbol

    h0 = nm.compile(hebbian_field_zero_diagonal(Vector("sigma", size_symbol("N")), Weight("xi", size_symbol("K"), size_symbol("N"))))
    zero_diag = np.sign(h0(sigma=S, xi=X))
    mask = zero_diag != 0
    match = bool(np.array_equal(ed[mask], zero_diag[mask]))
    ind = np.sign(hop.field(S))
    disagree = int(((ind != ed) & (ind != 0) & (ed != 0)).sum())
    return Result({"n2_matches_zero_diagonal": match, "disagreements": disagree, "decisions": int(S.size)}, checked={"match": bool(match), "disagreements": disagree})


def _user_model(expr: str, name: str):
    """A user's two-layer spec: sign neurons, a memory layer with Lagrangian ``sum F(h)`` given as a string."""
    return theory.from_dict({
        "name": name,
        "layers": [{"name": "v", "size": "N_v", "lagrangian": "absolute", "activation": "sigma"},
                   {"name": "h", "size": "N_h", "lagrangian": {"expr": expr}, "activation": "f"}],
        "synapses": [{"kind": "dense", "post": "h", "pre": "v", "weight": "xi"}],
    })


def _law_check(p, seed, name):
    law = theory.capacity_law(_user_model(p["F"], name))
    chk = capacity.check(law, p["N"], seeds=[1000 * seed + s for s in range(p["seeds"])], probes=p["probes"], progress=False)
    fit = capacity.fit_power_law(p["N"], [pt.K_sim for pt in chk.points])
    fit_pred = capacity.fit_power_law(p["N"], [pt.K_pred for pt in chk.points])
    measured = {
        "points": [{k: v for k, v in pt.to_dict().items() if k != "per_seed"} for pt in chk.points],
        "ratio_sim_over_pred": [round(pt.ratio, 3) for pt in chk.points],
        "slope": fit["slope"], "law_slope": fit_pred["slope"],
        "scaling": law.scaling.to_dict(), "k_max_asymptotic": str(law.k_max_asymptotic),
    }
    detail = (f"F(x) = {law.F}; signal {law.signal}; crosstalk variance {law.noise_variance}\n"
              f"approximation: {law.approximation}\nK_sim/K_pred = {measured['ratio_sim_over_pred']}; measured slope {fit['slope']:.3f}, law's {fit_pred['slope']:.3f}")
    return law, chk, fit, fit_pred, measured, detail


@claim(
    id="KH16-6", paper=PAPER, source="Sec. 2 (signal-to-noise capacity), applied to a new F", kind="simulation",
    statement="The signal-to-noise capacity law that the workbench derives for a user's F(x) = x^3/3 + x^5/50 (a spec string) "
    "predicts the measured K_max (<= 1 unstable bit per stored pattern) at each N, and its growth ~ N^4 / ln N.",
    expected="k_max of the derived capacity law at each N", tolerance=_capacity_rule(),
    tolerance_reason="the issue's factor-2 acceptance for a Gaussian-tail law at finite N; the slope band of KH16-4",
    quick={"F": "x**3/3 + x**5/50", "N": [32, 64, 128], "seeds": 5, "probes": 32},
    expected_source="derived from the model: theory.capacity_law(user spec).k_max",
)
def kh16_6(p, seed):
    law, chk, fit, fit_pred, measured, detail = _law_check(p, seed, "user_polynomial")
    return Result(measured, detail=detail, figure=chk.figure(), checked=_capacity_values(chk, fit, fit_pred))


@claim(
    id="KH16-7", paper=PAPER, source="Sec. 2 (signal-to-noise capacity), applied to F = log cosh", kind="simulation",
    statement="For F = log cosh (asymptotically |x|: a bounded activation) the derived law predicts a capacity that does not grow "
    "with N (exponent 0), and the measured K_max at each N is within a factor 2 of it.",
    expected="k_max of the derived capacity law at each N; scaling exponent 0", tolerance=_capacity_rule(Holds("the derived law is a power law of exponent 0", key="exponent")),
    tolerance_reason="the issue's factor-2 acceptance; K_max is O(1) here, so integer granularity alone is up to a factor 2 -- which also "
    "means a constant-factor error in the variance (x4) would still pass: what this check can catch is growth with N (exponent, slope)",
    quick={"F": "log(cosh(x))", "N": [32, 64, 128], "seeds": 5, "probes": 32},
    expected_source="derived from the model: theory.capacity_law(user spec).k_max and .scaling",
)
def kh16_7(p, seed):
    law, chk, fit, fit_pred, measured, detail = _law_check(p, seed, "user_logcosh")
    return Result(measured, detail=detail, figure=chk.figure(),
                  checked=_capacity_values(chk, fit, fit_pred, exponent=bool(law.scaling.kind == "power" and law.scaling.exponent == 0)))


@claim(
    id="KH16-8", paper=PAPER, source="Sec. 2 (K_max = alpha_n N^(n-1), 0.5% error threshold)", kind="simulation",
    statement="With the error threshold P_error = 0.5%, the capacity is K_max = alpha_n N^(n-1); for n = 2 the paper quotes K_max = 0.14 N.",
    expected=0.14, tolerance=Within(0.14, "measured alpha_2 (median of the seeds at the largest N)", abs=0.005),
    tolerance_reason="the paper's two significant digits",
    quick={"N2": [500, 1000, 2000], "N3": [60, 100], "seeds": 5, "probes": 32},
    paper_scale={"N2": [1000, 2000, 4000], "N3": [100, 200], "seeds": 8},
    known_discrepancy="the measured alpha_2 agrees with the Gaussian tail derived by capacity_law at a 0.5% threshold, not with 0.14, "
    "which is the retrieval capacity of Amit-Gutfreund-Sompolinsky (a different criterion: retrieval that tolerates a small fraction of wrong bits); "
    "the measured and derived values are in the detail",
)
def kh16_8(p, seed):
    p_err = sp.Rational(5, 1000)
    out, alphas = {}, {}
    for n, Ns in ((2, p["N2"]), (3, p["N3"])):
        law = _law(n)
        alpha_derived = capacity.theory_value(law.alpha(p_err))
        rows = []
        for N in Ns:
            ks = []
            for s in range(p["seeds"]):
                grid, _ = capacity.bit_errors(law, N, 1000 * seed + s, probes=p["probes"], stop=float(p_err) * N)
                ks.append(int(grid[-2]) if len(grid) > 1 else 0)
            med, lo, hi = capacity.median_interval(ks)
            finite = capacity.theory_value(law.k_fixed_error(p_err), N=N)
            rows.append({"N": N, "alpha_measured": med / N ** (n - 1), "interval": [lo / N ** (n - 1), hi / N ** (n - 1)],
                         "alpha_derived_at_N": finite / N ** (n - 1)})
        out[f"n={n}"] = {"alpha_derived_asymptotic": alpha_derived, "by_N": rows}
        alphas[n] = rows[-1]["alpha_measured"]
    detail = (f"measured alpha_2 = {alphas[2]:.4f} at N = {p['N2'][-1]} (derived Gaussian tail {out['n=2']['alpha_derived_asymptotic']:.4f}); "
              f"measured alpha_3 = {alphas[3]:.4f} at N = {p['N3'][-1]} (derived {out['n=3']['alpha_derived_asymptotic']:.4f})")
    return Result(out, detail=detail, checked=alphas[2])
