"""Hoover, Shi, Balasubramanian, Krotov, Ram (NeurIPS 2025), "Dense Associative Memory with Epanechnikov Energy"."""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

import numerics as nm
from numerics.retrieval import distinct_limits
from theory import concrete
from theory.energies import epanechnikov_energy, gradient_system
from theory.literature.epa2025 import gradient_formula
from theory.vector import Weight, size_symbol

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Holds

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


def _lsr_census(X):
    """Prop. 2's exhaustive census: ``census(beta)`` returns the LSR minima (centroids of subsets S with B(centroid) = S,
    clear of every support boundary) and their subset sizes; the 2^M centroids are built once."""
    M = len(X)
    subsets = [S for m in range(1, M + 1) for S in itertools.combinations(range(M), m)]
    C = np.array([X[list(S)].mean(0) for S in subsets])
    D2 = np.linalg.norm(C[:, None] - X[None], axis=-1) ** 2
    member = np.zeros((len(subsets), M), dtype=bool)
    for i, S in enumerate(subsets):
        member[i, list(S)] = True
    sizes_all = member.sum(1)

    def census(beta):
        a = 1 - beta / 2 * D2  # support weight ReLU(a) of each memory at each centroid
        clear = (np.abs(a) > 1e-6).all(1)  # centroids on a support boundary are degenerate: left out
        keep = clear & ((a > 0) == member).all(1)
        return C[keep], sizes_all[keep].tolist()

    return census


@claim(
    id="EPA-1", role="identity", paper=PAPER, source="Eq. 3", kind="numeric",
    statement="With eps = 0 the log-sum-ReLU energy is finite exactly on the union of the supports ||x - xi_mu|| < sqrt(2/beta) and +infinity outside.",
    expected={"mismatches": 0}, tolerance=AtMost(0, "mismatches over random points"), tolerance_reason="an exact set identity",
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
    return Result({"mismatches": mism, "inside_fraction": float(inside.mean())}, checked=mism)


@claim(
    id="EPA-2", role="identity", paper=PAPER, source="App. E, Eq. 7-8", kind="symbolic",
    statement="The gradient derived from the energy equals the paper's sum over the active set B(x) of (x - xi_mu) / (eps + sum_B (1 - beta/2 ||x - xi_nu||^2)).",
    expected=0.0, tolerance=AtMost(1e-25, "max |difference| at rational points (K = 3, D = 2)"), tolerance_reason="exact symbolic expressions evaluated at 40 digits",
)
def epa_2(p, seed):
    m = _model()
    x = m.layer("x").state
    derived = -m.velocity["x"].xreplace({m.layer("x").tau: 1})
    paper = gradient_formula(x, W, BETA, EPS)
    sizes = {K: 3, D: 2}
    a, b = concrete.expand(derived, sizes), concrete.expand(paper, sizes)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(5):
        pts = {s: sp.Rational(int(rng.integers(0, 40)), 40) for s in set().union(*[e.free_symbols for e in a + b])}
        pts[BETA], pts[EPS] = sp.Integer(int(rng.integers(2, 30))), sp.Rational(1, 100)
        worst = max(worst, max(float(abs(sp.N((u - v).xreplace(pts), 40))) for u, v in zip(a, b)))
    return Result(worst, checked=worst)


@claim(
    id="EPA-3", paper=PAPER, source="Thm. 1", kind="simulation",
    statement="With beta = 2/(r - Delta)^2, every x within Delta of a memory is retrieved exactly: one step x - alpha grad E with alpha = 1 - (beta/2)||x - xi_mu||^2 lands on xi_mu, and the gradient flow converges to it.",
    expected=0.0, tolerance=AllOf(AtMost(1e-12, "single step error", key="step"), AtMost(1e-10, "gradient-flow error", key="flow")), tolerance_reason="exact retrieval up to rounding",
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
    return Result({"single_step_error": one, "descent_error": gd, "beta": beta, "r": r}, checked={"step": one, "flow": gd})


@claim(
    id="EPA-4", paper=PAPER, source="Prop. 2, Sec. 4 (emergence)", kind="simulation",
    statement="Local minima are centroids of memory subsets S whose support set B(centroid) is S; below the critical beta* emergent minima (|S| > 1) appear while most stored memories remain minima.",
    expected={"beta*": "M minima, all originals", "some beta < beta*": "emergent minima with >= 60% originals"}, tolerance=AllOf(Holds("at beta*: M minima, all of them stored patterns", key="at_beta_star"),
                    AtLeast(0.6, "best fraction of originals kept at a beta with emergent minima", key="kept", ideal=1.0),
                    AtMost(1e-12, "gradient at each centroid minimum", key="grad")),
    tolerance_reason="exhaustive subset census (2^M subsets); the paper reports > 60% of stored patterns retained",
    quick={"M": 12, "d": 2}, paper_scale={"M": 16},
)
def epa_4(p, seed):
    X, r = _memories(p["M"], p["d"], seed)
    beta_star = 8 / r**2  # 2/(r - Delta)^2 with Delta = r/2
    k = nm.compile(_model())
    out, grads = {}, []
    census = _lsr_census(X)
    for f in (1, 2, 4, 8, 16):
        beta = beta_star / f
        mins, sizes = census(beta)
        g = float(np.abs(k.energy_grad(x=mins, xi=X, beta=beta, epsilon=0.0)["x"]).max()) if len(mins) else 0.0
        out[f"beta*/{f}"] = {"minima": len(sizes), "originals": sizes.count(1), "emergent": sum(s > 1 for s in sizes), "max_grad": g}
        grads.append(g)
    kept = [v["originals"] / p["M"] for v in out.values() if v["emergent"] > 0]
    return Result(out, checked={"at_beta_star": out["beta*/1"]["minima"] == p["M"] and out["beta*/1"]["originals"] == p["M"],
                                "kept": max(kept) if kept else float("nan"), "grad": grads})  # no emergent beta: NaN, which fails


def _lse_model():
    from theory.energies import lse_distance_energy

    return gradient_system(lambda g: lse_distance_energy(g, W, BETA), "D", "lse_distance")


def _lse_minima(k, X, beta, starts, seed, iters=3000, centroids=None):
    """Local minima of E_LSE found from ``starts`` random points, every memory and (when given) every subset centroid --
    where emergent minima would sit -- by the step x <- x - grad E (the CCCP update x <- sum_mu p_mu xi_mu) to convergence,
    merged within 1e-6, kept where the finite-difference Hessian of the derived gradient is positive definite.
    Returns (minima, index of the memory each is an original of, or -1)."""
    rng = np.random.default_rng(seed)
    lo, hi = X.min(0), X.max(0)
    x = np.vstack([X, lo + (hi - lo) * rng.random((starts, X.shape[1])), *([] if centroids is None else [centroids])])
    mins = distinct_limits(lambda z: z - k.energy_grad(x=z, xi=X, beta=beta)["x"], x, merge=1e-6, tol=1e-13, max_iter=iters)
    h = 1e-5
    eye = np.eye(X.shape[1])
    H = np.stack([(k.energy_grad(x=mins + h * e, xi=X, beta=beta)["x"] - k.energy_grad(x=mins - h * e, xi=X, beta=beta)["x"]) / (2 * h) for e in eye], -1)
    pd = np.array([np.linalg.eigvalsh((A + A.T) / 2).min() > 1e-8 for A in H])
    mins = mins[pd]
    r = float(np.min(np.linalg.norm(X[:, None] - X[None], axis=-1) + np.eye(len(X)) * 1e9))
    dist = np.linalg.norm(mins[:, None] - X[None], axis=-1)
    near = dist.argmin(1)
    owner = np.where(dist.min(1) < r / 4, near, -1)  # an original: within a quarter of the closest-pair distance of its memory
    return mins, owner


def _lse_lsr_counts(p, seed):
    X, r = _memories(p["M"], p["d"], seed)
    beta_star = 8 / r**2
    k_lse = nm.compile(_lse_model())
    census = _lsr_census(X)
    subsets = [S for m in range(2, p["M"] + 1) for S in itertools.combinations(range(p["M"]), m)] if p["M"] <= 12 else []
    cents = np.array([X[list(S)].mean(0) for S in subsets]) if subsets else None
    rows = {}
    for f in p["factors"]:
        beta = beta_star / f
        _, sizes = census(beta)
        mins, owner = _lse_minima(k_lse, X, beta, p["starts"], seed, centroids=cents)
        orig = len(set(owner[owner >= 0].tolist()))
        rows[f"beta*/{f}"] = {"LSR_minima": len(sizes), "LSR_originals": sizes.count(1), "LSR_emergent": sum(s > 1 for s in sizes),
                              "LSE_minima": len(mins), "LSE_originals": orig, "LSE_novel": int(len(mins) - (owner >= 0).sum())}
    return rows


@claim(
    id="EPA-5", paper=PAPER, source="Prop. 1 (LSE cannot show epsilon-global emergence)", kind="simulation",
    statement="The log-sum-exp energy never keeps every stored pattern as a minimum while also creating a novel one: at each beta either "
    "some original is lost or no novel minimum exists.",
    expected={"beta with all originals and a novel LSE minimum": 0}, tolerance=AllOf(AtMost(0, "betas of the sweep beta*/1 .. beta*/64 keeping every original with a novel LSE minimum", key="violating"),
                    Holds("LSE loses an original somewhere in the sweep (it reaches the merging regime)", key="lost")),
    tolerance_reason="Prop. 1 is a theorem; the LSE minima come from 200 random starts, the memories and every subset centroid "
    "(where an emergent minimum would sit), each verified by a positive "
    "definite finite-difference Hessian of the derived gradient; a minimum within r/4 of a memory (r: closest pair) counts as that memory's",
    quick={"M": 12, "d": 2, "factors": [1, 2, 4, 8, 16, 32, 64], "starts": 200},
)
def epa_5(p, seed):
    rows = _lse_lsr_counts(p, seed)
    bad = [b for b, v in rows.items() if v["LSE_originals"] == p["M"] and v["LSE_novel"] > 0]
    lost = [b for b, v in rows.items() if v["LSE_originals"] < p["M"]]
    return Result({"violating_betas": bad, "per_beta": {b: {k: v[k] for k in ("LSE_minima", "LSE_originals", "LSE_novel")} for b, v in rows.items()}},
                  detail=f"LSE loses originals at {', '.join(lost) or 'no beta'} (the sweep reaches the merging regime)",
                  checked={"violating": len(bad), "lost": bool(lost)})


@claim(
    id="EPA-6", paper=PAPER, source="Sec. 5, LMIN experiments (LSR vs LSE minima counts)", kind="simulation",
    statement="With more memories than EPA-4 (M = 16), the log-sum-ReLU energy has more minima than stored patterns at some beta while keeping "
    "most of them, and at every beta it keeps at least as many stored patterns as minima as the log-sum-exp energy does.",
    expected={"max LSR minima": "> M with >= 60% originals", "LSR originals >= LSE originals": "at every beta"},
    tolerance=AllOf(Holds("at some beta LSR has more minima than M while keeping >= 60% of the originals", key="emergent"),
                    Holds("LSR keeps at least as many originals as LSE at every beta", key="at_least_lse")),
    tolerance_reason="the paper's LMIN protocol at a size a CPU enumerates in a second",
    quick={"M": 16, "d": 2, "factors": [1, 2, 4, 8, 16, 32], "starts": 200}, paper_scale={"M": 18},
)
def epa_6(p, seed):
    rows = _lse_lsr_counts(p, seed)
    emerg = any(v["LSR_minima"] > p["M"] and v["LSR_originals"] >= 0.6 * p["M"] for v in rows.values())
    ge = all(v["LSR_originals"] >= v["LSE_originals"] for v in rows.values())
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    fs = [float(b.split("/")[1]) for b in rows]
    for key, lab in (("LSR_minima", "LSR minima"), ("LSR_originals", "LSR originals kept"), ("LSE_minima", "LSE minima"), ("LSE_originals", "LSE originals kept")):
        ax.plot(fs, [v[key] for v in rows.values()], "o-", label=lab)
    ax.axhline(p["M"], color="k", lw=0.8, ls="--", label=f"M = {p['M']} stored")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="beta*/beta (beta* = 8/r^2, r = closest pair)", ylabel="number of local minima")
    ax.legend(fontsize=8)
    return Result(rows, detail="LSR minima counted by an exhaustive subset census, LSE minima from random starts", figure=fig,
                  checked={"emergent": bool(emerg), "at_least_lse": bool(ge)})
