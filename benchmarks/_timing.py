"""Timing shared by the benchmark scripts: ratios of medians over interleaved repetitions in one process."""

from __future__ import annotations

import time

import numpy as np


def median_ratio(fa, fb, repeat: int) -> tuple[float, float, float]:
    """Median of ``fa`` over median of ``fb``, timed in alternation (shares machine noise), and both medians."""
    fa(), fb()  # warm-up
    ta, tb = [], []
    for _ in range(repeat):
        for f, acc in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            f()
            acc.append(time.perf_counter() - t)
    ma, mb = float(np.median(ta)), float(np.median(tb))
    return ma / mb, ma, mb


def softmax_step(v: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Hand-written NumPy Model B update ``xi^T softmax(xi v)`` (in place where it can be), the peer of the kernels."""
    z = v @ xi.T
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z @ xi
