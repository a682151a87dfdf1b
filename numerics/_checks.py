"""Input validation shared by the numerics modules: one clear error naming the argument."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_array", "require", "check_symmetric"]


def as_array(name: str, a: Any, ndim: int | tuple[int, ...] | None = None, finite: bool = True, dtype=None) -> np.ndarray:
    """``a`` as an array, checked for dimension, real dtype and finiteness."""
    try:
        arr = np.asarray(a, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Argument `{name}` must be array-like; got {type(a).__name__} ({exc}).") from None
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"Argument `{name}` must hold real numbers; got dtype {arr.dtype}.")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ValueError(f"Argument `{name}` must have {' or '.join(map(str, allowed))} dimensions; got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"Argument `{name}` must not be empty; got shape {arr.shape}.")
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"Argument `{name}` must be finite; got {arr[idx]} at index {idx}.")
    return arr


def require(cond: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``cond``."""
    if not cond:
        raise ValueError(message)


def check_symmetric(name: str, J: np.ndarray, rtol: float = 1e-10) -> np.ndarray:
    """``J`` square and symmetric (the energy of a recurrent network needs ``J = J^T``)."""
    J = as_array(name, J, ndim=2)
    if J.shape[0] != J.shape[1]:
        raise ValueError(f"Argument `{name}` must be square; got shape {J.shape}.")
    scale = max(1.0, float(np.abs(J).max()))
    dev = float(np.abs(J - J.T).max())
    if dev > rtol * scale:
        raise ValueError(f"Argument `{name}` must be symmetric; max |J - J^T| = {dev:.3g}. Symmetrize with (J + J.T)/2.")
    return J
