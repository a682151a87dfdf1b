"""Shafiei Kafraj, Krotov & Latham (ICLR 2026), "A Biologically Plausible Dense Associative Memory with Exponential Capacity".

Equations and numbers come from secondary notes of the PDF (tag [S] in the claims catalogue); the
checks re-derive them with theory/ and measure them with numerics/.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import numerics as nm
import theory
from numerics import census, spectra
from numerics.plots import phase_diagram
from theory import threshold as tt

from .claim import Result, claim

PAPER = "Shafiei Kafraj et al. 2026"


@claim(
    id="BPD-1", paper=PAPER, source="Eq. 1a-1b", kind="symbolic",
    statement="The published dynamics scale the two directions differently (N_h^-1/2 and sqrt(N_h)/N_v); rescaling v by sqrt(N_v/N_h) makes them an energy model with symmetric factor N_v^-1/2.",
    expected={"lambda_v": "sqrt(N_v)/sqrt(N_h)", "coupling": "1/sqrt(N_v)"}, tolerance="exact symbolic", tolerance_reason="derived by theory.rescaling",
)
def bpd_1(p, seed):
    m = theory.builtin("threshold")
    Nv, Nh = theory.size_symbol("N_v"), theory.size_symbol("N_h")
    lam = m.rescaling["v"]
    ok = sp.simplify(lam - sp.sqrt(Nv / Nh)) == 0 and m.lyapunov.established is True
    coup = [n for n in m.notes if "symmetric coupling" in n]
    return Result({"lambda_v": str(lam), "notes": list(m.notes), "lyapunov": m.lyapunov.established}, bool(ok and coup and "1/sqrt(N_v)" in coup[0]))


@claim(
    id="BPD-2", paper=PAPER, source="Eq. 4-6", kind="symbolic",
    statement="Integrating out the visible layer gives the hidden fixed-point map h = J s with J = xi xi^T / N_v.",
    expected="tau_h dh/dt = xi xi^T s / N_v - h", tolerance="exact symbolic", tolerance_reason="derived by theory.integrate_out",
)
def bpd_2(p, seed):
    red = theory.builtin("threshold").integrate_out("v")
    h = red.model.layer("h")
    xi = red.model.weights[0]
    want = theory.MatVec(xi, theory.MatTVec(xi, h.g)) / theory.size_symbol("N_v") - h.state
    return Result(str(red.model.dynamics["h"]), sp.simplify(red.model.dynamics["h"] - want) == 0)


@claim(
    id="BPD-3", paper=PAPER, source="Eq. 7a", kind="numeric",
    statement="J = I + zeta/sqrt(N_v) with Var(zeta) = 1 off the diagonal and 2 on it (mean diagonal 1).",
    expected={"Nv_var_off": 1.0, "Nv_var_diag": 2.0, "diag_mean": 1.0}, tolerance="off-diagonal within 5%; diagonal within 3 standard errors",
    tolerance_reason="the off-diagonal variance pools ~N_h^2 entries (SE ~0.5%); the diagonal has only N_h entries (SE ~ 2 sqrt(2/N_h))",
    quick={"N_h": 400, "N_v": 4000},
)
def bpd_3(p, seed):
    xi = np.random.default_rng(seed).standard_normal((p["N_h"], p["N_v"]))
    st = spectra.entry_statistics(spectra.coupling(xi), p["N_v"])
    se_diag = 2 * np.sqrt(2 / (p["N_h"] - 1))
    ok = abs(st["Nv_var_off"] - 1) <= 0.05 and abs(st["Nv_var_diag"] - 2) <= 3 * se_diag and abs(st["diag_mean"] - 1) <= 3 * np.sqrt(2 / p["N_v"] / p["N_h"]) * 3
    return Result(st, ok, f"SE of N_v var(diag) ~ {se_diag:.3f}")


@claim(
    id="BPD-5", paper=PAPER, source="Eq. 9-10", kind="simulation",
    statement="For a given binary state, P(no bit flips) >= 1 - N_h sqrt((N_h+1)/N_v) exp(-N_v/(8(N_h+1))) / sqrt(pi/2) (a per-state union bound).",
    expected="MC probability >= bound", tolerance="MC estimate >= bound - 3 SE for the all-ones and a random state", tolerance_reason="binomial Monte Carlo error",
    quick={"configs": [[10, 200], [20, 2000], [50, 5000], [50, 784]], "draws": 60}, paper_scale={"draws": 200},
)
def bpd_5(p, seed):
    rng = np.random.default_rng(seed)
    out, ok = {}, True
    for nh, nv in p["configs"]:
        s_rand = (rng.random(nh) < 0.5).astype(float)
        hits = {"ones": 0, "random": 0}
        for _ in range(p["draws"]):
            xi = rng.standard_normal((nh, nv))
            J = xi @ xi.T / nv
            hits["ones"] += bool(census.is_fixed(J, np.ones((1, nh)), 0.5)[0])
            hits["random"] += bool(census.is_fixed(J, s_rand[None], 0.5)[0])
        bound = float(sp.N(tt.per_state_bound().subs({tt.Nh: nh, tt.Nv: nv})))
        rec = {"bound": bound}
        for k, v in hits.items():
            q = v / p["draws"]
            se = np.sqrt(max(q * (1 - q), 1 / p["draws"]) / p["draws"])
            rec[k] = q
            ok = ok and q >= bound - 3 * se
        out[f"({nh},{nv})"] = rec
    return Result(out, ok, "the bound is vacuous (negative) at the MNIST sizes (50, 784)")


def _p_all(nh, nv, draws, rng):
    ok = 0
    for _ in range(draws):
        xi = rng.standard_normal((nh, nv))
        ok += census.all_states_fixed(xi @ xi.T / nv, 0.5)["all"]
    return ok / draws


@claim(
    id="BPD-6a", paper=PAPER, source="'all binary hidden states can become stable' (abstract); criterion of the claims catalogue BPD-6", kind="simulation",
    statement="All 2^N_h states are simultaneously fixed only once N_v ~ N_h^2: the exact O(N_h^2) criterion's 50% point in N_v/N_h^2 lies between 2/pi and 4.",
    expected="transition N_v/N_h^2 ~ 1.2-2 (leading order 2/pi)", tolerance="transition ratio in [2/pi, 4]", tolerance_reason="fluctuation margin above the leading-order 2/pi",
    quick={"N_h": [10, 20], "ratios": [0.25, 0.5, 1, 2, 4, 8], "draws": 40}, paper_scale={"N_h": [10, 20, 50], "draws": 100},
)
def bpd_6a(p, seed):
    rng = np.random.default_rng(seed)
    series, trans = {}, {}
    for nh in p["N_h"]:
        ys = [_p_all(nh, int(r * nh * nh), p["draws"], rng) for r in p["ratios"]]
        series[f"N_h={nh}"] = ys
        t = None
        for (r0, y0), (r1, y1) in zip(zip(p["ratios"], ys), zip(p["ratios"][1:], ys[1:])):
            if y0 < 0.5 <= y1:
                t = float(np.exp(np.log(r0) + (0.5 - y0) / (y1 - y0) * (np.log(r1) - np.log(r0))))
                break
        trans[nh] = t
    fig = phase_diagram(p["ratios"], series, "N_v / N_h^2", "P(all 2^N_h states fixed)")
    ok = all(t is not None and 2 / np.pi <= t <= 4 for t in trans.values())
    return Result({"transition_ratio": trans, "P_all": series}, ok, figure=fig)


@claim(
    id="BPD-6b", paper=PAPER, source="Fig. 1 protocol (N_v = 100 N_h)", kind="simulation",
    statement="At N_v = 100 N_h = N_h^2 (N_h = 100) essentially every typical state is a fixed point while not all 2^N_h states are: the two notions of capacity differ.",
    expected={"typical_fraction": ">= 0.95", "P_all": "<= 0.2"}, tolerance="as stated", tolerance_reason="BPD-6 of the catalogue: (100, 10000) gives P_all ~ 0, typical ~ 1",
    quick={"N_h": 100, "draws": 10, "samples": 2000},
)
def bpd_6b(p, seed):
    rng = np.random.default_rng(seed)
    nh, nv = p["N_h"], 100 * p["N_h"]
    fr, allc = [], 0
    for _ in range(p["draws"]):
        xi = rng.standard_normal((nh, nv))
        J = xi @ xi.T / nv
        fr.append(census.fraction_fixed(J, 0.5, p["samples"], rng)["fraction"])
        allc += census.all_states_fixed(J, 0.5)["all"]
    typ, pall = float(np.mean(fr)), allc / p["draws"]
    return Result({"typical_fraction": typ, "P_all": pall}, typ >= 0.95 and pall <= 0.2)


@claim(
    id="BPD-7", paper=PAPER, source="Fig. 1a", kind="simulation",
    statement="The threshold theta = 1/2 maximises the fraction of random states that are fixed points.",
    expected=0.5, tolerance="argmax (centre of the maximal plateau) within 0.5 +- 0.05", tolerance_reason="the catalogue's band; theta grid step 0.05",
    quick={"configs": [[20, 200], [50, 1000]], "thetas": [round(0.2 + 0.05 * i, 2) for i in range(13)], "draws": 20, "samples": 500},
)
def bpd_7(p, seed):
    rng = np.random.default_rng(seed)
    out, ok, series = {}, True, {}
    for nh, nv in p["configs"]:
        Js = [(lambda x: x @ x.T / nv)(rng.standard_normal((nh, nv))) for _ in range(p["draws"])]
        S = (rng.random((p["samples"], nh)) < 0.5).astype(float)
        fr = [float(np.mean([census.is_fixed(J, S, th).mean() for J in Js])) for th in p["thetas"]]
        best = max(fr)
        plateau = [t for t, f in zip(p["thetas"], fr) if f >= best - 1e-12]
        centre = float(np.mean(plateau))
        out[f"({nh},{nv})"] = {"argmax": centre, "max_fraction": best}
        series[f"N_h={nh}, N_v={nv}"] = fr
        ok = ok and abs(centre - 0.5) <= 0.05
    fig = phase_diagram(p["thetas"], series, "threshold theta", "fraction of random states fixed", logx=False)
    return Result(out, ok, figure=fig)


@claim(
    id="BPD-8", paper=PAPER, source="App. A.2", kind="numeric",
    statement="The Jacobian at a fixed point with h != theta is block triangular with eigenvalues -1/tau_v and -1/tau_h, so every such fixed point is linearly stable.",
    expected={"eigenvalues": ["-1/tau_v", "-1/tau_h"]}, tolerance="finite-difference eigenvalues within 1e-6 of -1/tau", tolerance_reason="central differences, step 1e-6, exact away from the threshold",
    quick={"N_h": 8, "N_v": 200, "tau_v": 1.0, "tau_h": 0.25},
)
def bpd_8(p, seed):
    rng = np.random.default_rng(seed)
    k = nm.compile(theory.builtin("threshold"))
    nh, nv = p["N_h"], p["N_v"]
    xi = rng.standard_normal((nh, nv))
    s = (rng.random(nh) < 0.5).astype(float)
    tm = nm.ThresholdMemory(xi, 0.5)
    s, _ = tm.run(s[None])
    h = tm._k.update(h=tm.hidden_from_code(s), xi=xi, theta=0.5)["h"][0]  # h = J s at the fixed code
    args = {"xi": xi, "theta": 0.5, "tau_v": p["tau_v"], "tau_h": p["tau_h"]}
    v = k.update(v=np.zeros(nv), h=h, **{a: b for a, b in args.items() if a not in ("tau_v", "tau_h")})["v"]
    x0 = np.concatenate([v, h])
    eps = 1e-6

    def f(x):
        vel = k.velocity(v=x[:nv], h=x[nv:], **args)
        return np.concatenate([vel["v"], vel["h"]])

    Jac = np.stack([(f(x0 + eps * e) - f(x0 - eps * e)) / (2 * eps) for e in np.eye(nv + nh)], axis=1)
    ev = np.sort(np.linalg.eigvals(Jac).real)
    want = np.sort(np.concatenate([np.full(nv, -1 / p["tau_v"]), np.full(nh, -1 / p["tau_h"])]))
    upper = float(np.abs(Jac[:nv, nv:]).max())  # v-block driven by h only through Theta' = 0
    err = float(np.abs(ev - want).max())
    return Result({"max_eig_error": err, "A_vh_max": upper, "resting_at_fixed_point": float(np.abs(f(x0)).max())}, err <= 1e-6 and upper <= 1e-6)


@claim(
    id="BPD-9", paper=PAPER, source="Eq. 12a, 15", kind="simulation",
    statement="Under visible noise sigma_v the per-unit hidden flip probability is Q((1/2) / sqrt(N_h sigma_v^2/N_v + (N_h+1)/N_v)).",
    expected="formula value", tolerance="relative 25% (+3 SE) where the rate > 1e-3", tolerance_reason="the catalogue's 20% band, plus MC error at these trial counts",
    quick={"N_h": 20, "N_v": 2000, "sigmas": [5.0, 8.0, 12.0], "trials": 3000},
)
def bpd_9(p, seed):
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((p["N_h"], p["N_v"]))
    out, ok = {}, True
    for sg in p["sigmas"]:
        r = census.basin_flip_rate(xi, 0.5, sg, p["trials"], rng)
        out[str(sg)] = r
        if r["rate"] > 1e-3:
            ok = ok and abs(r["rate"] - r["predicted"]) <= 0.25 * r["predicted"] + 3 * r["se"]
    return Result(out, ok)


@claim(
    id="BPD-4", paper=PAPER, source="Eq. 9", kind="simulation",
    statement="At a fixed code s with k active units, q = J s - s has Var(q_mu) = (k - s_mu + 2 s_mu)/N_v (<= (N_h+1)/N_v).",
    expected="formula", tolerance="relative 10%", tolerance_reason="Monte Carlo over weight draws (SE ~ sqrt(2/draws) ~ 4%)",
    quick={"N_h": 20, "N_v": 1000, "draws": 2000},
)
def bpd_4(p, seed):
    rng = np.random.default_rng(seed)
    nh, nv = p["N_h"], p["N_v"]
    s = (rng.random(nh) < 0.5).astype(float)
    k = int(s.sum())
    qs = []
    for _ in range(p["draws"]):
        xi = rng.standard_normal((nh, nv))
        qs.append(xi @ (xi.T @ s) / nv - s)
    var = np.var(np.array(qs), axis=0, ddof=1)
    f = sp.lambdify(sp.symbols("k s_mu", nonnegative=True), tt.perturbation_variance().subs(tt.Nv, nv), "numpy")
    pred = f(k, s)
    rel = float(np.max(np.abs(var - pred) / pred))
    return Result({"max_rel_error": rel, "k": k, "on_units": float(var[s > 0].mean() * nv), "off_units": float(var[s == 0].mean() * nv)}, rel <= 0.1)


@claim(
    id="BPD-8b", paper=PAPER, source="App. A.2, ablation on tau_v/tau_h", kind="simulation",
    statement="Recall from noisy visible cues by the full two-layer dynamics (forward Euler) is perfect once tau_v/tau_h >= 4.",
    expected={"4": 1.0, "20": 1.0}, tolerance="success rate 1.0 at ratios 4 and 20 (ratios 1, 2 reported)",
    tolerance_reason="the ablation's statement; random Gaussian weights at N_v = 100 N_h",
    known_discrepancy=(
        "Not reproduced with random Gaussian weights: at (N_h, N_v) = (20, 2000), cue noise sigma_v = 1 (one-update flip "
        "probability 2.4e-4 per unit), h(0) = 0 and forward Euler (dt = 0.05), exact recall rates are 0.00 / 0.05 / 0.55 / 1.00 "
        "for tau_v/tau_h = 1 / 2 / 4 / 20. With h starting at 0 the visible signal decays as exp(-t/tau_v) while h rises, so for "
        "ratio 4 the hidden input of active units can peak near theta = 1/2. The paper's ablation ([S], secondary notes) used "
        "learned MNIST weights and does not state h(0); both may explain the gap."
    ),
    quick={"N_h": 20, "N_v": 2000, "sigma_v": 1.0, "cues": 20, "ratios": [1, 2, 4, 20], "dt": 0.05, "t_max": 40.0},
)
def bpd_8b(p, seed):
    from numerics.integrate import simulate

    rng = np.random.default_rng(seed)
    m = theory.builtin("threshold")
    k = nm.compile(m)
    nh, nv = p["N_h"], p["N_v"]
    lam = float(m.rescale_factor("v", N_v=nv, N_h=nh))
    xi = rng.standard_normal((nh, nv))
    tm = nm.ThresholdMemory(xi, 0.5)
    s0 = (rng.random((p["cues"], nh)) < 0.5).astype(float)
    s, _ = tm.run(s0)  # stored codes: fixed points of the hidden map
    h_star = tm.hidden_from_code(s)
    v_star = k.update(v=np.zeros((p["cues"], nv)), h=h_star, xi=xi, theta=0.5)["v"]
    cue = v_star + (p["sigma_v"] / lam) * rng.standard_normal(v_star.shape)
    out = {}
    for r in p["ratios"]:
        tr = simulate(k, {"v": cue, "h": np.zeros((p["cues"], nh))}, {"xi": xi, "theta": 0.5, "tau_v": float(r), "tau_h": 1.0},
                      p["t_max"] * r, method="euler", dt=p["dt"], record_every=10**9)
        code = k.activations(**tr.final(), xi=xi, theta=0.5)["h"]
        out[str(r)] = float((code == s).all(-1).mean())
    return Result({"success": out}, out[str(4)] == 1.0 and out[str(20)] == 1.0)


# ------------------------------------------------------------------ learning on data (BPD-10, BPD-11)

_EXPERIMENTS: dict = {}


def _experiment(p: dict, seed: int) -> dict:
    """Train on the data of ``p["dataset"]``, recall every training and test image, census the minima (cached per process)."""
    import time

    from numerics import datasets
    from numerics.learning import minima_census, recall_codes, train_threshold

    from .claim import Skip

    key = (p["dataset"], tuple(p["N_h"]), p["epochs"], p["lr"], seed)
    if key in _EXPERIMENTS:
        return _EXPERIMENTS[key]
    if p["dataset"] == "mnist":
        try:
            Xtr, ytr = datasets.load_mnist(split="train")
            Xte, yte = datasets.load_mnist(split="test")
        except datasets.DatasetError as exc:
            raise Skip(f"MNIST is needed at paper scale: {exc}") from None
        Xtr, Xte = Xtr / 255.0, Xte / 255.0
    else:
        X, y = datasets.load_digits()
        X = X / 16.0
        Xtr, ytr, Xte, yte = X[:1400], y[:1400], X[1400:], y[1400:]
    t = time.perf_counter()
    fits = {}
    for nh in p["N_h"]:
        fit = train_threshold(Xtr, nh, seed=seed, epochs=p["epochs"], lr=p["lr"], batch=p.get("batch", 128), steepness=(5.0, 100.0))
        codes, recalled, _ = recall_codes(fit, Xtr)
        census = minima_census(codes, fit)
        codes_te, recalled_te, _ = recall_codes(fit, Xte)
        fits[nh] = {"fit": fit, "census": census, "codes": codes, "recalled": recalled, "codes_te": codes_te, "recalled_te": recalled_te}
    out = {"Xtr": Xtr, "ytr": ytr, "Xte": Xte, "yte": yte, "fits": fits, "seconds": time.perf_counter() - t}
    _EXPERIMENTS[key] = out
    return out


@claim(
    id="BPD-10", paper=PAPER, source="Eq. 16-17, Table (MNIST: 57,913 unique minima of 60,000 with N_h = 50)", kind="simulation",
    statement="Trained with the reconstruction objective, a threshold layer with few hidden neurons lands the stored images on many distinct fixed points: "
    "the unique-minima fraction exceeds 0.9 when 2^N_h >> number of images (paper: 57,913 / 60,000 on MNIST, N_h = 50).",
    expected={"unique_fraction (largest N_h)": "> 0.9", "paper_mnist": 57913 / 60000}, tolerance="unique fraction > 0.9 at the largest N_h; every code a verified fixed point",
    tolerance_reason="the catalogue's qualitative criterion; the MNIST number is the paper's, not a target",
    known_discrepancy=(
        "Not reproduced at quick scale: on the 1400 training digits (8x8, scaled to [0, 1]) with N_h = 16 and 60 epochs of Adam "
        "the distinct-minima fraction is about 0.5-0.6 (development runs on all 1797 digits: 941 of 1797 after 200 epochs, 1036 with "
        "centred pixels). The objective rewards reconstruction, not distinct codes, and many 8x8 digits are near duplicates; the "
        "paper's training budget and preprocessing are not known ([S]). At paper scale (MNIST, N_h = 50, 20 epochs, pixels/255) "
        "this workbench measured 55,990 distinct verified minima of 60,000 (0.933; paper 57,913 = 0.965), learned theta = 0.118 "
        "(paper 0.21), which passes the criterion."
    ),
    quick={"dataset": "digits", "N_h": [8, 12, 16], "epochs": 60, "lr": 0.03},
    paper_scale={"dataset": "mnist", "N_h": [50], "epochs": 20, "lr": 0.01, "batch": 256},
)
def bpd_10(p, seed):
    from numerics.plots import image_grid

    ex = _experiment(p, seed)
    M = len(ex["Xtr"])
    rows = {str(nh): {"unique": f["census"]["unique"], "fraction": f["census"]["unique"] / M, "all_fixed": f["census"]["all_fixed"],
                      "theta": f["fit"].theta, "max_share": f["census"]["max_share"],
                      "recall_mse": float(np.mean((f["recalled"] - ex["Xtr"]) ** 2))} for nh, f in ex["fits"].items()}
    big = rows[str(max(ex["fits"]))]
    shape = (28, 28) if p["dataset"] == "mnist" else (8, 8)
    f = ex["fits"][max(ex["fits"])]
    fig = image_grid({"original": ex["Xtr"][:10], "recalled": f["recalled"][:10], "rows of xi": f["fit"].xi[:10]}, shape)
    ok = big["fraction"] > 0.9 and all(r["all_fixed"] for r in rows.values())
    from numerics.learning import ode_agreement

    agree = ode_agreement(f["fit"], ex["Xtr"][:20])  # full two-layer ODE vs hidden iteration on a subset
    detail = (f"full two-layer ODE (tau_v/tau_h = 20, from v = image, h = h(v)) and the synchronous hidden iteration end on the same "
              f"code for {agree:.0%} of 20 images" + ("" if agree == 1 else "; both end on verified fixed points, so the dynamics choose among minima")
              + ". Started from h = 0 instead, the ODE loses the cue while h rises (compare BPD-8b).")
    return Result({"images": M, "per_N_h": rows, "ode_vs_iteration_agreement_20_images": agree, "train_and_recall_seconds": ex["seconds"]}, ok, detail, fig)


@claim(
    id="BPD-11", paper=PAPER, source="Table 1 (MNIST: hidden 95%, recalled visible 98%, original 99%)", kind="simulation",
    statement="The recalled hidden codes keep the class structure: a non-linear classifier on recalled codes, recalled images and originals, "
    "tested on unseen images after recall, scores close to the originals.",
    expected={"hidden": 0.95, "recalled_visible": 0.98, "original": 0.99}, tolerance="quick: hidden-code accuracy >= 0.8 and within 0.15 of the originals; paper: each within 0.03 of Table 1",
    tolerance_reason="Table 1's values at MNIST scale; the digits proxy is only held to the qualitative claim",
    known_discrepancy=(
        "At paper scale (MNIST, N_h = 50, 20 epochs; classifier MLP(256), early stopping, 25 iterations) this workbench measured "
        "hidden 0.949, recalled visible 0.947, original 0.981 on the 10,000 test images: hidden and original agree with Table 1, "
        "recalled visible is 0.033 below the paper's 0.98. The paper's classifier and training budget are not known ([S]); "
        "recalled images here are the fixed-point readouts N_h^-1/2 xi^T s of a 20-epoch fit."
    ),
    quick={"dataset": "digits", "N_h": [8, 12, 16], "epochs": 60, "lr": 0.03},
    paper_scale={"dataset": "mnist", "N_h": [50], "epochs": 20, "lr": 0.01, "batch": 256},
)
def bpd_11(p, seed):
    from sklearn.neural_network import MLPClassifier

    ex = _experiment(p, seed)
    f = ex["fits"][max(ex["fits"])]
    acc = {}
    for name, tr, te in (("hidden", f["codes"], f["codes_te"]), ("recalled_visible", f["recalled"], f["recalled_te"]), ("original", ex["Xtr"], ex["Xte"])):
        clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=60 if p["dataset"] != "mnist" else 25, random_state=seed, early_stopping=p["dataset"] == "mnist")
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():  # a fixed iteration budget is part of the protocol, not a failure
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(tr, ex["ytr"])
        acc[name] = float(clf.score(te, ex["yte"]))
    if p["dataset"] == "mnist":
        ok = all(abs(acc[k] - v) <= 0.03 for k, v in {"hidden": 0.95, "recalled_visible": 0.98, "original": 0.99}.items())
    else:
        ok = acc["hidden"] >= 0.8 and acc["original"] - acc["hidden"] <= 0.15
    return Result(acc, ok)
