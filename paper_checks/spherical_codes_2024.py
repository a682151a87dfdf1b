"""Hu, Wu, Liu (NeurIPS 2024), "Provably Optimal Memory Capacity for Modern Hopfield Models ... Spherical Codes"."""

from __future__ import annotations

import sympy as sp

from theory import spherical_codes as sc

from .claim import Result, claim

PAPER = "Hu, Wu, Liu 2024"

#: Best known (for M <= 14 and M = 24 proven) minimal angles, in degrees, of M points on the sphere in d = 3
#: (the Tammes problem), M = 4..50 and 55..130 in steps of 5: the table of N. J. A. Sloane's spherical packings
#: (with Hardin and Smith) as used by the official code of Hu, Wu & Liu (bound_simulation.py, repository
#: MAGICS-LAB/Optimal-Hopfield-Memory). Proofs: M = 5-9 Schuette & van der Waerden (1951), 10-11 Danzer (1963),
#: 12 Fejes Toth (1943), 13 Musin & Tarasov (2012), 14 Musin & Tarasov (2015), 24 Robinson (1961).
_ANGLES = [
    109.4712206, 90.0000000, 90.0000000, 77.8695421, 74.8584922, 70.5287794, 66.1468220, 63.4349488, 63.4349488,
    57.1367031, 55.6705700, 53.6578501, 52.2443957, 51.0903285, 49.5566548, 47.6919141, 47.4310362, 45.6132231,
    44.7401612, 43.7099642, 43.6907671, 41.6344612, 41.0376616, 40.6776007, 39.3551436, 38.7136512, 38.5971159,
    37.7098291, 37.4752140, 36.2545530, 35.8077844, 35.3198076, 35.1897322, 34.4224080, 34.2506607, 33.4890466,
    33.1583563, 32.7290944, 32.5063863, 32.0906244, 31.9834230, 31.3230814, 30.9591635, 30.7818159, 30.7627855,
    29.9235851, 29.7529564, 28.2627914, 27.1928300, 26.0698299, 25.1709200, 24.3017225, 23.5530672, 22.7791621,
    22.1540232, 21.5945501, 21.0312020, 20.5388524, 20.1113276, 19.6239931, 19.3240201, 18.8448151, 18.5103522,
]
_M = list(range(4, 51)) + list(range(55, 131, 5))
TAMMES_DEG = dict(zip(_M, _ANGLES, strict=True))


@claim(
    id="HU-2", role="identity", paper=PAPER, source="Prop. 3.1 (official code bound_simulation.py)", kind="numeric",
    statement="The lower and upper bounds on the minimal separation of an optimal spherical code bracket the 63 best known Tammes codes in d = 3 (M = 4..130).",
    expected={"violations": 0}, tolerance="0 violations", tolerance_reason="rigorous bounds; inputs are exact optima",
)
def hu_2(p, seed):
    lo, hi = sc.lower_bound().subs(sc.d, 3), sc.upper_bound().subs(sc.d, 3)
    rows, bad = {}, 0
    for m, ang in TAMMES_DEG.items():
        delta = float(sp.N(sc.separation_from_angle(sp.Float(ang, 15))))
        low, up = float(sp.N(lo.subs(sc.M, m))), float(sp.N(hi.subs(sc.M, m)))
        rows[str(m)] = [round(low, 5), round(delta, 5), round(up, 5)]
        bad += not (low <= delta <= up)
    return Result({"violations": bad, "checked": len(rows), "M: [lower, Delta, upper]": rows}, bad == 0, f"{len(rows)} optimal codes, M = 4..130")
