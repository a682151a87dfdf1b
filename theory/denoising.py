r"""In-context denoising: one attention layer as one gradient step on a context-aware energy, and the Bayes estimators
it is compared with -- all derived here (SymPy only).

A prompt holds ``L`` clean tokens :math:`x_1..x_L` (the rows of ``X``) drawn from a distribution :math:`p_X` and one
query :math:`\tilde x = x + z`, :math:`z \sim \mathcal N(0, \sigma^2 I_n)`; the target is ``x``. The built-ins
``context_denoising`` and ``linear_denoising`` are the energies

.. math::

   E(s) = \frac{\lVert s\rVert^2}{2\alpha} - \beta^{-1}\log\sum_t e^{\beta x_t\cdot s},\qquad
   E_{lin}(s) = \frac{\lVert s\rVert^2}{2\alpha} - \frac{\beta}{2L}\sum_t (x_t\cdot s)^2,

whose memories are the context tokens and whose initial state is the query. :func:`one_step` derives
:math:`s - \alpha\nabla E(s)`: softmax attention :math:`\alpha X^\top\mathrm{softmax}(\beta X s)` and linear attention
:math:`(\alpha\beta/L) X^\top X s`, at symbolic ``n`` and ``L``.

The estimators (each derived, none typed in):

* :func:`gaussian_posterior` -- the posterior of a scalar Gaussian prior observed in Gaussian noise, by completing the
  square (the stationary point and curvature of the log posterior): shrinkage, and the risk as posterior variance;
* :func:`linear_task` -- the linear task's Bayes shrinkage and risk, the one-step linear estimator's risk at finite
  ``L`` from the Wishart moments of the context (Isserlis for the fourth moment), its optimal :math:`\gamma(L)` and
  excess risk;
* :func:`sphere_mean_ratio` -- the von Mises--Fisher mean :math:`A_m(\kappa) = \partial_\kappa\log Z_m(\kappa)` of a
  uniform prior on a sphere in ``m`` dimensions, with :math:`Z_m` the polar-angle integral (Poisson's integral
  :math:`\int_0^\pi e^{\kappa\cos\theta}\sin^{2\nu}\theta\,d\theta = \sqrt\pi\,\Gamma(\nu+\tfrac12)(2/\kappa)^\nu I_\nu(\kappa)`,
  :math:`\nu = m/2 - 1`, tested against quadrature), simplified by the Bessel recurrence to
  :math:`I_{m/2}(\kappa)/I_{m/2-1}(\kappa)`;
* :func:`mixture_task` -- the Gaussian-mixture posterior mean: per component the Gaussian posterior, weighted by
  responsibilities whose variance :math:`\sigma_0^2 + \sigma^2` is derived by the convolution integral;
* :func:`tweedie_empirical` -- Tweedie's formula :math:`\tilde x + \sigma^2\nabla\log\hat p_\sigma(\tilde x)` for the
  context's empirical prior (:func:`theory.diffusion.log_density`), which is one step at :math:`\alpha = 1`,
  :math:`\beta = 1/\sigma^2` when the tokens have equal norms (softmax's shift invariance).

References
----------
.. [1] M. Smart, A. Bietti, A. M. Sengupta, "In-context denoising with one-layer transformers: connections between
   attention and associative memory retrieval", ICML 2025, arXiv 2502.05164 (abstract; the tasks, estimators and
   energy from the authors' repository, as summarised in ../shared/reference/temperature_oscillators_icd.md Sec. 3).
.. [2] H. Robbins (1956); B. Efron, "Tweedie's formula and selection bias", JASA 106 (2011).
.. [3] K. V. Mardia & P. E. Jupp, *Directional Statistics* (2000), Sec. 9.3 (the von Mises--Fisher mean).
.. [4] DLMF 10.32.2 (Poisson's integral for :math:`I_\nu`).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .calculus import grad, vsimplify
from .moments import gaussian_moment
from .vector import MatTVec, Softmax, Vector, vsize

__all__ = [
    "sigma",
    "sigma0",
    "R",
    "kappa",
    "d",
    "L",
    "gamma",
    "one_step",
    "gaussian_posterior",
    "linear_task",
    "poisson_integral",
    "sphere_mean_ratio",
    "mixture_task",
    "tweedie_empirical",
    "drop_row_constants",
    "sphere_posterior_mean",
    "mixture_posterior_mean",
    "AttentionObjective",
]

sigma = sp.Symbol("sigma", positive=True)
sigma0 = sp.Symbol("sigma_0", positive=True)
R = sp.Symbol("R", positive=True)
kappa = sp.Symbol("kappa", positive=True)
d = sp.Symbol("d", integer=True, positive=True)
L = sp.Symbol("L", integer=True, positive=True)
gamma = sp.Symbol("gamma", positive=True)
_x, _y, _mu = sp.symbols("x y mu", real=True)
_theta = sp.Symbol("theta", positive=True)


def one_step(model, layer: str | None = None) -> sp.Expr:
    r"""The gradient step :math:`s - \alpha\nabla_s E(s)` of a one-layer model with a parameter ``alpha`` (the
    built-ins ``context_denoising`` and ``linear_denoising``), simplified; symbolic sizes stay symbolic.

    Examples
    --------
    >>> import theory
    >>> one_step(theory.builtin("context_denoising"))
    alpha*X.T@(softmax(X@(s), beta))
    """
    names = [lay.name for lay in model.layers]
    if layer is None:
        if len(names) != 1:
            raise ValueError(f"Argument `layer` must name the state layer of `{model.name}` {names}; the model has several.")
        layer = names[0]
    if layer not in names:
        raise ValueError(f"Argument `layer` must name a layer of `{model.name}` {names}; got {layer!r}.")
    alpha = next((p for p in model.parameters if p.name == "alpha"), None)
    if alpha is None:
        raise ValueError(f"model `{model.name}` has no parameter `alpha` (the step size); its parameters are "
                         f"{sorted(p.name for p in model.parameters)}")
    s = model.layer(layer).state
    return vsimplify(s - alpha * grad(model.energy, s))


def gaussian_posterior(prior_mean: sp.Expr = 0, prior_var: sp.Expr = sigma0**2, noise_var: sp.Expr = sigma**2) -> dict:
    r"""The posterior of :math:`x \sim \mathcal N(\mu, v_0)` observed as :math:`y = x + z`,
    :math:`z \sim \mathcal N(0, v)`: ``{"mean", "variance"}`` in the observation :data:`y` (``sympy.Symbol("y")``).

    Notes
    -----
    The log posterior is quadratic in ``x``; its stationary point is the mean and minus the inverse of its curvature
    the variance (completing the square, done by SymPy). The variance is the Bayes risk per coordinate.
    """
    logp = -((_x - prior_mean) ** 2) / (2 * prior_var) - (_y - _x) ** 2 / (2 * noise_var)
    (mean,) = sp.solve(sp.diff(logp, _x), _x)
    var = sp.simplify(-1 / sp.diff(logp, _x, 2))
    return {"mean": sp.simplify(mean), "variance": var, "observation": _y}


@lru_cache(maxsize=1)
def linear_task() -> dict:
    r"""The linear task: :math:`x = P g`, :math:`g \sim \mathcal N(0, \sigma_0^2 I)`, ``P`` a rank-``d`` projector.

    Returns ``{"shrinkage", "bayes_risk", "risk", "gamma_opt", "risk_opt", "excess", "gamma_limit"}``:

    * Bayes: :math:`\hat x = c\,P\tilde x` with the Gaussian posterior's shrinkage ``c`` (the orthogonal part of
      ``x`` is 0), risk ``d`` times the posterior variance;
    * the one-step linear estimator :math:`\hat x = \gamma\,\hat S\tilde x`, :math:`\hat S = L^{-1}\sum_t x_t x_t^\top`:
      :math:`R(\gamma) = \gamma^2\,\mathrm{tr}(\mathbb E[\hat S^2]\,\mathrm{Cov}\,\tilde x) - 2\gamma\,\mathrm{tr}
      (\mathbb E[\hat S]^2) + d\sigma_0^2` with :math:`\mathbb E\hat S = \sigma_0^2 P` and
      :math:`\mathbb E\hat S^2 = L^{-2}[L(L-1)\sigma_0^4 P + L\,\mathbb E\lVert x\rVert^2 x x^\top]`, the fourth
      moment :math:`\mathbb E\lVert x\rVert^2 x_1^2 = \mathbb E x_1^4 + (d-1)\mathbb E x_1^2 x_2^2` by Isserlis;
    * ``gamma_opt`` minimises ``risk`` (a stationary point of a convex quadratic), ``excess = risk_opt - bayes_risk``,
      and ``gamma_limit`` is its ``L -> oo`` limit.
    """
    post = gaussian_posterior()
    shrink = sp.simplify(post["mean"] / _y)
    bayes = sp.simplify(d * post["variance"])
    z1, z2 = sp.symbols("z_1 z_2", real=True)
    cov = sp.diag(sigma0**2, sigma0**2)
    fourth = gaussian_moment(z1**4, [z1, z2], cov) + (d - 1) * gaussian_moment(z1**2 * z2**2, [z1, z2], cov)
    # per direction of the range of P: E[S^2] = e2 P, E[S] = sigma0^2 P, Cov(x~) = (sigma0^2 + sigma^2) on the range
    e2 = ((L - 1) * sigma0**4 + fourth) / L
    risk = sp.expand(d * (gamma**2 * e2 * (sigma0**2 + sigma**2) - 2 * gamma * sigma0**4 + sigma0**2))
    (g_opt,) = sp.solve(sp.diff(risk, gamma), gamma)
    g_opt = sp.simplify(g_opt)
    r_opt = sp.simplify(risk.subs(gamma, g_opt))
    excess = sp.factor(sp.simplify(r_opt - bayes))
    return {"shrinkage": shrink, "bayes_risk": bayes, "risk": risk, "gamma_opt": g_opt, "risk_opt": r_opt,
            "excess": excess, "gamma_limit": sp.limit(g_opt, L, sp.oo)}


def poisson_integral(m: sp.Expr) -> sp.Expr:
    r""":math:`Z_m(\kappa) \propto \int_0^\pi e^{\kappa\cos\theta}\sin^{m-2}\theta\,d\theta` in closed form
    :math:`\sqrt\pi\,\Gamma(\nu + \tfrac12)(2/\kappa)^\nu I_\nu(\kappa)`, :math:`\nu = m/2 - 1` (DLMF 10.32.2; the
    tests compare it with quadrature at m = 2, 3, 4, 9 and with SymPy's own integral at m = 3)."""
    nu = sp.sympify(m) / 2 - 1
    return sp.sqrt(sp.pi) * sp.gamma(nu + sp.Rational(1, 2)) * (2 / kappa) ** nu * sp.besseli(nu, kappa)


def sphere_mean_ratio(m: sp.Expr | int = sp.Symbol("m", integer=True, positive=True)) -> sp.Expr:
    r"""The mean length :math:`A_m(\kappa) = \mathbb E[u_1]` of a von Mises--Fisher law on the unit sphere of
    :math:`\mathbb R^m`: :math:`\partial_\kappa \log Z_m(\kappa)` (:func:`poisson_integral`), simplified with the
    recurrence :math:`I_{\nu-1} - I_{\nu+1} = (2\nu/\kappa) I_\nu`. The sphere task's Bayes estimator is
    :math:`R\,A_m(\kappa)\,P\tilde x/\lVert P\tilde x\rVert` with :math:`\kappa = R\lVert P\tilde x\rVert/\sigma^2`
    (the posterior of a direction ``u`` is :math:`\propto e^{R u\cdot P\tilde x/\sigma^2}`).

    Examples
    --------
    >>> sphere_mean_ratio(3)
    besseli(3/2, kappa)/besseli(1/2, kappa)
    >>> sphere_mean_ratio(2)
    besseli(1, kappa)/besseli(0, kappa)
    """
    m = sp.sympify(m)
    nu = m / 2 - 1
    A = sp.diff(sp.log(poisson_integral(m)), kappa)
    # besseli'(nu) = (I_{nu-1} + I_{nu+1})/2; eliminate I_{nu-1} by the recurrence
    A = A.replace(lambda e: isinstance(e, sp.besseli) and sp.simplify(e.args[0] - (nu - 1)) == 0,
                  lambda e: sp.besseli(nu + 1, kappa) + 2 * nu / kappa * sp.besseli(nu, kappa))
    # expanded, not simplified: simplify rewrites half-integer orders as coth(kappa) - 1/kappa, which cancels at small
    # kappa; the Bessel ratio compiles to a stable node (numerics.codegen.stable.BesselRatioOrder)
    return sp.factor_terms(sp.expand(A))


def mixture_task() -> dict:
    r"""The Gaussian mixture: centres :math:`\mu_k`, weights :math:`w_k`, isotropic cluster variance :math:`\sigma_0^2`.

    Returns ``{"marginal_variance", "component_mean"}``: the variance of :math:`\tilde x` about a centre, by the
    convolution integral :math:`\int \mathcal N(x;\mu,\sigma_0^2)\mathcal N(\tilde x; x, \sigma^2)\,dx` (SymPy), and
    the per-component posterior mean (:func:`gaussian_posterior` with prior mean :math:`\mu`). The posterior mean is
    :math:`\sum_k r_k\,\mathrm{mean}_k`, :math:`r_k = \mathrm{softmax}_k(\ln w_k - \lVert\tilde x - \mu_k\rVert^2/(2 s^2))`,
    :math:`s^2` the marginal variance.
    """
    def normal(v, mean, var):
        return sp.exp(-((v - mean) ** 2) / (2 * var)) / sp.sqrt(2 * sp.pi * var)

    conv = sp.simplify(sp.integrate(normal(_x, _mu, sigma0**2) * normal(_y, _x, sigma**2), (_x, -sp.oo, sp.oo)))
    # the convolution is a normal density in y about mu: read its variance off the curvature of its log
    var = sp.simplify(-1 / sp.diff(sp.log(conv), _y, 2))
    comp = gaussian_posterior(_mu, sigma0**2, sigma**2)["mean"]
    return {"marginal_variance": var, "component_mean": sp.simplify(comp), "observation": _y, "centre": _mu, "density": conv}


def drop_row_constants(e: sp.Expr) -> sp.Expr:
    """Softmax's shift invariance applied: inside every ``Softmax(a, b)`` drop the addends of ``a`` that are scalars
    (the same for every row), and write the inverse temperature into the argument (``Softmax(b a', 1)``)."""
    def fix(node):
        a, b = node.args
        terms = sp.Add.make_args(sp.expand(a))
        keep = [t for t in terms if vsize(t) is not None]
        return Softmax(sp.expand(b * sp.Add(*keep)), 1)

    return e.replace(lambda n: isinstance(n, Softmax), fix)


def tweedie_empirical(x: Vector, X) -> sp.Expr:
    r"""Tweedie's posterior mean :math:`\tilde x + \sigma^2\nabla\log\hat p_\sigma(\tilde x)` for the empirical prior of
    the rows of ``X`` (:func:`theory.diffusion.log_density` at unit time), simplified: :math:`X^\top\mathrm{softmax}
    ((2X\tilde x - \mathrm{rowsumsq}(X) - \lVert\tilde x\rVert^2)/(2\sigma^2))`."""
    from .diffusion import log_density

    return vsimplify(x + sigma**2 * grad(log_density(x, X, sigma, 1), x))



def sphere_posterior_mean(y: Vector) -> sp.Expr:
    r"""The sphere task's Bayes estimator in the subspace's coordinates ``y = U^T x~`` (``m = vsize(y)``):
    :math:`R\,A_m(\kappa)\,y/\lVert y\rVert`, :math:`\kappa = R\lVert y\rVert/\sigma^2` (:func:`sphere_mean_ratio`)."""
    m = vsize(y)
    if m is None or not m.is_Integer:
        raise ValueError(f"Argument `y` must be a vector of a concrete size m (the Bessel orders are m/2 and m/2 - 1); got {y}.")
    from .vector import VSum

    norm = sp.sqrt(VSum(y**2, m))
    return R * sphere_mean_ratio(m).subs(kappa, R * norm / sigma**2) * y / norm


def mixture_posterior_mean(x: Vector, M, log_w: Vector) -> sp.Expr:
    r"""The Gaussian mixture's posterior mean at the query ``x`` for centres ``M`` (rows) and log-weights ``log_w``,
    assembled from :func:`mixture_task`'s derived pieces: the component mean is linear in the query and the centre,
    :math:`a\,\tilde x + b\,\mu_k` (``a``, ``b`` read off it), and the responsibilities are
    :math:`\mathrm{softmax}_k(\ln w_k + \mu_k\cdot\tilde x/s^2 - \lVert\mu_k\rVert^2/(2s^2))` (the Gaussian
    :math:`\mathcal N(\tilde x;\mu_k, s^2 I)` with its ``k``-independent factor dropped), ``s^2`` the marginal variance:
    :math:`a\,\tilde x + b\,M^\top r`."""
    from .vector import MatVec, RowSumSq

    t = mixture_task()
    comp = sp.expand(t["component_mean"])
    a, b = comp.coeff(t["observation"]), comp.coeff(t["centre"])
    if sp.simplify(comp - a * t["observation"] - b * t["centre"]) != 0:  # pragma: no cover - Gaussian conditioning is affine
        raise RuntimeError("the component posterior mean is not affine in the query and the centre")
    s2 = t["marginal_variance"]
    scores = log_w + MatVec(M, x) / s2 - RowSumSq(M) / (2 * s2)
    return sp.simplify(a) * x + sp.simplify(b) * MatTVec(M, Softmax(scores, 1))


class AttentionObjective:
    r"""The squared error of one attention layer on a prompt, with its weight gradients derived (outer-product terms,
    :func:`theory.weight_gradient.weight_grad`), at symbolic sizes.

    ``kind="softmax"``: :math:`f = W_{PV} X^\top\mathrm{softmax}(X W_{KQ} q)`; ``kind="linear"``:
    :math:`f = L^{-1} W_{PV} X^\top X W_{KQ} q` (``X`` the context tokens as rows, ``q`` the query, ``x`` the target);
    the loss is :math:`\lVert f - x\rVert^2`. The scalar parametrisation :math:`W_{KQ} = \beta I`,
    :math:`W_{PV} = \alpha I` is the one-step model of :func:`one_step`; its gradients are the traces of the matrix
    gradients there, :math:`\partial_\beta\mathcal L = \mathrm{tr}\,\nabla_{W_{KQ}}\mathcal L = \sum_k a_k\cdot b_k`.
    """

    def __init__(self, kind: str = "softmax") -> None:
        if kind not in ("softmax", "linear"):
            raise ValueError(f"Argument `kind` must be 'softmax' or 'linear'; got {kind!r}.")
        from .vector import MatVec, VSum, Weight, size_symbol

        self.kind = kind
        self.n, self.L = size_symbol("n"), size_symbol("L")
        self.q, self.x = Vector("q", self.n), Vector("x", self.n)
        self.X = Weight("X", self.L, self.n)
        self.W_KQ, self.W_PV = Weight("W_KQ", self.n, self.n), Weight("W_PV", self.n, self.n)
        keys = MatVec(self.X, MatVec(self.W_KQ, self.q))
        if kind == "softmax":
            self.prediction = MatVec(self.W_PV, MatTVec(self.X, Softmax(keys, 1)))
        else:
            self.prediction = MatVec(self.W_PV, MatTVec(self.X, keys)) / self.L
        self.loss = VSum((self.prediction - self.x) ** 2, self.n)

    @property
    def gradients(self) -> dict:
        """``{"W_KQ": WeightGradient, "W_PV": WeightGradient}``."""
        from .weight_gradients import weight_grad

        return {"W_KQ": weight_grad(self.loss, self.W_KQ), "W_PV": weight_grad(self.loss, self.W_PV)}
