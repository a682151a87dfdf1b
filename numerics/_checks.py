"""Input validation shared by the numerics modules: one clear error naming the argument."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["as_array", "as_scalar", "as_count", "require", "check_symmetric", "require_memory", "as_path", "step_ratio"]


def as_array(name: str, a: Any, ndim: int | tuple[int, ...] | None = None, finite: bool = True, dtype=None) -> np.ndarray:
    """``a`` as an array, checked for dimension, real dtype and finiteness."""
    try:
        arr = np.asarray(a)  # its own dtype first: a cast would parse text ("1.5") and drop imaginary parts
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Argument `{name}` must be array-like; got {type(a).__name__} ({exc}).") from None
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"Argument `{name}` must hold real numbers; got dtype {arr.dtype}.")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
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


def as_scalar(
    name: str,
    value: Any,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    integer: bool = False,
    finite: bool = True,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """``value`` as a Python float, checked against what the argument declares.

    One error names the argument, what was expected and what came: arrays of more than one entry,
    complex numbers, strings, NaN, infinities (unless ``finite=False``), signs, non-integers and values
    outside ``[low, high]`` are refused.  Torch/JAX scalars and 0-d arrays are accepted.
    """
    want = ", ".join(
        w
        for w, on in (
            ("positive", positive),
            ("nonnegative", nonnegative),
            ("an integer", integer),
            ("finite", finite),
            (f"in [{low}, {high}]", low is not None or high is not None),
        )
        if on
    )
    want = f"a real number ({want})" if want else "a real number"
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:  # a bool is never the number meant
        raise ValueError(f"Argument `{name}` must be {want}; got {type(value).__name__} {value!r}.")
    if hasattr(value, "detach"):  # torch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"Argument `{name}` must be {want}, a scalar; got an array of shape {arr.shape}.")
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"Argument `{name}` must be {want}; got {arr.reshape(())[()]!r} of dtype {arr.dtype}.")
    v = float(arr.reshape(()))
    if np.isnan(v) or (finite and not np.isfinite(v)):
        raise ValueError(f"Argument `{name}` must be {want}; got {v}.")
    if positive and not v > 0:
        raise ValueError(f"Argument `{name}` must be {want}; got {v}.")
    if nonnegative and not v >= 0:
        raise ValueError(f"Argument `{name}` must be {want}; got {v}.")
    if integer and (not np.isfinite(v) or v != round(v)):
        raise ValueError(f"Argument `{name}` must be {want}; got {v}.")
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"Argument `{name}` must be {want}; got {v}.")
    return v


def as_count(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as a Python int ``>= minimum`` (sizes, sample counts, step counts)."""
    if isinstance(value, bool):
        raise ValueError(f"Argument `{name}` must be an integer >= {minimum}; got the bool {value}.")
    v = as_scalar(name, value, integer=True)
    if v < minimum:
        raise ValueError(f"Argument `{name}` must be an integer >= {minimum}; got {int(v)}.")
    return int(v)


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


def step_ratio(t: float, dt: float, most: int, names: str, hint: str) -> float:
    """``t / dt``, the number of fixed steps a run asks for, refused (naming ``names``) above ``most`` before it is
    turned into an int (``1e300 / 1e-300`` is inf, which ``int`` cannot take)."""
    ratio = t / dt
    require(ratio <= most, f"Arguments {names} = {t:g}/{dt:g} ask for {ratio:.3g} steps, over {most:,}; {hint}")
    return ratio


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no bound
        return 1 << 62


def require_memory(nbytes: float, what: str, arguments: str) -> None:
    """Refuse, before allocating, work whose arrays alone would exceed this machine's memory: one error naming the
    ``arguments`` that set the size (a request for 1e12 prompts is a ValueError, not NumPy's MemoryError)."""
    total = _physical_memory()
    if nbytes > total:
        raise ValueError(f"Arguments {arguments} ask for {what} of {nbytes / 2**30:.3g} GiB; this machine has "
                         f"{total / 2**30:.3g} GiB of memory. Use smaller sizes.")


def as_path(name: str, value: Any):
    """``value`` as a :class:`pathlib.Path` (a str or path-like), else one error naming the argument."""
    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value)
    raise ValueError(f"Argument `{name}` must be a path (str or os.PathLike); got {type(value).__name__} {value!r}.")
