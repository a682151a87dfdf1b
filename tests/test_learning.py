"""The threshold model's learning: derived gradients against finite differences; training lowers the loss; census."""

import numpy as np
import pytest

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


def _fd(total, x, h=1e-6):
    x = np.array(x, dtype=float)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        E = np.zeros_like(x)
        E[idx] = h
        out[idx] = (total(x + E) - total(x - E)) / (2 * h)
    return out


def test_per_unit_and_untied_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    X = rng.random((6, 9))
    xi, fb = rng.standard_normal((4, 9)), rng.standard_normal((4, 9))
    theta, b = rng.uniform(0.1, 0.6, 4), 3.0
    G, gt, GF = gradients(X, xi, theta, b, fb)
    assert np.shape(gt) == (4,)
    n = len(X)
    np.testing.assert_allclose(G, _fd(lambda w: objective(X, w, theta, b, fb) * n, xi), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(GF, _fd(lambda w: objective(X, xi, theta, b, w) * n, fb), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gt, _fd(lambda t: objective(X, xi, t, b, fb) * n, theta), rtol=1e-6, atol=1e-7)
    # the global threshold is the all-equal case: its gradient is the sum of the per-unit ones
    G1, g1 = gradients(X, xi, 0.4, b)
    Gv, gv = gradients(X, xi, np.full(4, 0.4), b)
    np.testing.assert_allclose(G1, Gv)
    assert abs(g1 - gv.sum()) < 1e-12


def test_heterogeneous_and_asymmetric_memories_match_direct_maps():
    import numerics as nm

    rng = np.random.default_rng(4)
    xi = rng.standard_normal((6, 120))
    fb = xi + 0.3 * rng.standard_normal(xi.shape)
    s = (rng.random((9, 6)) < 0.5).astype(float)
    for theta in (0.5, rng.uniform(0.2, 0.8, 6)):
        for feedback in (None, fb):
            J = xi @ (xi if feedback is None else feedback).T / 120  # independent route: the paper's map, by hand
            tm = nm.ThresholdMemory(xi, theta, feedback)
            np.testing.assert_array_equal(tm.step_code(s), (s @ J.T - theta > 0).astype(float))
            np.testing.assert_allclose(tm.margin(s), s @ J.T - theta, atol=1e-12)


def test_threshold_memory_rejects_bad_theta_and_feedback():
    import pytest

    import numerics as nm

    xi = np.ones((3, 5))
    with pytest.raises(ValueError, match="theta"):
        nm.ThresholdMemory(xi, np.ones(4))
    with pytest.raises(ValueError, match="feedback"):
        nm.ThresholdMemory(xi, 0.5, np.ones((3, 4)))


def test_per_unit_untied_training_and_smooth_recall():
    from numerics import datasets
    from numerics.learning import smooth_recall

    X, _ = datasets.load_digits()
    X = X[:300] / 16.0
    fit = train_threshold(X, 8, seed=5, epochs=5, lr=0.03, per_unit_theta=True, tied=False, steepness=(10.0, 10.0))
    assert np.shape(fit.theta) == (8,) and fit.feedback is not None and fit.history[-1] < fit.history[0]
    codes, recalled, _ = recall_codes(fit, X)
    assert minima_census(codes, fit)["all_fixed"]
    # readout through the feedback weights, by hand
    np.testing.assert_allclose(recalled, codes @ fit.feedback / np.sqrt(8), atol=1e-10)
    tied = train_threshold(X, 8, seed=5, epochs=5, lr=0.03)
    c_step, _, _ = recall_codes(tied, X)
    c_smooth, v_smooth = smooth_recall(tied, X, beta=200.0)
    assert v_smooth.shape == X.shape
    # a steep sigmoid ends on the step model's fixed points for most images (not all: it is a different flow)
    assert (c_smooth == c_step).all(-1).mean() > 0.8


def test_preprocessing_round_trip_and_errors():
    import pytest

    from numerics.datasets import Preprocessing

    X = np.random.default_rng(0).integers(0, 256, (20, 7)).astype(float)
    for kind in ("scaled", "centered"):
        p = Preprocessing.fit(X, kind, x_max=255)
        np.testing.assert_allclose(p.inverse(p.forward(X)), X / 255)
    b = Preprocessing.fit(X, "binarized", x_max=255).forward(X)
    assert set(np.unique(b)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="kind"):
        Preprocessing.fit(X, "whitened")
    with pytest.raises(ValueError, match="X_train"):
        Preprocessing.fit(np.full((2, 2), np.nan))


def test_recall_in_chunks_equals_recall_at_once():
    rng = np.random.default_rng(6)
    from numerics.learning import ThresholdFit

    fit = ThresholdFit(rng.standard_normal((7, 40)), 0.4)
    X = rng.random((23, 40))
    a = recall_codes(fit, X)
    b = recall_codes(fit, X, chunk=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])
    assert a[2] == b[2]


def test_threshold_memories_share_one_derivation():
    """Regression: every ThresholdMemory (and so every recall_codes / minima_census call) re-derived the reduction."""
    import numerics as nm

    xi = np.random.default_rng(7).standard_normal((4, 30))
    assert nm.ThresholdMemory(xi, 0.5)._k is nm.ThresholdMemory(2 * xi, 0.3)._k
    assert nm.ThresholdMemory(xi, np.full(4, 0.5))._k is nm.ThresholdMemory(xi, np.zeros(4))._k


def test_fit_saves_and_loads_in_one_portable_file(tmp_path):
    """A fit (tied or untied, one theta or one per unit) round-trips through one .npz with JSON metadata, and
    amwb recall reproduces recall_codes' census from the file."""
    import json as _json

    from numerics.cli import main as amwb
    from numerics.learning import ThresholdFit, minima_census, recall_codes, train_threshold

    rng = np.random.default_rng(0)
    X = (rng.random((60, 20)) < 0.4).astype(float)
    for kw in ({}, {"per_unit_theta": True}, {"tied": False}):
        fit = train_threshold(X, 5, seed=1, epochs=2, **kw)
        path = fit.save(tmp_path / "fit", preprocessing="binary")
        assert path.suffix == ".npz" and not list(tmp_path.glob(".*.tmp"))
        back = ThresholdFit.load(path)
        np.testing.assert_array_equal(back.xi, fit.xi)
        np.testing.assert_array_equal(np.asarray(back.theta), np.asarray(fit.theta))
        assert (back.feedback is None) == (fit.feedback is None) and back.history == fit.history
        assert back.meta["preprocessing"] == "binary" and back.meta["seed"] == 1 and back.meta["tied"] == kw.get("tied", True)
        codes, _, _ = recall_codes(back, X)
        np.testing.assert_array_equal(codes, recall_codes(fit, X)[0])
    np.save(tmp_path / "X.npy", X)
    fit = train_threshold(X, 5, seed=1, epochs=2)
    fit.save(tmp_path / "one.npz")
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert amwb(["recall", str(tmp_path / "one.npz"), "--images", str(tmp_path / "X.npy"), "--json"]) == 0
    rep = _json.loads(buf.getvalue())
    census = minima_census(recall_codes(fit, X)[0], fit)
    assert rep["unique_minima"] == census["unique"] and rep["all_fixed_points"] == census["all_fixed"] and rep["images"] == 60


def test_bad_fit_files_are_refused(tmp_path):
    import json

    from numerics.learning import ThresholdFit

    with pytest.raises(ValueError, match="does not exist"):
        ThresholdFit.load(tmp_path / "none.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="lacks"):
        ThresholdFit.load(tmp_path / "other.npz")
    np.savez(tmp_path / "fmt.npz", xi=np.zeros((2, 3)), theta=np.array(0.5), meta=np.array('{"format": "something else"}'))
    with pytest.raises(ValueError, match="format"):
        ThresholdFit.load(tmp_path / "fmt.npz")
    from numerics.learning import FIT_FORMAT

    bad = np.zeros((2, 3))
    bad[0, 1] = np.nan
    np.savez(tmp_path / "nan.npz", xi=bad, theta=np.array(0.5), meta=np.array(json.dumps({"format": FIT_FORMAT})))
    with pytest.raises(ValueError, match="xi.*finite"):
        ThresholdFit.load(tmp_path / "nan.npz")
    np.savez(tmp_path / "pickled.npz", xi=np.zeros((2, 3)), theta=np.array(0.5), meta=np.array([{"format": FIT_FORMAT}], dtype=object))
    with pytest.raises(ValueError, match="readable"):  # object arrays need pickle, which load never allows
        ThresholdFit.load(tmp_path / "pickled.npz")
    with pytest.raises(ValueError, match="JSON"):
        ThresholdFit(np.zeros((2, 3)), 0.5).save(tmp_path / "x.npz", bad=object())


def test_fit_files_that_lie_are_one_clear_error(tmp_path):
    """Regression (issue 33, item 11): a truncated or empty .npz (BadZipFile, EOFError tracebacks), deeply nested
    metadata (RecursionError), a member whose header declares 16 GB (MemoryError) and an unneeded member that inflates
    to gigabytes (read and allocated) -- each is now one ValueError naming the path, and nothing large is allocated."""
    import io
    import json
    import zipfile

    import numpy as np
    import pytest

    from numerics.learning import FIT_FORMAT, ThresholdFit

    good = tmp_path / "good.npz"
    ThresholdFit(np.ones((3, 5)), 0.5, [], None, {}).save(good)
    raw = good.read_bytes()
    cases = {"truncated.npz": raw[: len(raw) // 2], "empty.npz": b""}
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)

    def npz(name, members):
        with zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_DEFLATED) as z:
            for k, payload in members.items():
                z.writestr(k + ".npy", payload)

    def arr(a):
        b = io.BytesIO()
        np.save(b, a)
        return b.getvalue()

    meta_ok = arr(np.array(json.dumps({"format": FIT_FORMAT})))
    npz("nested.npz", {"xi": arr(np.ones((3, 5))), "theta": arr(np.array(0.5)), "meta": arr(np.array("[" * 100000 + "]" * 100000))})
    hdr = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000,), }"
    big = np.lib.format.magic(1, 0) + np.uint16(len(hdr) + (64 - (10 + len(hdr)) % 64)).tobytes() + hdr + b" " * ((64 - (10 + len(hdr)) % 64) - 1) + b"\n"
    npz("huge_header.npz", {"xi": bytes(big) + b"\0" * 64, "theta": arr(np.array(0.5)), "meta": meta_ok})
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xi.npy", arr(np.ones((3, 5))))
        z.writestr("theta.npy", arr(np.array(0.5)))
        z.writestr("meta.npy", meta_ok)
        z.writestr("junk.npy", arr(np.zeros(30_000_000, dtype=np.uint8)))  # never read: not a fit's member
    assert ThresholdFit.load(tmp_path / "bomb.npz").xi.shape == (3, 5)
    for name, match in (("truncated.npz", "not a readable"), ("empty.npz", "not a readable"), ("nested.npz", "unreadable metadata"),
                        ("huge_header.npz", "declares")):
        with pytest.raises(ValueError, match=match):
            ThresholdFit.load(tmp_path / name)
