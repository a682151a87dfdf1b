r"""Learning objectives derived symbolically (gradients by :mod:`theory.calculus` and :mod:`theory.weight_gradients`).

Threshold model (Shafiei Kafraj, Krotov & Latham 2026, Eq. 16-17): for stored images ``v``,

.. math::

   \mathcal L(\xi, \theta) = \Big\lVert v - N_h^{-1/2}\,\xi^\top \sigma_b\big(\tfrac{\sqrt{N_h}}{N_v}\,\xi v - \theta\big)\Big\rVert^2,

with the step :math:`\Theta` replaced by a steep sigmoid :math:`\sigma_b(z) = \sigma(b z)` during training.
The threshold enters as a vector (one per hidden unit); a global threshold is the all-equal case, whose
gradient is the sum of the per-unit gradients.
"""

from __future__ import annotations

import sympy as sp

from .calculus import grad
from .vector import MatTVec, MatVec, Vector, VSum, Weight, sigmoid, size_symbol
from .weight_gradients import WeightGradient, weight_grad

__all__ = ["threshold_objective", "ThresholdObjective"]


class ThresholdObjective:
    r"""The loss, its weight gradient(s) (outer-product terms) and its threshold gradient, at symbolic sizes.

    With ``tied=False`` the readout uses its own feedback weights ``xi_v`` (the asymmetric ablation):
    :math:`\lVert v - N_h^{-1/2} \xi_v^\top \sigma_b(\tfrac{\sqrt{N_h}}{N_v} \xi v - \theta)\rVert^2`.
    """

    def __init__(self, tied: bool = True) -> None:
        self.tied = bool(tied)
        self.Nh, self.Nv = size_symbol("N_h"), size_symbol("N_v")
        self.xi = Weight("xi", self.Nh, self.Nv)
        self.xi_v = self.xi if self.tied else Weight("xi_v", self.Nh, self.Nv)
        self.v = Vector("v", self.Nv)
        self.theta = Vector("theta", self.Nh)
        self.b = sp.Symbol("b", positive=True)
        s = sigmoid(self.b * (sp.sqrt(self.Nh) / self.Nv * MatVec(self.xi, self.v) - self.theta))
        self.reconstruction = MatTVec(self.xi_v, s) / sp.sqrt(self.Nh)
        self.loss = VSum((self.v - self.reconstruction) ** 2, self.Nv)

    @property
    def weight_gradient(self) -> WeightGradient:
        """dL/dxi (through both uses of ``xi`` when tied)."""
        return weight_grad(self.loss, self.xi)

    @property
    def feedback_gradient(self) -> WeightGradient:
        """dL/dxi_v (untied only)."""
        if self.tied:
            raise ValueError("A tied objective has no separate feedback weights; use `weight_gradient`.")
        return weight_grad(self.loss, self.xi_v)

    @property
    def theta_gradient(self) -> sp.Expr:
        return grad(self.loss, self.theta)


def threshold_objective(tied: bool = True) -> ThresholdObjective:
    """The threshold model's reconstruction objective with its derived gradients (``tied=False``: separate feedback weights)."""
    return ThresholdObjective(tied)
