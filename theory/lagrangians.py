r"""The Lagrangian catalogue.

A :class:`Lagrangian` is a scalar SymPy expression in the placeholder vector
:data:`X` (size :data:`NX`).  A layer substitutes its own state for ``X``; the
activation is :math:`g = \nabla L`, the Legendre term :math:`x^\top g - L`.

References
----------
.. [1] D. Krotov, J. Hopfield, "Large Associative Memory Problem in Neurobiology
   and Machine Learning", ICLR 2021, Eq. 1-4 and Sec. 3.
.. [2] B. Hoover et al., "Energy Transformer", NeurIPS 2023 (layer-norm Lagrangian).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from .budget import simplify as bounded_simplify
from .vector import LogSumExp, Vector, VSum, logcosh, norm, parameters, relu, size_symbol, softplus, vsize

__all__ = [
    "Lagrangian",
    "X",
    "NX",
    "T",
    "quadratic",
    "additive",
    "power",
    "rectified_power",
    "exponential",
    "tanh",
    "sigmoid",
    "relu_threshold",
    "absolute",
    "integral_of",
    "logsumexp",
    "spherical",
    "layernorm",
    "phase",
    "CATALOGUE",
    "by_name",
    "LagrangianError",
    "growth",
]

#: Placeholder size and vector that catalogue Lagrangians are written in.
NX = size_symbol("N")
X = Vector("x", NX)
#: The scalar entry variable for additive Lagrangians ``sum_i F(x_i)``.
T = sp.Symbol("x", real=True)


class LagrangianError(ValueError):
    """A Lagrangian that is not a scalar expression of its layer variable."""


@dataclass(frozen=True)
class Lagrangian:
    r"""A neuron layer's Lagrangian ``L(x)``.

    Parameters
    ----------
    expr : sympy.Expr
        Scalar expression in :data:`X` (every vector inside a reduction).
    name : str
        Catalogue name (or ``"custom"``).
    citation : str
        Where the form comes from.
    defaults : dict
        Default numeric values of the parameters (for kernels and searches).
    activation_name : str
        What the activation is called (``"softmax"``, ``"tanh"``, ...).
    periodic : bool
        The states are phases on the circle (see :func:`phase`): the layer adds no Legendre term to the energy,
        its dynamics are plain gradient descent :math:`\tau\dot\theta = -\partial E/\partial\theta`, and synapse
        energies may use its activation only through ``sin`` and ``cos`` of integer multiples.
    """

    expr: sp.Expr
    name: str = "custom"
    citation: str = ""
    defaults: dict = field(default_factory=dict, compare=False, hash=False)
    activation_name: str = ""
    periodic: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.expr, sp.Expr):
            raise LagrangianError(f"Lagrangian `expr` must be a SymPy expression; got {type(self.expr).__name__}.")
        n = vsize(self.expr)
        if n is not None:
            raise LagrangianError(
                f"Lagrangian `{self.name}` must be a scalar (wrap entrywise terms in a sum); "
                f"got a vector of size {n}: {self.expr}."
            )
        others = {v for v in self.expr.atoms(Vector) if v != X}
        if others:
            raise LagrangianError(
                f"Lagrangian `{self.name}` may depend only on its layer variable x; it also uses {sorted(map(str, others))}."
            )

    @property
    def parameters(self) -> set[sp.Symbol]:
        """Free parameters (``beta``, ``theta``, ...)."""
        return parameters(self.expr)

    def on(self, x: Vector) -> sp.Expr:
        """The Lagrangian written in the vector ``x``."""
        return self.expr.xreplace({X: x, NX: x.size})

    def rescaled(self, lam: sp.Expr) -> Lagrangian:
        r"""The Lagrangian of the rescaled variable ``y = x/lam``: :math:`\tilde L(y) = L(\lambda y)/\lambda^2`.

        Its activation is ``g(lam y)/lam`` and its Hessian ``Hess L(lam y)``, so
        convexity is preserved.
        """
        e = self.expr.xreplace({X: lam * X}) / lam**2
        if self.periodic:
            raise LagrangianError(f"Lagrangian `{self.name}`: phases cannot be rescaled (the period is fixed at 2 pi).")
        return Lagrangian(e, f"{self.name} (rescaled by {lam})", self.citation, dict(self.defaults), self.activation_name)

    def _repr_latex_(self) -> str:
        return "$L(x) = " + sp.latex(self.expr) + "$"


def _additive(F: sp.Expr, name: str, citation: str, defaults=None, act="") -> Lagrangian:
    return Lagrangian(VSum(F.xreplace({T: X}), NX), name, citation, defaults or {}, act)


def quadratic() -> Lagrangian:
    """``L = 1/2 sum x_i^2``: linear activation ``g = x``."""
    return _additive(T**2 / 2, "quadratic", "KH2021 Model B visible layer", act="identity")


def additive(F: sp.Expr, name: str = "additive", defaults: dict | None = None) -> Lagrangian:
    """``L = sum_i F(x_i)`` for a SymPy expression ``F`` in the entry variable :data:`T`."""
    if not isinstance(F, sp.Expr):
        raise LagrangianError(f"Argument `F` must be a SymPy expression in x; got {type(F).__name__}.")
    if F.atoms(Vector):
        raise LagrangianError("Argument `F` must be a scalar expression in the entry variable x, without vectors.")
    return _additive(F, name, "KH2021 Eq. 10 (additive Lagrangians)", defaults, f"F'({F})")


def power(n: sp.Expr | int = sp.Symbol("n", integer=True, positive=True)) -> Lagrangian:
    """``L = sum x_i^n / n`` (convex on R only for even n)."""
    n = sp.sympify(n)
    return _additive(T**n / n, "power", "Krotov-Hopfield 2016 (F = x^n)", {}, "x^(n-1)")


def rectified_power(n: sp.Expr | int = sp.Symbol("n", integer=True, positive=True)) -> Lagrangian:
    """``L = sum ReLU(x_i)^n / n``: rectified polynomial activation."""
    n = sp.sympify(n)
    return _additive(relu(T) ** n / n, "rectified_power", "Krotov-Hopfield 2016 (rectified polynomial)", {}, "ReLU(x)^(n-1)")


def exponential(beta: sp.Expr = sp.Symbol("beta", positive=True)) -> Lagrangian:
    """``L = sum exp(beta x_i)/beta``: exponential activation."""
    return _additive(sp.exp(beta * T) / beta, "exponential", "Demircigil et al. 2017 (F = exp)", {}, "exp")


def tanh(beta: sp.Expr = sp.Symbol("beta", positive=True)) -> Lagrangian:
    """``L = sum log cosh(beta x_i)/beta``: ``g = tanh(beta x)``."""
    return _additive(logcosh(beta * T) / beta, "tanh", "KH2021 App. B (graded neurons)", {}, "tanh")


def sigmoid(beta: sp.Expr = sp.Symbol("beta", positive=True)) -> Lagrangian:
    """``L = sum softplus(beta x_i)/beta``: ``g = sigmoid(beta x)``."""
    return _additive(softplus(beta * T) / beta, "sigmoid", "Hopfield 1984 (graded response)", {}, "sigmoid")


def relu_threshold(theta: sp.Expr = sp.Symbol("theta", real=True)) -> Lagrangian:
    """``L = sum ReLU(x_i - theta)``: step activation ``Theta(x - theta)`` (with ``Theta(0) = 0``)."""
    return _additive(relu(T - theta), "relu_threshold", "Shafiei Kafraj, Krotov, Latham, ICLR 2026 (threshold model)", {}, "step")


def absolute() -> Lagrangian:
    """``L = sum |x_i|``: sign activation, the binary limit."""
    return _additive(sp.Abs(T), "absolute", "KH2021 Model A visible layer (binary limit)", {}, "sign")


def integral_of(g: sp.Expr, name: str = "integral") -> Lagrangian:
    r"""``L = sum_i \int_0^{x_i} g(s) ds`` for a monotone activation ``g`` given in :data:`T`.

    Raises
    ------
    LagrangianError
        If SymPy cannot integrate ``g`` in closed form.
    """
    s = sp.Dummy("s", real=True)
    F = sp.integrate(g.xreplace({T: s}), (s, 0, T))
    if F.has(sp.Integral):
        raise LagrangianError(f"Argument `g` = {g}: SymPy found no closed-form antiderivative; give the Lagrangian instead.")
    return _additive(sp.simplify(F), name, "KH2021 App. B (L = integral of g)", {}, str(g))


def logsumexp(beta: sp.Expr = sp.Symbol("beta", positive=True)) -> Lagrangian:
    """``L = beta^-1 log sum exp(beta x_i)``: softmax activation (zero mode: the ones vector)."""
    return Lagrangian(LogSumExp(X, beta), "logsumexp", "KH2021 Model B hidden layer; Ramsauer et al. 2021", {}, "softmax")


def spherical() -> Lagrangian:
    """``L = ||x||``: divisive normalisation ``g = x/||x||`` (zero mode: ``x`` itself)."""
    return Lagrangian(norm(X), "spherical", "KH2021 Model C visible layer (Eq. 17)", {}, "x/||x||")


def layernorm(gamma: sp.Expr = sp.Symbol("gamma", positive=True), eps: sp.Expr = sp.Symbol("epsilon", positive=True)) -> Lagrangian:
    r"""Energy Transformer layer norm: :math:`L = N\gamma\sqrt{\tfrac1N\sum (x_i-\bar x)^2 + \epsilon}`.

    Its activation is :math:`\gamma (x - \bar x)/\sigma`, the layer norm (the bias
    ``delta`` of the paper only shifts the activation and is left out).
    """
    m = VSum(X, NX) / NX
    sigma = sp.sqrt(VSum((X - m) ** 2, NX) / NX + eps)
    return Lagrangian(NX * gamma * sigma, "layernorm", "Hoover et al., Energy Transformer, NeurIPS 2023", {}, "layernorm")


def phase() -> Lagrangian:
    r"""Phase oscillators: states :math:`\theta_i` on the circle, activation :math:`g = \theta` (identity).

    The Lagrangian :math:`\tfrac12\sum\theta_i^2` only fixes the metric of the dynamics (``Hess L = I``, so
    :math:`\dot E = -\tau\lVert\dot\theta\rVert^2`); a periodic layer contributes no Legendre term, so the energy is the
    synapse energy alone, and its dynamics are :math:`\tau\dot\theta = -\partial E/\partial\theta`, the Kuramoto form
    when the energy is written in the pattern overlaps :math:`m_\mu = N^{-1}\sum_j e^{i(\theta_j-\xi_j^\mu)}`.

    References
    ----------
    .. [1] Y. Kuramoto, *Chemical Oscillations, Waves, and Turbulence* (1984); Nägerl & Berloff, arXiv 2507.21984
       (higher-order Kuramoto memories).
    """
    return Lagrangian(VSum(X**2, NX) / 2, "phase", "phase oscillators (Kuramoto); Nägerl & Berloff 2025", {}, "identity (phase)", True)


#: Catalogue constructors by name, with the parameter names each accepts.
CATALOGUE = {
    "quadratic": (quadratic, ()),
    "power": (power, ("n",)),
    "rectified_power": (rectified_power, ("n",)),
    "exponential": (exponential, ("beta",)),
    "tanh": (tanh, ("beta",)),
    "sigmoid": (sigmoid, ("beta",)),
    "relu_threshold": (relu_threshold, ("theta",)),
    "absolute": (absolute, ()),
    "logsumexp": (logsumexp, ("beta",)),
    "spherical": (spherical, ()),
    "layernorm": (layernorm, ("gamma", "eps")),
    "phase": (phase, ()),
}


def by_name(name: str, **params: sp.Expr) -> Lagrangian:
    """Build a catalogue Lagrangian by name, e.g. ``by_name("logsumexp", beta=2)``."""
    if name not in CATALOGUE:
        raise LagrangianError(f"Unknown Lagrangian `{name}`; expected one of {sorted(CATALOGUE)}.")
    f, allowed = CATALOGUE[name]
    bad = set(params) - set(allowed)
    if bad:
        raise LagrangianError(f"Lagrangian `{name}` takes parameters {list(allowed)}; got unexpected {sorted(bad)}.")
    return f(**params)


@functools.lru_cache(maxsize=512)
def growth(F: sp.Expr, x: sp.Symbol = T) -> tuple[str, sp.Expr] | None:
    r"""How ``F`` scales, when it does in closed form: the law that lets numerics shift its argument.

    Returns ``("exponential", k)`` when :math:`F(x + s) = e^{k s} F(x)` for all ``x`` and ``s`` (``F = C e^{kx}``),
    ``("power", n)`` when :math:`F(\lambda x) = \lambda^n F(x)` for all ``x`` and ``\lambda > 0``
    (``F = C x^n``, ``C |x|^n``, ``C ReLU(x)^n``), else ``None``.  Energies ``-sum F`` of such models can be
    compared in a shifted domain (``F(x - s)`` or ``F(x/s)``) when ``F`` itself would overflow. Cached (a pure function
    of ``F``: every BinaryMemory of one model asks the same question).

    Examples
    --------
    >>> growth(sp.exp(2 * T))
    ('exponential', 2)
    >>> growth(T**3 / 3)
    ('power', 3)
    >>> growth(sp.log(sp.cosh(T))) is None
    True
    """
    s = sp.Dummy("s", real=True)
    lam = sp.Dummy("lam", positive=True)
    try:
        r = bounded_simplify(sp.expand_power_base(F.xreplace({x: x + s}) / F, force=True), "growth law")
        if not r.has(x) and r.has(s):
            k = bounded_simplify(sp.log(r) / s, "growth law")
            if not k.has(s) and not k.has(x):
                return ("exponential", k)
        r = sp.powsimp(sp.expand_power_base(F.xreplace({x: lam * x}) / F, force=True), force=True)
        r = bounded_simplify(r, "growth law")
        if not r.has(x) and r.has(lam):
            n = bounded_simplify(sp.log(r) / sp.log(lam), "growth law")
            if not n.has(lam) and not n.has(x):
                return ("power", n)
    except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - SymPy could not decide
        return None
    return None
