r"""Fixed-point census of the threshold model ``s = Theta(J s - theta)``.

The fixed-point condition is the one :mod:`theory` derives for the ``threshold``
built-in after integrating out ``v`` (``h = J s``, ``J = xi xi^T/N_v``); the tests
check these routines against the compiled reduction.  Two notions are kept apart:

* **all states**: every one of the ``2^N_h`` binary codes is a fixed point.  Exact
  test in ``O(N_h^2)``: for every ``mu``,
  :math:`\sum_{\nu\ne\mu}(J_{\mu\nu})_+ \le \theta` and
  :math:`J_{\mu\mu} - \sum_{\nu\ne\mu}(J_{\mu\nu})_- > \theta` (needs ``N_v >~ (2/pi) N_h^2``);
* **typical states**: the fraction of random codes that are fixed (needs ``N_v >> N_h``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._checks import as_array, as_count, as_scalar, check_symmetric, require
from .patterns import rng_from

__all__ = [
    "stream_coupling",
    "random_coupling_streamed",
    "all_states_fixed",
    "enumerate_fixed",
    "fraction_fixed",
    "is_fixed",
    "basin_flip_rate",
]


def stream_coupling(blocks: Iterable[np.ndarray], N_v: int | None = None) -> np.ndarray:
    """Accumulate ``J = sum_b B B^T / N_v`` over column blocks ``B`` (N_h x b) of ``xi``; memory O(N_h^2 + N_h b)."""
    J = None
    total = 0
    for B in blocks:
        B = np.asarray(B)
        prod = B @ B.T
        J = prod.astype(np.float64) if J is None else J + prod
        total += B.shape[1]
    require(J is not None, "Argument `blocks` yielded no block.")
    if N_v is not None:
        require(isinstance(N_v, (int, np.integer)) and not isinstance(N_v, bool) and N_v >= 1,
                f"Argument `N_v` must be an integer >= 1 (the number of visible units); got {N_v!r}.")
    return J / (N_v if N_v is not None else total)


def random_coupling_streamed(N_h: int, N_v: int, seed, block: int = 8192, dtype=np.float32) -> np.ndarray:
    """``J`` of a Gaussian ``xi`` (N_h x N_v) built block by block, so ``xi`` never sits in memory."""
    rng = rng_from(seed)

    def gen():
        done = 0
        while done < N_v:
            b = min(block, N_v - done)
            yield rng.standard_normal((N_h, b), dtype=dtype)
            done += b

    return stream_coupling(gen(), N_v)


def all_states_fixed(J: np.ndarray, theta: float) -> dict:
    """The exact test that all ``2^N_h`` codes are fixed points, per unit and overall."""
    J = check_symmetric("J", J, rtol=1e-6)
    theta = as_scalar("theta", theta)
    d = np.diag(J)
    off = J - np.diag(d)
    pos = np.maximum(off, 0).sum(1)
    neg = np.maximum(-off, 0).sum(1)
    off_ok = pos <= theta  # an inactive unit stays off even when every excitatory partner is on
    on_ok = d - neg > theta  # an active unit stays on even when every inhibitory partner is on
    return {"all": bool((off_ok & on_ok).all()), "off_ok": off_ok, "on_ok": on_ok, "pos": pos, "neg": neg}


def _codes(start: int, stop: int, n: int) -> np.ndarray:
    ints = np.arange(start, stop, dtype=np.int64)
    return ((ints[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.float32)


def is_fixed(J: np.ndarray, S: np.ndarray, theta: float) -> np.ndarray:
    """Row-wise: is ``s = Theta(J s - theta)`` (with ``Theta(0) = 0``)?"""
    theta = as_scalar("theta", theta)
    return ((S @ J.T - theta > 0) == (S > 0)).all(-1)


def enumerate_fixed(J: np.ndarray, theta: float, chunk: int = 1 << 16, max_units: int = 26) -> dict:
    """Test all ``2^N_h`` codes in vectorised chunks. Returns the count and the fixed codes' integer labels."""
    J = as_array("J", J, ndim=2)
    require(J.shape[0] == J.shape[1], f"Argument `J` must be square (N_h x N_h); got shape {J.shape}.")
    theta = as_scalar("theta", theta)
    chunk = as_count("chunk", chunk)
    n = J.shape[0]
    require(n <= max_units, f"Argument `J` has N_h = {n}; enumeration of 2^N_h states is limited to N_h <= {max_units}.")
    Jf = J.astype(np.float32)
    labels = []
    total = 1 << n
    for a in range(0, total, chunk):
        b = min(a + chunk, total)
        fixed = is_fixed(Jf, _codes(a, b, n), theta)
        labels.append(np.nonzero(fixed)[0] + a)
    lab = np.concatenate(labels)
    return {"count": int(len(lab)), "total": total, "fraction": len(lab) / total, "labels": lab}


def fraction_fixed(J: np.ndarray, theta: float, n_samples: int, seed, p: float = 0.5) -> dict:
    """Monte Carlo fraction of random codes (each unit on with probability ``p``) that are fixed, with a binomial SE."""
    J = as_array("J", J, ndim=2)
    require(J.shape[0] == J.shape[1], f"Argument `J` must be square (N_h x N_h); got shape {J.shape}.")
    theta = as_scalar("theta", theta)
    n_samples = as_count("n_samples", n_samples)
    p = as_scalar("p", p, low=0.0, high=1.0)
    rng = rng_from(seed)
    S = (rng.random((n_samples, J.shape[0])) < p).astype(float)
    f = is_fixed(J, S, theta)
    q = float(f.mean())
    return {"fraction": q, "se": float(np.sqrt(max(q * (1 - q), 1e-300) / n_samples)), "n": n_samples}


def basin_flip_rate(xi: np.ndarray, theta: float, sigma_v: float, n_trials: int, seed) -> dict:
    """Hidden flip rate after one hidden update from a noisy visible cue, against the closed form.

    Uses the compiled ``threshold`` model: the recalled visible state of a random code ``s``
    (its ``v`` update), published-unit noise ``N(0, sigma_v^2)`` converted with the model's
    rescaling ``v = lambda v~``, then one ``h`` update and ``s' = Theta(h - theta)``.
    The prediction is :func:`theory.literature.bpd2026.flip_probability`.
    """
    import sympy as sp

    from theory.literature import bpd2026 as tt
    from theory.specs import builtin

    from .codegen.kernel import compile as compile_kernel

    xi = as_array("xi", xi, ndim=2)
    theta = as_scalar("theta", theta)
    sigma_v = as_scalar("sigma_v", sigma_v, nonnegative=True)
    n_trials = as_count("n_trials", n_trials)
    N_h, N_v = xi.shape
    model = builtin("threshold")
    k = compile_kernel(model)
    lam = float(model.rescale_factor("v", N_v=N_v, N_h=N_h))
    rng = rng_from(seed)
    s = (rng.random((n_trials, N_h)) < 0.5).astype(float)
    h0 = np.where(s > 0, theta + 0.5, theta - 0.5)
    zeros_v = np.zeros((n_trials, N_v))
    v_star = k.update(v=zeros_v, h=h0, xi=xi, theta=theta)["v"]
    cue = v_star + (sigma_v / lam) * rng.standard_normal(v_star.shape)
    h1 = k.update(v=cue, h=h0, xi=xi, theta=theta)["h"]
    s1 = k.activations(v=cue, h=h1, xi=xi, theta=theta)["h"]
    rate = float((s1 != s).mean())
    pred = float(sp.N(tt.flip_probability().subs({tt.Nh: N_h, tt.Nv: N_v, tt.sigma_v: sigma_v})))
    n = s.size
    return {"rate": rate, "se": float(np.sqrt(max(rate * (1 - rate), 1e-300) / n)), "predicted": pred}
