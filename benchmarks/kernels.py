"""Kernel benchmarks as ratios measured in one run (never timed unit tests).

Records (``--json`` prints a JSON list of {"name", "ratio", "detail"}), each a ratio of medians over interleaved
repetitions in this one process:

* ``hamux3_grad_jax_jit_vs_numpy``: hamux3's energy gradient on the jitted JAX backend over NumPy (None without JAX);
* ``hamux3_{energy,grad,rhs}_stable_vs_plain``: the cost of :mod:`numerics.codegen.stable` -- the hamux3 kernels as
  compiled over the same kernels printed without the stable rewrite (batch 256, N_v = N, N_1 = N_2 = N/2, float64).
  Reported, no target: accuracy in saturation is what it buys;
* ``checked_call_vs_fast``: Model B's effective update as the checked keyword call (shapes, dtypes and the finiteness of
  every array on every call: one pass over the weights) over ``Kernel.fast`` (weights bound and checked once), K = 2048
  memories, batch 256, float32. Issue 33 asks that this overhead not grow; scanning every array on every call (its
  item 6: an inf in a large state array was accepted where a saturating layer hid it) adds one read of the weights,
  which is what this record measures.

Model B (step, energy, call overhead, chunked memory) and ``derive_cost_vs_N`` are in ``benchmarks/peers.py``, which
uses :func:`derive_compile` and :func:`chunked_records` from here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _timing import compare as _compare  # this folder, imported before it leaves the path
from _timing import median_ratio as _median_ratio
from _timing import tune_process

# benchmarks/numerics.py would shadow the numerics package: keep this folder off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def stable_rewrite_records(n: int, repeat: int) -> list[dict]:
    import theory
    from numerics.codegen import kernel as kernels

    model = theory.builtin("hamux3")
    kernels._CACHE.clear()
    stable = kernels.compile(model)
    orig = kernels.stabilize
    kernels._CACHE.clear()
    kernels.stabilize = lambda e, scalar=False: e  # the same derivation printed as derived
    try:
        plain = kernels.compile(model)
    finally:
        kernels.stabilize = orig
        kernels._CACHE.clear()
    rng = np.random.default_rng(1)
    m = max(n // 2, 2)
    arrays = {
        "v": rng.standard_normal((256, n)), "h1": rng.standard_normal((256, m)), "h2": rng.standard_normal((256, m)),
        "W1": rng.standard_normal((m, n)) / np.sqrt(n), "W2": rng.standard_normal((m, m)) / np.sqrt(m),
    }
    out = []
    for which, label in (("energy", "energy"), ("energy_grad", "grad"), ("rhs", "rhs")):
        r, ma, mb = _median_ratio(lambda w=which: getattr(stable, w)(**arrays, check=False), lambda w=which: getattr(plain, w)(**arrays, check=False), repeat)
        out.append({"name": f"hamux3_{label}_stable_vs_plain", "ratio": r,
                    "detail": f"batch 256, N_v={n}, N_1=N_2={m}: stable {ma * 1e3:.2f} ms, plain {mb * 1e3:.2f} ms (medians of {repeat})"})
    return out


def jax_record(n: int, repeat: int) -> dict:
    """hamux3's energy gradient, jitted JAX backend over the NumPy backend (batch 256, N_v = n): what XLA's fusion
    of the derived, autodiff-free expression buys; ``ratio`` is None where JAX is not installed."""
    import theory
    from numerics import available_backends
    from numerics import compile as compile_kernel

    name = "hamux3_grad_jax_jit_vs_numpy"
    if "jax" not in available_backends():
        return {"name": name, "ratio": None, "detail": "jax not installed: pip install -e '.[jax]'"}
    model = theory.builtin("hamux3")
    kn, kj = compile_kernel(model), compile_kernel(model, backend="jax")
    rng = np.random.default_rng(3)
    m = max(n // 2, 2)
    arrays = {"v": rng.standard_normal((256, n)), "h1": rng.standard_normal((256, m)), "h2": rng.standard_normal((256, m)),
              "W1": rng.standard_normal((m, n)) / np.sqrt(n), "W2": rng.standard_normal((m, m)) / np.sqrt(m)}

    def jx():
        out = kj.energy_grad(**arrays, check=False)
        for val in out.values():
            np.asarray(val)  # wait for the device result
        return out

    np.testing.assert_allclose(np.asarray(jx()["v"]), kn.energy_grad(**arrays)["v"], rtol=1e-8, atol=1e-10)
    # two thread pools (XLA, OpenBLAS): alternating blocks, not calls, or each side is charged the other's spinning
    c = _compare(jx, lambda: kn.energy_grad(**arrays, check=False), repeat, block_s=0.2)
    return {"name": name, "ratio": c["ratio"], "detail": f"batch 256, N_v={n}, N_1=N_2={m}, float64: JAX (jit) {c['a'] * 1e3:.2f} ms, "
            f"NumPy {c['b'] * 1e3:.2f} ms (medians of {repeat} alternating blocks, each timed after 0.2 s of untimed calls)"}


def derive_compile(n: int) -> None:
    import theory
    from numerics import compile as compile_kernel
    from theory import lagrangians as lg
    from theory.calculus import grad, hessian, vjp

    # fresh caches so each size derives from scratch
    grad.cache_clear()
    hessian.cache_clear()
    vjp.cache_clear()
    from numerics.codegen import kernel as kernels

    kernels._CACHE.clear()  # compile() memoises kernels; the benchmark measures compiling
    v = theory.Layer("v", n, lg.quadratic(), activation="g")
    h = theory.Layer("h", n // 2 + 1, lg.logsumexp(), activation="f")
    m = theory.EnergyModel((v, h), (theory.dense(h, v, "xi"),), f"model_b_{n}")
    _ = m.energy, m.dynamics, m.certificates
    red = m.integrate_out("h")
    compile_kernel(red)


def chunked_records(N: int, batch: int, K: int, budget_mib: int, repeat: int) -> list[dict]:
    """Model B step at K memories under ``nm.memory_budget``: the peak extra memory of one step (tracemalloc, which sees
    NumPy's allocations: a measured size, not a time) against the budget, and the time against the unchunked step
    (interleaved medians). Target: peak <= budget."""
    import tracemalloc

    import numerics as nm
    import theory

    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    rng = np.random.default_rng(1)
    xi = rng.standard_normal((K, N), dtype=np.float32) / np.sqrt(N, dtype=np.float32)
    v = rng.standard_normal((batch, N), dtype=np.float32)
    I = np.zeros(N, dtype=np.float32)
    budget = budget_mib * 2**20

    def peak(f):
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            f()
            return (tracemalloc.get_traced_memory()[1] - base) / 2**20
        finally:
            tracemalloc.stop()

    def whole():
        return k.update(v=v, I=I, xi=xi, beta=1.0)["v"]

    def chunked():
        with nm.memory_budget(budget):
            return k.update(v=v, I=I, xi=xi, beta=1.0)["v"]

    np.testing.assert_allclose(chunked(), whole(), rtol=1e-4, atol=1e-5)
    p_chunk, p_whole = peak(chunked), peak(whole)
    r, tc, tw = _median_ratio(chunked, whole, repeat)
    shape = f"K={K}, N={N}, batch={batch}, float32"
    return [
        {"name": "model_b_step_chunked_peak_mib", "ratio": None, "value": p_chunk,
         "detail": f"{shape}: peak extra memory {p_chunk:.1f} MiB under a {budget_mib} MiB budget (unchunked: {p_whole:.1f} MiB); target <= {budget_mib}"},
        {"name": "model_b_step_chunked_vs_whole", "ratio": r,
         "detail": f"{shape}: chunked {tc:.4f}s, whole {tw:.4f}s (medians, interleaved)"},
    ]


def checked_overhead_record(N: int, repeat: int) -> dict:
    import numerics as nm
    import theory

    k = nm.compile(theory.builtin("model_b").integrate_out("h"))
    rng = np.random.default_rng(0)
    K, B = 2048, 256
    xi = (rng.standard_normal((K, N)) * 0.05).astype(np.float32)
    v = rng.standard_normal((B, N)).astype(np.float32)
    I = np.zeros(N, np.float32)
    f = k.fast("update", xi=xi, I=I, beta=1.0)
    c = _compare(lambda: k.update(v=v, I=I, xi=xi, beta=1.0), lambda: f(v), repeat)
    return {"name": "checked_call_vs_fast", "ratio": c["ratio"],
            "detail": f"Model B update, K = {K}, N = {N}, batch {B}, float32: checked call {c['a'] * 1e3:.2f} ms, Kernel.fast "
                      f"{c['b'] * 1e3:.2f} ms (medians of {repeat}, interleaved); the checked call scans every array"}


def main() -> None:
    tune_process()
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--N", type=int, default=784)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    # Model B step and energy (both sizes), derive_cost_vs_N and the chunked step are measured by benchmarks/peers.py
    # (which imports derive_compile and chunked_records from here): one place per record
    records = stable_rewrite_records(a.N, max(3, 3 * a.repeat))
    records.append(jax_record(a.N, max(3, 3 * a.repeat)))
    records.append(checked_overhead_record(a.N, max(5, 5 * a.repeat)))
    if a.json:
        print(json.dumps(records, indent=2))
    else:
        for r in records:
            val = r.get("value") if r["ratio"] is None else r["ratio"]
            print(f"{r['name']:<24} {'-' if val is None else format(val, '.3f')}  {r['detail']}")


if __name__ == "__main__":
    main()
