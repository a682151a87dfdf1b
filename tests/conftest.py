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
