"""Array implementations of the vector-level nodes, per lambdify backend.

Every node of :mod:`theory.vector` maps to a function of arrays whose last
axis is the neuron axis and whose first axes are batch axes.  Reductions keep
the last axis (size 1) so that they broadcast against vectors.  Forms are
shift-stable: ``logsumexp`` and ``softmax`` subtract the maximum,
``softplus`` is ``logaddexp(0, x)``, ``logcosh`` is ``log1p(2 sinh^2(x/2))``
for ``|x| < 1`` and ``|x| + log1p(exp(-2|x|)) - log 2`` beyond; the nodes of
:mod:`numerics.codegen.stable` (``Sech2``, the Legendre terms) are computed without
cancellation or overflow.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import math
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

__all__ = ["Backend", "get_backend", "available_backends", "memory_budget"]

_BUDGET: contextvars.ContextVar = contextvars.ContextVar("memory_budget", default=None)


@contextlib.contextmanager
def memory_budget(nbytes: int | None) -> Iterator[None]:
    """Within the block, the NumPy kernels' attention products ``W^T softmax(beta W a)`` and log-sum-exps ``lse(beta W a)``
    are computed in chunks over the memory axis (the rows of ``W``) so that their temporaries stay under ``nbytes``: an
    exact streaming log-sum-exp
    (running maximum, rescaled running sums), never the ``batch x M`` score matrix. ``None`` (the default outside any
    block) computes the whole product at once, which is faster when it fits.

    Examples
    --------
    >>> import numerics as nm, numpy as np, theory
    >>> k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    >>> xi, v = np.eye(3), np.array([[2.0, 0.0, 0.0]])
    >>> with nm.memory_budget(64 * 2**20):
    ...     chunked = k.update(v=v, xi=xi, I=np.zeros(3))["v"]
    >>> bool(np.allclose(chunked, k.update(v=v, xi=xi, I=np.zeros(3))["v"]))
    True
    """
    if nbytes is not None and (isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)) or nbytes < 1):
        raise ValueError(f"Argument `nbytes` must be a positive integer number of bytes or None; got {nbytes!r}.")
    token = _BUDGET.set(None if nbytes is None else int(nbytes))
    try:
        yield
    finally:
        _BUDGET.reset(token)


@dataclass(frozen=True)
class Backend:
    """A lambdify target: the module that ``numpy.*`` names resolve to, and node implementations."""

    name: str
    xp: Any
    namespace: dict
    asarray: Any
    to_numpy: Any
    #: the generated function is compiled into one program that fuses elementwise passes and their reductions (XLA);
    #: otherwise it runs node by node, and the printer fuses sums of products into dot products itself
    fuses_passes: bool = False


def _select_blend(c, a, b):
    """``where(c, a, b)`` as ``c a + (not c) b``: NumPy's ``where`` takes a slow branchy path (several times the blend's
    cost); exact when the branch not taken is finite, which every caller guarantees."""
    return c * a + (~c) * b


def _mask_astype(c, like):
    """A boolean mask as 0/1 in ``like``'s dtype (``bool * 1.0`` would be float64 and promote float32)."""
    return c.to(like.dtype) if hasattr(c, "to") and not hasattr(c, "astype") else c.astype(like.dtype)


def _nodes(xp, *, inplace: bool, matvec, select=None, softmax=None, logsumexp=None, logistic=None, rowsum=None) -> dict:
    """The node implementations on array library ``xp``; ``softmax`` and ``logsumexp`` (of the last axis, shift-stable)
    replace the generic max/exp/sum passes where the library has a fused kernel, and ``logistic`` the sigmoid where the
    library has one with relative accuracy on both tails (XLA's: one op that its fusions take whole; sharing
    ``exp(-|x|)`` with ``SigmoidLegendre`` instead left XLA:CPU several materialised passes over the layer).

    ``inplace`` (NumPy): the generated function runs node by node, and a node may overwrite the fresh temporaries it
    made itself, so the nodes work in place on them (``_private``). Elsewhere they take the generic forms, which a
    compiling backend (XLA under ``jax.jit``, ``Backend.fuses_passes``) fuses and shares between nodes of one layer
    (``tanh x`` between the activation and ``TanhLegendre``).

    ``rowsum`` (the generic forms' sums over the neuron axis, the axis kept) replaces ``xp.sum`` where the library
    has a better reduction for some shapes (XLA:CPU: :func:`_xla_rowsum`)."""
    select = select or xp.where

    def rs(a):
        return rowsum(a) if rowsum is not None else xp.sum(a, axis=-1, keepdims=True)

    def VSum(a, n):  # noqa: N802 - vector expressions always carry the neuron axis
        if inplace and _blas_float(a):
            return _rowsum(a)
        return rs(a)

    def MatVec(W, a):  # noqa: N802
        return matvec(W, a)

    def RowDot(a, b):  # noqa: N802 - VSum(a b): one dot product per row (NumPy: vecdot, BLAS), the axis kept
        if inplace and isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and a.dtype.kind == "f":
            return _vecdot(a, b)[..., None]
        return rs(a * b)

    def MatTVec(W, a):  # noqa: N802
        return a @ W

    def RowSumSq(W):  # noqa: N802
        return xp.sum(W * W, axis=-1)[None, :]

    def Ones(n):  # noqa: N802
        return xp.ones((1, int(n)), dtype=n.dtype) if hasattr(n, "dtype") else xp.ones((1, int(n)))

    def LogSumExp(a, beta):  # noqa: N802
        z = a * beta
        if logsumexp is not None:
            return logsumexp(z) / beta
        m = xp.max(z, axis=-1, keepdims=True)
        if inplace:  # z is a fresh product here: shift and exponentiate it in place
            z -= m
            np.exp(z, out=z)
            return (m + np.log(_rowsum(z))) / beta
        return (m + xp.log(rs(xp.exp(z - m)))) / beta

    def Softmax(a, beta):  # noqa: N802
        z = a * beta if not _is_one(beta) else (a.copy() if inplace else a)
        if softmax is not None:
            return softmax(z)
        m = xp.max(z, axis=-1, keepdims=True)
        if inplace:
            z -= m
            np.exp(z, out=z)
            z /= _rowsum(z)
            return z
        e = xp.exp(z - m)
        return e / rs(e)

    def _exp_shifted(z, beta):
        """``exp(beta z - max)`` in place on the private product ``z``; returns the max."""
        if not _is_one(beta):
            z *= beta
        m = z.max(axis=-1, keepdims=True)
        z -= m
        np.exp(z, out=z)
        return m

    def SoftmaxMatVec(W, a, beta):  # noqa: N802 - fused softmax(beta W a): the product is a private temporary
        z = matvec(W, a)
        if not inplace:
            return Softmax(z, beta)
        _exp_shifted(z, beta)
        z /= _rowsum(z)
        return z

    def AttentionMatVec(W, a, beta):  # noqa: N802 - W^T softmax(beta W a), chunked over the rows of W under a memory budget
        budget = _BUDGET.get() if inplace else None
        if budget is None:
            return MatTVec(W, SoftmaxMatVec(W, a, beta))
        a2 = a.reshape(-1, a.shape[-1])
        batch, M = a2.shape[0], W.shape[0]
        item = np.result_type(a2.dtype, W.dtype).itemsize
        # one batch x rows block of scores (exponentiated in place) plus four batch x N accumulators and temporaries
        rows = max(1, min(M, (budget - 4 * batch * W.shape[1] * item) // max(1, batch * item)))
        m = np.full((batch, 1), -np.inf, dtype=np.result_type(a2.dtype, W.dtype))
        s = np.zeros((batch, 1), dtype=m.dtype)
        acc = np.zeros((batch, W.shape[1]), dtype=m.dtype)
        for start in range(0, M, rows):
            Wc = W[start : start + rows]
            z = a2 @ Wc.T
            if not _is_one(beta):
                z *= beta
            new_m = np.maximum(m, z.max(axis=-1, keepdims=True))
            scale = np.exp(m - new_m)
            z -= new_m
            np.exp(z, out=z)
            s = s * scale + z.sum(axis=-1, keepdims=True)
            acc = acc * scale + z @ Wc
            m = new_m
            del z  # before the next block is allocated: one block alive at a time
        return (acc / s).reshape(*a.shape[:-1], W.shape[1])

    def LogSumExpMatVec(W, a, beta):  # noqa: N802 - fused lse(beta W a): the product is a private temporary
        budget = _BUDGET.get() if inplace else None
        if budget is not None:  # streaming log-sum-exp over row chunks of W (see memory_budget)
            a2 = a.reshape(-1, a.shape[-1])
            rows = max(1, min(W.shape[0], (budget - 4 * a2.shape[0] * 8) // max(1, a2.shape[0] * np.result_type(a2.dtype, W.dtype).itemsize)))
            m = np.full((a2.shape[0], 1), -np.inf, dtype=np.result_type(a2.dtype, W.dtype))
            tot = np.zeros_like(m)
            for start in range(0, W.shape[0], rows):
                z = a2 @ W[start : start + rows].T
                if not _is_one(beta):
                    z *= beta
                new_m = np.maximum(m, z.max(axis=-1, keepdims=True))
                z -= new_m
                np.exp(z, out=z)
                tot = tot * np.exp(m - new_m) + z.sum(axis=-1, keepdims=True)
                m = new_m
                del z  # one block alive at a time
            return ((m + np.log(tot)) / beta).reshape(*a.shape[:-1], 1)
        z = matvec(W, a)
        if not inplace:
            return LogSumExp(z, beta)
        m = _exp_shifted(z, beta)
        return (m + np.log(_rowsum(z))) / beta

    def relu(x):
        return xp.maximum(x, 0)

    def softplus(x):  # max(x, 0) + log1p(exp(-|x|)): logaddexp(0, x) without NumPy's scalar loop (far slower)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def _private(x) -> bool:
        """Pass by pass in place (NumPy): ``x`` is a float array whose fresh temporaries the node may overwrite."""
        return inplace and isinstance(x, np.ndarray) and x.ndim > 0 and x.dtype.kind == "f"

    def sigmoid(x):  # exp(min(x, 0)) / (1 + exp(-|x|)): relative accuracy on both tails, nothing overflows, no branch
        if logistic is not None:  # XLA's own logistic op (relative accuracy on both tails, one fused pass)
            return logistic(x)
        if _private(x):  # the same quotient with one exp: exp(min(x, 0)) is e = exp(-|x|) where x < 0, else 1
            e = np.abs(x)
            np.negative(e, out=e)
            np.exp(e, out=e)
            d = e + 1
            np.maximum(e, x >= 0, out=e)  # e <= 1, so max(e, 1) = 1 where x >= 0 and max(e, 0) = e elsewhere
            e /= d
            return e
        return xp.exp(xp.minimum(x, 0)) / (1 + xp.exp(-xp.abs(x)))

    def logcosh(x):  # log1p(2 sinh^2(x/2)) keeps relative accuracy near 0, the other form beyond (both finite)
        ax = xp.abs(x)
        small = xp.log1p(2 * xp.sinh(xp.minimum(ax, 1.0) / 2) ** 2)
        return select(ax < 1, small, ax + xp.log1p(xp.exp(-2 * ax)) - math.log(2.0))

    def Sech2(x):  # noqa: N802 - 1 - tanh^2 without cancellation or overflow
        e = xp.exp(-2 * xp.abs(x))
        return 4 * e / (1 + e) ** 2

    def TanhLegendre(x):  # noqa: N802 - x tanh x - log cosh x
        if _private(x):
            return _tanh_legendre_inplace(x)
        ax = xp.abs(x)
        t = xp.tanh(x)  # the activation's own tanh (XLA computes it once for both)
        e = xp.exp(-2 * ax)
        # |x| < 1: log cosh x = -log1p(-t^2)/2, so the two terms (~x^2 and ~x^2/2) cancel by a factor 2 only; beyond,
        # the exp(-2|x|) form, where log 2 dominates. One log1p serves both: its argument is chosen first (both finite).
        # Not log1p(t) - |x| (1 - t) beyond (the NumPy form, which saves the exp): XLA's float32 tanh is exactly 1
        # well before tanh rounds to 1, and |x| (1 - t) carries that error times |x| (tests/test_stability.py's dense
        # grid fails with that form on XLA)
        small = ax < 1
        lg = xp.log1p(select(small, -t * t, e))
        return select(small, ax * xp.abs(t) + lg / 2, math.log(2.0) - lg - 2 * (ax * (e / (1 + e))))  # 2|x| would overflow at the largest floats

    def _tanh_legendre_inplace(x):
        """TanhLegendre in place, with one transcendental fewer than the form above: with u = |x| and t = tanh u,
        log cosh u = u - log1p(t) exactly (cosh u = e^u / (1 + t)), so beyond u = 1 the term is log1p(t) - u (1 - t),
        where 1 - t is exact (t > 1/2) and the product is 0, not inf * 0, at the largest floats; it carries tanh's
        rounding times u (at most u eps / 2 while t < 1, against a term >= 0.33: ``tol.LEGENDRE_EPS``). Below u = 1,
        as above, u t + log1p(-t^2)/2.

        The forms are blended by 0/1 factors of x's dtype, not selected (NumPy's ``where`` and masked ufuncs run
        far slower than a multiply, and a float times a boolean array runs its slower mixed-type loop): with
        s = [u < 1] and b = 1 - s, ``log1p(t (b - s t))`` is log1p(-t^2) or log1p(t), and the term is
        ``lg (1 - s/2) + u (t - b)``. Every factor and difference is exact (t - 1 by Sterbenz), so each form rounds
        as it would alone."""
        u = np.abs(x)
        t = np.tanh(u)
        small = (u < 1).astype(x.dtype)
        big = 1 - small
        lg = small * t
        np.subtract(big, lg, out=lg)
        lg *= t
        np.log1p(lg, out=lg)  # log1p(-t^2) where u < 1, log1p(t) beyond
        w = small * -0.5
        w += 1.0
        lg *= w  # lg / 2 where u < 1, lg beyond
        np.subtract(t, big, out=t)
        t *= u  # u t where u < 1, -u (1 - t) beyond (0 at the largest floats: t is 1 there)
        lg += t
        return lg

    def SigmoidLegendre(x):  # noqa: N802 - x sigmoid(x) - softplus(x) = -(binary entropy of sigmoid(x))
        if _private(x):  # the same sum in place: -|x| e / (1 + e) - log1p(e)
            t = np.abs(x)
            np.negative(t, out=t)
            e = np.exp(t)
            d = e + 1
            np.divide(e, d, out=d)
            d *= t
            np.log1p(e, out=e)
            d -= e
            return d
        ax = xp.abs(x)
        e = xp.exp(-ax)  # softplus(-|x|) = log1p(e), sigmoid(-|x|) = e / (1 + e)
        return -(xp.log1p(e) + ax * e / (1 + e))

    def LseLegendre(a, beta):  # noqa: N802 - a . softmax(beta a) - lse(a) = -H(softmax)/beta
        z = a * beta
        if _private(z):
            return _softmax_lse_inplace(z, beta, softmax_too=False)
        z = z - xp.max(z, axis=-1, keepdims=True)
        e = xp.exp(z)
        # Z - 1 without rounding the maxima's exact 1s into it: log Z = log1p(Z - 1) keeps tiny entropies
        zm1 = (rs(_mask_astype(z == 0, z)) - 1) + rs(_mask_astype(z < 0, e) * e)
        return -(xp.log1p(zm1) - rs(e * z) / (1 + zm1)) / beta

    def _softmax_lse_inplace(z, beta, softmax_too):
        """LseLegendre (and the softmax, ``softmax_too``) from the private product ``z = beta a``, in place (NumPy).

        Z - 1 as the row sum of exp(z - max) with one maximum's entry (the first, from ``argmax``) set to 0: the
        other terms, ties' exact 1s included, summed without the 1 that would round tiny entropies away; the max
        itself is read at that index, so no separate max pass. Six passes over the layer where masks of the ties and
        of the rest took thirteen. The softmax is ``exp(z - max) / Z`` with that entry restored: bitwise the
        ``Softmax`` node's."""
        k = z.argmax(axis=-1)[..., None]
        z -= np.take_along_axis(z, k, axis=-1)
        e = np.exp(z)
        ek = np.take_along_axis(e, k, axis=-1)  # exp(0) = 1, or NaN where the row held NaN or inf
        np.put_along_axis(e, k, 0, axis=-1)
        zm1 = _rowsum(e)
        lse = -(np.log1p(zm1) - _vecdot(e, z)[..., None] / (1 + zm1)) / beta
        if not softmax_too:
            return lse
        np.put_along_axis(e, k, ek, axis=-1)
        e /= _rowsum(e)
        return e, lse

    # pairs of nodes computed together (numerics.codegen.sharing); in place, the operations of the two separate nodes with
    # the common ones done once, so that the values are bitwise theirs
    def SigmoidLegendrePair(x):  # noqa: N802 - (sigmoid(x), SigmoidLegendre(x)): exp(-|x|) and 1 + exp(-|x|) shared
        if not _private(x):
            return sigmoid(x), SigmoidLegendre(x)
        t = np.abs(x)
        np.negative(t, out=t)
        e = np.exp(t)
        d = e + 1
        q = e / d
        q *= t
        lg = np.log1p(e)
        q -= lg  # SigmoidLegendre
        np.maximum(e, x >= 0, out=e)
        e /= d  # sigmoid
        return e, q

    def SigmoidPlusMinus(x):  # noqa: N802 - (sigmoid(x), sigmoid(-x)): exp(-|x|) and 1 + exp(-|x|) shared
        if not _private(x):
            return sigmoid(x), sigmoid(-x)
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)
        d = e + 1
        m = np.maximum(e, x <= 0)  # -x >= 0 exactly where x <= 0 (NaN: neither)
        np.maximum(e, x >= 0, out=e)
        e /= d
        m /= d
        return e, m

    def SoftmaxLsePair(a, beta):  # noqa: N802 - (Softmax(a, beta), LseLegendre(a, beta)): the shifted exponentials shared
        if not _private(a) or softmax is not None:
            return Softmax(a, beta), LseLegendre(a, beta)
        return _softmax_lse_inplace(a * beta, beta, softmax_too=True)

    def SoftmaxCenter(u, s):  # noqa: N802 - u - s.u, centred twice: the second pass removes the first one's rounding
        # When s is (nearly) one-hot at k, s.u is u_k up to rounding, and u - s.u cancels at k. That rounding is one
        # shift common to every entry, and a shift c drops out of (u - c) - s.(u - c); the second centering
        # measures it on the already small differences, exactly where s is one-hot (plain sums: XLA fuses them)
        d = u - rs(s * u)
        return d - rs(s * d)

    def DiracDelta(x, k=0):  # noqa: N802 - derivatives of steps are taken almost everywhere
        return 0 * x

    return {
        "DiracDelta": DiracDelta,
        "VSum": VSum,
        "MatVec": MatVec,
        "RowDot": RowDot,
        "MatTVec": MatTVec,
        "Ones": Ones,
        "RowSumSq": RowSumSq,
        "LogSumExp": LogSumExp,
        "Softmax": Softmax,
        "SoftmaxMatVec": SoftmaxMatVec,
        "AttentionMatVec": AttentionMatVec,
        "LogSumExpMatVec": LogSumExpMatVec,
        "relu": relu,
        "softplus": softplus,
        "sigmoid": sigmoid,
        "logcosh": logcosh,
        "Sech2": Sech2,
        "TanhLegendre": TanhLegendre,
        "SigmoidLegendre": SigmoidLegendre,
        "LseLegendre": LseLegendre,
        "SoftmaxCenter": SoftmaxCenter,
        "SigmoidLegendrePair": SigmoidLegendrePair,
        "SigmoidPlusMinus": SigmoidPlusMinus,
        "SoftmaxLsePair": SoftmaxLsePair,
        "First": lambda p: p[0],
        "Second": lambda p: p[1],
    }


def _vecdot(a, b):
    """Sum over the last axis of ``a b`` (NumPy >= 2: the ``vecdot`` ufunc, a BLAS dot per row)."""
    f = getattr(np, "vecdot", None)
    return f(a, b) if f is not None else np.einsum("...i,...i->...", a, b)


_ONES: dict = {}


def _blas_float(a) -> bool:
    """``a`` is a NumPy array of a BLAS float type (float32, float64) with at least one axis."""
    return isinstance(a, np.ndarray) and a.ndim > 0 and a.dtype in (np.float32, np.float64)


def _rowsum(a: np.ndarray) -> np.ndarray:
    """Sum of a float32/float64 array over its last axis, the axis kept, as one BLAS matrix-vector product with a
    vector of ones (cached per length and dtype).

    Notes
    -----
    NumPy's ``sum`` over the last axis of a C-contiguous array runs a pairwise sum per row; ``gemv`` with ones reads
    the rows once with vector accumulators (``benchmarks/peers.py`` measures the kernels). Both are within the
    recursive-summation bound ``n eps sum|a_i|``; the tests hold it to that bound against exact (mpmath) sums.
    NaN and inf propagate as in ``sum`` (``x * 1`` is ``x``)."""
    key = (a.shape[-1], a.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[key] = np.ones(a.shape[-1], a.dtype)
    return (a @ ones)[..., None]


def _is_one(beta) -> bool:
    try:
        return float(beta) == 1.0
    except (TypeError, ValueError):
        return False


def _numpy() -> Backend:
    ns = _nodes(np, inplace=True, matvec=lambda W, a: a @ W.T, select=_select_blend)
    ns["numpy"] = np
    return Backend("numpy", np, ns, np.asarray, np.asarray)


def _jax() -> Backend:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    # ``a W^T`` with an explicit transpose: where W is a constant (Kernel.fast) XLA folds it into a transposed copy made
    # once, and the product runs as the plain one (the dot_general form without the fold ran Model B's update slower on
    # XLA:CPU: reverted in 9abd0a6, and again in 1242da9 on jax 0.10.2, where it held one constant per weight and sped
    # hamux3's step by a few percent, but left Model B's score product on the memory matrix in its NT layout)
    # row sums as products with ones only on XLA:CPU, whose cost model splits small loops over threads (_xla_rowsum)
    rowsum = _xla_rowsum if jax.default_backend() == "cpu" else None
    ns = _nodes(jnp, inplace=False, matvec=lambda W, a: a @ W.T, logistic=jax.nn.sigmoid, rowsum=rowsum)
    ns["numpy"] = jnp
    return Backend("jax", jnp, ns, jnp.asarray, np.asarray, fuses_passes=True)


#: XLA:CPU row sums over at most this many entries (batch times neurons) run as one matrix-vector product with a
#: vector of ones; larger ones as reductions. See :func:`_xla_rowsum`.
XLA_DOT_ROWSUM_MAX = 4096


def _xla_rowsum(a):
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


def _torch() -> Backend:
    import torch

    class _Shim(SimpleNamespace):
        """``numpy.<name>`` resolved to torch, with the few names that differ."""

        def __getattr__(self, name):
            return getattr(torch, name)

    def heaviside(x, h0):
        return torch.heaviside(x, torch.as_tensor(h0, dtype=x.dtype))

    def power(a, b):
        return torch.pow(a, b)

    shim = _Shim(heaviside=heaviside, power=power, abs=torch.abs, sign=torch.sign)

    def logaddexp(a, b):
        return torch.logaddexp(torch.as_tensor(a, dtype=b.dtype if torch.is_tensor(b) else None), b)

    xp = SimpleNamespace(
        sum=lambda a, axis=-1, keepdims=False: torch.sum(a, dim=axis, keepdim=keepdims),
        max=lambda a, axis=-1, keepdims=False: torch.amax(a, dim=axis, keepdim=keepdims),
        exp=torch.exp,
        log=torch.log,
        log1p=torch.log1p,
        sinh=torch.sinh,
        tanh=torch.tanh,
        where=torch.where,
        minimum=lambda x, y: torch.clamp(x, max=y),
        abs=torch.abs,
        maximum=lambda x, y: torch.clamp(x, min=y),
        logaddexp=logaddexp,
        ones=lambda shape, dtype=None: torch.ones(shape, dtype=dtype),
    )
    # torch's fused, shift-stable softmax and logsumexp kernels over the neuron axis (one pass each, not four)
    ns = _nodes(xp, inplace=False, matvec=lambda W, a: a @ W.T, softmax=lambda z: torch.softmax(z, dim=-1),
                logsumexp=lambda z: torch.logsumexp(z, dim=-1, keepdim=True))
    ns["numpy"] = shim

    def asarray(a):  # a tensor stays on its device; anything else becomes a CPU tensor
        return a if torch.is_tensor(a) else torch.as_tensor(np.asarray(a))

    return Backend("torch", torch, ns, asarray, lambda t: t.detach().cpu().numpy() if torch.is_tensor(t) else np.asarray(t))


_FACTORIES = {"numpy": (_numpy, "numpy"), "jax": (_jax, "jax"), "torch": (_torch, "torch")}


def available_backends() -> list[str]:
    """Names of the backends whose library is installed."""
    return [k for k, (_, mod) in _FACTORIES.items() if importlib.util.find_spec(mod) is not None]


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (``numpy``, ``jax`` or ``torch``)."""
    if name not in _FACTORIES:
        raise ValueError(f"Argument `backend` must be one of {sorted(_FACTORIES)}; got {name!r}.")
    factory, mod = _FACTORIES[name]
    if importlib.util.find_spec(mod) is None:
        raise ImportError(f"backend {name!r} needs the package {mod!r}, which is not installed (pip install {mod}).")
    return factory()
