"""Neuron layers: a Lagrangian, a size and a time constant."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .budget import BUDGET, attempt
from .calculus import StructuredHessian, centre_sums, grad, hessian, hvp
from .certificate import Certificate, certify
from .lagrangians import Lagrangian
from .parsing import as_expression
from .vector import Vector, VSum, outer_nodes, size_symbol

__all__ = ["Layer", "ModelError"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")


class ModelError(ValueError):
    """An inconsistent model: unknown layer, size mismatch, missing symmetry, ..."""


def _check_name(what: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
        raise ModelError(f"{what} must be an ASCII identifier of at most 32 characters; got {name!r}.")
    return name


@dataclass(frozen=True)
class Layer:
    r"""A layer of neurons with state ``x`` (size ``N``), Lagrangian ``L`` and time constant ``tau``.

    Parameters
    ----------
    name : str
        Also the name of the state vector (``"v"``, ``"h"``).
    size : sympy.Symbol, int or str
        Number of neurons; a string becomes a positive-integer symbol.
    lagrangian : Lagrangian
        The layer's Lagrangian.
    tau : sympy.Expr, optional
        Time constant (default: a positive symbol ``tau_<name>``).
    activation : str, optional
        Name of the activation vector used in synapse energies (default ``g_<name>``).

    Notes
    -----
    .. math::

       g = \nabla L(x), \qquad E_{\text{layer}} = x^\top g - L(x), \qquad
       \nabla_x E_{\text{layer}} = \operatorname{Hess}L(x)\, x .

    References
    ----------
    .. [1] Krotov & Hopfield (2021), Eq. 2-3.
    """

    name: str
    size: sp.Expr
    lagrangian: Lagrangian
    tau: sp.Expr = None  # type: ignore[assignment]
    activation: str = ""
    defaults: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        _check_name("Layer `name`", self.name)
        size = size_symbol(self.size) if isinstance(self.size, str) else as_expression(self.size, f"Layer `{self.name}`: `size`")
        if not (size.is_integer and size.is_positive):
            raise ModelError(f"Layer `{self.name}`: `size` must be a positive integer or size symbol; got {self.size!r}.")
        object.__setattr__(self, "size", size)
        tau = sp.Symbol(f"tau_{self.name}", positive=True) if self.tau is None else as_expression(self.tau, f"Layer `{self.name}`: `tau`")
        if tau.is_positive is False or tau.is_zero:
            raise ModelError(f"Layer `{self.name}`: time constant `tau` must be positive; got {tau}.")
        object.__setattr__(self, "tau", tau)
        act = self.activation or f"g_{self.name}"
        _check_name(f"Layer `{self.name}` activation name", act)
        if act == self.name:
            raise ModelError(f"Layer `{self.name}`: the activation needs a name different from the state's.")
        object.__setattr__(self, "activation", act)
        if not isinstance(self.lagrangian, Lagrangian):
            raise ModelError(f"Layer `{self.name}`: `lagrangian` must be a Lagrangian; got {type(self.lagrangian).__name__}.")

    # -- symbols -------------------------------------------------------------
    @property
    def state(self) -> Vector:
        """The state vector ``x``."""
        return Vector(self.name, self.size)

    @property
    def g(self) -> Vector:
        """The activation as a symbol (what synapse energies are written in)."""
        return Vector(self.activation, self.size)

    # -- derived ---------------------------------------------------------------
    @cached_property
    def L(self) -> sp.Expr:  # noqa: N802 - the maths name
        """The Lagrangian in this layer's state."""
        return self.lagrangian.on(self.state)

    @cached_property
    def activation_expr(self) -> sp.Expr:
        """``g(x) = grad L``."""
        return grad(self.L, self.state)

    @property
    def periodic(self) -> bool:
        """Whether the states are phases on the circle (a :func:`theory.lagrangians.phase` layer): no Legendre term,
        no leak in the dynamics."""
        return self.lagrangian.periodic

    @cached_property
    def legendre(self) -> sp.Expr:
        """``x^T g(x) - L(x)`` (explicit in the state); ``0`` for a periodic layer.

        Sums of squared deviations that the linearity of ``VSum`` expanded are put back in their two-pass
        form (:func:`theory.calculus.centre_sums`) and the result brought over one denominator, so that a
        Lagrangian built on them cancels symbolically (layer norm: -N gamma epsilon / sigma) instead of
        in floating point.
        """
        if self.periodic:
            return sp.S.Zero
        leg = VSum(self.state * self.activation_expr, self.size) - self.L
        centred = centre_sums(leg)
        return sp.together(centred) if centred != leg else leg

    @cached_property
    def legendre_display(self) -> sp.Expr:
        """``x^T g - L(x)`` with ``g`` left as the activation symbol (``0`` for a periodic layer)."""
        if self.periodic:
            return sp.S.Zero
        return VSum(self.state * self.g, self.size) - self.L

    @cached_property
    def entrywise(self) -> sp.Expr | None:
        """``F(x)`` (a vector) when ``L = sum_i F(x_i)`` is additive, else ``None``."""
        terms = []
        for t in sp.Add.make_args(sp.expand(self.L, deep=False)):
            sums = [f for f in sp.Mul.make_args(t) if isinstance(f, VSum)]
            coeff = sp.Mul(*[f for f in sp.Mul.make_args(t) if not isinstance(f, VSum)])
            if len(sums) != 1 or outer_nodes(coeff) or not outer_nodes(sums[0].args[0]) <= {self.state}:
                return None
            terms.append(coeff * sums[0].args[0])
        return sp.Add(*terms) if terms else None

    @cached_property
    def sign_states(self) -> bool:
        """Whether the states are signs, ``{-1, +1}^N``: ``L = sum_i |x_i|``, so ``g = sign(x)``.

        Recognised by the Lagrangian's form, not its name: the catalogue's ``absolute``, a spec's
        ``{expr = "abs(x)"}`` or ``Piecewise`` spelling of it all qualify; a scaled ``a |x|`` (states ``+-a``) does
        not. Decided within the symbolic budget (``False`` when the comparison does not finish)."""
        F = self.entrywise
        if F is None:
            return False
        t = sp.Symbol("t", real=True)
        f = F.xreplace({self.state: t})
        if f.free_symbols != {t} or outer_nodes(f):
            return False
        done, diff = attempt(BUDGET["step_seconds"], "sign-layer test", lambda: sp.simplify(f - sp.Abs(t)))
        return bool(done and diff == 0)

    @cached_property
    def hessian(self) -> StructuredHessian:
        """Structured Hessian of ``L``."""
        return hessian(self.L, self.state)

    def hessian_times(self, u: sp.Expr) -> sp.Expr:
        """``Hess L(x) u`` as a vector expression."""
        return hvp(self.L, self.state, u)

    @cached_property
    def certificate(self) -> Certificate:
        """Three-valued PSD certificate of ``Hess L``."""
        defaults = {**self.lagrangian.defaults, **self.defaults}
        defaults = {sp.Symbol(k) if isinstance(k, str) else k: v for k, v in defaults.items()}
        by_name = {s.name: s for s in self.L.free_symbols}
        defaults = {by_name.get(getattr(k, "name", str(k)), k): v for k, v in defaults.items()}
        return certify(self.L, self.state, defaults)

    def _repr_latex_(self) -> str:
        return (
            f"$\\text{{layer }} {sp.latex(self.state)} \\in \\mathbb{{R}}^{{{sp.latex(self.size)}}},\\ "
            f"L = {sp.latex(self.L)},\\ {sp.latex(self.g)} = {sp.latex(self.activation_expr)}$"
        )
