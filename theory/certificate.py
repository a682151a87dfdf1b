r"""Three-valued certificates that a Lagrangian's Hessian is positive semidefinite.

How it works
------------
:func:`theory.calculus.hessian` writes the Hessian as
:math:`H = \operatorname{diag}(d) + B C B^\top` with ``r`` columns in ``B``.

* ``r = 0``: :math:`H \succeq 0` iff :math:`d(t) \ge 0` for every real entry
  value ``t``.  Proved by SymPy's sign assumptions (after rewriting to
  ``exp``), by :func:`sympy.calculus.util.function_range`, or by
  ``solveset(d < 0) = EmptySet``; a non-empty ``solveset`` gives an exact
  counterexample.  ``DiracDelta`` terms are nonnegative measures (piecewise
  linear Lagrangians), reported as a distributional proof.
* ``r > 0`` and ``d > 0``: with :math:`G = B^\top D^{-1} B`,
  :math:`H \succeq 0 \iff K = G + G C G \succeq 0` (an ``r x r`` matrix,
  tested by principal minors); zero modes are :math:`D^{-1} B y` for
  :math:`y \in \ker K`.  Log-sum-exp and the spherical norm are the rank-one
  cases with :math:`K = 0`.

Before any of these, a quick seeded numeric search (a few points at one size)
looks for a negative eigenvalue: the cheap, decisive refutation comes first.
When no rule decides, a fuller seeded numeric search evaluates the Hessian of
the Lagrangian expanded at ``N = 1, 2, 3`` (plain ``sympy.diff``, an independent
route).  Either reports a counterexample only after re-evaluating it with
mpmath at 50 digits.  Otherwise the verdict is ``None`` with the reason: never
a guess.

Every step runs within the budgets of :mod:`theory.budget` (each rewrite or
solver call ``BUDGET["step_seconds"]``, the whole certificate
``BUDGET["seconds"]``); past them the verdict is ``None``, "undecided (budget
exceeded)".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from . import concrete
from .budget import BUDGET, BudgetExceeded, attempt, check_size
from .budget import simplify as bounded_simplify
from .calculus import NotStructured, StructuredHessian, hessian, vsimplify
from .vector import LogSumExp, Ones, Softmax, Vector, VSum, outer_nodes, parameters, vsize

__all__ = ["Certificate", "certify", "verify_counterexample", "canonical"]


@dataclass(frozen=True)
class Certificate:
    """Verdict on :math:`\\operatorname{Hess} L \\succeq 0`.

    Attributes
    ----------
    verdict : bool or None
        ``True`` proved, ``False`` refuted (with ``counterexample``), ``None`` undecided.
    method : str
        The rule that decided (or was tried last).
    reason : str
        A human-readable explanation.
    counterexample : dict or None
        For ``False``: size ``N``, point ``x``, parameter values, the negative
        eigenvalue and how it was verified.
    zero_modes : tuple of str
        Directions ``u`` with ``H u = 0`` (as expressions), or a description.
    """

    verdict: bool | None
    method: str
    reason: str
    counterexample: dict[str, Any] | None = None
    zero_modes: tuple[sp.Expr | str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.verdict is False and self.counterexample is None:
            raise ValueError("a refuted certificate needs a counterexample")
        if self.verdict not in (True, False, None):
            raise ValueError(f"verdict must be True, False or None; got {self.verdict!r}")

    @property
    def status(self) -> str:
        """``'proved'``, ``'refuted'`` or ``'undecided'``."""
        return {True: "proved", False: "refuted", None: "undecided"}[self.verdict]

    def _repr_markdown_(self) -> str:
        s = f"**{self.status}** by {self.method}: {self.reason}"
        if self.counterexample:
            s += f"; counterexample {self.counterexample}"
        if self.zero_modes:
            s += "; zero modes: " + ", ".join(f"${sp.latex(z)}$" if isinstance(z, sp.Basic) else str(z) for z in self.zero_modes)
        return s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "verdict": self.verdict,
            "status": self.status,
            "method": self.method,
            "reason": self.reason,
            "counterexample": self.counterexample,
            "zero_modes": [str(z) for z in self.zero_modes],
        }


# ------------------------------------------------------------------ helpers


def canonical(e: sp.Expr) -> sp.Expr:
    """Expand the arguments of every ``VSum`` so equal moments look equal."""
    if not e.args:
        return e
    if isinstance(e, VSum):
        a = canonical(e.args[0])
        return VSum(sp.expand(a, power_exp=False, log=False), e.args[1])
    return e.func(*[canonical(a) for a in e.args])


def _elementwise_dummies(e: sp.Expr) -> tuple[sp.Expr, dict]:
    """Replace vector nodes by dummies that carry what is known of their signs.

    Two exact rules are applied to sums:

    * a sum that is the base of a negative power is positive wherever the
      expression is defined (e.g. ``1/sqrt(sum(x**2))`` needs ``x != 0``);
    * ``sum(x**2) = sum(x)**2/N + V`` with ``V >= 0`` (Cauchy-Schwarz), so
      that variances are recognised as nonnegative.
    """
    reps: dict[sp.Expr, sp.Expr] = {}
    nodes = outer_nodes(e)
    denominators = {p.base for p in e.atoms(sp.Pow) if p.exp.is_negative}
    for nd in sorted(nodes, key=sp.default_sort_key):
        if isinstance(nd, Vector):
            reps[nd] = sp.Dummy(nd.name, real=True)
        elif isinstance(nd, Ones):
            reps[nd] = sp.S.One
        elif isinstance(nd, Softmax):
            reps[nd] = sp.Dummy("s", positive=True)
        elif isinstance(nd, VSum):
            a, n = nd.args
            if nd in denominators and nd.is_nonnegative:
                reps[nd] = sp.Dummy("S", positive=True)
            elif isinstance(a, sp.Pow) and a.exp == 2 and isinstance(a.base, Vector):
                s1 = VSum(a.base, n)
                d1 = reps.setdefault(s1, sp.Dummy("S1", real=True))
                reps[nd] = d1**2 / n + sp.Dummy("V", nonnegative=True)
            elif nd.is_positive:
                reps[nd] = sp.Dummy("S", positive=True)
            elif nd.is_nonnegative:
                reps[nd] = sp.Dummy("S", nonnegative=True)
            else:
                reps.setdefault(nd, sp.Dummy("S", real=True))
        elif isinstance(nd, LogSumExp):
            reps[nd] = sp.Dummy("lse", real=True)
        else:
            reps[nd] = sp.Dummy("m", real=True)
    return e.xreplace(reps), {k: v for k, v in reps.items() if isinstance(v, sp.Dummy)}


def _sign_rules(e: sp.Expr, strict: bool) -> tuple[bool | None, str]:
    """Try to prove ``e >= 0`` (``> 0`` if strict) by assumptions and rewrites."""
    attr = "is_positive" if strict else "is_nonnegative"
    deltas = e.atoms(sp.DiracDelta)
    if deltas and not strict:
        e = e.xreplace({d: sp.Dummy("delta", nonnegative=True) for d in deltas})
    candidates = [("sign assumptions", lambda: e)]
    candidates.append(("simplify", lambda: sp.simplify(e)))
    candidates.append(("rewrite as exp", lambda: sp.simplify(e.rewrite(sp.exp))))
    candidates.append(("factor", lambda: sp.factor(sp.together(e))))
    for name, f in candidates:
        try:
            done, v = attempt(BUDGET["step_seconds"], name, lambda f=f: getattr(f(), attr))
        except Exception:  # noqa: BLE001 - a failing rewrite just means "try the next rule"
            continue
        if not done:  # over its step budget: the next rule
            continue
        if v is True:
            return True, name + (" (Dirac deltas are nonnegative measures)" if deltas else "")
        if v is False and not e.free_symbols:
            return False, name
    return None, "no sign rule applied"


def _prove_sign(e: sp.Expr, strict: bool = False) -> tuple[bool | None, str, dict | None]:
    """Sign of an elementwise expression for every real entry value.

    Returns (verdict, method, counterexample-values) where counterexample
    values map dummies to an exact point.
    """
    body, reps = _elementwise_dummies(e)
    ok, how = _sign_rules(body, strict)
    if ok is not None:
        return ok, how, None
    free = body.free_symbols
    entry = [d for v, d in reps.items() if isinstance(v, Vector)]
    if len(free) == 1 and len(entry) == 1 and not body.atoms(sp.DiracDelta):
        t = entry[0]
        try:
            from sympy.calculus.util import function_range

            done, rng = attempt(BUDGET["step_seconds"], "function_range", function_range, body, t, sp.S.Reals)
            if not done:
                raise ValueError(rng)
            lo = rng.inf
            if (lo >= 0) is sp.true and (not strict or (lo > 0) is sp.true or rng.left_open and (lo >= 0) is sp.true):
                return True, f"function_range: d(t) ranges over {rng}", None
        except Exception:  # noqa: BLE001
            pass
        try:
            done, bad = attempt(BUDGET["step_seconds"], "solveset", sp.solveset, body < 0 if not strict else body <= 0, t, sp.S.Reals)
            bad = bad if done else None
        except Exception:  # noqa: BLE001
            bad = None
        if bad is sp.S.EmptySet:
            return True, f"solveset: no real t with d(t) {'<=' if strict else '<'} 0", None
        if bad is not None and not isinstance(bad, sp.ConditionSet):
            pt = _point_in(bad)
            if pt is not None:
                val = body.xreplace({t: pt})
                if (val < 0) is sp.true or (strict and (val <= 0) is sp.true):
                    return False, "solveset found an interval with d(t) < 0", {t: pt}
    return None, how, None


def _point_in(s: sp.Set) -> sp.Expr | None:
    """A simple exact point inside a real set."""
    if isinstance(s, sp.Union):
        for a in s.args:
            p = _point_in(a)
            if p is not None:
                return p
        return None
    if isinstance(s, sp.Interval):
        a, b = s.inf, s.sup
        if a.is_infinite and b.is_infinite:
            return sp.S.Zero
        if a.is_infinite:
            return sp.floor(b) - 1
        if b.is_infinite:
            return sp.ceiling(a) + 1
        return sp.nsimplify((a + b) / 2) if (a + b).is_number else None
    if isinstance(s, sp.FiniteSet) and s.args:
        return s.args[0]
    return None


# --------------------------------------------------------- numeric search route


def _concrete_hessian(L: sp.Expr, x: Vector, N: int) -> tuple[sp.Matrix, list[sp.Symbol]]:
    sizes = {x.size: N} if x.size.is_Symbol else {}
    Lc = concrete.expand(L, sizes)
    xs = concrete.components(x, sizes) if sizes else concrete.components(x, {})
    return sp.hessian(Lc, xs), xs


def verify_counterexample(
    L: sp.Expr, x: Vector, N: int, point: list, params: dict | None = None, dps: int = 50
) -> tuple[mpmath.mpf, list]:
    """Smallest Hessian eigenvalue of ``L`` at a concrete point, in mpmath at ``dps`` digits.

    The Hessian is built independently of :mod:`theory.calculus`: ``L`` is
    expanded to scalars at size ``N`` and differentiated with ``sympy.hessian``.
    """
    H, xs = _concrete_hessian(L, x, N)
    from .parsing import as_expression

    # exact rationals from ints and text ("1/3"), read by the whitelist parser (never sympify'd text)
    subs = {s: (sp.Integer(p) if isinstance(p, int) else as_expression(p, "a point coordinate")) if isinstance(p, (int, str)) else p
            for s, p in zip(xs, point, strict=True)}
    subs.update({sp.Symbol(str(k), **k.assumptions0) if isinstance(k, sp.Symbol) else k: v for k, v in (params or {}).items()})
    Hn = H.xreplace(subs)
    with mpmath.workdps(dps):
        M = mpmath.matrix([[mpmath.mpf(sp.N(Hn[i, j], dps)) for j in range(N)] for i in range(N)])
        E, Q = mpmath.eigsy(M)
        k = min(range(N), key=lambda i: E[i])
        return E[k], [Q[i, k] for i in range(N)]


def _param_samples(params: list[sp.Symbol], defaults: dict) -> list[dict]:
    grids = []
    for p in params:
        vals: list = []
        if p in defaults:
            vals.append(sp.nsimplify(defaults[p]))
        if p.is_integer:
            cand = [1, 2, 3, 4, 5] if p.is_positive else [-2, -1, 0, 1, 2, 3]
        elif p.is_positive:
            cand = [sp.Rational(1, 2), 1, 2, 5]
        elif p.is_nonnegative:
            cand = [0, sp.Rational(1, 2), 1, 3]
        else:
            cand = [sp.Rational(-3, 2), 0, sp.Rational(1, 2), 2]
        vals.extend(sp.Integer(c) if isinstance(c, int) else c for c in cand if c not in vals)
        grids.append(vals[:5])
    return [dict(zip(params, combo, strict=True)) for combo in itertools.product(*grids)][:60]


def _numeric_search(L: sp.Expr, x: Vector, defaults: dict, seed: int = 0, quick: bool = False, searched: list | None = None) -> dict | None:
    """A verified negative Hessian eigenvalue at a seeded point, or ``None``.

    ``quick``: one size (N = 1, or 2 if the layer couples its entries), the first parameter values and a
    dozen points -- the cheap refutation tried before any symbolic rule. A Hessian with ``DiracDelta`` terms (a
    non-smooth Lagrangian, e.g. ``|x|``) is searched off its kinks, where those terms vanish and the Hessian is the
    classical one. ``searched`` (a list) receives the number of points whose eigenvalues were computed, so that a
    fruitless search can say whether it looked at all.
    """
    import random

    rng = random.Random(seed)
    params = sorted(parameters(L), key=str)
    sizes = ((1 if x.size.is_Symbol and L.atoms(VSum) and not L.atoms(LogSumExp) and _additive(L, x) else 2),) if quick else (1, 2, 3)
    if not x.size.is_Symbol:  # a concrete size is expanded as it is: only small ones (the cost must not grow with N)
        sizes = (int(x.size),) if int(x.size) <= 3 else ()
    for N in sizes:
        try:
            H, xs = _concrete_hessian(L, x, N)
        except Exception:  # noqa: BLE001
            continue
        deltas = sorted(H.atoms(sp.DiracDelta), key=str)
        kinks = [d.args[0] for d in deltas]
        H = H.xreplace({d: 0 for d in deltas})  # off the kinks the measure terms vanish
        for pv in _param_samples(params, defaults)[: 2 if quick else None]:
            Hp = H.xreplace(pv)
            f = sp.lambdify(xs, Hp, modules="mpmath")
            kink = sp.lambdify(xs, [k.xreplace(pv) for k in kinks], modules="mpmath") if kinks else None
            for scale in (sp.Rational(1, 2), 2, 10):
                for _ in range(4 if quick else 12):
                    pt = [sp.Rational(round(rng.gauss(0, 1) * float(scale) * 8), 8) for _ in xs]
                    try:
                        if kink is not None and any(k == 0 for k in kink(*[mpmath.mpf(p.p) / p.q for p in pt])):
                            continue  # on a kink: the Hessian is a measure there
                    except Exception:  # noqa: BLE001
                        continue
                    if searched is not None:
                        searched.append(1)
                    try:
                        with mpmath.workdps(30):
                            M = mpmath.matrix(f(*[mpmath.mpf(p.p) / p.q for p in pt]))
                            ev = min(mpmath.eigsy(M)[0]) if N > 1 else M[0, 0]
                    except Exception:  # noqa: BLE001
                        continue
                    if ev < 0:  # verified below at 50 digits (lam < -1e-30), so noise cannot refute
                        lam, vec = verify_counterexample(L, x, N, pt, pv)
                        if lam < -mpmath.mpf(10) ** -30:
                            return {
                                "N": N,
                                "x": [str(p) for p in pt],
                                "parameters": {str(k): str(v) for k, v in pv.items()},
                                "min_eigenvalue": mpmath.nstr(lam, 20),
                                "eigenvector": [mpmath.nstr(c, 12) for c in vec],
                                "verified_with": "Hessian of the Lagrangian expanded at concrete N "
                                "(sympy.hessian), eigenvalues in mpmath at 50 digits",
                            }
    return None


# ------------------------------------------------------------------ main entry


def _direction(u: sp.Expr, n: sp.Expr) -> sp.Expr:
    u = vsimplify(u)
    if vsize(u) is None:
        return Ones(n)
    c = [f for f in sp.Mul.make_args(u) if vsize(f) is None]
    return sp.Mul(*[f for f in sp.Mul.make_args(u) if vsize(f) is not None]) if c else u


def _additive(L: sp.Expr, x: Vector) -> bool:
    """Whether ``L`` is a sum of entrywise terms (so one entry, N = 1, shows any negative curvature)."""
    return all(isinstance(nd, VSum) and outer_nodes(nd.args[0]) <= {x} for nd in outer_nodes(L))


def certify(L: sp.Expr, x: Vector, defaults: dict | None = None, budget: float | None = None) -> Certificate:
    """Decide whether :math:`\\nabla^2_x L \\succeq 0` within a time budget (see :func:`_certify`).

    ``budget`` (seconds) defaults to ``theory.budget.BUDGET["seconds"]``; past it the certificate is
    undecided with the reason "budget exceeded", never a hang.
    """
    seconds = BUDGET["seconds"] if budget is None else budget
    try:
        check_size(L, "Lagrangian")
        done, res = attempt(seconds, "certificate", _certify, L, x, defaults or {})
    except BudgetExceeded as exc:
        if exc.owner is not None:
            raise
        done, res = False, str(exc)
    if done:
        return res
    return Certificate(
        None,
        "budget exceeded",
        f"undecided (budget exceeded): {res}. A larger budget: theory.budget.set_budget(seconds=..., step_seconds=...).",
    )


def _certify(L: sp.Expr, x: Vector, defaults: dict | None = None) -> Certificate:
    """Decide whether :math:`\\nabla^2_x L \\succeq 0` for every real ``x`` and every admissible parameter.

    Parameters
    ----------
    L : sympy.Expr
        A scalar Lagrangian in the vector ``x``.
    x : Vector
        The layer's state.
    defaults : dict, optional
        Parameter values to try first in the numeric counterexample search.

    Returns
    -------
    Certificate
        Proved, refuted (with a verified counterexample) or undecided (with the reason).
    """
    defaults = defaults or {}
    n = x.size
    done, ce = attempt(BUDGET["step_seconds"], "quick numeric search", _numeric_search, L, x, defaults, 0, True)
    if done and ce is not None:
        return Certificate(False, "numeric counterexample search", "a negative Hessian eigenvalue at a seeded point, verified", ce)
    try:
        H = hessian(L, x)
    except NotStructured as exc:
        return _fallback(L, x, defaults, f"Hessian not in diag + low-rank form ({exc})")
    d = canonical(H.diagonal)
    if H.rank == 0:
        ok, how, pt = _prove_sign(d)
        if ok:
            return Certificate(True, "diagonal Hessian: " + how, f"Hess L = diag({d}) with d >= 0 for all real entries", None, _diag_zero_modes(d, n))
        if ok is False and pt is not None:
            (t, v), = pt.items()
            point = [v]
            lam, vec = verify_counterexample(L, x, 1, point, _param_defaults_for(L, x, defaults))
            if lam < 0:
                return Certificate(
                    False,
                    "diagonal Hessian: " + how,
                    f"d(t) = {d} is negative at t = {v}",
                    {
                        "N": 1,
                        "x": [str(v)],
                        "parameters": {},
                        "min_eigenvalue": mpmath.nstr(lam, 20),
                        "eigenvector": ["1"],
                        "verified_with": "Hessian of the Lagrangian expanded at N = 1 (sympy.hessian), mpmath at 50 digits",
                    },
                    _diag_zero_modes(d, n),
                )
        return _fallback(L, x, defaults, f"diagonal d = {d}: {how}")
    return _low_rank(L, x, H, d, defaults)


def _param_defaults_for(L, x, defaults):
    return {k: v for k, v in defaults.items() if k in L.free_symbols}


def _diag_zero_modes(d: sp.Expr, n: sp.Expr) -> tuple:
    if d == 0:
        return ("every direction (the Hessian vanishes)",)
    if d.atoms(sp.DiracDelta):
        return ("e_i for every entry off the kink (the Hessian is a Dirac measure: piecewise-linear Lagrangian)",)
    body, reps = _elementwise_dummies(d)
    entry = [dd for v, dd in reps.items() if isinstance(v, Vector)]
    if len(entry) == 1 and body.free_symbols == {entry[0]}:
        try:
            z = sp.solveset(sp.Eq(body, 0), entry[0], sp.S.Reals)
        except Exception:  # noqa: BLE001
            return ()
        if z is sp.S.EmptySet or isinstance(z, sp.ConditionSet):
            return ()
        return (f"e_i for every entry with x_i in {z}",)
    return ()


def _low_rank(L, x, H: StructuredHessian, d, defaults) -> Certificate:
    n = x.size
    pos, how, _ = _prove_sign(d, strict=True)
    if pos is not True:
        return _fallback(L, x, defaults, f"low-rank Hessian but diagonal d = {d} not proved positive ({how})")
    r = H.rank
    B = [canonical(b) for b in H.basis]
    C = H.coupling.applyfunc(canonical)
    G = sp.Matrix(r, r, lambda a, b: canonical(VSum(sp.expand(B[a] * B[b] / d), n)))
    G = G.applyfunc(lambda e: bounded_simplify(canonical(e), "certificate: G"))
    K = (G + G * C * G).applyfunc(lambda e: bounded_simplify(canonical(sp.expand(e)), "certificate: K"))
    minors_ok = True
    notes = []
    for k in range(1, r + 1):
        for idx in itertools.combinations(range(r), k):
            m = bounded_simplify(K.extract(list(idx), list(idx)).det(), "certificate: minor")
            if m == 0:
                continue
            ok, mh, _ = _prove_sign(m)
            if ok is not True:
                minors_ok = False
                notes.append(f"minor {idx} = {m}: {mh}")
    if minors_ok:
        zero = []
        nodes = set().union(*[outer_nodes(e) for e in K]) if r else set()
        reps = {nd: sp.Dummy("k", positive=True) if nd.is_positive else sp.Dummy("k", real=True) for nd in nodes}
        back = {dd: nd for nd, dd in reps.items()}
        try:
            ns = [y.xreplace(back) for y in K.xreplace(reps).nullspace(simplify=True)]
        except Exception:  # noqa: BLE001 - an undecidable pivot: report no zero modes rather than guess
            ns = []
        for y in ns:
            u = sp.Add(*[y[i] * B[i] for i in range(r)]) / d
            zero.append(_direction(u, n))
        return Certificate(
            True,
            f"diag + rank-{r}: d > 0 ({how}) and K = G + G C G is PSD (principal minors)",
            f"H = diag(d) + B C B^T with d = {d}; K = {K.tolist()}",
            None,
            tuple(zero),
        )
    return _fallback(L, x, defaults, "; ".join(notes))


def _fallback(L, x, defaults, why: str) -> Certificate:
    searched: list = []
    ce = _numeric_search(L, x, defaults, searched=searched)
    if ce is not None:
        return Certificate(
            False,
            "numeric counterexample search",
            f"no symbolic proof ({why}); a negative Hessian eigenvalue was found and verified",
            ce,
        )
    if not searched:  # say what was not done: no point was evaluated, so there is no evidence either way
        return Certificate(
            None,
            "undecided",
            f"no symbolic rule decided ({why}); the numeric search evaluated no point (the Hessian could not be expanded "
            "or evaluated at N = 1, 2, 3), so there is no evidence either way",
        )
    return Certificate(
        None,
        "undecided",
        f"no symbolic rule decided ({why}); a seeded search of {len(searched)} points at N = 1, 2, 3 found no negative "
        "eigenvalue, which is evidence, not proof",
    )
