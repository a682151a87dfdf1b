"""The threshold model at data scale (Shafiei Kafraj, Krotov & Latham, ICLR 2026, Sec. 5 and appendix):
learning, the census of minima, classifiability, the Table 4 comparison with Krotov–Hopfield 2021, ablations
and the choice of preprocessing.

Quick scale uses scikit-learn's bundled 8x8 digits (N_v = 64, N_h in {8, 12, 16}); paper scale reads MNIST
(and CIFAR-10 for BPD-11c) from ``--data-dir`` / ``AMWB_DATA`` and reports SKIP with the reason when it is
missing. Every experiment is cached per process, so the claims share one training run per setting.

Choices the paper does not pin down (documented in each claim): pixels scaled to [0, 1] (BPD-14 compares
centred and binarised pixels), Adam with a geometric sigmoid-steepness schedule 5 -> 100, a classifier
MLP(256) from scikit-learn, occluded cues (lower half of the image set to 0), and, for Table 4, the stored
memories of the Krotov–Hopfield models (one training image per hidden unit, classes in turn) and the two
variants of Model A (rectified power n = 3 and n = 20).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import numerics as nm
import theory
from numerics import datasets
from numerics.learning import (
    minima_census,
    ode_agreement,
    ode_recall,
    readout,
    recall_codes,
    smooth_recall,
    train_threshold,
)

from ..claim import Result, Skip, claim
from ..tolerance import AllOf, AtLeast, AtMost, Holds, Within

PAPER = "Shafiei Kafraj et al. 2026"

_LEARN = {"dataset": "digits", "N_h": [8, 12, 16], "epochs": 60, "lr": 0.03, "batch": 128, "preprocessing": "scaled"}
_LEARN_PAPER = {"dataset": "mnist", "N_h": [50], "epochs": 20, "lr": 0.01, "batch": 256, "preprocessing": "scaled"}
_STEEPNESS = (5.0, 100.0)

_DATA: dict = {}
_FITS: dict = {}
_CLASSIFIERS: dict = {}


def _data(name: str) -> dict:
    """Raw training/test images (pixels), labels, pixel maximum and display shape."""
    if name in _DATA:
        return _DATA[name]
    files = {"mnist": (datasets.load_mnist, (28, 28), "MNIST is needed at paper scale"),
             "cifar10": (datasets.load_cifar10, (3, 32, 32), "CIFAR-10 numbers not measured")}
    if name in files:
        load, shape, why = files[name]
        try:
            (Xtr, ytr), (Xte, yte) = load(split="train"), load(split="test")
        except datasets.DatasetError as exc:
            raise Skip(f"{why}: {exc}") from None
        d = {"Xtr": Xtr, "ytr": ytr, "Xte": Xte, "yte": yte, "x_max": 255.0, "shape": shape}
    else:
        X, y = datasets.load_digits()
        d = {"Xtr": X[:1400], "ytr": y[:1400], "Xte": X[1400:], "yte": y[1400:], "x_max": 16.0, "shape": (8, 8)}
    d["Ptr"] = (d["Xtr"] / d["x_max"]).astype(np.float32)  # pixels in [0, 1]: what the classifiers and the figures see
    d["Pte"] = (d["Xte"] / d["x_max"]).astype(np.float32)
    _DATA[name] = d
    return d


def _images(d: dict, X: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Images ready for :func:`numerics.plots.image_grid` (colour planes moved last)."""
    if len(d["shape"]) == 3:
        c, h, w = d["shape"]
        return np.clip(X, 0, 1).reshape(-1, c, h, w).transpose(0, 2, 3, 1).reshape(len(X), -1), (h, w, c)
    return X, d["shape"]


def _fit(p: dict, seed: int, n_hidden: int, kind: str | None = None, per_unit: bool = False, tied: bool = True,
         steepness: tuple = _STEEPNESS) -> dict:
    """Train on the training images, recall every training and test image (cached per setting).

    Keeps the codes, the recalled test images and summary numbers; recalled training images are recomputed
    on demand by :func:`_recalled_train` (one GEMM), which keeps MNIST-scale runs under 4 GB."""
    kind = kind or p["preprocessing"]
    key = (p["dataset"], n_hidden, p["epochs"], p["lr"], p["batch"], kind, per_unit, tied, seed, tuple(steepness))
    if key in _FITS:
        return _FITS[key]
    d = _data(p["dataset"])
    t = time.perf_counter()
    P = datasets.Preprocessing.fit(d["Xtr"], kind, x_max=d["x_max"])
    Xtr, Xte = P.forward(d["Xtr"]), P.forward(d["Xte"])
    fit = train_threshold(Xtr, n_hidden, seed=seed, epochs=p["epochs"], lr=p["lr"], batch=p["batch"], steepness=tuple(steepness),
                          per_unit_theta=per_unit, tied=tied)
    del Xtr
    codes, steps, sq = [], 0, 0.0
    for a in range(0, len(d["Xtr"]), 10000):  # recall in blocks: only the codes and the error are kept
        c, rec, n = recall_codes(fit, P.forward(d["Xtr"][a : a + 10000]))
        codes.append(c)
        sq += float(((P.inverse(rec) - d["Ptr"][a : a + 10000]) ** 2).sum())
        steps = max(steps, n)
    codes = np.concatenate(codes)
    codes_te, rec_te, _ = recall_codes(fit, Xte)
    out = {"fit": fit, "P": P, "codes": codes, "census": minima_census(codes, fit), "steps": steps,
           "recall_mse_pixels": sq / d["Ptr"].size, "codes_te": codes_te, "recalled_te": P.inverse(rec_te).astype(np.float32),
           "seconds": time.perf_counter() - t}
    _FITS[key] = out
    return out


def _classifier(p: dict, seed: int, name: str, X: np.ndarray, y: np.ndarray):
    """A scikit-learn MLP(256) trained on ``X`` (cached by name): 25 iterations with early stopping at data scale,
    60 on the digits. A fixed iteration budget is part of the protocol, so convergence warnings are silenced."""
    key = (p["dataset"], seed, name)
    if key not in _CLASSIFIERS:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        big = p["dataset"] != "digits"
        clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=25 if big else 60, random_state=seed, early_stopping=big)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        _CLASSIFIERS[key] = clf
    return _CLASSIFIERS[key]


def _pixel_accuracy(p: dict, seed: int, images: np.ndarray) -> float:
    """Share of recalled test images that the classifier trained on the original training images labels correctly."""
    d = _data(p["dataset"])
    return float(_classifier(p, seed, "original", d["Ptr"], d["ytr"]).score(np.clip(images, 0, 1), d["yte"]))


def _occlude(X: np.ndarray, shape: tuple) -> np.ndarray:
    """Cue: the lower half of each image set to 0 (pixel units)."""
    imgs = np.array(X, dtype=float).reshape((len(X), *shape))
    imgs[..., shape[-2] // 2 :, :] = 0.0
    return imgs.reshape(len(X), -1)


def _table1(values: dict) -> AllOf:
    """Each accuracy of a Table 1 row within 0.03 of the paper's."""
    return AllOf(*(Within(v, f"{k.replace('_', ' ')} accuracy", abs=0.03, key=k) for k, v in values.items()))


def _ablation_rule(small_n_h: bool) -> AllOf:
    """BPD-13's rows: each ablation recalls within 0.05 of the baseline's accuracy (the smooth one also keeping 90% of
    its unique minima); the time-scale row perfect at ratios 4 and 20 and not at 1; at paper scale (MNIST) also the
    N_h = 16 row unrecognisable (on the 8x8 digits it is reported, not judged)."""
    rows = [Holds(f"{name}: recalled accuracy within 0.05 of the baseline", key=key)
            for key, name in (("untied", "untied weights"), ("per-unit", "per-unit theta"), ("jitter", "theta jitter 20%"))]
    rows.append(Holds("smooth sigmoid (trained with it): within 0.05 of the baseline, unique fraction >= 0.9 x the baseline's", key="smooth"))
    if small_n_h:
        rows.append(Holds("N_h = 16: recognisable fraction of recalls < 0.5", key="small N_h"))
    rows.append(Holds("tau_v/tau_h: cue recall 1.0 at 4 and 20, below 1 at 1 (h(0) = 0 or its input)", key="tau"))
    return AllOf(*rows)


# ------------------------------------------------------------------ BPD-10: learning and the census of minima


@claim(
    id="BPD-10", paper=PAPER, source="Eq. 16-17, Table (MNIST: 57,913 unique minima of 60,000 with N_h = 50)", kind="simulation",
    statement="Trained with the reconstruction objective, a threshold layer with few hidden neurons lands the stored images on many distinct fixed points: "
    "the unique-minima fraction exceeds 0.9 when 2^N_h >> number of images (paper: 57,913 / 60,000 on MNIST, N_h = 50).",
    expected={"unique_fraction (largest N_h)": "> 0.9", "paper_mnist": 57913 / 60000},
    tolerance=AllOf(AtLeast(0.9, "unique-minima fraction at the largest N_h", key="unique", ideal=1.0),
                    Holds("every code a verified fixed point, every N_h", key="fixed")),
    tolerance_reason="the catalogue's qualitative criterion; the MNIST number is the paper's, not a target",
    known_discrepancy=(
        "Not reproduced at quick scale: on 1400 8x8 digits with N_h = 16 the objective rewards reconstruction, not distinct codes, "
        "and many 8x8 digits are near duplicates (N_v/N_h = 4, far from the N_v >> N_h regime). At paper scale (MNIST, N_h = 50) "
        "the regime is the paper's; that verdict is in the recorded paper-scale results (README, report section 'Recorded at "
        "paper scale'), measured by `--scale paper --record`."
    ),
    quick=_LEARN, paper_scale=_LEARN_PAPER,
)
def bpd_10(p, seed):
    from numerics.plots import code_usage, image_grid, minima_sharing

    d = _data(p["dataset"])
    M = len(d["Xtr"])
    fits = {nh: _fit(p, seed, nh) for nh in p["N_h"]}
    rows = {str(nh): {"unique": f["census"]["unique"], "fraction": f["census"]["unique"] / M, "all_fixed": f["census"]["all_fixed"],
                      "theta": f["fit"].theta, "max_share": f["census"]["max_share"], "sync_steps": f["steps"],
                      "recall_mse_pixels": f["recall_mse_pixels"], "train_and_recall_s": round(f["seconds"], 1)}
            for nh, f in fits.items()}
    nh = max(fits)
    f = fits[nh]
    big = rows[str(nh)]
    # occluded cues: does the lower-half-blank image return to its own minimum?
    n_cue = min(2000, M)
    cue = _occlude(d["Ptr"][:n_cue], d["shape"])
    c_cue, v_cue, _ = recall_codes(f["fit"], f["P"].forward(cue * d["x_max"]))
    same = float((c_cue == f["codes"][:n_cue]).all(-1).mean())
    cue_class = float(_classifier(p, seed, "original", d["Ptr"], d["ytr"]).score(np.clip(f["P"].inverse(v_cue), 0, 1), d["ytr"][:n_cue]))
    agree = ode_agreement(f["fit"], f["P"].forward(d["Xtr"][:20]))  # full two-layer ODE vs hidden iteration on a subset
    grid = {"original": d["Ptr"][:10], "cue": cue[:10], "from cue": f["P"].inverse(v_cue[:10]), "from original": _recalled_train(f, d, 10)}
    imgs = {k: _images(d, v)[0] for k, v in grid.items()}
    shape = _images(d, d["Ptr"][:1])[1]
    xi = f["fit"].xi[:10]
    imgs["rows of xi"] = _images(d, (xi - xi.min(1, keepdims=True)) / np.ptp(xi, axis=1, keepdims=True))[0]
    recall_fig = image_grid(imgs, shape)
    recall_fig.suptitle(f"rows: original; cue (lower half 0); recalled from the cue; recalled from the original; basic memories "
                        f"(rows of xi).\n{same:.1%} of {n_cue} occluded cues returned to the original's minimum", fontsize=8)
    used = (f["codes"] > 0).mean(0)
    figs = {"recall": recall_fig,
            "usage": code_usage(f["codes"], f"hidden-code usage, N_h = {nh}, {M} images: {int((used == 0).sum())} units never on, "
                                            f"{int((used == 1).sum())} always on"),
            "minima": minima_sharing(f["census"]["counts"], f"images per minimum, N_h = {nh}")}
    detail = (f"occluded cues (lower half 0) return to the original's minimum for {same:.1%} of {n_cue} images, and the image "
              f"recalled from the cue is classified as the original's digit for {cue_class:.1%} (classifier trained on originals); "
              f"full two-layer ODE (tau_v/tau_h = 20, from v = image, h = h(v)) and the synchronous hidden iteration end on the same "
              f"code for {agree:.0%} of 20 images. Started from h = 0 instead, the ODE loses the cue while h rises (compare BPD-8b, BPD-13).")
    return Result({"images": M, "per_N_h": rows, "occluded_cue_same_minimum": same, "occluded_cue_recalled_class_correct": cue_class,
                   "ode_vs_iteration_agreement_20_images": agree}, detail=detail, figure=figs,
                  checked={"unique": big["fraction"], "fixed": [bool(r["all_fixed"]) for r in rows.values()]})


def _recalled_train(f: dict, d: dict, n: int | None = None) -> np.ndarray:
    """Recalled training images (pixels) from the stored codes: the readout N_h^-1/2 xi^T s, recomputed."""
    codes = f["codes"] if n is None else f["codes"][:n]
    return f["P"].inverse(readout(f["fit"], codes)).astype(np.float32)


# ------------------------------------------------------------------ BPD-11: classifiability (Table 1)


@claim(
    id="BPD-11", paper=PAPER, source="Table 1 (MNIST: hidden 95%, recalled visible 98%, original 99%)", kind="simulation",
    statement="The recalled hidden codes keep the class structure: a non-linear classifier on recalled codes, recalled images and originals, "
    "tested on unseen images after recall, scores close to the originals.",
    expected={"hidden": 0.95, "recalled_visible": 0.98, "original": 0.99},
    tolerance=AllOf(AtLeast(0.8, "hidden-code accuracy (the 8x8 digits proxy)", key="hidden", ideal=1.0),
                    AtMost(0.15, "original minus hidden-code accuracy", key="gap")),
    paper_tolerance=_table1({"hidden": 0.95, "recalled_visible": 0.98, "original": 0.99}),
    tolerance_reason="Table 1's values at MNIST scale; the digits proxy is only held to the qualitative claim",
    known_discrepancy=(
        "Judged against Table 1 at paper scale only (quick scale holds the digits proxy to the qualitative claim); the "
        "paper-scale verdict, per accuracy, is in the recorded results (README, report section 'Recorded at paper scale'). "
        "The paper's classifier and training budget are not known ([S]); recalled images here are the fixed-point readouts "
        "N_h^-1/2 xi^T s of a 20-epoch fit."
    ),
    quick=_LEARN, paper_scale=_LEARN_PAPER,
)
def bpd_11(p, seed):
    return _classifiability(p, seed)


def _classifiability(p: dict, seed: int) -> Result:
    """The three accuracies; ``checked`` holds them and the original-minus-hidden gap (each rule reads its own)."""
    d = _data(p["dataset"])
    f = _fit(p, seed, max(p["N_h"]))
    acc = {}
    for name, te in (("hidden", f["codes_te"]), ("recalled_visible", f["recalled_te"]), ("original", d["Pte"])):
        tr = {"hidden": f["codes"], "original": d["Ptr"]}.get(name)
        tr = _recalled_train(f, d) if tr is None else tr
        acc[name] = float(_classifier(p, seed, name, tr, d["ytr"]).score(te, d["yte"]))
        del tr
    return Result(acc, checked={**acc, "gap": acc["original"] - acc["hidden"]})


@claim(
    id="BPD-11c", paper=PAPER, source="Table (CIFAR-10: 49,982 unique minima of 50,000 with N_v = 3,072, N_h = 500)", kind="simulation",
    statement="On CIFAR-10 (50,000 colour images, N_v = 3,072) a threshold layer of N_h = 500 lands the images on 49,982 distinct minima.",
    expected={"unique": 49982, "images": 50000},
    tolerance=AllOf(AtLeast(0.9, "unique-minima fraction", key="unique", ideal=1.0), Holds("every code a verified fixed point", key="fixed")),
    tolerance_reason="the catalogue's qualitative criterion; the count is the paper's",
    quick={"dataset": "cifar10", "N_h": [500], "epochs": 10, "lr": 0.01, "batch": 256, "preprocessing": "scaled"},
    paper_scale={"dataset": "cifar10", "N_h": [500], "epochs": 20, "lr": 0.01, "batch": 256, "preprocessing": "scaled"},
)
def bpd_11c(p, seed):
    d = _data(p["dataset"])  # SKIP, saying so, unless the user gave a CIFAR-10 folder
    f = _fit(p, seed, max(p["N_h"]))
    frac = f["census"]["unique"] / len(d["Xtr"])
    return Result({"unique": f["census"]["unique"], "images": len(d["Xtr"]), "theta": f["fit"].theta, "all_fixed": f["census"]["all_fixed"]},
                  checked={"unique": frac, "fixed": bool(f["census"]["all_fixed"])})


@claim(
    id="BPD-11d", paper=PAPER, source="Table 1 (CIFAR-10: hidden 40%, recalled visible 56%, original 88%)", kind="simulation",
    statement="On CIFAR-10 (N_h = 500) a non-linear classifier scores 40% on recalled hidden codes, 56% on recalled images and 88% on the "
    "original images of the test set.",
    expected={"hidden": 0.40, "recalled_visible": 0.56, "original": 0.88}, tolerance=_table1({"hidden": 0.40, "recalled_visible": 0.56, "original": 0.88}),
    tolerance_reason="Table 1's values; the paper's classifier is not given, so the original-image row calibrates how far ours is from theirs",
    quick={"dataset": "cifar10", "N_h": [500], "epochs": 10, "lr": 0.01, "batch": 256, "preprocessing": "scaled"},
    paper_scale={"dataset": "cifar10", "N_h": [500], "epochs": 20, "lr": 0.01, "batch": 256, "preprocessing": "scaled"},
)
def bpd_11d(p, seed):
    return _classifiability(p, seed)


# ------------------------------------------------------------------ BPD-16/17: what learning finds (threshold, basic memories)


@claim(
    id="BPD-16", paper=PAPER, source="Sec. 5, table of experiments (learned theta: MNIST 0.21)", kind="simulation",
    statement="Learning moves the threshold from its initial 1/2 (the optimum for random Gaussian weights, BPD-7) down to about 0.21.",
    expected=0.21, tolerance=AllOf(Within(0.21, "learned theta, every N_h", abs=0.1, key="theta"), Holds("theta < 0.5 for every N_h", key="below_half")),
    tolerance_reason="the optimiser, steepness schedule and epochs are not given by the paper (documented choices of this module), "
    "so only the first decimal of its single reported value is judged; quick scale applies the same band to the 8x8 digits proxy",
    quick=_LEARN, paper_scale=_LEARN_PAPER,
)
def bpd_16(p, seed):
    th = {str(nh): float(np.mean(_fit(p, seed, nh)["fit"].theta)) for nh in p["N_h"]}
    return Result({"theta": th, "theta0": 0.5}, checked={"theta": list(th.values()), "below_half": [t < 0.5 for t in th.values()]})


@claim(
    id="BPD-17", paper=PAPER, source="Sec. 5 ('the learned basic memories are approximately orthogonal')", kind="simulation",
    statement="The learned basic memories (rows of xi) are approximately orthogonal, although the images they store are not and "
    "although learning moved them away from their (near-orthogonal) random start.",
    expected={"mean_abs_cos": "<= 2 x the random-vector level E|Z|/sqrt(N_v)", "images": "mean |cos| of the images >= 2 x that of xi",
              "moved": "median |cos(xi_mu, xi_mu at the start)| <= 0.5"},
    tolerance=AllOf(AtMost(1.0, "mean |cos| between distinct rows of xi / min(2 E|Z|/sqrt(N_v), half the training images' mean |cos|), every N_h",
                           key="orthogonal"),
                    AtMost(0.5, "median |cos| between each row of xi and its initial value, every N_h", key="moved")),
    tolerance_reason="independent random vectors in R^N_v have mean |cos| = E|Z|/sqrt(N_v) (theory.moments.gaussian_abs_moment(1)); "
    "'approximately orthogonal' is read as within a factor 2 of that level; the random start is itself near-orthogonal, so the "
    "rows must also have left it (numerics.learning.initial_weights) for the orthogonality to be learned, not inherited",
    quick=_LEARN, paper_scale=_LEARN_PAPER,
)
def bpd_17(p, seed):
    d = _data(p["dataset"])
    rng = np.random.default_rng(seed)
    imgs = d["Ptr"][rng.choice(len(d["Ptr"]), size=min(2000, len(d["Ptr"])), replace=False)].astype(np.float64)

    def mean_abs_cos(A):
        A = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-300)
        G = np.abs(A @ A.T)
        return float(G[~np.eye(len(A), dtype=bool)].mean())

    from numerics.learning import initial_weights
    from theory.moments import gaussian_abs_moment

    nv = d["Ptr"].shape[1]
    level = float(gaussian_abs_moment(1)) / np.sqrt(nv)
    img = mean_abs_cos(imgs)
    rows, moved, scaled = {}, {}, []
    for nh in p["N_h"]:
        xi = np.asarray(_fit(p, seed, nh)["fit"].xi, dtype=np.float64)
        c = mean_abs_cos(xi)
        x0 = initial_weights(nh, nv, seed)
        m = float(np.median(np.abs((xi * x0).sum(1)) / (np.linalg.norm(xi, axis=1) * np.linalg.norm(x0, axis=1))))
        rows[str(nh)], moved[str(nh)] = c, m
        scaled.append(c / min(2 * level, img / 2))
    return Result({"mean_abs_cos_xi": rows, "random_level": level, "mean_abs_cos_images": img, "median_cos_with_start": moved},
                  checked={"orthogonal": scaled, "moved": list(moved.values())})


# ------------------------------------------------------------------ BPD-12: Table 4, Krotov-Hopfield 2021 models with the same hidden units

_TABLE4 = {"A(i)": 0.12, "A(ii)": 0.84, "B": 0.90, "C": 0.02, "threshold": 0.98}
_BETA_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # Model B's inverse temperature, log-spaced up to the winner-take-all limit


def _kh_memories(d: dict, K: int, seed: int) -> np.ndarray:
    """K training images, one per hidden unit, classes in turn (0, 1, ..., 9, 0, ...), each drawn at random."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(d["ytr"] == c)) for c in range(10)]
    return d["Ptr"][[by_class[k % 10][k // 10] for k in range(K)]]


def _model_a(n: int):
    """Krotov-Hopfield 2021 Model A with F = ReLU^n / n (the built-in is n = 3)."""
    if n == 3:
        return theory.builtin("model_a")
    return theory.from_dict(theory.variant_spec("model_a", f"model_a_n{n}", lagrangians={"h": {"name": "rectified_power", "n": str(n)}}))


def _kh_recall(name: str, mem: np.ndarray, cues: np.ndarray, seed: int, beta: float = 1.0) -> dict:
    """Recall ``cues`` (pixels in [0, 1]) with a Krotov-Hopfield 2021 model storing ``mem`` in its hidden units."""
    if name.startswith("A"):
        model = _model_a(3 if name == "A(i)" else 20)
        xi = np.where(mem > 0.5, 1.0, -1.0)  # binary feature neurons sigma = +-1
        bm = nm.BinaryMemory(model, xi, inputs={"I": np.zeros(mem.shape[1])})
        s, sweeps = bm.run(np.where(cues > 0.5, 1.0, -1.0), seed, rule="induced_field", mode="sync", max_sweeps=50)
        return {"images": (s + 1) / 2, "steps": sweeps}
    if name == "B":
        k = nm.compile(theory.builtin("model_b").integrate_out("h"))
        v = cues.copy()
        zero = np.zeros(mem.shape[1])
        steps, change = 0, np.inf
        while change > 1e-9 and steps < 100:  # v <- xi^T softmax(beta xi v): the attention update, to its fixed point
            new = k.update(v=v, xi=mem, I=zero, beta=beta)["v"]
            change, v, steps = float(np.max(np.abs(new - v))), new, steps + 1
        return {"images": v, "steps": steps}
    model = theory.builtin("model_c")
    k = nm.compile(model.integrate_out("h"))
    tr = nm.simulate(k, {"v": cues.copy()}, {"xi": mem}, 50.0, method="euler", dt=0.1, record_every=10**9)
    g = k.activations(**tr.final(), xi=mem)["v"]  # g = v / ||v||: the model's visible output, unit norm
    return {"images": g * np.linalg.norm(cues, axis=1, keepdims=True), "unit_norm": g, "steps": 500}


@claim(
    id="BPD-12", paper=PAPER, source="Table 4 (MNIST recall: KH21 Model A(i) 12%, A(ii) 84%, B 90%, C 2% vs threshold model 98%; 50 hidden units)",
    kind="simulation",
    statement="With the same number of hidden units, the threshold model's recalled digits are classified correctly far more often than those of "
    "the winner-take-all Krotov-Hopfield 2021 models, which can hold only one memory per hidden unit.",
    expected=_TABLE4,
    tolerance=AtLeast(0.0, "smallest lead of the threshold model's accuracy over a KH21 model's, relative to its own (values reported against Table 4)",
                      ideal=1.0, strict=True),
    tolerance_reason="Table 4's protocol (memories, cues, Model A variants, classifier, Model B's beta) is not given in the notes "
    "([S]); the comparison is held to its qualitative point, each model's difference from its Table 4 number is reported, and Model "
    "B's beta is the best of a fixed grid on validation cues (the fairest choice for the baseline); margin: the smallest lead of "
    "the threshold model over a KH21 model, relative to its own accuracy",
    quick=_LEARN, paper_scale=_LEARN_PAPER,
)
def bpd_12(p, seed):
    """Protocol (ours): each KH21 model stores K = N_h memories (its hidden units): K training images, classes in turn,
    and, as a second row, K k-means centroids of the training images; every test
    image is a cue; the model's recall dynamics run to a fixed point (Model A: synchronous sign updates of +-1 pixels,
    n = 3 for A(i) and n = 20 for A(ii); Model B: the attention update; Model C: Euler on the reduced dynamics, output
    g = v/||v|| rescaled to the cue's norm); one classifier, trained on the original training images, labels the
    recalled images. The threshold model recalls the same test images with the BPD-10 fit."""
    d = _data(p["dataset"])
    K = max(p["N_h"])
    out, steps, unit, betas = {}, {}, {}, {}
    rng = np.random.default_rng(seed)
    val = rng.choice(len(d["Ptr"]), size=min(1000, len(d["Ptr"])), replace=False)  # validation cues from the training split
    for how in ("images", "k-means"):
        mem = _kh_memories(d, K, seed) if how == "images" else _kmeans_memories(d, K, seed)
        # Model B's beta: the value of a grid fixed in advance that recalls the validation cues best (Table 4 does not give it)
        clf = _classifier(p, seed, "original", d["Ptr"], d["ytr"])
        score = {b: float(clf.score(np.clip(_kh_recall("B", mem, d["Ptr"][val].astype(np.float64), seed, b)["images"], 0, 1), d["ytr"][val]))
                 for b in _BETA_GRID}
        betas[how] = max(score, key=score.get)
        out[how] = {}
        for name in ("A(i)", "A(ii)", "B", "C"):
            r = _kh_recall(name, mem, d["Pte"].astype(np.float64), seed, betas[how])
            out[how][name] = _pixel_accuracy(p, seed, r["images"])
            steps[f"{how} {name}"] = r["steps"]
            if name == "C":
                unit[how] = _pixel_accuracy(p, seed, r["unit_norm"])
    f = _fit(p, seed, K)
    thr = _pixel_accuracy(p, seed, f["recalled_te"])
    detail = (f"K = N_h = {K} hidden units; {len(d['Pte'])} test images as cues; Model B's beta chosen on 1000 validation cues "
              f"from the training split over {list(_BETA_GRID)}: {betas}; Model C with its unit-norm output g unscaled: "
              f"{unit}; recall steps {steps}; the classifier trained on the original training images scores "
              f"{_pixel_accuracy(p, seed, d['Pte']):.3f} on the original test images.")
    vs = {f"{how}: {name}": round(acc - _TABLE4[name], 3) for how, row in out.items() for name, acc in row.items()}
    vs["threshold"] = round(thr - _TABLE4["threshold"], 3)
    measured = {"threshold": thr, "KH21, memories = training images": out["images"], "KH21, memories = k-means centroids": out["k-means"],
                "model_B_beta": betas, "measured_minus_Table_4": vs}
    return Result(measured, detail=detail, checked=min(thr - acc for row in out.values() for acc in row.values()) / thr)


def _kmeans_memories(d: dict, K: int, seed: int) -> np.ndarray:
    """K k-means centroids of the training images (scikit-learn, k-means++, seeded): the best K prototypes in the
    squared-error sense, a fairer store for a one-memory-per-unit model than K raw images."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=K, n_init=1, random_state=seed, max_iter=100).fit(d["Ptr"][:20000])
    return km.cluster_centers_.astype(np.float64)


# ------------------------------------------------------------------ BPD-13: ablations


@claim(
    id="BPD-13", paper=PAPER, source="Appendix ablations (asymmetric weights, heterogeneous thresholds, smooth sigmoid, N_h = 16, tau_v/tau_h)",
    kind="simulation",
    statement="The threshold model still recalls with asymmetric (untied) weights, with heterogeneous thresholds and with a smooth sigmoid "
    "instead of the step (trained and recalled with it, keeping many distinct minima); too few hidden units (N_h = 16 on MNIST) give "
    "unrecognisable recalls; "
    "recall from noisy cues by the full dynamics needs tau_v/tau_h large enough.",
    expected={"untied, per-unit theta, theta jitter, smooth": "recalled accuracy within 0.05 of the baseline",
              "smooth": "unique fraction >= 0.9 x baseline", "N_h = 16 (MNIST)": "recognisable fraction < 0.5",
              "tau_v/tau_h": "cue recall 1.0 at 4 and 20, below 1 at 1, with h(0) = 0 or h(0) = its input"},
    tolerance=_ablation_rule(small_n_h=False), paper_tolerance=_ablation_rule(small_n_h=True),
    tolerance_reason="the ablations are qualitative statements ([S]); 0.05 is our reading of 'still recalls'; 'unrecognisable' is read as "
    "most recalls (fraction >= 0.5) having a nearest original (pixel distance, 200 training images per digit) of another digit "
    "(the figure shows originals and recalls); the smooth row is judged on a fit trained at the sigmoid's steepness (20), the rows that "
    "swap the sigmoid in only at recall are reported",
    known_discrepancy=(
        "Partly reproduced; every measured row and check is in the detail (for MNIST also in the recorded paper-scale results). "
        "The ablations' protocols (training budget, the start of the hidden layer, what counts as 'unrecognisable') are not "
        "given in the notes ([S]), so the alternative readings are measured side by side: the sigmoid swapped in at recall and "
        "trained with, and the time-scale row from h = 0 and from h at its input."
    ),
    quick=_LEARN | {"census_images": 1400, "small_N_h": 8, "cues": 20, "cue_noise": 0.2},
    paper_scale=_LEARN_PAPER | {"census_images": 10000, "small_N_h": 16, "cues": 20, "cue_noise": 0.2},
)
def bpd_13(p, seed):
    """Rows, each measured on the training images (unique-minima fraction among the first ``census_images``) and on
    the test images (share of recalled test images the original-image classifier labels correctly):

    - baseline: tied weights, one learned theta, step recall;
    - untied: separately learned feedback weights xi_v (no energy; the hidden map is derived from the dynamics);
    - per-unit theta: one learned threshold per hidden unit;
    - theta jitter: the baseline fit with theta_mu = theta (1 + 0.2 z_mu), z ~ N(0, 1), no retraining;
    - smooth: sigmoid(beta (h - theta)) at recall, beta = 100 (the training's final steepness) and 20;
    - small N_h: a fit with ``small_N_h`` hidden units;
    - tau_v/tau_h: the two-layer ODE from noisy cues (pixels + N(0, cue_noise^2)) with h(0) = 0; success = the same code as the
      hidden iteration from the same cue (so the row isolates the time scales; how often that is the clean image's code is reported too).
    """
    d = _data(p["dataset"])
    nh = max(p["N_h"])
    n = min(p["census_images"], len(d["Xtr"]))
    rows = {}

    def row(fit_dict=None, codes_tr=None, images_te=None, fit=None):
        codes = fit_dict["codes"][:n] if codes_tr is None else codes_tr
        images = fit_dict["recalled_te"] if images_te is None else images_te
        census = minima_census(codes, fit or fit_dict["fit"])
        return {"unique_fraction": census["unique"] / n, "all_fixed": census["all_fixed"], "recalled_accuracy": _pixel_accuracy(p, seed, images)}

    base = _fit(p, seed, nh)
    P = base["P"]
    rows["baseline"] = row(base)
    rows["untied weights"] = row(_fit(p, seed, nh, tied=False))
    rows["per-unit theta (learned)"] = row(_fit(p, seed, nh, per_unit=True))
    rng = np.random.default_rng(seed)
    jit = type(base["fit"])(base["fit"].xi, base["fit"].theta * (1 + 0.2 * rng.standard_normal(nh)))
    c_tr, _, _ = recall_codes(jit, P.forward(d["Xtr"][:n]))
    _, v_te, _ = recall_codes(jit, P.forward(d["Xte"]))
    rows["theta jitter 20%"] = row(codes_tr=c_tr, images_te=P.inverse(v_te), fit=jit)
    for beta in (100.0, 20.0):
        c_tr, _ = smooth_recall(base["fit"], P.forward(d["Xtr"][:n]), beta)
        _, v_te = smooth_recall(base["fit"], P.forward(d["Xte"]), beta)
        census = minima_census(c_tr, base["fit"])  # fixed points of the step map? reported, not required
        rows[f"smooth sigmoid beta={beta:g}"] = {"unique_fraction": census["unique"] / n, "step_fixed_points": census["all_fixed"],
                                                 "recalled_accuracy": _pixel_accuracy(p, seed, P.inverse(v_te))}
    # the paper's smooth-sigmoid ablation, presumably trained as recalled: a fit at a fixed steepness beta = 20, recalled with it
    sm = _fit(p, seed, nh, steepness=(20.0, 20.0))
    c_tr, _ = smooth_recall(sm["fit"], P.forward(d["Xtr"][:n]), 20.0)
    _, v_te = smooth_recall(sm["fit"], P.forward(d["Xte"]), 20.0)
    rows["smooth sigmoid beta=20, trained with it"] = {"unique_fraction": minima_census(c_tr, sm["fit"])["unique"] / n,
                                                      "recalled_accuracy": _pixel_accuracy(p, seed, P.inverse(v_te))}
    small = _fit(p, seed, p["small_N_h"])
    rows[f"N_h = {p['small_N_h']}"] = row(small)
    # 'unrecognisable' judged as a reader would: which original does the recall look most like (nearest in pixels)?
    rec_small = np.clip(small["recalled_te"], 0, 1)
    rec_base = np.clip(base["recalled_te"], 0, 1)
    recog = {f"N_h = {p['small_N_h']}": _recognisable(d, rec_small), f"N_h = {nh} (baseline)": _recognisable(d, rec_base)}
    rows["recognisable fraction"] = recog
    # tau ratios: noisy cues of stored images, full dynamics from h = 0
    clean = base["codes"][: p["cues"]]
    noisy = d["Ptr"][: p["cues"]] + p["cue_noise"] * rng.standard_normal(d["Ptr"][: p["cues"]].shape)
    c_it, _, _ = recall_codes(base["fit"], P.forward(noisy * d["x_max"]))
    rows["hidden iteration from the noisy cue reaches the clean code"] = float((c_it == clean).all(-1).mean())
    taus = {}
    for start in ("zero", "input"):  # the paper does not state h(0): both natural starts are measured and judged
        tau = {}
        for r in (1, 2, 4, 20):  # success: the ODE ends where the hidden iteration from the same cue ends
            code = ode_recall(base["fit"], P.forward(noisy * d["x_max"]), r, 40.0 * r, h_start=start)
            tau[str(r)] = float((code == c_it).all(-1).mean())
        taus[start] = tau
        rows[f"tau_v/tau_h cue recall (h(0) = {'0' if start == 'zero' else 'its input from the cue'})"] = tau
    b = rows["baseline"]
    sm_row = rows["smooth sigmoid beta=20, trained with it"]
    checks = {
        "untied": abs(rows["untied weights"]["recalled_accuracy"] - b["recalled_accuracy"]) <= 0.05,
        "per-unit": abs(rows["per-unit theta (learned)"]["recalled_accuracy"] - b["recalled_accuracy"]) <= 0.05,
        "jitter": abs(rows["theta jitter 20%"]["recalled_accuracy"] - b["recalled_accuracy"]) <= 0.05,
        "smooth": abs(sm_row["recalled_accuracy"] - b["recalled_accuracy"]) <= 0.05 and sm_row["unique_fraction"] >= 0.9 * b["unique_fraction"],
        # the paper's statement is about N_h = 16 on MNIST; on the digits the row is reported but not judged
        "small N_h": recog[f"N_h = {p['small_N_h']}"] < 0.5 if p["dataset"] == "mnist" else None,
        # 'needs tau_v/tau_h large enough': perfect at 4 and 20, not at 1, under at least one of the two starts
        "tau": any(t["4"] == 1.0 and t["20"] == 1.0 and t["1"] < 1.0 for t in taus.values()),
    }
    from numerics.plots import image_grid

    shape = _images(d, d["Pte"][:1])[1]
    fig = image_grid({"original": _images(d, d["Pte"][:10])[0], f"N_h = {nh}": _images(d, rec_base[:10])[0],
                      f"N_h = {p['small_N_h']}": _images(d, rec_small[:10])[0]}, shape)
    detail = "; ".join(f"{k}: {v}" for k, v in rows.items()) + f". Checks: {checks}"
    return Result({"rows": rows, "checks": checks}, detail=detail, figure=fig, checked={k: v for k, v in checks.items() if v is not None})


def _recognisable(d: dict, recalled: np.ndarray, per_class: int = 200) -> float:
    """Share of recalled test images whose nearest original (pixel distance, among ``per_class`` training images of each digit,
    the first ones) shows the same digit: the match a reader makes by eye, with no trained classifier in between."""
    classes = np.unique(d["ytr"])
    idx = np.concatenate([np.flatnonzero(d["ytr"] == c)[:per_class] for c in classes])
    ref, lab = d["Ptr"][idx].astype(np.float64), d["ytr"][idx]
    d2 = (recalled**2).sum(1)[:, None] - 2 * recalled @ ref.T + (ref**2).sum(1)[None]
    return float((lab[d2.argmin(1)] == d["yte"]).mean())


# ------------------------------------------------------------------ BPD-14: which preprocessing reproduces best


@claim(
    id="BPD-14", paper=PAPER, source="Sec. 5 (preprocessing of the pixels not stated)", kind="simulation",
    statement="Of the natural pixel preprocessings (scaled to [0, 1], centred per pixel, binarised), at least one lands more than 90% of the "
    "stored images on distinct minima; the report names the one closest to the paper's 57,913 / 60,000.",
    expected={"best unique fraction": "> 0.9", "paper_mnist": 57913 / 60000},
    tolerance=AtLeast(0.9, "best unique-minima fraction over the preprocessings (verified fixed points)", ideal=1.0),
    tolerance_reason="the catalogue's qualitative criterion; the choice of preprocessing is ours to report, not to tune",
    known_discrepancy=(
        "Not at quick scale, for the reason given in BPD-10 (the paper-scale verdict is in the recorded results) "
        "(N_v/N_h = 4 and near-duplicate 8x8 digits). The headline BPD-10/11 keep the literal pixels/255."
    ),
    quick=_LEARN, paper_scale=_LEARN_PAPER,
)
def bpd_14(p, seed):
    d = _data(p["dataset"])
    nh = max(p["N_h"])
    M = len(d["Xtr"])
    rows = {}
    for kind in datasets.PREPROCESSING_KINDS:
        f = _fit(p, seed, nh, kind=kind)
        rows[kind] = {"unique_fraction": f["census"]["unique"] / M, "all_fixed": f["census"]["all_fixed"], "theta": f["fit"].theta,
                      "recall_mse_pixels": f["recall_mse_pixels"],
                      "recalled_accuracy": _pixel_accuracy(p, seed, f["recalled_te"])}
    best = min(rows, key=lambda k: abs(rows[k]["unique_fraction"] - 57913 / 60000))
    top = max((r["unique_fraction"] for r in rows.values() if r["all_fixed"]), default=0.0)
    return Result({"per_preprocessing": rows, "closest_to_paper": best}, detail=f"closest to the paper's unique fraction: {best}", checked=top)


__all__ = ["bpd_10", "bpd_11", "bpd_11c", "bpd_12", "bpd_13", "bpd_14"]
