"""Higher-order Kuramoto memories: Nägerl & Berloff, "Higher-order Kuramoto oscillators as associative memory",
arXiv 2507.21984 (2025).

Only the abstract is available, so the model is **our reconstruction** (``theory/specs/kuramoto.toml``): phases with
Hebbian pairwise coupling ``K`` and quartic (3-simplex) coupling ``C``, ``E = -N sum_mu [K/2 |m_mu|^2 + C/4 |m_mu|^4]``,
white noise of intensity ``D`` (the temperature) or Lorentzian natural frequencies of half-width ``Delta``. The paper's
normalisation is unknown, so every claim compares laws and ratios (onset at ``K = 2 D`` in *our* units, the position of
the tricritical point, windows, thresholds), never the paper's unseen numbers; the expected values are derived by the
workbench (:class:`theory.MeanField` from the built-in model; :class:`theory.OttAntonsen` for the dynamical
approximation) and each claim says which of the two theories it checks.

The simulations (:class:`numerics.oscillators.Oscillators`: Euler–Maruyama Langevin dynamics on the compiled kernel)
use neither theory. A measured order parameter is the replicas' time average over the second half of a run; its
interval is 3 sigma with sigma^2 = (replica standard error)^2 + (shift when dt is halved)^2 + (shift when N is halved)^2,
so the time-step and finite-size biases are measured by the run, not assumed.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import theory
from numerics.oscillators import (
    Oscillators,
    escape_rate,
    lorentzian_frequencies,
    overlaps,
    phase_patterns,
    phase_weights,
    retrieval_error,
    von_mises_cue,
)
from theory.mean_field import MeanField, T

from .claim import Result, claim
from .tolerance import AllOf, AtLeast, AtMost, Holds, Within

PAPER = "Nägerl & Berloff 2025 (higher-order Kuramoto memories; model reconstructed from the abstract)"
RECONSTRUCTED = " Our reconstruction of the model from the abstract: parameter names and normalisation are ours."


def _model():
    return theory.builtin("kuramoto")


def _theory() -> MeanField:
    return MeanField.from_model(_model())


def _sym(mf, name: str) -> sp.Symbol:
    return next(p for p in mf.parameters if p.name == name)


def _stable(mf: MeanField, **values) -> list[float]:
    return [r["m"] for r in mf.stationary(**values) if r["stable"]]


def _hold(xi, params: dict, D: float, theta0, duration: float, dt: float, seed: int, omega=None) -> np.ndarray:
    """Each replica's time-averaged |m| (pattern 0) over the second half of a run."""
    run = Oscillators(_model(), xi, params, D=D, omega=omega).run(theta0, duration, dt, seed=seed, record_every=dt * 4)
    return run.r[run.r.shape[0] // 2:, :, 0].mean(axis=0)


def _measure(params: dict, D: float, r0: float, p: dict, seed: int, omega_delta: float | None = None) -> dict:
    """The stationary |m| from a cue of overlap ``r0`` at N and dt, with the dt-halved and N-halved shifts (module notes)."""
    N, R, dur, dt = p["N"], p["replicas"], p["duration"], p["dt"]
    vals = {}
    for tag, n, h in (("main", N, dt), ("half_dt", N, dt / 2), ("half_N", N // 2, dt)):
        xi = phase_patterns(1, n, "binary", seed=seed)
        om = None if omega_delta is None else lorentzian_frequencies(n, omega_delta)
        vals[tag] = _hold(xi, params, D, von_mises_cue(xi, r0, R, seed=seed + 1), dur, h, seed + 2, om)
    main = vals["main"]
    sem = float(main.std(ddof=1) / np.sqrt(len(main))) if len(main) > 1 else 0.0
    shift_dt = float(vals["half_dt"].mean() - main.mean())
    shift_N = float(main.mean() - vals["half_N"].mean())
    return {"r": float(main.mean()), "sigma": float(np.sqrt(sem**2 + shift_dt**2 + shift_N**2)), "sem": sem,
            "dt_shift": shift_dt, "N_shift": shift_N}


def _z(meas: dict, derived: float) -> float:
    return abs(meas["r"] - derived) / max(meas["sigma"], 1e-12)


def microscopic_velocity(theta: np.ndarray, xi: np.ndarray, K: float, C: float) -> np.ndarray:
    """The Kuramoto form with the Hebbian tensors, the route KUR-1 holds the kernel to (O(N^2) pairwise, O(N^4) quartic):
    dtheta_i/dt = K sum_j J_ij sin(theta_j - theta_i) + C sum_jkl T_ijkl sin(theta_j - theta_k + theta_l - theta_i), with
    J_ij = N^-1 sum_mu e^{i(xi_i - xi_j)} and T_ijkl = N^-3 sum_mu e^{i(xi_i - xi_j + xi_k - xi_l)} (the imaginary parts
    cancel in the sums), for ``theta`` of shape (replicas, N)."""
    N = theta.shape[-1]
    e = np.exp(1j * xi)
    J = np.einsum("mi,mj->ij", e, e.conj()) / N
    Tq = np.einsum("mi,mj,mk,ml->ijkl", e, e.conj(), e, e.conj()) / N**3
    u = np.exp(1j * theta)
    return (K * np.imag(np.einsum("ij,rj->ri", J, u) * u.conj())
            + C * np.imag(np.einsum("ijkl,rj,rk,rl->ri", Tq, u, u.conj(), u) * u.conj()))


SIM = {"N": 2000, "replicas": 8, "duration": 30.0, "dt": 0.05}
D0 = 0.25


@claim(
    id="KUR-1", paper=PAPER, source="the model is a gradient system (abstract: 'inspired by dense Hopfield memory')", kind="symbolic",
    statement="The oscillator memory is a gradient system: the dynamics derived from E (a periodic layer, no leak) is the Kuramoto "
    "form with Hebbian pairwise and quartic 3-simplex tensors, computed through the overlaps in O(N P); dE/dt = -tau |dtheta/dt|^2 <= 0; "
    "and E is invariant under a global phase shift (a zero mode: memories are retrieved up to a global phase). An identity of the "
    "construction, checked three ways." + RECONSTRUCTED,
    expected="dE/dt = -tau |theta'|^2 (chain rule = Hessian form); kernel = microscopic tensors; E(theta + c) = E(theta)",
    tolerance=AllOf(Holds("derived: Lyapunov established, chain-rule dE/dt equals the Hessian form at N = 2, 3, global-phase "
                          "symmetry proved for symbolic N", key="derived"),
                    AtMost(1e-12, "max |kernel velocity - microscopic O(N^2) + O(N^4) tensor form| (binary and uniform patterns)", key="micro"),
                    AtMost(1e-12, "largest energy increase along the noiseless flow (relative to |E|)", key="rise")),
    tolerance_reason="float64 round-off: both routes sum O(N^4) = 4096 terms of size 1 at N = 8",
    quick={"N": 8, "P": 2, "steps": 200, "dt": 0.02},
    role="identity",
)
def kur_1(p, seed):
    model = _model()
    lyap = model.lyapunov.established is True
    rate = model.check_energy_rate(sizes=(2, 3)).holds
    sym = model.symmetries["theta"].verdict is True
    rng = np.random.default_rng(seed)
    N, P, K, C = p["N"], p["P"], 1.3, 0.7
    worst = 0.0
    for kind in ("binary", "uniform"):
        xi = phase_patterns(P, N, kind, seed=seed)
        th = rng.uniform(0, 2 * np.pi, (3, N))
        v = Oscillators(model, xi, {"K": K, "C": C}).velocity(th)
        micro = microscopic_velocity(th, xi, K, C)
        worst = max(worst, float(np.abs(v - micro).max()))
    xi = phase_patterns(P, N, "uniform", seed=seed + 1)
    osc = Oscillators(model, xi, {"K": K, "C": C})
    w = phase_weights(xi)
    th = rng.uniform(0, 2 * np.pi, (4, N))
    energies = []
    for _ in range(p["steps"]):
        energies.append(osc.kernel.energy(th, w["a"], w["b"], C=C, K=K))
        th = osc.step(th, p["dt"], rng)
    E = np.array(energies)
    rise = float((np.diff(E, axis=0) / np.maximum(np.abs(E[:-1]), 1e-300)).max())
    out = {"lyapunov": lyap, "energy_rate_identity": rate, "global_phase": model.symmetries["theta"].status,
           "max_micro_difference": worst, "max_relative_energy_rise": rise, "energy_drop": float((E[0] - E[-1]).mean())}
    return Result(out, checked={"derived": lyap and rate and sym, "micro": worst, "rise": max(rise, 0.0)})


@claim(
    id="KUR-2", paper=PAPER, source="abstract: 'a continuous onset of retrieval' below the tricritical point", kind="simulation",
    statement="With pairwise coupling only (C = 0) retrieval sets in continuously at the derived onset K_c = 2 D (exact white-noise "
    "theory): below it |m| is O(N^-1/2) with the derived Gaussian size (MeanField.disordered_overlap, from the Landau "
    "coefficient); above it the simulated |m| matches the derived branch r = I1/I0((K r)/D) within its interval." + RECONSTRUCTED,
    expected={"K_c": "2 D"},
    tolerance=AllOf(Holds("derived onset K_c = 2 D, continuous (no spinodal) at C = 0", key="derived"),
                    AtMost(3.0, "|simulated - derived branch| / sigma above onset (K = 1.5 and 2 K_c)", key="z"),
                    AtMost(0.25, "|simulated |m| / Gaussian prediction - 1| below onset (K = 0.6 K_c)", key="below")),
    tolerance_reason="sigma combines the replica standard error with the measured dt and N shifts (module notes); below onset the "
    "Gaussian law holds to O(1/N) and 8 replicas x 15 time units give about 10% sampling error",
    quick={**SIM, "D": D0, "below": 0.6, "above": [1.5, 2.0]},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).critical(K), .stationary(...)",
)
def kur_2(p, seed):
    mf = _theory()
    K = _sym(mf, "K")
    crit = mf.critical(K)
    Kc = float(crit[K].subs(T, p["D"]))
    ok = crit == {K: 2 * T} and mf.transitions(K, D=p["D"], C=0)["order"] == "continuous"
    out, zs = {"K_c": Kc}, []
    for f in p["above"]:
        meas = _measure({"K": f * Kc, "C": 0.0}, p["D"], 0.8, p, seed)
        der = max(_stable(mf, K=f * Kc, C=0, D=p["D"]))
        out[f"K={f}K_c"] = {**meas, "derived": der}
        zs.append(_z(meas, der))
    Kb = p["below"] * Kc
    xi = phase_patterns(1, p["N"], seed=seed)
    r = _hold(xi, {"K": Kb, "C": 0.0}, p["D"], von_mises_cue(xi, 0.0, p["replicas"], seed=seed + 1), p["duration"], p["dt"], seed + 2)
    gauss = float(mf.disordered_overlap(p["N"]).subs({K: Kb, T: p["D"]}))  # derived: Gaussian |m| in the plane
    out[f"K={p['below']}K_c"] = {"r": float(r.mean()), "gaussian": gauss}
    return Result(out, checked={"derived": bool(ok), "z": zs, "below": abs(float(r.mean()) / gauss - 1)})


def _two_starts(C: float, Ks, p: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean final |m| (last third of a run) at each K from a memory cue and from incoherence."""
    D, N, R = p["D"], p["N_hyst"], p["replicas"]
    xi = phase_patterns(1, N, seed=seed)
    mem, inc = [], []
    for i, K in enumerate(Ks):
        osc = Oscillators(_model(), xi, {"K": float(K), "C": C}, D=D)
        for start, out in ((0.95, mem), (0.0, inc)):
            run = osc.run(von_mises_cue(xi, start, R, seed=seed + 2 * i + 1), p["duration"], p["dt"], seed=seed + 2 * i + 2)
            out.append(float(run.r[2 * run.r.shape[0] // 3:, :, 0].mean()))
    return np.array(mem), np.array(inc)


@claim(
    id="KUR-3", paper=PAPER, source="abstract: 'a tricritical point at which the continuous onset turns into a discontinuous, "
    "hysteretic transition'", kind="simulation",
    statement="The exact white-noise theory puts the tricritical point at (K_t, C_t) = (2 D, D). Below the onset (K = 0.55 to "
    "0.85 K_c) the state reached depends on where it starts (hysteresis: a memory cue stays retrieved, incoherence stays "
    "incoherent) on the first-order side (C = 4 C_t), and does not on the continuous side (C = C_t / 2), where both starts end "
    "incoherent." + RECONSTRUCTED,
    expected={"K_t": "2 D", "C_t": "D"},
    tolerance=AllOf(Holds("derived tricritical point (2 D, D); continuous at C_t/2; first order at 4 C_t with a saddle-node "
                          "below 0.55 K_c", key="derived"),
                    AtMost(0.1, "memory-start minus incoherent-start |m| at C = C_t/2, each K", key="cont"),
                    AtLeast(0.5, "memory-start minus incoherent-start |m| at C = 4 C_t, each K", key="first")),
    tolerance_reason="N = 600, 8 replicas, 60 time units (the slowest decay on the continuous side, at 0.85 K_c, has rate "
    "D - K/2 = 0.0375, so a memory cue is below 0.1 after ~40 units); on the first-order side the memory's barrier N Delta F / D "
    "exceeds 10, so it holds",
    quick={"D": D0, "N_hyst": 600, "replicas": 8, "duration": 60.0, "dt": 0.05, "K_over_Kc": [0.55, 0.7, 0.85], "below": 0.5, "above": 4.0},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).tricritical(K, C), .transitions(K, ...)",
)
def kur_3(p, seed):
    mf = _theory()
    K, C = _sym(mf, "K"), _sym(mf, "C")
    tri = mf.tricritical(K, C)
    D = p["D"]
    Ct = float(tri[C].subs(T, D)) if tri else float("nan")
    Kc = float(mf.critical(K)[K].subs(T, D))
    cont = mf.transitions(K, D=D, C=p["below"] * Ct)
    first = mf.transitions(K, D=D, C=p["above"] * Ct)
    k_sn = first["spinodal"][0]["value"] if first["spinodal"] else float("nan")
    Ks = np.array(p["K_over_Kc"]) * Kc
    ok = tri == {K: 2 * T, C: T} and cont["order"] == "continuous" and first["order"] == "first" and k_sn < Ks.min()
    curves = {tag: _two_starts(f * Ct, Ks, p, seed) for tag, f in (("cont", p["below"]), ("first", p["above"]))}
    gaps = {tag: (m - i).tolist() for tag, (m, i) in curves.items()}
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, tag, f in ((axes[0], "cont", p["below"]), (axes[1], "first", p["above"])):
        mem, inc = curves[tag]
        ax.plot(Ks, mem, "o-", ms=4, label="from a memory cue")
        ax.plot(Ks, inc, "s--", ms=4, label="from incoherence")
        ax.axvline(Kc, color="k", lw=0.8, ls=":", label="derived onset K = 2D")
        ax.set(xlabel="pairwise coupling K", ylabel="final mean |m|", title=f"C = {f:g} C_t ({'first order' if tag == 'first' else 'continuous'})")
        ax.title.set_fontsize(9)
        ax.set_ylim(-0.02, 1)
    axes[1].axvline(k_sn, color="k", lw=0.8, ls="-.", label="derived saddle-node")
    axes[1].plot(Ks, [max(_stable(mf, K=float(k), C=p["above"] * Ct, D=D)) for k in Ks], "k-", lw=0.8, label="derived memory branch")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = {"tricritical": {"K_t": Kc, "C_t": Ct}, "K": Ks.tolist(), "gap": gaps, "saddle_node_K_first_order_side": k_sn,
           "coexistence_K": first["coexistence"][0]["value"] if first["coexistence"] else None}
    return Result(out, figure=fig, checked={"derived": bool(ok), "cont": [abs(g) for g in gaps["cont"]], "first": gaps["first"]})


@claim(
    id="KUR-4", paper=PAPER, source="abstract: 'memory states are bistable with the incoherent state ... the bistable region is "
    "determined analytically'", kind="simulation",
    statement="In the quartic-dominated regime (C = 3 D) the exact white-noise theory gives a bistable window K_sn < K < 2 D: there a "
    "memory cue settles on the derived stable branch and an incoherent start stays incoherent; below the window the memory "
    "melts." + RECONSTRUCTED,
    expected="bistable for K in (K_sn, 2 D), derived",
    tolerance=AllOf(Holds("derived: a saddle-node K_sn < 2 D with the memory stable and incoherence stable between", key="derived"),
                    AtMost(3.0, "|simulated memory |m| - derived branch| / sigma, mid-window", key="z"),
                    AtMost(0.1, "incoherent start's |m| mid-window", key="incoherent"),
                    AtMost(0.1, "memory cue's final |m| at K = 0.6 K_sn (below the window)", key="melted")),
    tolerance_reason="sigma as in the module notes; 0.1 is more than 4 times the O(N^-1/2) incoherent fluctuation at N = 2000; the melting run "
    "is well below the saddle-node (0.6 K_sn), since just below it the memory's ghost slows the decay past the run's 30 time units",
    quick={**SIM, "D": D0, "C_over_D": 3.0, "melt": 0.6},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).transitions(K, D=..., C=...)",
)
def kur_4(p, seed):
    mf = _theory()
    K = _sym(mf, "K")
    D, C = p["D"], p["C_over_D"] * p["D"]
    tr = mf.transitions(K, D=D, C=C)
    k_sn = tr["spinodal"][0]["value"] if tr["spinodal"] else float("nan")
    k_mid = (k_sn + 2 * D) / 2
    stable = _stable(mf, K=k_mid, C=C, D=D)
    ok = tr["order"] == "first" and k_sn < 2 * D and len(stable) == 2 and stable[0] == 0.0
    meas = _measure({"K": k_mid, "C": C}, D, 0.9, p, seed)
    der = max(stable)
    xi = phase_patterns(1, p["N"], seed=seed)
    inc = _hold(xi, {"K": k_mid, "C": C}, D, von_mises_cue(xi, 0.0, p["replicas"], seed=seed + 5), p["duration"], p["dt"], seed + 6)
    run = Oscillators(_model(), xi, {"K": p["melt"] * k_sn, "C": C}, D=D).run(von_mises_cue(xi, 0.9, p["replicas"], seed=seed + 7),
                                                                      p["duration"], p["dt"], seed=seed + 8)
    melted = float(run.r[-1, :, 0].mean())
    out = {"K_saddle_node": k_sn, "K_onset": 2 * D, "K_mid": k_mid, "memory": {**meas, "derived": der},
           "incoherent_r": float(inc.mean()), "below_window_final_r": melted}
    return Result(out, checked={"derived": bool(ok), "z": _z(meas, der), "incoherent": float(inc.mean()), "melted": melted})


@claim(
    id="KUR-5", paper=PAPER, source="abstract: 'mean-field theory and its dynamical approximation'", kind="simulation",
    statement="With Lorentzian natural frequencies (half-width Delta, no noise) the Ott-Antonsen reduction, derived from the same "
    "energy, is exact as N -> infinity: onset K = 2 Delta, tricritical point C = K = 2 Delta, saddle-node K_sn = sqrt(8 C Delta) - C. "
    "Mid-window (C = 6 Delta) the simulated memory's |m| matches the OA branch and not the exact white-noise branch at D = Delta "
    "(the OA closure is a different theory), and below K_sn the memory melts." + RECONSTRUCTED,
    expected={"onset": "2 Delta", "tricritical": "C = K = 2 Delta", "saddle_node": "sqrt(8 C Delta) - C"},
    tolerance=AllOf(Holds("derived OA onset, tricritical point and saddle-node closed forms", key="derived"),
                    AtMost(3.0, "|simulated |m| - OA branch| / sigma mid-window", key="z"),
                    AtLeast(3.0, "|simulated |m| - white-noise branch at D = Delta| / sigma (the two theories are told apart)", key="apart"),
                    AtMost(0.15, "final |m| at K = 0.8 K_sn from a memory cue", key="melted")),
    tolerance_reason="frequencies at the Lorentzian's quantiles (no frequency-sampling noise); sigma as in the module notes, whose "
    "N-halving shift carries the O(1/N) finite-size error of the quantile sample; below K_sn the locked cluster dissolves "
    "into drifting oscillators whose residual |m| is O(N^-1/2) up to slow beats",
    quick={"N": 2000, "replicas": 2, "duration": 40.0, "dt": 0.05, "Delta": 0.25, "C_over_Delta": 6.0},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).ott_antonsen() (critical, tricritical, saddle_node, fixed_points)",
)
def kur_5(p, seed):
    mf = _theory()
    oa = mf.ott_antonsen()
    Kf, Cf = _sym(mf, "K"), _sym(mf, "C")
    from theory.ott_antonsen import Delta

    sn = [s for s in oa.saddle_node(Kf) if s[Kf].subs({Cf: 6, Delta: 1}) > 0]
    ok = (oa.critical(Kf) == {Kf: 2 * Delta} and oa.tricritical(Kf, Cf) == {Kf: 2 * Delta, Cf: 2 * Delta}
          and bool(sn) and sp.simplify(sn[0][Kf] - (sp.sqrt(8 * Cf * Delta) - Cf)) == 0)
    dl = p["Delta"]
    C = p["C_over_Delta"] * dl
    k_sn = float(sn[0][Kf].subs({Cf: C, Delta: dl})) if sn else float("nan")
    if not (0 < k_sn < 2 * dl):  # no bistable window derived: nothing to simulate against
        nan = float("nan")
        return Result({"K_saddle_node_OA": k_sn}, detail="the derived OA flow has no bistable window at C = 6 Delta",
                      checked={"derived": False, "z": nan, "apart": nan, "melted": nan})
    k_mid = (k_sn + 2 * dl) / 2
    r_oa = max(fp["r"] for fp in oa.fixed_points(K=k_mid, C=C, Delta=dl) if fp["stable"])
    r_noise = max(_stable(mf, K=k_mid, C=C, D=dl))
    meas = _measure({"K": k_mid, "C": C}, 0.0, 0.9, p, seed, omega_delta=dl)
    xi = phase_patterns(1, p["N"], seed=seed)
    run = Oscillators(_model(), xi, {"K": 0.8 * k_sn, "C": C}, D=0.0, omega=lorentzian_frequencies(p["N"], dl)).run(
        von_mises_cue(xi, 0.9, p["replicas"], seed=seed + 9), p["duration"], p["dt"], seed=seed + 10)
    melted = float(run.r[-5:, :, 0].mean())
    out = {"K_saddle_node_OA": k_sn, "K_mid": k_mid, "memory": {**meas, "OA": r_oa, "white_noise_at_D=Delta": r_noise},
           "below_window_final_r": melted}
    return Result(out, checked={"derived": bool(ok), "z": _z(meas, r_oa), "apart": _z(meas, r_noise), "melted": melted})


@claim(
    id="KUR-6", paper=PAPER, source="abstract: 'in the quartic-dominated regime memory states are bistable with the incoherent "
    "state, separated by a sizable energy barrier'", kind="simulation",
    statement="With quartic coupling only (K = 0) the incoherent state is always locally stable and memories exist only above a "
    "derived threshold C_sn (exact white-noise theory, a multiple of D) and are the global minimum only above the Maxwell point "
    "C_M > C_sn; the Ott-Antonsen closure (Delta -> D) puts the threshold at 8 D instead. Simulated: a memory melts at 0.85 C_sn and "
    "holds on the derived branch at 1.3 C_sn." + RECONSTRUCTED,
    expected="C_sn < C_M (derived numbers, in units of D); OA closure 8 D",
    tolerance=AllOf(Holds("derived: first order in C at K = 0 with C_sn < C_M, no continuous onset, OA threshold 8 D", key="derived"),
                    AtMost(0.1, "final |m| of a memory cue at 0.85 C_sn", key="melted"),
                    AtMost(3.0, "|simulated |m| - derived branch| / sigma at 1.3 C_sn", key="z")),
    tolerance_reason="sigma as in the module notes; 0.1 is more than 4 times the O(N^-1/2) incoherent fluctuation at N = 2000",
    quick={**SIM, "D": D0},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).transitions(C, D=..., K=0) and .ott_antonsen().saddle_node(K)",
)
def kur_6(p, seed):
    mf = _theory()
    C = _sym(mf, "C")
    D = p["D"]
    tr = mf.transitions(C, D=D, K=0)
    c_sn = tr["spinodal"][0]["value"] if tr["spinodal"] else float("nan")
    c_m = tr["coexistence"][0]["value"] if tr["coexistence"] else float("nan")
    oa = mf.ott_antonsen()
    from theory.ott_antonsen import Delta

    oa_sn = [s for s in oa.saddle_node(_sym(mf, "K")) if s]
    c_oa = sp.solve(sp.Eq(oa_sn[0][_sym(mf, "K")], 0), C) if oa_sn else []
    c_oa = [c for c in c_oa if c != 0]
    ok = tr["order"] == "first" and tr["continuous"] is None and c_sn < c_m and bool(c_oa) and sp.simplify(c_oa[0] - 8 * Delta) == 0
    xi = phase_patterns(1, p["N"], seed=seed)
    run = Oscillators(_model(), xi, {"K": 0.0, "C": 0.85 * c_sn}, D=D).run(von_mises_cue(xi, 0.95, p["replicas"], seed=seed + 1),
                                                                          p["duration"], p["dt"], seed=seed + 2)
    melted = float(run.r[-1, :, 0].mean())
    meas = _measure({"K": 0.0, "C": 1.3 * c_sn}, D, 0.95, p, seed + 3)
    der = max(_stable(mf, K=0, C=1.3 * c_sn, D=D))
    out = {"C_saddle_node": c_sn, "C_maxwell": c_m, "C_sn_over_D": c_sn / D, "C_M_over_D": c_m / D,
           "OA_closure_threshold": str(c_oa[0]) if c_oa else None, "melted_final_r": melted, "memory": {**meas, "derived": der}}
    return Result(out, checked={"derived": bool(ok), "melted": melted, "z": _z(meas, der)})


@claim(
    id="KUR-7", paper=PAPER, source="basin of a memory bounded by the unstable branch (mean-field, derived)", kind="simulation",
    statement="Where a memory coexists with incoherence (K = 0.45, C = 1, D = 0.25) the derived unstable branch r_u is the basin "
    "boundary: cues of overlap r_u + 0.12 retrieve the memory and cues of r_u - 0.12 fall to incoherence." + RECONSTRUCTED,
    expected="retrieval fraction 1 above r_u, 0 below",
    tolerance=AllOf(Holds("derived: stable incoherence, unstable r_u, stable memory r_s", key="derived"),
                    AtLeast(0.9, "fraction of replicas retrieving from r_u + 0.12", key="above"),
                    AtMost(0.1, "fraction of replicas retrieving from r_u - 0.12", key="below")),
    tolerance_reason="at N = 2000 the cue's overlap fluctuates by ~0.01 and the noise moves r by ~sqrt(D t / N) ~ 0.05 over the drift "
    "time, well inside the 0.12 offset; 16 replicas each side",
    quick={"N": 2000, "replicas": 16, "duration": 30.0, "dt": 0.05, "K": 0.45, "C": 1.0, "D": D0, "offset": 0.12},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).stationary(K=0.45, C=1, D=0.25)",
)
def kur_7(p, seed):
    mf = _theory()
    pts = sorted(mf.stationary(K=p["K"], C=p["C"], D=p["D"]), key=lambda r: r["m"])
    ok = [r["stable"] for r in pts] == [True, False, True]
    if not ok:
        nan = float("nan")
        return Result({"stationary": pts}, detail="the derived theory has no unstable branch between incoherence and a memory here",
                      checked={"derived": False, "above": nan, "below": nan})
    r_u, r_s = pts[1]["m"], pts[2]["m"]
    xi = phase_patterns(1, p["N"], seed=seed)
    osc = Oscillators(_model(), xi, {"K": p["K"], "C": p["C"]}, D=p["D"])
    frac = {}
    for tag, r0 in (("above", r_u + p["offset"]), ("below", r_u - p["offset"])):
        th = von_mises_cue(xi, r0, p["replicas"], seed=seed + (1 if tag == "above" else 2))
        start = np.abs(overlaps(th, xi))[:, 0]
        run = osc.run(th, p["duration"], p["dt"], seed=seed + 3)
        final = run.r[-1, :, 0]
        frac[tag] = float(np.mean(final > (r_u + r_s) / 2))
        frac[tag + "_cue_r"] = float(start.mean())
    out = {"r_u": r_u, "r_s": r_s, **frac}
    return Result(out, checked={"derived": bool(ok), "above": frac["above"], "below": frac["below"]})


@claim(
    id="KUR-8", paper=PAPER, source="abstract: 'the escape time from a memory under noise grows exponentially with N'", kind="simulation",
    statement="A memory metastable behind the derived barrier (K = 0.4, C = 1, D = 0.25) escapes to the basin boundary r_u after a "
    "mean time that grows exponentially with N: log tau is linear in N with slope Delta F / D, the derived barrier over the "
    "noise (Arrhenius-Kramers)." + RECONSTRUCTED,
    expected="fitted slope of log tau against N / (Delta F / D) = 1",
    tolerance=AllOf(Holds("derived: a stable memory with an unstable boundary below it (barrier > 0)", key="derived"),
                    Within(1.0, "fitted slope of log tau against N / derived Delta F / D", rel=0.25, key="ratio")),
    tolerance_reason="the acceptance's 25% at N <= 40: Langevin first passages of 400 replicas per N, censored at t_max and "
    "estimated by the exponential maximum likelihood (relative error 1/sqrt(escaped), 6-12% per N, weighting the fit); the "
    "Kramers prefactor's O(log N / N) correction to the slope at N = 12..24 is the rest",
    quick={"N": [12, 16, 20, 24], "replicas": 400, "t_max": 300.0, "dt": 0.05, "K": 0.4, "C": 1.0, "D": D0, "check_every": 0.25},
    expected_source="derived from the model: theory.MeanField.from_model(theory.builtin('kuramoto')).barrier(K=0.4, C=1, D=0.25)",
)
def kur_8(p, seed):
    mf = _theory()
    b = mf.barrier(K=p["K"], C=p["C"], D=p["D"])
    if not b or b["barrier"] <= 0:
        nan = float("nan")
        return Result({"barrier": b}, detail="the derived theory has no metastable memory here", checked={"derived": False, "ratio": nan})
    taus, errs, counts = [], [], []
    rng = np.random.default_rng(seed)
    for N in p["N"]:
        xi = phase_patterns(1, N, seed=seed + N)
        osc = Oscillators(_model(), xi, {"K": p["K"], "C": p["C"]}, D=p["D"])
        start = xi[0] + rng.uniform(0, 2 * np.pi, (p["replicas"], 1))  # at the pattern, any global phase
        t = osc.escape_times(start, threshold=b["boundary"]["m"], t_max=p["t_max"], dt=p["dt"], seed=seed + 2 * N,
                             check_every=p["check_every"])
        e = escape_rate(t, p["t_max"])
        taus.append(e["tau"])
        errs.append(e["rel_error"])
        counts.append((e["escaped"], e["censored"]))
    ok = all(np.isfinite(taus))
    slope = float(np.polyfit(p["N"], np.log(taus), 1, w=1 / np.array(errs))[0]) if ok else float("nan")
    out = {"derived_barrier": b["barrier"], "derived_slope": b["escape_slope"], "r_u": b["boundary"]["m"], "r_s": b["memory"]["m"],
           "fitted_slope": slope, "tau": dict(zip(map(str, p["N"]), taus)), "escaped_censored": dict(zip(map(str, p["N"]), counts))}
    return Result(out, checked={"derived": True, "ratio": slope / b["escape_slope"]})


def _load_per_error(p: dict, seed: int) -> Result:
    """The load per unit retrieval error, P / (1 - |m|), measured at small loads P = load * N^power (a protocol choice,
    not the theory's), and its fitted exponent in N against the derived law's (numerics.oscillators.retrieval_error)."""
    law = theory.capacity_law(_model(), params={"K": p["K"], "C": p["C"]})
    Ns = np.array(p["N"], dtype=float)
    per, errs, rows = [], [], {}
    for n in p["N"]:
        P = max(2, int(round(p["load"] * n ** p["power"])))
        e = retrieval_error(_model(), n, P, {"K": p["K"], "C": p["C"]}, replicas=min(p["replicas"], P),
                            duration=p["duration"], dt=p["dt"], seed=seed + n, sets=p["sets"])
        per.append(P / e["error"])
        errs.append(e["sigma"] / e["error"])  # relative error of P / error
        rows[str(n)] = {"P": P, **e}
    w = 1 / np.maximum(np.array(errs), 1e-6)
    slope = float(np.polyfit(np.log(Ns), np.log(per), 1, w=w)[0])
    expo = float(law.scaling.exponent)
    from theory.phase_capacity import N as N_sym

    static = [float(law.load_per_error.subs(N_sym, n)) for n in p["N"]]  # the law's small-load P/(1 - r)
    out = {"measured_exponent": slope, "derived_exponent": expo, "runs": rows,
           "P_per_error_measured": dict(zip(map(str, p["N"]), per)),
           "measured_over_static_gaussian": dict(zip(map(str, p["N"]), (np.array(per) / np.array(static)).tolist())),
           "k_max_asymptotic": str(law.k_max_asymptotic), "approximation": law.approximation}
    return Result(out, checked={"exponent_gap": slope - expo})


@claim(
    id="KUR-9", paper=PAPER, source="abstract: 'at finite load higher-order coupling gives superlinear capacity, far beyond "
    "pairwise-only oscillators'", kind="simulation",
    statement="With quartic coupling only (K = 0, C = 1) and uniform-phase patterns, the load a network of N oscillators "
    "carries at a given retrieval error grows as N^3, the exponent of the derived finite-load law (crosstalk variance "
    "per pattern v_1 ~ 3 C^2/N^3, exact in N): the measured P/(1 - |m|) at small loads, replicas started at their own "
    "pattern at zero noise, has the derived exponent in N." + RECONSTRUCTED,
    expected="fitted exponent of log(P/(1 - |m|)) against log N = the derived law's exponent (theory.PhaseCapacityLaw.scaling: 3)",
    tolerance=Within(0.0, "measured exponent - derived exponent", abs=0.3, key="exponent_gap"),
    tolerance_reason="each 1 - |m| carries its replica error and its drift when the run is doubled (reported, a few %, "
    "about 0.1 of slope over a factor 2 in N); the rest is finite N: the small-load response is linear in P only to "
    "leading order and the unit's own term is O(1/N). 0.3 tells N^3 from N^2 (a moment of |m|^4 instead of |m|^6) and from "
    "pairwise N. The constant is reported, not checked (the law neglects the crosstalk's response, of the same order)",
    quick={"N": [48, 64, 96], "load": 0.005, "power": 3, "replicas": 16, "sets": 3, "duration": 20.0, "dt": 0.2, "K": 0.0, "C": 1.0},
    expected_source="derived from the model: theory.capacity_law(theory.builtin('kuramoto'), params={'K': 0, 'C': 1}) "
    "(a theory.PhaseCapacityLaw: scaling)",
)
def kur_9(p, seed):
    return _load_per_error(p, seed)


@claim(
    id="KUR-10", paper=PAPER, source="abstract: 'superlinear capacity, far beyond pairwise-only oscillators'", kind="simulation",
    statement="With pairwise coupling only (K = 1, C = 0) and uniform-phase patterns the load carried at a given retrieval "
    "error grows only linearly in N, the exponent of the derived finite-load law (v_1 ~ K^2/(2N)): the measured "
    "P/(1 - |m|) at small loads has exponent 1." + RECONSTRUCTED,
    expected="fitted exponent of log(P/(1 - |m|)) against log N = the derived law's exponent (theory.PhaseCapacityLaw.scaling: 1)",
    tolerance=Within(0.0, "measured exponent - derived exponent", abs=0.3, key="exponent_gap"),
    tolerance_reason="as KUR-9 (replica error and the drift of a doubled run, over a factor 4 in N); loads stay at 2% of N, "
    "where the pairwise state has settled, as each run's doubled-duration drift shows (its other patterns are soft "
    "directions: at much larger loads retrieval keeps decaying). 0.3 tells N from N^2 and N^3. The constant is reported, not checked",
    quick={"N": [1024, 2048, 4096], "load": 0.02, "power": 1, "replicas": 16, "sets": 3, "duration": 20.0, "dt": 0.2, "K": 1.0, "C": 0.0},
    expected_source="derived from the model: theory.capacity_law(theory.builtin('kuramoto'), params={'K': 1, 'C': 0}) "
    "(a theory.PhaseCapacityLaw: scaling)",
)
def kur_10(p, seed):
    return _load_per_error(p, seed)
