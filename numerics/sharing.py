r"""Shared passes: nodes of one layer that a kernel needs together are computed together.

A derived energy holds each layer twice: its activation (in the synapse terms) and its Legendre term ``x g - L``
(a stable node, :mod:`numerics.stable`); a gradient holds ``sigmoid(u)`` beside ``sigmoid(-u)``. Each pair shares
most of its work -- ``exp(-|u|)`` and ``1 + exp(-|u|)`` for the sigmoid nodes, the shifted exponentials of ``beta a``
for the softmax and its entropy. XLA finds the shared work itself (common subexpressions inside one fused
program); NumPy evaluates node by node, so each node would redo it.

:func:`share_passes` rewrites a group of printable expressions (the outputs of one kernel entry) so that each such
pair is one node returning both values, ``First(P)`` and ``Second(P)``:

- ``sigmoid(u)`` with ``SigmoidLegendre(u)`` -> ``SigmoidLegendrePair(u)``;
- ``sigmoid(u)`` with ``sigmoid(-u)`` -> ``SigmoidPlusMinus(u)``;
- ``Softmax(a, beta)`` with ``LseLegendre(a, beta)`` -> ``SoftmaxLsePair(a, beta)``.

The printer's common-subexpression pass then computes each pair node once. It is a printing device, not
mathematics: ``First(SigmoidLegendrePair(u))`` *is* ``sigmoid(u)``. Every backend implements the pair nodes; the
NumPy ones perform exactly the operations of the two separate nodes, sharing the common ones, so their values are
bitwise those of the separate nodes (``tests/test_stability.py`` checks this).
"""

from __future__ import annotations

import sympy as sp

from theory.vector import sigmoid

from .stable import SigmoidLegendre

__all__ = ["share_passes", "SHARED_NODES", "First", "Second", "SigmoidLegendrePair", "SigmoidPlusMinus", "SoftmaxLsePair"]

First = sp.Function("First")
Second = sp.Function("Second")
#: ``(sigmoid(u), SigmoidLegendre(u))``
SigmoidLegendrePair = sp.Function("SigmoidLegendrePair")
#: ``(sigmoid(u), sigmoid(-u))``
SigmoidPlusMinus = sp.Function("SigmoidPlusMinus")
#: ``(Softmax(a, beta), LseLegendre(a, beta))``
SoftmaxLsePair = sp.Function("SoftmaxLsePair")

#: Names the backends must implement.
SHARED_NODES = ("First", "Second", "SigmoidLegendrePair", "SigmoidPlusMinus", "SoftmaxLsePair")

_PAIRABLE = ("Softmax", "LseLegendre")


def _named(e: sp.Basic, name: str) -> bool:
    return isinstance(e, sp.Function) and e.func.__name__ == name


def _nested(arg: sp.Basic) -> bool:
    """Whether ``arg`` itself holds a node that could be paired (then the pair is not formed: one level only)."""
    return any(isinstance(f, (sigmoid, SigmoidLegendre)) or f.func.__name__ in _PAIRABLE for f in arg.atoms(sp.Function))


def share_passes(exprs: list) -> list:
    """The expressions of one kernel entry, with the pairs of the module notes replaced by pair nodes.

    Parameters
    ----------
    exprs : list of sympy.Expr
        Printable expressions (after :func:`numerics.stable.stabilize`), all outputs of one generated function.

    Returns
    -------
    list of sympy.Expr
        The same values; a node whose partner is absent is left as it is.

    Examples
    --------
    >>> import sympy as sp
    >>> from theory.vector import sigmoid
    >>> from numerics.stable import SigmoidLegendre
    >>> v = sp.Symbol("v")
    >>> share_passes([sigmoid(v) * 2, SigmoidLegendre(v)])
    [2*First(SigmoidLegendrePair(v)), Second(SigmoidLegendrePair(v))]
    """
    fs: set = set()
    for e in exprs:
        fs |= sp.sympify(e).atoms(sp.Function)
    rep: dict = {}
    for f in sorted(fs, key=sp.default_sort_key):
        if isinstance(f, SigmoidLegendre) and not _nested(f.args[0]):
            s = sigmoid(f.args[0])
            if s in fs and s not in rep:
                p = SigmoidLegendrePair(f.args[0])
                rep[s], rep[f] = First(p), Second(p)
    for f in sorted(fs, key=sp.default_sort_key):
        if isinstance(f, sigmoid) and f not in rep and not _nested(f.args[0]) and not f.args[0].could_extract_minus_sign():
            m = sigmoid(-f.args[0])
            if m in fs and m not in rep:
                p = SigmoidPlusMinus(f.args[0])
                rep[f], rep[m] = First(p), Second(p)
        if _named(f, "LseLegendre") and not any(_nested(a) for a in f.args):
            s = sp.Function("Softmax")(*f.args)
            if s in fs and s not in rep:
                p = SoftmaxLsePair(*f.args)
                rep[s], rep[f] = First(p), Second(p)
    if not rep:
        return list(exprs)
    return [sp.sympify(e).xreplace(rep) for e in exprs]
