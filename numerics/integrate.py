r"""Integrators for the derived dynamics of any compiled model, with the energy tracked.

``simulate(kernel, init, args, t_max, method=...)`` integrates
:math:`\dot x_l = \text{velocity}_l(x)` from :meth:`numerics.Kernel.velocity`
(per-layer time constants are parameters of the kernel) for a batch of initial
states, records the energy from :meth:`numerics.Kernel.energy`, stops when
:math:`\max|\dot x| <` ``tol`` and reports the largest relative energy increase
between recorded points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_array, as_count, as_scalar, require, step_ratio
from .codegen.kernel import Kernel

__all__ = ["simulate", "Trajectory", "METHODS"]

METHODS = ("euler", "rk4", "adaptive")


@dataclass(frozen=True)
class Trajectory:
    """A simulated trajectory.

    Attributes
    ----------
    t : ndarray (T,)
    states : dict layer -> ndarray (T, batch, N_layer)
    energy : ndarray (T, batch)
    converged : ndarray of bool (batch,)
        ``max |dx/dt| < tol`` reached.
    max_energy_increase : float
        ``max_k max_b (E_{k+1} - E_k)_+ / max(|E_k|, 1)`` over recorded points.
    """

    t: np.ndarray
    states: dict
    energy: np.ndarray
    converged: np.ndarray
    max_energy_increase: float
    method: str

    def final(self) -> dict:
        """States at the last recorded time (batch x N per layer)."""
        return {k: v[-1] for k, v in self.states.items()}


def _energy_increase(E: np.ndarray) -> float:
    if len(E) < 2:
        return 0.0
    d = np.diff(E, axis=0)
    scale = np.maximum(np.abs(E[:-1]), 1.0)
    return float(np.max(np.maximum(d, 0.0) / scale))


def simulate(
    kernel: Kernel,
    init: dict,
    args: dict,
    t_max: float,
    method: str = "rk4",
    dt: float = 0.01,
    tol: float | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    record_every: int = 1,
    max_steps: int = 10_000_000,
) -> Trajectory:
    """Integrate the model's dynamics.

    Parameters
    ----------
    kernel : Kernel
        From :func:`numerics.compile`.
    init : dict
        Initial state per layer, shape ``(batch, N)`` or ``(N,)``.
    args : dict
        Weights, inputs and parameters (time constants ``tau_<layer>`` among them).
    t_max : float
        End time.
    method : {"euler", "rk4", "adaptive"}
        Fixed-step explicit Euler or RK4 with step ``dt``, or ``scipy.integrate.solve_ivp``
        (RK45 with ``rtol``/``atol``).
    tol : float, optional
        Stop when ``max |dx/dt|`` falls below it.
    record_every : int
        Record every k-th fixed step.
    max_steps : int
        Refuse fixed-step runs longer than this (``t_max / dt`` steps): a tiny ``dt`` is an error, not a hang.

    Returns
    -------
    Trajectory
    """
    require(method in METHODS, f"Argument `method` must be one of {METHODS}; got {method!r}.")
    require(isinstance(kernel, Kernel), f"Argument `kernel` must be a Kernel from numerics.compile; got {type(kernel).__name__}.")
    t_max = as_scalar("t_max", t_max, positive=True)
    dt = as_scalar("dt", dt, positive=True)
    tol = None if tol is None else as_scalar("tol", tol, positive=True)
    rtol = as_scalar("rtol", rtol, positive=True)
    atol = as_scalar("atol", atol, positive=True)
    record_every = as_count("record_every", record_every)
    max_steps = as_count("max_steps", max_steps)
    if method != "adaptive":
        step_ratio(t_max, dt, max_steps, "`t_max`/`dt`", "raise `max_steps` if you mean it, or use method='adaptive'.")
    require(isinstance(init, dict), f"Argument `init` must be a dict of layer states; got {type(init).__name__}.")
    names = kernel.layer_names
    missing = [n for n in names if n not in init]
    require(not missing, f"Argument `init` lacks the layer(s) {missing}; it needs {list(names)}.")
    extra = sorted(set(init) - set(names))
    require(not extra, f"Argument `init` has {extra}, which are not layers of the model {list(names)}.")
    x = {n: np.atleast_2d(as_array(f"init[{n!r}]", init[n]).astype(float)).copy() for n in names}
    kernel.energy(**x, **args)  # validates everything once; the loop runs unchecked
    if method == "adaptive":
        return _adaptive(kernel, x, args, t_max, tol, rtol, atol)

    def vel(state):
        return kernel.velocity(**state, **args, check=False)

    ts, traj, E = [0.0], {n: [x[n].copy()] for n in names}, [kernel.energy(**x, **args, check=False)]
    batch = next(iter(x.values())).shape[0]
    converged = np.zeros(batch, dtype=bool)
    steps = int(np.ceil(t_max / dt))
    for k in range(1, steps + 1):
        if method == "euler":
            v = vel(x)
            x = {n: x[n] + dt * v[n] for n in names}
        else:
            k1 = vel(x)
            k2 = vel({n: x[n] + dt / 2 * k1[n] for n in names})
            k3 = vel({n: x[n] + dt / 2 * k2[n] for n in names})
            k4 = vel({n: x[n] + dt * k3[n] for n in names})
            v = k1
            x = {n: x[n] + dt / 6 * (k1[n] + 2 * k2[n] + 2 * k3[n] + k4[n]) for n in names}
        done = tol is not None
        if tol is not None:
            speed = np.max([np.abs(v[n]).max(axis=-1) for n in names], axis=0)
            converged = speed < tol
            done = bool(converged.all())
        if k % record_every == 0 or k == steps or done:
            ts.append(k * dt)
            for n in names:
                traj[n].append(x[n].copy())
            E.append(kernel.energy(**x, **args, check=False))
        if done:
            break
    E_arr = np.array(E)
    return Trajectory(np.array(ts), {n: np.array(traj[n]) for n in names}, E_arr, converged, _energy_increase(E_arr), method)


def _adaptive(kernel, x, args, t_max, tol, rtol, atol) -> Trajectory:
    from scipy.integrate import solve_ivp

    names = kernel.layer_names
    shapes = {n: x[n].shape for n in names}
    sizes = [int(np.prod(shapes[n])) for n in names]
    splits = np.cumsum(sizes)[:-1]

    def unpack(y):
        return {n: part.reshape(shapes[n]) for n, part in zip(names, np.split(y, splits), strict=True)}

    def f(t, y):
        v = kernel.velocity(**unpack(y), **args, check=False)
        return np.concatenate([v[n].ravel() for n in names])

    events = None
    if tol is not None:

        def slow(t, y):
            return float(np.abs(f(t, y)).max() - tol)

        slow.terminal = True
        slow.direction = -1
        events = [slow]
    y0 = np.concatenate([x[n].ravel() for n in names])
    sol = solve_ivp(f, (0.0, t_max), y0, method="RK45", rtol=rtol, atol=atol, events=events)
    if sol.status == -1:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    T = sol.y.shape[1]
    states = {n: np.stack([unpack(sol.y[:, j])[n] for j in range(T)]) for n in names}
    batch = shapes[names[0]][0]
    big = {n: states[n].reshape(T * batch, -1) for n in names}
    E = kernel.energy(**big, **args, check=False).reshape(T, batch)
    speed = np.max([np.abs(kernel.velocity(**{n: states[n][-1] for n in names}, **args, check=False)[n]).max(-1) for n in names], axis=0)
    converged = speed < tol if tol is not None else np.zeros(batch, dtype=bool)
    return Trajectory(sol.t, states, E, converged, _energy_increase(E), "adaptive")
