"""Numerics generated from :mod:`theory`: the kernel compiler (:mod:`numerics.codegen`), and the simulation toolbox
that runs its kernels: integrators, discrete updates, patterns and data,
retrieval, capacity, spectra, fixed-point census, sweeps and plots."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs; at run time the names load lazily
    from . import (
        allocator,
        blas,
        capacity,
        census,
        codegen,
        datasets,
        denoising,
        discrete,
        integrate,
        oscillators,
        patterns,
        phases,
        plots,
        retrieval,
        spectra,
        sweeps,
        thermal,
        tolerances,
    )
    from .allocator import retain_freed_heap
    from .blas import BlasInfo, blas_info
    from .codegen.backends import Backend, available_backends, get_backend, memory_budget
    from .codegen.kernel import ArgSpec, Kernel, KernelInputError, compile
    from .denoising import Prompts
    from .discrete import BinaryMemory, ThresholdMemory
    from .integrate import Trajectory, simulate
    from .oscillators import OscillatorRun, Oscillators
    from .phases import PhaseGrid, phase_grid
    from .thermal import OverlapChain

_SUBMODULES = ("allocator", "blas", "codegen", "capacity", "census", "datasets", "denoising", "discrete", "integrate", "oscillators", "patterns", "phases", "plots", "retrieval", "spectra", "sweeps", "thermal", "tolerances")
_NAMES = {
    "compile": "codegen.kernel", "Kernel": "codegen.kernel", "ArgSpec": "codegen.kernel", "KernelInputError": "codegen.kernel",
    "Backend": "codegen.backends", "available_backends": "codegen.backends", "get_backend": "codegen.backends", "memory_budget": "codegen.backends",
    "retain_freed_heap": "allocator", "blas_info": "blas", "BlasInfo": "blas",
    "simulate": "integrate", "Trajectory": "integrate", "BinaryMemory": "discrete", "ThresholdMemory": "discrete",
    "OverlapChain": "thermal", "phase_grid": "phases", "PhaseGrid": "phases",
    "Oscillators": "oscillators", "OscillatorRun": "oscillators", "Prompts": "denoising",
}


def __getattr__(name: str) -> Any:
    """Load submodules and re-exported names on first use (``import numerics`` stays cheap: the CLI, a
    derivation that needs one kernel, never pay for matplotlib or scipy)."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'numerics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "compile",
    "Kernel",
    "ArgSpec",
    "KernelInputError",
    "Backend",
    "available_backends",
    "get_backend",
    "memory_budget",
    "retain_freed_heap",
    "blas_info",
    "BlasInfo",
    "simulate",
    "Trajectory",
    "BinaryMemory",
    "ThresholdMemory",
    "OverlapChain",
    "Oscillators",
    "OscillatorRun",
    "phase_grid",
    "PhaseGrid",
    "Prompts",
    "allocator",
    "blas",
    "codegen",
    "capacity",
    "census",
    "datasets",
    "denoising",
    "discrete",
    "integrate",
    "oscillators",
    "patterns",
    "phases",
    "plots",
    "retrieval",
    "spectra",
    "sweeps",
    "thermal",
    "tolerances",
]
