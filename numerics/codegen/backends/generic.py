"""The generic array forms of the vector-level nodes: one function per node of :mod:`theory.vector` and
:mod:`numerics.codegen.stable`, written against an array library ``xp`` with NumPy's names.

Every node maps to a function of arrays whose last axis is the neuron axis and whose first axes are batch axes.
Reductions keep the last axis (size 1) so that they broadcast against vectors. Forms are shift-stable:
``logsumexp`` and ``softmax`` subtract the maximum, ``softplus`` is ``max(x, 0) + log1p(exp(-|x|))``, ``logcosh`` is
``log1p(2 sinh^2(x/2))`` for ``|x| < 1`` and ``|x| + log1p(exp(-2|x|)) - log 2`` beyond; ``Sech2`` and the Legendre
terms are computed without cancellation or overflow.

These forms allocate a fresh array per operation, which a compiling backend (XLA under ``jax.jit``) fuses; JAX and
PyTorch take them as they are, with their own fused kernels where they have one (``softmax``, ``logsumexp``,
``logistic``, ``rowsum``). NumPy runs node by node and replaces the nodes whose temporaries it can reuse
(:mod:`numerics.codegen.backends.numpy_backend`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["nodes", "is_one", "mask_astype"]


def is_one(beta: Any) -> bool:
    """``beta`` is the number 1 (a scalar or 0-d array); anything else, a traced value included, is not."""
    try:
        return float(beta) == 1.0
    except (TypeError, ValueError):
        return False


def mask_astype(c: Any, like: Any) -> Any:
    """A boolean mask as 0/1 in ``like``'s dtype (``bool * 1.0`` would be float64 and promote float32)."""
    return c.to(like.dtype) if hasattr(c, "to") and not hasattr(c, "astype") else c.astype(like.dtype)


def nodes(xp: Any, *, matvec: Callable, select: Callable | None = None, softmax: Callable | None = None,
          logsumexp: Callable | None = None, logistic: Callable | None = None, rowsum: Callable | None = None,
          i0e: Callable | None = None, i1e: Callable | None = None, ive: Callable | None = None) -> dict:
    """The node implementations on array library ``xp``.

    ``softmax`` and ``logsumexp`` (of the last axis, shift-stable) replace the generic max/exp/sum passes where the
    library has a fused kernel, and ``logistic`` the sigmoid where the library has one with relative accuracy on both
    tails (XLA's: one op that its fusions take whole; sharing ``exp(-|x|)`` with ``SigmoidLegendre`` instead left
    XLA:CPU several materialised passes over the layer). ``rowsum`` (the sums over the neuron axis, the axis kept)
    replaces ``xp.sum`` where the library has a better reduction for some shapes (XLA:CPU:
    :func:`numerics.codegen.backends.jax_backend.xla_rowsum`). A compiling backend fuses these forms and shares work
    between nodes of one layer (``tanh x`` between the activation and ``TanhLegendre``). ``i0e`` and ``i1e``, the
    exponentially scaled modified Bessel functions, serve the phase oscillator's nodes (``LogBesselI0``,
    ``BesselRatio``), and ``ive`` (any order) the sphere's ``BesselRatioOrder``; a backend without them cannot run those
    nodes (and says so)."""
    select = select or xp.where

    def _bessel(name: str) -> Callable:
        def missing(*_a):
            raise NotImplementedError(f"this backend has no exponentially scaled Bessel function `{name}`; the NumPy backend has")

        return {"i0e": i0e, "i1e": i1e, "ive": ive}[name] or missing

    def rs(a):
        return rowsum(a) if rowsum is not None else xp.sum(a, axis=-1, keepdims=True)

    def VSum(a, n):  # noqa: N802 - vector expressions always carry the neuron axis
        return rs(a)

    def MatVec(W, a):  # noqa: N802
        return matvec(W, a)

    def RowDot(a, b):  # noqa: N802 - VSum(a b), the axis kept
        return rs(a * b)

    def MatTVec(W, a):  # noqa: N802
        if W.ndim > 2:  # one weight set per sample
            return (a[..., None, :] @ W)[..., 0, :]  # the operator, which every array library has
        return a @ W

    def RowSumSq(W):  # noqa: N802
        return xp.sum(W * W, axis=-1) if W.ndim > 2 else xp.sum(W * W, axis=-1)[None, :]

    def Ones(n):  # noqa: N802
        return xp.ones((1, int(n)), dtype=n.dtype) if hasattr(n, "dtype") else xp.ones((1, int(n)))

    def LogSumExp(a, beta):  # noqa: N802
        z = a * beta
        if logsumexp is not None:
            return logsumexp(z) / beta
        m = xp.max(z, axis=-1, keepdims=True)
        return (m + xp.log(rs(xp.exp(z - m)))) / beta

    def Softmax(a, beta):  # noqa: N802
        z = a * beta if not is_one(beta) else a
        if softmax is not None:
            return softmax(z)
        m = xp.max(z, axis=-1, keepdims=True)
        e = xp.exp(z - m)
        return e / rs(e)

    def SoftmaxMatVec(W, a, beta):  # noqa: N802 - softmax(beta W a)
        return Softmax(matvec(W, a), beta)

    def AttentionMatVec(W, a, beta):  # noqa: N802 - W^T softmax(beta W a)
        return MatTVec(W, SoftmaxMatVec(W, a, beta))

    def LogSumExpMatVec(W, a, beta):  # noqa: N802 - lse(beta W a)
        return LogSumExp(matvec(W, a), beta)

    def relu(x):
        return xp.maximum(x, 0)

    def softplus(x):  # max(x, 0) + log1p(exp(-|x|)): logaddexp(0, x) without NumPy's scalar loop (far slower)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def sigmoid(x):  # exp(min(x, 0)) / (1 + exp(-|x|)): relative accuracy on both tails, nothing overflows, no branch
        if logistic is not None:  # the library's own logistic op (relative accuracy on both tails, one fused pass)
            return logistic(x)
        return xp.exp(xp.minimum(x, 0)) / (1 + xp.exp(-xp.abs(x)))

    def logcosh(x):  # log1p(2 sinh^2(x/2)) keeps relative accuracy near 0, the other form beyond (both finite)
        ax = xp.abs(x)
        small = xp.log1p(2 * xp.sinh(xp.minimum(ax, 1.0) / 2) ** 2)
        return select(ax < 1, small, ax + xp.log1p(xp.exp(-2 * ax)) - math.log(2.0))

    def Sech2(x):  # noqa: N802 - 1 - tanh^2 without cancellation or overflow
        e = xp.exp(-2 * xp.abs(x))
        return 4 * e / (1 + e) ** 2

    def TanhLegendre(x):  # noqa: N802 - x tanh x - log cosh x
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

    def SigmoidLegendre(x):  # noqa: N802 - x sigmoid(x) - softplus(x) = -(binary entropy of sigmoid(x))
        ax = xp.abs(x)
        e = xp.exp(-ax)  # softplus(-|x|) = log1p(e), sigmoid(-|x|) = e / (1 + e)
        return -(xp.log1p(e) + ax * e / (1 + e))

    def LseLegendre(a, beta):  # noqa: N802 - a . softmax(beta a) - lse(a) = -H(softmax)/beta
        z = a * beta
        z = z - xp.max(z, axis=-1, keepdims=True)
        e = xp.exp(z)
        # Z - 1 without rounding the maxima's exact 1s into it: log Z = log1p(Z - 1) keeps tiny entropies
        zm1 = (rs(mask_astype(z == 0, z)) - 1) + rs(mask_astype(z < 0, e) * e)
        return -(xp.log1p(zm1) - rs(e * z) / (1 + zm1)) / beta

    # pairs of nodes computed together (numerics.codegen.sharing): here the two nodes as they are (a compiling backend
    # shares their common operations itself)
    def SigmoidLegendrePair(x):  # noqa: N802 - (sigmoid(x), SigmoidLegendre(x))
        return sigmoid(x), SigmoidLegendre(x)

    def SigmoidPlusMinus(x):  # noqa: N802 - (sigmoid(x), sigmoid(-x))
        return sigmoid(x), sigmoid(-x)

    def SoftmaxLsePair(a, beta):  # noqa: N802 - (Softmax(a, beta), LseLegendre(a, beta))
        return Softmax(a, beta), LseLegendre(a, beta)

    def SoftmaxCenter(u, s):  # noqa: N802 - u - s.u, centred twice: the second pass removes the first one's rounding
        # When s is (nearly) one-hot at k, s.u is u_k up to rounding, and u - s.u cancels at k. That rounding is one
        # shift common to every entry, and a shift c drops out of (u - c) - s.(u - c); the second centering
        # measures it on the already small differences, exactly where s is one-hot (plain sums: XLA fuses them)
        d = u - rs(s * u)
        return d - rs(s * d)

    def DiracDelta(x, k=0):  # noqa: N802 - derivatives of steps are taken almost everywhere
        return 0 * x

    def MaxAbsScale(x):  # noqa: N802 - max |x_i| of each row (1 for a zero row): the scale a norm is taken in
        m = xp.max(xp.abs(x), axis=-1, keepdims=True)
        return select(m > 0, m, m * 0 + 1)  # an array, not 1.0: float32 stays float32 (every library has these operators)

    def ScaledUnit(x):  # noqa: N802 - x / max |x_i|: entries in [-1, 1], whatever the scale of x
        return x / MaxAbsScale(x)

    def LogBesselI0(x):  # noqa: N802 - log I0(x) without overflow (I0 itself overflows past ~713) or cancellation
        # |x| >= 1: log i0e(|x|) + |x|. Below, that sum cancels (log I0 ~ x^2/4), so log1p of the series of I0 - 1,
        # sum_k (x^2/4)^k / (k!)^2, whose terms fall by 1/(4 k^2) at most: 12 of them reach float64 rounding
        ax = xp.abs(x)
        q = xp.minimum(ax, 1.0) ** 2 / 4
        term, series = q, q
        for k in range(2, 13):
            term = term * q / (k * k)
            series = series + term
        big = xp.maximum(ax, 1.0)
        return select(ax < 1, xp.log1p(series), xp.log(_bessel("i0e")(big)) + big)

    def BesselRatio(x):  # noqa: N802 - I1(x)/I0(x) = i1e(x)/i0e(x): both scaled by the same exp(-|x|)
        return _bessel("i1e")(x) / _bessel("i0e")(x)

    def BesselRatioOrder(nu, x):  # noqa: N802 - I_{nu+1}(x)/I_nu(x) = ive(nu+1, x)/ive(nu, x), for x >= 0
        # below x = 1e-6 the series x/(2nu+2) (1 - x^2/((2nu+2)(2nu+4))), exact to O(x^4) = 1e-24, where ive(nu, x)
        # underflows for larger orders (0/0) and at x = 0 (the limit 0)
        # beyond x = 1e8 (where SciPy's ive returns NaN from ~1e9) the expansion 1 - (2nu+1)/(2x) + (4nu^2-1)/(8x^2),
        # exact to O(nu^3/x^3) = 1e-24
        ive_ = _bessel("ive")
        small, large = x < 1e-6, x > 1e8
        safe = select(small | large, xp.ones_like(x), x)
        a = 2 * nu + 2
        xs = xp.minimum(x, 1e-6)  # every branch finite: the blend multiplies the one not taken by 0
        series = xs / a * (1 - xs * xs / (a * (a + 2)))
        inv = 1 / select(large, x, xp.ones_like(x))
        tail = 1 - (2 * nu + 1) * inv / 2 + (4 * nu * nu - 1) * inv * inv / 8
        return select(small, series, select(large, tail, ive_(nu + 1, safe) / ive_(nu, safe)))

    return {
        "DiracDelta": DiracDelta,
        "MaxAbsScale": MaxAbsScale,
        "ScaledUnit": ScaledUnit,
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
        "LogBesselI0": LogBesselI0,
        "BesselRatio": BesselRatio,
        "BesselRatioOrder": BesselRatioOrder,
        "SigmoidLegendrePair": SigmoidLegendrePair,
        "SigmoidPlusMinus": SigmoidPlusMinus,
        "SoftmaxLsePair": SoftmaxLsePair,
        "First": lambda p: p[0],
        "Second": lambda p: p[1],
    }
