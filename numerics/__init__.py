"""Numerics generated from :mod:`theory`: kernels (and, later, integrators, retrieval, capacity)."""

from .backends import Backend, available_backends, get_backend
from .kernels import ArgSpec, Kernel, KernelInputError, compile

__all__ = ["compile", "Kernel", "ArgSpec", "KernelInputError", "Backend", "available_backends", "get_backend"]
