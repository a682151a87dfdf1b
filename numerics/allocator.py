"""The C heap under NumPy's temporaries: keep freed memory mapped instead of faulting it back in on every call.

A generated NumPy kernel allocates its temporaries afresh on every call (a batch x N array of float32 at batch 256,
N = 784 is 0.8 MB). glibc serves such blocks from the heap, and when they are freed and the free space at the top of
the heap exceeds its trim threshold, it hands the pages back to the kernel; the next call touches them again and pays
one page fault per 4 KiB. The hamux3 energy gradient (batch 256, 784/392/392 neurons) paid that on every call
(``tests/test_allocator.py`` counts the faults with and without this setting).

:func:`retain_freed_heap` raises glibc's ``M_TOP_PAD``: up to that many bytes of freed heap stay mapped, so repeated
calls reuse the same pages. Setting any malloc parameter by hand also freezes glibc's *dynamic* mmap threshold (which
otherwise rises to the largest block freed so far, up to 32 MiB) at its start value, 128 KiB: every block above that
would then be ``mmap``-ed and unmapped on each call, faulting in afresh every time -- worse than no setting at all
(the regression ``tests/test_allocator.py`` holds). So the threshold is set too, to ``min(mib, 32)`` MiB, the value
the dynamic rule tends to: blocks below it come from the heap and stay mapped, larger ones are mapped per call as
before. Building a kernel never applies it: the entry points (``amwb``, ``python -m paper_checks``, the benchmarks)
do, through :func:`tune_process`, with 64 MiB; ``AMWB_HEAP_TOP_PAD_MIB=0`` in the environment turns it off (another
integer sets the size), and a script calls :func:`retain_freed_heap` itself. It changes nothing
else: blocks are still freed, and on a C library other than glibc (macOS, musl) nothing is done.
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["retain_freed_heap", "tune_process", "applies_here", "DEFAULT_TOP_PAD_MIB", "MAX_TOP_PAD_MIB", "ENV_VAR"]

DEFAULT_TOP_PAD_MIB = 64
ENV_VAR = "AMWB_HEAP_TOP_PAD_MIB"
_M_TOP_PAD = -2  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
MAX_MMAP_THRESHOLD_MIB = 32  # glibc's ceiling on M_MMAP_THRESHOLD on 64-bit (HEAP_MAX_SIZE / 2)
MAX_TOP_PAD_MIB = 2047  # mallopt takes a C int of bytes: 2047 MiB is the largest that fits
_applied: int | None = None


def _env_mib() -> int:
    raw = os.environ.get(ENV_VAR)
    if raw is None:
        return DEFAULT_TOP_PAD_MIB
    try:
        mib = int(raw.strip())
    except ValueError:
        raise ValueError(f"Environment variable {ENV_VAR} must be a whole number of MiB (0 turns it off); got {raw!r}.") from None
    if not 0 <= mib <= MAX_TOP_PAD_MIB:
        raise ValueError(f"Environment variable {ENV_VAR} must be between 0 and {MAX_TOP_PAD_MIB} (MiB; 0 turns it off); got {raw!r}.")
    return mib


def applies_here() -> bool:
    """Whether this process's C library is glibc on Linux, the only one :func:`retain_freed_heap` configures."""
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def retain_freed_heap(mib: int | None = None) -> bool:
    """Keep up to ``mib`` MiB of freed C-heap memory mapped (glibc ``mallopt``: ``M_TOP_PAD`` and ``M_MMAP_THRESHOLD``).

    Parameters
    ----------
    mib : int or None
        The padding in MiB, from 0 to 2047 (mallopt takes a C int of bytes); ``None`` reads ``AMWB_HEAP_TOP_PAD_MIB``
        from the environment (default 64). ``0`` does nothing (it does not undo an earlier call).

    Returns
    -------
    bool
        Whether the setting was applied: ``False`` for ``0`` and on C libraries other than glibc.

    Notes
    -----
    glibc returns the free space at the top of its heap to the operating system once it exceeds the trim threshold;
    ``M_TOP_PAD`` is how much it keeps (and how much extra it asks for when the heap grows). A kernel whose
    temporaries are freed at the end of each call then finds its pages still mapped on the next call instead of
    faulting them in one 4 KiB page at a time. Blocks at or above glibc's mmap threshold never come from the heap;
    since a hand-set parameter freezes that threshold at 128 KiB, it is set to ``min(mib, 32)`` MiB as well (32 MiB
    is glibc's ceiling), so blocks below it are served, and kept, by the heap whatever the process freed before.
    The cost is at most ``mib`` MiB of resident memory kept after large temporaries are freed. The setting is
    process-wide, which is why it can be turned off.
    """
    global _applied
    if mib is None:
        mib = _env_mib()
    if isinstance(mib, bool) or not isinstance(mib, int) or not 0 <= mib <= MAX_TOP_PAD_MIB:
        # beyond MAX_TOP_PAD_MIB the byte count would wrap around in mallopt's C int: a silent wrong setting
        raise ValueError(f"Argument `mib` must be a whole number from 0 to {MAX_TOP_PAD_MIB} (MiB); got {mib!r}.")
    if mib == 0 or not applies_here():
        return False
    if _applied == mib:
        return True
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    threshold = min(mib, MAX_MMAP_THRESHOLD_MIB) << 20
    ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(threshold))) and bool(libc.mallopt(_M_TOP_PAD, ctypes.c_int(mib << 20)))
    if ok:
        _applied = mib
    return ok


def tune_process() -> str | None:
    """What an entry point applies to its process before any work: :func:`retain_freed_heap` as the environment says.

    Returns
    -------
    str or None
        ``None`` once applied (or turned off, or not glibc); for a bad ``AMWB_HEAP_TOP_PAD_MIB`` the one-line error
        naming it, which the entry point prints before it exits with status 2 (no traceback, no work lost).
    """
    try:
        retain_freed_heap()
    except ValueError as exc:
        return str(exc)
    return None
