"""numerics.allocator: freed temporaries stay mapped, so a NumPy kernel does not fault its pages back in on every call.

Nothing is timed: the effect is counted as minor page faults (``ru_minflt``) per call of the hamux3 energy gradient in
a fresh process, with the setting applied as the entry points apply it and off (``AMWB_HEAP_TOP_PAD_MIB=0``), and the mmap threshold the
setting leaves is read off where glibc places a fresh block (``[heap]`` in ``/proc/self/maps`` or not).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from numerics import allocator, retain_freed_heap

_GLIBC = allocator.applies_here()

_FAULTS = r"""
import json, resource
import numpy as np
import numerics as nm, theory
nm.retain_freed_heap()  # as the entry points (amwb, python -m paper_checks, the benchmarks) apply it
rng = np.random.default_rng(0)
v, h1, h2 = (rng.standard_normal((256, n)).astype(np.float32) for n in (784, 392, 392))
W1 = (rng.standard_normal((392, 784)) / 28).astype(np.float32)
W2 = (rng.standard_normal((392, 392)) / 20).astype(np.float32)
grad = nm.compile(theory.builtin("hamux3")).fast("energy_grad", dtype=np.float32, W1=W1, W2=W2, beta=1.0)
for _ in range(5):
    grad(v, h1, h2)
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    grad(v, h1, h2)
print(json.dumps((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20))
"""


def _faults_per_call(env_value: str | None) -> float:
    env = {k: v for k, v in os.environ.items() if k != allocator.ENV_VAR}
    if env_value is not None:
        env[allocator.ENV_VAR] = env_value
    out = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


# Where glibc puts a fresh 8 MiB block, in a fresh process where the backend is built first and a few kernel calls have
# run: the heap's top is trimmed to nothing first (malloc_trim(0)), so the block cannot come from the top and malloc
# must either grow the heap (the request is below the mmap threshold) or map it on its own (at or above). Which one
# is read off /proc/self/maps. This does not depend on the allocations before it, as counting faults of a workload
# did: whether M_TOP_PAD alone showed its faults there depended on whether some small request had grown the heap
# (by the pad) after the setting, and a change of LseLegendre's row sums made that control pass for no reason.
_PROBE = r"""
import ctypes, json, sys
import numpy as np
import numerics as nm, theory
nm.retain_freed_heap()  # as the entry points apply it
libc = ctypes.CDLL("libc.so.6")
if sys.argv[1] == "top-pad-only":  # what the allocator did before the regression fix: M_TOP_PAD alone
    libc.mallopt(-2, ctypes.c_int(64 << 20))
rng = np.random.default_rng(0)
v, h1, h2 = (rng.standard_normal((64, n)).astype(np.float32) for n in (784, 392, 392))
W1, W2 = (rng.standard_normal(s).astype(np.float32) / 20 for s in ((392, 784), (392, 392)))
grad = nm.compile(theory.builtin("hamux3")).fast("energy_grad", dtype=np.float32, W1=W1, W2=W2, beta=1.0)
for _ in range(3):
    grad(v, h1, h2)
libc.malloc_trim(0)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
p = libc.malloc(8 << 20)
heap = []
with open("/proc/self/maps") as f:
    for line in f:
        if line.rstrip().endswith("[heap]"):
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            heap.append((lo, hi))
print(json.dumps(any(lo <= p < hi for lo, hi in heap)))
libc.free(p)
"""


def _in_heap(mode: str) -> bool:
    env = {k: v for k, v in os.environ.items() if k != allocator.ENV_VAR}
    if mode == "top-pad-only":
        env[allocator.ENV_VAR] = "0"  # the backend leaves the hand-set M_TOP_PAD alone
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _GLIBC, reason="mallopt is glibc's")
def test_setting_first_does_not_freeze_the_mmap_threshold():
    """Regression: a hand-set malloc parameter freezes glibc's dynamic mmap threshold at 128 KiB. Applied at the start
    of a process (before any larger block was freed), M_TOP_PAD alone then sent every temporary above 128 KiB that the
    heap's top could not serve to mmap, unmapped and faulted in afresh on each call (hundreds of faults per call of
    LseLegendre in the benchmark's process). With the setting as the backend applies it, a block below the threshold
    it sets (``min(mib, 32)`` MiB) grows the heap instead."""
    assert _in_heap("top-pad-only") is False  # the control: the frozen threshold maps the block on its own
    assert _in_heap("backend") is True


@pytest.mark.skipif(not _GLIBC, reason="M_TOP_PAD is glibc's")
def test_numpy_kernel_does_not_fault_its_temporaries_back_in():
    """Regression: the hamux3 energy gradient on NumPy (batch 256) faulted its temporaries' pages back in on every
    call (freed heap handed back to the OS and touched again). With the backend's default padding: (almost) none."""
    off = _faults_per_call("0")
    on = _faults_per_call(None)
    assert off > 500, off  # the control: without the setting the faults are there (else this test measures nothing)
    assert on < 50, (on, off)


def test_zero_and_bad_sizes():
    assert retain_freed_heap(0) is False
    for bad in (-1, 1.5, True, "64", allocator.MAX_TOP_PAD_MIB + 1, 4096):  # 4096 MiB would wrap to 0 in a C int
        with pytest.raises(ValueError, match="`mib`"):
            retain_freed_heap(bad)


def test_environment_variable_is_validated(monkeypatch):
    monkeypatch.setenv(allocator.ENV_VAR, "lots")
    with pytest.raises(ValueError, match=allocator.ENV_VAR):
        retain_freed_heap()
    for bad in ("-3", "4096"):
        monkeypatch.setenv(allocator.ENV_VAR, bad)
        with pytest.raises(ValueError, match=allocator.ENV_VAR):
            retain_freed_heap()
    monkeypatch.setenv(allocator.ENV_VAR, "0")
    assert retain_freed_heap() is False


@pytest.mark.skipif(not _GLIBC, reason="M_TOP_PAD is glibc's")
def test_applies_on_glibc(monkeypatch):
    monkeypatch.setattr(allocator, "_applied", None)  # the backend applied it already: make this call reach mallopt
    assert retain_freed_heap(allocator.DEFAULT_TOP_PAD_MIB) is True
    assert allocator._applied == allocator.DEFAULT_TOP_PAD_MIB


def test_building_and_running_a_kernel_changes_nothing_process_wide():
    """Regression: building the NumPy backend applied the heap setting to the whole process as a side effect. Now only
    the entry points apply it; a kernel built and run with the setter made to fail still works."""
    script = r"""
import numpy as np
import numerics.allocator as a
def refuse(*args, **kw):
    raise RuntimeError("a kernel applied a process-wide setting")
a.retain_freed_heap = refuse
import numerics as nm, theory
k = nm.compile(theory.builtin("model_b").integrate_out("h"))
k.update(v=np.ones((2, 3)), xi=np.eye(3), I=np.zeros(3))
k.fast("update", xi=np.eye(3), I=np.zeros(3))(np.ones((2, 3)))
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
