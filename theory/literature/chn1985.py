r"""The classical Hopfield network: claims ``CHN-*``.

- J. J. Hopfield, "Neural networks and physical systems with emergent collective computational abilities",
  PNAS 79, 2554 (1982): the Hebbian field without self-coupling.
- D. J. Amit, H. Gutfreund & H. Sompolinsky, "Storing infinite numbers of patterns in a spin-glass model of neural
  networks", Phys. Rev. Lett. 55, 1530 (1985): the zero-temperature retrieval equation
  :math:`\operatorname{erf}(y) = y(\sqrt{2\alpha} + \tfrac{2}{\sqrt\pi}e^{-y^2})`, written as the load curve
  :math:`\alpha(y)` and the overlap :math:`m(y)`.
- R. J. McEliece, E. C. Posner, E. R. Rodemich & S. S. Venkatesh, "The capacity of the Hopfield associative
  memory", IEEE Trans. Inf. Theory 33, 461 (1987): its :math:`N/(2\ln N)` is *derived* by
  :func:`theory.capacity_law`, not typed in here.
"""

from __future__ import annotations

import sympy as sp

from ..vector import MatTVec, MatVec, Vector, Weight

__all__ = ["y", "ags_alpha_of_y", "ags_overlap_of_y", "hebbian_field_zero_diagonal"]

#: the AGS variable :math:`y = m / \sqrt{2 \alpha r}` at zero temperature
y = sp.Symbol("y", positive=True)


def ags_alpha_of_y() -> sp.Expr:
    r"""Load :math:`\alpha(y) = \tfrac12\left(\operatorname{erf}(y)/y - 2e^{-y^2}/\sqrt\pi\right)^2`.

    The retrieval solution exists iff :math:`\alpha \le \max_y \alpha(y) = \alpha_c`.
    """
    return (sp.erf(y) / y - 2 * sp.exp(-(y**2)) / sp.sqrt(sp.pi)) ** 2 / 2


def ags_overlap_of_y() -> sp.Expr:
    """Retrieval overlap ``m = erf(y)`` on the solution branch."""
    return sp.erf(y)


def hebbian_field_zero_diagonal(sigma: Vector, xi: Weight) -> sp.Expr:
    """``(xi^T xi - K I) sigma``: the Hebbian field without self-coupling, for +-1 patterns (rows of ``xi``)."""
    return MatTVec(xi, MatVec(xi, sigma)) - xi.shape[0] * sigma
