"""Numerics benchmarks: sizes and seconds measured in one run (not timed tests).

``python benchmarks/numerics.py --json`` prints a JSON list of {"name", "value", "detail"}:

* ``all_states_Nh1000_s``: stream J = xi xi^T / N_v for N_h = 1000, N_v = 640,000 (xi never in memory)
  and run the exact all-states test (target < 30 s, < 1 GB peak);
* ``enumerate_2pow20_s``: enumerate and test all 2^20 codes at N_h = 20 (target < 10 s);
* ``classical_capacity_sweep_s``: classical Hopfield final overlap vs alpha, N = 2000, 10 alphas x 10 seeds,
  asynchronous energy-difference dynamics started at a pattern (at most 20 sweeps), on 2 processes (target < 60 s);
* ``ode_energy_max_increase``: largest relative energy increase along adaptive integrations of
  Models A, B, C (target <= 1e-10).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

# this file is called numerics.py: keep its folder off the path so `import numerics` finds the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def hopfield_point(alpha: float, seed: int, N: int = 2000) -> dict:
    import theory
    from numerics import patterns, retrieval
    from numerics.discrete import BinaryMemory

    K = max(1, int(round(alpha * N)))
    X = patterns.binary(K, N, seed=seed)
    bm = BinaryMemory(theory.builtin("classical_hopfield"), X)
    s, sweeps = bm.run(X[:1], seed=seed + 1, rule="energy_difference", max_sweeps=20)
    return {"overlap": float(retrieval.overlap(s, X[:1])[0]), "sweeps": sweeps}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    a = ap.parse_args()
    from numerics import census, integrate, sweeps

    recs = []
    nh, nv = (200, 20_000) if a.quick else (1000, 640_000)
    tracemalloc.start()
    t = time.perf_counter()
    J = census.random_coupling_streamed(nh, nv, seed=0, block=4096)
    res = census.all_states_fixed(J, 0.5)
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    recs.append({"name": f"all_states_Nh{nh}_s", "value": dt, "detail": f"N_h={nh}, N_v={nv}, streamed in blocks of 4096 (float32 GEMMs, float64 J); "
                 f"peak traced memory {peak / 2**20:.0f} MiB; all states fixed: {res['all']}; target < 30 s and < 1 GB"})

    n = 16 if a.quick else 20
    xi = np.random.default_rng(1).standard_normal((n, 100 * n))
    J = xi @ xi.T / xi.shape[1]
    t = time.perf_counter()
    en = census.enumerate_fixed(J, 0.5)
    dt = time.perf_counter() - t
    recs.append({"name": f"enumerate_2pow{n}_s", "value": dt, "detail": f"N_h={n}, N_v={100 * n}: {en['count']} of {en['total']} codes fixed; target < 10 s"})

    alphas = np.round(np.linspace(0.05, 0.2, 10), 4).tolist()
    seeds = list(range(3 if a.quick else 10))
    N = 500 if a.quick else 2000
    pts = sweeps.grid({"alpha": alphas, "N": [N]}, seeds)
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        out = sweeps.run_sweep(hopfield_point, pts, d, workers=2, progress=False)
        dt = time.perf_counter() - t
    curve = {al: float(np.mean([r["result"]["overlap"] for r in out if r["point"]["alpha"] == al])) for al in alphas}
    recs.append({"name": "classical_capacity_sweep_s", "value": dt, "detail": f"N={N}, {len(alphas)} alphas x {len(seeds)} seeds on 2 processes; "
                 f"mean final overlap by alpha: {json.dumps(curve)}; target < 60 s"})

    import theory
    from numerics import compile as compile_kernel

    rng = np.random.default_rng(2)
    worst = {}
    for name in ("model_a", "model_b", "model_c"):
        k = compile_kernel(theory.builtin(name))
        args = {"xi": rng.standard_normal((50, 20)) / np.sqrt(20)}
        if "I" in k.arg_names:
            args["I"] = np.zeros(20)
        tr = integrate.simulate(k, {"v": rng.standard_normal((8, 20)), "h": rng.standard_normal((8, 50))}, args, 30.0, method="adaptive")
        worst[name] = tr.max_energy_increase
    recs.append({"name": "ode_energy_max_increase", "value": max(worst.values()), "detail": f"adaptive RK45 rtol 1e-9, N_f=20, N_h=50, batch 8, t in [0, 30]: {worst}; target <= 1e-10"})
    if a.json:
        print(json.dumps(recs, indent=2))
    else:
        for r in recs:
            print(f"{r['name']:<28} {r['value']:.4g}  {r['detail']}")


if __name__ == "__main__":
    main()
