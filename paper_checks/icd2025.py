"""In-context denoising with one-layer transformers: Smart, Bietti & Sengupta, "In-context denoising with one-layer
transformers: connections between attention and associative memory retrieval", ICML 2025, arXiv 2502.05164.

The paper's theorem statements and figure values are not available to us (only its abstract and the authors' public
repository, summarised in ../shared/reference/temperature_oscillators_icd.md Sec. 3), so every expected value here is
**derived by the workbench** (:mod:`theory.denoising`: the one-step identities, the Bayes estimators, the linear task's
finite-context risk) and each claim says so. The simulations (:mod:`numerics.denoising`: seeded prompts, estimators on
compiled kernels with each prompt's context as its own weights) are Monte Carlo over prompts; a risk is the mean of
``|x_hat - x|^2`` over prompts and its error the standard error, and two estimators on the same prompts are compared
by their paired difference (its own standard error), which cancels the prompts' common noise.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import theory
from numerics import denoising as nd
from numerics.tolerances import MC_SIGMAS
from theory import denoising as td
from theory.calculus import vsimplify
from theory.vector import Vector, Weight

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Holds

PAPER = "Smart, Bietti & Sengupta 2025 (in-context denoising, ICML; arXiv 2502.05164)"
STEP_SOURCE = "derived from the model: the derived one step (theory.denoising.one_step) at alpha = 1, beta = 1/sigma^2 and the Bayes estimator "
DERIVED = " The paper's own values are not available: the expected value is derived by the workbench (theory.denoising)."


def _paired(a: np.ndarray, b: np.ndarray, p) -> tuple[float, float]:
    """Mean and standard error of the per-prompt difference of squared errors ``|a - x|^2 - |b - x|^2``."""
    e = np.sum((a - p.target) ** 2, axis=1) - np.sum((b - p.target) ** 2, axis=1)
    return float(e.mean()), float(e.std(ddof=1) / np.sqrt(e.size))


def _sphere_batches(p):
    """The training minibatches of the sphere claims: ``seed -> sphere_prompts(batch, n, d, L, R, sigma, seed)``."""
    return lambda s: nd.sphere_prompts(p["batch"], p["n"], p["d"], p["L"], p["R"], p["sigma"], seed=s)


def _attention(p, alpha: float, beta: float) -> np.ndarray:
    """Hand-written softmax attention alpha X^T softmax(beta X q), per prompt (the independent route)."""
    z = beta * np.einsum("bln,bn->bl", p.tokens, p.query)
    z -= z.max(axis=1, keepdims=True)
    w = np.exp(z)
    w /= w.sum(axis=1, keepdims=True)
    return alpha * np.einsum("bl,bln->bn", w, p.tokens)


@claim(
    id="ICD-1", role="identity", paper=PAPER, source="abstract; the context-aware energy of the authors' repository", kind="symbolic",
    statement="One gradient step of size alpha on the context-aware energy E(s) = |s|^2/(2 alpha) - beta^-1 log sum_t "
    "exp(beta x_t.s), started at the query, is exactly one softmax-attention layer alpha X^T softmax(beta X q) (and on the "
    "quadratic energy, linear attention (alpha beta / L) X^T X q): derived at symbolic n and L, and by the compiled kernel "
    "on every prompt.",
    expected="the paper's softmax attention layer W_PV X softmax(X^T W_KQ q) at W_PV = alpha I, W_KQ = beta I (as "
    "theory.literature.ram2021.attention_update writes it): the derived step minus it is 0 at symbolic sizes; max "
    "|kernel step - hand attention| <= 1e-12",
    tolerance=AllOf(Holds("the derived one step is attention at symbolic n, L (softmax and linear)", key="symbolic"),
                    AtMost(1e-12, "max |kernel one step - hand attention|", key="numeric")),
    tolerance_reason="an identity of the derivation; only rounding remains in the kernel (sums of L <= 64 terms of "
    "size <= 1)",
    quick={"prompts": 256, "n": 8, "d": 2, "L": 64, "pairs": [[1.0, 2.0], [0.5, 6.25], [2.0, 0.1]]},
    expected_source="paper",
)
def icd_1(p, seed):
    from theory.literature.ram2021 import attention_update

    m = theory.builtin("context_denoising")
    s, X = m.layer("s").state, m.weights[0]
    alpha, beta = (next(q for q in m.parameters if q.name == n) for n in ("alpha", "beta"))
    soft = vsimplify(td.one_step(m) - alpha * attention_update(s, X, beta)) == 0
    ml = theory.builtin("linear_denoising")
    sl, Xl = ml.layer("s").state, ml.weights[0]
    al, bl = (next(q for q in ml.parameters if q.name == n) for n in ("alpha", "beta"))
    from theory.vector import MatTVec, MatVec

    Ls = Xl.shape[0]
    lin = vsimplify(td.one_step(ml) - al * bl / Ls * MatTVec(Xl, MatVec(Xl, sl))) == 0
    prompts = nd.sphere_prompts(p["prompts"], p["n"], p["d"], p["L"], 1.0, 0.5, seed=seed)
    err = 0.0
    for a, b in p["pairs"]:
        err = max(err, float(np.abs(nd.one_step(prompts, a, b) - _attention(prompts, a, b)).max()))
    gamma = 0.7
    hand_lin = gamma / prompts.L * np.einsum("bln,bl->bn", prompts.tokens, np.einsum("bln,bn->bl", prompts.tokens, prompts.query))
    err = max(err, float(np.abs(nd.linear_step(prompts, gamma) - hand_lin).max()))
    out = {"softmax_symbolic": bool(soft), "linear_symbolic": bool(lin), "max_numeric_error": err,
           "derived_step": str(td.one_step(m)), "derived_linear_step": str(td.one_step(ml))}
    return Result(out, checked={"symbolic": bool(soft and lin), "numeric": err})


@claim(
    id="ICD-2", role="identity", paper=PAPER, source="abstract: 'a trained layer performs one gradient step on the "
    "context-aware energy'; Tweedie's formula", kind="symbolic",
    statement="Tweedie's posterior mean under the context's empirical prior, q + sigma^2 grad log p_sigma(q) with "
    "p_sigma = (1/L) sum_t N(x_t, sigma^2 I), is X^T softmax((X q - |x_t|^2/2)/sigma^2): for tokens of equal norm (the "
    "sphere) it is exactly one step at alpha = 1, beta = 1/sigma^2, and for tokens of unequal norm (the linear task) it "
    "is not.",
    expected="derived Tweedie = X^T softmax((X q - rowsumsq(X)/2)/sigma^2) after softmax's shift invariance; equal norms: "
    "max |Tweedie - one step| <= 1e-12; unequal norms: >= 1e-3",
    tolerance=AllOf(Holds("the derived Tweedie estimator is attention with the per-token bias -|x_t|^2/(2 sigma^2)", key="symbolic"),
                    AtMost(1e-12, "equal norms: max |Tweedie - one step|", key="equal"),
                    AtLeast(1e-3, "unequal norms: max |Tweedie - one step|", key="unequal")),
    tolerance_reason="an identity (equal norms: only rounding); the unequal-norm gap is the bias term itself, of order "
    "the tokens' norm spread over sigma^2, far above 1e-3 for Gaussian tokens",
    quick={"prompts": 256, "n": 8, "d": 2, "L": 64, "sigma": 0.5},
    expected_source="derived from the model: theory.denoising.tweedie_empirical (theory.diffusion.log_density's gradient, simplified)",
)
def icd_2(p, seed):
    n, K = sp.Symbol("n", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
    q, X = Vector("q", n), Weight("X", K, n)
    tw = td.tweedie_empirical(q, X)
    from theory.vector import MatTVec, MatVec, RowSumSq, Softmax

    target = MatTVec(X, Softmax(MatVec(X, q) / td.sigma**2 - RowSumSq(X) / (2 * td.sigma**2), 1))
    symbolic = vsimplify(td.drop_row_constants(tw) - target) == 0
    from numerics.codegen.kernel import compile

    k = compile(tw)
    gaps = {}
    for name, prompts in (("equal", nd.sphere_prompts(p["prompts"], p["n"], p["d"], p["L"], 1.0, p["sigma"], seed=seed)),
                          ("unequal", nd.linear_prompts(p["prompts"], p["n"], p["d"], p["L"], 1.0, p["sigma"], seed=seed))):
        t = k(q=prompts.query, X=prompts.tokens, sigma=p["sigma"])
        gaps[name] = float(np.abs(t - nd.one_step(prompts, 1.0, 1.0 / p["sigma"] ** 2)).max())
    out = {"tweedie": str(tw), "after_shift_invariance": str(td.drop_row_constants(tw)), **gaps}
    return Result(out, checked={"symbolic": bool(symbolic), **gaps})


@claim(
    id="ICD-3", paper=PAPER, source="the linear task of the authors' repository: optimal linear attention and its "
    "finite-context risk", kind="simulation",
    statement="Linear task (rank-d subspace, sigma_0 = 1, sigma = 0.5, n = 16, d = 4): linear attention gamma (1/L) X^T X q "
    "at the derived finite-context optimum gamma*(L) = L/((L + d + 1)(sigma_0^2 + sigma^2)) has the derived risk, whose "
    "excess over the Bayes risk d sigma_0^2 sigma^2/(sigma_0^2 + sigma^2) is d (d + 1) sigma_0^4/((sigma_0^2 + sigma^2)"
    "(L + d + 1)) (a 1/L law), and gamma*(L) -> 1/(sigma_0^2 + sigma^2) as L grows; the Bayes estimator's Monte Carlo "
    "risk is the derived Bayes risk." + DERIVED,
    expected="Monte Carlo risks at L = 8, 32, 128 (one step at gamma*(L)) and of the Bayes estimator = the derived "
    "values, each within MC_SIGMAS standard errors",
    tolerance=AllOf(AtMost(MC_SIGMAS, "max |MC risk - derived risk| / standard error", key="z"),
                    Holds("derived: gamma*(L) -> 1/(sigma_0^2 + sigma^2)", key="limit")),
    tolerance_reason="Monte Carlo over prompts (the standard errors are measured); MC_SIGMAS is the suite's bound for a "
    "sampled mean (numerics.tolerances)",
    quick={"prompts": 20000, "n": 16, "d": 4, "L": [8, 32, 128], "sigma0": 1.0, "sigma": 0.5},
    expected_source="derived from the model: theory.denoising.linear_task() (Gaussian posterior; Wishart moments by Isserlis)",
)
def icd_3(p, seed):
    lt = td.linear_task()
    vals = {td.sigma0: p["sigma0"], td.sigma: p["sigma"], td.d: p["d"]}
    rows, zs = {}, []
    for L in p["L"]:
        pr = nd.linear_prompts(p["prompts"], p["n"], p["d"], L, p["sigma0"], p["sigma"], seed=seed + L)
        g = float(lt["gamma_opt"].subs({**vals, td.L: L}))
        mc = nd.risk(nd.linear_step(pr, g), pr)
        want = float(lt["risk_opt"].subs({**vals, td.L: L}))
        zs.append(abs(mc["risk"] - want) / mc["sem"])
        rows[str(L)] = {"gamma_opt": g, "mc_risk": mc["risk"], "sem": mc["sem"], "derived_risk": want,
                        "derived_excess": float(lt["excess"].subs({**vals, td.L: L}))}
    pr = nd.linear_prompts(p["prompts"], p["n"], p["d"], p["L"][-1], p["sigma0"], p["sigma"], seed=seed)
    mb = nd.risk(nd.bayes(pr), pr)
    want_b = float(lt["bayes_risk"].subs(vals))
    zs.append(abs(mb["risk"] - want_b) / mb["sem"])
    limit = sp.simplify(lt["gamma_limit"] - 1 / (td.sigma0**2 + td.sigma**2)) == 0
    out = {"per_L": rows, "bayes": {"mc_risk": mb["risk"], "sem": mb["sem"], "derived": want_b}, "gamma_opt": str(lt["gamma_opt"]),
           "excess": str(lt["excess"]), "max_z": max(zs)}
    return Result(out, checked={"z": max(zs), "limit": bool(limit)})


def _posterior_mc(y: np.ndarray, R: float, sigma: float, samples: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mean of x = R u (u uniform on the unit sphere of R^m) given y = x + noise, by self-normalised
    importance sampling from the prior, with its delta-method standard error per coordinate."""
    m = y.size
    u = rng.standard_normal((samples, m))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    logw = R * (u @ y) / sigma**2
    w = np.exp(logw - logw.max())
    w /= w.sum()
    mean = R * (w @ u)
    se = np.sqrt(np.sum(w[:, None] ** 2 * (R * u - mean) ** 2, axis=0))
    return mean, se


@claim(
    id="ICD-4", paper=PAPER, source="the sphere task: the von Mises-Fisher posterior mean of the authors' repository", kind="numeric",
    statement="Sphere task: the derived Bayes estimator R A_m(kappa) y/|y|, A_m = I_{m/2}/I_{m/2-1}, kappa = R |y|/sigma^2 "
    "(y the query in the sphere's subspace) equals a brute-force posterior mean (importance sampling from the uniform "
    "prior on the sphere) for m = 2, 3 and 9." + DERIVED,
    expected="|derived - brute force| / its standard error <= MC_SIGMAS for every coordinate of every query",
    tolerance=AtMost(MC_SIGMAS, "max |derived - brute-force posterior mean| / standard error"),
    tolerance_reason="importance sampling with 400000 prior draws per query; its standard error is measured (delta "
    "method for the self-normalised weights)",
    quick={"m": [2, 3, 9], "queries": 4, "samples": 400000, "R": 1.0, "sigma": 0.5},
    expected_source="derived from the model: theory.denoising.sphere_mean_ratio(m) (d/dkappa log of Poisson's integral, Bessel recurrence)",
)
def icd_4(p, seed):
    from numerics.codegen.kernel import compile

    rng = np.random.default_rng(seed)
    worst, rows = 0.0, {}
    for m in p["m"]:
        k = compile(td.sphere_posterior_mean(Vector("y", m)))
        zs = []
        for _ in range(p["queries"]):
            u = rng.standard_normal(m)
            y = p["R"] * u / np.linalg.norm(u) + p["sigma"] * rng.standard_normal(m)
            est = k(y=y[None, :], R=p["R"], sigma=p["sigma"])[0]
            mc, se = _posterior_mc(y, p["R"], p["sigma"], p["samples"], rng)
            zs.append(float(np.max(np.abs(est - mc) / se)))
        rows[str(m)] = {"max_z": max(zs), "ratio": str(td.sphere_mean_ratio(m))}
        worst = max(worst, max(zs))
    return Result({"per_m": rows, "max_z": worst}, checked=worst)


@claim(
    id="ICD-5", paper=PAPER, source="abstract: one step 'beats exact retrieval of a context token and iterating to a "
    "local minimum'", kind="simulation",
    statement="Sphere task (n = 16, d = 2, R = 1, sigma = 0.4): one attention step at alpha = 1, beta = 1/sigma^2 (the "
    "Bayes estimator under the context's empirical prior, ICD-2) approaches the Bayes risk as the context grows (its "
    "excess shrinks from L = 16 to 1024 by more than tenfold), and at L = 16 and 128 it beats both the nearest context "
    "token and the energy's iteration run to a local minimum." + DERIVED,
    expected="excess(1024)/excess(16) < 0.1; one step's risk below nearest-token's and converged dynamics' by more than "
    "MC_SIGMAS paired standard errors",
    tolerance=AllOf(AtMost(0.1, "excess risk over Bayes at L = 1024 / at L = 16", key="shrink"),
                    AtLeast(MC_SIGMAS, "min (risk of nearest token or converged - risk of one step) / paired standard error", key="beats")),
    tolerance_reason="the empirical prior converges to the sphere's uniform law as L grows, so the derived expectation "
    "is excess -> 0; a tenfold drop over a 64-fold context leaves room for the slower-than-1/L tail while a one step at "
    "the wrong temperature (beta = 1/(2 sigma^2)) keeps a finite excess. Paired differences on the same prompts",
    quick={"prompts": 2000, "n": 16, "d": 2, "R": 1.0, "sigma": 0.4, "L": [16, 128, 1024], "compare_L": [16, 128]},
    expected_source="derived from the model: the Bayes estimator (theory.denoising.sphere_posterior_mean) and ICD-2's identity",
)
def icd_5(p, seed):
    import matplotlib.pyplot as plt

    curves = {k: [] for k in ("bayes", "one step", "nearest token", "converged")}
    excess, beats, rows = {}, [], {}
    for L in p["L"]:
        pr = nd.sphere_prompts(p["prompts"], p["n"], p["d"], L, p["R"], p["sigma"], seed=seed + L)
        b, one = nd.bayes(pr), nd.one_step(pr)
        ex, ex_se = _paired(one, b, pr)
        excess[L] = ex
        row = {"bayes": nd.risk(b, pr), "one_step": nd.risk(one, pr), "excess": ex, "excess_se": ex_se}
        curves["bayes"].append(row["bayes"]["risk"])
        curves["one step"].append(row["one_step"]["risk"])
        if L in p["compare_L"]:
            for name, est in (("nearest token", nd.nearest_token(pr)), ("converged", nd.converged(pr, tol=1e-8))):
                d, se = _paired(est, one, pr)
                beats.append(d / se)
                row[name] = {"risk": nd.risk(est, pr), "minus_one_step": d, "se": se}
                curves[name].append(row[name]["risk"]["risk"])
        rows[str(L)] = row
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for name, ys in curves.items():
        xs = p["L"] if len(ys) == len(p["L"]) else p["compare_L"]
        ax.plot(xs, ys, "o-", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("context length L")
    ax.set_ylabel("risk E|x_hat - x|^2")
    ax.set_title("sphere task: one attention step against Bayes")
    ax.legend(fontsize=8)
    fig.tight_layout()
    shrink = excess[p["L"][-1]] / excess[p["L"][0]]
    return Result({"per_L": rows, "excess_ratio": shrink, "min_beats_z": min(beats)}, figure=fig,
                  checked={"shrink": shrink, "beats": min(beats)})


@claim(
    id="ICD-6", paper=PAPER, source="the Gaussian-mixture task: one step is optimal only as sigma_0 -> 0", kind="simulation",
    statement="Mixture task (K = 4 unit-norm centres, n = 16, L = 512, sigma = 0.4): one attention step at alpha = 1, "
    "beta = 1/sigma^2 matches the derived Bayes estimator when the clusters are tight (sigma_0 = 0.01: its excess within "
    "MC_SIGMAS paired standard errors of 0) and is strictly worse when they are not (sigma_0 = 0.3: excess above "
    "MC_SIGMAS standard errors)." + DERIVED,
    expected="|excess| / se <= MC_SIGMAS at sigma_0 = 0.01; excess / se >= MC_SIGMAS at sigma_0 = 0.3",
    tolerance=AllOf(AtMost(MC_SIGMAS, "tight clusters: |excess risk| / paired standard error", key="tight"),
                    AtLeast(MC_SIGMAS, "wide clusters: excess risk / paired standard error", key="wide")),
    tolerance_reason="paired Monte Carlo over prompts; at sigma_0 -> 0 the tokens are the centres and one step is the "
    "posterior mean under the empirical weights (ICD-2), whose O(1/sqrt(L)) weight error is far below the noise here",
    quick={"prompts": 4000, "n": 16, "K": 4, "L": 512, "sigma": 0.4, "sigma0": [0.01, 0.3]},
    expected_source="derived from the model: theory.denoising.mixture_posterior_mean (Gaussian conditioning and the convolution integral)",
)
def icd_6(p, seed):
    rows, z = {}, {}
    for tag, s0 in zip(("tight", "wide"), p["sigma0"], strict=True):
        pr = nd.mixture_prompts(p["prompts"], p["n"], p["K"], p["L"], s0, p["sigma"], seed=seed + 1)
        b, one = nd.bayes(pr), nd.one_step(pr)
        ex, se = _paired(one, b, pr)
        rows[str(s0)] = {"bayes": nd.risk(b, pr), "one_step": nd.risk(one, pr), "excess": ex, "se": se}
        z[tag] = abs(ex) / se if tag == "tight" else ex / se
    return Result({"per_sigma0": rows, **z}, checked=z)


@claim(
    id="ICD-7", paper=PAPER, source="abstract: trained weights approach scaled identities; the linear task's optimal "
    "linear attention", kind="simulation",
    statement="Linear task (n = 16, d = 4, L = 32, sigma_0 = 1, sigma = 0.5): one linear-attention layer trained by Adam "
    "with the derived weight gradients (theory.denoising.AttentionObjective) learns the derived finite-context optimum: "
    "scalar W_KQ = beta I, W_PV = alpha I reach alpha beta = gamma*(L) (the loss depends on the product only: flat along "
    "alpha beta = const), and full matrices reach W_PV W_KQ = gamma*(L) I, with the derived optimal risk on held-out "
    "prompts." + DERIVED,
    expected="alpha beta = gamma*(L) = L/((L + d + 1)(sigma_0^2 + sigma^2)) within 2%; |W_PV W_KQ - gamma* I|_F / "
    "|gamma* I|_F <= 0.1; held-out risk of the matrix fit = the derived optimal risk within MC_SIGMAS standard errors",
    tolerance=AllOf(AtMost(0.02, "|alpha beta / gamma* - 1|", key="scalar"),
                    AtMost(0.1, "|W_PV W_KQ - gamma* I|_F / |gamma* I|_F", key="matrix"),
                    AtMost(MC_SIGMAS, "|held-out risk - derived optimal risk| / standard error", key="risk")),
    tolerance_reason="stochastic gradients on fresh minibatches of 256 prompts: the scalar product settles to a fraction "
    "of a percent under the decaying rate, while the 256 matrix entries each keep minibatch noise (their relative "
    "Frobenius deviation is reported), so 0.1 is the matrix bound; a fit at the infinite-context gamma = 1/(sigma_0^2 + "
    "sigma^2) would be 16% off, and the risk is checked on 20000 held-out prompts",
    quick={"n": 16, "d": 4, "L": 32, "sigma0": 1.0, "sigma": 0.5, "batch": 256, "steps": 400, "matrix_steps": 600,
           "lr": 0.05, "matrix_lr": 0.02, "lr_final": 0.001, "heldout": 20000},
    expected_source="derived from the model: theory.denoising.linear_task() (gamma_opt, risk_opt)",
)
def icd_7(p, seed):
    import matplotlib.pyplot as plt

    lt = td.linear_task()
    vals = {td.sigma0: p["sigma0"], td.sigma: p["sigma"], td.d: p["d"], td.L: p["L"]}
    g_opt, r_opt = float(lt["gamma_opt"].subs(vals)), float(lt["risk_opt"].subs(vals))

    def make(s):
        return nd.linear_prompts(p["batch"], p["n"], p["d"], p["L"], p["sigma0"], p["sigma"], seed=s)

    sc = nd.train_attention(make, kind="linear", steps=p["steps"], lr=p["lr"], lr_final=p["lr_final"], seed=seed)
    mx = nd.train_attention(make, kind="linear", parametrisation="matrix", steps=p["matrix_steps"], lr=p["matrix_lr"],
                            lr_final=p["lr_final"], seed=seed)
    M = mx.W_PV @ mx.W_KQ
    eye = np.eye(p["n"])
    dev = float(np.linalg.norm(M - g_opt * eye) / np.linalg.norm(g_opt * eye))
    held = nd.linear_prompts(p["heldout"], p["n"], p["d"], p["L"], p["sigma0"], p["sigma"], seed=seed + 10**6)
    r = nd.risk(nd.apply_attention(held, mx.W_KQ, mx.W_PV, "linear"), held)
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.4))
    ax[0].plot(sc.history, lw=0.8)
    ax[0].axhline(r_opt, color="k", ls="--", label="derived optimal risk")
    ax[0].set_xlabel("Adam step")
    ax[0].set_ylabel("minibatch loss")
    ax[0].legend(fontsize=8)
    im = ax[1].imshow(M / g_opt, cmap="RdBu_r", vmin=-1.2, vmax=1.2)
    ax[1].set_title("trained W_PV W_KQ / gamma*(L)")
    fig.colorbar(im, ax=ax[1])
    fig.tight_layout()
    out = {"gamma_opt": g_opt, "scalar_alpha": sc.alpha, "scalar_beta": sc.beta, "scalar_product": sc.alpha * sc.beta,
           "matrix_deviation": dev, "matrix_diag_mean": float(np.trace(M) / p["n"]), "heldout_risk": r, "derived_risk": r_opt,
           "gamma_infinite_context": float(lt["gamma_limit"].subs(vals))}
    return Result(out, figure=fig, checked={"scalar": abs(sc.alpha * sc.beta / g_opt - 1), "matrix": dev,
                                            "risk": abs(r["risk"] - r_opt) / r["sem"]})


@claim(
    id="ICD-8", paper=PAPER, source="abstract: 'a trained layer performs one gradient step on the context-aware energy'; "
    "trained weights approach alpha = 1, beta = 1/sigma^2", kind="simulation",
    statement="Sphere task (n = 16, d = 2, R = 1, sigma = 0.4, L = 128): a softmax-attention layer W_KQ = beta I, "
    "W_PV = alpha I trained by Adam with the derived gradients learns the derived step, alpha = 1 and beta = 1/sigma^2, "
    "reaches its risk, and comes within 5% of the Bayes risk; along beta the loss is flat (the risk at the learned alpha "
    "changes by less than 2% of the Bayes risk between the learned beta and 1/sigma^2), which is why beta is the "
    "looser of the two." + DERIVED,
    expected="|alpha - 1| <= 0.05; |beta sigma^2 - 1| <= 0.15; trained risk <= derived step's risk + MC_SIGMAS paired "
    "standard errors; trained risk / Bayes risk - 1 <= 0.05; |risk(alpha, 1/sigma^2) - risk(alpha, beta)| / Bayes risk <= 0.02",
    tolerance=AllOf(AtMost(0.05, "|alpha - 1|", key="alpha"),
                    AtMost(0.15, "|beta sigma^2 - 1|", key="beta"),
                    AtMost(MC_SIGMAS, "(trained risk - derived step's risk) / paired standard error", key="vs_step"),
                    AtMost(0.05, "trained risk / Bayes risk - 1", key="vs_bayes"),
                    AtMost(0.02, "|risk at beta = 1/sigma^2 - risk at the learned beta| / Bayes risk", key="flat")),
    tolerance_reason="600 Adam steps of 256 fresh prompts with the rate decaying from 0.5 to 0.02: along alpha the loss is "
    "curved and the fit settles to a percent; along beta it is flat (the figure's curve of the risk against beta, measured "
    "by this run), so where the fit stops along it depends on the schedule, hence 15% for beta. At L = 128 the derived "
    "step's own excess over Bayes is a few percent (ICD-5 measures it), so 5% leaves the training's "
    "own noise; held-out risks on 4000 prompts, paired",
    quick={"n": 16, "d": 2, "R": 1.0, "sigma": 0.4, "L": 128, "batch": 256, "steps": 600, "lr": 0.5, "lr_final": 0.02,
           "init": [0.5, 1.0], "heldout": 4000},
    expected_source=STEP_SOURCE + "(theory.denoising.sphere_posterior_mean)",
)
def icd_8(p, seed):
    import matplotlib.pyplot as plt

    fit = nd.train_attention(_sphere_batches(p),
                             steps=p["steps"], lr=p["lr"], lr_final=p["lr_final"], init=tuple(p["init"]), seed=seed)
    held = nd.sphere_prompts(p["heldout"], p["n"], p["d"], p["L"], p["R"], p["sigma"], seed=seed + 10**6)
    b0 = 1 / p["sigma"] ** 2
    trained, step, bayes = nd.one_step(held, fit.alpha, fit.beta), nd.one_step(held, 1.0, b0), nd.bayes(held)
    rb = nd.risk(bayes, held)["risk"]
    d, se = _paired(trained, step, held)
    r_tr = nd.risk(trained, held)["risk"]
    r_at_b0 = nd.risk(nd.one_step(held, fit.alpha, b0), held)["risk"]
    betas = np.linspace(0.4 * b0, 1.6 * b0, 13)
    curve = [nd.risk(nd.one_step(held, fit.alpha, b), held)["risk"] for b in betas]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(betas, curve, "o-", label=f"one step at the learned alpha = {fit.alpha:.3f}")
    ax.axhline(rb, color="k", ls="--", label="Bayes")
    ax.axvline(fit.beta, color="C1", ls=":", label="learned beta")
    ax.axvline(b0, color="C2", ls=":", label="1/sigma^2")
    ax.set_xlabel("beta")
    ax.set_ylabel("held-out risk")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = {"alpha": fit.alpha, "beta": fit.beta, "one_over_sigma2": b0, "trained_risk": r_tr, "step_risk": nd.risk(step, held)["risk"],
           "bayes_risk": rb, "risk_at_learned_alpha_and_1_over_sigma2": r_at_b0, "final_loss": float(np.mean(fit.history[-30:]))}
    return Result(out, figure=fig, checked={"vs_step": d / se, "vs_bayes": r_tr / rb - 1, "flat": abs(r_at_b0 - r_tr) / rb,
                                            "alpha": abs(fit.alpha - 1), "beta": abs(fit.beta / b0 - 1)})


@claim(
    id="ICD-9", paper=PAPER, source="abstract: trained weights approach scaled identities (full W_KQ and W_PV)",
    kind="simulation",
    statement="Sphere task as ICD-8 (n = 16, d = 2, R = 1, sigma = 0.4, L = 128), now with full matrices: a softmax-attention "
    "layer whose W_KQ and W_PV are trained entry by entry (512 parameters, started at 0.5 I and I plus a seeded "
    "perturbation) by Adam with the derived gradients learns scaled identities, W_PV -> alpha I and W_KQ -> beta I with "
    "alpha = 1 and beta = 1/sigma^2 (the task is rotation invariant; nothing in the parametrisation says so), and its risk "
    "is the derived step's." + DERIVED,
    expected="off-identity part |W - (tr W/n) I|_F / |(tr W/n) I|_F <= 0.1 for each matrix; |tr W_PV/n - 1| <= 0.05; "
    "|tr W_KQ sigma^2/n - 1| <= 0.15; |trained risk / derived step's risk - 1| <= 0.01; trained risk / Bayes risk - 1 <= 0.05",
    tolerance=AllOf(AtMost(0.1, "|W_PV - alpha I|_F / |alpha I|_F", key="pv_identity"),
                    AtMost(0.1, "|W_KQ - beta I|_F / |beta I|_F", key="kq_identity"),
                    AtMost(0.05, "|alpha - 1|", key="alpha"),
                    AtMost(0.15, "|beta sigma^2 - 1|", key="beta"),
                    AtMost(0.01, "|trained risk / derived step's risk - 1|", key="vs_step"),
                    AtMost(0.05, "trained risk / Bayes risk - 1", key="vs_bayes")),
    tolerance_reason="each of the 512 entries keeps the noise of its minibatch gradients after 800 Adam steps (the rate "
    "decaying from 0.5 to 0.002), so the off-identity part is a noise floor, bounded by 0.1 of the identity; an excess "
    "risk is second order in that deviation, so 0.1 allows about 1% over the derived step; alpha and beta as ICD-8 (beta "
    "lies along a flat direction of the loss); the step's own excess over Bayes at L = 128 is a few percent (ICD-5 "
    "measures it), hence 5%; held-out risks on 4000 prompts",
    quick={"n": 16, "d": 2, "R": 1.0, "sigma": 0.4, "L": 128, "batch": 256, "steps": 800, "lr": 0.5, "lr_final": 0.002,
           "init": [0.5, 1.0], "heldout": 4000},
    expected_source=STEP_SOURCE + "(theory.denoising.sphere_posterior_mean)",
)
def icd_9(p, seed):
    import matplotlib.pyplot as plt

    fit = nd.train_attention(_sphere_batches(p),
                             parametrisation="matrix", steps=p["steps"], lr=p["lr"], lr_final=p["lr_final"], init=tuple(p["init"]),
                             seed=seed)
    n, b0 = p["n"], 1 / p["sigma"] ** 2
    eye = np.eye(n)

    def off(W):
        c = np.trace(W) / n
        return float(np.linalg.norm(W - c * eye) / np.linalg.norm(c * eye))

    held = nd.sphere_prompts(p["heldout"], n, p["d"], p["L"], p["R"], p["sigma"], seed=seed + 10**6)
    r_tr = nd.risk(nd.apply_attention(held, fit.W_KQ, fit.W_PV), held)["risk"]
    r_step = nd.risk(nd.one_step(held, 1.0, b0), held)["risk"]
    rb = nd.risk(nd.bayes(held), held)["risk"]
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for a, W, title in ((ax[0], fit.W_PV, "trained W_PV (derived: I)"), (ax[1], fit.W_KQ / b0, "trained W_KQ sigma^2 (derived: I)")):
        im = a.imshow(W, cmap="RdBu_r", vmin=-1.2, vmax=1.2)
        a.set_title(title, fontsize=9)
        fig.colorbar(im, ax=a)
    fig.tight_layout()
    out = {"alpha": fit.alpha, "beta": fit.beta, "one_over_sigma2": b0, "pv_off_identity": off(fit.W_PV),
           "kq_off_identity": off(fit.W_KQ), "trained_risk": r_tr, "step_risk": r_step, "bayes_risk": rb}
    return Result(out, figure=fig, checked={"pv_identity": off(fit.W_PV), "kq_identity": off(fit.W_KQ), "alpha": abs(fit.alpha - 1),
                                            "beta": abs(fit.beta / b0 - 1), "vs_step": abs(r_tr / r_step - 1), "vs_bayes": r_tr / rb - 1})


@claim(
    id="ICD-10", paper=PAPER, source="the Gaussian-mixture task: one step is optimal only as sigma_0 -> 0 (trained)",
    kind="simulation",
    statement="Mixture task (K = 4 unit-norm centres, n = 16, L = 64, sigma = 0.4), the scalar softmax layer trained by Adam "
    "with the derived gradients: with tight clusters (sigma_0 = 0.01) it learns the derived step, alpha = 1 and beta = "
    "1/sigma^2, and Bayes' risk; with wide ones (sigma_0 = 0.3), where that step is not Bayes (ICD-6), training finds "
    "other weights whose risk is well below the derived step's and still above Bayes (one layer is strictly "
    "suboptimal there)." + DERIVED,
    expected="tight: |alpha - 1| <= 0.05, |beta sigma^2 - 1| <= 0.15, trained risk / Bayes risk - 1 <= 0.05; wide: trained "
    "risk <= 0.9 x the derived step's risk, and (trained risk - Bayes risk) / paired standard error >= MC_SIGMAS",
    tolerance=AllOf(AtMost(0.05, "tight: |alpha - 1|", key="alpha"),
                    AtMost(0.15, "tight: |beta sigma^2 - 1|", key="beta"),
                    AtMost(0.05, "tight: trained risk / Bayes risk - 1", key="vs_bayes"),
                    AtMost(0.9, "wide: trained risk / derived step's risk", key="beats_step"),
                    AtLeast(MC_SIGMAS, "wide: (trained risk - Bayes risk) / paired standard error", key="above_bayes")),
    tolerance_reason="alpha and beta as ICD-8 (400 Adam steps of 128 fresh prompts; beta along a flat direction); at "
    "L = 64 the empirical weights' error leaves the tight step a percent or two above Bayes, hence 5%; 0.9 asks training "
    "to improve on the derived step by a tenth where it is not optimal; held-out risks on 4000 prompts, paired",
    quick={"n": 16, "K": 4, "L": 64, "sigma": 0.4, "sigma0": [0.01, 0.3], "batch": 128, "steps": 400, "lr": 0.5,
           "lr_final": 0.02, "init": [0.5, 1.0], "heldout": 4000},
    expected_source=STEP_SOURCE + "(theory.denoising.mixture_posterior_mean)",
)
def icd_10(p, seed):
    b0 = 1 / p["sigma"] ** 2
    out, checked = {}, {}
    for tag, s0 in zip(("tight", "wide"), p["sigma0"], strict=True):
        def make(s, s0=s0):
            return nd.mixture_prompts(p["batch"], p["n"], p["K"], p["L"], s0, p["sigma"], seed=s)

        fit = nd.train_attention(make, steps=p["steps"], lr=p["lr"], lr_final=p["lr_final"], init=tuple(p["init"]), seed=seed)
        held = nd.mixture_prompts(p["heldout"], p["n"], p["K"], p["L"], s0, p["sigma"], seed=seed + 10**6)
        trained, bayes = nd.one_step(held, fit.alpha, fit.beta), nd.bayes(held)
        r_tr, r_step, rb = nd.risk(trained, held)["risk"], nd.risk(nd.one_step(held, 1.0, b0), held)["risk"], nd.risk(bayes, held)["risk"]
        ex, se = _paired(trained, bayes, held)
        out[tag] = {"sigma0": s0, "alpha": fit.alpha, "beta": fit.beta, "beta_sigma2": fit.beta / b0, "trained_risk": r_tr,
                    "step_risk": r_step, "bayes_risk": rb}
        if tag == "tight":
            checked.update(alpha=abs(fit.alpha - 1), beta=abs(fit.beta / b0 - 1), vs_bayes=r_tr / rb - 1)
        else:
            checked.update(beats_step=r_tr / r_step, above_bayes=ex / se)
    return Result(out, checked=checked)
