r"""Finite-load capacity of phase-oscillator memories :math:`E = -N\sum_\mu F(|m_\mu|)`, derived from ``F``.

:func:`phase_capacity_law` (also reached through :func:`theory.capacity_law` for a model with one layer of phases)
reads ``F`` off the model, as :class:`theory.MeanField` does, and derives for i.i.d. uniform-phase patterns at zero
noise how many patterns a network of ``N`` oscillators retrieves.

How it works
------------
A pattern :math:`\mu` pulls oscillator ``i`` with the torque :math:`F'(r_\mu)\sin(\psi_\mu - \phi^\mu_i)`, where
:math:`m_\mu = r_\mu e^{i\psi_\mu}` and :math:`\phi^\mu_i = \theta_i - \xi^\mu_i`. At a stored pattern the pattern
itself restores a displaced unit with at most :math:`F'(1)` (the *signal*); every other pattern has an overlap
:math:`S/N`, ``S`` a sum of ``N - 1`` uniform phasors, and adds a torque of mean 0 and variance
:math:`v_1 = \tfrac12\mathbb E[F'(|S|/N)^2]`, exact in ``N`` from :func:`theory.moments.phasor_moment` when
:math:`F'(r)^2` is a polynomial in :math:`r^2` (every ``F`` polynomial in :math:`|m|^2`). Two capacities follow.

* **Every unit kept** (:attr:`PhaseCapacityLaw.k_max`): a unit has a fixed point near its pattern phase while its
  crosstalk torque stays below the signal; with a Gaussian crosstalk of variance :math:`(P-1)v_1`,
  :math:`N\,P(|\eta| > F'(1)) = 1` gives :math:`P = 1 + F'(1)^2/(2 v_1 \mathrm{erfc}^{-1}(1/N)^2)`,
  :math:`\sim F'(1)^2/(2 v_1 \ln N)`.
* **The retrieval branch** (:attr:`PhaseCapacityLaw.k_collective`, :meth:`PhaseCapacityLaw.branch`): each unit
  settles where :math:`F'(r)\sin\phi = \eta` with :math:`\eta \sim \mathcal N(0, \sigma^2)`,
  :math:`\sigma^2 = P v_1`, so :math:`r = \mathbb E\cos\phi = g(\sigma/F'(r))` with
  :math:`g(u) = \mathbb E_z[\sqrt{1 - u^2 z^2};\ |uz| < 1]` (a unit with no fixed point counted as 0). The branch
  is the largest root of :math:`F'(r)\,g^{-1}(r) = \sigma`; it ends at :math:`\sigma_c = \max_r F'(r) g^{-1}(r)`,
  so :math:`P_c = \sigma_c^2/v_1` -- no :math:`\ln N`. The substitution :math:`t = \sin\vartheta` gives
  :math:`\int_{-1}^{1}\sqrt{1-t^2}\,e^{-a t^2}dt = \tfrac{\pi}{2}e^{-a/2}(I_0(a/2) + I_1(a/2))`, hence
  :math:`g(u) = \sqrt{\pi/8}\,u^{-1} e^{-b}(I_0(b) + I_1(b))` with :math:`b = 1/(4u^2)` (tested against quadrature).

Both treat the crosstalk as a static Gaussian field: they neglect its response to the units' displacements (the
Onsager reaction). That response is a random coupling of the displacements of the same order as the crosstalk itself
(its norm grows as :math:`\sqrt{P v_1}` relative to the stiffness), so the *exponent* of each law in ``N`` is exact
while its constant is approximate; for pairwise coupling the other patterns are moreover soft directions of a stored
pattern, and near the branch's end retrieval degrades slowly in time. The approximation text says so, and the paper
checks KUR-9/KUR-10 measure the exponent, reporting the constant.

References
----------
.. [1] ../shared/reference/temperature_oscillators_icd.md, section 2 "Finite load" [derived]: crosstalk variance
   :math:`\approx K^2 P/N + c\,C^2 P/N^3`, pairwise :math:`P_{max}\propto N`, quartic :math:`\propto N^3`.
.. [2] Krotov & Hopfield, NeurIPS 2016, Sec. 2: the signal-to-noise capacity of binary memories, whose phase
   analogue this is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import mpmath as mp
import sympy as sp

from .budget import simplify
from .capacity import CapacityError
from .moments import MAX_DEGREE, phasor_moment

__all__ = ["PhaseCapacityLaw", "PhaseCapacityError", "phase_capacity_law", "alignment", "N", "P"]

N = sp.Symbol("N", positive=True)
#: the number of stored patterns (``P``, not ``K``: the Kuramoto model's pairwise coupling is called ``K``)
P = sp.Symbol("P", positive=True)
_n = sp.Symbol("n", positive=True)

APPROXIMATION = (
    "i.i.d. uniform-phase patterns, zero noise; the crosstalk of the other patterns is a static Gaussian torque "
    "(central limit over patterns) with its exact variance in N (up to the unit's own O(1/N) term); its response to "
    "the units' displacements (the Onsager reaction) is neglected: that response is of the same order in P and N, so "
    "the exponent of the law in N is exact and its constant approximate (for pairwise coupling the other patterns are "
    "also soft directions at a stored pattern, and near the branch's end retrieval decays slowly in time)"
)


def alignment(u):
    r""":math:`g(u) = \mathbb E_z[\sqrt{1 - u^2 z^2};\ |uz| < 1]`, ``z`` standard normal: the mean :math:`\cos\phi` of a
    unit whose torque balance :math:`\sin\phi = u z` has a solution (mpmath, any ``u > 0``; ``g(0) = 1``).

    Notes
    -----
    :math:`g(u) = \sqrt{\pi/8}\,u^{-1}e^{-b}(I_0(b) + I_1(b))`, :math:`b = 1/(4u^2)` (module notes). For large ``b``
    the exponentially scaled form :math:`e^{-b}I_\nu(b)` is what mpmath evaluates: no overflow.
    """
    u = mp.mpf(u)
    if u < 0 or not mp.isfinite(u):
        raise ValueError(f"Argument `u` must be a finite number >= 0; got {u}.")
    if u == 0:
        return mp.mpf(1)
    b = 1 / (4 * u**2)
    return mp.sqrt(mp.pi / 8) / u * mp.exp(-b) * (mp.besseli(0, b) + mp.besseli(1, b))


def _alignment_inverse(r):
    """``u`` with ``g(u) = r`` for ``0 < r < 1`` (``g`` decreases from 1 to 0)."""
    lo, hi = mp.mpf(0), mp.mpf(1)
    while alignment(hi) > r:
        hi *= 2
    return mp.findroot(lambda u: alignment(u) - r, (lo, hi), solver="anderson")


class PhaseCapacityError(CapacityError):
    """The model or ``F`` is outside what the finite-load phase theory derives."""


@dataclass(frozen=True)
class PhaseCapacityLaw:
    r"""The derived finite-load capacity of a phase-oscillator memory :math:`E = -N\sum_\mu F(|m_\mu|)` (module notes).

    Parameters
    ----------
    F : sympy.Expr
        Extensive, in :data:`theory.mean_field.m` (the overlap modulus) and parameters; a polynomial in ``m**2``.
    model : str
        The model it was read from ("" for an ``F`` given directly).

    Attributes
    ----------
    signal : ``F'(1)``, the largest torque by which a stored pattern restores a displaced unit
    pattern_variance : ``v_1``, the crosstalk variance one other pattern adds (exact in ``N``)
    noise_variance : ``(P - 1) v_1``
    k_max, k_max_asymptotic : every unit kept (``N P_error = 1``) and its leading order
    k_collective, k_collective_asymptotic : the end of the retrieval branch ``sigma_c^2 / v_1`` (numeric ``sigma_c``)
    scaling : :class:`theory.capacity.Scaling` of ``k_collective`` (``k_max`` has the same exponent and ``1/ln N``)

    Examples
    --------
    >>> from theory.mean_field import m
    >>> law = PhaseCapacityLaw(m**4 / 4)  # quartic coupling only, C = 1
    >>> law.pattern_variance
    (N - 1)*(6*N**2 - 21*N + 19)/(2*N**6)
    >>> law.scaling.exponent
    3
    """

    F: sp.Expr
    model: str = ""

    def __post_init__(self) -> None:
        from .mean_field import m

        if not isinstance(self.F, sp.Expr) or m not in self.F.free_symbols:
            raise PhaseCapacityError(f"Argument `F` must be a SymPy expression in theory.mean_field.m; got {self.F!r}.")
        q = sp.expand(sp.diff(self.F, m) ** 2)
        if not q.is_polynomial(m) or any(e % 2 for (e,) in sp.Poly(q, m).monoms()):
            raise PhaseCapacityError(f"F = {self.F}: the exact crosstalk moments need F'(m)^2 to be a polynomial in m^2 (F a "
                                     "polynomial in |m|^2, as every overlap energy of phases built from |m_mu|^2 is)")
        if 2 * sp.Poly(q, m).degree() > MAX_DEGREE * 2:
            raise PhaseCapacityError(f"F = {self.F} has too high a degree for the exact phasor moments (F'^2 of degree <= {MAX_DEGREE})")

    @property
    def _m(self):
        from .mean_field import m

        return m

    @cached_property
    def torque(self) -> sp.Expr:
        """``F'(m)``: the largest torque a pattern of overlap modulus ``m`` exerts on one unit."""
        return sp.diff(self.F, self._m)

    @cached_property
    def signal(self) -> sp.Expr:
        """``F'(1)``."""
        return sp.simplify(self.torque.subs(self._m, 1))

    @cached_property
    def pattern_variance(self) -> sp.Expr:
        r"""``v_1 = E[F'(|S|/N)^2]/2``, ``S`` a sum of ``N - 1`` uniform phasors, exact (:func:`theory.moments.phasor_moment`)."""
        poly = sp.Poly(sp.expand(self.torque**2), self._m)
        total = sp.S.Zero
        for (e,), c in poly.terms():
            total += c * phasor_moment(_n, e // 2) / N**e
        return sp.factor(sp.expand(total.subs(_n, N - 1))) / 2

    @property
    def noise_variance(self) -> sp.Expr:
        return (P - 1) * self.pattern_variance

    def _signed(self, k: sp.Expr) -> sp.Expr:
        """``k`` where the signal ``F'(1)`` is positive; 0 where it is not (a stored pattern pushes its own units away, so
        nothing is retrieved: the square in ``k`` must not hide the sign); a ``Piecewise`` where it depends on the
        parameters."""
        if self.signal.is_positive:
            return k
        if self.signal.is_nonpositive:
            return sp.S.Zero
        return sp.Piecewise((k, self.signal > 0), (0, True))

    @property
    def k_max(self) -> sp.Expr:
        """``1 + F'(1)^2 / (2 v_1 erfinv(1 - 1/N)^2)``: ``N`` units each keep a fixed point with probability ``1 - 1/N``
        (0 unless ``F'(1) > 0``)."""
        return self._signed(1 + self.signal**2 / (2 * self.pattern_variance * sp.erfinv(1 - 1 / N) ** 2))

    @cached_property
    def _v_lead(self) -> sp.Expr:
        num, den = sp.fraction(sp.cancel(sp.together(self.pattern_variance)))
        pn, pd = sp.Poly(num, N), sp.Poly(den, N)
        return pn.LC() / pd.LC() * N ** (pn.degree() - pd.degree())

    @property
    def k_max_asymptotic(self) -> sp.Expr:
        """``F'(1)^2 / (2 v_1 ln N)`` at leading order (``erfinv(1 - 1/N)^2 ~ ln N``)."""
        return self._signed(sp.powsimp(simplify(self.signal**2 / self._v_lead, "asymptotic capacity"), force=True) / (2 * sp.log(N)))

    @cached_property
    def load_per_error(self) -> sp.Expr:
        r"""The small-load limit of :math:`P/(1 - r)` on the retrieval branch, derived: :math:`g(u) = 1 - u^2/2 + O(u^4)`
        (the series of :math:`\mathbb E\sqrt{1 - u^2 z^2}` with :math:`\mathbb E z^2 = 1`) and :math:`u = \sqrt{P v_1}/F'(1)`
        give :math:`1 - r = P v_1/(2F'(1)^2)`, so :math:`P/(1 - r) = 2F'(1)^2/v_1` (exact in ``N`` through ``v_1``)."""
        u, z, Pn = sp.symbols("u z P_n", positive=True)
        one_minus_g = -sp.series(sp.sqrt(1 - u**2 * z**2), u, 0, 3).removeO() + 1  # u^2 z^2 / 2
        one_minus_g = sp.expand(one_minus_g).subs(z**2, 1)  # E z^2 = 1
        one_minus_r = one_minus_g.subs(u, sp.sqrt(Pn * self.pattern_variance) / self.signal)
        return sp.simplify(Pn / one_minus_r)

    def _numeric_torque(self):
        free = self.F.free_symbols - {self._m}
        if free:
            raise PhaseCapacityError(f"the retrieval branch is numeric: give the parameters {sorted(str(s) for s in free)} values "
                                     "(PhaseCapacityLaw.subs or params=...)")
        return sp.lambdify(self._m, self.torque, "mpmath")

    @cached_property
    def sigma_critical(self) -> tuple[float, float]:
        r"""``(sigma_c, r_c)``: the largest crosstalk torque scale with a retrieval branch, and the overlap where it ends
        (maximum of :math:`F'(r) g^{-1}(r)` over ``0 < r < 1``, golden-section refined to ``1e-10``)."""
        tq = self._numeric_torque()
        if not tq(mp.mpf(1)) > 0:
            raise PhaseCapacityError(f"F'(1) = {self.signal} is not positive: a stored pattern does not restore its units, nothing is retrieved")
        with mp.workdps(20):
            def h(r):
                return tq(r) * _alignment_inverse(r)

            grid = [mp.mpf(i) / 200 for i in range(1, 200)]
            vals = [h(r) for r in grid]
            i = max(range(len(vals)), key=lambda j: vals[j])
            a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
            phi = (mp.sqrt(5) - 1) / 2
            while b - a > mp.mpf("1e-10"):
                c, d = b - phi * (b - a), a + phi * (b - a)
                a, b = (a, d) if h(c) > h(d) else (c, b)
            rc = (a + b) / 2
            return float(h(rc)), float(rc)

    @property
    def k_collective(self) -> sp.Expr:
        """``sigma_c^2 / v_1``: where the retrieval branch ends (``sigma_c`` a float, ``v_1`` exact in ``N``)."""
        return sp.Float(self.sigma_critical[0] ** 2, 15) / self.pattern_variance

    @property
    def k_collective_asymptotic(self) -> sp.Expr:
        return sp.Float(self.sigma_critical[0] ** 2, 15) / self._v_lead

    @cached_property
    def scaling(self):
        from .capacity import Scaling

        if self.signal.is_nonpositive:
            return Scaling("none", 0, 0, "F'(1) <= 0: a stored pattern pushes its own units away, nothing is retrieved")
        a = -sp.Poly(sp.fraction(sp.cancel(self._v_lead))[1], N).degree() + sp.Poly(sp.fraction(sp.cancel(self._v_lead))[0], N).degree()
        return Scaling("power", -a, 0, "Gaussian crosstalk, exact phasor moments: the branch ends at sigma_c^2/v_1 "
                       "(k_max, every unit kept, has the same exponent times 1/ln N)")

    def branch(self, P_value: float, N_value: float) -> float | None:
        r"""The overlap modulus on the retrieval branch with ``P_value`` patterns and ``N_value`` units (the largest root
        of :math:`F'(r) g^{-1}(r) = \sqrt{P v_1}`), or ``None`` beyond its end."""
        for name, v in (("P_value", P_value), ("N_value", N_value)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (v >= 1 and v < float("inf")):
                raise ValueError(f"Argument `{name}` must be a finite number >= 1; got {v!r}.")
        sigma = mp.sqrt(mp.mpf(P_value) * mp.mpf(str(sp.N(self.pattern_variance.subs(N, N_value), 30))))
        sc, rc = self.sigma_critical
        if sigma >= sc:
            return None
        tq = self._numeric_torque()
        lo, hi = mp.mpf(rc), mp.mpf(1)
        for _ in range(200):  # F' g^-1 decreases from sigma_c at r_c to 0 at r = 1
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if tq(mid) * _alignment_inverse(mid) > sigma else (lo, mid)
            if hi - lo < mp.mpf("1e-13"):
                break
        return float((lo + hi) / 2)

    @property
    def approximation(self) -> str:
        return APPROXIMATION

    def subs(self, **values) -> PhaseCapacityLaw:
        """The law at parameter values (e.g. ``K=0, C=1``), each checked against the parameter's assumptions."""
        from .capacity import _parameter_value

        table = {s.name: s for s in self.F.free_symbols - {self._m}}
        rep = {}
        for k, v in values.items():
            if k not in table:
                raise ValueError(f"Argument `{k}` is not a parameter of F = {self.F} (parameters: {sorted(table)}).")
            rep[table[k]] = _parameter_value(table[k], v)
        return PhaseCapacityLaw(self.F.xreplace(rep), self.model)

    def to_dict(self) -> dict:
        def ex(e):
            return {"str": str(e), "latex": sp.latex(e)}

        out = {"model": self.model, "F": ex(self.F), "patterns": "uniform_phase", "approximation": self.approximation,
               "signal": ex(self.signal), "pattern_variance": ex(self.pattern_variance), "noise_variance": ex(self.noise_variance),
               "k_max": ex(self.k_max), "k_max_asymptotic": ex(self.k_max_asymptotic), "scaling": self.scaling.to_dict()}
        if not self.F.free_symbols - {self._m}:
            sc, rc = self.sigma_critical
            out.update(sigma_critical=sc, r_critical=rc, k_collective=ex(self.k_collective),
                       k_collective_asymptotic=ex(self.k_collective_asymptotic))
        return out

    def _repr_latex_(self) -> str:
        rows = [(r"F(m)", self.F), (r"\text{signal } F'(1)", self.signal), (r"v_1", self.pattern_variance),
                (r"P_{max}", self.k_max), (r"P_{max} \sim", self.k_max_asymptotic)]
        body = r" \\ ".join(f"{name} &= {sp.latex(e)}" for name, e in rows)
        return r"$\begin{aligned}" + body + r"\end{aligned}$"


def phase_capacity_law(model, params: dict | None = None) -> PhaseCapacityLaw:
    """The finite-load law of a phase-oscillator model (a built-in such as ``"kuramoto"`` or any model with one layer of
    phases whose energy is an overlap energy), ``F`` read off as :meth:`theory.MeanField.from_model` reads it.

    Examples
    --------
    >>> import theory
    >>> law = phase_capacity_law(theory.builtin("kuramoto"), params={"K": 0, "C": 1})
    >>> law.k_max_asymptotic
    N**3/(6*log(N))
    """
    from .mean_field import MeanField, MeanFieldError
    from .model import EnergyModel

    if not isinstance(model, EnergyModel):
        raise TypeError(f"Argument `model` must be an EnergyModel (e.g. theory.builtin('kuramoto')); got {type(model).__name__}.")
    if not any(lay.periodic for lay in model.layers):
        raise PhaseCapacityError(f"model `{model.name}` has no layer of phases (lagrangian = \"phase\"); for binary states use theory.capacity_law")
    try:
        mf = MeanField.from_model(model, params=params)
    except MeanFieldError as exc:
        raise PhaseCapacityError(str(exc)) from None
    return PhaseCapacityLaw(mf.F, model.name)
