r"""The Ott–Antonsen reduction of phase oscillators with Lorentzian natural frequencies (the "dynamical approximation").

Notes
-----
Oscillators :math:`\dot\theta_j = \omega_j - \partial E/\partial\theta_j` with :math:`E = -N F(|z|)`,
:math:`z = N^{-1}\sum_j e^{i\theta_j}` (the overlap in the gauge :math:`\xi = 0`) feel the field
:math:`\dot\theta_j = \omega_j + \operatorname{Im}(H e^{-i\theta_j})` with :math:`H = 2\,\partial F/\partial\bar z`, derived
here with :math:`z, \bar z` as independent variables. For natural frequencies drawn from a Lorentzian of half-width
:math:`\Delta` (centred at 0) the Ott–Antonsen manifold is invariant and attracting, and as :math:`N \to \infty`

.. math::

   \dot z = -\Delta z + \tfrac12\,(H - \bar H z^2), \qquad
   \dot r = \operatorname{Re}(e^{-i\psi}\dot z) = r\, g(r^2),

exactly. For an ``F`` whose :math:`F'(r)/r` is a polynomial in :math:`u = r^2`, :math:`g` is a polynomial and every
transition has a closed form: the onset :math:`g(0) = 0`, the tricritical point :math:`g(0) = g'(0) = 0`, the saddle-node
:math:`g(u) = g'(u) = 0` with :math:`0 < u < 1`. Used for white noise of intensity :math:`D` (put :math:`\Delta \to D`)
the same equations are a closure, not a theory: the onset agrees with the exact (Gibbs) theory of
:class:`theory.MeanField` but the tricritical point and the quartic thresholds do not.

References
----------
.. [1] E. Ott & T. M. Antonsen, "Low dimensional behavior of large systems of globally coupled oscillators",
   Chaos 18, 037113 (2008).
.. [2] Nägerl & Berloff, arXiv 2507.21984 (2025): "mean-field theory and its dynamical approximation".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .mean_field import MeanFieldError, m

__all__ = ["OttAntonsen", "Delta", "u"]

#: the half-width of the Lorentzian natural frequencies, and the squared modulus r^2
Delta = sp.Symbol("Delta", positive=True)
u = sp.Symbol("u", nonnegative=True)

APPROXIMATION = ("Ott-Antonsen reduction: exact as N -> infinity for Lorentzian natural frequencies of half-width Delta "
                 "(no noise); for white noise of intensity D (Delta -> D) only a closure")


@dataclass(frozen=True)
class OttAntonsen:
    """The Ott–Antonsen flow of the order parameter for ``E = -N F(|z|)`` (``F`` in :data:`theory.mean_field.m`).

    Examples
    --------
    >>> import sympy as sp
    >>> from theory.mean_field import m
    >>> K, C = sp.symbols("K C", real=True)
    >>> oa = OttAntonsen(K * m**2 / 2 + C * m**4 / 4)
    >>> oa.rate
    m*(-C*m**4 + C*m**2 - 2*Delta - K*m**2 + K)/2
    >>> oa.saddle_node(K)[0][K]
    2*sqrt(2)*sqrt(C)*sqrt(Delta) - C
    >>> oa.critical(K), oa.tricritical(K, C)
    ({K: 2*Delta}, {C: 2*Delta, K: 2*Delta})
    """

    F: sp.Expr

    def __post_init__(self) -> None:
        if not isinstance(self.F, sp.Expr) or m not in self.F.free_symbols:
            raise MeanFieldError(f"Argument `F` must be a SymPy expression in theory.mean_field.m; got {self.F!r}.")
        if Delta in self.F.free_symbols:
            raise MeanFieldError("Argument `F` must not contain Delta (the frequency spread is the reduction's own parameter).")

    @cached_property
    def field(self) -> sp.Expr:
        """:math:`H = 2\\,\\partial F(|z|)/\\partial\\bar z`, in ``z`` and ``zb`` (its conjugate)."""
        z, zb = sp.symbols("z zb")
        return sp.simplify(2 * sp.diff(self.F.subs(m, sp.sqrt(z * zb)), zb))

    @cached_property
    def complex_flow(self) -> sp.Expr:
        r"""The flow of the order parameter, derived: :math:`\dot z = -\Delta z + (H - \bar H z^2)/2` in ``z``, ``zb``.

        Oscillators of frequency :math:`\omega` with :math:`\dot\theta = \omega + (H e^{-i\theta} - \bar H e^{i\theta})/(2i)`
        carry a density whose Fourier modes obey (continuity equation)
        :math:`\dot c_n = i n\omega c_n + \tfrac n2 (H c_{n-1} - \bar H c_{n+1})`. On the Ott–Antonsen manifold
        :math:`c_n = \alpha^n` every mode n = 1..4 gives the same :math:`\dot\alpha` (checked here: the manifold is
        invariant), and the Lorentzian average :math:`z = \int \alpha(\omega) g(\omega) d\omega` is the residue at
        :math:`\omega = i\Delta`, :math:`z = \alpha(i\Delta)`. The inputs are the ansatz and that residue; the flow is not
        typed in."""
        z, zb = sp.symbols("z zb")
        alpha, w, Hs, Hbs = sp.symbols("alpha omega H Hb")
        rates = []
        for n in range(1, 5):
            mode = sp.I * n * w * alpha**n + sp.Rational(n, 2) * (Hs * alpha ** (n - 1) - Hbs * alpha ** (n + 1))
            rates.append(sp.expand(sp.simplify(mode / (n * alpha ** (n - 1)))))
        if any(sp.simplify(r - rates[0]) != 0 for r in rates[1:]):  # pragma: no cover - a defect of the derivation
            raise MeanFieldError("the Ott-Antonsen manifold is not invariant under this flow")
        H = self.field
        Hb = H.xreplace({z: zb, zb: z})  # the conjugate of H (real coefficients)
        return rates[0].subs(w, sp.I * Delta).xreplace({alpha: z, Hs: H, Hbs: Hb})

    @cached_property
    def rate(self) -> sp.Expr:
        """:math:`\\dot r = \\operatorname{Re}(e^{-i\\psi}\\dot z)` at :math:`z = r e^{i\\psi}`, written in :data:`m` (= r); derived,
        and checked to be free of :math:`\\psi` (the phase of the order parameter is neutral)."""
        psi = sp.Symbol("psi", real=True)
        r = sp.Symbol("r", positive=True)
        z, zb = sp.symbols("z zb")
        zdot = self.complex_flow.subs({z: r * sp.exp(sp.I * psi), zb: r * sp.exp(-sp.I * psi)})
        radial = sp.simplify(sp.expand(zdot * sp.exp(-sp.I * psi)))
        re, im = radial.as_real_imag()
        re, im = sp.simplify(re), sp.simplify(im)
        if re.has(psi) or im != 0:
            raise MeanFieldError(f"the Ott-Antonsen flow of F = {self.F} is not radial (Re {re}, Im {im}): the order parameter's "
                                 "phase is not neutral")
        return sp.factor_terms(re.subs(r, m))

    @cached_property
    def growth(self) -> sp.Expr:
        """:math:`g(u) = \\dot r / r` with :math:`u = r^2` (a polynomial in ``u`` for polynomial ``F'(r)/r``)."""
        g = sp.simplify(sp.expand(self.rate / m))
        g = sp.expand(g.subs(m, sp.sqrt(u)))
        if any(p.base == u and not p.exp.is_integer for p in g.atoms(sp.Pow)):
            raise MeanFieldError(f"g(u) = {g} is not a function of u = r^2; the closed forms need F'(r)/r to be one")
        return g

    def _parameter(self, p) -> sp.Symbol:
        names = {s.name: s for s in self.F.free_symbols | {Delta} if s != m}
        if isinstance(p, str):
            if p not in names:
                raise MeanFieldError(f"`{p}` is not a parameter of this reduction; it has {sorted(names)}.")
            return names[p]
        if p not in names.values():
            raise MeanFieldError(f"`{p}` is not a parameter of this reduction; it has {sorted(names)}.")
        return p

    def critical(self, parameter) -> dict | None:
        """The onset of synchrony (retrieval): :math:`g(0) = 0`, solved for ``parameter``."""
        p = self._parameter(parameter)
        sol = [s for s in sp.solve(sp.Eq(self.growth.subs(u, 0), 0), p, dict=True) if s[p].is_positive is not False]
        return sol[0] if sol else None

    def tricritical(self, first, second) -> dict | None:
        """Where the onset turns first order: :math:`g(0) = g'(0) = 0`."""
        a, b = self._parameter(first), self._parameter(second)
        g = self.growth
        sol = sp.solve([g.subs(u, 0), sp.diff(g, u).subs(u, 0)], [a, b], dict=True)
        sol = [s for s in sol if all(v.is_positive is not False for v in s.values())]
        return sol[0] if sol else None

    def saddle_node(self, parameter) -> list[dict]:
        """The saddle-node line: :math:`g(u) = g'(u) = 0`, solved for ``parameter`` and :data:`u` (each root
        ``{parameter: value, u: u*}``; only roots with :math:`0 < u^* < 1` matter where parameters are given)."""
        p = self._parameter(parameter)
        g = self.growth
        sols = sp.solve([g, sp.diff(g, u)], [p, u], dict=True)
        return [{k: sp.simplify(v) for k, v in s.items()} for s in sols]

    def fixed_points(self, **values) -> list[dict]:
        """The fixed points ``r`` at numeric parameter values: ``r = 0`` and every root of ``g(u) = 0`` in ``(0, 1)``,
        each ``{"r", "stable"}`` (stable: :math:`d\\dot r/dr < 0`)."""
        for k, v in values.items():
            try:
                ok = math.isfinite(float(v))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise MeanFieldError(f"Parameter `{k}` must be a finite number; got {v!r}.")
        subs = {self._parameter(k): sp.nsimplify(v) for k, v in values.items()}
        g = sp.expand(self.growth.subs(subs))
        if g.free_symbols - {u}:
            raise MeanFieldError(f"give values for {sorted(s.name for s in g.free_symbols - {u})}.")
        g0 = g.subs(u, 0)
        out = [{"r": 0.0, "stable": bool(g0 < 0)}]
        for root in sp.Poly(g, u).nroots(n=30) if g.has(u) else []:
            if root.is_real and 0 < root < 1:
                slope = 2 * root * sp.diff(g, u).subs(u, root)  # d(r g)/dr = g + 2u g'(u) = 2u g' at a root
                out.append({"r": float(sp.sqrt(root)), "stable": bool(slope < 0)})
        return sorted(out, key=lambda d: d["r"])

    @property
    def approximation(self) -> str:
        return APPROXIMATION
