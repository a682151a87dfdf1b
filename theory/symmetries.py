r"""Continuous symmetries of an energy: the global phase of oscillator layers.

A periodic (phase) layer whose energy depends on the states only through pattern overlaps
:math:`m_\mu = N^{-1}\sum_j e^{i(\theta_j - \xi_j^\mu)}` and their moduli is invariant under the global rotation
:math:`\theta \to \theta + c\,\mathbf 1`.  Every fixed point then lies on a circle of fixed points, the energy Hessian
has the zero mode :math:`\mathbf 1` there, and a memory is retrieved only up to a global phase — as the softmax
Lagrangian's Hessian has the zero mode :math:`\mathbf 1` (its certificate reports it).

Notes
-----
The proof is exact for symbolic sizes: shift the activation by a scalar ``c`` inside every harmonic
(``cos(k(phi + c))`` expanded by the angle-sum rules), pull ``cos kc`` and ``sin kc`` out of every matrix product
(they are scalars), replace each product ``W @ cos(k phi)``, ``W @ sin(k phi)`` by an opaque symbol, and put
:math:`\cos c = (1-t^2)/(1+t^2)`, :math:`\sin c = 2t/(1+t^2)`: the difference of the two energies is then a rational
function whose cancellation to 0 proves the symmetry for every ``c``, every size and every pattern.  Where it does not
cancel, the energy is evaluated at ``N = 3`` at a seeded point (mpmath, 30 digits): a nonzero difference refutes the
symmetry with that counterexample; otherwise it stays undecided.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .budget import BUDGET, attempt
from .vector import MatTVec, MatVec, VSum

__all__ = ["Symmetry", "global_phase"]


@dataclass(frozen=True)
class Symmetry:
    """A continuous symmetry of the energy in one layer's states, with a three-valued verdict.

    Parameters
    ----------
    layer : str
    generator : str
        The direction of the symmetry (``"1"``: the global shift of every phase).
    verdict : bool or None
        Proved (True), refuted with ``counterexample`` (False), undecided (None).
    reason : str
    counterexample : dict, optional
    """

    layer: str
    generator: str
    verdict: bool | None
    reason: str
    counterexample: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.verdict not in (True, False, None):
            raise ValueError(f"Symmetry `verdict` must be True, False or None; got {self.verdict!r}.")
        if self.verdict is False and self.counterexample is None:
            raise ValueError("a refuted symmetry needs a counterexample")

    @property
    def status(self) -> str:
        return {True: "proved", False: "refuted", None: "undecided"}[self.verdict]

    @property
    def zero_mode(self) -> str | None:
        """The zero mode of the energy Hessian at every fixed point, where the symmetry is proved."""
        return f"{self.generator} (global phase of `{self.layer}`)" if self.verdict else None

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "generator": self.generator, "status": self.status, "reason": self.reason,
                "zero_mode": self.zero_mode, "counterexample": self.counterexample}

    def _repr_markdown_(self) -> str:
        return f"**{self.status}**: E(θ + c·{self.generator}) = E(θ) for layer `{self.layer}` — {self.reason}"


def _symbolic(energy: sp.Expr, g) -> bool:
    c = sp.Dummy("c", real=True)
    t = sp.Dummy("t", real=True)
    shifted = sp.expand_trig(energy.xreplace({g: g + c}))
    nodes = {n for e in (shifted, energy) for n in e.atoms(MatVec, MatTVec, VSum) if n.has(g)}
    # innermost products first: a VSum over the layer of a harmonic is itself one opaque overlap
    def innermost(n) -> bool:
        return not any(o is not n and o in nodes for o in sp.preorder_traversal(n))

    opaque = {n: sp.Dummy(f"o{i}") for i, n in enumerate(sorted((n for n in nodes if innermost(n)), key=str))}
    diff = shifted.xreplace(opaque) - energy.xreplace(opaque)
    if diff.has(g):
        return False
    diff = diff.xreplace({sp.cos(c): (1 - t**2) / (1 + t**2), sp.sin(c): 2 * t / (1 + t**2)})
    diff = sp.expand_trig(diff).xreplace({sp.cos(c): (1 - t**2) / (1 + t**2), sp.sin(c): 2 * t / (1 + t**2)})
    return not diff.has(c) and sp.cancel(sp.together(diff)) == 0


def global_phase(model, layer: str, seed: int = 0) -> Symmetry:
    r"""Decide whether ``model``'s energy is invariant under :math:`\theta \to \theta + c\,\mathbf 1` on ``layer``.

    Parameters
    ----------
    model : EnergyModel
    layer : str
        A periodic (phase) layer of ``model``.
    seed : int
        Seeds the concrete-size counterexample search.

    Returns
    -------
    Symmetry
        Proved for symbolic sizes, refuted with a counterexample at ``N = 3``, or undecided (never guessed).
    """
    lay = model.layer(layer)
    if not lay.periodic:
        from .layers import ModelError

        raise ModelError(f"Argument `layer`: the global-phase symmetry concerns a periodic (phase) layer; `{layer}` is not one.")
    energy = model.interaction
    done, ok = attempt(BUDGET["seconds"], "global-phase symmetry", _symbolic, energy, lay.g)
    if done and ok:
        return Symmetry(layer, "1", True, "E(theta + c 1) - E(theta) cancels exactly for every c, size and pattern "
                        "(the overlaps rotate by e^{ic} and the energy depends on their moduli)")
    from . import concrete

    rng = random.Random(seed)
    sizes = {s: 3 for s in model.sizes}
    c = sp.Rational(7, 10)
    try:
        E = concrete.expand(model.energy, sizes)
        comps = concrete.components(lay.state, sizes)
        point = {s: sp.Rational(rng.randint(-30, 30), 11) for s in E.free_symbols}
        for p in model.parameters:
            if p.name in model.defaults:
                point[p] = sp.nsimplify(model.defaults[p.name])
        shifted = E.xreplace({x: x + c for x in comps})
        d = sp.N((shifted - E).xreplace(point), 30)
    except Exception as exc:  # noqa: BLE001 - the concrete route is evidence; say why it failed
        why = "the exact cancellation did not finish" if not done else "the exact cancellation left a remainder"
        return Symmetry(layer, "1", None, f"{why}, and the energy could not be evaluated at N = 3 ({type(exc).__name__})")
    if d.is_number and abs(d) > 1e-20:
        return Symmetry(layer, "1", False, f"at N = 3 the shift by c = {c} changes the energy by {float(d):.3g}",
                        {"N": 3, "c": str(c), "difference": float(d), "point": {str(k): str(v) for k, v in point.items()}})
    why = "the exact cancellation did not finish within its budget" if not done else "the exact cancellation left a remainder"
    return Symmetry(layer, "1", None, f"{why}; at N = 3 at one seeded point the energy did not change, which is evidence, not proof")
