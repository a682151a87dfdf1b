"""Demircigil, Heusel, Loewe, Upgang, Vermet (2017), "On a model of associative memory with huge storage capacity", J. Stat. Phys."""

from __future__ import annotations

import math

import theory
from numerics import patterns, retrieval
from numerics.discrete import BinaryMemory
from numerics.plots import phase_diagram

from .claim import Result, claim
from .tolerance import AtLeast, Between

PAPER = "Demircigil et al. 2017"


def _law():
    """The capacity law of the built-in exponential memory, derived by theory (its large-deviation exponents)."""
    return theory.capacity_law(theory.builtin("dam_exp"))


@claim(
    id="DEM-1", paper=PAPER, source="Thm. (exponential capacity); Ramsauer blog Eq. 15", kind="simulation",
    statement="With F = exp, M = exp(alpha N) random patterns are all fixed points w.h.p. for alpha < ln2/2 = 0.347; the measured 50% transition lies near it.",
    expected="I(1)/2 = ln 2 / 2 ~ 0.347, from the derived law", tolerance=Between(-0.15, 0.10, "transition alpha - the derived I(1)/2"), tolerance_reason="the catalogue's finite-size band [0.2, 0.45] at N ~ 20, centred on the derived value",
    quick={"N": 18, "alphas": [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5], "trials": 6},
    paper_scale={"N": 22, "trials": 20},
    expected_source="derived from the model: theory.capacity_law(builtin('dam_exp')).large_deviation.value('all') (I(1)/2 from the Legendre transform of log cosh)",
)
def dem_1(p, seed):
    N = p["N"]
    frac = []
    for a in p["alphas"]:
        M = int(round(math.exp(a * N)))
        ok = 0
        for t in range(p["trials"]):
            X = patterns.binary(M, N, seed=seed * 7919 + 1000 * t + M)
            ok += BinaryMemory(theory.builtin("dam_exp"), X).all_fixed(X)
        frac.append(ok / p["trials"])
    # first alpha where the fraction drops below 1/2 (linear interpolation)
    trans = None
    for (a0, f0), (a1, f1) in zip(zip(p["alphas"], frac), zip(p["alphas"][1:], frac[1:])):
        if f0 >= 0.5 > f1:
            trans = a0 + (f0 - 0.5) / (f0 - f1) * (a1 - a0)
            break
    pred = float(_law().large_deviation.value("all", 0))
    fig = phase_diagram(p["alphas"], {f"N={N}": frac}, "alpha = ln(M)/N", "fraction of trials with all patterns fixed", logx=False)
    fig.axes[0].axvline(pred, color="k", ls="--", label="derived I(1)/2 = ln2/2")
    fig.axes[0].legend(fontsize=8)
    return Result({"transition_alpha": trans, "fractions": dict(zip(map(str, p["alphas"]), frac)), "derived I(1)/2": pred}, figure=fig,
                  checked=math.nan if trans is None else trans - pred)  # no transition in the scan: NaN, which fails


@claim(
    id="DEM-2", role="bound", paper=PAPER, source="Thm. (noisy retrieval), alpha < I(1-2rho)/2", kind="simulation",
    statement="With a fraction rho = 0.1 of flipped bits, one asynchronous sweep recovers the pattern w.h.p. for every "
    "alpha = ln(M)/N below I(1-2rho)/2 (a sufficient condition); scanned across the bound, with the alpha where success drops.",
    expected={"below the bound": ">= 0.9"}, tolerance=AtLeast(0.9, "success rate at every scanned alpha below the derived bound", ideal=1.0),
    tolerance_reason="w.h.p. at moderate N; above the bound the theorem says nothing, and the rates and the 50% drop are reported",
    quick={"N": [20, 24], "rho": 0.1, "alphas": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5], "cues": 50},
    paper_scale={"N": [20, 24, 26], "cues": 200},
    expected_source="derived from the model: theory.capacity_law(builtin('dam_exp')).large_deviation.value('all', rho) = I(1 - 2 rho)/2",
)
def dem_2(p, seed):
    rho = p["rho"]
    bound = float(_law().large_deviation.value("all", rho))
    below = [a for a in p["alphas"] if a < bound]
    rates, drops = {}, {}
    for N in p["N"]:
        rates[N] = []
        for a in p["alphas"]:
            M = int(round(math.exp(a * N)))
            X = patterns.binary(M, N, seed=seed + M)
            bm = BinaryMemory(theory.builtin("dam_exp"), X)
            cues = retrieval.flip(X[: min(p["cues"], M)], rho, seed + 1)
            out, _ = bm.async_sweep(cues, seed + 2)
            rates[N].append(float(retrieval.exact_recall(out, X[: len(cues)]).mean()))
        drops[N] = next((a for a, r in zip(p["alphas"], rates[N]) if r < 0.5), None)
    worst = min(r for N in p["N"] for a, r in zip(p["alphas"], rates[N]) if a < bound) if below else None
    fig = phase_diagram(p["alphas"], {f"N={N}": rates[N] for N in p["N"]}, "alpha = ln(M)/N", "fraction of cues recalled in one sweep", logx=False)
    fig.axes[0].axvline(bound, color="k", ls="--", label="derived bound I(1-2 rho)/2")
    fig.axes[0].legend(fontsize=8)
    detail = (f"bound {bound:.4f}; worst success below it {worst}; success first below 1/2 at alpha = "
              + ", ".join(f"{drops[N]} (N={N})" for N in p["N"])
              + ("; every drop lies above the bound (sufficient, not sharp)" if all(d is None or d > bound for d in drops.values())
                 else "; a drop lies at or below the bound"))
    measured = {"bound_alpha": bound, "success": {str(N): dict(zip(map(str, p["alphas"]), rates[N])) for N in p["N"]},
                "alpha_success_below_half": {str(N): drops[N] for N in p["N"]}}
    return Result(measured, detail=detail, figure=fig, checked=math.nan if worst is None else worst)  # no alpha below the bound: fails
