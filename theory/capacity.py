r"""Closed-form capacity results, as SymPy expressions (evaluated by :mod:`numerics.capacity`).

Every function returns a SymPy expression in the symbols below; nothing here
is numeric.  The numbers the papers quote (0.138, 72.4, ln 2 / 2, ...) are
*computed* from these expressions in the tests, never typed in.

References
----------
.. [1] Amit, Gutfreund, Sompolinsky, Phys. Rev. Lett. 55 (1985); zero-temperature
   retrieval equation :math:`\operatorname{erf}(y) = y(\sqrt{2\alpha} + \tfrac{2}{\sqrt\pi}e^{-y^2})`.
.. [2] McEliece, Posner, Rodemich, Venkatesh, IEEE TIT 33 (1987).
.. [3] Krotov & Hopfield, NeurIPS 2016, Sec. 2.
.. [4] Demircigil et al., J. Stat. Phys. 168 (2017).
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "N",
    "K",
    "n",
    "rho",
    "alpha",
    "y",
    "ags_alpha_of_y",
    "ags_overlap_of_y",
    "mceliece_typical",
    "mceliece_all",
    "kh16_mean_gap",
    "kh16_gap_variance",
    "kh16_p_error",
    "kh16_kmax_no_errors",
    "kh16_alpha_threshold",
    "demircigil_alpha_max",
    "gaussian_pattern_stable",
    "gaussian_all_stable",
    "double_factorial_odd",
]

N = sp.Symbol("N", positive=True)
K = sp.Symbol("K", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
rho = sp.Symbol("rho", nonnegative=True)
alpha = sp.Symbol("alpha", positive=True)
y = sp.Symbol("y", positive=True)
z = sp.Symbol("z", positive=True)


def double_factorial_odd(m: sp.Expr) -> sp.Expr:
    """``(2m-3)!!`` for the degree ``m`` (1 for m = 2)."""
    return sp.factorial2(2 * m - 3)


def ags_alpha_of_y() -> sp.Expr:
    r"""Load :math:`\alpha(y) = \tfrac12\left(\operatorname{erf}(y)/y - 2e^{-y^2}/\sqrt\pi\right)^2`.

    The retrieval solution exists iff :math:`\alpha \le \max_y \alpha(y) = \alpha_c`.
    """
    return (sp.erf(y) / y - 2 * sp.exp(-(y**2)) / sp.sqrt(sp.pi)) ** 2 / 2


def ags_overlap_of_y() -> sp.Expr:
    """Retrieval overlap ``m = erf(y)`` on the solution branch."""
    return sp.erf(y)


def mceliece_typical() -> sp.Expr:
    """Most memories exactly recoverable below ``N / (2 ln N)``."""
    return N / (2 * sp.log(N))


def mceliece_all() -> sp.Expr:
    """Every memory exactly recoverable below ``N / (4 ln N)``."""
    return N / (4 * sp.log(N))


def kh16_mean_gap(deg: sp.Expr = n) -> sp.Expr:
    """Mean energy gap for flipping one bit of a stored pattern: ``N^n - (N-2)^n``."""
    return N**deg - (N - 2) ** deg


def kh16_gap_variance(deg: sp.Expr = n) -> sp.Expr:
    """Large-N variance of the gap: ``4 n^2 (2n-3)!! (K-1) N^(n-1)``."""
    return 4 * deg**2 * double_factorial_odd(deg) * (K - 1) * N ** (deg - 1)


def kh16_p_error(deg: sp.Expr = n) -> sp.Expr:
    """Bit-error probability ``sqrt((2n-3)!!/(2 pi) K/N^(n-1)) exp(-N^(n-1)/(2 K (2n-3)!!))``."""
    d = double_factorial_odd(deg)
    return sp.sqrt(d / (2 * sp.pi) * K / N ** (deg - 1)) * sp.exp(-(N ** (deg - 1)) / (2 * K * d))


def kh16_kmax_no_errors(deg: sp.Expr = n) -> sp.Expr:
    """Perfect-recall capacity ``N^(n-1) / (2 (2n-3)!! ln N)``."""
    return N ** (deg - 1) / (2 * double_factorial_odd(deg) * sp.log(N))


def kh16_alpha_threshold(deg: sp.Expr = n, p: sp.Expr = sp.Rational(1, 200)) -> sp.Expr:
    """``alpha_n = 1/((2n-3)!! z^2)`` with ``z = Phi^-1(1 - p)`` (Gaussian tail), so ``K_max = alpha_n N^(n-1)``."""
    zq = sp.sqrt(2) * sp.erfinv(1 - 2 * p)
    return 1 / (double_factorial_odd(deg) * zq**2)


def demircigil_alpha_max(r: sp.Expr = rho) -> sp.Expr:
    """``I(1 - 2 rho)/2`` with ``I(x) = ((1+x) log(1+x) + (1-x) log(1-x))/2``; ``ln 2 / 2`` at ``rho = 0``."""
    x = 1 - 2 * r
    expr = ((1 + x) * sp.log(1 + x) + (1 - x) * sp.log(1 - x)) / 4
    return sp.Piecewise((sp.log(2) / 2, sp.Eq(r, 0)), (expr, True))


def _Q(t: sp.Expr) -> sp.Expr:
    return sp.erfc(t / sp.sqrt(2)) / 2


def gaussian_pattern_stable() -> sp.Expr:
    """Finite-N Gaussian prediction that one stored pattern is exactly stable: ``(1 - Q(sqrt(N/K)))^N``."""
    return (1 - _Q(sp.sqrt(N / K))) ** N


def gaussian_all_stable() -> sp.Expr:
    """... and that all ``K`` patterns are: ``(1 - Q(sqrt(N/K)))^(N K)``."""
    return (1 - _Q(sp.sqrt(N / K))) ** (N * K)


j = sp.Symbol("j", integer=True, nonnegative=True)


def rademacher_moment(m: sp.Expr, k: sp.Expr) -> sp.Expr:
    """Exact ``E[(r_1 + ... + r_m)^k]`` for i.i.d. +-1 signs: ``2^-m sum_j C(m, j) (2j - m)^k``."""
    return sp.Sum(sp.binomial(m, j) * (2 * j - m) ** k, (j, 0, m)) / 2**m


def rademacher_moment_asymptotic(m: sp.Expr, k: sp.Expr) -> sp.Expr:
    """Large-m even moment ``(k-1)!! m^(k/2)`` (Gaussian limit), used by KH2016's variance ``(2n-3)!! N^(n-1)``."""
    return sp.factorial2(k - 1) * m ** (k / 2)


__all__ += ["rademacher_moment", "rademacher_moment_asymptotic"]


def ramsauer_energy_offset(beta: sp.Expr, n_patterns: sp.Expr, M: sp.Expr) -> sp.Expr:
    """Constant added to ``1/2 x.x - lse_beta(X^T x)`` in Ramsauer et al. Eq. 2: ``beta^-1 log N + M^2/2``."""
    return sp.log(n_patterns) / beta + M**2 / 2


def ramsauer_theorem3() -> dict[str, sp.Expr]:
    """Ramsauer et al. Theorem 3: ``a, b, c`` and the bound ``N >= sqrt(p) c^((d-1)/4)`` (symbols beta, K, d, p)."""
    beta, Kr, d, p = sp.symbols("beta K d p", positive=True)
    a = 2 / (d - 1) * (1 + sp.log(2 * beta * Kr**2 * p * (d - 1)))
    b = 2 * Kr**2 * beta / 5
    c = b / sp.LambertW(sp.exp(a + sp.log(b)))
    return {"a": a, "b": b, "c": c, "N_bound": sp.sqrt(p) * c ** ((d - 1) / 4), "c_min": (2 / sp.sqrt(p)) ** (4 / (d - 1))}


def ramsauer_retrieval_error_bound() -> sp.Expr:
    """Theorem 5 bound ``2 (N-1) exp(-beta (Delta - 2 max_dist M)) M`` on ``||f(x) - x_i||`` (symbols N, beta, Delta, dmax, M)."""
    Np, beta, Delta, dmax, M = sp.symbols("N_p beta Delta d_max M", positive=True)
    return 2 * (Np - 1) * sp.exp(-beta * (Delta - 2 * dmax * M)) * M


__all__ += ["ramsauer_energy_offset", "ramsauer_theorem3", "ramsauer_retrieval_error_bound"]


def ramsauer_one_step_bound() -> sp.Expr:
    """Theorem 4: ``||f(x) - x_i*|| <= 2 beta N M^2 (N-1) exp(-beta (Delta - 2 max_dist M)) ||x - x_i*||``
    (the contraction factor bounding ``||J^m||_2``; symbols N_p, beta, Delta, d_max, M, r)."""
    Np, beta, Delta, dmax, M, r = sp.symbols("N_p beta Delta d_max M r", positive=True)
    return 2 * beta * Np * M**2 * (Np - 1) * sp.exp(-beta * (Delta - 2 * dmax * M)) * r


__all__ += ["ramsauer_one_step_bound"]
