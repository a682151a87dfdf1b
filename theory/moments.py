r"""Moments of Gaussian and Rademacher variables, symbolically: the engine of capacity and mean-field laws.

Four exact tools, none of which loops over a system size:

* :func:`gaussian_moment` -- :math:`\mathbb E[P(z)]` for :math:`z \sim \mathcal N(0, \Sigma)` and any polynomial
  ``P`` (Isserlis / Wick), with ``Sigma`` symbolic; :func:`isserlis` is the pairing sum itself, kept as the
  independent route; :func:`clark_moments` gives the order-parameter moments of DMFT for any ``n``.
* :func:`rademacher_expectation` -- :math:`\mathbb E[g(S)]` for ``S`` a sum of ``m`` i.i.d. :math:`\pm1` signs and
  ``g`` a sum of terms :math:`S^p e^{tS}`: exactly :math:`\partial_t^p \cosh(t)^m`, a closed form in the symbol
  ``m``; :func:`binomial_expectation` is the exact finite sum for any ``g``.
* :func:`phasor_moment` -- :math:`\mathbb E|S|^{2k}` for ``S`` a sum of ``n`` uniform unit phasors, a polynomial in
  ``n`` (the crosstalk of phase-oscillator memories).
* :func:`rademacher_rate` -- Cramér's rate function of :math:`S/m`, the Legendre transform of the log-MGF
  :math:`\log\cosh t`, derived by SymPy.

References
----------
.. [1] L. Isserlis, Biometrika 12 (1918): moments of the multivariate normal.
.. [2] D. G. Clark, "Transient dynamics of associative memory models", arXiv 2506.05303 (2025), DMFT
   moment terms ``P_{n,n}``, ``P_{n-1,n-1}``, ``P_{n,n-2}``.
.. [3] H. Cramér (1938); Demircigil et al., J. Stat. Phys. 168 (2017), the rate function ``I``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .budget import BUDGET, attempt, check_size, simplify

__all__ = [
    "gaussian_moment",
    "isserlis",
    "gaussian_abs_moment",
    "clark_moments",
    "rademacher_moment",
    "rademacher_expectation",
    "binomial_expectation",
    "rademacher_rate",
    "phasor_moment",
]

#: the largest total degree a moment is computed for (beyond it the pairing count explodes)
MAX_DEGREE = 64


def _covariance(covariance, d: int) -> sp.Matrix:
    C = sp.Matrix(covariance)
    if C.shape != (d, d):
        raise ValueError(f"Argument `covariance` must be {d} x {d} for {d} variables; got shape {C.shape}.")
    if not (C - C.T).is_zero_matrix:
        raise ValueError("Argument `covariance` must be symmetric; got a matrix with C != C.T.")
    return C


def gaussian_moment(expr: sp.Expr, variables: Sequence[sp.Symbol], covariance) -> sp.Expr:
    r"""``E[P(z)]`` for a polynomial ``P`` and a centred Gaussian vector ``z`` with covariance ``Sigma``.

    Parameters
    ----------
    expr : sympy.Expr
        A polynomial in ``variables`` (coefficients may hold other symbols).
    variables : sequence of Symbol
        ``z_1, ..., z_d``.
    covariance : d x d matrix (nested lists or sympy.Matrix), symbolic entries allowed.

    Notes
    -----
    The moment generating function of :math:`z` is :math:`e^{Q(t)}`, :math:`Q = \tfrac12 t^T\Sigma t`, whose
    degree-:math:`2k` part is :math:`Q^k/k!`; hence
    :math:`\mathbb E[z^\alpha] = \alpha!\,[t^\alpha]\,Q^{|\alpha|/2}/(|\alpha|/2)!`
    (zero for odd :math:`|\alpha|`).  This equals Isserlis' sum over pairings (:func:`isserlis`) at a cost
    polynomial in the degree instead of :math:`(2k-1)!!`.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> a, b, c = sp.symbols("a b c")
    >>> sp.expand(gaussian_moment(x**2 * y**2, [x, y], [[a, c], [c, b]]))
    a*b + 2*c**2
    """
    variables = list(variables)
    if not variables or not all(isinstance(v, sp.Symbol) for v in variables):
        raise ValueError(f"Argument `variables` must be a non-empty sequence of SymPy symbols; got {variables!r}.")
    C = _covariance(covariance, len(variables))
    check_size(sp.sympify(expr), "gaussian_moment")
    try:
        poly = sp.Poly(sp.expand(expr), *variables)
    except sp.PolynomialError as exc:
        raise ValueError(f"Argument `expr` must be a polynomial in {variables}; got {expr}.") from exc
    if poly.total_degree() > MAX_DEGREE:
        raise ValueError(f"Argument `expr` has degree {poly.total_degree()}; at most {MAX_DEGREE} is supported.")
    t = sp.symbols(f"t0:{len(variables)}", cls=sp.Dummy)
    Q = sp.expand(sum(C[i, j] * t[i] * t[j] for i in range(len(t)) for j in range(len(t))) / 2)
    powers: dict[int, sp.Poly] = {}
    out = sp.S.Zero
    for monom, coeff in poly.terms():
        deg = sum(monom)
        if deg % 2:
            continue
        k = deg // 2
        if k not in powers:
            powers[k] = sp.Poly(Q**k, *t) if k else sp.Poly(1, *t)
        tcoeff = powers[k].coeff_monomial(sp.Mul(*[ti**e for ti, e in zip(t, monom)]))
        out += coeff * tcoeff * sp.Mul(*[sp.factorial(e) for e in monom]) / sp.factorial(k)
    return sp.expand(out)


def isserlis(indices: Sequence[int], covariance) -> sp.Expr:
    r"""``E[z_{i_1} ... z_{i_k}]`` by Isserlis' theorem: the sum over all pairings of products of covariances.

    The direct route (``(k-1)!!`` pairings), kept as an independent check of :func:`gaussian_moment`.

    Examples
    --------
    >>> isserlis([0, 0, 0, 0], [[sp.Symbol("s")]])
    3*s**2
    """
    idx = list(indices)
    if len(idx) > 16:
        raise ValueError(f"Argument `indices` has {len(idx)} factors; the pairing sum is limited to 16 (use gaussian_moment).")
    d = 1 + max(idx) if idx else 1
    C = sp.Matrix(covariance)
    if C.shape[0] < d:
        raise ValueError(f"Argument `indices` refers to variable {d - 1}; the covariance is {C.shape[0]} x {C.shape[1]}.")

    def pairings(rest: list[int]) -> sp.Expr:
        if not rest:
            return sp.S.One
        if len(rest) % 2:
            return sp.S.Zero
        first, others = rest[0], rest[1:]
        return sp.Add(*[C[first, others[j]] * pairings(others[:j] + others[j + 1 :]) for j in range(len(others))])

    return sp.expand(pairings(idx))


def gaussian_abs_moment(p: sp.Expr) -> sp.Expr:
    r"""``E|Z|^p = 2^{p/2} Gamma((p+1)/2) / sqrt(pi)`` for ``Z ~ N(0, 1)`` (``(p-1)!!`` for even ``p``)."""
    p = sp.sympify(p)
    return sp.gammasimp(2 ** (p / 2) * sp.gamma((p + 1) / 2) / sp.sqrt(sp.pi))


def clark_moments(n: int, C_tt: sp.Expr | None = None, C_ss: sp.Expr | None = None, C_ts: sp.Expr | None = None) -> dict[str, sp.Expr]:
    r"""The DMFT moment terms of a degree-``n`` dense associative memory, for any ``n >= 2``.

    For :math:`(x_t, x_s)` centred Gaussian with covariance :math:`\begin{pmatrix}C_{tt}&C_{ts}\\C_{ts}&C_{ss}\end{pmatrix}`:
    ``P_n_n`` :math:`=\mathbb E[x_t^n x_s^n]`, ``P_nm1_nm1`` :math:`=\mathbb E[x_t^{n-1}x_s^{n-1}]` and
    ``P_n_nm2`` :math:`=\mathbb E[x_t^n x_s^{n-2}]`, the three terms of Clark's noise covariance and self-coupling
    kernel (typed in there for ``n = 2, 4`` only).

    Examples
    --------
    >>> clark_moments(2)["P_n_n"]
    C_ss*C_tt + 2*C_ts**2
    """
    if isinstance(n, bool) or not (isinstance(n, int) or (isinstance(n, sp.Integer))):
        raise ValueError(f"Argument `n` must be an integer >= 2; got {n!r}.")  # int(2.5) was 2: a silent wrong degree
    n = int(n)
    if n < 2:
        raise ValueError(f"Argument `n` must be an integer >= 2; got {n}.")
    C_tt = sp.Symbol("C_tt") if C_tt is None else C_tt
    C_ss = sp.Symbol("C_ss") if C_ss is None else C_ss
    C_ts = sp.Symbol("C_ts") if C_ts is None else C_ts
    xt, xs = sp.symbols("x_t x_s")
    cov = [[C_tt, C_ts], [C_ts, C_ss]]
    return {
        "P_n_n": gaussian_moment(xt**n * xs**n, [xt, xs], cov),
        "P_nm1_nm1": gaussian_moment(xt ** (n - 1) * xs ** (n - 1), [xt, xs], cov),
        "P_n_nm2": gaussian_moment(xt**n * xs ** (n - 2), [xt, xs], cov),
    }


# ------------------------------------------------------------------ sums of random signs

_t = sp.Dummy("t")


def rademacher_moment(m: sp.Expr, k: int) -> sp.Expr:
    r"""Exact ``E[S^k]`` for ``S`` the sum of ``m`` i.i.d. signs, as a polynomial in the symbol ``m``.

    Notes
    -----
    :math:`\mathbb E[e^{tS}] = \cosh(t)^m = \exp(m \log\cosh t)`: the cumulants of ``S`` are ``m`` times those
    of one sign, so :math:`\mathbb E[S^k] = k!\,[t^k]\exp(m\log\cosh t)`, a polynomial of degree ``k/2`` in
    ``m`` -- the same for ``m = 10`` and ``m = 10^6``.

    Examples
    --------
    >>> m = sp.Symbol("m")
    >>> rademacher_moment(m, 4)
    3*m**2 - 2*m
    """
    k = int(k)
    if k < 0 or k > MAX_DEGREE:
        raise ValueError(f"Argument `k` must be an integer in [0, {MAX_DEGREE}]; got {k}.")
    if k % 2:
        return sp.S.Zero
    lc = sp.series(sp.log(sp.cosh(_t)), _t, 0, k + 1).removeO()
    P = sp.Poly(m * lc, _t)
    total, term = sp.Poly(1, _t), sp.Poly(1, _t)
    for j in range(1, k // 2 + 1):
        term = (term * P).trunc_deg(k) if hasattr(term, "trunc_deg") else _truncate(term * P, k)
        total += term * sp.Rational(1, sp.factorial(j))
    return sp.expand(total.coeff_monomial(_t**k) * sp.factorial(k))


def _truncate(p: sp.Poly, k: int) -> sp.Poly:
    return sp.Poly(sum(c * _t ** e[0] for e, c in p.terms() if e[0] <= k), _t)


def _sign_mgf_derivative(m: sp.Expr, p: int, t: sp.Expr) -> sp.Expr:
    """``E[S^p e^{tS}] = d^p/dt^p cosh(t)^m`` at ``t``."""
    if t == 0:
        return rademacher_moment(m, p)
    return sp.diff(sp.cosh(_t) ** m, _t, p).xreplace({_t: t})


def rademacher_expectation(g: sp.Expr, S: sp.Symbol, m: sp.Expr) -> sp.Expr | None:
    r"""Exact ``E[g(S)]`` in closed form when ``g`` is a sum of terms ``c S^p e^{tS}``; else ``None``.

    ``S`` is the sum of ``m`` i.i.d. :math:`\pm 1` signs.  Polynomials, exponentials, ``sinh``/``cosh`` and
    their products qualify; the result is a closed form in ``m`` (no sum over its values).

    Examples
    --------
    >>> S, m = sp.symbols("S m")
    >>> rademacher_expectation(sp.exp(2 * S), S, m)
    cosh(2)**m
    >>> rademacher_expectation(sp.Abs(S), S, m) is None
    True
    """
    g = sp.expand(sp.sympify(g).rewrite(sp.exp))
    out = sp.S.Zero
    for term in sp.Add.make_args(g):
        coeff, dep = term.as_independent(S, as_Add=False)
        p, t = 0, sp.S.Zero
        for f in sp.Mul.make_args(dep):
            if f == 1:
                continue
            base, e = f.as_base_exp()
            if base == S and e.is_Integer and e >= 0:
                p += int(e)
            elif base == sp.E:
                arg = sp.expand(e)
                lin, rest = arg.as_independent(S, as_Add=True)
                slope = sp.simplify(rest / S)
                if slope.has(S):
                    return None
                t += slope
                coeff *= sp.exp(lin)
            else:
                return None
        out += coeff * _sign_mgf_derivative(m, p, t)
    return out


def binomial_expectation(g: sp.Expr, S: sp.Symbol, m: sp.Expr) -> sp.Expr:
    r"""Exact ``E[g(S)] = 2^{-m} sum_j C(m, j) g(2j - m)`` as an unevaluated finite sum (any ``g``)."""
    j = sp.Dummy("j", integer=True, nonnegative=True)
    return sp.Sum(sp.binomial(m, j) * sp.sympify(g).xreplace({S: 2 * j - m}), (j, 0, m)) / 2**m


def rademacher_rate(x: sp.Symbol | None = None) -> sp.Expr:
    r"""Cramér's rate function of the mean of i.i.d. signs, derived as the Legendre transform of ``log cosh``.

    :math:`I(x) = \sup_t\,[t x - \log\cosh t]`: the stationarity condition :math:`x = \tanh t` is solved by
    SymPy and substituted, giving :math:`I(x) = x\,\mathrm{atanh}\,x + \tfrac12\log(1-x^2)`, so that
    :math:`P(S/m \ge x) \asymp e^{-m I(x)}` for :math:`0 < x < 1`.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> sp.simplify(sp.limit(rademacher_rate(x), x, 1, "-"))
    log(2)
    """
    x = sp.Symbol("x", real=True) if x is None else x
    t = sp.Symbol("t", real=True)
    objective = t * x - sp.log(sp.cosh(t))
    ok, roots = attempt(BUDGET["step_seconds"], "Legendre transform of log cosh", sp.solve, sp.Eq(sp.diff(objective, t), 0), t)
    if not ok or not roots:
        raise ValueError("could not solve the Legendre stationarity condition of log cosh")
    half = {x: sp.Rational(1, 2)}
    real = [r for r in roots if r.xreplace(half).is_real]  # the branch real on (-1, 1)
    if not real:
        raise ValueError(f"no real root among {roots} of the Legendre stationarity condition of log cosh")
    t_star = real[0]
    # present the root as atanh(x) when it is that function (checked at points of (-1, 1), to 1e-12)
    probe = [sp.Rational(k, 10) for k in (-9, -5, -1, 1, 5, 9)]
    if all(abs(sp.N((t_star - sp.atanh(x)).xreplace({x: v}))) < 1e-12 for v in probe):
        return sp.expand_log(x * sp.atanh(x) - sp.log(sp.cosh(sp.atanh(x))), force=True)
    return simplify(t_star * x - sp.log(sp.cosh(t_star).rewrite(sp.exp)), "rate function")



# ------------------------------------------------------------------ sums of random phasors


def phasor_moment(n: sp.Expr, k: int) -> sp.Expr:
    r"""Exact ``E|S|^{2k}`` for ``S`` the sum of ``n`` i.i.d. unit phasors :math:`e^{i\phi_j}`, :math:`\phi_j` uniform,
    as a polynomial in the symbol ``n``.

    Notes
    -----
    :math:`|S|^{2k} = \sum_{a, b} \prod_{l \le k} e^{i(\phi_{a_l} - \phi_{b_l})}` has a nonzero mean (one) exactly when
    the index multisets of ``a`` and ``b`` agree. Grouping by the multiplicities :math:`\lambda` of that multiset (a
    partition of ``k`` with :math:`\ell` parts): there are :math:`n^{\underline{\ell}}/\prod_j \mathrm{mult}_j!` ways to
    choose the distinct indices and :math:`(k!/\prod_i \lambda_i!)^2` orderings of ``a`` and ``b``, so
    :math:`\mathbb E|S|^{2k} = \sum_{\lambda \vdash k} (k!/\prod\lambda_i!)^2\, n^{\underline{\ell(\lambda)}}/\prod_j \mathrm{mult}_j!`
    -- one term per partition of ``k``, whatever ``n``.

    Examples
    --------
    >>> n = sp.Symbol("n")
    >>> phasor_moment(n, 3)
    6*n**3 - 9*n**2 + 4*n
    """
    from sympy.utilities.iterables import partitions

    k = int(k)
    if k < 0 or 2 * k > MAX_DEGREE:
        raise ValueError(f"Argument `k` must be an integer in [0, {MAX_DEGREE // 2}]; got {k}.")
    total = sp.S.Zero
    for part in partitions(k):  # {part size: multiplicity}
        orderings = sp.factorial(k) / sp.prod([sp.factorial(size) ** mult for size, mult in part.items()])
        parts = sum(part.values())
        total += orderings**2 * sp.ff(n, parts) / sp.prod([sp.factorial(mult) for mult in part.values()])
    return sp.expand(total)
