r"""Phase diagrams of a mean-field theory over a grid of two parameters, vectorised.

At every grid point the stationary points of :math:`f(m) = -F(m) + T I(m)` are the roots of
:math:`g(h) = T h - F'(\Lambda'(h))` in the field :math:`h > 0` (:mod:`theory.mean_field`); :func:`phase_grid`
samples :math:`g` on a log grid of :math:`h` for all grid points at once (kernels compiled from the theory's
expressions by :func:`numerics.compile`, every parameter an array), finds the sign changes, and classifies each
point by its stable states:

- ``0`` disordered: only :math:`m = 0` is stable;
- ``1`` ordered: :math:`m = 0` is unstable, a memory (:math:`m > 0`) is stable;
- ``2`` bistable, the memory the global minimum (the disordered state metastable);
- ``3`` bistable, the disordered state the global minimum (memories metastable).

A root where :math:`g` rises is a stable state (:math:`f'' > 0`), where it falls an unstable one; :math:`m = 0` is
stable where :math:`T/\Lambda''(0) - F''(0) > 0`. Roots are bracketed on the grid of :math:`h` and refined by
bisection, every grid point at once;
the exact transition values at one point are :meth:`theory.mean_field.MeanField.transitions`' (mpmath).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._checks import require

__all__ = ["PhaseGrid", "phase_grid", "PHASES"]

#: the labels of :attr:`PhaseGrid.phase`
PHASES = ("disordered", "ordered", "bistable, memory global", "bistable, memory metastable")


@dataclass(frozen=True)
class PhaseGrid:
    """A classified grid: ``phase[i, j]`` at ``y[i]``, ``x[j]`` (codes in :data:`PHASES`), the best memory's overlap
    ``m`` (0 where there is none) and its free energy ``f`` relative to the disordered state."""

    theory: object
    x_name: str
    x: np.ndarray
    y_name: str
    y: np.ndarray
    fixed: dict
    phase: np.ndarray
    m: np.ndarray
    f: np.ndarray

    def figure(self, title: str | None = None):
        """The phase diagram: the four regions, the derived continuous line (the :math:`m^2` coefficient's zero) and
        the tricritical point where the theory has them."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import ListedColormap

        fig, ax = plt.subplots(figsize=(5.6, 4.2))
        cmap = ListedColormap(["#f0f0f0", "#4c72b0", "#8fb3de", "#e6a157"])
        ax.pcolormesh(self.x, self.y, self.phase, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest")
        for code, label in enumerate(PHASES):
            ax.plot([], [], "s", color=cmap(code), label=label)
        mf = self.theory
        xs, ys = sp.Symbol(self.x_name), sp.Symbol(self.y_name)
        named = {p.name: p for p in mf.parameters}
        crit = mf.critical(named[self.x_name])
        if crit is not None:
            line = sp.lambdify(named[self.y_name], crit[named[self.x_name]].subs({named[k]: v for k, v in self.fixed.items()}), "numpy")
            xc = np.broadcast_to(np.asarray(line(self.y), dtype=float), self.y.shape)
            ax.plot(xc, self.y, "k-", lw=1.2, label="continuous transition (derived)")
        tri = mf.tricritical(named[self.x_name], named[self.y_name]) if self.x_name != self.y_name else None
        if tri is not None:
            pt = {k: float(sp.sympify(v).subs({named[n]: val for n, val in self.fixed.items()})) for k, v in tri.items()}
            if str(xs) in {str(k) for k in pt} and str(ys) in {str(k) for k in pt}:
                ax.plot([pt[named[self.x_name]]], [pt[named[self.y_name]]], "r*", ms=12, label="tricritical point (derived)")
        own = getattr(mf, "temperature_name", "T")
        label = {"T": own}
        ax.set(xlabel=label.get(self.x_name, self.x_name), ylabel=label.get(self.y_name, self.y_name), xlim=(self.x[0], self.x[-1]), ylim=(self.y[0], self.y[-1]))
        ax.set_title(title or f"{mf.model or 'F = ' + str(mf.F)} on {mf.site.name} sites; " + ", ".join(f"{label.get(k, k)} = {v:g}" for k, v in self.fixed.items()), fontsize=9)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        return fig


def _kernels(mf):
    """``g``, ``m`` and ``f`` along ``h``, and the disordered state's curvature ``T / Lambda''(0) - F''(0)``, with every
    parameter a vector (one entry per sample), compiled by :func:`numerics.compile`."""
    from theory.mean_field import T, h, m
    from theory.vector import Vector, size_symbol

    from .codegen import compile as compile_kernel

    S = size_symbol("S")
    vec = {p: Vector(f"p_{p.name}", S) for p in mf.parameters}
    hv = Vector("h", S)
    mh = mf.site.mean
    g = T * h - sp.diff(mf.F, m).subs(m, mh)
    f = -mf.F.subs(m, mh) + T * (h * mh - mf.site.cgf)
    curvature = T / sp.limit(sp.diff(mh, h), h, 0) - sp.limit(sp.diff(mf.F, m, 2), m, 0, "+")
    sub = {**vec, h: hv}
    along = compile_kernel([e.xreplace(sub) for e in (g, mh, f)])
    # the curvature may not depend on every parameter: add 0 * each so the kernel takes them all
    zero = compile_kernel((curvature + sum(0 * p for p in mf.parameters)).xreplace(vec) + 0 * Vector("p_T", S))
    return along, zero


def phase_grid(mf, x: tuple, y: tuple, h_max: float = 40.0, h_points: int = 200, **fixed) -> PhaseGrid:
    """Classify a ``len(y) x len(x)`` grid of the theory ``mf`` (a :class:`theory.mean_field.MeanField`).

    Parameters
    ----------
    x, y : tuple
        ``(name, lo, hi, n)``: the parameter along each axis (``"T"`` or one of ``F``'s), its range and count.
    h_max, h_points : float, int
        The field's log grid ``1e-4 .. h_max``, where the roots are looked for.
    **fixed
        Values of every other parameter.

    Examples
    --------
    >>> import sympy as sp
    >>> from theory.mean_field import MeanField, m
    >>> K, C = sp.symbols("K C", positive=True)
    >>> grid = phase_grid(MeanField(K * m**2 / 2 + C * m**4 / 4, "phase"), ("K", 1.0, 3.0, 41), ("C", 0.0, 3.0, 31), T=1.0)
    >>> int(grid.phase[0, 0]), int(grid.phase[0, -1])  # C = 0: disordered at K = 1, ordered at K = 3 (onset K = 2T)
    (0, 1)
    """
    alias = getattr(mf, "temperature_name", "T")  # the model's own name for the temperature (D for oscillators)
    if alias != "T":
        x = (("T",) + tuple(x[1:])) if isinstance(x, tuple) and x and x[0] == alias else x
        y = (("T",) + tuple(y[1:])) if isinstance(y, tuple) and y and y[0] == alias else y
        fixed = {("T" if k == alias else k): v for k, v in fixed.items()}
    names = [p.name for p in mf.parameters]
    axes = []
    for label, spec in (("x", x), ("y", y)):
        require(isinstance(spec, tuple) and len(spec) == 4 and spec[0] in names,
                f"Argument `{label}` must be (name, lo, hi, n) with name one of {names}; got {spec!r}.")
        name, lo, hi, n = spec
        require(isinstance(n, int) and 2 <= n <= 2000 and np.isfinite([lo, hi]).all() and hi > lo,
                f"Argument `{label}` = {spec!r}: need lo < hi (finite) and an integer count 2..2000.")
        if name == "T":
            require(lo > 0, f"Argument `{label}`: the temperature must stay > 0; got lo = {lo}.")
        axes.append((name, np.linspace(float(lo), float(hi), n)))
    (xn, xv), (yn, yv) = axes
    require(xn != yn, "Arguments `x` and `y` must name two different parameters.")
    missing = sorted(set(names) - {xn, yn} - set(fixed))
    require(not missing, f"Missing value(s) for {missing}.")
    unknown = sorted(set(fixed) - set(names))
    require(not unknown, f"Unknown parameter(s) {unknown}; the theory has {names}.")
    require(isinstance(h_points, int) and h_points >= 50 and h_max > 1, "Arguments `h_max` > 1 and `h_points` >= 50 (integer).")
    along, zero = _kernels(mf)
    hs = np.geomspace(1e-4, h_max, h_points)
    Y, X = np.meshgrid(yv, xv, indexing="ij")
    values = {xn: X.ravel(), yn: Y.ravel()} | {k: np.full(X.size, float(v)) for k, v in fixed.items()}
    G = X.size
    zero_stable = np.asarray(zero(**{f"p_{k}": v for k, v in values.items() if f"p_{k}" in zero.arg_names})) > 0
    phase = np.zeros(G, dtype=np.int8)
    best_m = np.zeros(G)
    best_f = np.zeros(G)
    chunk = max(1, 400_000 // h_points)
    for start in range(0, G, chunk):
        sl = slice(start, min(G, start + chunk))
        n = sl.stop - sl.start
        part = {f"p_{k}": v[sl] for k, v in values.items()}
        gv, _, _ = (np.asarray(a).reshape(n, h_points) for a in along(h=np.tile(hs, n), **{k: np.repeat(v, h_points) for k, v in part.items()}))
        rising = (gv[:, :-1] < 0) & (gv[:, 1:] >= 0)  # g rises through 0: a stable state (f'' > 0)
        any_rise = rising.any(1)
        # the memory: the largest rising root (the deepest ordered state lies at the largest field)
        j = np.where(any_rise, h_points - 2 - np.argmax(rising[:, ::-1], axis=1), 0)
        rows = np.arange(n)
        lo, hi, g_lo, g_hi = hs[j], hs[j + 1], gv[rows, j], gv[rows, j + 1]
        for _ in range(30):  # bisection on every bracket at once (30 halvings: 1e-9 of the bracket)
            mid = (lo + hi) / 2
            g_mid = np.asarray(along(h=mid, **part)[0])
            left = (g_mid >= 0)
            hi, g_hi = np.where(left, mid, hi), np.where(left, g_mid, g_hi)
            lo, g_lo = np.where(left, lo, mid), np.where(left, g_lo, g_mid)
        _, m_r, f_r = (np.asarray(a) for a in along(h=(lo + hi) / 2, **part))
        zs = zero_stable[sl]
        phase[sl] = np.where(~any_rise, 0, np.where(~zs, 1, np.where(f_r < 0, 2, 3)))
        best_m[sl] = np.where(any_rise, m_r, 0.0)
        best_f[sl] = np.where(any_rise, f_r, 0.0)
    shape = (len(yv), len(xv))
    return PhaseGrid(mf, xn, xv, yn, yv, dict(fixed), phase.reshape(shape), best_m.reshape(shape), best_f.reshape(shape))
