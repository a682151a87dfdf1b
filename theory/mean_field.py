r"""Mean-field theory at temperature of a memory whose energy is a function of one pattern overlap.

How it works
------------
A state layer of :math:`N` units, each in a single-site space with a reference measure (:class:`SiteMeasure`: Ising
spins, or phase oscillators), stores patterns; its energy, written extensively, is :math:`E = -N F(m)` with
:math:`m` the overlap with the condensed pattern (its modulus for phases). At temperature :math:`T` the overlap's
law is :math:`P(m) \asymp e^{-N f(m)/T}` with the free energy per unit

.. math::

   f(m) = -F(m) + T\, I(m), \qquad I(m) = \sup_h\,[h m - \Lambda(h)],

:math:`\Lambda` the cumulant generating function of one unit's projection on its pattern (:math:`\log\cosh h` for
spins, :math:`\log I_0(h)` for phases) and :math:`I` its Cramér rate function. Everything follows from
:math:`\Lambda` and :math:`F`, derived here rather than typed in:

- the stationary points solve :math:`T h = F'(m)` with :math:`m = \Lambda'(h)` (the self-consistency
  :math:`m = \Lambda'(F'(m)/T)`). Along :math:`h` the branch is explicit: a parameter :math:`p` that enters
  :math:`F` linearly (the temperature too) is a closed function :math:`p(h)` of the field, and the free energy
  :math:`f = -F(\Lambda'(h)) + T\,(h\Lambda'(h) - \Lambda(h))` (:meth:`MeanField.branch`); so the spinodal is an
  extremum of :math:`p(h)` and the coexistence a root of :math:`f(h)`, one-dimensional problems solved by mpmath;
- the Landau series of :math:`f` (:meth:`MeanField.landau`): :math:`F`'s series plus :math:`T` times that of
  :math:`I`, found by series reversion of :math:`\Lambda'` and one integration (:math:`I' = h(m)`);
- the continuous transition where the :math:`m^2` coefficient vanishes (:meth:`MeanField.critical`), the
  tricritical point where the :math:`m^4` one vanishes with it (:meth:`MeanField.tricritical`).

Approximation: :math:`N \to \infty` with one condensed pattern and a vanishing load (:math:`P/N \to 0`), the
stationary (equilibrium) theory of the Gibbs measure :math:`e^{-E/T}`: exact for Glauber dynamics of spins and for
Langevin dynamics of phases with identical natural frequencies (white noise of intensity :math:`D = T`).

References
----------
.. [1] Amit, Gutfreund & Sompolinsky (1985), Phys. Rev. A 32, 1007 (Curie–Weiss and Hopfield at temperature).
.. [2] Ellis (1985), *Entropy, Large Deviations, and Statistical Mechanics* (the rate function of a mean).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

__all__ = ["SiteMeasure", "ISING", "PHASE", "SITES", "MeanField", "MeanFieldError", "m", "h", "T", "APPROXIMATION"]

#: the order parameter (the overlap, or its modulus for phases), its conjugate field, and the temperature
m = sp.Symbol("m", nonnegative=True)
h = sp.Symbol("h", nonnegative=True)
T = sp.Symbol("T", positive=True)

APPROXIMATION = ("mean field: N -> infinity with one condensed pattern and vanishing load P/N -> 0; the equilibrium "
                 "(Gibbs) theory, exact for Glauber spins and for Langevin phases with identical natural frequencies (D = T)")


class MeanFieldError(ValueError):
    """A model or an argument the mean-field engine cannot treat, with why."""


@dataclass(frozen=True)
class SiteMeasure:
    """One unit's reference measure, through the moment generating function of its projection on its pattern.

    Parameters
    ----------
    name : str
    mgf : sympy.Expr
        :math:`E\\,e^{h x}` in :data:`h` (closed form, for numerics: ``cosh(h)``, ``besseli(0, h)``).
    even_coefficient : callable
        ``k -> `` the coefficient of :math:`h^{2k}` of ``mgf`` (an even measure), exact: the series the Landau
        expansion is built from (SymPy cannot expand every closed form, e.g. ``log(besseli(0, h))``).
    description : str
    """

    name: str
    mgf: sp.Expr
    even_coefficient: Callable[[int], sp.Expr] = field(repr=False)
    description: str = ""

    def __post_init__(self) -> None:
        if self.mgf.free_symbols != {h}:
            raise MeanFieldError(f"SiteMeasure `{self.name}`: `mgf` must be an expression in h alone; got {self.mgf}.")
        if sp.simplify(self.even_coefficient(0) - 1) != 0:
            raise MeanFieldError(f"SiteMeasure `{self.name}`: a probability measure has mgf(0) = 1; the h^0 coefficient is {self.even_coefficient(0)}.")

    @cached_property
    def cgf(self) -> sp.Expr:
        """:math:`\\Lambda(h) = \\log E\\,e^{h x}`."""
        return sp.log(self.mgf)

    @cached_property
    def mean(self) -> sp.Expr:
        """:math:`\\Lambda'(h)`: the mean projection in the field ``h`` (``tanh(h)``, ``I1(h)/I0(h)``)."""
        return sp.simplify(sp.diff(self.cgf, h))

    def cgf_series(self, order: int) -> sp.Expr:
        """:math:`\\Lambda(h)` to :math:`h^{order}` (a polynomial), from the exact moment series."""
        poly = sum(self.even_coefficient(k) * h ** (2 * k) for k in range(order // 2 + 1))
        return sp.series(sp.log(poly), h, 0, order + 1).removeO()

    def rate_series(self, order: int) -> sp.Expr:
        """The rate function :math:`I(m)` to :math:`m^{order}` (a polynomial): :math:`\\Lambda'` reversed as a series
        (:math:`h(m)`), integrated (:math:`I' = h`, :math:`I(0) = 0`)."""
        if order < 2 or order != int(order):
            raise MeanFieldError(f"Argument `order` must be an integer >= 2; got {order!r}.")
        d = sp.expand(sp.diff(self.cgf_series(order + 1), h))
        c1 = d.coeff(h, 1)
        if not c1.is_positive:
            raise MeanFieldError(f"SiteMeasure `{self.name}`: the variance Lambda''(0) = {c1} must be positive.")
        inv = m / c1  # Newton iteration on the series: each pass fixes at least one more order
        for _ in range(order):
            step = sp.series(d.subs(h, inv), m, 0, order).removeO() - m
            if step == 0:
                break
            inv = sp.series(sp.expand(inv - step / c1), m, 0, order).removeO()
        return sp.expand(sp.integrate(inv, m))


def _ising_coefficient(k: int) -> sp.Expr:
    return sp.Integer(1) / sp.factorial(2 * k)


def _phase_coefficient(k: int) -> sp.Expr:
    return sp.Integer(1) / (4**k * sp.factorial(k) ** 2)


#: spins s = +-1, equally likely: the projection xi s is +-1 (E exp(h x) = cosh h)
ISING = SiteMeasure("ising", sp.cosh(h), _ising_coefficient, "spins s = +-1, uniform; m the overlap")
#: phases uniform on the circle: the projection cos(theta - xi) has E exp(h x) = I0(h)
PHASE = SiteMeasure("phase", sp.besseli(0, h), _phase_coefficient, "phases uniform on the circle; m the modulus of the complex overlap")
SITES = {s.name: s for s in (ISING, PHASE)}


@functools.lru_cache(maxsize=64)
def _derivatives(F: sp.Expr) -> tuple[Callable, Callable, Callable]:
    """``F``, ``F'`` and ``F''`` in :data:`m` compiled for mpmath, once per ``F`` (a temperature scan asks at every T)."""
    return tuple(sp.lambdify(m, sp.diff(F, m, k), "mpmath") for k in (0, 1, 2))


@dataclass(frozen=True)
class MeanField:
    """The mean-field theory of ``E = -N F(m)`` on ``site`` at temperature :data:`T`.

    Parameters
    ----------
    F : sympy.Expr
        In :data:`m` and parameters (symbols); ``F'(0) = 0`` (the disordered state ``m = 0`` is stationary).
    site : SiteMeasure or str
        ``"ising"``, ``"phase"`` or a :class:`SiteMeasure`.

    Examples
    --------
    >>> from theory.mean_field import MeanField, m, T
    >>> cw = MeanField(m**2 / 2, "ising")  # Curie-Weiss
    >>> cw.critical()
    {T: 1}
    >>> cw.landau(6)
    ((2, (T - 1)/2), (4, T/12), (6, T/30))
    """

    F: sp.Expr
    site: SiteMeasure | str = "ising"
    approximation: str = APPROXIMATION
    #: the model's own temperature is this times the theory's T (1 for an F given directly; N for the classical
    #: Hopfield energy -1/2 sum (xi.s)^2, which is N times the extensive -N m^2/2)
    temperature_scale: sp.Expr = sp.S.One
    #: the model the theory was derived from ("" for an F given directly)
    model: str = ""
    #: what the model calls its temperature (``"D"``, the noise intensity of the Kuramoto oscillators): reports and
    #: values use this name; the engine's symbol stays :data:`T`
    temperature_name: str = "T"

    def __post_init__(self) -> None:
        if isinstance(self.site, str):
            if self.site not in SITES:
                raise MeanFieldError(f"Argument `site` must be one of {sorted(SITES)} or a SiteMeasure; got {self.site!r}.")
            object.__setattr__(self, "site", SITES[self.site])
        if not isinstance(self.site, SiteMeasure):
            raise MeanFieldError(f"Argument `site` must be one of {sorted(SITES)} or a SiteMeasure; got {type(self.site).__name__}.")
        if isinstance(self.F, str) or not isinstance(self.F, sp.Expr):
            raise MeanFieldError(f"Argument `F` must be a SymPy expression in theory.mean_field.m (parse strings with theory.parse); got {self.F!r}.")
        if m not in self.F.free_symbols:
            raise MeanFieldError(f"Argument `F` must depend on the overlap theory.mean_field.m; got {self.F}.")
        if h in self.F.free_symbols or T in self.F.free_symbols:
            raise MeanFieldError(f"Argument `F` must not contain the field h or the temperature T (they are the engine's); got {self.F}.")
        try:
            d0 = sp.limit(sp.diff(self.F, m), m, 0, "+")
        except (NotImplementedError, TypeError, ValueError):
            raise MeanFieldError(f"cannot decide whether F'(0) = 0 for F = {self.F} with symbolic parameters; give their values "
                                 "(params={...}, or MeanField(F.subs(...)))") from None
        if d0 != 0:
            raise MeanFieldError(f"F'(0) = {d0}: the disordered state m = 0 is not stationary (a field on the pattern); the engine needs F'(0) = 0.")
        if not (isinstance(self.temperature_name, str) and self.temperature_name.isidentifier() and self.temperature_name.isascii()):
            raise MeanFieldError(f"Argument `temperature_name` must be an ASCII identifier; got {self.temperature_name!r}.")
        clash = [s.name for s in self.F.free_symbols if s.name == self.temperature_name and self.temperature_name != "T"]
        if clash:
            raise MeanFieldError(f"Argument `temperature_name` {self.temperature_name!r} is also a parameter of F = {self.F}.")

    @classmethod
    def from_model(cls, model, fast: str | None = None, params: dict | None = None) -> MeanField:
        r"""The theory of a binary-state memory ``E = -sum_mu F(c xi_mu . s)`` (a sign layer and an additive memory layer
        integrated out: a built-in, a spec, a user's F), written extensively.

        With :math:`m = \xi\cdot s / N` the energy is :math:`-\sum_\mu F(c N m_\mu)`; where
        :math:`F(cNm)/N = a(N)\,\hat F(m)` the theory is that of :math:`\hat F` and the model's temperature is
        :math:`a(N)` times the theory's (:attr:`temperature_scale`). An ``F`` with no such factorisation (exponential)
        has no extensive limit: a clear error says so.
        """
        from .capacity import CapacityError, capacity_law, x

        periodic = [lay for lay in model.layers if lay.periodic]
        if periodic:
            return cls._from_phase_model(model, periodic, params)
        try:
            law = capacity_law(model, fast=fast, params=params)
        except CapacityError as exc:
            raise MeanFieldError(f"no mean-field theory for `{getattr(model, 'name', model)}`: {exc}") from None
        from .capacity import N as engine_N

        N = model.layer(law.slow).size
        c = law.c.xreplace({engine_N: N})  # the law writes a size-scaled synapse (1/N_v) in its own N
        ext = law.F.subs(x, c * N * m) / N
        scale = sp.simplify(sp.expand_power_base(sp.powsimp(ext / ext.subs(N, 1))))
        if scale.has(m) or not scale.has(N) and scale != 1:
            raise MeanFieldError(
                f"model `{model.name}`: F(c N m)/N = {ext} is not a power-law scale of N times a function of the overlap m, so no "
                "temperature scale makes its free energy per unit finite as N grows: terms of different degree scale differently "
                "(the highest dominates at large N; scale each with its own power of N, or give the extensive F to MeanField "
                "directly), and an exponential F has no extensive limit at all (theory.capacity_law's large deviations treat it)")
        return cls(sp.simplify(ext / scale), ISING, temperature_scale=scale, model=model.name)

    @classmethod
    def _from_phase_model(cls, model, periodic: list, params: dict | None) -> MeanField:
        r"""The theory of phase oscillators whose energy depends on the complex overlaps: read at one condensed pattern.

        Every pattern maps to :math:`\xi = 0` by the local gauge :math:`\theta_j \to \theta_j - \xi_j`, so the energy is
        read with one pattern (``P = 1``) whose first weight is the all-ones row (:math:`\cos\xi = 1`; or
        :math:`\sin\xi = 1`, the gauge by :math:`\pi/2`) and every other weight zero, where
        :math:`\sum_j \cos\theta_j = N r\cos\psi` and :math:`\sum_j \sin\theta_j = N r\sin\psi`. The result must not
        depend on :math:`\psi` (the global-phase symmetry); :math:`-E/N` is then the extensive ``F(r)``."""
        from .vector import MatTVec, MatVec, VSum

        if len(periodic) != 1 or len(model.layers) != 1:
            raise MeanFieldError(f"model `{model.name}`: the phase theory treats one layer of phases and nothing else; it has "
                                 f"layers {list(model.layer_names)} (integrate the others out first)")
        lay = periodic[0]
        N = lay.size
        weights = sorted((W for W in model.weights if W.shape[1] == N), key=lambda W: W.name)
        if not weights:
            raise MeanFieldError(f"model `{model.name}`: no pattern weights act on the phases `{lay.name}`, so there is no overlap")
        r, psi = sp.Symbol("r", nonnegative=True), sp.Symbol("psi", real=True)
        E = model.energy
        if params:  # numbers only, checked against the assumptions (a string would be parsed, that is, evaluated)
            from .capacity import _parameter_value

            names = {p.name: p for p in model.parameters}
            unknown = sorted(set(params) - set(names))
            if unknown:
                raise MeanFieldError(f"Unknown parameter(s) {unknown}; model `{model.name}` has {sorted(names)}.")
            E = E.xreplace({names[k]: sp.nsimplify(_parameter_value(names[k], v)) for k, v in params.items()})  # exact, as before
        theta = lay.state
        first = weights[0]
        rep = {sp.cos(theta): None, sp.sin(theta): None}
        sums = {}
        for node in E.atoms(MatVec, MatTVec):
            if not node.has(theta):
                continue
            if isinstance(node, MatTVec) or node.args[1] not in rep:
                raise MeanFieldError(f"model `{model.name}`: the energy uses the phases through {node}, not through the first-harmonic "
                                     "overlaps W @ cos(theta), W @ sin(theta); the engine treats overlap energies only")
            W = node.args[0]
            if W == first:
                sums[node] = N * r * (sp.cos(psi) if node.args[1] == sp.cos(theta) else sp.sin(psi))
            else:
                sums[node] = sp.S.Zero
        E1 = E.xreplace(sums)
        if E1.has(theta):
            raise MeanFieldError(f"model `{model.name}`: the energy depends on the phases other than through the pattern overlaps "
                                 f"(after the overlaps are replaced: {E1}); the engine treats overlap energies only")
        P = first.shape[0]
        E1 = sp.simplify(E1.replace(lambda e: isinstance(e, VSum), lambda e: e.args[0] if not e.args[0].atoms(VSum) else e).subs(P, 1))
        if E1.has(psi):
            raise MeanFieldError(f"model `{model.name}`: the energy at one condensed pattern depends on the overlap's phase psi "
                                 f"({E1}): it is not invariant under a global rotation, so no theory of |m| alone describes it")
        ext = -E1 / N
        scale = sp.simplify(sp.expand_power_base(sp.powsimp(ext / ext.subs(N, 1))))
        if scale.has(r) or not scale.has(N) and scale != 1:
            raise MeanFieldError(f"model `{model.name}`: -E/N = {ext} is not a power of N times a function of |m|")
        F = sp.expand(sp.simplify(ext / scale)).xreplace({r: m})
        return cls(F, PHASE, temperature_scale=scale, model=model.name, temperature_name=model.temperature or "T")

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The free parameters of ``F``, with the temperature :data:`T` first."""
        return (T, *sorted(self.F.free_symbols - {m}, key=lambda s: s.name))

    # ------------------------------------------------------------------ symbolic
    @cached_property
    def free_energy(self) -> sp.Expr:
        """:math:`f(m) = -F(m) + T I(m)` where :math:`I` has a closed form (Ising); see :meth:`branch` for every site."""
        if self.site is ISING:  # the Legendre transform of log cosh, derived (theory.moments), not typed in
            from .moments import rademacher_rate

            return -self.F + T * rademacher_rate(m)
        raise MeanFieldError(f"the rate function of the `{self.site.name}` site has no closed form; use MeanField.branch (parametric in h) or landau.")

    @cached_property
    def self_consistency(self) -> sp.Eq:
        """:math:`m = \\Lambda'(F'(m)/T)`."""
        return sp.Eq(m, self.site.mean.subs(h, sp.diff(self.F, m) / T))

    def landau(self, order: int = 8) -> tuple[tuple[int, sp.Expr], ...]:
        """The Landau series of :math:`f` to :math:`m^{order}`: ``((k, coefficient of m^k), ...)`` for the nonzero
        coefficients, :math:`k \\ge 1`."""
        if not isinstance(order, int) or order < 2:
            raise MeanFieldError(f"Argument `order` must be an integer >= 2; got {order!r}.")
        series = sp.expand(sp.series(-self.F, m, 0, order + 1).removeO() + T * self.site.rate_series(order))
        return tuple((k, sp.factor(series.coeff(m, k))) for k in range(1, order + 1) if series.coeff(m, k) != 0)

    def coefficient(self, k: int, order: int | None = None) -> sp.Expr:
        """The :math:`m^k` coefficient of the Landau series (0 where absent)."""
        return dict(self.landau(order or max(k, 4))).get(k, sp.S.Zero)

    def critical(self, parameter: sp.Symbol = T) -> dict | None:
        """Where the continuous transition lies: the :math:`m^2` coefficient's root in ``parameter``, ``{parameter: value}``;
        ``None`` when there is none (no :math:`m^2` term in ``F``: the transition, if any, is first order)."""
        self._check_parameter(parameter)
        c2 = self.coefficient(2)
        if not c2.has(parameter):
            return None
        sol = sp.solve(sp.Eq(c2, 0), parameter, dict=True)
        good = [s for s in sol if s[parameter].is_positive is not False]
        return good[0] if good else None

    def tricritical(self, first: sp.Symbol = T, second: sp.Symbol | None = None) -> dict | None:
        """The tricritical point: the :math:`m^2` and :math:`m^4` coefficients vanish together (the continuous transition
        turns first order beyond it), solved for ``first`` and ``second`` (default: the first parameter of ``F`` other
        than ``first``); ``None`` where there is none. The :math:`m^6` coefficient there is reported by
        :meth:`coefficient`."""
        self._check_parameter(first)
        if second is None:  # a parameter of F other than the first (the temperature only when F has no other)
            others = [p for p in self.parameters if p not in (first, T)] or [p for p in self.parameters if p != first]
            if not others:
                return None
            second = others[0]
        self._check_parameter(second)
        c2, c4 = self.coefficient(2, 6), self.coefficient(4, 6)
        if not (c2.has(first) or c2.has(second)) or not (c4.has(first) or c4.has(second)):
            return None
        sol = sp.solve([c2, c4], [first, second], dict=True)
        good = [s for s in sol if all(v.is_positive is not False for v in s.values())]
        return good[0] if good else None

    def mixture(self, s: int, grid: int = 100, **values) -> dict | None:
        r"""The symmetric mixture of ``s`` condensed patterns on Ising sites (Amit, Gutfreund & Sompolinsky 1985), at the
        given parameter values (``T`` included): every condensed overlap equals :math:`m`, with

        .. math::

           m = E_\xi\big[\xi_1 \tanh\big(F'(m) \textstyle\sum_{\nu \le s}\xi_\nu / T\big)\big], \qquad
           \xi \in \{\pm 1\}^s \text{ uniform},

        and its stability from the Hessian of :math:`f(\mathbf m) = -\sum_\mu F(m_\mu) + T I(\mathbf m)` over the ``s``
        condensed overlaps and one that is not (the others are equivalent to it):
        :math:`\nabla^2 f = -\operatorname{diag} F''(m_\mu) + T\,(\nabla^2\Lambda)^{-1}` at the field
        :math:`h_\mu = F'(m_\mu)/T`, :math:`\nabla^2\Lambda_{\mu\nu} = E_\xi[\xi_\mu\xi_\nu\,\mathrm{sech}^2(\xi\cdot h)]`
        (the rate function's Hessian is the inverse of the cumulant generating function's). Expectations are exact sums
        over the :math:`2^{s+1}` sign patterns (mpmath, 20 digits; the roots bracketed on ``grid`` points of (0, 1]).

        Returns ``{"s", "m", "f", "min_eigenvalue", "stable"}`` for the largest nonzero solution, or ``None`` where there
        is none (the mixture does not exist at these values)."""
        import itertools

        import mpmath

        if self.site is not ISING:
            raise MeanFieldError(f"mixtures are treated for Ising sites; this theory has `{self.site.name}` sites.")
        if not isinstance(s, int) or isinstance(s, bool) or not 1 <= s <= 10:
            raise MeanFieldError(f"Argument `s` (the number of mixed patterns) must be an integer in 1..10; got {s!r}.")
        self._check_grid(grid)
        vals = self._check_values(values)
        missing = [p.name for p in self.parameters if p.name not in vals]
        if missing:
            raise MeanFieldError(f"Missing value(s) for {missing}.")
        subs = {p: sp.nsimplify(vals[p.name]) for p in self.parameters if p != T}
        Fn, F1, F2 = _derivatives(self.F.subs(subs))
        with mpmath.workdps(20):
            Tv = mpmath.mpf(vals["T"])
            signs = [tuple(mpmath.mpf(x) for x in c) for c in itertools.product((1, -1), repeat=s + 1)]
            w = mpmath.mpf(1) / len(signs)

            def g(x):
                return x - w * sum(c[0] * mpmath.tanh(F1(x) * sum(c[:s]) / Tv) for c in signs)

            xs = [mpmath.mpf(i) / grid for i in range(1, grid + 1)]
            gs = [g(x) for x in xs]
            roots = [mpmath.findroot(g, (a, b), solver="anderson") for (a, ga), (b, gb) in zip(zip(xs, gs), zip(xs[1:], gs[1:])) if ga * gb < 0]
            if not roots:
                return None
            mv = max(roots)
            h = [F1(mv) / Tv] * s + [F1(mpmath.mpf(0)) / Tv]
            n = s + 1
            lam2 = mpmath.matrix(n, n)
            for c in signs:
                sech2 = 1 / mpmath.cosh(sum(ci * hi for ci, hi in zip(c, h))) ** 2
                for i in range(n):
                    for j in range(n):
                        lam2[i, j] += w * c[i] * c[j] * sech2
            hess = Tv * mpmath.inverse(lam2)
            for i in range(n):
                hess[i, i] -= F2(mv if i < s else mpmath.mpf(0))
            eig = mpmath.eigsy(hess)[0]
            lam = w * sum(mpmath.log(mpmath.cosh(sum(ci * hi for ci, hi in zip(c, h)))) for c in signs)
            f = -s * Fn(mv) - Fn(mpmath.mpf(0)) + Tv * (s * h[0] * mv - lam)
            smallest = min(eig)
            return {"s": s, "m": float(mv), "f": float(f), "min_eigenvalue": float(smallest), "stable": bool(smallest > 0)}

    def mixture_stability(self, s: int, T_range: tuple = (0.05, 1.0), points: int = 60, **values) -> dict:
        """Where the symmetric ``s``-mixture is a local minimum, over ``T`` in ``T_range`` (the other parameters at
        ``values``): ``{"s", "T", "stable", "exists", "T_stable_below"}``, the last the temperature where the smallest
        Hessian eigenvalue crosses zero (bisected to 1e-6), ``None`` where the mixture is stable nowhere in the range."""
        import mpmath

        lo, hi = (float(x) for x in T_range)
        if not (0 < lo < hi):
            raise MeanFieldError(f"Argument `T_range` must be (lo, hi) with 0 < lo < hi; got {T_range!r}.")
        Ts = [lo + (hi - lo) * i / (points - 1) for i in range(points)]
        res = [self.mixture(s, T=t, **values) for t in Ts]
        stable = [bool(r and r["stable"]) for r in res]
        edge = None
        for (t0, s0), (t1, s1) in zip(zip(Ts, stable), zip(Ts[1:], stable[1:])):
            if s0 and not s1:
                a, b = t0, t1
                for _ in range(20):
                    mid = (a + b) / 2
                    r = self.mixture(s, T=mid, **values)
                    a, b = (mid, b) if r and r["stable"] else (a, mid)
                edge = float(mpmath.mpf(a + b) / 2)
        return {"s": s, "T": Ts, "stable": stable, "exists": [r is not None for r in res], "T_stable_below": edge}

    def disordered_overlap(self, N: sp.Expr) -> sp.Expr:
        r"""The mean :math:`\langle|m|\rangle` in the disordered phase at finite ``N``, to leading order: the overlap's law
        :math:`\propto e^{-N a_2 |m|^2 / T}` with :math:`a_2` the Landau :math:`m^2` coefficient, over the line (Ising: one
        real overlap) or the plane (phases: a complex one), integrated here:
        :math:`\sqrt{T/(\pi N a_2)}` and :math:`\tfrac12\sqrt{\pi T/(N a_2)}`. Valid where :math:`a_2 > 0`, away from
        the transition (fluctuations O(:math:`N^{-1/2}`))."""
        r = sp.Symbol("r", positive=True)
        a2 = sp.Symbol("a2", positive=True)
        n = sp.Symbol("n", positive=True)
        weight = sp.exp(-n * a2 * r**2 / T) * (r if self.site is PHASE else 1)  # the plane's area element r dr
        mean = sp.simplify(sp.integrate(r * weight, (r, 0, sp.oo)) / sp.integrate(weight, (r, 0, sp.oo)))
        return mean.subs({a2: self.coefficient(2), n: N})

    def ott_antonsen(self):
        """The Ott–Antonsen reduction of the same ``F`` (:class:`theory.OttAntonsen`): the dynamical approximation for
        phases with Lorentzian natural frequencies, a closure for white noise."""
        if self.site is not PHASE:
            raise MeanFieldError(f"the Ott-Antonsen reduction concerns phase oscillators; this theory has `{self.site.name}` sites.")
        from .ott_antonsen import OttAntonsen

        return OttAntonsen(self.F)

    def _check_parameter(self, p) -> None:
        if p not in self.parameters:
            raise MeanFieldError(f"`{p}` is not a parameter of this theory; it has {list(self.parameters)}.")

    # ------------------------------------------------------------------ along the field h
    def branch(self, parameter: sp.Symbol = T) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        """The stationary branches, parametric in the field :data:`h` > 0: ``(m(h), parameter(h), f(h))`` with
        ``parameter(h)`` solved from :math:`T h = F'(m)` (it must enter linearly) and ``f(h)`` the free energy there.

        Every nonzero stationary point at a value of ``parameter`` is an ``h`` where ``parameter(h)`` takes it."""
        self._check_parameter(parameter)
        mh = self.site.mean
        stationary = T * h - sp.diff(self.F, m).subs(m, mh)
        a, b = sp.Poly(sp.expand(stationary), parameter).all_coeffs() if sp.Poly(sp.expand(stationary), parameter).degree() == 1 else (None, None)
        if a is None or a == 0:
            raise MeanFieldError(f"the stationarity condition T h = F'(m) is not linear in `{parameter}`; choose another control parameter.")
        p_of_h = sp.simplify(-b / a)
        f = -self.F.subs(m, mh) + T * (h * mh - self.site.cgf)
        return mh, p_of_h, f.subs(parameter, p_of_h)

    def subs(self, **values) -> MeanField:
        """The theory at numeric values of some of ``F``'s parameters (``T`` stays free)."""
        names = {p.name: p for p in self.parameters if p != T}
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise MeanFieldError(f"Unknown parameter(s) {unknown}; F has {sorted(names)}.")
        from .capacity import _parameter_value

        return MeanField(self.F.subs({names[k]: sp.nsimplify(_parameter_value(names[k], v)) for k, v in values.items()}), self.site, self.approximation,
                         self.temperature_scale, self.model, self.temperature_name)

    # ------------------------------------------------------------------ numbers (mpmath), at given parameter values
    def _numeric(self, expr: sp.Expr, values: dict) -> Callable:
        subs = {p: sp.nsimplify(values[p.name]) for p in self.parameters if p.name in values}
        e = expr.subs(subs)
        free = e.free_symbols - {h}
        if free:
            raise MeanFieldError(f"give a value for {sorted(s.name for s in free)} (parameters: {[p.name for p in self.parameters]}).")
        return sp.lambdify(h, e, "mpmath")

    @cached_property
    def _temperature(self) -> sp.Symbol:
        """The temperature under the model's own name (for reports)."""
        return T if self.temperature_name == "T" else sp.Symbol(self.temperature_name, positive=True)

    def named(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with the engine's :data:`T` written under the model's temperature name (``D`` for oscillators)."""
        expr = sp.sympify(expr)
        return expr if self.temperature_name == "T" else expr.xreplace({T: self._temperature})

    @staticmethod
    def _check_grid(grid, h_max=None, most: int = 100_000) -> None:
        """``grid``: an integer number of bracketing points in 2..``most`` (each costs an mpmath evaluation); ``h_max``:
        a finite field above the log grid's start (1e-4)."""
        if not isinstance(grid, numbers.Integral) or isinstance(grid, bool) or not 2 <= grid <= most:
            raise MeanFieldError(f"Argument `grid` (bracketing points) must be an integer in 2..{most}; got {grid!r}.")
        if h_max is not None:
            ok = isinstance(h_max, numbers.Real) and not isinstance(h_max, bool) and 1e-4 < h_max < 1e12
            if not ok:
                raise MeanFieldError(f"Argument `h_max` (the largest field searched) must be a number in (1e-4, 1e12); got {h_max!r}.")

    def _check_values(self, values: dict) -> dict:
        if self.temperature_name != "T" and self.temperature_name in values:
            if "T" in values:
                raise MeanFieldError(f"give the temperature once, as `{self.temperature_name}` (this model's name for it).")
            values = {("T" if k == self.temperature_name else k): v for k, v in values.items()}
        names = {p.name for p in self.parameters}
        unknown = sorted(set(values) - names)
        if unknown:
            raise MeanFieldError(f"Unknown parameter(s) {unknown}; this theory has {sorted(names)}.")
        out = {}
        for k, v in values.items():
            if isinstance(v, (str, bytes, bool)):  # float("3") would parse text: numbers only, like the kernels
                raise MeanFieldError(f"Parameter `{k}` must be a number; got {v!r}.")
            try:
                x = float(v)
            except (TypeError, ValueError):
                raise MeanFieldError(f"Parameter `{k}` must be a number; got {v!r}.") from None
            if not (x == x and abs(x) != float("inf")):
                raise MeanFieldError(f"Parameter `{k}` must be finite; got {v!r}.")
            if k == "T" and x <= 0:
                raise MeanFieldError(f"Parameter `{self.temperature_name}` (the temperature) must be positive; got {v!r}.")
            out[k] = x
        return out

    def stationary(self, h_max: float = 60.0, grid: int = 1200, **values) -> list[dict]:
        """The stationary points at the given parameter values (all of them, ``T`` included): the disordered state
        ``m = 0`` and every root of :math:`T h = F'(\\Lambda'(h))` on ``0 < h <= h_max`` (located on a log grid, refined
        to 30 digits). Each is ``{"m", "h", "f", "stable"}`` (``stable``: :math:`f''(m) > 0`)."""
        import mpmath

        self._check_grid(grid, h_max)
        vals = self._check_values(values)
        missing = [p.name for p in self.parameters if p.name not in vals]
        if missing:
            raise MeanFieldError(f"Missing value(s) for {missing}.")
        mh = self.site.mean
        Tv = sp.nsimplify(vals["T"])
        g = self._numeric((T * h - sp.diff(self.F, m).subs(m, mh)).subs(T, Tv), vals)
        fh = self._numeric((-self.F.subs(m, mh) + T * (h * mh - self.site.cgf)).subs(T, Tv), vals)
        curv = self._numeric((-sp.diff(self.F, m, 2).subs(m, mh) + T / sp.diff(mh, h)).subs(T, Tv), vals)
        mn = sp.lambdify(h, mh, "mpmath")
        known = {p: sp.nsimplify(vals[p.name]) for p in self.parameters if p.name in vals and p != T}
        c0 = sp.limit(-sp.diff(self.F, m, 2).subs(known), m, 0, "+") + Tv / sp.limit(sp.diff(mh, h), h, 0)
        if c0 == 0:  # marginal (at a continuous transition): the first higher Landau term decides
            subs = {p: sp.nsimplify(vals[p.name]) for p in self.parameters}
            higher = [(k, c.subs(subs)) for k, c in self.landau(8) if k > 2 and c.subs(subs) != 0]
            zero_stable = bool(higher) and higher[0][0] % 2 == 0 and bool(higher[0][1] > 0)
        else:
            zero_stable = bool(c0 > 0)
        out = [{"m": 0.0, "h": 0.0, "f": 0.0, "stable": zero_stable}]
        with mpmath.workdps(30):
            hs = [mpmath.mpf(10) ** (mpmath.mpf(-6) + (mpmath.log10(h_max) + 6) * i / grid) for i in range(grid + 1)]
            gs = [g(x) for x in hs]
            for (a, ga), (b, gb) in zip(zip(hs, gs), zip(hs[1:], gs[1:])):
                if ga == 0 or ga * gb < 0:
                    r = a if ga == 0 else mpmath.findroot(g, (a, b), solver="anderson")
                    out.append({"m": float(mn(r)), "h": float(r), "f": float(fh(r)), "stable": bool(curv(r) > 0)})
        return out

    def transitions(self, parameter: sp.Symbol = T, h_max: float = 60.0, grid: int = 1200, **values) -> dict:
        """Where the ordered branch appears and wins, in ``parameter``, the others at ``values``:

        - ``continuous``: the :math:`m^2` coefficient's root (or ``None``);
        - ``spinodal``: the extrema of ``parameter(h)`` along the branch (saddle-nodes: there a pair of nonzero
          stationary points is born), each ``{"value", "m"}``;
        - ``coexistence``: where the ordered branch's free energy equals the disordered state's (:math:`f = 0`), at
          :math:`m > 0`, each ``{"value", "m"}`` (the Maxwell point of a first-order transition);
        - ``order``: ``"continuous"`` or ``"first"`` (a spinodal at :math:`m > 0` exists).
        """
        import mpmath

        self._check_grid(grid, h_max)
        vals = self._check_values(values)
        if parameter.name in vals:
            raise MeanFieldError(f"`{parameter}` is the control parameter: do not give it a value.")
        missing = [p.name for p in self.parameters if p != parameter and p.name not in vals]
        if missing:
            raise MeanFieldError(f"Missing value(s) for {missing}.")
        mh, p_h, f_h = self.branch(parameter)
        P = self._numeric(p_h, vals)
        dP = self._numeric(sp.diff(p_h, h), vals)
        Fh = self._numeric(f_h, vals)
        mn = sp.lambdify(h, mh, "mpmath")
        crit = self.critical(parameter)
        cont = None
        if crit is not None:
            cv = crit[parameter].subs({p: sp.nsimplify(vals[p.name]) for p in self.parameters if p.name in vals})
            cont = float(cv) if cv.is_number else None
        spin, coex = [], []
        with mpmath.workdps(30):
            hs = [mpmath.mpf(10) ** (mpmath.mpf(-4) + (mpmath.log10(h_max) + 4) * i / grid) for i in range(grid + 1)]
            d = [dP(x) for x in hs]
            for (a, da), (b, db) in zip(zip(hs, d), zip(hs[1:], d[1:])):
                if da * db < 0:
                    r = mpmath.findroot(dP, (a, b), solver="anderson")
                    spin.append({"value": float(P(r)), "m": float(mn(r)), "h": float(r)})
            fs = [Fh(x) for x in hs]
            for (a, fa), (b, fb) in zip(zip(hs, fs), zip(hs[1:], fs[1:])):
                if fa * fb < 0 and a > 1e-3:
                    r = mpmath.findroot(Fh, (a, b), solver="anderson")
                    coex.append({"value": float(P(r)), "m": float(mn(r)), "h": float(r)})
        return {"parameter": str(self.named(parameter)), "continuous": cont, "spinodal": spin, "coexistence": coex,
                "order": "first" if spin else "continuous", "approximation": self.approximation}

    def barrier(self, **values) -> dict | None:
        """The free-energy barrier a memory must cross to melt: with the stable ordered state of largest ``m``
        (:math:`m_s`) and the unstable stationary point below it (:math:`m_u`, the basin boundary in overlap space),
        :math:`\\Delta F = f(m_u) - f(m_s)`; the escape time grows as :math:`\\tau \\asymp \\tau_0 e^{N \\Delta F/T}`.
        ``None`` where no stable ordered state has an unstable point below it."""
        pts = sorted(self.stationary(**values), key=lambda r: r["m"])
        stable = [r for r in pts if r["stable"] and r["m"] > 0]
        if not stable:
            return None
        s = stable[-1]
        below = [r for r in pts if r["m"] < s["m"] and not r["stable"]]
        if not below:
            return None
        u = below[-1]
        return {"memory": s, "boundary": u, "barrier": u["f"] - s["f"], "escape_slope": (u["f"] - s["f"]) / self._check_values(values)["T"]}

    # ------------------------------------------------------------------ one report (the CLI's --json, a notebook's table)
    def to_dict(self, control: sp.Symbol | str = T, **values) -> dict:
        """Everything derived, JSON-ready: the symbolic results always; with every parameter but ``control`` given,
        the ``transitions`` in it; with every parameter given, the stationary ``branches`` and the ``barrier``.

        Keys: ``model``, ``F``, ``site``, ``approximation``, ``temperature_scale``, ``free_energy``,
        ``self_consistency`` (each ``{str, latex}``), ``landau`` (``[{order, coefficient}]``), ``critical``
        (``{parameter: {str, value}}`` where the continuous transition lies; empty if none), ``tricritical``
        (``{parameter: {str, value}}`` or ``None``), ``transitions``, ``branches``, ``barrier``."""
        if isinstance(control, str):
            control = "T" if control == self.temperature_name else control
            named = {p.name: p for p in self.parameters}
            if control not in named:
                raise MeanFieldError(f"Argument `control` must name a parameter of this theory {sorted(named)}; got {control!r}.")
            control = named[control]
        vals = self._check_values(values)
        subs = {p: sp.nsimplify(vals[p.name]) for p in self.parameters if p.name in vals}

        def ex(e) -> dict:
            e = sp.sympify(e)
            out = {"str": str(self.named(e)), "latex": sp.latex(self.named(e))}
            num = e.subs(subs)
            out["value"] = float(num) if num.is_number and num.is_real else None
            return out

        if self.site is ISING:
            fe = ex(self.free_energy)
        else:
            mh, _, _ = (self.site.mean, None, None)
            fh = self.named(-self.F.subs(m, mh) + T * (h * mh - self.site.cgf))
            fe = {"str": f"m = {mh}, f = {fh} (parametric in the field h >= 0)", "latex": sp.latex(sp.Tuple(mh, fh)), "value": None}
        own = "" if self.temperature_name == "T" else " " + self.temperature_name
        crit = self.critical(control)
        tri = self.tricritical(control) if len(self.parameters) > 1 else None
        rep = {
            "model": self.model or None,
            "F": ex(self.F),
            "site": self.site.name,
            "approximation": self.approximation,
            "temperature_scale": {**ex(self.temperature_scale), "meaning": f"the model's own temperature{own} is {self.temperature_scale} times the theory's T"},
            "free_energy": fe,
            "temperature": self.temperature_name,
            "self_consistency": {"str": str(self.named(self.self_consistency)), "latex": sp.latex(self.named(self.self_consistency))},
            "landau": [{"order": k, "coefficient": ex(c)} for k, c in self.landau(8)],
            "critical": {} if crit is None else {str(self.named(k)): ex(v) for k, v in crit.items()},
            "tricritical": None if tri is None else {str(self.named(k)): ex(v) for k, v in tri.items()},
            "transitions": None,
            "branches": None,
            "barrier": None,
        }
        given = {p.name for p in self.parameters if p.name in vals}
        if given >= {p.name for p in self.parameters if p != control} and control.name not in given:
            rep["transitions"] = self.transitions(control, **vals)
        if given >= {p.name for p in self.parameters}:
            rep["branches"] = [{"order_parameter": r["m"], "field": r["h"], "stable": r["stable"], "free_energy": r["f"]}
                               for r in self.stationary(**vals)]
            rep["barrier"] = self.barrier(**vals)
        return rep
