r"""In-context denoising: seeded prompt generators for the three tasks and the estimators compared on them.

A prompt holds ``L`` clean tokens drawn from a distribution :math:`p_X` that is drawn anew for every prompt, and one
query :math:`\tilde x = x + z`, :math:`z \sim \mathcal N(0, \sigma^2 I_n)`, whose target is the clean ``x``
(:mod:`theory.denoising`). The generators are vectorised over prompts (no Python loop over prompts, tokens or
coordinates) and seeded:

* :func:`linear_prompts` -- :math:`x = U g`, ``U`` an orthonormal basis of a random ``d``-dimensional subspace,
  :math:`g \sim \mathcal N(0, \sigma_0^2 I_d)`;
* :func:`sphere_prompts` -- ``x`` uniform on the sphere of radius ``R`` in a random ``(d + 1)``-dimensional subspace;
* :func:`mixture_prompts` -- ``K`` random unit-norm centres, weights ``w``, isotropic cluster variance :math:`\sigma_0^2`.

Every estimator runs on kernels compiled from :mod:`theory` (:func:`numerics.compile`), the prompts' contexts passed as
per-sample weights (one token matrix per prompt):

* :func:`bayes` -- the posterior mean :math:`\mathbb E[x \mid \tilde x, p_X]`, derived per task;
* :func:`one_step` -- one gradient step of size :math:`\alpha` on the context energy from the query, which is softmax
  attention :math:`\alpha X^\top\mathrm{softmax}(\beta X\tilde x)` (built-in ``context_denoising``), and
  :func:`linear_step`, linear attention :math:`(\gamma/L) X^\top X\tilde x` (``linear_denoising``);
* :func:`converged` -- the same energy's iteration run to its fixed point (a local minimum: the "converged dynamics");
* :func:`nearest_token` -- the context token closest to the query ("retrieving a stored token");
* :func:`risk` -- the mean squared error per prompt, with its standard error.

References
----------
.. [1] Smart, Bietti & Sengupta, ICML 2025, arXiv 2502.05164.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ._checks import as_array, as_scalar, require, require_memory

__all__ = ["Prompts", "TASKS", "linear_prompts", "sphere_prompts", "mixture_prompts", "bayes", "one_step", "linear_step",
           "converged", "nearest_token", "risk", "attention_gradients", "apply_attention", "AttentionFit", "train_attention"]

TASKS = ("linear", "sphere", "mixture")


@dataclass(frozen=True)
class Prompts:
    """A batch of denoising prompts: ``tokens`` (B, L, n), ``query`` and ``target`` (B, n), the noise ``sigma``, the
    task's parameters, and what defines each prompt's distribution (``basis`` (B, n, k) for the subspace tasks,
    ``centres`` (B, K, n) and ``weights`` (K,) for the mixture). Checked when built: shapes agree, every array is finite,
    ``sigma > 0``, ``L >= 1``."""

    task: str
    tokens: np.ndarray
    query: np.ndarray
    target: np.ndarray
    sigma: float
    params: dict = field(default_factory=dict)
    basis: np.ndarray | None = None
    centres: np.ndarray | None = None
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        require(self.task in TASKS, f"Argument `task` must be one of {TASKS}; got {self.task!r}.")
        tokens = as_array("tokens", self.tokens, ndim=3, dtype=float)
        require(tokens.shape[1] >= 1, f"Argument `tokens` must hold at least one context token (L >= 1); got shape {tokens.shape}.")
        B, _, n = tokens.shape
        for name in ("query", "target"):
            a = as_array(name, getattr(self, name), ndim=2, dtype=float)
            require(a.shape == (B, n), f"Argument `{name}` must have shape (prompts, n) = {(B, n)} like `tokens` (B, L, n); got {a.shape}.")
            object.__setattr__(self, name, a)
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "sigma", as_scalar("sigma", self.sigma, positive=True))
        if self.basis is not None:
            U = as_array("basis", self.basis, ndim=3, dtype=float)
            require(U.shape[:2] == (B, n), f"Argument `basis` must have shape (prompts, n, k) = ({B}, {n}, k); got {U.shape}.")
            object.__setattr__(self, "basis", U)
        if self.centres is not None:
            M = as_array("centres", self.centres, ndim=3, dtype=float)
            require(M.shape[0] == B and M.shape[2] == n, f"Argument `centres` must have shape (prompts, K, n) = ({B}, K, {n}); got {M.shape}.")
            object.__setattr__(self, "centres", M)
            w = as_array("weights", self.weights, ndim=1, dtype=float)
            require(w.shape == (M.shape[1],) and bool(np.all(w > 0)) and abs(w.sum() - 1) < 1e-12,
                    f"Argument `weights` must be {M.shape[1]} positive numbers summing to 1; got {w}.")
            object.__setattr__(self, "weights", w)
        require((self.task != "mixture") or self.centres is not None, "a mixture prompt needs its `centres` and `weights`.")
        require((self.task == "mixture") or self.basis is not None, f"a {self.task} prompt needs its subspace `basis`.")

    @property
    def L(self) -> int:
        return self.tokens.shape[1]

    @property
    def n(self) -> int:
        return self.tokens.shape[2]

    def __len__(self) -> int:
        return self.tokens.shape[0]


def _sizes(prompts, n, L, seed) -> tuple[int, int, int, np.random.Generator]:
    prompts = int(as_scalar("prompts", prompts, integer=True, low=1))
    n = int(as_scalar("n", n, integer=True, low=1))
    L = int(as_scalar("L", L, integer=True, low=1))
    seed = int(as_scalar("seed", seed, integer=True, nonnegative=True))
    # tokens and target, their noise, and a draw of the same size: a few arrays of prompts x (L + 1) x n floats
    require_memory(4 * 8.0 * prompts * (L + 1) * n, "prompt arrays", "`prompts`, `n` and `L`")
    return prompts, n, L, np.random.default_rng(seed)


def _basis(rng: np.random.Generator, B: int, n: int, k: int) -> np.ndarray:
    """Orthonormal bases of ``B`` uniformly random ``k``-dimensional subspaces of R^n (QR of Gaussian matrices, signs fixed
    so the law is Haar)."""
    Q, Rm = np.linalg.qr(rng.standard_normal((B, n, k)))
    return Q * np.sign(np.diagonal(Rm, axis1=-2, axis2=-1))[:, None, :]


def linear_prompts(prompts: int, n: int, d: int, L: int, sigma0: float, sigma: float, seed: int = 0) -> Prompts:
    """The linear task: tokens and target ``U g`` with ``g ~ N(0, sigma0^2 I_d)`` in a random ``d``-dim subspace."""
    B, n, L, rng = _sizes(prompts, n, L, seed)
    d = int(as_scalar("d", d, integer=True, low=1, high=n))
    sigma0 = as_scalar("sigma0", sigma0, positive=True)
    sigma = as_scalar("sigma", sigma, positive=True)
    U = _basis(rng, B, n, d)
    x = np.einsum("bnk,blk->bln", U, sigma0 * rng.standard_normal((B, L + 1, d)))
    q = x[:, L] + sigma * rng.standard_normal((B, n))
    return Prompts("linear", x[:, :L], q, x[:, L], sigma, {"sigma0": sigma0, "d": d}, basis=U)


def sphere_prompts(prompts: int, n: int, d: int, L: int, R: float, sigma: float, seed: int = 0) -> Prompts:
    """The sphere task: tokens and target uniform on the ``d``-sphere of radius ``R`` in a random ``(d+1)``-dim subspace."""
    B, n, L, rng = _sizes(prompts, n, L, seed)
    d = int(as_scalar("d", d, integer=True, low=1, high=n - 1))
    R = as_scalar("R", R, positive=True)
    sigma = as_scalar("sigma", sigma, positive=True)
    U = _basis(rng, B, n, d + 1)
    u = rng.standard_normal((B, L + 1, d + 1))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    x = R * np.einsum("bnk,blk->bln", U, u)
    q = x[:, L] + sigma * rng.standard_normal((B, n))
    return Prompts("sphere", x[:, :L], q, x[:, L], sigma, {"R": R, "d": d}, basis=U)


def mixture_prompts(prompts: int, n: int, K: int, L: int, sigma0: float, sigma: float, seed: int = 0,
                    weights=None) -> Prompts:
    """The mixture task: ``K`` random unit-norm centres per prompt, weights ``weights`` (uniform by default), tokens and
    target a centre plus ``N(0, sigma0^2 I_n)``."""
    B, n, L, rng = _sizes(prompts, n, L, seed)
    K = int(as_scalar("K", K, integer=True, low=1))
    require_memory(2 * 8.0 * B * K * n + 8.0 * B * (L + 1) * K, "centres and label draws", "`prompts`, `K`, `n` and `L`")
    sigma0 = as_scalar("sigma0", sigma0, positive=True)
    sigma = as_scalar("sigma", sigma, positive=True)
    w = np.full(K, 1.0 / K) if weights is None else as_array("weights", weights, ndim=1, dtype=float)
    require(w.shape == (K,) and bool(np.all(w > 0)) and abs(w.sum() - 1) < 1e-12,
            f"Argument `weights` must be {K} positive numbers summing to 1; got {weights!r}.")
    M = rng.standard_normal((B, K, n))
    M /= np.linalg.norm(M, axis=-1, keepdims=True)
    labels = (rng.random((B, L + 1, 1)) > np.cumsum(w)[None, None, :]).sum(axis=-1)  # inverse-CDF draws, vectorised
    x = np.take_along_axis(M, labels[..., None].repeat(n, axis=-1), axis=1) + sigma0 * rng.standard_normal((B, L + 1, n))
    q = x[:, L] + sigma * rng.standard_normal((B, n))
    return Prompts("mixture", x[:, :L], q, x[:, L], sigma, {"sigma0": sigma0, "K": K}, centres=M, weights=w)


# ------------------------------------------------------------------ estimators (kernels compiled from theory)


@lru_cache(maxsize=8)
def _kernel(which: str, m: int = 0):
    import sympy as sp

    import theory
    from theory import denoising as dn
    from theory.vector import Vector, Weight

    from .codegen.kernel import compile

    if which in ("context_denoising", "linear_denoising"):
        return compile(theory.builtin(which))
    if which == "sphere":
        return compile(dn.sphere_posterior_mean(Vector("y", m)))
    if which == "linear":  # the shrinkage of the projected query, in the subspace's coordinates
        return compile(dn.linear_task()["shrinkage"] * Vector("y", sp.Symbol("k", integer=True, positive=True)))
    if which == "mixture":
        n, K = sp.Symbol("n", integer=True, positive=True), sp.Symbol("K", integer=True, positive=True)
        return compile(dn.mixture_posterior_mean(Vector("x", n), Weight("M", K, n), Vector("logw", K)))
    raise ValueError(which)  # pragma: no cover


def _check_prompts(p) -> Prompts:
    require(isinstance(p, Prompts), f"Argument `prompts` must be a Prompts (from linear_prompts, sphere_prompts or mixture_prompts); got {type(p).__name__}.")
    return p


def bayes(p: Prompts) -> np.ndarray:
    """The Bayes-optimal denoiser :math:`\\mathbb E[x \\mid \\tilde x, p_X]` of each prompt (B, n), from the derived
    estimators of :mod:`theory.denoising`."""
    p = _check_prompts(p)
    if p.task == "linear":
        y = np.einsum("bnk,bn->bk", p.basis, p.query)
        est = _kernel("linear")(y=y, sigma_0=p.params["sigma0"], sigma=p.sigma)
        return np.einsum("bnk,bk->bn", p.basis, est)
    if p.task == "sphere":
        y = np.einsum("bnk,bn->bk", p.basis, p.query)
        est = _kernel("sphere", p.basis.shape[2])(y=y, R=p.params["R"], sigma=p.sigma)
        return np.einsum("bnk,bk->bn", p.basis, est)
    logw = np.broadcast_to(np.log(p.weights), (len(p), p.weights.size))
    return _kernel("mixture")(x=p.query, M=p.centres, logw=logw, sigma=p.sigma, sigma_0=p.params["sigma0"])


def one_step(p: Prompts, alpha: float = 1.0, beta: float | None = None) -> np.ndarray:
    """One gradient step of size ``alpha`` on the context energy from the query: softmax attention
    :math:`\\alpha X^\\top\\mathrm{softmax}(\\beta X\\tilde x)`; ``beta`` defaults to :math:`1/\\sigma^2`."""
    p = _check_prompts(p)
    alpha = as_scalar("alpha", alpha, positive=True)
    beta = 1.0 / p.sigma**2 if beta is None else as_scalar("beta", beta, positive=True)
    return _kernel("context_denoising").step(alpha, s=p.query, X=p.tokens, alpha=alpha, beta=beta, tau_s=1.0)["s"]


def linear_step(p: Prompts, gamma: float) -> np.ndarray:
    """Linear attention :math:`(\\gamma/L) X^\\top X\\tilde x`: one step of size 1 on the quadratic context energy with
    ``beta = gamma``."""
    p = _check_prompts(p)
    gamma = as_scalar("gamma", gamma, positive=True)
    return _kernel("linear_denoising").step(1.0, s=p.query, X=p.tokens, alpha=1.0, beta=gamma, tau_s=1.0)["s"]


def converged(p: Prompts, alpha: float = 1.0, beta: float | None = None, tol: float = 1e-10, max_steps: int = 10_000) -> np.ndarray:
    """The context energy's iteration :math:`s \\leftarrow \\alpha X^\\top\\mathrm{softmax}(\\beta X s)` from the
    query, run until no prompt moves by more than ``tol`` (each step lowers the energy: it minimises the convex upper
    bound that linearising the log-sum-exp gives, the concave--convex procedure), so it ends at a local minimum.
    Raises if ``max_steps`` pass first."""
    p = _check_prompts(p)
    alpha = as_scalar("alpha", alpha, positive=True)
    beta = 1.0 / p.sigma**2 if beta is None else as_scalar("beta", beta, positive=True)
    tol = as_scalar("tol", tol, positive=True)
    max_steps = int(as_scalar("max_steps", max_steps, integer=True, low=1))
    k = _kernel("context_denoising")
    s = p.query.copy()
    active = np.arange(len(p))  # prompts still moving: a prompt that has converged stops being stepped
    for _ in range(max_steps):
        new = k.step(alpha, s=s[active], X=p.tokens[active], alpha=alpha, beta=beta, tau_s=1.0)["s"]
        moved = np.abs(new - s[active]).max(axis=1) > tol
        s[active] = new
        active = active[moved]
        if active.size == 0:
            return s
    raise RuntimeError(f"converged: {active.size} prompt(s) still moved by more than tol = {tol} after max_steps = {max_steps}; "
                       "raise max_steps")


def nearest_token(p: Prompts) -> np.ndarray:
    """The context token closest to the query (exact retrieval of a stored memory)."""
    p = _check_prompts(p)
    d2 = np.einsum("bln,bln->bl", p.tokens, p.tokens) - 2 * np.einsum("bln,bn->bl", p.tokens, p.query)
    return np.take_along_axis(p.tokens, d2.argmin(axis=1)[:, None, None].repeat(p.n, axis=-1), axis=1)[:, 0]


def risk(estimate: np.ndarray, p: Prompts) -> dict:
    """The mean over prompts of :math:`\\lVert\\hat x - x\\rVert^2`, with its standard error: ``{"risk", "sem"}``."""
    p = _check_prompts(p)
    est = as_array("estimate", estimate, ndim=2, dtype=float)
    require(est.shape == p.target.shape, f"Argument `estimate` must have shape {p.target.shape} like the prompts' targets; got {est.shape}.")
    e = np.sum((est - p.target) ** 2, axis=1)
    return {"risk": float(e.mean()), "sem": float(e.std(ddof=1) / np.sqrt(e.size)) if e.size > 1 else float("inf")}


# ------------------------------------------------------------------ training one attention layer


@lru_cache(maxsize=4)
def _objective_kernels(kind: str) -> dict:
    from theory.denoising import AttentionObjective

    from .codegen.kernel import compile

    obj = AttentionObjective(kind)
    g = obj.gradients
    terms = [e for name in ("W_KQ", "W_PV") for t in g[name].terms for e in t]
    # the loss and the gradient terms in one kernel: they share the forward pass (one common-subexpression pass)
    return {"both": compile([obj.loss, *terms]), "prediction": compile(obj.prediction), "counts": (len(g["W_KQ"].terms), len(g["W_PV"].terms))}


def attention_gradients(p: Prompts, W_KQ: np.ndarray, W_PV: np.ndarray, kind: str = "softmax") -> tuple[float, np.ndarray, np.ndarray]:
    """The mean loss :math:`\\lVert f - x\\rVert^2` over the prompts of one attention layer and its gradients with respect to
    ``W_KQ`` and ``W_PV`` (:class:`theory.denoising.AttentionObjective`, compiled; each outer-product term summed over the
    prompts in one GEMM). Returns ``(loss, G_KQ, G_PV)``."""
    p = _check_prompts(p)
    require(kind in ("softmax", "linear"), f"Argument `kind` must be 'softmax' or 'linear'; got {kind!r}.")
    n = p.n
    W_KQ = as_array("W_KQ", W_KQ, ndim=2, dtype=float)
    W_PV = as_array("W_PV", W_PV, ndim=2, dtype=float)
    for name, W in (("W_KQ", W_KQ), ("W_PV", W_PV)):
        require(W.shape == (n, n), f"Argument `{name}` must have shape (n, n) = ({n}, {n}) like the tokens; got {W.shape}.")
    k = _objective_kernels(kind)
    args = {"q": p.query, "x": p.target, "X": p.tokens, "W_KQ": W_KQ, "W_PV": W_PV}
    out = k["both"](**args)
    loss, outs = float(np.mean(out[0])), out[1:]
    B = len(p)
    G = []
    pos = 0
    for count in k["counts"]:
        Gw = np.zeros((n, n))
        for _ in range(count):
            a = np.broadcast_to(np.atleast_2d(outs[pos]), (B, n))
            b = np.broadcast_to(np.atleast_2d(outs[pos + 1]), (B, n))
            Gw += a.T @ b
            pos += 2
        G.append(Gw / B)
    return loss, G[0], G[1]


def _scalar_gradient(G: np.ndarray) -> float:
    """The gradient with respect to ``c`` of a loss at ``W = c I``: the trace of its gradient with respect to ``W``."""
    return float(np.trace(G))


def apply_attention(p: Prompts, W_KQ: np.ndarray, W_PV: np.ndarray, kind: str = "softmax") -> np.ndarray:
    """The layer's output on each prompt, (B, n): :class:`theory.denoising.AttentionObjective`'s prediction, compiled."""
    p = _check_prompts(p)
    require(kind in ("softmax", "linear"), f"Argument `kind` must be 'softmax' or 'linear'; got {kind!r}.")
    return _objective_kernels(kind)["prediction"](q=p.query, X=p.tokens, W_KQ=as_array("W_KQ", W_KQ, ndim=2, dtype=float),
                                                  W_PV=as_array("W_PV", W_PV, ndim=2, dtype=float))


@dataclass
class AttentionFit:
    """A trained attention layer: ``W_KQ``, ``W_PV`` (scalar fits keep ``beta I`` and ``alpha I``), the loss history and
    how it was trained (``meta``: kind, parametrisation, steps, batch, lr, seed)."""

    W_KQ: np.ndarray
    W_PV: np.ndarray
    history: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def alpha(self) -> float:
        """``tr W_PV / n`` (exactly alpha for a scalar fit)."""
        return float(np.trace(self.W_PV) / self.W_PV.shape[0])

    @property
    def beta(self) -> float:
        """``tr W_KQ / n`` (exactly beta for a scalar fit)."""
        return float(np.trace(self.W_KQ) / self.W_KQ.shape[0])


def train_attention(make_prompts, kind: str = "softmax", parametrisation: str = "scalar", steps: int = 300, lr: float = 0.05,
                    init: tuple[float, float] = (0.5, 0.5), seed: int = 0, lr_final: float | None = None,
                    progress: bool = False) -> AttentionFit:
    """Train one attention layer by Adam on fresh prompts each step.

    Parameters
    ----------
    make_prompts : callable
        ``make_prompts(seed) -> Prompts``: one minibatch (e.g. ``lambda s: sphere_prompts(256, 16, 2, 64, 1.0, 0.4,
        seed=s)``); step ``t`` uses seed ``seed * 1_000_003 + t``, so a fit is reproducible from ``seed``.
    kind : {"softmax", "linear"}
    parametrisation : {"scalar", "matrix"}
        ``"scalar"``: ``W_KQ = beta I``, ``W_PV = alpha I`` (gradients are the traces of the matrix gradients);
        ``"matrix"``: full ``W_KQ`` and ``W_PV``, started at ``init`` times the identity plus a seeded perturbation
        of size 0.01.
    steps, lr : the number of Adam steps and its learning rate
    init : ``(alpha0, beta0)``
    lr_final : float, optional
        The learning rate decays geometrically from ``lr`` to ``lr_final`` over the steps (constant if not given), so the
        last steps average the minibatch noise instead of following it.
    """
    from tqdm.auto import tqdm

    from .learning import _Adam

    require(callable(make_prompts), f"Argument `make_prompts` must be a function seed -> Prompts; got {type(make_prompts).__name__}.")
    require(kind in ("softmax", "linear"), f"Argument `kind` must be 'softmax' or 'linear'; got {kind!r}.")
    require(parametrisation in ("scalar", "matrix"), f"Argument `parametrisation` must be 'scalar' or 'matrix'; got {parametrisation!r}.")
    steps = int(as_scalar("steps", steps, integer=True, low=1, high=10**7))  # 1e7 Adam steps: hours; beyond, a typo
    lr = as_scalar("lr", lr, positive=True)
    seed = int(as_scalar("seed", seed, integer=True, nonnegative=True))
    require(isinstance(init, (tuple, list)) and len(init) == 2, f"Argument `init` must be a pair (alpha0, beta0); got {init!r}.")
    a0, b0 = (as_scalar("init", v, positive=True) for v in init)
    decay = 1.0 if lr_final is None else (as_scalar("lr_final", lr_final, positive=True) / lr) ** (1 / max(steps - 1, 1))
    first = _check_prompts(make_prompts(seed * 1_000_003))
    n = first.n
    eye = np.eye(n)
    if parametrisation == "scalar":
        opt = _Adam(np.array([a0, b0]), lr)
    else:
        rng = np.random.default_rng(seed)
        opt_pv = _Adam(a0 * eye + 0.01 * rng.standard_normal((n, n)), lr)
        opt_kq = _Adam(b0 * eye + 0.01 * rng.standard_normal((n, n)), lr)
    history = []
    for t in tqdm(range(steps), disable=not progress, desc=f"train {kind} attention"):
        p = first if t == 0 else _check_prompts(make_prompts(seed * 1_000_003 + t))
        for o in ((opt,) if parametrisation == "scalar" else (opt_kq, opt_pv)):
            o.lr = lr * decay**t
        if parametrisation == "scalar":
            a, b = opt.x
            loss, g_kq, g_pv = attention_gradients(p, b * eye, a * eye, kind)
            opt.step(np.array([_scalar_gradient(g_pv), _scalar_gradient(g_kq)]))
        else:
            loss, g_kq, g_pv = attention_gradients(p, opt_kq.x, opt_pv.x, kind)
            opt_kq.step(g_kq)
            opt_pv.step(g_pv)
        require(np.isfinite(loss), f"train_attention: the loss became {loss} at step {t}; lower `lr`.")
        history.append(loss)
    if parametrisation == "scalar":
        a, b = opt.x
        W_KQ, W_PV = b * eye, a * eye
    else:
        W_KQ, W_PV = opt_kq.x, opt_pv.x
    meta = {"kind": kind, "parametrisation": parametrisation, "steps": steps, "lr": lr, "lr_final": lr_final, "init": [a0, b0],
            "seed": seed}
    return AttentionFit(W_KQ, W_PV, history, meta)
