"""Corruption of cues and recall metrics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._checks import as_array, as_scalar, require
from .patterns import rng_from

__all__ = ["flip", "gaussian_noise", "occlude", "overlap", "exact_recall", "recall_experiment", "distinct_limits"]


def flip(X: np.ndarray, rho: float, seed) -> np.ndarray:
    """Flip each +-1 entry independently with probability ``rho``."""
    X = as_array("X", X, ndim=(1, 2))
    rho = as_scalar("rho", rho, low=0.0, high=1.0)
    mask = rng_from(seed).random(X.shape) < rho
    return np.where(mask, -X, X)


def gaussian_noise(X: np.ndarray, sigma: float, seed) -> np.ndarray:
    """Add i.i.d. N(0, sigma^2) noise."""
    X = as_array("X", X, ndim=(1, 2))
    sigma = as_scalar("sigma", sigma, nonnegative=True)
    return X + sigma * rng_from(seed).standard_normal(X.shape)


def occlude(X: np.ndarray, fraction: float, seed=None, value: float = 0.0, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Set a fraction of each cue to ``value``: the bottom rows of an image if ``shape`` is given, else random entries."""
    X = as_array("X", X, ndim=(1, 2))
    fraction = as_scalar("fraction", fraction, low=0.0, high=1.0)
    value = as_scalar("value", value)
    out = np.array(X, dtype=float, copy=True)
    if shape is not None:
        h, w = shape
        require(h * w == X.shape[-1], f"Argument `shape` {shape} does not match {X.shape[-1]} entries.")
        rows = int(round(fraction * h))
        img = out.reshape(*out.shape[:-1], h, w)
        if rows:
            img[..., h - rows :, :] = value
        return img.reshape(out.shape)
    mask = rng_from(seed).random(X.shape) < fraction
    out[mask] = value
    return out


def overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Normalised overlap ``a.b / (|a||b|)`` row-wise (equals ``mean(a*b)`` for +-1 vectors)."""
    a, b = np.atleast_2d(as_array("a", a)), np.atleast_2d(as_array("b", b))
    require(a.shape[-1] == b.shape[-1], f"Arguments `a` and `b` must have the same length; got shapes {a.shape} and {b.shape}.")
    den = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    return np.where(den > 0, (a * b).sum(-1) / np.where(den > 0, den, 1), 0.0)


def exact_recall(a: np.ndarray, b: np.ndarray, atol: float = 0.0) -> np.ndarray:
    """Row-wise exact equality (within ``atol``)."""
    a, b = np.atleast_2d(as_array("a", a)), np.atleast_2d(as_array("b", b))
    require(a.shape[-1] == b.shape[-1], f"Arguments `a` and `b` must have the same length; got shapes {a.shape} and {b.shape}.")
    atol = as_scalar("atol", atol, nonnegative=True)
    return np.all(np.abs(a - b) <= atol, axis=-1)


def recall_experiment(
    patterns: np.ndarray,
    recall: Callable[[np.ndarray], np.ndarray],
    corrupt: Callable[[np.ndarray], np.ndarray],
    success_overlap: float = 1.0,
) -> dict:
    """Corrupt every pattern, recall, and measure.

    Returns ``{"overlap": (K,), "exact": (K,), "success_rate": float, "mean_overlap": float}``;
    success means overlap >= ``success_overlap``.
    """
    X = as_array("patterns", patterns, ndim=2)
    out = recall(corrupt(X))
    ov = overlap(out, X)
    ex = exact_recall(out, X)
    return {"overlap": ov, "exact": ex, "success_rate": float((ov >= success_overlap - 1e-12).mean()), "mean_overlap": float(ov.mean())}


def distinct_limits(step: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, merge: float, tol: float = 1e-12,
                    max_iter: int = 3000) -> np.ndarray:
    """Run ``x <- step(x)`` from every row of ``x0`` (all rows at once) until no coordinate moves by more than ``tol``
    (or ``max_iter`` steps), then keep one representative of each group of limits closer than ``merge``.

    For a descent map (a gradient step, the CCCP/attention update) the limits are the local minima reached from the
    starts; the representatives come in the order of their first start.
    """
    x = as_array("x0", x0, ndim=2)
    merge = as_scalar("merge", merge, positive=True)
    for _ in range(max_iter):
        new = step(x)
        moved = float(np.abs(new - x).max())
        x = new
        if moved < tol:
            break
    reps: list[np.ndarray] = []
    for v in x:
        if not reps or np.linalg.norm(np.asarray(reps) - v, axis=1).min() > merge:
            reps.append(v)
    return np.asarray(reps)
