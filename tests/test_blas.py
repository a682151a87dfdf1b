"""numerics.blas: the BLAS report (which kernels NumPy's matrix products run) and its hint.

The report is read from the loaded library (threadpoolctl); the environment is not changed here (see the env notes:
an OPENBLAS_CORETYPE a machine sets is its owner's call), so the hint's logic is tested on constructed reports.
"""

from __future__ import annotations

import os

import pytest

import numerics as nm
from numerics import blas
from numerics.blas import BlasInfo


def _info(core, *, env=None, avx512=True, library="openblas"):
    return BlasInfo(library, "0.3.31", core, 2, env, avx512)


def test_hint_where_an_avx2_core_runs_on_avx512():
    forced = _info("Haswell", env="Haswell")
    assert forced.underused
    assert "OPENBLAS_CORETYPE=Haswell" in forced.hint and "without it" in forced.hint
    chosen = _info("Zen")
    assert chosen.underused and "OPENBLAS_CORETYPE=SkylakeX" in chosen.hint


@pytest.mark.parametrize("info", [
    _info("SkylakeX"),                     # already the AVX-512 kernels
    _info("Haswell", avx512=False),        # the CPU has no AVX-512: nothing to gain
    _info("Haswell", avx512=None),         # not known: no advice
    _info("Haswell", library="mkl"),       # not OpenBLAS
])
def test_no_hint_where_nothing_is_gained(info):
    assert not info.underused and info.hint is None


def test_invariants_name_the_field():
    with pytest.raises(ValueError, match="BlasInfo.library"):
        BlasInfo("", None, None, None, None, None)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="BlasInfo.threads"):
            BlasInfo("openblas", None, "Haswell", bad, None, None)


def test_summary_names_kernels_threads_and_override():
    s = _info("Haswell", env="Haswell").summary()
    assert s == "openblas 0.3.31, Haswell kernels, 2 threads, OPENBLAS_CORETYPE=Haswell"


def test_report_maps_threadpoolctl_records(monkeypatch):
    import threadpoolctl

    rec = [{"user_api": "openmp", "internal_api": "openmp", "num_threads": 8},
           {"user_api": "blas", "internal_api": "openblas", "version": "9.9", "architecture": "Cooperlake", "num_threads": 3}]
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: rec)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Cooperlake")
    info = blas.blas_info()
    assert (info.library, info.version, info.core, info.threads, info.coretype_env) == ("openblas", "9.9", "Cooperlake", 3, "Cooperlake")
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: rec[:1])
    assert blas.blas_info().library == "unknown"


def test_cpu_flags_parsed(monkeypatch, tmp_path):
    f = tmp_path / "cpuinfo"
    f.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512cd avx512bw avx512dq avx512vl\n")
    monkeypatch.setattr(blas, "Path", lambda _p: f)
    monkeypatch.setattr(blas.platform, "system", lambda: "Linux")
    assert blas._cpu_avx512() is True
    f.write_text("flags\t\t: fpu avx2 avx512f\n")  # AVX-512F alone is not what the SkylakeX kernels need
    assert blas._cpu_avx512() is False


def test_live_report_is_consistent():
    info = nm.blas_info()
    assert info.coretype_env == (os.environ.get("OPENBLAS_CORETYPE") or None)
    if info.library == "openblas":
        assert isinstance(info.core, str) and info.core
