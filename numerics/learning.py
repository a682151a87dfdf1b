"""Training the threshold model with the derived objective (minibatch Adam), and the census of its minima.

The loss and both gradients come from :func:`theory.learning.threshold_objective` through
:func:`numerics.compile`; the weight gradient is a sum of outer products, one GEMM each per minibatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ._checks import as_array, as_count, as_scalar, require
from .codegen.kernel import compile as compile_kernel
from .discrete import ThresholdMemory
from .patterns import rng_from

__all__ = [
    "train_threshold",
    "initial_weights",
    "ThresholdFit",
    "recall_codes",
    "minima_census",
    "FIT_FORMAT",
    "ode_agreement",
    "ode_recall",
    "smooth_recall",
    "smooth_model",
    "readout",
]

#: version tag written into saved fits (bumped when the layout changes)
FIT_FORMAT = "am-workbench threshold fit, version 1"


@dataclass
class ThresholdFit:
    """Learned weights ``xi`` (N_h x N_v), threshold ``theta`` (a number, or one per hidden unit) and the
    loss history (mean per image, at the epoch's steepness)."""

    xi: np.ndarray
    theta: float | np.ndarray
    history: list = field(default_factory=list)
    feedback: np.ndarray | None = None  # separate readout weights xi_v (untied fits only)
    meta: dict = field(default_factory=dict)  # how it was trained: seed, schedule, objective, preprocessing, ...

    def save(self, path, **meta) -> Path:
        """Write the fit to one portable ``.npz`` file: the arrays, plus JSON metadata (``meta`` and the keyword
        arguments, e.g. ``preprocessing="scaled"``), atomically (a temporary file renamed into place).

        Loading needs no pickle: :meth:`load` reads it with ``allow_pickle=False``.
        """
        import json
        import os

        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        info = {**self.meta, **meta, "format": FIT_FORMAT}
        try:
            text = json.dumps(info, sort_keys=True)
        except TypeError as exc:
            raise ValueError(f"Fit metadata must be JSON (numbers, strings, lists, dicts); {exc}") from None
        arrays = {"xi": np.asarray(self.xi, dtype=np.float64), "theta": np.asarray(self.theta, dtype=np.float64),
                  "history": np.asarray(self.history, dtype=np.float64), "meta": np.array(text)}
        if self.feedback is not None:
            arrays["feedback"] = np.asarray(self.feedback, dtype=np.float64)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path) -> ThresholdFit:
        """Read a fit written by :meth:`save`, checking its format tag, shapes and finiteness (no pickle)."""
        import json
        import zipfile

        from ._checks import as_path

        path = as_path("path", path)
        require(path.is_file(), f"Argument `path` must be a saved fit (.npz); got {str(path)!r}, which does not exist"
                + (" (a folder)." if path.is_dir() else "."))
        wanted = ("xi", "theta", "meta", "feedback", "history")
        try:
            with np.load(path, allow_pickle=False) as f:
                require(isinstance(f, np.lib.npyio.NpzFile), f"Argument `path` ({path}) is not an .npz archive.")
                data = {}
                for k in wanted:  # only the members a fit has; each checked before it is inflated
                    if k not in f.files:
                        continue
                    _check_member(f.zip, k + ".npy", path)
                    data[k] = f[k]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, MemoryError) as exc:
            raise ValueError(f"Argument `path` ({path}) is not a readable .npz fit: {type(exc).__name__}: {exc}") from None
        missing = sorted({"xi", "theta", "meta"} - set(data))
        require(not missing, f"Argument `path` ({path}) is not a saved fit: it lacks {missing}.")
        text = str(data["meta"])
        require(len(text) <= MAX_META_CHARS, f"Argument `path` ({path}) has {len(text)} characters of metadata; a fit's are far fewer (limit {MAX_META_CHARS}).")
        try:
            meta = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ValueError(f"Argument `path` ({path}) has unreadable metadata: {type(exc).__name__}: {str(exc)[:120]}") from None
        require(isinstance(meta, dict) and meta.get("format") == FIT_FORMAT,
                f"Argument `path` ({path}) has format {meta.get('format') if isinstance(meta, dict) else meta!r}; expected {FIT_FORMAT!r}.")
        xi = as_array("xi", data["xi"], ndim=2)
        theta = data["theta"]
        require(theta.ndim == 0 or theta.shape == (xi.shape[0],), f"Saved `theta` must be a number or one per hidden unit ({xi.shape[0]}); got shape {theta.shape}.")
        require(bool(np.isfinite(xi).all() and np.isfinite(theta).all()), f"Saved fit {path} holds non-finite weights or thresholds.")
        fb = data.get("feedback")
        if fb is not None:
            require(fb.shape == xi.shape, f"Saved `feedback` must have the shape of xi {xi.shape}; got {fb.shape}.")
        meta.pop("format")
        return cls(xi, float(theta) if theta.ndim == 0 else theta, list(map(float, data.get("history", []))), fb, meta)

    @property
    def memory(self) -> ThresholdMemory:
        """The hidden dynamics ``s <- Theta(J s - theta)`` with these weights."""
        return ThresholdMemory(self.xi, self.theta, self.feedback)

    @property
    def readout(self) -> np.ndarray:
        """The weights the visible layer reads the code through (``xi``, or ``xi_v`` when untied)."""
        return self.xi if self.feedback is None else self.feedback


#: the most a saved fit's member may inflate to (bytes), and its metadata's length: a file declaring more lies
MAX_MEMBER_BYTES = 2 << 30
MAX_META_CHARS = 1 << 20


def _check_member(z, name: str, path) -> None:
    """An .npz member read only if it is what it says: its inflated size within :data:`MAX_MEMBER_BYTES`, and its
    header's shape and dtype no larger than the bytes it holds (a header declaring 16 GB in a small file lies)."""
    import zipfile

    info = z.getinfo(name)
    require(info.file_size <= MAX_MEMBER_BYTES,
            f"Argument `path` ({path}): member {name} inflates to {info.file_size} bytes, over the limit {MAX_MEMBER_BYTES}.")
    with z.open(info) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            shape, _, dtype = (np.lib.format.read_array_header_1_0(fh) if version == (1, 0) else np.lib.format.read_array_header_2_0(fh))
        except (ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"Argument `path` ({path}): member {name} is not a NumPy array: {exc}") from None
    declared = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
    require(declared <= info.file_size, f"Argument `path` ({path}): member {name} declares {declared} bytes of data but holds {info.file_size}.")


_KERNELS: dict = {}


def _kernels(tied: bool = True) -> dict:
    if tied not in _KERNELS:
        from theory.learning import threshold_objective

        obj = threshold_objective(tied)
        k = {"loss": compile_kernel(obj.loss), "tgrad": compile_kernel(obj.theta_gradient)}
        k["wterms"] = compile_kernel([e for t in obj.weight_gradient.terms for e in t])
        if not tied:
            k["fterms"] = compile_kernel([e for t in obj.feedback_gradient.terms for e in t])
        _KERNELS[tied] = k
    return _KERNELS[tied]


def _weights(xi: np.ndarray, feedback: np.ndarray | None) -> dict:
    return {"xi": xi} if feedback is None else {"xi": xi, "xi_v": feedback}


def _outer_sum(outs, B: int, shape: tuple[int, int]) -> np.ndarray:
    """Sum over the batch of the outer-product terms ``a c^T`` (one GEMM per term)."""
    G = np.zeros(shape)
    for a, c in zip(outs[0::2], outs[1::2]):
        A = np.broadcast_to(np.atleast_2d(a), (B, shape[0]))
        C = np.broadcast_to(np.atleast_2d(c), (B, shape[1]))
        G += A.T @ C
    return G


def _theta_vector(theta, n_hidden: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(theta, dtype=np.float64), (n_hidden,))


def objective(X: np.ndarray, xi: np.ndarray, theta, b: float, feedback: np.ndarray | None = None) -> float:
    """Mean reconstruction loss per image (``theta`` a number or one per hidden unit; ``feedback`` for untied fits)."""
    k = _kernels(feedback is None)
    return float(k["loss"](v=X, theta=_theta_vector(theta, xi.shape[0]), b=b, **_weights(xi, feedback)).mean())


def gradients(X: np.ndarray, xi: np.ndarray, theta, b: float, feedback: np.ndarray | None = None):
    """Gradients of the summed loss over the rows of ``X`` with respect to ``xi``, ``theta`` (and ``feedback``).

    The threshold gradient has the shape of ``theta``: per unit for an array, summed over units for a number
    (the global threshold is the all-equal case). Returns ``(G_xi, g_theta)``, or ``(G_xi, g_theta, G_feedback)``
    for untied weights.
    """
    k = _kernels(feedback is None)
    th = _theta_vector(theta, xi.shape[0])
    w = _weights(xi, feedback)
    B = len(X)
    G = _outer_sum(k["wterms"](v=X, theta=th, b=b, **w), B, xi.shape)
    gt = np.broadcast_to(np.asarray(k["tgrad"](v=X, theta=th, b=b, **w)), (B, xi.shape[0])).sum(0)
    gt = gt if np.ndim(theta) else float(gt.sum())
    if feedback is None:
        return G, gt
    return G, gt, _outer_sum(k["fterms"](v=X, theta=th, b=b, **w), B, xi.shape)


class _Adam:
    """Adam (moments 0.9 / 0.999) on one parameter array."""

    def __init__(self, x, lr: float):
        self.x, self.lr, self.m, self.v, self.t = x, lr, np.zeros_like(x), np.zeros_like(x), 0

    def step(self, g):
        b1, b2 = 0.9, 0.999
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * g
        self.v = b2 * self.v + (1 - b2) * g * g
        self.x = self.x - self.lr * (self.m / (1 - b1**self.t)) / (np.sqrt(self.v / (1 - b2**self.t)) + 1e-8)
        return self.x


def _xavier_scale(n_hidden: int, n_visible: int) -> float:
    return float(np.sqrt(2.0 / (n_hidden + n_visible)) * np.sqrt(n_visible))


def initial_weights(n_hidden: int, n_visible: int, seed: int) -> np.ndarray:
    """The weights :func:`train_threshold` starts from with an integer ``seed`` (Xavier, the first draw of its
    generator): what a fit is compared with to show that learning moved it."""
    return rng_from(as_count("seed", seed, minimum=0)).standard_normal((n_hidden, n_visible)) * _xavier_scale(n_hidden, n_visible)


def train_threshold(
    X: np.ndarray,
    n_hidden: int,
    seed,
    epochs: int = 30,
    batch: int = 128,
    lr: float = 0.01,
    steepness: tuple[float, float] = (5.0, 50.0),
    theta0: float = 0.5,
    per_unit_theta: bool = False,
    tied: bool = True,
    progress: bool = False,
) -> ThresholdFit:
    r"""Minibatch Adam on the derived objective; the sigmoid steepness grows geometrically over the epochs.

    Parameters
    ----------
    X : (M, N_v) array
        Stored images, already preprocessed (see :class:`numerics.datasets.Preprocessing`).
    n_hidden : int
        N_h.
    seed : int or Generator
        Initialisation and minibatch order.
    epochs, batch, lr : int, int, float
        Adam budget (Adam's default moments 0.9 / 0.999).
    steepness : (float, float)
        Sigmoid steepness ``b`` at the first and the last epoch (geometric schedule).
    theta0 : float
        Initial threshold.
    per_unit_theta : bool
        Learn one threshold per hidden unit instead of one global threshold.
    tied : bool
        ``False`` learns separate feedback weights ``xi_v`` for the readout (the asymmetric ablation).

    Notes
    -----
    Xavier-normal initialisation :math:`\xi \sim \mathcal N(0, 2/(N_h + N_v))`, scaled by :math:`\sqrt{N_v}` so
    that the hidden input :math:`(\sqrt{N_h}/N_v)\,\xi v` starts at order one. Adam rather than plain SGD: the
    gradient through a steep sigmoid is sparse and badly scaled, and Adam's per-weight step normalises it.

    References
    ----------
    Shafiei Kafraj, Krotov & Latham (ICLR 2026), Eq. 16-17.
    """
    X = as_array("X", X, ndim=2).astype(np.float64, copy=False)
    n_hidden = as_count("n_hidden", n_hidden)
    epochs, batch = as_count("epochs", epochs), as_count("batch", batch)
    lr = as_scalar("lr", lr, positive=True)
    theta0 = as_scalar("theta0", theta0)
    require(np.ndim(steepness) == 1 and len(steepness) == 2, f"Argument `steepness` must be a pair (first, last); got {steepness!r}.")
    steepness = (as_scalar("steepness[0]", steepness[0], positive=True), as_scalar("steepness[1]", steepness[1], positive=True))
    rng = rng_from(seed)
    M, Nv = X.shape
    scale = _xavier_scale(n_hidden, Nv)
    opt = {"xi": _Adam(rng.standard_normal((n_hidden, Nv)) * scale, lr)}
    opt["theta"] = _Adam(np.full(n_hidden, float(theta0)) if per_unit_theta else np.float64(theta0), lr)
    if not tied:
        opt["feedback"] = _Adam(rng.standard_normal((n_hidden, Nv)) * scale, lr)
    bs = np.geomspace(steepness[0], steepness[1], epochs)
    history = []
    for ep in tqdm(range(epochs), disable=not progress, desc="training"):
        perm = rng.permutation(M)
        for a in range(0, M, batch):
            idx = perm[a : a + batch]
            fb = None if tied else opt["feedback"].x
            grads = gradients(X[idx], opt["xi"].x, opt["theta"].x, bs[ep], fb)
            for name, g in zip(("xi", "theta", "feedback"), grads):
                opt[name].step(np.asarray(g) / len(idx))
        history.append(objective(X, opt["xi"].x, opt["theta"].x, bs[ep], None if tied else opt["feedback"].x))
    theta = opt["theta"].x if per_unit_theta else float(opt["theta"].x)
    meta = {"objective": "reconstruction, Shafiei Kafraj et al. Eq. 16-17 (derived by theory.learning)", "n_hidden": n_hidden,
            "n_images": M, "n_visible": Nv, "seed": seed if isinstance(seed, int) else None, "epochs": epochs, "batch": batch,
            "lr": lr, "steepness": list(steepness), "theta0": theta0, "per_unit_theta": per_unit_theta, "tied": tied}
    return ThresholdFit(opt["xi"].x, theta, history, None if tied else opt["feedback"].x, meta)


def _model_kernel(fit: ThresholdFit):
    """The compiled two-layer model matching the fit's threshold (global or per unit), its threshold arguments,
    and the offset of its hidden variable (``theta`` for the global model, 0 for the per-unit one)."""
    m, k = _two_layer(bool(np.ndim(fit.theta)))
    if np.ndim(fit.theta):
        return m, k, {"b": -np.asarray(fit.theta)}, 0.0
    return m, k, {"theta": fit.theta}, fit.theta


@lru_cache(maxsize=2)
def _two_layer(heterogeneous: bool):
    import theory

    m = theory.builtin("threshold_heterogeneous" if heterogeneous else "threshold")
    return m, compile_kernel(m)


def _lam(model, fit: ThresholdFit) -> float:
    Nh, Nv = fit.xi.shape
    return float(model.rescale_factor("v", N_v=Nv, N_h=Nh))


def _hidden_input(fit: ThresholdFit, X: np.ndarray) -> np.ndarray:
    """The hidden variable at its input from the images, ``h = (sqrt(N_h)/N_v) xi v`` (model coordinates)."""
    m, k, targs, _ = _model_kernel(fit)
    lam = _lam(m, fit)
    return k.update(v=X / lam, h=np.zeros((len(X), fit.xi.shape[0])), xi=fit.xi, **targs)["h"]


def readout(fit: ThresholdFit, codes: np.ndarray) -> np.ndarray:
    """Recalled visible images ``N_h^-1/2 xi_v^T s`` (``xi_v = xi`` when tied) in image units, from the compiled
    visible update of the two-layer model."""
    m, k, targs, _ = _model_kernel(fit)
    h = fit.memory.hidden_from_code(codes)
    return k.update(v=np.zeros((len(codes), fit.xi.shape[1])), h=h, xi=fit.readout, **targs)["v"] * _lam(m, fit)


def recall_codes(fit: ThresholdFit, X: np.ndarray, max_steps: int = 100, chunk: int = 8192) -> tuple[np.ndarray, np.ndarray, int]:
    """Hidden codes reached from each image: ``s0 = Theta(h(v) - theta)`` then ``s <- Theta(J s - theta)`` to a fixed point.

    Returns (codes, recalled visible images ``N_h^-1/2 xi^T s`` in image units, most synchronous steps used).
    Untied fits iterate the derived directed map ``J' = xi xi_v^T / N_v`` and read out through ``xi_v``.
    Images are processed ``chunk`` at a time (each chunk a batch of GEMMs), which bounds the temporary memory.
    """
    X = as_array("X", X, ndim=2)
    require(X.shape[1] == fit.xi.shape[1], f"Argument `X` must have N_v = {fit.xi.shape[1]} columns; got {X.shape[1]}.")
    m, k, targs, _ = _model_kernel(fit)
    lam = _lam(m, fit)
    mem = fit.memory
    codes, images, steps = [], [], 0
    for a in range(0, len(X), chunk):
        Xc = X[a : a + chunk]
        s0 = k.activations(v=Xc / lam, h=_hidden_input(fit, Xc), xi=fit.xi, **targs)["h"]
        s, n = mem.run(s0, max_steps)
        codes.append(s)
        images.append(readout(fit, s).astype(X.dtype if X.dtype.kind == "f" else np.float64, copy=False))
        steps = max(steps, n)
    return np.concatenate(codes), np.concatenate(images), steps


@lru_cache(maxsize=1)
def smooth_model():
    """The threshold model with the step replaced by ``sigmoid(beta (h - theta))``: the ``threshold_heterogeneous``
    spec with the hidden Lagrangian ``sum softplus(beta h~)/beta`` (convex, so it keeps an energy)."""
    from theory.specs import from_dict, variant_spec

    return from_dict(variant_spec("threshold_heterogeneous", "threshold_smooth", lagrangians={"h": {"name": "sigmoid", "beta": "beta"}},
                                  parameters={"beta": {"value": 100.0, "assumptions": ["positive"]}}))


def smooth_recall(fit: ThresholdFit, X: np.ndarray, beta: float, t_max: float = 60.0, dt: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Recall with a smooth sigmoid of steepness ``beta`` instead of the step (the paper's ablation).

    Integrates the reduced hidden dynamics ``tau_h dh~/dt = -h~ + J sigmoid(beta h~) - theta`` (forward Euler,
    from the images' hidden input) and returns (binary codes ``sigmoid > 1/2``, recalled images read out from the
    continuous activations). Tied fits only: the sigmoid model is an energy model.
    """
    require(fit.feedback is None, "Argument `fit` must have tied weights for smooth recall (an untied model has no energy).")
    from .integrate import simulate

    model = smooth_model()
    k2 = compile_kernel(model)
    kr = compile_kernel(model.integrate_out("v"))
    b = -np.broadcast_to(np.asarray(fit.theta, dtype=float), (fit.xi.shape[0],))
    lam = _lam(model, fit)
    h0 = k2.update(v=X / lam, h=np.zeros((len(X), fit.xi.shape[0])), xi=fit.xi, b=b)["h"]
    tr = simulate(kr, {"h": h0}, {"xi": fit.xi, "b": b, "beta": float(beta), "tau_h": 1.0}, t_max, method="euler", dt=dt, record_every=10**9)
    h = tr.final()["h"]
    act = kr.activations(h=h, xi=fit.xi, b=b, beta=float(beta))["h"]
    v = k2.update(v=np.zeros_like(X, dtype=float), h=h, xi=fit.xi, b=b, beta=float(beta))["v"] * lam
    return (act > 0.5).astype(float), v


def ode_recall(fit: ThresholdFit, cues: np.ndarray, tau_ratio: float, t_max: float, dt: float = 0.05, h_start: str = "zero") -> np.ndarray:
    """Codes reached by the full two-layer dynamics (forward Euler, ``tau_h = 1``, ``tau_v = tau_ratio``) from
    visible ``cues``, with the hidden layer starting at ``h = 0`` (``h_start="zero"``) or at its input from the
    cue (``"input"``). Tied fits only."""
    require(fit.feedback is None, "Argument `fit` must have tied weights for the two-layer ODE.")
    require(h_start in ("zero", "input"), f"Argument `h_start` must be 'zero' or 'input'; got {h_start!r}.")
    from .integrate import simulate

    m, k, targs, off = _model_kernel(fit)
    lam = _lam(m, fit)
    theta = np.broadcast_to(np.asarray(fit.theta, dtype=float), (fit.xi.shape[0],))
    h0 = _hidden_input(fit, cues) if h_start == "input" else np.zeros((len(cues), fit.xi.shape[0])) - theta + off
    tr = simulate(k, {"v": cues / lam, "h": h0}, {"xi": fit.xi, **targs, "tau_v": float(tau_ratio), "tau_h": 1.0},
                  t_max, method="euler", dt=dt, record_every=10**9)
    return k.activations(**tr.final(), xi=fit.xi, **targs)["h"]


def minima_census(codes: np.ndarray, fit: ThresholdFit) -> dict:
    """Unique minima among the recalled codes, how many images share each, and whether each is a fixed point."""
    codes = np.asarray(codes) > 0
    uniq, counts = np.unique(codes, axis=0, return_counts=True)
    fixed = bool((fit.memory.step_code(uniq.astype(float)) == uniq).all())
    return {"unique": int(len(uniq)), "images": int(len(codes)), "all_fixed": fixed, "max_share": int(counts.max()), "counts": counts}


def ode_agreement(fit: ThresholdFit, X: np.ndarray, tau_ratio: float = 20.0, t_max: float = 200.0, dt: float = 0.05) -> float:
    """Fraction of images whose full two-layer dynamics (forward Euler from v = image, h = h(v)) end on the same code
    as the synchronous hidden iteration of :func:`recall_codes`. Both end on fixed points; they need not be the same one."""
    codes, _, _ = recall_codes(fit, X)
    ode_codes = ode_recall(fit, X, tau_ratio, t_max, dt, h_start="input")
    return float((ode_codes == codes).all(-1).mean())
