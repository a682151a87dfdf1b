"""Capacity-law benchmarks as ratios of medians over interleaved repetitions in one process (never timed tests).

Records (``--json`` prints a JSON list of {"name", "ratio" or "value", "detail"}):

* ``capacity_law_cost_vs_N``: deriving the capacity law (signal, exact crosstalk variance, asymptotic law, large
  deviations) of three models whose layers have concrete size 10**6, over the same with size 10 (target <= 1.2:
  the derivation is symbolic in N and never expands a layer);
* ``capacity_cli_derive_s``: wall time of ``amwb capacity dam_power --json`` in a fresh process, derive only
  (median over repetitions; target < 2 s);
* ``poly_kernel_products_vs_power``: a polynomial Lagrangian's compiled ``F`` (``x^3/3 + x^5/50``, 10**6 entries)
  as printed (squarings and products) over the same printed with ``numpy.power`` (reported: the printer change
  that made capacity scans of polynomial memories faster).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _timing import median_ratio as _median_ratio  # this folder, imported before it leaves the path
from _timing import tune_process

# benchmarks/numerics.py would shadow the numerics package: keep this folder off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def _models(size: int):
    import theory

    def two(name, lag):
        return theory.from_dict({
            "name": f"{name}_{size}",
            "layers": [{"name": "v", "size": size, "lagrangian": "absolute", "activation": "sigma"},
                       {"name": "h", "size": size, "lagrangian": lag, "activation": "f"}],
            "synapses": [{"kind": "dense", "post": "h", "pre": "v", "weight": "xi"}],
        })

    return [two("poly", {"expr": "x**3/3 + x**5/50"}), two("cube", {"expr": "x**3"}), two("exp", {"expr": "exp(x)"})]


def derive_laws(size: int) -> None:
    import theory

    for m in _models(size):
        law = theory.capacity_law(m)
        _ = law.signal, law.pattern_variance, law.k_max, law.k_max_asymptotic, law.scaling, law.large_deviation


def main() -> None:
    tune_process()
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    records = []

    r, big, small = _median_ratio(lambda: derive_laws(10**6), lambda: derive_laws(10), a.repeat)
    records.append({"name": "capacity_law_cost_vs_N", "ratio": r,
                    "detail": f"3 laws, layer sizes 10**6: {big:.3f}s, sizes 10: {small:.3f}s (medians of {a.repeat}, interleaved); target <= 1.2"})

    times = []
    for _ in range(max(3, a.repeat // 2)):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "numerics.cli", "capacity", "dam_power", "--json"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    records.append({"name": "capacity_cli_derive_s", "value": float(np.median(times)),
                    "detail": f"amwb capacity dam_power --json, fresh process, median of {len(times)}: {np.median(times):.2f} s; target < 2 s"})

    import sympy as sp

    from numerics.codegen import kernel as kernels
    from numerics.discrete import _layer_kernel

    m = _models(10)[0]
    fast = _layer_kernel(m.layer("h"), "bench_products", ()).fast("entrywise")
    printer_pow = kernels._KernelPrinter._print_Pow
    kernels._CACHE.clear()
    _layer_kernel.cache_clear()
    kernels._KernelPrinter._print_Pow = lambda self, e, rational=False: super(kernels._KernelPrinter, self)._print_Pow(e, rational=rational)
    try:
        slow = _layer_kernel(m.layer("h"), "bench_power", ()).fast("entrywise")
    finally:
        kernels._KernelPrinter._print_Pow = printer_pow
        kernels._CACHE.clear()
        _layer_kernel.cache_clear()
    x = np.random.default_rng(0).standard_normal((8, 125_000)) * 30
    assert np.allclose(fast(x)[0], slow(x)[0], rtol=1e-13), "the two printings must compute the same F"
    r, ma, mb = _median_ratio(lambda: fast(x), lambda: slow(x), a.repeat)
    records.append({"name": "poly_kernel_products_vs_power", "ratio": r,
                    "detail": f"F = {sp.sstr(m.layer('h').lagrangian.expr)[:40]}, 10**6 entries: products {ma * 1e3:.2f} ms, numpy.power {mb * 1e3:.2f} ms"})

    if a.json:
        print(json.dumps(records, indent=2))
    else:
        for rec in records:
            print(f"{rec['name']:<32} {rec.get('ratio', rec.get('value')):.3f}  {rec['detail']}")


if __name__ == "__main__":
    main()
