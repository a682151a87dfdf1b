r"""Relaxation of a layer driven by another that decays: the transient that decides recall from a cold start.

A hidden unit's input is driven by a visible signal that decays with time constant :math:`\tau_v` while the unit
itself relaxes with :math:`\tau_h`. SymPy solves the linear ODE and finds the peak; nothing is typed in.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["ratio", "hidden_rise_peak"]

#: :math:`r = \tau_v / \tau_h`
ratio = sp.Symbol("r", positive=True)


def hidden_rise_peak() -> sp.Expr:
    r"""Peak of an active hidden unit's input, as a fraction of its target, when the dynamics start at ``h = 0``.

    The visible signal a hidden unit sees decays as :math:`e^{-t/\tau_v}` while ``h`` rises from 0 with time
    constant :math:`\tau_h`: :math:`\tau_h \dot h = -h + e^{-t/\tau_v}`.  SymPy solves it (``dsolve``), finds the
    maximum and returns it as a function of :math:`r = \tau_v/\tau_h` -- :math:`r^{-1/(r-1)}`: 0.37 at
    :math:`r \to 1`, 1/2 at 2, 0.63 at 4.  Recall from ``h = 0`` needs the peak above :math:`\theta`.
    """
    t, tv, th = sp.symbols("t tau_v tau_h", positive=True)
    h = sp.Function("h")
    sol = sp.dsolve(sp.Eq(th * h(t).diff(t), -h(t) + sp.exp(-t / tv)), h(t), ics={h(0): 0}).rhs
    sol = sp.simplify(sol.xreplace({tv: ratio * th}))
    (t_star,) = sp.solve(sp.diff(sol, t), t)
    return sp.simplify(sp.powsimp(sp.simplify(sol.xreplace({t: t_star})), force=True))
