"""Shared fixtures: seeded generators and the built-in models."""

import numpy as np
import pytest

import theory


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def models():
    return {n: theory.builtin(n) for n in theory.builtin_names()}


#: How the tests are organised: every test of a module carries its marker, so that a development loop can leave the
#: long groups out (``python -m pytest -m "not slow and not notebooks and not docs and not perf"``) while the README's
#: test command, which .ci/run calls, still runs everything. docs/manual/tests.md describes each group.
MARKERS = {
    "test_notebooks.py": "notebooks",  # every notebook executed
    "test_jupyterlab.py": "notebooks",  # JupyterLab started headless
    "test_docs.py": "docs",  # the Sphinx build with -W
    "test_paper_claims.py": "slow",  # every claim at quick scale
    "test_claims_can_fail.py": "slow",  # claims re-run with an injected bug
    "test_sweeps.py": "slow",  # sweeps killed and resumed
    "test_benchmarks_smoke.py": "perf",  # the benchmark scripts at small sizes (nothing timed)
    "test_allocator.py": "perf",  # the heap setting, counted as page faults in fresh processes
    "test_blas.py": "perf",  # which BLAS kernels NumPy runs on
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = MARKERS.get(item.path.name)
        if marker is not None:
            item.add_marker(getattr(pytest.mark, marker))
