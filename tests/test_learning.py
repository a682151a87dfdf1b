"""The threshold model's learning: derived gradients against finite differences; training lowers the loss; census."""

import numpy as np

from numerics.learning import gradients, minima_census, objective, recall_codes, train_threshold


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    X = rng.random((7, 10))
    xi = rng.standard_normal((4, 10))
    theta, b = 0.3, 4.0
    G, gt = gradients(X, xi, theta, b)

    def total(xi_, th_):
        return objective(X, xi_, th_, b) * len(X)

    h = 1e-6
    fd = np.zeros_like(xi)
    for i in range(4):
        for j in range(10):
            E = np.zeros_like(xi)
            E[i, j] = h
            fd[i, j] = (total(xi + E, theta) - total(xi - E, theta)) / (2 * h)
    np.testing.assert_allclose(G, fd, rtol=1e-6, atol=1e-7)
    assert abs(gt - (total(xi, theta + h) - total(xi, theta - h)) / (2 * h)) < 1e-6 * max(1, abs(gt))


def test_training_lowers_the_loss_and_codes_are_fixed_points():
    from numerics import datasets

    X, _ = datasets.load_digits()
    X = X[:400] / 16.0
    fit = train_threshold(X, 8, seed=1, epochs=6, steepness=(10.0, 10.0))  # fixed steepness: comparable losses
    assert fit.history[-1] < fit.history[0]
    codes, recalled, _ = recall_codes(fit, X)
    census = minima_census(codes, fit)
    assert census["all_fixed"] and 1 <= census["unique"] <= min(400, 2**8)
    assert recalled.shape == X.shape


def test_two_layer_ode_agrees_with_hidden_iteration():
    from numerics import datasets
    from numerics.learning import ode_agreement

    X, _ = datasets.load_digits()
    X = X[:300] / 16.0
    fit = train_threshold(X, 10, seed=2, epochs=10, lr=0.03)
    assert ode_agreement(fit, X[:10]) == 1.0
