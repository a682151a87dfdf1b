"""Ramsauer et al. (2021), "Hopfield Networks is All You Need", ICLR."""

from __future__ import annotations

import numpy as np
import sympy as sp

import numerics as nm
import theory
from numerics import patterns
from numerics.plots import energy_trace
from theory import capacity as th

from .claim import Result, claim, margin

PAPER = "Ramsauer et al. 2021"


def _kernel():
    return nm.compile(theory.builtin("ramsauer").integrate_out("h"))


def _offset(beta, n, M):
    return float(sp.N(th.ramsauer_energy_offset(sp.Float(beta, 20), n, sp.Float(M, 20))))


@claim(
    id="RAM-1", role="identity", paper=PAPER, source="Eq. 2, Lemma A1", kind="numeric",
    statement="The energy E = -lse(beta, X^T x) + x^T x/2 + beta^-1 log N + M^2/2 satisfies 0 <= E <= 2 M^2 on the patterns' convex hull and along update trajectories.",
    expected=[0.0, "2 M^2"], tolerance="no violation beyond 1e-12 M^2", tolerance_reason="a rigorous bound; only rounding slack",
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
    ok = worst_low >= -1e-12 * M**2 and worst_high <= 1e-12 * M**2
    return Result({"min_E": worst_low, "max_E_minus_2M2": worst_high, "M": M}, ok)


@claim(
    id="RAM-2", paper=PAPER, source="Eq. 3, Thm. 1-2", kind="simulation",
    statement="The update x <- X softmax(beta X^T x) never increases the energy, and the step length goes to 0.",
    expected={"max_increase": 0.0, "final_step": "-> 0"}, tolerance="relative increase <= 1e-12 per step; final step < 1e-6",
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
    return Result({"max_increase": inc, "final_step": step}, inc <= 1e-12 and step < 1e-6, figure=fig)


@claim(
    id="RAM-5", paper=PAPER, source="Thm. 3", kind="numeric",
    statement="Theorem 3's constant c = b / W0(exp(a + ln b)) is 3.1546 at beta=1, K=3, d=20, p=0.001 and 1.3718 at beta=1, K=1, d=75, p=0.001.",
    expected={"c1": 3.1546, "c2": 1.3718}, tolerance="|c - expected| < 1e-4",
    tolerance_reason="the paper quotes 5 significant digits, truncated (1.37188 is printed 1.3718), so the last digit may be off by one",
)
def ram_5(p, seed):
    f = th.ramsauer_theorem3()
    beta, K, d, pp = sp.symbols("beta K d p", positive=True)
    out = {}
    for name, vals in (("c1", {beta: 1, K: 3, d: 20, pp: sp.Rational(1, 1000)}), ("c2", {beta: 1, K: 1, d: 75, pp: sp.Rational(1, 1000)})):
        out[name] = float(sp.N(f["c"].xreplace(vals), 20))
        out[name + "_N_bound"] = float(sp.N(f["N_bound"].xreplace(vals), 20))
        out[name + "_side_condition"] = bool(sp.N(f["c"].xreplace(vals) - f["c_min"].xreplace(vals)) >= 0)
    ok = abs(out["c1"] - 3.1546) < 1e-4 and abs(out["c2"] - 1.3718) < 1e-4 and out["c1_side_condition"] and out["c2_side_condition"]
    return Result(out, ok, margin=min(margin(out["c1"] - 3.1546, 1e-4), margin(out["c2"] - 1.3718, 1e-4)))


def _theorem_setup(p, rng, beta):
    """Theorems 4-5 as stated: sphere patterns, the separation condition per pattern, queries drawn uniformly in
    the sphere ||x - x_i|| <= 1/(beta N M) the theorems assume, the fixed points x_i*, and one update of each query."""
    k = _kernel()
    X = patterns.sphere(p["N"], p["d"], rng, radius=np.sqrt(p["d"]))
    M = float(np.linalg.norm(X, axis=1).max())
    G = X @ X.T
    Delta = np.diag(G) - np.where(np.eye(p["N"], dtype=bool), -np.inf, G).max(1)
    cond = float(sp.N(th.ramsauer_separation_condition().xreplace(dict(zip(sp.symbols("N_p beta M", positive=True), (p["N"], beta, M))))))
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
    expr = th.ramsauer_retrieval_error_bound() if which == "retrieval" else th.ramsauer_one_step_bound()
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
    tolerance="0 violations (relative 1e-12 slack) among separated patterns; every error nonzero; max error/bound >= 0.1",
    tolerance_reason="a rigorous bound; the last two make the check informative (a loose bound or a zero error cannot catch a bug)",
    quick={"d": 64, "N": 5, "betas": [0.2, 0.3, 0.5], "trials": 20},
)
def ram_7(p, seed):
    out = _bound_check(p, seed, "retrieval")
    ok = out["violations"] == 0 and out["judged"] > 0 and out["zero_errors"] == 0 and out["max_lhs_over_bound"] >= 0.1
    return Result(out, ok, f"the bound is within a factor {1 / out['max_lhs_over_bound']:.1f} of the largest error (median factor {1 / out['median_lhs_over_bound']:.1f})",
                  margin=1 - out["max_lhs_over_bound"])


@claim(
    id="RAM-9", paper=PAPER, source="Sec. 2 (fixed-point classes)", kind="simulation",
    statement="The fixed point moves from the global average (small beta) through metastable subset averages to single patterns (large beta): the entropy of p = softmax(beta X^T x*) decreases with beta.",
    expected="entropy monotone decreasing; ~log N at small beta, ~0 at large beta", tolerance="monotone within 1e-9; entropy/log N >= 0.9 at the smallest and <= 0.1 at the largest beta",
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
    ok = bool(np.all(np.diff(H) <= 1e-9)) and Hn[0] >= 0.9 and Hn[-1] <= 0.1
    return Result({"entropy_over_logN": dict(zip(map(str, p["betas"]), Hn.round(4).tolist()))}, ok)


@claim(
    id="RAM-6", role="bound", paper=PAPER, source="Thm. 4, Eq. 6-7", kind="simulation",
    statement="Near a well-separated pattern one update contracts towards its fixed point: ||f(x) - x_i*|| <= 2 beta N M^2 (N-1) exp(-beta (Delta_i - 2 max(||x - x_i||, ||x_i* - x_i||) M)) ||x - x_i*|| "
    "for x in the theorem's sphere, at parameters where the left side is nonzero.",
    expected={"violations": 0}, tolerance="0 violations (relative 1e-12 slack) among separated patterns; every left side nonzero",
    tolerance_reason="a rigorous bound; how loose it is (its beta N M^2 prefactor bounds the Jacobian's norm) is reported, not judged",
    quick={"d": 64, "N": 5, "betas": [0.2, 0.3, 0.5], "trials": 20},
)
def ram_6(p, seed):
    out = _bound_check(p, seed, "contraction")
    ok = out["violations"] == 0 and out["judged"] > 0 and out["zero_errors"] == 0
    return Result(out, ok, f"the bound is within a factor {1 / out['max_lhs_over_bound']:.0f} of the largest contraction (median {1 / out['median_lhs_over_bound']:.0f})",
                  margin=1 - out["max_lhs_over_bound"])
