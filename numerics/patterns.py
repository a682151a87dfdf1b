"""Pattern generators (all seeded through an explicit ``numpy.random.Generator`` or integer seed)."""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_count, as_scalar, require

__all__ = ["rng_from", "binary", "zero_one", "gaussian", "sphere", "spherical_code", "min_separation", "correlated_binary", "min_hamming_binary", "pairwise_hamming"]


def rng_from(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator from a seed (``None`` is refused: seeds are explicit)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("Argument `seed` must be an int or a numpy Generator; got None (seeds are explicit).")
    return np.random.default_rng(as_count("seed", seed, minimum=0))


def _sizes(K: int, N: int) -> None:
    as_count("K", K)
    as_count("N", N)


def binary(K: int, N: int, seed) -> np.ndarray:
    """``K x N`` i.i.d. uniform +-1 patterns (float64)."""
    _sizes(K, N)
    return rng_from(seed).choice(np.array([-1.0, 1.0]), size=(K, N))


def zero_one(K: int, N: int, seed, p: float = 0.5) -> np.ndarray:
    """``K x N`` i.i.d. {0, 1} patterns with ``P(1) = p``."""
    _sizes(K, N)
    p = as_scalar("p", p, low=0.0, high=1.0)
    return (rng_from(seed).random((K, N)) < p).astype(float)


def gaussian(K: int, N: int, seed, std: float = 1.0) -> np.ndarray:
    """``K x N`` i.i.d. N(0, std^2) patterns."""
    _sizes(K, N)
    std = as_scalar("std", std, nonnegative=True)
    return rng_from(seed).standard_normal((K, N)) * std


def sphere(K: int, N: int, seed, radius: float = 1.0) -> np.ndarray:
    """``K`` patterns uniform on the sphere of the given radius in R^N."""
    radius = as_scalar("radius", radius, positive=True)
    g = gaussian(K, N, seed)
    return radius * g / np.linalg.norm(g, axis=1, keepdims=True)


def min_separation(X: np.ndarray) -> float:
    """``1 - max_{i != j} <x_i, x_j> / (|x_i| |x_j|)``: the minimal separation of a spherical code (Hu et al. 2024, Prop. 3.1)."""
    X = as_array("X", X, ndim=2)
    require(len(X) >= 2, f"Argument `X` needs at least 2 rows; got {len(X)}.")
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    G = U @ U.T
    np.fill_diagonal(G, -np.inf)
    return float(1 - G.max())


def spherical_code(K: int, N: int, seed, steps: int = 3000, exponents: tuple = (2.0, 8.0, 32.0, 96.0)) -> np.ndarray:
    """``K`` unit vectors in R^N spread by repulsion: projected gradient descent on the Riesz energy
    ``sum_{i<j} |x_i - x_j|^-s`` with ``s`` raised through ``exponents`` (large ``s`` approaches the max-min
    separation of the Tammes problem), from uniform random points; the best code seen (largest minimal
    separation) is returned. No Python loop over points: each step is one K x K distance computation."""
    _sizes(K, N)
    steps = as_count("steps", steps)
    X = sphere(K, N, seed)
    best, best_sep = X.copy(), min_separation(X)
    per = max(1, steps // len(exponents))
    for s in exponents:
        lr = 0.05
        for _ in range(per):
            diff = X[:, None, :] - X[None]
            d2 = (diff**2).sum(-1)
            np.fill_diagonal(d2, np.inf)
            dmin2 = d2.min()
            w = (dmin2 / d2) ** (s / 2 + 1)  # scaled so the closest pair has weight 1 (no overflow at large s)
            force = (w[..., None] * diff).sum(1)
            force -= (force * X).sum(1, keepdims=True) * X  # tangent to the sphere
            nrm = np.linalg.norm(force, axis=1).max()
            X = X + lr * np.sqrt(dmin2) * force / max(nrm, 1e-300)
            X /= np.linalg.norm(X, axis=1, keepdims=True)
            sep = min_separation(X)
            if sep > best_sep:
                best, best_sep = X.copy(), sep
            lr *= 0.999
    return best


def correlated_binary(K: int, N: int, c: float, seed, n_latent: int = 1) -> np.ndarray:
    """+-1 patterns with feature correlation ``c``.

    Each feature ``i`` has a latent column ``z_{mu, l(i)}`` (``n_latent`` latent columns,
    features assigned round-robin); a pattern copies its latent value with
    probability ``c`` and draws a fresh fair bit otherwise, so two features
    sharing a latent column have correlation ``c^2`` across patterns.
    """
    _sizes(K, N)
    require(0.0 <= c <= 1.0, f"Argument `c` must be in [0, 1]; got {c}.")
    r = rng_from(seed)
    z = r.choice(np.array([-1.0, 1.0]), size=(K, n_latent))
    latent = z[:, np.arange(N) % n_latent]
    fresh = r.choice(np.array([-1.0, 1.0]), size=(K, N))
    return np.where(r.random((K, N)) < c, latent, fresh)


def pairwise_hamming(X: np.ndarray) -> np.ndarray:
    """Hamming distances between +-1 rows: ``(N - X X^T)/2`` (one GEMM)."""
    X = np.asarray(X, dtype=float)
    return (X.shape[1] - X @ X.T) / 2


def min_hamming_binary(K: int, N: int, d_min: int, seed, base: np.ndarray | None = None, max_tries: int = 200_000) -> np.ndarray:
    """``K`` +-1 patterns whose pairwise Hamming distances are all >= ``d_min`` (rejection sampling).

    Candidates are drawn in vectorised blocks (from ``base`` rows' generator if given,
    e.g. :func:`correlated_binary`) and accepted greedily.

    Raises
    ------
    ValueError
        If fewer than ``K`` patterns are found within ``max_tries`` candidates.
    """
    _sizes(K, N)
    require(0 <= d_min <= N, f"Argument `d_min` must be in [0, N={N}]; got {d_min}.")
    r = rng_from(seed)
    kept = np.empty((K, N))
    n = 0
    tried = 0
    base = None if base is None else np.asarray(base, dtype=float)
    pos = 0  # the next unused row of base
    while n < K and tried < max_tries:
        if base is not None:
            block = base[pos:pos + 256]
            pos += len(block)
        else:
            block = r.choice(np.array([-1.0, 1.0]), size=(256, N))
        if len(block) == 0:
            break
        # greedy, in candidate order, exactly as one candidate at a time: the distances to the patterns kept before this
        # block come from one product for the whole block, those to the block's own accepted candidates from another
        far = ((N - block @ kept[:n].T) / 2).min(axis=1) >= d_min if n else np.ones(len(block), dtype=bool)
        cand = np.flatnonzero(far)  # the others are too close to a kept pattern already
        sub = block[cand]
        close = (N - sub @ sub.T) / 2 < d_min  # candidate pairs too close to both be kept (only among those left)
        blocked = np.zeros(len(cand), dtype=bool)  # too close to a candidate taken earlier in this block
        used = len(block)  # candidates looked at in this block (all of them, unless K is reached on the way)
        for i, j in enumerate(cand.tolist()):
            if blocked[i]:
                continue
            blocked |= close[i]
            kept[n] = block[j]
            n += 1
            if n == K:
                used = j + 1
                break
        tried += used
    kept = kept[:n]
    if len(kept) < K:
        raise ValueError(
            f"Could only place {len(kept)} of K={K} patterns at Hamming distance >= {d_min} in N={N} after {tried} candidates; "
            "lower `K` or `d_min`."
        )
    return kept
