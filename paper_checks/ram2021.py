"""Ramsauer et al. (2021), "Hopfield Networks is All You Need", ICLR."""

from __future__ import annotations

import numpy as np
import sympy as sp

import numerics as nm
import theory
from numerics import patterns
from numerics.plots import energy_trace
from theory.literature import ram2021 as lit

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Between, Holds, Within

PAPER = "Ramsauer et al. 2021"


def _kernel():
    return nm.compile(theory.builtin("ramsauer").integrate_out("h"))


def _offset(beta, n, M):
    return float(sp.N(lit.energy_offset(sp.Float(beta, 20), n, sp.Float(M, 20))))


@claim(
    id="RAM-1", role="identity", paper=PAPER, source="Eq. 2, Lemma A1", kind="numeric",
    statement="The energy E = -lse(beta, X^T x) + x^T x/2 + beta^-1 log N + M^2/2 satisfies 0 <= E <= 2 M^2 on the patterns' convex hull and along update trajectories.",
    expected=[0.0, "2 M^2"], tolerance=AllOf(AtLeast(-1e-12, "min E / M^2", key="low"), AtMost(1e-12, "max (E - 2 M^2) / M^2", key="high")), tolerance_reason="a rigorous bound; only rounding slack",
    quick={"d": 64, "N": 500, "queries": 1000, "betas": [0.5, 1.0, 4.0]},
)
def ram_1(p, seed):
    rng = np.random.default_rng(seed)
    k = _kernel()
    X = rng.standard_normal((p["N"], p["d"]))
    X *= (rng.uniform(0.5, 1.0, (p["N"], 1)) / np.linalg.norm(X, axis=1, keepdims=True)) * np.sqrt(p["d"])
    M = float(np.linalg.norm(X, axis=1).max())
    worst_low, worst_high = np.inf, -np.inf
    for beta in p["betas"]:
        w = rng.dirichlet(np.ones(p["N"]) * 0.1, size=p["queries"])  # points in the convex hull of the patterns
        x = w @ X
        for _ in range(5):
            E = k.energy(v=x, xi=X, beta=beta) + _offset(beta, p["N"], M)
            worst_low = min(worst_low, float(E.min()))
            worst_high = max(worst_high, float((E - 2 * M**2).max()))
            x = k.update(v=x, xi=X, beta=beta)["v"]
    return Result({"min_E": worst_low, "max_E_minus_2M2": worst_high, "M": M}, checked={"low": worst_low / M**2, "high": worst_high / M**2})


@claim(
    id="RAM-2", paper=PAPER, source="Eq. 3, Thm. 1-2", kind="simulation",
    statement="The update x <- X softmax(beta X^T x) never increases the energy, and the step length goes to 0.",
    expected={"max_increase": 0.0, "final_step": "-> 0"}, tolerance=AllOf(AtMost(1e-12, "relative energy increase per step", key="increase"), AtMost(1e-6, "final step length", key="step")),
    tolerance_reason="CCCP descent is exact; 1e-12 allows rounding",
    quick={"d": 64, "N": 500, "queries": 1000, "steps": 40, "beta": 1.0},
)
def ram_2(p, seed):
    rng = np.random.default_rng(seed)
    k = _kernel()
    X = patterns.sphere(p["N"], p["d"], rng, radius=np.sqrt(p["d"]))
    x = rng.standard_normal((p["queries"], p["d"])) * 2
    E = [k.energy(v=x, xi=X, beta=p["beta"])]
    step = None
    for _ in range(p["steps"]):
        nx = k.update(v=x, xi=X, beta=p["beta"])["v"]
        step = float(np.linalg.norm(nx - x, axis=1).max())
        x = nx
        E.append(k.energy(v=x, xi=X, beta=p["beta"]))
    E = np.array(E)
    inc = float((np.diff(E, axis=0) / np.maximum(np.abs(E[:-1]), 1)).max())
    fig = energy_trace(np.arange(len(E)), E[:, :20], "Ramsauer update: energy per step (20 queries)")
    fig.axes[0].set_xlabel("update step")
    return Result({"max_increase": inc, "final_step": step}, figure=fig, checked={"increase": inc, "step": step})


@claim(
    id="RAM-5", paper=PAPER, source="Thm. 3", kind="numeric",
    statement="Theorem 3's constant c = b / W0(exp(a + ln b)) is 3.1546 at beta=1, K=3, d=20, p=0.001 and 1.3718 at beta=1, K=1, d=75, p=0.001.",
    expected={"c1": 3.1546, "c2": 1.3718}, tolerance=AllOf(Within(3.1546, "c1", abs=1e-4, key="c1"), Within(1.3718, "c2", abs=1e-4, key="c2"),
                    Holds("both side conditions c >= c_min", key="side")),
    tolerance_reason="the paper quotes 5 significant digits, truncated (1.37188 is printed 1.3718), so the last digit may be off by one",
)
def ram_5(p, seed):
    f = lit.theorem3()
    beta, K, d, pp = sp.symbols("beta K d p", positive=True)
    out = {}
    for name, vals in (("c1", {beta: 1, K: 3, d: 20, pp: sp.Rational(1, 1000)}), ("c2", {beta: 1, K: 1, d: 75, pp: sp.Rational(1, 1000)})):
        out[name] = float(sp.N(f["c"].xreplace(vals), 20))
        out[name + "_N_bound"] = float(sp.N(f["N_bound"].xreplace(vals), 20))
        out[name + "_side_condition"] = bool(sp.N(f["c"].xreplace(vals) - f["c_min"].xreplace(vals)) >= 0)
    return Result(out, checked={"c1": out["c1"], "c2": out["c2"], "side": [out["c1_side_condition"], out["c2_side_condition"]]})


def _theorem_setup(p, rng, beta):
    """Theorems 4-5 as stated: sphere patterns, the separation condition per pattern, queries drawn uniformly in
    the sphere ||x - x_i|| <= 1/(beta N M) the theorems assume, the fixed points x_i*, and one update of each query."""
    k = _kernel()
    X = patterns.sphere(p["N"], p["d"], rng, radius=np.sqrt(p["d"]))
    M = float(np.linalg.norm(X, axis=1).max())
    G = X @ X.T
    Delta = np.diag(G) - np.where(np.eye(p["N"], dtype=bool), -np.inf, G).max(1)
    cond = float(sp.N(lit.separation_condition().xreplace(dict(zip(sp.symbols("N_p beta M", positive=True), (p["N"], beta, M))))))
    r = 1 / (beta * p["N"] * M)
    u = rng.standard_normal(X.shape)
    u *= r * rng.uniform(0, 1, (p["N"], 1)) ** (1 / p["d"]) / np.linalg.norm(u, axis=1, keepdims=True)
    q = X + u
    xs = X.copy()
    for _ in range(300):
        xs = k.update(v=xs, xi=X, beta=beta)["v"]
    fq = k.update(v=q, xi=X, beta=beta)["v"]
    dmax = np.maximum(np.linalg.norm(q - X, axis=1), np.linalg.norm(xs - X, axis=1))
    return X, M, Delta, Delta >= cond, q, xs, fq, dmax


def _bound_check(p, seed, which):
    rng = np.random.default_rng(seed)
    names = sp.symbols("N_p beta Delta d_max M r", positive=True)
    expr = lit.retrieval_error_bound() if which == "retrieval" else lit.one_step_bound()
    bound = sp.lambdify(names[: 5 if which == "retrieval" else 6], expr, "numpy")
    violations, judged, skipped, ratios, zero = 0, 0, 0, [], 0
    for beta in p["betas"]:
        for _ in range(p["trials"]):
            X, M, Delta, ok, q, xs, fq, dmax = _theorem_setup(p, rng, beta)
            if which == "retrieval":
                lhs, b = np.linalg.norm(fq - X, axis=1), bound(p["N"], beta, Delta, dmax, M)
            else:
                lhs, b = np.linalg.norm(fq - xs, axis=1), bound(p["N"], beta, Delta, dmax, M, np.linalg.norm(q - xs, axis=1))
            lhs, b = lhs[ok], b[ok]
            skipped += int((~ok).sum())
            violations += int((lhs > b * (1 + 1e-12)).sum())
            judged += len(lhs)
            zero += int((lhs == 0).sum())
            ratios += (lhs / b).tolist()
    tight = float(np.max(ratios)) if ratios else 0.0
    return {"violations": violations, "judged": judged, "not_separated": skipped, "zero_errors": zero,
            "max_lhs_over_bound": tight, "median_lhs_over_bound": float(np.median(ratios)) if ratios else None}


@claim(
    id="RAM-7", role="bound", paper=PAPER, source="Thm. 5, Eq. 8", kind="simulation",
    statement="One update retrieves a well-separated pattern: ||f(x) - x_i|| <= 2 (N-1) exp(-beta (Delta_i - 2 max(||x - x_i||, ||x_i* - x_i||) M)) M "
    "for x in the theorem's sphere around x_i; at parameters where the error is nonzero and the bound within an order of magnitude.",
    expected={"violations": 0, "max error / bound": ">= 0.1"},
    tolerance=AllOf(AtMost(0, "violations (relative 1e-12 slack) among separated patterns", key="violations"),
                    AtLeast(1, "separated patterns judged", key="judged"), AtMost(0, "zero errors", key="zero_errors"),
                    Between(0.1, 1 + 1e-12, "max error / bound", key="ratio")),
    tolerance_reason="a rigorous bound; the last two make the check informative (a loose bound or a zero error cannot catch a bug)",
    quick={"d": 64, "N": 5, "betas": [0.2, 0.3, 0.5], "trials": 20},
)
def ram_7(p, seed):
    out = _bound_check(p, seed, "retrieval")
    return Result(out, detail=f"the bound is within a factor {1 / out['max_lhs_over_bound']:.1f} of the largest error (median factor {1 / out['median_lhs_over_bound']:.1f})",
                  checked={k: out[k] for k in ("violations", "judged", "zero_errors")} | {"ratio": out["max_lhs_over_bound"]})


@claim(
    id="RAM-9", paper=PAPER, source="Sec. 2 (fixed-point classes)", kind="simulation",
    statement="The fixed point moves from the global average (small beta) through metastable subset averages to single patterns (large beta): the entropy of p = softmax(beta X^T x*) decreases with beta.",
    expected="entropy monotone decreasing; ~log N at small beta, ~0 at large beta", tolerance=AllOf(AtMost(1e-9, "largest entropy increase from one beta to the next", key="monotone"),
                    AtLeast(0.9, "entropy / log N at the smallest beta", key="small", ideal=1.0), AtMost(0.1, "entropy / log N at the largest beta", key="large")),
    tolerance_reason="deterministic iteration to the fixed point",
    quick={"d": 16, "clusters": 4, "per_cluster": 10, "betas": [0.001, 0.01, 0.1, 0.3, 1.0, 3.0, 10.0]},
)
def ram_9(p, seed):
    rng = np.random.default_rng(seed)
    centres = patterns.sphere(p["clusters"], p["d"], rng, radius=3.0)
    X = np.concatenate([c + 0.3 * rng.standard_normal((p["per_cluster"], p["d"])) for c in centres])
    m = theory.builtin("ramsauer")
    k = nm.compile(m)
    ke = nm.compile(m.integrate_out("h"))
    H = []
    for beta in p["betas"]:
        x = X[:1].copy()
        for _ in range(500):
            x = ke.update(v=x, xi=X, beta=beta)["v"]
        h = k.update(v=x, h=np.zeros((1, len(X))), xi=X, beta=beta)["h"]
        prob = k.activations(v=x, h=h, xi=X, beta=beta)["h"][0]
        H.append(float(-(prob * np.log(np.maximum(prob, 1e-300))).sum()))
    Hn = np.array(H) / np.log(len(X))
    return Result({"entropy_over_logN": dict(zip(map(str, p["betas"]), Hn.round(4).tolist()))},
                  checked={"monotone": float(np.max(np.diff(H))), "small": Hn[0], "large": Hn[-1]})


@claim(
    id="RAM-6", role="bound", paper=PAPER, source="Thm. 4, Eq. 6-7", kind="simulation",
    statement="Near a well-separated pattern one update contracts towards its fixed point: ||f(x) - x_i*|| <= 2 beta N M^2 (N-1) exp(-beta (Delta_i - 2 max(||x - x_i||, ||x_i* - x_i||) M)) ||x - x_i*|| "
    "for x in the theorem's sphere, at parameters where the left side is nonzero.",
    expected={"violations": 0},
    tolerance=AllOf(AtMost(0, "violations (relative 1e-12 slack) among separated patterns", key="violations"),
                    AtLeast(1, "separated patterns judged", key="judged"), AtMost(0, "zero left sides", key="zero_errors"),
                    AtMost(1 + 1e-12, "max left side / bound", key="ratio")),
    tolerance_reason="a rigorous bound; how loose it is (its beta N M^2 prefactor bounds the Jacobian's norm) is reported, not judged",
    quick={"d": 64, "N": 5, "betas": [0.2, 0.3, 0.5], "trials": 20},
)
def ram_6(p, seed):
    out = _bound_check(p, seed, "contraction")
    return Result(out, detail=f"the bound is within a factor {1 / out['max_lhs_over_bound']:.0f} of the largest contraction (median {1 / out['median_lhs_over_bound']:.0f})",
                  checked={k: out[k] for k in ("violations", "judged", "zero_errors")} | {"ratio": out["max_lhs_over_bound"]})


@claim(
    id="RAM-8", role="bound", paper=PAPER, source="App. A.1.5 (the well-separated lemma; as stated in the claims catalogue, RAM-8 [K])", kind="simulation",
    statement="If Delta_i >= 2/(beta N) + ln(2 (N-1) N beta M^2)/beta, the update maps the sphere S_i = {||x - x_i|| <= 1/(beta N M)} into itself, "
    "so the fixed point x_i* lies in S_i.",
    expected={"violations": 0},
    tolerance=AllOf(AtMost(0, "points of f(S_i) or x_i* outside S_i (radius 1/(beta N M), relative 1e-12 slack)", key="violations"),
                    AtLeast(20, "separated patterns judged", key="judged"), AtMost(1 + 1e-12, "max ||f(x) - x_i|| / radius", key="ratio")),
    tolerance_reason="a rigorous lemma; the parameters are RAM-7's, where the separation condition holds with little room, so a wrong "
    "beta placement or a missing factor in the update shows as a point leaving the sphere",
    quick={"d": 64, "N": 5, "betas": [0.2, 0.3, 0.5], "trials": 20},
)
def ram_8(p, seed):
    rng = np.random.default_rng(seed)
    k = _kernel()
    worst, worst_star, judged, violations = 0.0, 0.0, 0, 0
    for beta in p["betas"]:
        for _ in range(p["trials"]):
            X, M, Delta, ok, q, xs, fq, _ = _theorem_setup(p, rng, beta)
            r = 1 / (beta * p["N"] * M)
            u = rng.standard_normal(X.shape)
            qb = X + r * u / np.linalg.norm(u, axis=1, keepdims=True)  # on the boundary of S_i
            fb = k.update(v=qb, xi=X, beta=beta)["v"]
            d_in, d_b, d_s = (np.linalg.norm(a - X, axis=1)[ok] / r for a in (fq, fb, xs))
            if ok.any():
                worst = max(worst, float(max(d_in.max(), d_b.max())))
                worst_star = max(worst_star, float(d_s.max()))
            violations += int((d_in > 1 + 1e-12).sum() + (d_b > 1 + 1e-12).sum() + (d_s > 1 + 1e-12).sum())
            judged += int(ok.sum())
    return Result({"violations": violations, "judged": judged, "max_distance_over_radius": worst, "fixed_point_distance_over_radius": worst_star},
                  detail=f"the image of S_i reaches {worst:.3g} of its radius; x_i* lies at {worst_star:.3g} of it",
                  checked={"violations": violations, "judged": judged, "ratio": max(worst, worst_star)})


def _storage_capacity(d: int, beta: float, eps: float, seed, cap: int, ratio: float = 1.15) -> int | None:
    """The largest N (on a geometric grid) such that one update from every one of N random unit patterns (nested prefixes of
    one draw) lands within ``eps`` of it; None when the cap is reached first."""
    k = _kernel()
    X = patterns.sphere(cap, d, seed)
    last = 1
    for N in sorted(set(np.round(2 * ratio ** np.arange(200)).astype(int))):
        if N > cap:
            return None
        Xn = X[:N]
        err = float(np.linalg.norm(k.update(v=Xn, xi=Xn, beta=beta)["v"] - Xn, axis=1).max())
        if err > eps:
            return last
        last = N
    return None


@claim(
    id="RAM-10", paper=PAPER, source="Abstract, Sec. 3 ('exponentially many patterns in the dimension'), Thm. 3", kind="simulation",
    statement="Measured by simulation, the number of random unit patterns that one update retrieves (error < 0.1) at fixed beta grows "
    "exponentially with the dimension d: log N_max rises by a constant amount per dimension.",
    expected={"growth": "log N_max linear in d"}, tolerance=AllOf(AtLeast(0.67, "slope of log N_max over the upper half of the d range / over the lower half", key="ratio", ideal=1.0),
                    Holds("both slopes > 0", key="positive")),
    tolerance_reason="a power law N_max ~ d^k has d log N/dd = k/d, so over d = 3..12 its late slope is ~0.4 of its early slope; an exponential keeps "
    "them equal; medians over seeds keep the finite-sample scatter of the nearest pair below the gap",
    quick={"dims": [3, 4, 5, 6, 7, 8, 9, 10, 11], "beta": 20.0, "eps": 0.1, "seeds": 7, "cap": 8000},
    paper_scale={"dims": [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "seeds": 15, "cap": 30000},
)
def ram_10(p, seed):
    med = {}
    for d in p["dims"]:
        vals = [_storage_capacity(d, p["beta"], p["eps"], np.random.default_rng([seed, d, s]), p["cap"]) for s in range(p["seeds"])]
        if any(v is None for v in vals):
            raise RuntimeError(f"RAM-10: the cap {p['cap']} patterns was reached at d = {d}; raise `cap`")
        med[d] = float(np.median(vals))
    from numerics.capacity import fit_exponential

    ds = np.array(p["dims"], dtype=float)
    logN = np.log([med[d] for d in p["dims"]])
    half = len(ds) // 2
    Ns = [med[d] for d in p["dims"]]
    early = fit_exponential(ds[: half + 1], Ns[: half + 1])["rate"]
    late = fit_exponential(ds[half:], Ns[half:])["rate"]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.semilogy(ds, np.exp(logN), "o", label="median N_max over seeds (one-step error < 0.1)")
    for sl, sel, name in ((early, slice(0, half + 1), "lower half"), (late, slice(half, None), "upper half")):
        c = np.polyfit(ds[sel], logN[sel], 1)
        ax.semilogy(ds[sel], np.exp(np.polyval(c, ds[sel])), "-", label=f"exp fit, {name}: x{np.exp(sl):.2f} per dimension")
    ax.set(xlabel=f"dimension d (beta = {p['beta']:g})", ylabel="patterns stored N_max")
    ax.legend(fontsize=7)
    return Result({"N_max_median": {str(d): v for d, v in med.items()}, "slope_early": early, "slope_late": late, "late_over_early": late / early if early else None},
                  figure=fig, checked={"ratio": late / early if early > 0 else float("nan"), "positive": [early > 0, late > 0]})
