"""Hoover, Shi, Balasubramanian, Krotov, Ram (NeurIPS 2025), "Dense Associative Memory with Epanechnikov Energy"."""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

import numerics as nm
from theory import concrete
from theory.energies import epanechnikov_energy, epanechnikov_gradient_formula, gradient_system
from theory.vector import Weight, size_symbol

from .claim import Result, claim

PAPER = "Hoover et al. 2025 (Epanechnikov)"
BETA = sp.Symbol("beta", positive=True)
EPS = sp.Symbol("epsilon", nonnegative=True)  # the paper sets epsilon = 0 (LSR); log(0) where no memory supports x
K, D = size_symbol("K"), size_symbol("D")
W = Weight("xi", K, D)


def _model():
    return gradient_system(lambda g: epanechnikov_energy(g, W, BETA, EPS), "D", "epanechnikov")


def _memories(M, d, seed):
    X = np.random.default_rng(seed).random((M, d))
    G = np.linalg.norm(X[:, None] - X[None], axis=-1)
    r = float(G[~np.eye(M, dtype=bool)].min())
    return X, r


@claim(
    id="EPA-1", role="identity", paper=PAPER, source="Eq. 3", kind="numeric",
    statement="With eps = 0 the log-sum-ReLU energy is finite exactly on the union of the supports ||x - xi_mu|| < sqrt(2/beta) and +infinity outside.",
    expected={"mismatches": 0}, tolerance="0 mismatches over random points", tolerance_reason="an exact set identity",
    quick={"M": 12, "d": 2, "beta": 200.0, "points": 5000},
)
def epa_1(p, seed):
    X, _ = _memories(p["M"], p["d"], seed)
    k = nm.compile(_model())
    x = np.random.default_rng(seed + 1).random((p["points"], p["d"]))
    with np.errstate(divide="ignore"):
        E = k.energy(x=x, xi=X, beta=p["beta"], epsilon=0.0)
    inside = (np.linalg.norm(x[:, None] - X[None], axis=-1) < np.sqrt(2 / p["beta"])).any(1)
    mism = int((np.isfinite(E) != inside).sum())
    return Result({"mismatches": mism, "inside_fraction": float(inside.mean())}, mism == 0)


@claim(
    id="EPA-2", role="identity", paper=PAPER, source="App. E, Eq. 7-8", kind="symbolic",
    statement="The gradient derived from the energy equals the paper's sum over the active set B(x) of (x - xi_mu) / (eps + sum_B (1 - beta/2 ||x - xi_nu||^2)).",
    expected=0.0, tolerance="max |difference| <= 1e-25 at rational points (K = 3, D = 2)", tolerance_reason="exact symbolic expressions evaluated at 40 digits",
)
def epa_2(p, seed):
    m = _model()
    x = m.layer("x").state
    derived = -m.velocity["x"].xreplace({m.layer("x").tau: 1})
    paper = epanechnikov_gradient_formula(x, W, BETA, EPS)
    sizes = {K: 3, D: 2}
    a, b = concrete.expand(derived, sizes), concrete.expand(paper, sizes)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(5):
        pts = {s: sp.Rational(int(rng.integers(0, 40)), 40) for s in set().union(*[e.free_symbols for e in a + b])}
        pts[BETA], pts[EPS] = sp.Integer(int(rng.integers(2, 30))), sp.Rational(1, 100)
        worst = max(worst, max(float(abs(sp.N((u - v).xreplace(pts), 40))) for u, v in zip(a, b)))
    return Result(worst, worst <= 1e-25)


@claim(
    id="EPA-3", paper=PAPER, source="Thm. 1", kind="simulation",
    statement="With beta = 2/(r - Delta)^2, every x within Delta of a memory is retrieved exactly: one step x - alpha grad E with alpha = 1 - (beta/2)||x - xi_mu||^2 lands on xi_mu, and the gradient flow converges to it.",
    expected=0.0, tolerance="single step error <= 1e-12; gradient-flow error <= 1e-10", tolerance_reason="exact retrieval up to rounding",
    quick={"M": 12, "d": 2, "per_memory": 20},
)
def epa_3(p, seed):
    X, r = _memories(p["M"], p["d"], seed)
    delta = r / 2
    beta = 2 / (r - delta) ** 2
    k = nm.compile(_model())
    rng = np.random.default_rng(seed + 2)
    u = rng.standard_normal((p["M"], p["per_memory"], p["d"]))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    x = (X[:, None] + u * delta * rng.random((p["M"], p["per_memory"], 1))).reshape(-1, p["d"])
    target = np.repeat(X, p["per_memory"], axis=0)
    grad = k.energy_grad(x=x, xi=X, beta=beta, epsilon=0.0)["x"]
    alpha = 1 - beta / 2 * ((x - target) ** 2).sum(-1, keepdims=True)
    one = float(np.abs(x - alpha * grad - target).max())
    # gradient flow (the derived dynamics tau dx/dt = -grad E) from points strictly inside the basin
    from numerics.integrate import simulate

    xin = target + (x - target) * 0.9
    tr = simulate(k, {"x": xin}, {"xi": X, "beta": beta, "epsilon": 0.0}, 60.0, method="adaptive", rtol=1e-10, atol=1e-14)
    gd = float(np.abs(tr.final()["x"] - target).max())
    return Result({"single_step_error": one, "descent_error": gd, "beta": beta, "r": r}, one <= 1e-12 and gd <= 1e-10)


@claim(
    id="EPA-4", paper=PAPER, source="Prop. 2, Sec. 4 (emergence)", kind="simulation",
    statement="Local minima are centroids of memory subsets S whose support set B(centroid) is S; below the critical beta* emergent minima (|S| > 1) appear while most stored memories remain minima.",
    expected={"beta*": "M minima, all originals", "some beta < beta*": "emergent minima with >= 60% originals"}, tolerance="as stated; gradient at each centroid minimum <= 1e-12",
    tolerance_reason="exhaustive subset census (2^M subsets); the paper reports > 60% of stored patterns retained",
    quick={"M": 12, "d": 2}, paper_scale={"M": 16},
)
def epa_4(p, seed):
    X, r = _memories(p["M"], p["d"], seed)
    beta_star = 8 / r**2  # 2/(r - Delta)^2 with Delta = r/2
    k = nm.compile(_model())
    out, ok = {}, True
    subsets = [S for m in range(1, p["M"] + 1) for S in itertools.combinations(range(p["M"]), m)]
    C = np.array([X[list(S)].mean(0) for S in subsets])
    D2 = np.linalg.norm(C[:, None] - X[None], axis=-1) ** 2
    for f in (1, 2, 4, 8, 16):
        beta = beta_star / f
        a = 1 - beta / 2 * D2  # support weight ReLU(a) of each memory at each centroid
        inside = a > 0
        clear = (np.abs(a) > 1e-6).all(1)  # centroids on a support boundary are degenerate: left out
        keep = clear & np.array([set(np.nonzero(row)[0]) == set(S) for row, S in zip(inside, subsets)])
        mins = C[keep]
        g = float(np.abs(k.energy_grad(x=mins, xi=X, beta=beta, epsilon=0.0)["x"]).max()) if len(mins) else 0.0
        sizes = [len(S) for S, kk in zip(subsets, keep) if kk]
        out[f"beta*/{f}"] = {"minima": int(keep.sum()), "originals": sizes.count(1), "emergent": sum(s > 1 for s in sizes), "max_grad": g}
        ok = ok and g <= 1e-12
    ok = ok and out["beta*/1"]["minima"] == p["M"] and out["beta*/1"]["originals"] == p["M"]
    ok = ok and any(v["emergent"] > 0 and v["originals"] >= 0.6 * p["M"] for v in out.values())
    return Result(out, ok)
