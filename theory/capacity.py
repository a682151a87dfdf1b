r"""Capacity theory: the signal-to-noise law of any binary-state memory, derived from the model.

:func:`capacity_law` takes a model whose effective energy on signs is :math:`E(\sigma) = -\sum_\mu F(c\,\xi_\mu\cdot\sigma)`
(a sign layer and an additive memory layer, integrated out by :func:`theory.integrate_out`), reads ``F`` and ``c``
off the derivation and derives, for i.i.d. :math:`\pm1` patterns, the exact single-flip energy gap at a stored
pattern (its signal and the mean and variance of its crosstalk), the bit-error probability, the capacities and
their asymptotic law.  Nothing is typed in per model: the numbers the papers quote (``N/(2 ln N)``,
``N^(n-1)/(2 (2n-3)!! ln N)``, ``ln 2 / 2``, 0.138, ...) are *computed* from these expressions.

How it works
------------
Flip bit ``i`` of the stored pattern :math:`\sigma = \xi_1`.  Pattern 1 contributes the *signal*
:math:`F(cN) - F(c(N-2))`; each other pattern contributes :math:`D = F(c(S + r)) - F(c(S - r))` where
:math:`S` is a sum of :math:`N - 1` independent signs and :math:`r = \pm 1`.  ``D`` has mean zero (derived:
:math:`D(-r) = -D(r)`) and variance :math:`v_1 = \mathbb E_S[(F(c(S+1)) - F(c(S-1)))^2]`, an exact closed form in
``N`` from the moments of ``S`` (:func:`theory.moments.rademacher_expectation`) when ``F`` is a polynomial or an
exponential, else the exact binomial sum.  The crosstalk of the ``K - 1`` others has variance :math:`(K-1) v_1`.
The Gaussian tail gives :math:`P_{error} = Q(\mathrm{signal}/\sqrt{(K-1)v_1})`; :math:`N P_{error} = 1` gives
:math:`K_{max} = 1 + \mathrm{signal}^2/(2 v_1\,\mathrm{erf}^{-1}(1 - 2/N)^2)`, whose leading order is the
asymptotic law.  For exponential ``F`` the Gaussian tail is wrong (one rare pattern close to the stored one
dominates); the large-deviation exponent comes from Cramér's rate function of ``S/N``, the Legendre transform
of :math:`\log\cosh` (:func:`theory.moments.rademacher_rate`).

References
----------
.. [1] Amit, Gutfreund, Sompolinsky, Phys. Rev. Lett. 55 (1985); zero-temperature
   retrieval equation :math:`\operatorname{erf}(y) = y(\sqrt{2\alpha} + \tfrac{2}{\sqrt\pi}e^{-y^2})`.
.. [2] McEliece, Posner, Rodemich, Venkatesh, IEEE TIT 33 (1987).
.. [3] Krotov & Hopfield, NeurIPS 2016, Sec. 2.
.. [4] Demircigil et al., J. Stat. Phys. 168 (2017), Theorems 1.3-1.4 (:math:`\alpha < I(1-2\rho)/2`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .budget import BUDGET, attempt, simplify
from .layers import ModelError
from .marginalize import integrate_out
from .model import EnergyModel
from .moments import binomial_expectation, gaussian_abs_moment, rademacher_expectation, rademacher_rate
from .vector import MatVec

__all__ = [
    "N",
    "K",
    "n",
    "rho",
    "alpha",
    "x",
    "S",
    "PATTERNS",
    "CapacityError",
    "CapacityLaw",
    "LargeDeviation",
    "Scaling",
    "capacity_law",
]

N = sp.Symbol("N", positive=True)
K = sp.Symbol("K", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
rho = sp.Symbol("rho", nonnegative=True)
alpha = sp.Symbol("alpha", positive=True)
z = sp.Symbol("z", positive=True)


# ===================================================================== derived capacity laws

x = sp.Symbol("x", real=True)
S = sp.Symbol("S", integer=True)
p_err = sp.Symbol("p", positive=True)

#: pattern statistics :func:`capacity_law` derives for
PATTERNS = ("rademacher",)

_SEPARATION_CLAIMS = (
    "for continuous states the capacity statements are separation-based: see the paper checks RAM-5 "
    "(Ramsauer et al. Thm. 3, exponential storage of well-separated patterns), RAM-7 (retrieval error against "
    "separation) and HU-2 (spherical codes)"
)


class CapacityError(ValueError):
    """The model is not reducible to ``-sum_mu F(xi_mu . sigma)`` on binary states."""


@dataclass(frozen=True)
class Scaling:
    """Asymptotic law of a capacity: ``C N^a (ln N)^l`` (``kind="power"``) or ``e^{alpha N}`` (``"exponential"``).

    Attributes
    ----------
    kind : {"power", "exponential", "none", "unknown"}
        ``"none"``: nothing is retrieved at large ``N`` (the stored bit's own signal is negative).
    exponent : sympy.Expr
        ``a`` or ``alpha`` (``nan`` for ``"unknown"``, 0 for ``"none"``).
    log_power : int
        ``l``, the power of ``ln N`` multiplying the law.
    approximation : str
        How it was obtained, and when it is wrong.
    """

    kind: str
    exponent: sp.Expr
    log_power: int = 0
    approximation: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("power", "exponential", "none", "unknown"):
            raise ValueError(f"Scaling.kind must be 'power', 'exponential', 'none' or 'unknown'; got {self.kind!r}.")
        object.__setattr__(self, "exponent", sp.sympify(self.exponent))

    def to_dict(self) -> dict:
        e = self.exponent
        val = float(e) if e.is_number and e.is_finite else None
        return {"kind": self.kind, "exponent": str(e), "exponent_latex": sp.latex(e), "exponent_value": val, "log_power": self.log_power, "approximation": self.approximation}


@dataclass(frozen=True)
class LargeDeviation:
    r"""Large-deviation capacity of an exponential ``F``: ``K ~ e^{alpha N}``.

    A bit of the stored (or cued) pattern can only fail when another pattern's overlap with the state reaches
    ``threshold * N`` (derived from ``F``: the competitor's gap equals the signal).  That happens with
    probability :math:`e^{-N I(x^*)}`, ``I`` the rate function of a mean of signs; so one pattern is stable while
    :math:`K e^{-N I} \ll 1` (exponent ``I``) and all ``K`` are while :math:`K^2 e^{-N I} \ll 1` (``I/2``,
    Demircigil et al.'s :math:`I(1-2\rho)/2`).
    """

    rate: sp.Expr
    threshold: sp.Expr

    @property
    def exponent_one(self) -> sp.Expr:
        """``I(x*)``: one stored pattern (or one cue) is recalled."""
        return self.rate.xreplace({x: self.threshold})

    @property
    def exponent_all(self) -> sp.Expr:
        """``I(x*)/2``: every stored pattern is recalled."""
        return self.exponent_one / 2

    def value(self, which: str = "all", r: float | sp.Expr = 0) -> sp.Expr:
        """The exponent at a cue corruption ``rho = r`` (a limit where the rate function is 0 log 0)."""
        if which not in ("one", "all"):
            raise ValueError(f"Argument `which` must be 'one' or 'all'; got {which!r}.")
        xs = self.threshold.xreplace({rho: sp.nsimplify(r)})
        if not (xs.is_number and 0 < xs <= 1):
            raise ValueError(f"Argument `r` must give a threshold in (0, 1]; got rho={r}, threshold {xs}.")
        val = (self.rate / (1 if which == "one" else 2)).xreplace({x: xs})
        if not val.is_finite:
            val = sp.limit(self.rate / (1 if which == "one" else 2), x, xs, "-")
        return sp.simplify(val)

    def to_dict(self) -> dict:
        return {
            "rate_function": {"str": str(self.rate), "latex": sp.latex(self.rate)},
            "threshold": {"str": str(self.threshold), "latex": sp.latex(self.threshold)},
            "exponent_one": {"str": str(self.value("one")), "value": float(self.value("one"))},
            "exponent_all": {"str": str(self.value("all")), "value": float(self.value("all"))},
        }


def _elementary(F: sp.Expr) -> sp.Expr:
    """Catalogue functions (relu, log cosh, softplus) in elementary form, for limits and expectations."""
    from .vector import logcosh, relu, softplus

    F = F.replace(lambda e: isinstance(e, relu), lambda e: sp.Max(0, e.args[0]))
    return F.replace(lambda e: isinstance(e, (logcosh, softplus)), lambda e: e.rewrite(sp.log))


def _limit(e: sp.Expr, var: sp.Symbol, to, what: str, direction: str = "+"):
    ok, val = attempt(BUDGET["step_seconds"], what, sp.limit, e, var, to, direction)
    return val if ok and isinstance(val, sp.Basic) and not val.has(sp.Limit) else None


def _sign_at_sizes(e: sp.Expr) -> str | None:
    """``"positive"`` or ``"nonpositive"`` where ``e`` has that sign at every size ``N >= 2`` (decided on the
    polynomial in ``n = N - 2 >= 0``: all coefficients of one sign), else ``None`` (undecided)."""
    n = sp.Symbol("n_shift", nonnegative=True)
    shifted = sp.expand(e.xreplace({N: n + 2}))
    if shifted.is_positive:
        return "positive"
    if shifted.is_nonpositive:
        return "nonpositive"
    if shifted.free_symbols <= {n} and shifted.is_polynomial(n):
        coeffs = sp.Poly(shifted, n).all_coeffs()
        if all(c.is_nonnegative for c in coeffs) and any(c.is_positive for c in coeffs):
            return "positive"
        if all(c.is_nonpositive for c in coeffs):
            return "nonpositive"
    return None


@dataclass(frozen=True)
class CapacityLaw:
    r"""The derived capacity law of a binary-state memory (see the module notes; build with :func:`capacity_law`).

    Every attribute below is derived lazily, each a SymPy expression in ``N``, ``K`` and the model's parameters.

    Attributes
    ----------
    signal : energy gap of one flip contributed by the stored pattern itself
    noise_mean, noise_variance : of the crosstalk of the ``K - 1`` other patterns (exact)
    pattern_variance : ``v_1``, the variance contributed by one other pattern
    p_error : bit-error probability (Gaussian tail of signal / noise)
    k_max : perfect-recall capacity from ``N P_error = 1`` (``P_error`` as above, exact moments)
    k_max_asymptotic : its leading order in ``N``; ``k_max_all_asymptotic`` the same for every pattern stable
    p_error_asymptotic : leading order of ``p_error`` (KH16's formula for ``F = x^n``)
    scaling : :class:`Scaling` of ``k_max``
    large_deviation : :class:`LargeDeviation` for exponential ``F`` (where the Gaussian tail is wrong), else None
    approximation : what is exact and what is approximate, in words

    References
    ----------
    .. [1] Krotov & Hopfield, NeurIPS 2016, Sec. 2 (signal, noise, :math:`P_{error}`, :math:`K_{max}`).
    .. [2] McEliece et al., IEEE TIT 33 (1987), :math:`N/(2\ln N)`.
    .. [3] Demircigil et al., J. Stat. Phys. 168 (2017).
    """

    model: EnergyModel
    fast: str
    slow: str
    F: sp.Expr
    c: sp.Expr
    patterns: str = "rademacher"
    params: tuple = ()

    def __post_init__(self) -> None:
        if self.patterns not in PATTERNS:
            raise ValueError(f"Argument `patterns` must be one of {PATTERNS}; got {self.patterns!r}.")
        if not self.F.has(x):
            raise CapacityError(f"the memory function F = {self.F} does not depend on the overlap: nothing is stored.")
        if self.c == 0:
            raise CapacityError("the overlap scale c is 0: the memory layer does not see the patterns.")
        self._check_domain()

    def _check_domain(self) -> None:
        """F must be a finite real number at every overlap the crosstalk reaches (0 and both signs), and a polynomial F
        must be within the exact moments' degree: one clear error here, not a ZeroDivisionError, a complex number or an
        internal argument's name after a simulation."""
        from .moments import MAX_DEGREE

        if self.F.free_symbols - {x}:
            return  # symbolic parameters: checked once they have values (CapacityLaw.subs builds a new law)
        def bad_at(v: int):
            val = self.F.xreplace({x: sp.Integer(v)})
            return val, bool(val.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or val.is_finite is False or val.is_real is False)

        for v in (-2, -1, 0, 1, 2):
            try:  # SymPy's assumptions on exp(exp(...(2))) build astronomically large numbers: a budget, and their overflow
                done, out = attempt(BUDGET["step_seconds"], "F at an overlap", bad_at, v)
            except (OverflowError, ValueError, MemoryError) as exc:
                raise CapacityError(f"F = {self.F} cannot be evaluated at x = {v} ({type(exc).__name__}: {exc}); a capacity "
                                    "needs F finite at every overlap the crosstalk reaches") from None
            if not done:
                raise CapacityError(f"F = {self.F}: its value at x = {v} could not be decided within the step budget "
                                    f"({BUDGET['step_seconds']} s); a capacity needs F finite and real at every overlap the "
                                    "crosstalk reaches (theory.budget.set_budget(step_seconds=...) gives it longer)")
            val, bad = out
            if bad:
                raise CapacityError(f"F = {self.F} is {val} at x = {v}: the crosstalk reaches every overlap from -N to N (0 and "
                                    "both signs), so F must be finite and real on all of them (a capacity needs flip gaps "
                                    "F(x + 2c) - F(x) that exist)")
        if self.F.is_polynomial(x):
            d = sp.Poly(self.F, x).degree()
            if 2 * d > MAX_DEGREE:
                raise CapacityError(f"F = {self.F} has degree {d}; its exact crosstalk variance needs moments of the "
                                    f"overlap up to degree {2 * d}, beyond the engine's {MAX_DEGREE} (polynomials up to "
                                    f"degree {MAX_DEGREE // 2})")

    # ------------------------------------------------------------ exact moments
    def _gap(self, s: sp.Expr, r: int) -> sp.Expr:
        return self.F.xreplace({x: self.c * (s + r)}) - self.F.xreplace({x: self.c * (s - r)})

    @cached_property
    def signal(self) -> sp.Expr:
        """``F(cN) - F(c(N-2))``: the flip gap from the stored pattern (overlap ``N``)."""
        return self.F.xreplace({x: self.c * N}) - self.F.xreplace({x: self.c * (N - 2)})

    @cached_property
    def noise_mean(self) -> sp.Expr:
        """``(K-1) E[D]``; zero because ``D(S, -r) = -D(S, r)`` for the independent sign ``r`` (derived)."""
        odd = simplify(self._gap(S, 1) + self._gap(S, -1), "crosstalk mean")
        if odd == 0:
            return sp.S.Zero
        return (K - 1) * self._expect(odd / 2)[0]  # pragma: no cover - D is odd in r for every F

    def _expect(self, g: sp.Expr) -> tuple[sp.Expr, str]:
        g = _elementary(g)
        ok, closed = attempt(BUDGET["step_seconds"], "Rademacher expectation", rademacher_expectation, g, S, N - 1)
        if ok and closed is not None:
            closed = sp.expand(closed) if closed.is_polynomial(N) else closed
            return closed, "exact (closed form in N from the moments of a sum of signs)"
        return binomial_expectation(g, S, N - 1), "exact (finite binomial sum over the N - 1 other bits)"

    @cached_property
    def _v1(self) -> tuple[sp.Expr, str]:
        return self._expect(sp.expand(self._gap(S, 1) ** 2))

    @property
    def pattern_variance(self) -> sp.Expr:
        """``v_1 = E_S[(F(c(S+1)) - F(c(S-1)))^2]``, ``S`` a sum of ``N - 1`` signs."""
        return self._v1[0]

    @property
    def noise_variance(self) -> sp.Expr:
        """``(K - 1) v_1``."""
        return (K - 1) * self.pattern_variance

    @property
    def p_error(self) -> sp.Expr:
        """``Q(signal / sqrt((K-1) v_1))`` with ``Q(z) = erfc(z / sqrt 2) / 2``."""
        return sp.erfc(self.signal / sp.sqrt(2 * self.noise_variance)) / 2

    @property
    def k_max(self) -> sp.Expr:
        """The ``K`` solving ``N P_error = 1``: ``1 + signal^2 / (2 v_1 erfinv(1 - 2/N)^2)``."""
        return self.k_fixed_error(1 / N)

    def k_fixed_error(self, p: sp.Expr = p_err) -> sp.Expr:
        """The ``K`` at which ``P_error = p``: ``1 + signal^2 / (2 v_1 erfinv(1 - 2p)^2)`` (``erfinv``, which
        SymPy evaluates numerically, rather than the equal ``erfcinv(2p)``, which it does not).

        Only a positive signal is retrieved: where the stored bit's own gap is negative (its pattern destabilises
        itself) no ``K`` reaches ``P_error < 1/2`` and the capacity is 0 (a ``Piecewise`` where the sign depends on
        the parameters). ``p`` must lie in ``(0, 1/2)``: the Gaussian tail never reaches ``1/2``."""
        if isinstance(p, bool) or not isinstance(p, (numbers.Real, sp.Expr)):  # never sympify text (that would eval it)
            raise ValueError(f"Argument `p` (an error probability) must be a real number or a SymPy expression; got {p!r}.")
        p = sp.sympify(p)
        if p.is_number and not (p.is_real and p.is_finite and 0 < p < sp.Rational(1, 2)):
            raise ValueError(f"Argument `p` (an error probability) must lie in (0, 1/2): the Gaussian tail Q(signal/noise) of a "
                             f"positive signal stays below 1/2; got {p}.")
        k = 1 + self.signal**2 / (2 * self.pattern_variance * sp.erfinv(1 - 2 * p) ** 2)
        sign = _sign_at_sizes(self.signal)
        if sign == "positive":
            return k
        if sign == "nonpositive":
            return sp.S.Zero
        return sp.Piecewise((k, self.signal > 0), (0, True))

    def alpha(self, p: sp.Expr = p_err) -> sp.Expr | None:
        """``lim k_fixed_error(p) / N^a`` for a power law ``K ~ N^a``: KH16's ``alpha_n`` at error threshold ``p``."""
        if self.scaling.kind != "power":
            return None
        return _limit(self.k_fixed_error(p) / N**self.scaling.exponent, N, sp.oo, "fixed-error prefactor")

    # ------------------------------------------------------------ asymptotics
    @cached_property
    def growth(self) -> tuple:
        """``("power", a, A_+, A_-)`` for ``F ~ A_+- |x|^a`` as ``x -> +-oo``, ``("exponential", k, A)`` for
        ``F ~ A e^{kx}``, else ``("unknown",)`` -- each by limits of ``F``, within the step budget."""
        F = _elementary(self.F)
        dF = sp.diff(F, x)
        k = _limit(dF / F, x, sp.oo, "growth rate of F")
        if k is not None and k.is_positive and k.is_finite:
            A = _limit(F * sp.exp(-k * x), x, sp.oo, "exponential prefactor")
            if A is not None and A.is_finite and A != 0:
                return ("exponential", k, A)
        if k is not None and k == 0:
            a = _limit(x * dF / F, x, sp.oo, "power of F")
            if a is not None and a.is_finite is not False and a.is_positive:
                Ap = _limit(F / x**a, x, sp.oo, "power prefactor")
                Am = _limit(F.xreplace({x: -x}) / x**a, x, sp.oo, "power prefactor (x -> -oo)")
                if Ap is not None and Am is not None and Ap.is_finite is not False and Am.is_finite is not False:
                    return ("power", a, Ap, Am)
        return ("unknown",)

    @cached_property
    def _leading(self) -> tuple[sp.Expr, sp.Expr, str] | None:
        """Leading terms ``(signal, v_1, how)`` as ``N -> oo``."""
        g = self.growth
        c = self.c
        if c.has(N):  # the overlap scale shrinks with N (a synapse scaled 1/N): the arguments of F stay O(1) or vanish, so
            # F's growth at large x says nothing; the exact moments are rational in N and their leading terms decide
            s, v = self.signal, self.pattern_variance
            if v.has(sp.Sum) or not (s.is_rational_function(N) and v.is_rational_function(N)):
                return None

            def lead(e):
                num, den = sp.fraction(sp.cancel(sp.together(e)))
                pn, pd = sp.Poly(num, N), sp.Poly(den, N)
                return pn.LC() * N ** pn.degree() / (pd.LC() * N ** pd.degree())

            return lead(s), lead(v), "leading terms of the exact rational moments (the overlap scale depends on N)"
        if g[0] == "power":
            _, a, Ap, Am = g
            s_lead = 2 * c * a * Ap * (c * N) ** (a - 1)
            v = self.pattern_variance
            if a.is_Integer and not v.has(sp.Sum) and v.is_polynomial(N):
                v_lead = sp.Poly(v, N).LT()
                v_lead = v_lead[1] * N ** v_lead[0][0]
                how = "leading term of the exact polynomial"
            else:
                v_lead = 4 * c**2 * a**2 * (Ap**2 + Am**2) / 2 * c ** (2 * a - 2) * N ** (a - 1) * gaussian_abs_moment(2 * a - 2)
                how = "Gaussian (central-limit) moment of F'(c S), S ~ N(0, N)"
            return sp.powsimp(sp.expand_power_base(s_lead, force=True), force=True), v_lead, how
        if g[0] == "exponential" and not self.pattern_variance.has(sp.Sum):
            return self.signal, self.pattern_variance, "exact"
        return None

    @property
    def k_max_asymptotic(self) -> sp.Expr | None:
        """Leading order of :attr:`k_max`: ``signal^2 / (2 v_1 ln N)`` (``erfinv(1 - 2/N)^2 ~ ln N``)."""
        lead = self._leading
        if lead is None:
            return None
        s_lead, v_lead, _ = lead
        if _sign_at_sizes(s_lead) == "nonpositive":  # the leading signal destabilises the stored bit: nothing is retrieved
            return sp.S.Zero
        return sp.powsimp(simplify(s_lead**2 / v_lead, "asymptotic capacity"), force=True) / (2 * sp.log(N))

    @property
    def k_max_all_asymptotic(self) -> sp.Expr | None:
        """Leading order of the capacity at which *every* stored pattern is stable (``N K P_error = 1``):
        ``signal^2 / (2 v_1 ln(N K))`` with ``ln(N K) ~ (1 + a) ln N`` for a power law ``K ~ N^a`` (``None`` for
        exponential ``F``: see :attr:`large_deviation`)."""
        if self.scaling.kind != "power":
            return None
        return self.k_max_asymptotic / (1 + self.scaling.exponent)

    @property
    def p_error_asymptotic(self) -> sp.Expr | None:
        """Leading order of :attr:`p_error`: ``exp(-z^2/2) / sqrt(2 pi z^2)``, ``z^2 = signal^2 / (K v_1)`` at leading order."""
        lead = self._leading
        if lead is None:
            return None
        z2 = sp.powsimp(simplify(lead[0] ** 2 / lead[1], "asymptotic SNR"), force=True) / K
        return sp.exp(-z2 / 2) / sp.sqrt(2 * sp.pi * z2)

    @cached_property
    def scaling(self) -> Scaling:
        """The asymptotic law of :attr:`k_max` (kind, exponent, power of ``ln N``)."""
        lead = self._leading
        if lead is None:
            return Scaling("unknown", sp.nan, 0, "no closed-form growth law of F (the finite-N k_max still holds)")
        s_lead, v_lead, how = lead
        if _sign_at_sizes(s_lead) == "nonpositive":
            return Scaling("none", 0, 0, "the leading signal is negative: the stored bit destabilises itself, nothing is retrieved")
        ratio = s_lead**2 / v_lead
        if self.growth[0] == "power":
            a = simplify(sp.expand_log(N * sp.diff(sp.log(ratio), N), force=True), "power exponent")
            return Scaling("power", a, -1, f"Gaussian tail; {how}")
        alpha = _limit(sp.expand_log(sp.log(ratio), force=True) / N, N, sp.oo, "exponential rate")
        alpha = sp.nan if alpha is None else simplify(alpha, "exponential rate")
        return Scaling("exponential", alpha, -1, "Gaussian tail of the exact moments -- wrong for exponential F, where rare "
                       "patterns close to the stored one dominate: see large_deviation")

    @cached_property
    def large_deviation(self) -> LargeDeviation | None:
        """Large-deviation exponents for exponential ``F`` (``None`` for other growth laws)."""
        if self.growth[0] != "exponential":
            return None
        q = (1 - 2 * rho) * N  # overlap of a cue with a fraction rho of flipped bits
        s_q = self.F.xreplace({x: self.c * q}) - self.F.xreplace({x: self.c * (q - 2)})
        ok, roots = attempt(BUDGET["step_seconds"], "competitor threshold", sp.solve, sp.Eq(_elementary(self._gap(S, 1)), _elementary(s_q)), S)
        roots = [r for r in roots if r.is_real is not False] if ok else []
        if len(roots) != 1:
            return None
        xs = _limit(roots[0] / N, N, sp.oo, "threshold overlap")
        if xs is None:
            return None
        return LargeDeviation(rademacher_rate(x), sp.expand(xs))

    # ------------------------------------------------------------ presentation
    @property
    def approximation(self) -> str:
        parts = [f"moments: {self._v1[1]}", "P_error: Gaussian (central-limit) tail of signal / noise"]
        if self.large_deviation is not None:
            parts.append("the Gaussian tail is known to be wrong for exponential F (large deviations dominate); the "
                         "large-deviation exponents are reported separately")
        return "; ".join(parts)

    @property
    def assumptions(self) -> list[str]:
        return [
            "stored patterns with i.i.d. +-1 entries, each with probability 1/2",
            "a pattern's bit is in error when flipping it lowers the energy (ties keep it)",
            "crosstalk of distinct bits treated as independent for the capacities (N P_error = 1)",
            "input and bias synapses set to zero",
        ]

    def subs(self, **values) -> CapacityLaw:
        """The law at parameter values (e.g. ``n=3``), each checked against the parameter's assumptions."""
        table = {s.name: s for s in (self.F.free_symbols | self.c.free_symbols) - {x}}
        rep = {}
        for k, v in values.items():
            if k not in table:
                raise ValueError(f"Argument `{k}` is not a parameter of F = {self.F} (parameters: {sorted(table)}).")
            rep[table[k]] = _parameter_value(table[k], v)
        return CapacityLaw(self.model, self.fast, self.slow, self.F.xreplace(rep), self.c.xreplace(rep), self.patterns,
                           tuple(sorted({**dict(self.params), **{k: float(v) for k, v in rep.items()}}.items())))

    def to_dict(self) -> dict:
        def ex(e):
            return None if e is None else {"str": str(e), "latex": sp.latex(e)}

        ld = self.large_deviation
        return {
            "model": self.model.name,
            "integrated_out": self.fast,
            "state_layer": self.slow,
            "F": ex(self.F),
            "c": ex(self.c),
            "params": {str(k): v for k, v in self.params},
            "approximation": self.approximation,
            "assumptions": self.assumptions,
            "signal": ex(self.signal),
            "noise_mean": ex(self.noise_mean),
            "noise_variance": ex(self.noise_variance),
            "p_error": ex(self.p_error),
            "k_max": ex(self.k_max),
            "k_max_asymptotic": ex(self.k_max_asymptotic),
            "k_max_all_asymptotic": ex(self.k_max_all_asymptotic),
            "p_error_asymptotic": ex(self.p_error_asymptotic),
            "scaling": self.scaling.to_dict(),
            "large_deviation": None if ld is None else ld.to_dict(),
        }

    def _repr_latex_(self) -> str:
        rows = [
            (r"F(x)", self.F),
            (r"\text{signal}", self.signal),
            (r"\mathrm{Var}(\text{crosstalk})", self.noise_variance),
            (r"P_{error}", self.p_error),
            (r"K_{max}", self.k_max),
        ]
        if self.k_max_asymptotic is not None:
            rows.append((r"K_{max} \sim", self.k_max_asymptotic))
        body = r" \\ ".join(f"{name} &= {sp.latex(e)}" for name, e in rows)
        return r"$\begin{aligned}" + body + r"\end{aligned}$"


def _parameter_value(sym: sp.Symbol, v) -> sp.Expr:
    """A number for parameter ``sym``, checked against its assumptions (never a parsed string)."""
    if isinstance(v, bool) or not isinstance(v, (int, float, sp.Number)):
        raise ValueError(f"Parameter `{sym}` must be a number; got {v!r} ({type(v).__name__}).")
    val = sp.Integer(int(v)) if (isinstance(v, float) and float(v).is_integer() and sym.is_integer) else sp.nsimplify(v) if isinstance(v, int) else sp.Float(v) if isinstance(v, float) else v
    if not val.is_finite:
        raise ValueError(f"Parameter `{sym}` must be finite; got {v!r}.")
    for assumption in ("integer", "positive", "nonnegative"):
        if getattr(sym, f"is_{assumption}") and getattr(val, f"is_{assumption}") is False:
            raise ValueError(f"Parameter `{sym}` is declared {assumption}; got {v!r}.")
    return val


def capacity_law(model: EnergyModel, patterns: str = "rademacher", fast: str | None = None, params: dict | None = None) -> CapacityLaw:
    r"""Derive the capacity law of a binary-state memory :math:`E(\sigma) = -\sum_\mu F(c\,\xi_\mu\cdot\sigma)`.

    Parameters
    ----------
    model : EnergyModel
        Two layers: a sign layer (Lagrangian ``|v|``) and a memory layer with an additive Lagrangian
        ``sum F(h)``, connected by a dense synapse (e.g. ``theory.builtin("dam_power")`` or a user spec).
    patterns : {"rademacher"}
        Pattern statistics: i.i.d. +-1 entries.
    fast : str, optional
        The memory layer to integrate out; by default the only layer that qualifies.
    params : dict, optional
        Parameter values substituted before deriving (e.g. ``{"n": 3}``); others stay symbolic.

    Returns
    -------
    CapacityLaw
        Or, for a model with one layer of phases (``kuramoto``), a :class:`theory.PhaseCapacityLaw`: the finite-load
        law of uniform-phase patterns (:mod:`theory.phase_capacity`).

    Raises
    ------
    CapacityError
        If the model is not of that form (no sign layer, no additive memory layer, more layers, ...), with why.

    Examples
    --------
    >>> import theory
    >>> law = capacity_law(theory.builtin("classical_hopfield"))
    >>> law.k_max_asymptotic
    N/(2*log(N))
    """
    if not isinstance(model, EnergyModel):
        raise TypeError(f"Argument `model` must be an EnergyModel (e.g. theory.builtin('dam_power')); got {type(model).__name__}.")
    if any(lay.periodic for lay in model.layers):  # phases: the finite-load law of phase memories (uniform-phase patterns)
        from .phase_capacity import phase_capacity_law

        if patterns not in ("rademacher", "uniform_phase") or fast is not None:
            raise CapacityError(f"model `{model.name}` has a layer of phases: its law is derived for patterns='uniform_phase' "
                                f"and no `fast` layer; got patterns={patterns!r}, fast={fast!r}")
        return phase_capacity_law(model, params=params)
    if patterns not in PATTERNS:
        raise ValueError(f"Argument `patterns` must be one of {PATTERNS}; got {patterns!r} (biased patterns p != 1/2 are not derived yet).")
    names = [lay.name for lay in model.layers]
    signs = [lay for lay in model.layers if lay.sign_states]
    if not signs:
        kinds = ", ".join(f"`{lay.name}`: {lay.lagrangian.name}" for lay in model.layers)
        raise CapacityError(
            f"capacity_law derives capacities of binary-state memories E(sigma) = -sum_mu F(xi_mu . sigma), sigma in {{-1, +1}}^N, "
            f"which need a sign layer (Lagrangian |v|); model `{model.name}` has none ({kinds}): its states are continuous, and "
            + _SEPARATION_CLAIMS + "."
        )
    if len(model.layers) != 2:
        raise CapacityError(
            f"capacity_law needs exactly two layers (the sign layer and one memory layer integrated out); model `{model.name}` has "
            f"{len(model.layers)}: {names}. Integrate the others out first (theory.integrate_out), or describe the memory as one layer."
        )
    slow = signs[0]
    other = next(lay for lay in model.layers if lay is not slow)
    if fast is not None and fast not in names:
        raise CapacityError(f"Argument `fast` must name a layer of `{model.name}` {names}; got {fast!r}.")
    if fast is not None and fast == slow.name:
        raise CapacityError(f"Argument `fast` names the sign layer `{fast}`; integrate out the memory layer `{other.name}`.")
    if other.sign_states:
        raise CapacityError(f"model `{model.name}` has two sign layers; the memory layer needs an additive Lagrangian sum F(h).")
    if other.entrywise is None:
        raise CapacityError(
            f"the memory layer `{other.name}` of `{model.name}` has Lagrangian `{other.lagrangian.name}`, which is not additive "
            "(sum_mu F(h_mu)); the memories then interact inside it and the energy is not -sum_mu F(xi_mu . sigma)"
            + (" (a log-sum-exp memory layer on continuous states is Model B: " + _SEPARATION_CLAIMS + ")" if "lse" in other.lagrangian.name.lower() or "softmax" in other.lagrangian.name.lower() else "")
            + "."
        )
    try:
        red = integrate_out(model, other.name)
        c, _W = red.linear_form()
    except ModelError as exc:
        raise CapacityError(f"cannot reduce `{model.name}` to -sum_mu F(c xi_mu . sigma): {exc}") from exc
    if c.has(*[lay.g for lay in model.layers]) or any(isinstance(a, (MatVec,)) for a in sp.preorder_traversal(c)):
        raise CapacityError(f"the overlap scale {c} of `{model.name}` depends on the state.")
    # the overlap scale is written in the model's own size symbols; the state layer's size *is* the engine's N (a
    # synapse scaled 1/N_v held N_v apart from N, so the asymptotic law did not follow the exact one)
    if slow.size.is_Symbol:
        c = c.xreplace({slow.size: N})
    if c.free_symbols & set(model.sizes):
        raise CapacityError(f"the overlap scale c = {c} of `{model.name}` depends on the size(s) "
                            f"{sorted(str(z) for z in c.free_symbols & set(model.sizes))}, which are not the state layer's "
                            f"`{slow.size}` (the engine's N); give them values (params) or write the scale in N")
    F = other.entrywise.xreplace({other.state: x})
    law = CapacityLaw(model, other.name, slow.name, F, c, patterns)
    return law.subs(**params) if params else law
