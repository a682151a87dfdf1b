"""The NumPy backend: the generic node forms, with the nodes that can work in place replaced.

A generated function runs node by node on NumPy, so a node may overwrite the fresh temporaries it made itself
(:func:`_private`): the replacements below do exactly the generic forms' operations (the same roundings) with fewer
passes and allocations, sum rows as BLAS products (:func:`rowsum`, :func:`vecdot`), and, under
:func:`memory_budget`, stream the attention products over blocks of memories. Each falls back to the generic form where
its input is not a private float array.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import numpy as np

from .generic import is_one, nodes

__all__ = ["numpy_backend", "memory_budget", "rowsum", "vecdot"]

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


def vecdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum over the last axis of ``a b`` (NumPy >= 2: the ``vecdot`` ufunc, a BLAS dot per row)."""
    f = getattr(np, "vecdot", None)
    return f(a, b) if f is not None else np.einsum("...i,...i->...", a, b)


_ONES: dict = {}


def _blas_float(a: Any) -> bool:
    """``a`` is a NumPy array of a BLAS float type (float32, float64) with at least one axis."""
    return isinstance(a, np.ndarray) and a.ndim > 0 and a.dtype in (np.float32, np.float64)


def rowsum(a: np.ndarray) -> np.ndarray:
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


def _select_blend(c, a, b):
    """``where(c, a, b)`` as ``c a + (not c) b``: NumPy's ``where`` takes a slow branchy path (several times the blend's
    cost); exact when the branch not taken is finite, which every caller guarantees."""
    return c * a + (~c) * b


def _private(x: Any) -> bool:
    """``x`` is a float array whose fresh temporaries the node may overwrite (the generated code runs pass by pass)."""
    return isinstance(x, np.ndarray) and x.ndim > 0 and x.dtype.kind == "f"


def _matvec(W, a):
    if W.ndim > 2:  # one weight set per sample: a batched matrix-vector product
        return np.matmul(W, a[..., None])[..., 0]
    return a @ W.T


def _exp_shifted(z, beta):
    """``exp(beta z - max)`` in place on the private product ``z``; returns the max."""
    if not is_one(beta):
        z *= beta
    m = z.max(axis=-1, keepdims=True)
    z -= m
    np.exp(z, out=z)
    return m


def _tanh_legendre_inplace(x):
    """TanhLegendre in place, with one transcendental fewer than the generic form: with u = |x| and t = tanh u,
    log cosh u = u - log1p(t) exactly (cosh u = e^u / (1 + t)), so beyond u = 1 the term is log1p(t) - u (1 - t),
    where 1 - t is exact (t > 1/2) and the product is 0, not inf * 0, at the largest floats; it carries tanh's
    rounding times u (at most u eps / 2 while t < 1, against a term >= 0.33: ``tol.LEGENDRE_EPS``). Below u = 1,
    as in the generic form, u t + log1p(-t^2)/2.

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


def _softmax_lse_inplace(z, beta, softmax_too):
    """LseLegendre (and the softmax, ``softmax_too``) from the private product ``z = beta a``, in place.

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
    zm1 = rowsum(e)
    lse = -(np.log1p(zm1) - vecdot(e, z)[..., None] / (1 + zm1)) / beta
    if not softmax_too:
        return lse
    np.put_along_axis(e, k, ek, axis=-1)
    e /= rowsum(e)
    return e, lse


def _inplace_nodes(generic: dict) -> dict:
    """The nodes NumPy runs in place (or as BLAS row sums); each falls back to ``generic``'s form where it must."""

    def VSum(a, n):  # noqa: N802
        return rowsum(a) if _blas_float(a) else generic["VSum"](a, n)

    def RowDot(a, b):  # noqa: N802 - one BLAS dot per row, the axis kept
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and a.dtype.kind == "f":
            return vecdot(a, b)[..., None]
        return generic["RowDot"](a, b)

    def LogSumExp(a, beta):  # noqa: N802 - z is a fresh product here: shift and exponentiate it in place
        z = a * beta
        m = np.max(z, axis=-1, keepdims=True)
        z -= m
        np.exp(z, out=z)
        return (m + np.log(rowsum(z))) / beta

    def Softmax(a, beta):  # noqa: N802
        z = a * beta if not is_one(beta) else a.copy()
        m = np.max(z, axis=-1, keepdims=True)
        z -= m
        np.exp(z, out=z)
        z /= rowsum(z)
        return z

    def SoftmaxMatVec(W, a, beta):  # noqa: N802 - fused softmax(beta W a): the product is a private temporary
        z = _matvec(W, a)
        _exp_shifted(z, beta)
        z /= rowsum(z)
        return z

    def AttentionMatVec(W, a, beta):  # noqa: N802 - W^T softmax(beta W a), chunked over the rows of W under a memory budget
        budget = _BUDGET.get()
        if budget is None or W.ndim > 2:
            return generic["MatTVec"](W, SoftmaxMatVec(W, a, beta))
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
            if not is_one(beta):
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
        budget = _BUDGET.get()
        if budget is not None and W.ndim == 2:  # streaming log-sum-exp over row chunks of W (see memory_budget)
            a2 = a.reshape(-1, a.shape[-1])
            rows = max(1, min(W.shape[0], (budget - 4 * a2.shape[0] * 8) // max(1, a2.shape[0] * np.result_type(a2.dtype, W.dtype).itemsize)))
            m = np.full((a2.shape[0], 1), -np.inf, dtype=np.result_type(a2.dtype, W.dtype))
            tot = np.zeros_like(m)
            for start in range(0, W.shape[0], rows):
                z = a2 @ W[start : start + rows].T
                if not is_one(beta):
                    z *= beta
                new_m = np.maximum(m, z.max(axis=-1, keepdims=True))
                z -= new_m
                np.exp(z, out=z)
                tot = tot * np.exp(m - new_m) + z.sum(axis=-1, keepdims=True)
                m = new_m
                del z  # one block alive at a time
            return ((m + np.log(tot)) / beta).reshape(*a.shape[:-1], 1)
        z = _matvec(W, a)
        m = _exp_shifted(z, beta)
        return (m + np.log(rowsum(z))) / beta

    def sigmoid(x):  # the generic quotient with one exp: exp(min(x, 0)) is e = exp(-|x|) where x < 0, else 1
        if not _private(x):
            return generic["sigmoid"](x)
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)
        d = e + 1
        np.maximum(e, x >= 0, out=e)  # e <= 1, so max(e, 1) = 1 where x >= 0 and max(e, 0) = e elsewhere
        e /= d
        return e

    def TanhLegendre(x):  # noqa: N802
        return _tanh_legendre_inplace(x) if _private(x) else generic["TanhLegendre"](x)

    def SigmoidLegendre(x):  # noqa: N802 - the generic sum in place: -|x| e / (1 + e) - log1p(e)
        if not _private(x):
            return generic["SigmoidLegendre"](x)
        t = np.abs(x)
        np.negative(t, out=t)
        e = np.exp(t)
        d = e + 1
        np.divide(e, d, out=d)
        d *= t
        np.log1p(e, out=e)
        d -= e
        return d

    def LseLegendre(a, beta):  # noqa: N802
        z = a * beta
        if _private(z):
            return _softmax_lse_inplace(z, beta, softmax_too=False)
        return generic["LseLegendre"](a, beta)

    # pairs of nodes computed together (numerics.codegen.sharing): the operations of the two separate nodes with the
    # common ones done once, so that the values are bitwise theirs
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
        if not _private(a):
            return Softmax(a, beta), LseLegendre(a, beta)
        return _softmax_lse_inplace(a * beta, beta, softmax_too=True)

    return {"VSum": VSum, "RowDot": RowDot, "LogSumExp": LogSumExp, "Softmax": Softmax, "SoftmaxMatVec": SoftmaxMatVec,
            "AttentionMatVec": AttentionMatVec, "LogSumExpMatVec": LogSumExpMatVec, "sigmoid": sigmoid,
            "TanhLegendre": TanhLegendre, "SigmoidLegendre": SigmoidLegendre, "LseLegendre": LseLegendre,
            "SigmoidLegendrePair": SigmoidLegendrePair, "SigmoidPlusMinus": SigmoidPlusMinus, "SoftmaxLsePair": SoftmaxLsePair}


def _i0e(x):
    """SciPy's ``i0e``, imported when a Bessel node first runs, not when the backend is built: importing scipy.special
    in every process that builds a kernel moves glibc's dynamic mmap threshold (its large allocations), the heap state
    the allocator's tests pin."""
    from scipy.special import i0e

    return i0e(x)


def _i1e(x):
    from scipy.special import i1e

    return i1e(x)


def _ive(nu, x):
    from scipy.special import ive

    return ive(nu, x)


def numpy_backend():
    """The NumPy backend (the default): generic forms, the in-place nodes over them, ``where`` as a blend."""
    from . import Backend

    generic = nodes(np, matvec=_matvec, select=_select_blend, i0e=_i0e, i1e=_i1e, ive=_ive)
    ns = {**generic, **_inplace_nodes(generic), "numpy": np}
    return Backend("numpy", np, ns, np.asarray, np.asarray)
