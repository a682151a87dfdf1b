"""Hu, Wu, Liu (NeurIPS 2024), "Provably Optimal Memory Capacity for Modern Hopfield Models ... Spherical Codes"."""

from __future__ import annotations

import sympy as sp

from theory import spherical_codes as sc

from .claim import Result, claim

PAPER = "Hu, Wu, Liu 2024"

#: Proven optimal minimal angles (degrees) of the Tammes problem in d = 3, typed in with their sources.
#: M=4 regular tetrahedron (arccos(-1/3)); M=5,6 (90 deg) and M=7,8,9: Schuette & van der Waerden (1951);
#: M=10, 11: Danzer (1963/1986); M=12 icosahedron (Fejes Toth 1943); M=13: Musin & Tarasov (2012);
#: M=14: Musin & Tarasov (2015); M=24 snub cube: Robinson (1961).
TAMMES_DEG = {
    4: 109.4712206,
    5: 90.0,
    6: 90.0,
    7: 77.8695421,
    8: 74.8584922,
    9: 70.5287794,
    10: 66.1468220,
    11: 63.4349488,
    12: 63.4349488,
    13: 57.1367031,
    14: 55.6705700,
    24: 43.6907671,
}


@claim(
    id="HU-2", paper=PAPER, source="Prop. 3.1 (official code bound_simulation.py)", kind="numeric",
    statement="The lower and upper bounds on the minimal separation of an optimal spherical code bracket the proven Tammes optima in d = 3.",
    expected={"violations": 0}, tolerance="0 violations", tolerance_reason="rigorous bounds; inputs are exact optima",
    known_discrepancy=None,
)
def hu_2(p, seed):
    lo, hi = sc.lower_bound().subs(sc.d, 3), sc.upper_bound().subs(sc.d, 3)
    rows, bad = {}, 0
    for m, ang in TAMMES_DEG.items():
        delta = float(sp.N(sc.separation_from_angle(sp.Float(ang, 15))))
        low, up = float(sp.N(lo.subs(sc.M, m))), float(sp.N(hi.subs(sc.M, m)))
        rows[str(m)] = [round(low, 5), round(delta, 5), round(up, 5)]
        bad += not (low <= delta <= up)
    return Result({"violations": bad, "M: [lower, Delta, upper]": rows}, bad == 0,
                  "12 proven Tammes optima (M = 4..14, 24); the catalogue's full table M = 4..130 was not available offline")
