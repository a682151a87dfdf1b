"""Hoover, Chau, Strobelt, Ram, Krotov (NeurIPS 2024), "Dense Associative Memory Through the Lens of Random Features" (DrDAM)."""

from __future__ import annotations

import numpy as np
import sympy as sp

import numerics as nm
from numerics.capacity import fit_power_law
from numerics.plots import capacity_curve
from theory import random_features as rf
from theory.literature import dr2024 as lit
from theory.vector import Vector, Weight, size_symbol

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Holds, Within

PAPER = "Hoover et al. 2024 (DrDAM)"
D, Y, K = size_symbol("D"), size_symbol("Y"), size_symbol("K")
X_, Y_ = Vector("x", D), Vector("y", D)
W = Weight("W", Y, D)


def _energy_kernels():
    """Compiled exact (MrDAM) energy, random-feature (DrDAM) energy and positive features of sqrt(beta) x."""
    beta = sp.Symbol("beta", positive=True)
    Xi = Weight("xi", K, D)
    T_plus, T_minus = Vector("T_plus", Y), Vector("T_minus", Y)
    return (nm.compile(rf.lse_energy_exact(X_, Xi, beta)), nm.compile(rf.lse_energy_random_features(X_, T_plus, T_minus, W, beta)),
            nm.compile(list(rf.positive_features(X_, W, sp.sqrt(beta)))))


@claim(
    id="DR-2", paper=PAPER, source="Sec. 3, random features", kind="simulation",
    statement="Trigonometric and positive random features are unbiased estimates of the RBF kernel, with error decaying as Y^(-1/2).",
    expected={"bias_in_SE": "< 3", "slope": -0.5}, tolerance=AllOf(AtMost(3, "|mean - k| / SE over seeds, both estimators", key="bias"),
                                                                          Within(-0.5, "log-log error slope, both estimators", abs=0.1, key="slopes")),
    tolerance_reason="Monte Carlo over independent feature draws; the catalogue's slope band",
    quick={"D": 5, "Y_bias": 1000, "seeds": 200, "Ys": [100, 1000, 10000, 100000], "reps": 20},
)
def dr_2(p, seed):
    k = nm.compile([rf.rbf(X_, Y_), rf.trig_estimate(X_, Y_, W), rf.positive_estimate(X_, Y_, W)])
    rng = np.random.default_rng(seed)
    x, y = rng.random(p["D"]) * 0.45, rng.random(p["D"]) * 0.45
    exact = float(k(x=x, y=y, W=np.zeros((1, p["D"])))[0])
    est = np.array([[float(v) for v in k(x=x, y=y, W=rng.standard_normal((p["Y_bias"], p["D"])))[1:]] for _ in range(p["seeds"])])
    bias_se = np.abs(est.mean(0) - exact) / (est.std(0, ddof=1) / np.sqrt(p["seeds"]))
    errs = {"trig": [], "positive": []}
    for Yn in p["Ys"]:
        e = np.array([[float(v) for v in k(x=x, y=y, W=rng.standard_normal((Yn, p["D"])))[1:]] for _ in range(p["reps"])])
        rms = np.sqrt(((e - exact) ** 2).mean(0))
        errs["trig"].append(float(rms[0]))
        errs["positive"].append(float(rms[1]))
    slopes = {n: fit_power_law(p["Ys"], v)["slope"] for n, v in errs.items()}
    fig = capacity_curve(p["Ys"], {n: v for n, v in errs.items()}, {"Y^-1/2": [errs["trig"][0] * (Yn / p["Ys"][0]) ** -0.5 for Yn in p["Ys"]]},
                         xlabel="number of random features Y", ylabel="RMS error of the kernel estimate")
    return Result({"exact": exact, "bias_in_SE": dict(zip(["trig", "positive"], bias_se.round(3).tolist())), "slopes": slopes}, figure=fig,
                  checked={"bias": bias_se.tolist(), "slopes": list(slopes.values())})


@claim(
    id="DR-3", paper=PAPER, source="Eq. 9-10 (distributed energy)", kind="simulation",
    statement="The distributed energy -beta^-1 log <T, phi(sqrt(beta) x)> with T = sum_mu phi(sqrt(beta) xi_mu) (Y numbers, whatever K) approximates the MrDAM energy with error decaying as Y^(-1/2).",
    expected={"slope": -0.5}, tolerance=Within(-0.5, "log-log error slope", abs=0.15), tolerance_reason="Monte Carlo over feature draws; the log adds a mild nonlinearity",
    quick={"D": 8, "K": 50, "beta": 1.0, "Ys": [1000, 4000, 16000, 64000], "reps": 8, "queries": 20},
)
def dr_3(p, seed):
    rng = np.random.default_rng(seed)
    exact_k, approx_k, feats = _energy_kernels()
    mem = rng.random((p["K"], p["D"])) / np.sqrt(p["D"])
    q = mem[: p["queries"]] + 0.05 * rng.standard_normal((p["queries"], p["D"])) / np.sqrt(p["D"])
    E = exact_k(x=q, xi=mem, beta=p["beta"])
    errs = []
    for Yn in p["Ys"]:
        e = []
        for _ in range(p["reps"]):
            Wn = rng.standard_normal((Yn, p["D"]))
            fp, fm = feats(x=mem, W=Wn, beta=p["beta"])
            Ehat = approx_k(x=q, T_plus=fp.sum(0), T_minus=fm.sum(0), W=Wn, beta=p["beta"])  # T: Y numbers, a sum over memories
            e.append(np.sqrt(np.mean((Ehat - E) ** 2)))
        errs.append(float(np.mean(e)))
    slope = fit_power_law(p["Ys"], errs)["slope"]
    return Result({"rms_error": dict(zip(map(str, p["Ys"]), errs)), "slope": slope}, checked=slope)


def _descent_divergence(p, seed, etas):
    """L descent steps on the exact and on the random-feature energy from the same queries, per beta and per step size
    ``etas(beta) -> {name: eta}``; C1 fitted from assumption A2 at the scaled inputs. Yields per (beta, name) the numbers
    the bounds need."""
    rng = np.random.default_rng(seed)
    beta = sp.Symbol("beta", positive=True)
    Xi = Weight("xi", K, D)
    T_plus, T_minus = Vector("T_plus", Y), Vector("T_minus", Y)
    E_exact = rf.lse_energy_exact(X_, Xi, beta)
    E_rf = rf.lse_energy_random_features(X_, T_plus, T_minus, W, beta)
    import theory

    kE = nm.compile(E_exact)
    kg = nm.compile(theory.grad(E_exact, X_))
    kgr = nm.compile(theory.grad(E_rf, X_))
    feats = nm.compile(list(rf.positive_features(X_, W, sp.sqrt(beta))))
    kk = nm.compile([rf.rbf(X_, Y_), rf.positive_estimate(X_, Y_, W)])
    Dn, Kn = p["D"], p["K"]
    mem = rng.random((Kn, Dn)) / np.sqrt(Dn)  # assumption A1: inputs in [0, 1/sqrt(D)]^D
    q = rng.random((p["queries"], Dn)) / np.sqrt(Dn)
    for b in p["betas"]:
        Wn = rng.standard_normal((p["Y"], Dn))
        # C1: max over query-memory pairs of |k - k_hat| sqrt(Y/D), kernels at the scaled inputs sqrt(beta) x
        xs = np.repeat(q, Kn, axis=0) * np.sqrt(b)
        ys = np.tile(mem, (p["queries"], 1)) * np.sqrt(b)
        exact, est = kk(x=xs, y=ys, W=Wn)
        C1 = float(np.abs(exact - est).max() * np.sqrt(p["Y"] / Dn))
        fp, fm = feats(x=mem, W=Wn, beta=b)
        Tp, Tm = fp.sum(0), fm.sum(0)
        for name, eta in etas(b).items():
            x, xh = q.copy(), q.copy()
            for _ in range(p["L"]):
                x = x - eta * kg(x=x, xi=mem, beta=b)
                xh = xh - eta * kgr(x=xh, T_plus=Tp, T_minus=Tm, W=Wn, beta=b)
            yield b, name, {"C1": C1, "eta": eta, "divergence": np.linalg.norm(x - xh, axis=1), "E": kE(x=q, xi=mem, beta=b)}


@claim(
    id="DR-5", role="bound", paper=PAPER, source="Thm. 2, Corollary 1", kind="simulation",
    statement="With step eta = C2/(L(1 + 2 K beta e^(beta/2))), L descent steps on the random-feature energy stay within "
    "C1 C2 e^(beta(E(x) - 1/2)) sqrt(D/Y) / (beta (1 - C2)) of the steps on the exact energy (C1 fitted from assumption A2).",
    expected={"violations": 0}, tolerance=AtMost(0, "queries whose divergence exceeds the bound"), tolerance_reason="a rigorous bound given the fitted C1 (the catalogue expects it loose by orders of magnitude)",
    quick={"D": 10, "K": 20, "Y": 20000, "betas": [1.0, 5.0, 25.0], "L": 10, "C2": 0.5, "queries": 10},
)
def dr_5(p, seed):
    bound = sp.lambdify(sp.symbols("C_1 C_2 beta E D Y", positive=True), lit.divergence_bound(), "numpy")
    eta_f = sp.lambdify(sp.symbols("C_2 L K beta", positive=True), lit.step_size(), "numpy")
    out, violations = {}, 0
    for b, _, r in _descent_divergence(p, seed, lambda b: {"C2": float(eta_f(p["C2"], p["L"], p["K"], b))}):
        div = r["divergence"]
        bnd = bound(r["C1"], p["C2"], b, r["E"], p["D"], p["Y"])
        violations += int((div > bnd).sum())
        out[str(b)] = {"C1": r["C1"], "max_divergence": float(div.max()), "min_bound": float(bnd.min()), "looseness": float((bnd / np.maximum(div, 1e-300)).min())}
    return Result({"violations": violations, "per_beta": out}, checked=violations)


@claim(
    id="DR-4", role="bound", paper=PAPER, source="Thm. 2 (constant step eta, L layers)", kind="simulation",
    statement="For any constant step eta, L descent steps on the random-feature energy stay within "
    "2 eta L C1 K e^(beta E(x)) sqrt(D/Y) (1 - q^L)/(1 - q), q = eta L (1 + 2 K beta e^(beta/2)), of the steps on the exact energy; "
    "at the step of Corollary 1 this bound lies below the corollary's.",
    expected={"violations": 0, "theorem <= corollary": True},
    tolerance=AllOf(AtMost(0, "queries over the bound, over q in {0.1, 0.5, 0.9, 1.5} and three beta", key="violations"),
                    Holds("Thm. 2 <= Cor. 1 at q = C2 (relative 1e-12)", key="consistent")),
    tolerance_reason="a rigorous bound given the fitted C1; q > 1 is outside the corollary but inside the theorem",
    quick={"D": 10, "K": 20, "Y": 20000, "betas": [1.0, 5.0, 25.0], "L": 10, "qs": [0.1, 0.5, 0.9, 1.5], "C2": 0.5, "queries": 10},
)
def dr_4(p, seed):
    names = sp.symbols("eta L C_1 K beta E D Y", positive=True)
    thm = sp.lambdify(names, lit.theorem2_bound(), "numpy")
    cor = sp.lambdify(sp.symbols("C_1 C_2 beta E D Y", positive=True), lit.divergence_bound(), "numpy")

    def etas(b):
        return {f"q={qq}": qq / (p["L"] * (1 + 2 * p["K"] * b * np.exp(b / 2))) for qq in p["qs"]}

    out, violations, consistent = {}, 0, True
    for b, name, r in _descent_divergence(p, seed, etas):
        div = r["divergence"]
        bnd = thm(r["eta"], p["L"], r["C1"], p["K"], b, r["E"], p["D"], p["Y"])
        violations += int((div > bnd).sum())
        out[f"beta={b:g}, {name}"] = {"max_divergence": float(div.max()), "looseness": float((bnd / np.maximum(div, 1e-300)).min())}
        if name == f"q={p['C2']}":
            consistent = consistent and bool((bnd <= cor(r["C1"], p["C2"], b, r["E"], p["D"], p["Y"]) * (1 + 1e-12)).all())
    return Result({"violations": violations, "theorem_le_corollary": consistent, "per_setting": out}, checked={"violations": violations, "consistent": consistent})


@claim(
    id="DR-6", paper=PAPER, source="Sec. 4, Fig. 1 (approximation error against beta, queries near the stored patterns)", kind="simulation",
    statement="At a fixed number of random features the DrDAM approximation error grows with beta: for K = 500 binary patterns in "
    "{0, 1/sqrt(D)}^D and queries with 10% of bits flipped, the energy error rises from beta = 1 through 10 and 30 to 50.",
    expected={"monotone in beta": True},
    tolerance=AllOf(Holds("median |E_hat - E| strictly increasing over beta in {1, 10, 30, 50} at every D", key="increasing"),
                    AtLeast(2, "error(50) / error(10) at every D", key="ratio", ideal=4.0)),
    tolerance_reason="the paper's qualitative result (its exact error metric is not reproduced here, so its ratios, ~10x and ~100x, are "
    "not judged); a factor 2 keeps Monte Carlo noise at Y = 20,000 from passing for growth",
    quick={"Ds": [8, 64], "K": 500, "Y": 20000, "betas": [1.0, 10.0, 30.0, 50.0], "queries": 50},
)
def dr_6(p, seed):
    rng = np.random.default_rng(seed)
    kE, kEr, feats = _energy_kernels()
    out, series, increasing = {}, {}, []
    for Dn in p["Ds"]:
        mem = (rng.random((p["K"], Dn)) < 0.5) / np.sqrt(Dn)
        q = mem[: p["queries"]].copy()
        flip = rng.random(q.shape) < 0.1
        q[flip] = 1 / np.sqrt(Dn) - q[flip]
        Wn = rng.standard_normal((p["Y"], Dn))
        errs = []
        for b in p["betas"]:
            fp, fm = feats(x=mem, W=Wn, beta=b)
            errs.append(float(np.median(np.abs(kEr(x=q, T_plus=fp.sum(0), T_minus=fm.sum(0), W=Wn, beta=b) - kE(x=q, xi=mem, beta=b)))))
        i10, i50 = p["betas"].index(10.0), p["betas"].index(50.0)
        out[f"D={Dn}"] = {"median_energy_error": dict(zip(map(str, p["betas"]), errs)), "ratio_50_over_10": errs[i50] / errs[i10]}
        series[f"D = {Dn}"] = errs
        increasing += [a < b for a, b in zip(errs, errs[1:])]
    fig = capacity_curve(p["betas"], series, xlabel="inverse temperature beta", ylabel=f"median |E_hat - E| (Y = {p['Y']})")
    return Result(out, figure=fig, checked={"increasing": increasing, "ratio": [v["ratio_50_over_10"] for v in out.values()]})
