"""Array implementations of the vector-level nodes, one module per backend.

Every node of :mod:`theory.vector` and :mod:`numerics.codegen.stable` maps to a function of arrays whose last axis is
the neuron axis and whose first axes are batch axes (:mod:`.generic` says how). The seams:

- :mod:`.generic`: every node in its array-library form, written once against NumPy's names; JAX and PyTorch take
  these, with their own fused kernels where they have one;
- :mod:`.numpy_backend`: NumPy runs the generated code node by node, so the nodes whose temporaries it can reuse are
  replaced by in-place forms over the generic ones (and the attention products can stream under
  :func:`memory_budget`);
- :mod:`.jax_backend`, :mod:`.torch_backend`: the library-specific pieces.

Building a backend changes nothing process-wide: JAX's double precision, a process-wide switch, is turned on only
around each call of a generated function (:attr:`Backend.scope`), so float64 inputs compute in float64 and the rest
of the process keeps its own setting.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .numpy_backend import memory_budget

__all__ = ["Backend", "get_backend", "available_backends", "memory_budget"]


@dataclass(frozen=True)
class Backend:
    """A lambdify target: the module that ``numpy.*`` names resolve to, and node implementations."""

    name: str
    xp: Any
    namespace: dict
    asarray: Any
    to_numpy: Any
    #: the generated function is compiled into one program that fuses elementwise passes and their reductions (XLA);
    #: otherwise it runs node by node, and the printer fuses sums of products into dot products itself
    fuses_passes: bool = False
    #: the scope every call of a generated function runs in (JAX: double precision, for this call and thread only)
    scope: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext


def _factory(name: str):
    if name == "numpy":
        from .numpy_backend import numpy_backend

        return numpy_backend
    if name == "jax":
        from .jax_backend import jax_backend

        return jax_backend
    from .torch_backend import torch_backend

    return torch_backend


#: backend name -> the package it needs
_PACKAGES = {"numpy": "numpy", "jax": "jax", "torch": "torch"}


def available_backends() -> list[str]:
    """Names of the backends whose library is installed."""
    return [k for k, mod in _PACKAGES.items() if importlib.util.find_spec(mod) is not None]


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (``numpy``, ``jax`` or ``torch``)."""
    if name not in _PACKAGES:
        raise ValueError(f"Argument `backend` must be one of {sorted(_PACKAGES)}; got {name!r}.")
    mod = _PACKAGES[name]
    if importlib.util.find_spec(mod) is None:
        raise ImportError(f"backend {name!r} needs the package {mod!r}, which is not installed (pip install {mod}).")
    return _factory(name)()
