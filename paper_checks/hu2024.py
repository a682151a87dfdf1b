"""Hu, Wu, Liu (NeurIPS 2024), "Provably Optimal Memory Capacity for Modern Hopfield Models ... Spherical Codes"."""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from numerics import patterns
from numerics.capacity import fit_power_law
from theory.literature import hu2024 as sc

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Within

PAPER = "Hu, Wu, Liu 2024"

#: Best known (for M <= 14 and M = 24 proven) minimal angles, in degrees, of M points on the sphere in d = 3
#: (the Tammes problem), M = 4..50 and 55..130 in steps of 5: the table of N. J. A. Sloane's spherical packings
#: (with Hardin and Smith) as used by the official code of Hu, Wu & Liu (bound_simulation.py, repository
#: MAGICS-LAB/Optimal-Hopfield-Memory). Proofs: M = 5-9 Schuette & van der Waerden (1951), 10-11 Danzer (1963),
#: 12 Fejes Toth (1943), 13 Musin & Tarasov (2012), 14 Musin & Tarasov (2015), 24 Robinson (1961).
_ANGLES = [
    109.4712206, 90.0000000, 90.0000000, 77.8695421, 74.8584922, 70.5287794, 66.1468220, 63.4349488, 63.4349488,
    57.1367031, 55.6705700, 53.6578501, 52.2443957, 51.0903285, 49.5566548, 47.6919141, 47.4310362, 45.6132231,
    44.7401612, 43.7099642, 43.6907671, 41.6344612, 41.0376616, 40.6776007, 39.3551436, 38.7136512, 38.5971159,
    37.7098291, 37.4752140, 36.2545530, 35.8077844, 35.3198076, 35.1897322, 34.4224080, 34.2506607, 33.4890466,
    33.1583563, 32.7290944, 32.5063863, 32.0906244, 31.9834230, 31.3230814, 30.9591635, 30.7818159, 30.7627855,
    29.9235851, 29.7529564, 28.2627914, 27.1928300, 26.0698299, 25.1709200, 24.3017225, 23.5530672, 22.7791621,
    22.1540232, 21.5945501, 21.0312020, 20.5388524, 20.1113276, 19.6239931, 19.3240201, 18.8448151, 18.5103522,
]
_M = list(range(4, 51)) + list(range(55, 131, 5))
TAMMES_DEG = dict(zip(_M, _ANGLES, strict=True))


@claim(
    id="HU-2", role="identity", paper=PAPER, source="Prop. 3.1 (official code bound_simulation.py)", kind="numeric",
    statement="The lower and upper bounds on the minimal separation of an optimal spherical code bracket the 63 best known Tammes codes in d = 3 (M = 4..130).",
    expected={"violations": 0}, tolerance=AtMost(0, "optimal codes outside [lower bound, upper bound]"), tolerance_reason="rigorous bounds; inputs are exact optima",
)
def hu_2(p, seed):
    lo, hi = sc.lower_bound().subs(sc.d, 3), sc.upper_bound().subs(sc.d, 3)
    rows, bad = {}, 0
    for m, ang in TAMMES_DEG.items():
        delta = float(sp.N(sc.separation_from_angle(sp.Float(ang, 15))))
        low, up = float(sp.N(lo.subs(sc.M, m))), float(sp.N(hi.subs(sc.M, m)))
        rows[str(m)] = [round(low, 5), round(delta, 5), round(up, 5)]
        bad += not (low <= delta <= up)
    return Result({"violations": bad, "checked": len(rows), "M: [lower, Delta, upper]": rows}, detail=f"{len(rows)} optimal codes, M = 4..130", checked=bad)


@functools.lru_cache(maxsize=4)
def _optimised(dims: tuple, per_dim: int, steps: int, seed: int) -> dict:
    """Repulsion codes (numerics.patterns.spherical_code) for M = 4d .. 4d 2^((per_dim-1)/2), per dimension:
    {d: (Ms, Delta_min of the optimised code, Delta_min of a random code, optimised codes, random codes)}."""
    out = {}
    for d in dims:
        Ms = [int(4 * d * 2 ** (k / 2)) for k in range(per_dim)]
        Xo = [patterns.spherical_code(m, d, np.random.default_rng([seed, d, m]), steps=steps) for m in Ms]
        Xr = [patterns.sphere(m, d, np.random.default_rng([seed, d, m, 1])) for m in Ms]
        out[d] = (Ms, [patterns.min_separation(X) for X in Xo], [patterns.min_separation(X) for X in Xr], Xo, Xr)
    return out


@claim(
    id="HU-3", role="bound", paper=PAPER, source="Prop. 3.1, Sec. 3 (optimal codes maximise the separation)", kind="simulation",
    statement="Numerically optimised spherical codes in d = 3, 4, 5 lie between the Prop. 3.1 bounds on the optimal minimal separation, "
    "and separate memories far better than random codes of the same size.",
    expected={"violations": 0, "optimised / random separation": ">= 2"}, tolerance=AllOf(AtMost(0, "optimised codes outside the bounds", key="violations"),
                                                                                          AtLeast(2, "median ratio of optimised to random Delta_min", key="ratio")),
    tolerance_reason="the bounds are rigorous for the optimum, and an optimised code is at most optimal (the lower bound is the one a "
    "near-optimal code can break); random codes' Delta_min shrinks like M^(-2/(d-1)) with a much smaller constant",
    quick={"dims": [3, 4, 5], "per_dim": 7, "steps": 1500},
)
def hu_3(p, seed):
    codes = _optimised(tuple(p["dims"]), p["per_dim"], p["steps"], seed)
    bad, rows, ratios, slack = 0, {}, [], []
    for d, (Ms, opt, rnd, _, _) in codes.items():
        lo = sp.lambdify(sc.M, sc.lower_bound().subs(sc.d, d))
        hi = sp.lambdify(sc.M, sc.upper_bound().subs(sc.d, d))
        for m, o, r in zip(Ms, opt, rnd):
            bad += not (lo(m) <= o <= hi(m))
            ratios.append(o / r)
            slack.append(min(o / lo(m), hi(m) / o))
        rows[f"d={d}"] = {str(m): [round(float(lo(m)), 4), round(o, 4), round(float(hi(m)), 4)] for m, o in zip(Ms, opt)}
    med = float(np.median(ratios))
    return Result({"violations": bad, "median_optimised_over_random": med, "tightest_bound_factor": float(min(slack)),
                   "M: [lower, Delta_opt, upper]": rows}, checked={"violations": bad, "ratio": med},
                  detail=f"the nearer bound is never closer than a factor {min(slack):.2f} to an optimised code: the bounds are loose, "
                  "so the check catches a broken bound or optimiser only through that factor and the optimised/random ratio")


@claim(
    id="HU-4", paper=PAPER, source="Sec. 3-4 (optimal capacity exponential in the feature dimension)", kind="simulation",
    statement="The optimal separation falls as Delta ~ M^(-2/(d-1)) - the exponent of the lower bound, derived - so at a fixed separation "
    "the number of memories grows as Delta^(-(d-1)/2), exponentially in d; numerically optimised codes show that exponent.",
    expected="slope of log Delta against log M = -2/(d-1)", tolerance=Within(1.0, "slope / (-2/(d-1)) at each d (M = 4d .. 32d)", abs=0.1),
    tolerance_reason="finite-M corrections to the packing density; the upper bound's exponent (-1/(d-1)) differs by a factor 2 and is excluded",
    quick={"dims": [3, 4, 5], "per_dim": 7, "steps": 1500},
)
def hu_4(p, seed):
    codes = _optimised(tuple(p["dims"]), p["per_dim"], p["steps"], seed)
    out, ratios = {}, []
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    for d, (Ms, opt, _, _, _) in codes.items():
        expo = sp.simplify(sc.M * sp.diff(sp.log(sc.lower_bound()), sc.M)).subs(sc.d, d)  # d log Delta_lower / d log M
        slope = fit_power_law(Ms, opt)["slope"]
        dev = slope / float(expo) - 1
        out[f"d={d}"] = {"slope": slope, "derived_exponent": str(expo)}
        ratios.append(dev + 1)
        ax.loglog(Ms, opt, "o", label=f"d = {d}: slope {slope:.3f} (derived {float(expo):.3f})")
        ax.loglog(Ms, opt[0] * (np.array(Ms) / Ms[0]) ** float(expo), "k-", lw=0.7)
    ax.set(xlabel="memories M", ylabel="minimal separation of the optimised code")
    ax.legend(fontsize=7)
    return Result(out, figure=fig, checked=ratios)


@claim(
    id="HU-5", paper=PAPER, source="Sec. 3 (memories as an optimal spherical code minimise the retrieval error; Ramsauer et al. Thm. 5)", kind="simulation",
    statement="At equal M, d and beta, memories arranged as an optimised spherical code are retrieved by one update of the modern Hopfield "
    "model with a far smaller worst-case error than random memories: the error falls like exp(-beta Delta_min).",
    expected="median (random error / optimised error) >= 10",
    tolerance=AtLeast(10, "median over d in {3, 4, 5} and the seven M per d of the ratio of max_i ||f(x_i) - x_i|| (random / optimised code), at beta = 20"),
    tolerance_reason="HU-3 requires optimised codes to separate at least twice as well as random ones; with the error ~ "
    "exp(-beta Delta_min) that is orders of magnitude at beta = 20, so a factor 10 is a conservative floor; a wrong beta placement or "
    "a code that is not spread fails it",
    quick={"dims": [3, 4, 5], "per_dim": 7, "steps": 1500, "beta": 20.0},
)
def hu_5(p, seed):
    import numerics as nm
    import theory

    k = nm.compile(theory.builtin("ramsauer").integrate_out("h"))
    codes = _optimised(tuple(p["dims"]), p["per_dim"], p["steps"], seed)

    def err(X):
        return float(np.linalg.norm(k.update(v=X, xi=X, beta=p["beta"])["v"] - X, axis=1).max())

    rows, ratios = {}, []
    for d, (Ms, _, _, Xo, Xr) in codes.items():
        e = [(err(a), err(b)) for a, b in zip(Xo, Xr)]
        rows[f"d={d}"] = {str(m): {"optimised": eo, "random": er} for m, (eo, er) in zip(Ms, e)}
        ratios += [er / max(eo, 1e-300) for eo, er in e]
    med = float(np.median(ratios))
    return Result({"median_random_over_optimised": med, "errors": rows}, checked=med)
