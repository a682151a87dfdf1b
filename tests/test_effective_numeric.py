"""Effective models compiled at symbolic N against hand-written NumPy closed forms (independent route)."""

import numpy as np
import pytest

import numerics as nm
import theory

RTOL = 1e-12


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    nh, nv, b = 40, 25, 6
    return dict(xi=rng.standard_normal((nh, nv)), v=rng.standard_normal((b, nv)), I=rng.standard_normal(nv), h=rng.standard_normal((b, nh)))


def test_model_a(data):
    k = nm.compile(theory.builtin("model_a").integrate_out("h"))
    xi, v, I = data["xi"], data["v"], data["I"]
    s = np.sign(v)
    closed = -(np.maximum(s @ xi.T, 0) ** 3 / 3).sum(-1) - s @ I
    np.testing.assert_allclose(k.energy(v=v, I=I, xi=xi), closed, rtol=RTOL)


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0])
def test_model_b(data, beta):
    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    xi, v, I = data["xi"], data["v"], data["I"]
    closed = 0.5 * (v**2).sum(-1) - np.log(np.exp(beta * v @ xi.T).sum(-1)) / beta - v @ I
    np.testing.assert_allclose(k.energy(v=v, I=I, xi=xi, beta=beta), closed, rtol=RTOL)


def test_model_c(data):
    k = nm.compile(theory.builtin("model_c").integrate_out("h"))
    xi, v = data["xi"], data["v"]
    u = v / np.linalg.norm(v, axis=-1, keepdims=True)
    closed = -(np.maximum(u @ xi.T, 0) ** 3 / 3).sum(-1)
    np.testing.assert_allclose(k.energy(v=v, xi=xi), closed, rtol=RTOL)
    # zero mode: the effective energy depends on v only through v/||v||
    np.testing.assert_allclose(k.energy(v=3.7 * v, xi=xi), closed, rtol=RTOL)


def test_dense_am_power(data):
    k = nm.compile(theory.builtin("dam_power").integrate_out("h"))
    xi, v = data["xi"], data["v"]
    for n in (2, 3, 4):
        closed = -((np.sign(v) @ xi.T) ** n).sum(-1)
        np.testing.assert_allclose(k.energy(v=v, xi=xi, n=n), closed, rtol=RTOL)


@pytest.mark.parametrize("theta", [0.2, 0.5])
def test_threshold_h_equals_J_s(data, theta):
    k = nm.compile(theory.builtin("threshold").integrate_out("v"))
    xi, h = data["xi"], data["h"]
    nv = xi.shape[1]
    s = (h - theta > 0).astype(float)
    J = xi @ xi.T / nv
    np.testing.assert_allclose(k.rhs(h=h, xi=xi, theta=theta)["h"], s @ J.T - h, rtol=RTOL, atol=1e-13)
    np.testing.assert_allclose(k.update(h=h, xi=xi, theta=theta)["h"], s @ J.T, rtol=RTOL, atol=1e-13)


def test_threshold_full_dynamics_reproduce_published_factors(data):
    """In the rescaled variable v~ = v / sqrt(N_v/N_h) the two-layer rhs equals the published Eq. 1a-1b."""
    k = nm.compile(theory.builtin("threshold"))
    xi, h = data["xi"], data["h"]
    nh, nv = xi.shape
    v = np.random.default_rng(3).standard_normal((h.shape[0], nv))
    lam = np.sqrt(nv / nh)
    theta = 0.5
    rhs = k.rhs(v=v / lam, h=h, xi=xi, theta=theta)
    s = (h - theta > 0).astype(float)
    pub_v = -v + nh**-0.5 * s @ xi
    pub_h = -h + np.sqrt(nh) / nv * v @ xi.T
    np.testing.assert_allclose(rhs["v"] * lam, pub_v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rhs["h"], pub_h, rtol=1e-12, atol=1e-12)
