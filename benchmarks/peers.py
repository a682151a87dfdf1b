"""The workbench against its peers on one model, in one process: ratios of medians over interleaved repetitions.

The three-layer ``hamux3`` model (sigmoid pixels v, tanh features h1, softmax memories h2, dense synapses W1, W2)
is evaluated four ways on the same float32 arrays -- the update direction ``tau dx/dt = -dE/dg`` of every layer:

* the workbench's derived kernels on NumPy and on JAX (each generated function jitted);
* HAMUX (``hamux.HAM``, vectorised and jitted: activations by autodiff of the Lagrangians, ``-dEdact``);
* hand-written NumPy.

All four are first checked to agree.  Records (``--json``): ``hamux3_rhs_{numpy_vs_hand,jax_vs_hamux,numpy_vs_hamux}``
at the benchmark size (batch 256, N_v = 784, N_1 = N_2 = 392) and ``..._small`` (batch 32, 64, 32, 32).  Peers
missing (``pip install hamux fastcore``) give ``ratio: None`` with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _timing import median_ratio  # this folder, imported before it leaves the path

# benchmarks/numerics.py would shadow the numerics package: keep this folder off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def _hand(arr):
    v, h1, h2, W1, W2 = (arr[k] for k in ("v", "h1", "h2", "W1", "W2"))
    g = 1 / (1 + np.exp(-v))
    f1 = np.tanh(h1)
    z = h2 - h2.max(-1, keepdims=True)
    f2 = np.exp(z)
    f2 /= f2.sum(-1, keepdims=True)
    return {"v": f1 @ W1 - v, "h1": g @ W1.T + f2 @ W2 - h1, "h2": f1 @ W2.T - h2}


def _hamux(arr):
    """A jitted HAMUX function of the states returning tau dx/dt = -dE/dg (None, reason) when HAMUX is absent."""
    try:
        import hamux as hmx
        import jax
    except ImportError as exc:
        return None, f"peer missing: {exc}"
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # HAMUX prints "Post init" for every layer
        neurons = {"v": hmx.NeuronLayer(hmx.lagr_sigmoid, (arr["v"].shape[-1],)), "h1": hmx.NeuronLayer(hmx.lagr_tanh, (arr["h1"].shape[-1],)),
                   "h2": hmx.NeuronLayer(hmx.lagr_softmax, (arr["h2"].shape[-1],))}
    syn = {"s1": hmx.LinearSynapse(jax.numpy.asarray(arr["W1"].T)), "s2": hmx.LinearSynapse(jax.numpy.asarray(arr["W2"].T))}
    ham = hmx.HAM(neurons, syn, [(("v", "h1"), "s1"), (("h1", "h2"), "s2")])
    vham = hmx.VectorizedHAM(ham)

    @jax.jit
    def step(xs):
        grads = vham.dEdact(vham.activations(xs), xs)
        return {k: -g for k, g in grads.items()}

    return step, ""


def records(batch: int, nv: int, n1: int, n2: int, repeat: int, suffix: str) -> list[dict]:
    import theory
    from numerics import available_backends
    from numerics import compile as compile_kernel

    rng = np.random.default_rng(0)
    arr = {"v": rng.standard_normal((batch, nv)), "h1": rng.standard_normal((batch, n1)), "h2": rng.standard_normal((batch, n2)),
           "W1": rng.standard_normal((n1, nv)) / np.sqrt(nv), "W2": rng.standard_normal((n2, n1)) / np.sqrt(n1)}
    arr = {k: x.astype(np.float32) for k, x in arr.items()}
    model = theory.builtin("hamux3")
    kn = compile_kernel(model)
    ref = _hand(arr)
    ours = kn.rhs(**arr, check=False)
    for k in ref:
        np.testing.assert_allclose(ours[k], ref[k], rtol=2e-4, atol=2e-4)
    out = []
    r, mo, mh = median_ratio(lambda: kn.rhs(**arr, check=False), lambda: _hand(arr), repeat)
    shape = f"batch {batch}, N_v={nv}, N_1={n1}, N_2={n2}, float32"
    out.append({"name": f"hamux3_rhs_numpy_vs_hand{suffix}", "ratio": r, "detail": f"{shape}: kernel {mo * 1e3:.3f} ms, hand NumPy {mh * 1e3:.3f} ms"})
    step, why = _hamux(arr)
    has_jax = "jax" in available_backends()
    if step is None or not has_jax:
        reason = why or "jax not installed"
        out.append({"name": f"hamux3_rhs_jax_vs_hamux{suffix}", "ratio": None, "detail": reason})
        out.append({"name": f"hamux3_rhs_numpy_vs_hamux{suffix}", "ratio": None, "detail": reason})
        return out
    import jax.numpy as jnp

    xs = {k: jnp.asarray(arr[k]) for k in ("v", "h1", "h2")}
    peer = step(xs)
    for k in ref:
        np.testing.assert_allclose(np.asarray(peer[k]), ref[k], rtol=2e-4, atol=2e-4)
    kj = compile_kernel(model, backend="jax")
    arr_j = {k: jnp.asarray(x) for k, x in arr.items()}  # both sides get device arrays

    def ours_jax():
        res = kj.rhs(**arr_j, check=False)
        return [np.asarray(x) for x in res.values()]  # wait for the results, as for the peer

    def hamux():
        return [np.asarray(x) for x in step(xs).values()]

    r, mj, mp = median_ratio(ours_jax, hamux, repeat)
    out.append({"name": f"hamux3_rhs_jax_vs_hamux{suffix}", "ratio": r, "detail": f"{shape}: workbench JAX {mj * 1e3:.3f} ms, HAMUX (jit) {mp * 1e3:.3f} ms"})
    r, mo, mp = median_ratio(lambda: kn.rhs(**arr, check=False), hamux, repeat)
    out.append({"name": f"hamux3_rhs_numpy_vs_hamux{suffix}", "ratio": r, "detail": f"{shape}: workbench NumPy {mo * 1e3:.3f} ms, HAMUX (jit) {mp * 1e3:.3f} ms"})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--small-only", action="store_true", help="only the small size (smoke runs)")
    a = ap.parse_args()
    recs = [] if a.small_only else records(256, 784, 392, 392, a.repeat, "")
    recs += records(32, 64, 32, 32, max(a.repeat, 50), "_small")
    if a.json:
        print(json.dumps(recs, indent=2))
    else:
        for r in recs:
            print(f"{r['name']:<36} {'-' if r['ratio'] is None else format(r['ratio'], '.3f')}  {r['detail']}")


if __name__ == "__main__":
    main()
