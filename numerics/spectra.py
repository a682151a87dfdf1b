"""Empirical spectra of ``J = xi xi^T / N_v`` against the Marchenko-Pastur law of :mod:`theory.literature.mp1967`."""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import integrate

from theory.literature import mp1967 as th

from ._checks import as_array, as_count, as_scalar, check_symmetric, require
from .patterns import rng_from

__all__ = [
    "coupling",
    "mp_edges",
    "mp_density",
    "mp_cdf",
    "ks_distance",
    "entry_statistics",
    "operator_deviation",
    "predicted_operator_deviation",
    "random_spectrum",
]

_density_t = sp.lambdify((th.t, th.lam), th.density_on_circle(), "numpy")
_density_x = sp.lambdify((th.x, th.lam), th.density(), "numpy")
_edges = sp.lambdify(th.lam, th.edges(), "numpy")
_opdev = sp.lambdify(th.lam, th.operator_deviation(), "numpy")


def coupling(xi: np.ndarray) -> np.ndarray:
    """``J = xi xi^T / N_v`` for ``xi`` of shape (N_h, N_v): the threshold model's hidden coupling, which
    :mod:`theory` derives by integrating out ``v`` (``tests/test_numerics.py`` checks the two agree)."""
    xi = as_array("xi", xi, ndim=2)
    return xi @ xi.T / xi.shape[1]


def mp_edges(lam: float) -> tuple[float, float]:
    """Support edges ``(1 -+ sqrt(lambda))^2``."""
    lam = as_scalar("lam", lam, positive=True, high=1.0)
    lo, hi = _edges(lam)
    return float(lo), float(hi)


def mp_density(x: np.ndarray, lam: float) -> np.ndarray:
    """MP density, zero outside the support."""
    lo, hi = mp_edges(lam)
    x = as_array("x", x).astype(float)
    inside = (x > lo) & (x < hi)
    out = np.zeros_like(x)
    out[inside] = _density_x(x[inside], lam)
    return out


def mp_cdf(x: np.ndarray, lam: float) -> np.ndarray:
    """MP CDF by quadrature of the density in the angle variable (smooth integrand)."""
    lo, hi = mp_edges(lam)
    x = np.atleast_1d(np.asarray(x, float))
    out = np.empty_like(x)
    for i, xv in enumerate(x):
        if xv <= lo:
            out[i] = 0.0
        elif xv >= hi:
            out[i] = 1.0
        else:
            t0 = np.arccos(np.clip((xv - 1 - lam) / (2 * np.sqrt(lam)), -1, 1))
            out[i] = integrate.quad(lambda t: _density_t(t, lam), t0, np.pi, epsabs=1e-13, epsrel=1e-12)[0]
    return out


def ks_distance(eigs: np.ndarray, lam: float) -> float:
    """Kolmogorov-Smirnov distance between the empirical eigenvalue distribution and MP."""
    e = np.sort(as_array("eigs", eigs, ndim=1))
    F = mp_cdf(e, lam)
    n = len(e)
    return float(max((np.arange(1, n + 1) / n - F).max(), (F - np.arange(n) / n).max()))


def operator_deviation(J: np.ndarray) -> dict:
    """``||J - I||_op`` and the MP prediction ``2 sqrt(lambda) + lambda`` (lambda from ``J``'s size needs N_v: pass via lam)."""
    J = check_symmetric("J", J)
    ev = np.linalg.eigvalsh(J - np.eye(len(J)))
    return {"norm": float(np.abs(ev).max())}


def entry_statistics(J: np.ndarray, N_v: int) -> dict:
    """``N_v var(J_mumu)`` (theory 2) and ``N_v var(J_munu)`` (theory 1), and the diagonal mean (theory 1)."""
    J = as_array("J", J, ndim=2)
    require(J.shape[0] == J.shape[1] and J.shape[0] >= 2, f"Argument `J` must be square with N_h >= 2; got shape {J.shape}.")
    N_v = as_count("N_v", N_v)
    d = np.diag(J)
    off = J[~np.eye(len(J), dtype=bool)]
    return {"diag_mean": float(d.mean()), "Nv_var_diag": float(N_v * d.var(ddof=1)), "Nv_var_off": float(N_v * off.var(ddof=1))}


def predicted_operator_deviation(lam: float) -> float:
    """``2 sqrt(lambda) + lambda``."""
    return float(_opdev(lam))


def random_spectrum(N_h: int, N_v: int, seed) -> np.ndarray:
    """Eigenvalues of ``J`` for a Gaussian ``xi`` (N_h x N_v)."""
    xi = rng_from(seed).standard_normal((as_count("N_h", N_h), as_count("N_v", N_v)))
    return np.linalg.eigvalsh(coupling(xi))
