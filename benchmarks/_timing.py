"""Timing shared by the benchmark scripts: ratios of medians over interleaved repetitions in one process."""

from __future__ import annotations

import time

import numpy as np


def tune_process() -> None:
    """What the benchmarks' entry points apply to their process before timing, as ``amwb`` and ``python -m
    paper_checks`` do (:func:`numerics.allocator.tune_process`: freed heap stays mapped, so a NumPy kernel does not
    fault its temporaries back in on every call) and, where JAX is installed, JAX's double precision. Building a kernel
    changes nothing process-wide."""
    # imported here: while a script imports this module its own folder is first on the path, and benchmarks/numerics.py
    # would stand in for the package
    from numerics.allocator import tune_process as apply

    bad = apply()
    if bad is not None:
        raise SystemExit(f"error: {bad}")
    # JAX in double precision for the whole process: the float64 agreement records hand float64 arrays to HAMUX, whose
    # jitted functions run in the process's setting. The workbench's own kernels need no switch (each call runs in
    # JAX's scoped double precision); this is the benchmarks' opt-in, as an entry point's, not a kernel's side effect
    import importlib.util

    if importlib.util.find_spec("jax") is not None:
        import jax

        jax.config.update("jax_enable_x64", True)


def compare(fa, fb, repeat: int, warmup: int = 2, settle: int = 0, block_s: float = 0.0, per_block: int = 9) -> dict:
    """``fa`` against ``fb`` timed in alternation (they share machine noise), after ``warmup`` calls of each.

    ``settle`` untimed calls precede each timed one: when the two run on different thread pools (NumPy's BLAS,
    XLA, torch's OpenMP), the first call after a switch pays for waking its pool, which is the switch's cost, not
    the implementation's.

    ``block_s > 0`` alternates blocks instead of single calls, for two sides on *different* thread pools: each block
    runs its side untimed for ``block_s`` seconds, then times ``per_block`` calls and keeps their median
    (:func:`block_median`). A pool's idle workers keep spinning for a while after its last call (OpenBLAS, OpenMP),
    and on a 2-core machine they take the other side's cores: call-by-call alternation then slows whichever side
    runs second, which no ``settle`` call fixes (``benchmarks/peers.py`` measures the effect as
    ``cross_pool_interference_hamux``). Blocks still alternate, so the two sides still share slow drifts of machine
    load.

    The order within a repetition alternates (A B, B A, A B, ...): a side that runs second in every pair can gain or
    lose by its position alone (on XLA:CPU a call of tens of microseconds runs faster or slower depending on whether
    the pool's workers are still awake from the call before), and ``benchmarks/peers.py`` reports that resolution as
    the ``*_vs_itself`` records, a function timed against itself.

    Returns the ratio of the medians, the smallest and largest ratio of paired repetitions (``min``, ``max``: how
    much one pair can swing under load), and both medians in seconds (``a``, ``b``).
    """
    for _ in range(warmup):
        fa(), fb()
    ta, tb = [], []
    for i in range(repeat):
        for f, acc in ((fa, ta), (fb, tb)) if i % 2 == 0 else ((fb, tb), (fa, ta)):
            if block_s > 0:
                acc.append(block_median(f, block_s, per_block))
                continue
            for _ in range(settle):
                f()
            t = time.perf_counter()
            f()
            acc.append(time.perf_counter() - t)
    ta_, tb_ = np.asarray(ta), np.asarray(tb)
    pair = ta_ / tb_
    ma, mb = float(np.median(ta_)), float(np.median(tb_))
    return {"ratio": ma / mb, "min": float(pair.min()), "max": float(pair.max()), "a": ma, "b": mb}


def block_median(f, block_s: float, per_block: int = 9) -> float:
    """Median time of ``per_block`` calls of ``f`` after ``block_s`` seconds of untimed calls (one block)."""
    end = time.perf_counter() + block_s
    while time.perf_counter() < end:
        f()
    inner = []
    for _ in range(per_block):
        t = time.perf_counter()
        f()
        inner.append(time.perf_counter() - t)
    return float(np.median(inner))


def median_ratio(fa, fb, repeat: int) -> tuple[float, float, float]:
    """Median of ``fa`` over median of ``fb``, timed in alternation (shares machine noise), and both medians."""
    c = compare(fa, fb, repeat, warmup=1)
    return c["ratio"], c["a"], c["b"]


def softmax_step(v: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Hand-written NumPy Model B update ``xi^T softmax(xi v)`` (in place where it can be), the peer of the kernels."""
    z = v @ xi.T
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z @ xi
