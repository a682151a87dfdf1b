"""The JAX backend: the generic node forms, compiled whole by XLA (``jax.jit``), with XLA's own logistic op and, on
XLA:CPU, small row sums as products with ones (:func:`xla_rowsum`).

Double precision is JAX's process-wide switch (``jax_enable_x64``), which this backend never sets: each call of a
generated function runs inside JAX's scoped form of it (:func:`x64_scope`, local to the call and its thread), so
float64 arrays stay float64 and float32 ones float32, and the user's own JAX code keeps its setting.
"""

from __future__ import annotations

from typing import Any

from .generic import nodes

__all__ = ["jax_backend", "xla_rowsum", "XLA_DOT_ROWSUM_MAX", "x64_scope"]

#: XLA:CPU row sums over at most this many entries (batch times neurons) run as one matrix-vector product with a
#: vector of ones; larger ones as reductions. See :func:`xla_rowsum`.
XLA_DOT_ROWSUM_MAX = 4096


def xla_rowsum(a: Any) -> Any:
    """The sum of ``a`` over its last axis (the axis kept), in the form XLA:CPU runs faster: ``a @ ones`` when small.

    XLA:CPU fuses the row sums of one expression, with the elementwise passes that feed them, into one loop, and its
    cost model splits a loop that reads more than about 20 kB over the thread pool. On a few thousand entries waking
    the pool costs more than the loop does (``hamux3_energy_jax_vs_hamux_small`` in ``benchmarks/peers.py``: HAMUX's
    smaller fusions stay on one thread). A product with a vector of ones is a dot, which XLA hands whole to its matrix
    library on the calling thread. Above :data:`XLA_DOT_ROWSUM_MAX` entries the split loop is the faster form (the
    same record at batch 256). Only the order of the additions differs; NaN and inf propagate as in a sum (the ones
    are exact)."""
    import jax.numpy as jnp

    n = a.size
    if a.ndim == 0 or not isinstance(n, int) or n > XLA_DOT_ROWSUM_MAX:  # (a symbolic size: the reduction)
        return jnp.sum(a, axis=-1, keepdims=True)
    return (a @ jnp.ones(a.shape[-1:], dtype=a.dtype))[..., None]


def x64_scope():
    """JAX's double precision for the block only (``jax.enable_x64(True)``; ``jax.experimental.enable_x64()`` on
    versions before it), thread-local: the process-wide ``jax_enable_x64`` is left as it was."""
    import jax

    scoped = getattr(jax, "enable_x64", None)
    if scoped is not None:
        return scoped(True)
    from jax.experimental import enable_x64  # pragma: no cover - jax < 0.5

    return enable_x64()


def jax_backend():
    """The JAX backend. ``a W^T`` is written with an explicit transpose: where W is a constant (``Kernel.fast``) XLA
    folds it into a transposed copy made once, and the product runs as the plain one (the dot_general form without
    the fold ran Model B's update slower on XLA:CPU: reverted in 9abd0a6, and again in 1242da9 on jax 0.10.2, where
    it held one constant per weight and sped hamux3's step by a few percent, but left Model B's score product on the
    memory matrix in its NT layout). Row sums as products with ones only on XLA:CPU, whose cost model splits small
    loops over threads (:func:`xla_rowsum`)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from . import Backend

    rowsum = xla_rowsum if jax.default_backend() == "cpu" else None
    ns = nodes(jnp, matvec=lambda W, a: a @ W.T if W.ndim == 2 else (W @ a[..., None])[..., 0], logistic=jax.nn.sigmoid, rowsum=rowsum,
               i0e=jax.scipy.special.i0e, i1e=jax.scipy.special.i1e)
    ns["numpy"] = jnp
    return Backend("jax", jnp, ns, jnp.asarray, np.asarray, fuses_passes=True, scope=x64_scope)
