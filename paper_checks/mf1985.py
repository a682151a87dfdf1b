"""Memories at temperature: the mean-field theory of Amit, Gutfreund & Sompolinsky, "Storing infinite numbers of
patterns in a spin-glass model of neural networks" / "Spin-glass models of neural networks", Phys. Rev. A 32, 1007
(1985), for one condensed pattern (the Curie-Weiss limit), and its dense p-spin counterpart (a standard result).

The theory is derived by :class:`theory.MeanField` from the built-in models (nothing is typed in); the dynamics are
Glauber's, simulated exactly at finite N by :class:`numerics.thermal.OverlapChain` (the chain of the number of
aligned spins, which the permutation symmetry of a one-pattern energy makes exact), independent of the theory.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import theory
from numerics.thermal import OverlapChain, SublatticeChain
from theory.mean_field import MeanField, T

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Holds, Within

PAPER = "Amit, Gutfreund, Sompolinsky 1985 (mean field at temperature)"


def _theory(name: str, **params) -> MeanField:
    return MeanField.from_model(theory.builtin(name), params=params or None)


@claim(
    id="MF-1", paper=PAPER, source="Curie-Weiss limit (one pattern): T_c = 1, m ~ (1 - T)^(1/2)", kind="numeric",
    statement="With one condensed pattern the classical Hopfield network retrieves below T_c = 1 (temperature on the extensive scale, "
    "E = -N m^2/2) and its overlap grows as (1 - T)^(1/2) below it: derived from the model, and measured on the exact finite-N "
    "stationary law of Glauber dynamics (N = 10^6).",
    expected={"T_c": 1, "exponent": 0.5},
    tolerance=AllOf(Holds("derived T_c = 1 exactly and a simple zero of the m^2 coefficient there (exponent 1/2)", key="derived"),
                    Within(0.5, "log-log slope of the measured <|m|> against 1 - T", abs=0.03, key="slope"),
                    Within(1.0, "measured <|m|> / the derived branch m(T), each T", rel=0.01, key="branch")),
    tolerance_reason="exact finite-N laws (no sampling error) at N = 10^6, where the finite-size correction to <|m|>, relative "
    "~1/(N (1 - T) m^2), is below 5e-3; the slope over 1 - T in [0.008, 0.032] carries the O(1 - T) correction of the branch (~0.005)",
    quick={"N": 1_000_000, "eps": [0.008, 0.016, 0.032]},
)
def mf_1(p, seed):
    mf = _theory("classical_hopfield")
    crit = mf.critical()
    c2 = mf.coefficient(2)
    simple_zero = crit == {T: 1} and sp.diff(c2, T).subs(T, 1) != 0 and mf.coefficient(4).subs(T, 1).is_positive
    measured, derived = [], []
    for e in p["eps"]:
        measured.append(OverlapChain(mf.F, p["N"], 1 - e).mean_abs_overlap)
        derived.append(max(r["m"] for r in mf.stationary(T=1 - e) if r["stable"]))
    slope = float(np.polyfit(np.log(p["eps"]), np.log(measured), 1)[0])
    out = {"derived_T_c": str(crit[T]) if crit else None, "temperature_scale": str(mf.temperature_scale), "slope": slope,
           "measured_abs_m": dict(zip(map(str, p["eps"]), measured)), "derived_m": dict(zip(map(str, p["eps"]), derived))}
    return Result(out, detail=f"the model's own temperature is {mf.temperature_scale} T",
                  checked={"derived": bool(simple_zero), "slope": slope, "branch": [a / b for a, b in zip(measured, derived)]})


def _sweep(F, N: int, temps: list, k0: int, hold: float, replicas: int, rng) -> list[float]:
    """Adiabatic sweep: the replicas start at ``k0``, stay ``hold`` time units at each temperature in turn (carrying
    their states on), and the mean |m| at the end of each stay is recorded."""
    k = np.full(replicas, k0)
    out = []
    for t in temps:
        k = OverlapChain(F, N, float(t)).sample(k, hold, rng)
        out.append(float(np.abs((2 * k - N) / N).mean()))
    return out


@claim(
    id="MF-2", paper=PAPER + "; the dense p-spin Curie-Weiss model", source="first-order retrieval of the dense model (standard)", kind="simulation",
    statement="The dense energy F = m^3 (n = 3) has no continuous transition: retrieval appears and disappears discontinuously, "
    "so adiabatic temperature sweeps up from a memory and down from disorder trace a hysteresis loop; the classical F = m^2/2 "
    "(continuous) traces none.",
    expected={"n=3": "first order, hysteresis", "n=2": "continuous, no hysteresis"},
    tolerance=AllOf(Holds("derived: no continuous transition at n = 3 (first order), a continuous one at n = 2", key="orders"),
                    AtLeast(0.3, "hysteresis loop area at n = 3 (mean |m| up minus down, averaged over the sweep's T range)", key="loop3"),
                    AtMost(0.05, "the same at n = 2", key="loop2"),
                    AtLeast(0.5, "n = 3 up-sweep's mean |m| at every T up to the derived coexistence temperature (the memory held "
                            "where it is the global minimum)", key="held")),
    tolerance_reason="exact Glauber dynamics (lumped) sampled with 32 replicas at N = 300, 10 time units per temperature; at n = 3 the "
    "disordered state stays locally stable at every T (barrier ~ N), so the down-sweep never retrieves, while a memory melts between "
    "coexistence and spinodal (where its barrier vanishes); a continuous transition has no such window",
    quick={"N": 300, "replicas": 32, "hold": 10.0, "points": 15},
    expected_source="derived from the model: theory.MeanField.from_model(builtin('dam_power'), params={'n': 3}).transitions(T)",
)
def mf_2(p, seed):
    rng = np.random.default_rng(seed)
    th3 = _theory("dam_power", n=3)
    th2 = _theory("classical_hopfield")
    tr3, tr2 = th3.transitions(T), th2.transitions(T)
    sp3, co3 = tr3["spinodal"][0]["value"], tr3["coexistence"][0]["value"]
    N, R, hold = p["N"], p["replicas"], p["hold"]
    grids = {3: np.linspace(0.5 * co3, 1.3 * sp3, p["points"]), 2: np.linspace(0.6, 1.4, p["points"])}
    loops, curves = {}, {}
    for n, th in ((3, th3), (2, th2)):
        temps = grids[n]
        up = _sweep(th.F, N, list(temps), N, hold, R, rng)
        down = _sweep(th.F, N, list(temps[::-1]), N // 2, hold, R, rng)[::-1]
        loops[n] = float(np.mean(np.array(up) - np.array(down)))
        curves[n] = (temps, up, down)
    temps, up, _ = curves[3]
    melt = next((float(t) for t, u in zip(temps, up) if u < 0.5), float("nan"))
    held = [u for t, u in zip(temps, up) if t <= co3]
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, n in zip(axes, (3, 2)):
        t, u, d = curves[n]
        ax.plot(t, u, "o-", ms=3, label="sweep up (from a memory)")
        ax.plot(t, d, "s--", ms=3, label="sweep down (from disorder)")
        ax.set(xlabel="temperature T (extensive scale)", ylabel="mean |m|", title=f"n = {n}: loop area {loops[n]:.2f}")
        ax.title.set_fontsize(9)
    axes[0].axvline(sp3, color="k", lw=0.8, ls=":", label="derived spinodal")
    axes[0].axvline(co3, color="k", lw=0.8, ls="-.", label="derived coexistence")
    axes[1].axvline(1.0, color="k", lw=0.8, ls=":", label="derived T_c = 1")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = {"n=3": {"spinodal_T": sp3, "coexistence_T": co3, "melting_T_up_sweep": melt, "loop_area": loops[3]},
           "n=2": {"critical_T": tr2["continuous"], "loop_area": loops[2]}}
    return Result(out, figure=fig,
                  checked={"orders": tr3["order"] == "first" and th3.critical() is None and tr2["order"] == "continuous",
                           "loop3": loops[3], "loop2": abs(loops[2]), "held": held})


@claim(
    id="MF-3", paper=PAPER + "; Kramers/Arrhenius escape", source="escape time over the mean-field barrier", kind="numeric",
    statement="A memory of the dense model (F = m^3) at temperature T escapes to the basin boundary after a time that grows "
    "exponentially with N, log tau ~ N Delta F / T, with Delta F the derived barrier between the memory and the unstable branch.",
    expected="slope of log tau against N = derived Delta F / T",
    tolerance=Within(1.0, "fitted slope of log tau against N / derived Delta F / T, each T", rel=0.25),
    tolerance_reason="the acceptance's 25% at N <= 40: exact mean first-passage times of the lumped Glauber chain (no sampling), whose "
    "prefactor carries O(log N / N) corrections to the slope; at 0.8 and 0.85 of the derived spinodal temperature the barrier is "
    "N Delta F / T ~ 1-3 at these N (closer to the spinodal it vanishes and the prefactor dominates)",
    quick={"N": [20, 25, 30, 35, 40], "T_over_spinodal": [0.8, 0.85]},
    expected_source="derived from the model: theory.MeanField.from_model(builtin('dam_power'), params={'n': 3}).barrier(T=...)",
)
def mf_3(p, seed):
    th = _theory("dam_power", n=3)
    t_sp = th.transitions(T)["spinodal"][0]["value"]
    out, ratios = {}, []
    for t in (f * t_sp for f in p["T_over_spinodal"]):
        b = th.barrier(T=t)
        taus = []
        for N in p["N"]:
            ch = OverlapChain(th.F, N, t)
            taus.append(ch.first_passage(N, ch.m <= b["boundary"]["m"]))
        slope = float(np.polyfit(p["N"], np.log(taus), 1)[0])
        out[f"T={t:.4g}"] = {"derived_barrier": b["barrier"], "derived_slope": b["escape_slope"], "fitted_slope": slope,
                         "tau": dict(zip(map(str, p["N"]), taus))}
        ratios.append(slope / b["escape_slope"])
    return Result(out, checked=ratios)


@claim(
    id="MF-4", paper=PAPER, source="Phys. Rev. A 32, 1007 (1985): symmetric mixture states of a few patterns", kind="numeric",
    statement="In the classical Hopfield network with a few condensed patterns, symmetric mixtures of 3 patterns are local minima of "
    "the free energy only below T ~ 0.46, and symmetric mixtures of an even number of patterns (2, 4) are never stable, "
    "at any temperature where they exist.",
    expected={"T_3": 0.46, "even": "never stable"},
    tolerance=AllOf(Within(0.46, "temperature below which the symmetric 3-mixture is stable (derived Hessian of f)", abs=0.005, key="T3"),
                    AtMost(0, "temperatures (of 25 in 0.05..1) where a 2- or 4-mixture exists and is stable", key="even"),
                    AtLeast(20, "temperatures (of 25) where the 3-mixture exists", key="exists3")),
    tolerance_reason="the paper gives T ~ 0.46 (two digits); the derived edge is bisected to 1e-6 from exact sums over the 2^(s+1) "
    "sign patterns, so the allowance is the paper's rounding",
    quick={"T_range": [0.05, 1.0], "points": 25},
    expected_source="paper",
)
def mf_4(p, seed):
    th = _theory("classical_hopfield")
    rng = tuple(p["T_range"])
    res = {s: th.mixture_stability(s, rng, p["points"]) for s in (2, 3, 4)}
    t3 = res[3]["T_stable_below"]
    even = sum(st for s in (2, 4) for st in res[s]["stable"])
    low = th.mixture(3, T=0.3)
    out = {"T_3_stable_below": t3, "3-mixture at T=0.3": low, "2-mixture min eigenvalue at T=0.3": th.mixture(2, T=0.3)["min_eigenvalue"],
           "4-mixture min eigenvalue at T=0.3": th.mixture(4, T=0.3)["min_eigenvalue"],
           "stable_counts": {s: int(sum(r["stable"])) for s, r in res.items()}}
    return Result(out, detail="AGS's symmetric mixtures from the derived mean-field theory of classical_hopfield (several condensed "
                  "patterns: Hessian of f = -sum F(m_mu) + T I(m) with I's Hessian the inverse of the cumulant generating function's)",
                  checked={"T3": float("nan") if t3 is None else t3, "even": even, "exists3": sum(res[3]["exists"])})


@claim(
    id="MF-5", paper=PAPER, source="Phys. Rev. A 32, 1007 (1985): symmetric mixture states of a few patterns", kind="simulation",
    statement="Glauber dynamics of the classical Hopfield network with three condensed patterns (exact sublattice chain, "
    "N = 1600 sites with balanced patterns, 16 replicas started at the symmetric mixture sign(xi1 + xi2 + xi3)): below the "
    "derived stability edge T_3 (at 0.55 T_3 and 0.75 T_3) the three overlaps stay equal, at the derived mixture overlap; "
    "above it (at 1.15 T_3 and 1.3 T_3) the mixture breaks up.",
    expected="below T_3: |mean overlap - derived m_3(T)| <= 0.01 and mean spread max - min <= 0.1; above T_3: mean spread >= 0.3",
    tolerance=AllOf(AtMost(0.01, "below T_3: max |mean overlap - derived m_3|", key="overlap"),
                    AtMost(0.1, "below T_3: max mean spread of the three overlaps", key="kept"),
                    AtLeast(0.3, "above T_3: min mean spread of the three overlaps", key="broken")),
    tolerance_reason="a replica's overlap fluctuates by ~1/sqrt(N) = 0.025 around the branch, 16 replicas average it to "
    "0.006; a kept mixture's spread is that fluctuation, a broken one's is on its way to a pure state (the others near 0), "
    "0.4 or more after 10 units. The temperatures stay 25% from T_3: nearer, a mixture of N = 1600 spins crosses its small "
    "barrier within the run (finite N), which is not what the claim is about",
    quick={"N": 1600, "replicas": 16, "time": 10.0, "below": [0.55, 0.75], "above": [1.15, 1.3]},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('classical_hopfield')).mixture(3, T=...) "
    "and mixture_stability (T_3)",
)
def mf_5(p, seed):
    th = _theory("classical_hopfield")
    t3 = th.mixture_stability(3, (0.05, 1.0), 25)["T_stable_below"]
    if t3 is None:
        nan = float("nan")
        return Result({"T_3": None}, detail="the derived theory has no stable 3-mixture", checked={"overlap": nan, "kept": nan, "broken": nan})
    rng = np.random.default_rng(seed)
    sizes = np.full(8, p["N"] // 8, dtype=np.int64)  # balanced patterns: every sublattice N/8 sites
    rows, gaps, kept, broken = {}, [], [], []
    for f in p["below"] + p["above"]:
        T_ = f * t3
        ch = SublatticeChain(th.F, sizes, T_)
        majority = (ch.signs.sum(axis=1) > 0).astype(float)  # sign(xi1 + xi2 + xi3) on each sublattice
        k = ch.sample(np.repeat(ch.counts(majority[None, :]), p["replicas"], axis=0), p["time"], rng)
        m = ch.overlaps(k)
        spread = float(np.mean(m.max(axis=1) - m.min(axis=1)))
        mix = th.mixture(3, T=T_)
        row = {"T": T_, "mean_overlaps": m.mean(axis=0).tolist(), "spread": spread, "derived_m3": None if mix is None else float(mix["m"])}
        if f < 1:
            gaps.append(abs(float(m.mean()) - float(mix["m"])) if mix is not None else float("inf"))
            kept.append(spread)
        else:
            broken.append(spread)
        rows[f"{f} T_3"] = row
    return Result({"T_3": t3, "runs": rows}, checked={"overlap": max(gaps), "kept": max(kept), "broken": min(broken)})
