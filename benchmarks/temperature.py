"""Temperature and oscillator benchmarks (issue 31): ratios of medians over interleaved repetitions in one process, and
medians of wall times where the target is an absolute one (never timed tests).

Records (``--json`` prints a JSON list of {"name", "ratio" or "value", "detail"}):

* ``mean_field_derive_s``: deriving the mean-field theory of three built-ins from their specs (``kuramoto``,
  ``classical_hopfield``, ``dam_power`` at n = 3: ``MeanField.from_model``, the Landau series to order 8, the onset and
  the tricritical point), median wall time (target < 2 s);
* ``mean_field_cost_vs_N``: the same derivation for the oscillator model with N = 10**6 over N = 10 (target <= 1.2: the
  derivation is symbolic and never expands a layer);
* ``phase_grid_200x200_s``: the oscillators' phase diagram in (K, C) at D = 0.25 on a 200 x 200 grid
  (:func:`numerics.phases.phase_grid`: every self-consistency solved, vectorised), median wall time (target < 2 s);
* ``langevin_step_vs_hand``: one Euler-Maruyama step of the compiled ``kuramoto`` kernel (``Oscillators.step``) at
  N = 10**4, P = 100, 64 replicas over a hand-written NumPy step with the complex overlap products it needs
  (target <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _timing import block_median, compare, tune_process

# benchmarks/numerics.py would shadow the numerics package: keep this folder off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def _derive(size=None) -> None:
    import theory
    from theory.mean_field import MeanField

    spec = theory.builtin_spec("kuramoto")
    if size is not None:  # the layer, the weights and the energy's 1/N at a concrete size
        spec["layers"][0]["size"] = size
        spec["weights"] = {k: {"shape": ["P", size]} for k in spec["weights"]}
        spec["synapses"][0]["expr"] = spec["synapses"][0]["expr"].replace("N", str(size))
    mf = MeanField.from_model(theory.from_dict(spec))
    K, C = (next(p for p in mf.parameters if p.name == n) for n in ("K", "C"))
    mf.landau(8), mf.critical(K), mf.tricritical(K, C)
    if size is None:
        for name, params in (("classical_hopfield", None), ("dam_power", {"n": 3})):
            th = MeanField.from_model(theory.from_dict(theory.builtin_spec(name)), params=params)
            th.landau(8), th.critical(), th.tricritical()


def _median_time(f, repeat: int) -> float:
    """Median wall time of ``repeat`` calls (no warm-up block): the shared timing helper."""
    return block_median(f, 0.0, repeat)


def main() -> None:
    tune_process()
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run: the records, not the targets)")
    a = ap.parse_args()
    records = []

    t = _median_time(_derive, a.repeat)
    records.append({"name": "mean_field_derive_s", "value": t,
                    "detail": f"kuramoto + classical_hopfield + dam_power(n=3) from their specs, median of {a.repeat}: {t:.2f} s; target < 2 s"})
    c = compare(lambda: _derive(10**6), lambda: _derive(10), a.repeat, warmup=1)
    records.append({"name": "mean_field_cost_vs_N", "ratio": c["ratio"],
                    "detail": f"oscillator theory at N = 10**6: {c['a']:.3f} s, N = 10: {c['b']:.3f} s (medians of {a.repeat}, interleaved); target <= 1.2"})

    import theory
    from numerics.oscillators import Oscillators, phase_patterns
    from numerics.phases import phase_grid
    from theory.mean_field import MeanField

    mf = MeanField.from_model(theory.builtin("kuramoto"))
    n = 40 if a.quick else 200
    phase_grid(mf, ("K", 0.0, 1.5, 20), ("C", 0.0, 1.5, 20), D=0.25)  # compiles the grid's kernels once
    t = _median_time(lambda: phase_grid(mf, ("K", 0.0, 1.5, n), ("C", 0.0, 1.5, n), D=0.25), max(3, a.repeat // 2))
    records.append({"name": f"phase_grid_{n}x{n}_s", "value": t,
                    "detail": f"kuramoto in (K, C) at D = 0.25, {n} x {n}, median: {t:.2f} s; target < 2 s at 200 x 200"})

    N, P, R = (1000, 10, 8) if a.quick else (10_000, 100, 64)
    xi = phase_patterns(P, N, "uniform", seed=0)
    K, Cq, D, dt = 1.0, 0.5, 0.25, 0.05
    osc = Oscillators("kuramoto", xi, {"K": K, "C": Cq}, D=D)
    theta = np.random.default_rng(1).uniform(0, 2 * np.pi, (R, N))
    ET = np.ascontiguousarray(np.exp(-1j * xi).T)  # e^{-i xi}^T, (N, P)
    Ec = np.exp(1j * xi)
    A, B = np.cos(xi), np.sin(xi)

    def hand_complex(th, rng):
        """theta + dt sum_mu (K + C r^2) Im(m_mu e^{i(xi - theta)}) + sqrt(2 D dt) eta, m = e^{i theta} e^{-i xi}^T / N."""
        u = np.exp(1j * th)
        m = u @ ET / N
        w = (K + Cq * (m.real**2 + m.imag**2)) * m
        return th + dt * np.imag(u.conj() * (w @ Ec)) + np.sqrt(2 * D * dt) * rng.standard_normal(th.shape)

    def hand_real(th, rng):
        """The same with real products: Re m, Im m from cos and sin (4 products), back-projected (4 products)."""
        c, s = np.cos(th), np.sin(th)
        re, im = (c @ A.T + s @ B.T) / N, (s @ A.T - c @ B.T) / N
        w = K + Cq * (re * re + im * im)
        wr, wi = w * re, w * im
        drift = c * (wi @ A + wr @ B) + s * (wi @ B - wr @ A)
        return th + dt * drift + np.sqrt(2 * D * dt) * rng.standard_normal(th.shape)

    for hand in (hand_complex, hand_real):
        ra, rb = np.random.default_rng(2), np.random.default_rng(2)
        assert np.allclose(osc.step(theta, dt, ra), hand(theta, rb), atol=1e-12), "the steps must agree"
    ra, rb, rc = (np.random.default_rng(3) for _ in range(3))
    c1 = compare(lambda: osc.step(theta, dt, ra), lambda: hand_complex(theta, rb), a.repeat * 3, warmup=2)
    c2 = compare(lambda: osc.step(theta, dt, ra), lambda: hand_real(theta, rc), a.repeat * 3, warmup=2)
    worst = max(c1["ratio"], c2["ratio"])  # against the faster of the two hand steps
    records.append({"name": "langevin_step_vs_hand", "ratio": worst,
                    "detail": f"N = {N}, P = {P}, {R} replicas: kernel step {c1['a'] * 1e3:.1f} ms; hand NumPy with complex overlaps "
                              f"{c1['b'] * 1e3:.1f} ms (ratio {c1['ratio']:.2f}), with real products {c2['b'] * 1e3:.1f} ms (ratio "
                              f"{c2['ratio']:.2f}); medians of {a.repeat * 3}, interleaved; the larger ratio is the record; target <= 1.5"})

    if a.json:
        print(json.dumps(records, indent=2))
    else:
        for rec in records:
            print(f"{rec['name']:<26} {rec.get('ratio', rec.get('value')):.3f}  {rec['detail']}")


if __name__ == "__main__":
    main()
