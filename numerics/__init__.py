"""Numerics generated from :mod:`theory`: kernels, integrators, discrete updates, patterns and data,
retrieval, capacity, spectra, fixed-point census, sweeps and plots."""

from . import capacity, census, datasets, discrete, integrate, patterns, plots, retrieval, spectra, sweeps, tolerances
from .backends import Backend, available_backends, get_backend
from .discrete import BinaryMemory, ThresholdMemory
from .integrate import Trajectory, simulate
from .kernels import ArgSpec, Kernel, KernelInputError, compile

__all__ = [
    "compile",
    "Kernel",
    "ArgSpec",
    "KernelInputError",
    "Backend",
    "available_backends",
    "get_backend",
    "simulate",
    "Trajectory",
    "BinaryMemory",
    "ThresholdMemory",
    "capacity",
    "census",
    "datasets",
    "discrete",
    "integrate",
    "patterns",
    "plots",
    "retrieval",
    "spectra",
    "sweeps",
    "tolerances",
]
