r"""Stable forms: the printer's rewrite of derived expressions before code is generated.

A derivation is exact; its floating-point evaluation is not.  Derivatives of
saturating activations come out of SymPy as differences of nearly equal
numbers (``1 - tanh(u)**2``, ``sigmoid(u) * (1 - sigmoid(u))``), Legendre terms
as differences of large sums (``x tanh(x) - log cosh(x)``), and a user's own
``log(cosh(x))`` or ``log(1 + exp(x))`` as ``sinh/cosh`` and ``exp/(exp + 1)``,
which overflow.  :func:`stabilize` rewrites these *shapes* -- wherever they
occur, in any model -- into nodes with stable array implementations in
:mod:`numerics.codegen.backends`:

- ``c - c tanh(u)**2`` -> ``c * Sech2(u)``, computed as ``4e/(1+e)^2`` with ``e = exp(-2|u|)``;
- ``c - c sigmoid(u)`` -> ``c * sigmoid(-u)`` (``sigmoid`` is built on ``exp(-|u|)``);
- ``-b u tanh(u) + b logcosh(u)`` -> ``-b * TanhLegendre(u)``, ``|u| t + log1p(-t^2)/2`` (``t = tanh|u|``)
  below ``|u| = 1``, ``log 2 - log1p(e) - 2|u| e/(1+e)`` beyond (NumPy: ``log1p(t) - |u| (1 - t)``, the same by
  ``log cosh u = u - log1p(tanh u)``);
- ``-b u sigmoid(u) + b softplus(u)`` -> ``-b * SigmoidLegendre(u)``, minus the binary entropy;
- ``c lse(a) - c VSum(a softmax(a))`` -> ``-c * LseLegendre(a, beta)``, minus the softmax entropy;
- ``s u - s VSum(s u)`` -> ``s * SoftmaxCenter(u, s)``, centred twice (the second pass removes the first one's rounding);
- ``log(cosh(u))`` -> ``logcosh(u)`` (``log1p(2 sinh^2(u/2))`` near 0), ``log(1 + exp(u))`` ->
  ``softplus(u)``, ``sinh(u)/cosh(u)`` -> ``tanh(u)``, ``exp(u)/(1 + exp(u))`` -> ``sigmoid(u)``,
  ``cosh(u)**-2`` and ``sech(u)**2`` -> ``Sech2(u)``;
- ``log(besseli(0, u))`` -> ``LogBesselI0(u)``, ``log(i0e(|u|)) + |u|`` (``I0`` overflows past ``u ~ 700``), and
  ``besseli(1, u) / besseli(0, u)`` -> ``BesselRatio(u)``, ``i1e(u) / i0e(u)`` (the phase oscillator's mean), and
  for any numeric order ``besseli(nu + 1, u) / besseli(nu, u)`` -> ``BesselRatioOrder(nu, u)``,
  ``ive(nu + 1, u) / ive(nu, u)``, its series below ``u = 1e-6`` and its expansion beyond ``1e8`` (the von Mises--Fisher mean of the sphere denoiser);
- ``x**n / x`` -> ``x**(n - 1)``, finite at ``x = 0``.

Scalar sums of reductions over one size are merged first
(``c1 VSum(a1, N) + c2 VSum(a2, N) -> VSum(c1 a1 + c2 a2, N)``), so that a
layer's ``x^T g`` and ``L`` meet entrywise and cancel there, exactly.

Every replacement is an identity (``tests/test_stability.py`` evaluates both
sides at 40 digits), and the same file checks every compiled function of every
built-in model and catalogue Lagrangian against mpmath.
"""

from __future__ import annotations

import sympy as sp

from theory.vector import logcosh, sigmoid, softplus

__all__ = ["stabilize", "Sech2", "TanhLegendre", "SigmoidLegendre", "LseLegendre", "SoftmaxCenter", "LogBesselI0", "BesselRatio", "BesselRatioOrder", "STABLE_NODES"]


class Sech2(sp.Function):
    """``sech(u)**2 = 1 - tanh(u)**2`` (printed to a form that neither cancels nor overflows)."""

    nargs = 1

    def _eval_evalf(self, prec):
        return (1 / sp.cosh(self.args[0]) ** 2)._eval_evalf(prec)


class TanhLegendre(sp.Function):
    """``u tanh(u) - log cosh(u)``: the tanh layer's Legendre term at ``beta = 1``."""

    nargs = 1

    def _eval_evalf(self, prec):
        u = self.args[0]
        return (u * sp.tanh(u) - sp.log(sp.cosh(u)))._eval_evalf(prec)


class SigmoidLegendre(sp.Function):
    """``u sigmoid(u) - softplus(u)``, minus the binary entropy of ``sigmoid(u)``."""

    nargs = 1

    def _eval_evalf(self, prec):
        u = self.args[0]
        return (u / (1 + sp.exp(-u)) - sp.log(1 + sp.exp(u)))._eval_evalf(prec)


#: ``a . softmax(beta a) - lse_beta(a)`` (a scalar reduction, minus the softmax entropy over beta).
LseLegendre = sp.Function("LseLegendre")

#: ``u - sum(s u)`` for a probability vector ``s``, centred twice (the second pass removes the first one's rounding).
SoftmaxCenter = sp.Function("SoftmaxCenter")

#: Names the backends must implement.
class LogBesselI0(sp.Function):
    """``log(besseli(0, u))``: the phase oscillator's cumulant generating function (printed without overflow)."""

    nargs = 1

    def _eval_evalf(self, prec):
        return sp.log(sp.besseli(0, self.args[0]))._eval_evalf(prec)


class BesselRatio(sp.Function):
    """``besseli(1, u) / besseli(0, u)``: the mean of ``cos`` under the von Mises law of concentration ``u``."""

    nargs = 1

    def _eval_evalf(self, prec):
        u = self.args[0]
        return (sp.besseli(1, u) / sp.besseli(0, u))._eval_evalf(prec)


class BesselRatioOrder(sp.Function):
    """``besseli(nu + 1, u) / besseli(nu, u)`` for a numeric order ``nu > -1``: the mean length of a von Mises--Fisher
    law on the sphere of dimension ``2 nu + 2`` (printed without overflow, and as its limit 0 at ``u = 0``)."""

    nargs = 2

    def _eval_evalf(self, prec):
        nu, u = self.args
        return (sp.besseli(nu + 1, u) / sp.besseli(nu, u))._eval_evalf(prec)


STABLE_NODES = ("Sech2", "TanhLegendre", "SigmoidLegendre", "LseLegendre", "SoftmaxCenter", "LogBesselI0", "BesselRatio", "BesselRatioOrder")

_INERT_VSUM = "VSum"
_INERT_LSE = "LogSumExp"
_INERT_SOFTMAX = "Softmax"


def _is_inert(t: sp.Basic, name: str) -> bool:
    return isinstance(t, sp.core.function.AppliedUndef) and t.func.__name__ == name


def _split(term: sp.Expr, factor: sp.Expr) -> sp.Expr | None:
    """``c`` with ``term == c * factor`` when ``factor`` is one of ``term``'s factors, else ``None``."""
    fs = list(sp.Mul.make_args(term))
    if factor in fs:
        fs.remove(factor)
        return sp.Mul(*fs)
    return None


def _simpler(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.count_ops(a) < sp.count_ops(b)


def _merge_vsums(terms: list) -> list:
    """Merge ``c * VSum(a, N)`` terms of a *scalar* sum over the same ``N`` into one ``VSum``."""
    groups: dict = {}
    rest = []
    for t in terms:
        sums = [f for f in sp.Mul.make_args(t) if _is_inert(f, _INERT_VSUM)]
        if len(sums) == 1:
            c = _split(t, sums[0])
            groups.setdefault(sums[0].args[1], []).append(c * sums[0].args[0])
        else:
            rest.append(t)
    out = rest
    for n, parts in groups.items():
        out.append(sp.Function(_INERT_VSUM)(sp.Add(*parts), n) if len(parts) > 1 else sp.Function(_INERT_VSUM)(parts[0], n))
    return out


def _pair(terms: list, find) -> list:
    """Replace pairs of terms by what ``find`` returns for them (``None``: no match)."""
    changed = True
    while changed:
        changed = False
        for i, t in enumerate(terms):
            for j, s in enumerate(terms):
                if i == j:
                    continue
                r = find(t, s)
                if r is not None:
                    terms = [x for k, x in enumerate(terms) if k not in (i, j)] + list(sp.Add.make_args(r))
                    changed = True
                    break
            if changed:
                break
    return terms


def _saturating(t: sp.Expr, s: sp.Expr) -> sp.Expr | None:
    """``c tanh(u)**2`` with ``-c`` -> ``-c Sech2(u)``; ``c sigmoid(u)`` with ``-c`` -> ``-c sigmoid(-u)``."""
    for f in sp.Mul.make_args(t):
        if isinstance(f, sp.Pow) and f.exp == 2 and isinstance(f.base, sp.tanh):
            c = _split(t, f)
            if sp.expand(c + s) == 0:
                return -c * Sech2(f.base.args[0])
        if isinstance(f, sigmoid):
            c = _split(t, f)
            if sp.expand(c + s) == 0:
                return -c * sigmoid(-f.args[0])
    return None


def _legendre(t: sp.Expr, s: sp.Expr) -> sp.Expr | None:
    """``a tanh(u) + b logcosh(u)`` -> ``-b TanhLegendre(u) + (a + b u) tanh(u)`` when that cancels; same for sigmoid."""
    for f in sp.Mul.make_args(s):
        for outer, inner, node in ((logcosh, sp.tanh, TanhLegendre), (softplus, sigmoid, SigmoidLegendre)):
            if isinstance(f, outer):
                u = f.args[0]
                b = _split(s, f)
                a = _split(t, inner(u))
                if a is None:
                    continue
                rest = sp.expand(a + b * u)
                if rest == 0 or _simpler(rest, a):
                    return -b * node(u) + rest * inner(u)
    return None


def _lse_legendre(terms: list) -> list:
    """``c lse(a) + VSum(-c a softmax(a) + r, N)`` -> ``-c LseLegendre(a, beta) + VSum(r, N)``."""
    for i, t in enumerate(terms):
        lse = [f for f in sp.Mul.make_args(t) if _is_inert(f, _INERT_LSE)]
        if len(lse) != 1:
            continue
        c = _split(t, lse[0])
        a, beta = lse[0].args
        sm = sp.Function(_INERT_SOFTMAX)(a, beta)
        for j, s in enumerate(terms):
            sums = [f for f in sp.Mul.make_args(s) if _is_inert(f, _INERT_VSUM)]
            if i == j or len(sums) != 1:
                continue
            k = _split(s, sums[0])
            inner = list(sp.Add.make_args(sums[0].args[0]))
            for m, u in enumerate(inner):
                d = _split(u, sm)
                d = None if d is None else _split(d, a) if a in sp.Mul.make_args(d) else None
                if d is not None and sp.expand(k * d + c) == 0:
                    left = sp.Add(*(inner[:m] + inner[m + 1 :]))
                    new = -c * LseLegendre(a, beta) + (k * sp.Function(_INERT_VSUM)(left, sums[0].args[1]) if left != 0 else 0)
                    return [x for q, x in enumerate(terms) if q not in (i, j)] + list(sp.Add.make_args(new))
    return terms


def _distribute(terms: list) -> list:
    """``c * (a + b)`` -> ``c a, c b`` for terms whose inner sum involves a softmax (to regroup them below)."""
    out = []
    for t in terms:
        adds = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.Add)]
        if len(adds) == 1 and any(_is_inert(g, _INERT_SOFTMAX) for g in adds[0].atoms(sp.core.function.AppliedUndef)):
            c = _split(t, adds[0])
            out.extend(_distribute([c * a for a in adds[0].args]))
        else:
            out.append(t)
    return out


def _softmax_center(terms: list) -> list:
    """``s u + k s VSum(s w, N)`` with ``sum k w == -u`` -> ``s SoftmaxCenter(u, s)``.

    ``u - s.u`` (the softmax Hessian's projection) cancels to a tiny number when ``s`` is nearly one-hot;
    the stable node subtracts ``u`` at the dominant entry first.
    """
    sms = {f for t in terms for f in sp.Mul.make_args(t) if _is_inert(f, _INERT_SOFTMAX)}
    for sm in sms:
        plain, centred, rest = [], [], []
        for t in terms:
            fs = sp.Mul.make_args(t)
            sums = [f for f in fs if _is_inert(f, _INERT_VSUM) and sm in sp.Mul.make_args(f.args[0])]
            if sm in fs and len(sums) == 1:
                centred.append((_split(_split(t, sm), sums[0]), _split(sums[0].args[0], sm), sums[0].args[1]))
            elif sm in fs and not any(f.has(sm) for f in fs if f != sm):
                plain.append(_split(t, sm))
            else:
                rest.append(t)
        if not plain or not centred or len({n for _, _, n in centred}) != 1:
            continue
        u = sp.Add(*plain)
        if sp.expand(sp.Add(*[k * w for k, w, _ in centred]) + u) != 0:
            continue
        return _softmax_center(rest + [sm * SoftmaxCenter(u, sm)])
    return terms


def _merge_centers(terms: list) -> list:
    """``k s SoftmaxCenter(u, s) + r k s SoftmaxCenter(w, s)`` (``r`` a number) -> ``k s SoftmaxCenter(u + r w, s)``.

    The node is linear in its first argument, so terms centred on the same softmax share one centring (one set of
    row reductions instead of one per term). The inner sums of a derivative are rewritten bottom-up, each into its own
    centring, before the outer sum sees them: this merges them back.
    """
    groups: dict = {}
    rest = []
    for t in terms:
        cs = [f for f in sp.Mul.make_args(t) if isinstance(f, SoftmaxCenter)]
        if len(cs) == 1:
            groups.setdefault(cs[0].args[1], []).append((_split(t, cs[0]), cs[0].args[0]))
        else:
            rest.append(t)
    out = rest
    for sm, parts in groups.items():
        k0, u = parts[0]
        for k, w in parts[1:]:
            r = sp.cancel(k / k0)
            if r.is_Number:
                u = u + r * w
            else:
                out.append(k * SoftmaxCenter(w, sm))
        out.append(k0 * SoftmaxCenter(u, sm))
    return out


def _factor_common(e: sp.Expr) -> sp.Expr:
    """Factors common to every term of a sum taken out: ``a c - b c`` -> ``(a - b) c`` (one product instead of one per
    term; exact in real arithmetic, and no more roundings in floating point)."""
    terms = sp.Add.make_args(e)
    if len(terms) < 2:
        return e
    common = [f for f in sp.Mul.make_args(terms[0]) if not f.is_Number]
    for t in terms[1:]:
        fs = list(sp.Mul.make_args(t))
        common = [f for f in common if f in fs]
    if not common:
        return e
    rest = []
    for t in terms:
        for f in common:
            t = _split(t, f)
        rest.append(t)
    return sp.Mul(*common) * sp.Add(*rest)


def _canonical(e: sp.Expr) -> sp.Expr:
    """One node's user-written shapes -> catalogue nodes (the children are already done)."""
    if isinstance(e, sp.log):
        a = e.args[0]
        if isinstance(a, sp.cosh):
            return logcosh(a.args[0])
        if isinstance(a, sp.besseli) and a.args[0] == 0:
            return LogBesselI0(a.args[1])
        terms = sp.Add.make_args(a)
        if len(terms) == 2 and sp.S.One in terms:
            other = terms[0] if terms[1] == 1 else terms[1]
            if isinstance(other, sp.exp):
                return softplus(other.args[0])
    if isinstance(e, sp.Pow) and e.exp == -2 and isinstance(e.base, sp.cosh):
        return Sech2(e.base.args[0])
    if isinstance(e, sp.Pow) and e.exp == 2 and isinstance(e.base, sp.sech):
        return Sech2(e.base.args[0])
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp < 0 and isinstance(e.base, sp.Add):
        # (1 + exp(-u))**-k -> sigmoid(u)**k
        terms = sp.Add.make_args(e.base)
        if len(terms) == 2 and sp.S.One in terms:
            other = terms[0] if terms[1] == 1 else terms[1]
            if isinstance(other, sp.exp):
                return sigmoid(-other.args[0]) ** (-e.exp)
    if isinstance(e, sp.Mul):
        # x**n / x -> x**(n - 1): SymPy's derivative of x**n is n*x**n/x, which is 0/0 = NaN at x = 0
        bases = [f.base if isinstance(f, sp.Pow) else f for f in e.args]
        if len(set(bases)) < len(bases):
            merged = sp.powsimp(e, combine="exp")
            if merged != e:
                return _canonical(merged) if isinstance(merged, sp.Mul) and len(merged.args) < len(e.args) else merged
        fs = list(e.args)
        for f in fs:  # besseli(nu + 1, u)**k * besseli(nu, u)**-k -> BesselRatio(u)**k (nu = 0), BesselRatioOrder(nu, u)**k
            base, k = (f.base, f.exp) if isinstance(f, sp.Pow) else (f, sp.S.One)
            if isinstance(base, sp.besseli) and base.args[0].is_number and base.args[0] > 0 and k.is_Integer and k > 0:
                nu = base.args[0] - 1
                den = sp.besseli(nu, base.args[1]) ** -k
                if den in fs:
                    rest = [x for x in fs if x is not f and x != den]
                    ratio = BesselRatio(base.args[1]) if nu == 0 else BesselRatioOrder(nu, base.args[1])
                    return _canonical(sp.Mul(*rest)) * ratio**k
        for f in fs:
            base, k = (f.base, f.exp) if isinstance(f, sp.Pow) else (f, sp.S.One)
            # sinh(u)**k * cosh(u)**-k -> tanh(u)**k;  sinh(u)**2 * Sech2(u) -> tanh(u)**2
            if (isinstance(base, sp.cosh) and k.is_negative) or (isinstance(base, Sech2) and k == 1):
                u, m = base.args[0], (-k if isinstance(base, sp.cosh) else 2)
                sh = sp.sinh(u) ** m
                if sh in fs:
                    rest = [x for x in fs if x is not f and x is not sh]
                    return _canonical(sp.Mul(*rest)) * sp.tanh(u) ** m
            # exp(-m w) * sigmoid(w)**k (from exp(u)/(1 + exp(u))**k) -> sigmoid(-w)**m sigmoid(w)**(k-m)
            if isinstance(base, sigmoid) and k.is_Integer and k > 0:
                w = base.args[0]
                for g in fs:
                    if isinstance(g, sp.exp):
                        m = sp.cancel(-g.args[0] / w)
                        if m.is_Integer and 0 < m <= k:
                            rest = [x for x in fs if x is not f and x is not g]
                            return _canonical(sp.Mul(*rest)) * sigmoid(-w) ** m * sigmoid(w) ** (k - m)
    return e


def _rebuild(e: sp.Expr, scalar_sum: bool = False) -> sp.Expr:
    if not e.args:
        return e
    if isinstance(e, sp.Add):
        terms = [_rebuild(a) for a in e.args]
        if scalar_sum:
            terms = _merge_vsums(terms)
            terms = _lse_legendre(terms)
            terms = [_rebuild_sum_body(t) for t in terms]
        terms = _merge_centers(_softmax_center(_distribute(terms)))
        terms = _pair(terms, _saturating)
        terms = _pair(terms, _legendre)
        return sp.Add(*terms)
    return _canonical(e.func(*[_rebuild(a) for a in e.args]))


def _rebuild_sum_body(t: sp.Expr) -> sp.Expr:
    """Re-run the entrywise rules inside a freshly merged ``VSum`` body."""
    sums = [f for f in sp.Mul.make_args(t) if _is_inert(f, _INERT_VSUM)]
    if len(sums) != 1:
        return t
    c = _split(t, sums[0])
    body, n = sums[0].args
    return c * sp.Function(_INERT_VSUM)(_rebuild(body), n)


def stabilize(e: sp.Expr, scalar: bool = False) -> sp.Expr:
    """Rewrite a printable expression into stable forms (see the module docstring).

    Parameters
    ----------
    e : sympy.Expr
        An expression after the printer's ``_printable`` step: vector-level nodes are inert
        functions of the same name, vectors plain symbols.
    scalar : bool
        ``True`` when ``e`` is a scalar (an energy): only then are ``VSum`` terms of its sums
        merged, since a coefficient of a ``VSum`` in a vector expression may be a vector.

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u")
    >>> stabilize(1 - sp.tanh(u) ** 2)
    Sech2(u)
    >>> stabilize(sp.log(1 + sp.exp(u)))
    softplus(u)
    """
    return _factor_common(_rebuild(sp.sympify(e), scalar))
