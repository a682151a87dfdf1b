"""Training the threshold model with the derived objective (minibatch Adam), and the census of its minima.

The loss and both gradients come from :func:`theory.learning.threshold_objective` through
:func:`numerics.compile`; the weight gradient is a sum of outer products, one GEMM each per minibatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ._checks import as_array, require
from .discrete import ThresholdMemory
from .kernels import compile as compile_kernel
from .patterns import rng_from

__all__ = ["train_threshold", "ThresholdFit", "recall_codes", "minima_census"]


@dataclass
class ThresholdFit:
    """Learned weights ``xi`` (N_h x N_v), global threshold ``theta`` and the loss history (mean per image)."""

    xi: np.ndarray
    theta: float
    history: list = field(default_factory=list)


_KERNELS: dict = {}


def _kernels():
    if not _KERNELS:
        from theory.learning import threshold_objective

        obj = threshold_objective()
        wg = obj.weight_gradient
        _KERNELS["loss"] = compile_kernel(obj.loss)
        _KERNELS["wterms"] = compile_kernel([e for t in wg.terms for e in t])
        _KERNELS["tgrad"] = compile_kernel(obj.theta_gradient)
    return _KERNELS


def objective(X: np.ndarray, xi: np.ndarray, theta: float, b: float) -> float:
    """Mean reconstruction loss per image."""
    k = _kernels()
    th = np.full(xi.shape[0], theta)
    return float(k["loss"](v=X, xi=xi, theta=th, b=b).mean())


def gradients(X: np.ndarray, xi: np.ndarray, theta: float, b: float) -> tuple[np.ndarray, float]:
    """Gradients of the summed loss over the rows of ``X`` with respect to ``xi`` and the global ``theta``."""
    k = _kernels()
    th = np.full(xi.shape[0], theta)
    outs = k["wterms"](v=X, xi=xi, theta=th, b=b)
    G = np.zeros_like(xi)
    B = len(X)
    for a, c in zip(outs[0::2], outs[1::2]):
        A = np.broadcast_to(np.atleast_2d(a), (B, xi.shape[0]))
        C = np.broadcast_to(np.atleast_2d(c), (B, xi.shape[1]))
        G += A.T @ C
    gt = float(np.asarray(k["tgrad"](v=X, xi=xi, theta=th, b=b)).sum())
    return G, gt


def train_threshold(
    X: np.ndarray,
    n_hidden: int,
    seed,
    epochs: int = 30,
    batch: int = 128,
    lr: float = 0.01,
    steepness: tuple[float, float] = (5.0, 50.0),
    theta0: float = 0.5,
    progress: bool = False,
) -> ThresholdFit:
    """Minibatch Adam on the derived objective; the sigmoid steepness grows geometrically over the epochs.

    Xavier-normal initialisation ``xi ~ N(0, 2/(N_h + N_v))`` scaled by ``sqrt(N_v)`` so that the hidden
    input ``(sqrt(N_h)/N_v) xi v`` starts at order one.
    """
    X = as_array("X", X, ndim=2).astype(np.float64)
    require(n_hidden >= 1, f"Argument `n_hidden` must be >= 1; got {n_hidden}.")
    rng = rng_from(seed)
    M, Nv = X.shape
    xi = rng.standard_normal((n_hidden, Nv)) * np.sqrt(2.0 / (n_hidden + Nv)) * np.sqrt(Nv)
    theta = float(theta0)
    m_w, v_w, m_t, v_t = np.zeros_like(xi), np.zeros_like(xi), 0.0, 0.0
    b1, b2, eps = 0.9, 0.999, 1e-8
    t = 0
    bs = np.geomspace(steepness[0], steepness[1], epochs)
    fit = ThresholdFit(xi, theta)
    for ep in tqdm(range(epochs), disable=not progress, desc="training"):
        perm = rng.permutation(M)
        for a in range(0, M, batch):
            idx = perm[a : a + batch]
            G, gt = gradients(X[idx], xi, theta, bs[ep])
            G /= len(idx)
            gt /= len(idx)
            t += 1
            m_w = b1 * m_w + (1 - b1) * G
            v_w = b2 * v_w + (1 - b2) * G * G
            m_t = b1 * m_t + (1 - b1) * gt
            v_t = b2 * v_t + (1 - b2) * gt * gt
            xi = xi - lr * (m_w / (1 - b1**t)) / (np.sqrt(v_w / (1 - b2**t)) + eps)
            theta = theta - lr * (m_t / (1 - b1**t)) / (np.sqrt(v_t / (1 - b2**t)) + eps)
        fit.history.append(objective(X, xi, theta, bs[ep]))
    fit.xi, fit.theta = xi, theta
    return fit


def recall_codes(fit: ThresholdFit, X: np.ndarray, max_steps: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hidden codes reached from each image: ``s0 = Theta(h(v) - theta)`` then ``s <- Theta(J s - theta)`` to a fixed point.

    Returns (codes, recalled visible images ``N_h^-1/2 xi^T s`` in image units, steps used).
    """

    import theory

    m = theory.builtin("threshold")
    k = compile_kernel(m)
    Nh, Nv = fit.xi.shape
    lam = float(m.rescale_factor("v", N_v=Nv, N_h=Nh))
    h0 = k.update(v=X / lam, h=np.zeros((len(X), Nh)), xi=fit.xi, theta=fit.theta)["h"]  # h = (sqrt(N_h)/N_v) xi v in published units
    s0 = k.activations(v=X / lam, h=h0, xi=fit.xi, theta=fit.theta)["h"]
    tm = ThresholdMemory(fit.xi, fit.theta)
    s, steps = tm.run(s0, max_steps)
    v = k.update(v=np.zeros_like(X), h=tm.hidden_from_code(s), xi=fit.xi, theta=fit.theta)["v"] * lam
    return s, v, np.full(len(X), steps)


def minima_census(codes: np.ndarray, fit: ThresholdFit) -> dict:
    """Unique minima among the recalled codes, how many images share each, and whether each is a fixed point."""
    codes = np.asarray(codes) > 0
    uniq, counts = np.unique(codes, axis=0, return_counts=True)
    tm = ThresholdMemory(fit.xi, fit.theta)
    fixed = bool((tm.step_code(uniq.astype(float)) == uniq).all())
    return {"unique": int(len(uniq)), "images": int(len(codes)), "all_fixed": fixed, "max_share": int(counts.max()), "counts": counts}


def ode_agreement(fit: ThresholdFit, X: np.ndarray, tau_ratio: float = 20.0, t_max: float = 200.0, dt: float = 0.05) -> float:
    """Fraction of images whose full two-layer dynamics (forward Euler from v = image, h = h(v)) end on the same code
    as the synchronous hidden iteration of :func:`recall_codes`. Both end on fixed points; they need not be the same one."""

    import theory

    from .integrate import simulate

    m = theory.builtin("threshold")
    k = compile_kernel(m)
    Nh, Nv = fit.xi.shape
    lam = float(m.rescale_factor("v", N_v=Nv, N_h=Nh))
    codes, _, _ = recall_codes(fit, X)
    args = {"xi": fit.xi, "theta": fit.theta, "tau_v": tau_ratio, "tau_h": 1.0}
    h0 = k.update(v=X / lam, h=np.zeros((len(X), Nh)), xi=fit.xi, theta=fit.theta)["h"]  # hidden state at its input h(v)
    tr = simulate(k, {"v": X / lam, "h": h0}, args, t_max, method="euler", dt=dt, record_every=10**9)
    ode_codes = k.activations(**tr.final(), xi=fit.xi, theta=fit.theta)["h"]
    return float((ode_codes == codes).all(-1).mean())


__all__ += ["ode_agreement"]
