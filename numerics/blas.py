"""The BLAS under NumPy's matrix products: which library, which kernels it runs, and whether the CPU could run better.

Every ``MatVec`` of a NumPy kernel is a BLAS matrix product, and at the sizes of a retrieval step those products are
most of the time. NumPy's wheels bundle OpenBLAS, which picks its kernels once, when it is loaded: from the CPU it
detects, unless ``OPENBLAS_CORETYPE`` in the environment names a core. Some machines set that variable (with
``OPENBLAS_L2_SIZE``) because older OpenBLAS builds computed wrong results or crashed on their processors; on a CPU
with AVX-512 a forced ``Haswell`` makes a current OpenBLAS run its AVX2 kernels, and the same products run markedly
slower than with the AVX-512 (``SkylakeX``) kernels it picks by itself. The choice cannot be changed once OpenBLAS is
loaded, so :func:`blas_info` reports it (``benchmarks/peers.py`` prints it in its machine line and warns) and says
what to change; it changes nothing itself, and whether an override is needed on a machine is its owner's call.
"""

from __future__ import annotations

import contextlib
import os
import platform
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BlasInfo", "blas_info", "AVX512_CORES", "AVX2_CORES"]

#: OpenBLAS x86-64 core names whose kernels use AVX-512
AVX512_CORES = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})
#: OpenBLAS x86-64 core names that use AVX2 at most (Zen maps to the Haswell kernels)
AVX2_CORES = frozenset({"Haswell", "Zen", "Sandybridge"})
# the AVX-512 subsets OpenBLAS's SkylakeX kernels need (its own cpuid check asks for these)
_SKYLAKEX_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})


@dataclass(frozen=True)
class BlasInfo:
    """One BLAS library as loaded in this process.

    Attributes
    ----------
    library : str
        ``"openblas"``, ``"mkl"``, ``"blis"``, ... or ``"unknown"`` (threadpoolctl found none).
    version : str or None
    core : str or None
        The kernel family the library runs (OpenBLAS: its core name, e.g. ``"Haswell"``, ``"SkylakeX"``).
    threads : int or None
    coretype_env : str or None
        ``OPENBLAS_CORETYPE`` as set in this process's environment (it only acts before OpenBLAS loads).
    cpu_avx512 : bool or None
        Whether the CPU has the AVX-512 subsets OpenBLAS's SkylakeX kernels use (``None``: not known here).
    """

    library: str
    version: str | None
    core: str | None
    threads: int | None
    coretype_env: str | None
    cpu_avx512: bool | None

    def __post_init__(self) -> None:
        if not isinstance(self.library, str) or not self.library:
            raise ValueError(f"BlasInfo.library must be a non-empty string; got {self.library!r}.")
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1):
            raise ValueError(f"BlasInfo.threads must be a positive integer or None; got {self.threads!r}.")

    @property
    def underused(self) -> bool:
        """OpenBLAS runs AVX2 kernels on a CPU that has the AVX-512 its SkylakeX kernels use."""
        return self.library == "openblas" and self.core in AVX2_CORES and bool(self.cpu_avx512)

    @property
    def hint(self) -> str | None:
        """What to set, where the BLAS runs below the CPU; ``None`` where nothing is to be gained."""
        if not self.underused:
            return None
        if self.coretype_env:
            return (f"OPENBLAS_CORETYPE={self.coretype_env} makes OpenBLAS run its {self.core} (AVX2) kernels on a CPU with "
                    "AVX-512: where the OpenBLAS in use is known to be sound on this CPU, start Python without it (and "
                    "OPENBLAS_L2_SIZE) to let it pick its AVX-512 kernels (matrix products markedly faster)")
        return (f"OpenBLAS chose its {self.core} (AVX2) kernels on a CPU with AVX-512: OPENBLAS_CORETYPE=SkylakeX in "
                "the environment before Python starts selects its AVX-512 kernels (matrix products markedly faster)")

    def summary(self) -> str:
        """One line: library, version, kernels, threads, and the environment override if one is set."""
        parts = [self.library + (f" {self.version}" if self.version else "")]
        if self.core:
            parts.append(f"{self.core} kernels")
        if self.threads:
            parts.append(f"{self.threads} threads")
        if self.coretype_env:
            parts.append(f"OPENBLAS_CORETYPE={self.coretype_env}")
        return ", ".join(parts)


def _cpu_avx512() -> bool | None:
    if platform.system() != "Linux":
        return None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return _SKYLAKEX_FLAGS <= set(line.split(":", 1)[1].split())
    return None


def blas_info() -> BlasInfo:
    """The BLAS that NumPy's matrix products run on, with the kernels it chose (see the module notes).

    Returns
    -------
    BlasInfo
        ``info.hint`` is a sentence saying what to set where OpenBLAS runs below the CPU, else ``None``.

    Notes
    -----
    Read through ``threadpoolctl`` (which asks the loaded library itself, e.g. ``openblas_get_corename``) and, for
    the CPU's flags, ``/proc/cpuinfo``. Importing NumPy loads its BLAS, so calling this costs nothing extra.
    """
    import numpy  # noqa: F401 - loads the BLAS that is to be reported
    from threadpoolctl import threadpool_info

    env = os.environ.get("OPENBLAS_CORETYPE") or None
    blas = [d for d in threadpool_info() if d.get("user_api") == "blas"]
    if not blas:
        return BlasInfo("unknown", None, None, None, env, _cpu_avx512())
    d = blas[0]
    threads = d.get("num_threads")
    return BlasInfo(str(d.get("internal_api") or "unknown"), d.get("version"), d.get("architecture"),
                    threads if isinstance(threads, int) and threads >= 1 else None, env, _cpu_avx512())
