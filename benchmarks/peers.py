"""The workbench against its peers, in one process: ratios of medians over interleaved repetitions.

Every comparison times two implementations in alternation after warm-ups (they share the machine's noise) and
records the ratio of the medians, with the smallest and largest ratio of one pair (``min``, ``max``). Before any
timing the two are checked to agree; the agreement itself is recorded (``agreement_*``: max |a - b| / max |b| over
all outputs, float64 and float32).

Implementations (a peer that is not installed gives ``ratio: None`` with the reason, never a number):

* the workbench: derived kernels on NumPy (``nm.compile(model)``, the checked call a user makes), on JAX
  (``Kernel.fast``: one jitted function of the states, weights bound as constants) and on torch;
* hand-written NumPy, JAX (``jax.jit``) and torch (``torch.no_grad``);
* HAMUX (PyPI ``hamux`` with ``fastcore``): ``HAM`` / ``VectorizedHAM`` with the same Lagrangians and weights,
  jitted, weights closed over as its model object holds them.

Workloads, float32 unless named:

* Model B (Krotov & Hopfield 2021), the effective update ``v <- xi^T softmax(beta xi v)`` and energy
  ``|v|^2/2 - lse(beta xi v)/beta`` after integrating out the memory layer; at K = 60,000 memories, N = 784,
  batch 256, and ``_small``: K = 1,000, N = 64, batch 32. HAMUX has no integrating out: its step is its
  synchronous update of the fast layer then the visible one (two ``dEdact`` calls in one jit), its energy the
  two-layer energy at the fast layer's fixed point.
* hamux3 (sigmoid v, tanh h1, softmax h2, dense W1, W2): energy, energy gradient dE/dx and the update direction
  (step) ``tau dx/dt = -dE/dg``; batch 256, N_v = 784, N_1 = N_2 = 392, and ``_small``: 32, 64, 32, 32.
* derivation: ``derive_all_builtins_max_s`` (the slowest built-in derived, certified, integrated out and compiled,
  in a fresh process, imports excluded), ``cli_help_s`` (``amwb --help``, fresh process), ``derive_cost_vs_N``.
* memory: ``model_b_step_chunked_peak_mib`` (a size, not a time) and ``model_b_step_chunked_vs_whole``.

``--json`` prints the records {name, ratio or value, min, max, target, meets, detail}; ``--write-docs`` also writes
the Performance section of docs/manual/benchmarks.md (between its markers) from this run, with the date and the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _timing import block_median, compare, softmax_step, tune_process  # this folder, imported before it leaves the path
from kernels import chunked_records, derive_compile

# benchmarks/numerics.py would shadow the numerics package: keep this folder off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
PERFORMANCE_PAGE = _HERE.parent / "docs" / "manual" / "benchmarks.md"
BEGIN, END = "<!-- performance:begin -->", "<!-- performance:end -->"

#: the issue's targets (quiet machine); a record without one is reported, not judged
TARGETS: dict[str, tuple[str, float]] = {
    "model_b_step_vs_numpy": ("<=", 1.05),
    "model_b_step_vs_numpy_small": ("<=", 1.05),
    "model_b_step_vs_gemm": ("<=", 1.2),
    "model_b_energy_vs_gemm": ("<=", 1.3),
    "model_b_step_jax_vs_hamux": ("<=", 1.0),
    "model_b_step_jax_vs_hamux_small": ("<=", 1.0),
    "hamux3_energy_jax_vs_hamux": ("<=", 1.0),
    "hamux3_grad_jax_vs_hamux": ("<=", 1.0),
    "hamux3_step_jax_vs_hamux": ("<=", 1.0),
    "hamux3_energy_jax_vs_hamux_small": ("<=", 1.0),
    "hamux3_grad_jax_vs_hamux_small": ("<=", 1.0),
    "hamux3_step_jax_vs_hamux_small": ("<=", 1.0),
    "hamux3_energy_numpy_vs_hamux": ("<=", 1.5),
    "hamux3_grad_numpy_vs_hamux": ("<=", 1.5),
    "hamux3_step_numpy_vs_hamux": ("<=", 1.5),
    "derive_all_builtins_max_s": ("<", 2.0),
    "cli_help_s": ("<", 1.0),
    "derive_cost_vs_N": ("<=", 1.2),
    "model_b_step_chunked_peak_mib": ("<=", 64.0),
}
AGREE = {"f64": 1e-12, "f32": 1e-5}


def _record(name: str, detail: str, ratio: float | None = None, value: float | None = None, lo=None, hi=None) -> dict:
    rec = {"name": name, "ratio": ratio, "detail": detail}
    if value is not None:
        rec["value"] = value
    if lo is not None:
        rec["min"], rec["max"] = lo, hi
    target = TARGETS.get(name)
    if name.startswith("agreement_"):
        target = ("<=", AGREE[re.search(r"_(f32|f64)(_small)?$", name).group(1)])
    if target is not None:
        rec["target"] = f"{target[0]} {target[1]:g}"
        x = ratio if ratio is not None else value
        rec["meets"] = None if x is None else bool(x <= target[1] if target[0] == "<=" else x < target[1])
    return rec


CROSS_POOL_BLOCK_S = 0.2  # untimed run-in of each block when the two sides use different thread pools
CROSS_POOL_BLOCKS = 15  # blocks per side at most


def _timed(name: str, fa, fb, repeat: int, what: str, cross_pool: bool = False) -> dict:
    """One timing record. Same thread pool: call-by-call alternation, one untimed call before each timed one (no
    switch of pool is timed). ``cross_pool`` (NumPy's BLAS against XLA or torch): alternating blocks, each after
    ``CROSS_POOL_BLOCK_S`` of untimed calls, since the pool that ran last keeps spinning on the cores (see
    ``_timing.compare``)."""
    if cross_pool:
        blocks = min(repeat, CROSS_POOL_BLOCKS)  # each block is a median already: a few suffice
        c = compare(fa, fb, blocks, block_s=CROSS_POOL_BLOCK_S)
        how = f"medians of {blocks} alternating blocks of 9 calls, each block timed after {CROSS_POOL_BLOCK_S:g} s of untimed calls"
    else:
        c = compare(fa, fb, repeat, settle=1)  # one untimed call before each timed one: no thread-pool switch is timed
        how = f"medians of {repeat}"
    unit, scale = ("ms", 1e3) if max(c["a"], c["b"]) > 1e-3 else ("us", 1e6)
    return _record(name, f"{what}: {c['a'] * scale:.3g} {unit} vs {c['b'] * scale:.3g} {unit} ({how})",
                   ratio=c["ratio"], lo=c["min"], hi=c["max"])


def _missing(names: list[str], reason: str) -> list[dict]:
    return [_record(n, f"skipped: {reason}") for n in names]


def _rel(a, b) -> float:
    """max |a - b| / max |b| over all outputs (lists or dicts of arrays)."""
    a = [np.asarray(x, dtype=np.float64) for x in (a.values() if isinstance(a, dict) else a)]
    b = [np.asarray(x, dtype=np.float64) for x in (b.values() if isinstance(b, dict) else b)]
    num = max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True))
    return num / max(float(np.abs(y).max()) for y in b)


# ------------------------------------------------------------------ peers
def _peer(name: str) -> str | None:
    """None when the peer imports, else why it does not."""
    try:
        if name == "hamux":
            import fastcore  # noqa: F401 - HAMUX imports it without declaring it
            import hamux  # noqa: F401
            import jax  # noqa: F401
        else:
            __import__(name)
    except ImportError as exc:
        return f"{name} not installed ({exc}); pip install -e '.[peers]'"
    return None


def _ham(neurons: dict, synapses: dict, edges: list):
    import hamux as hmx

    with contextlib.redirect_stdout(io.StringIO()):  # HAMUX prints "Post init" for every layer
        layers = {k: hmx.NeuronLayer(lag, (n,)) for k, (lag, n) in neurons.items()}
        ham = hmx.HAM(layers, synapses, edges)
    return hmx.VectorizedHAM(ham)


def _block(x):
    import jax

    return jax.block_until_ready(x)


# ---------------------------------------------------------------- Model B
def _model_b_data(K: int, N: int, batch: int, dtype):
    """Memories of norm about 1 and cues in the retrieval regime: 30 x a stored memory plus noise, so that the
    target's score leads the others' by far more than log K and one update returns near the memory."""
    rng = np.random.default_rng(0)
    xi = rng.standard_normal((K, N)) / np.sqrt(N)
    v = 30.0 * xi[rng.integers(K, size=batch)] + 0.5 * rng.standard_normal((batch, N))
    return xi.astype(dtype), v.astype(dtype), np.zeros(N, dtype=dtype)


def _model_b_hamux(xi):
    """HAMUX's Model B (identity v, softmax h, xi as a linear synapse): jitted step and energy of v alone."""
    import hamux as hmx
    import jax
    import jax.numpy as jnp

    K, N = xi.shape
    W = jnp.asarray(xi)
    vham = _ham({"v": (hmx.lagr_identity, N), "h": (hmx.lagr_softmax, K)}, {"s": hmx.LinearSynapse(W.T)}, [(("v", "h"), "s")])

    @jax.jit
    def step(v):  # the fast layer to its fixed point, then the visible layer from it
        xs = {"v": v, "h": jnp.zeros((v.shape[0], K), v.dtype)}
        h = -vham.dEdact(vham.activations(xs), xs)["h"]
        xs = {"v": v, "h": h}
        return v - vham.dEdact(vham.activations(xs), xs)["v"]

    @jax.jit
    def energy(v):  # the two-layer energy at h = xi v
        xs = {"v": v, "h": v @ W.T}
        return vham.energy(vham.activations(xs), xs)

    return step, energy


def model_b_records(K: int, N: int, batch: int, repeat: int, suffix: str) -> list[dict]:
    import numerics as nm
    import theory

    xi, v, I = _model_b_data(K, N, batch, np.float32)
    red = theory.builtin("model_b").integrate_out("h")
    k = nm.compile(red)
    shape = f"K={K}, N={N}, batch {batch}, float32"

    # at the small size the call overhead is what is measured: the hot-loop call (check=False) carries the target,
    # the checked call is reported beside it
    check = not suffix

    def kern():
        return k.update(v=v, I=I, xi=xi, beta=1.0, check=check)["v"]

    def kern_energy():
        return k.energy(v=v, I=I, xi=xi, beta=1.0)

    def hand():
        return softmax_step(v, xi)

    def hand_energy():
        z = v @ xi.T
        m = z.max(axis=1, keepdims=True)
        z -= m
        np.exp(z, out=z)
        return 0.5 * (v * v).sum(1) - (m[:, 0] + np.log(z.sum(axis=1)))

    out = [_record(f"agreement_model_b_step_numpy_f32{suffix}", f"{shape}: workbench NumPy against hand NumPy", value=_rel([kern()], [hand()])),
           _record(f"agreement_model_b_energy_numpy_f32{suffix}", f"{shape}: workbench NumPy against hand NumPy", value=_rel([kern_energy()], [hand_energy()]))]
    call = "checked call" if check else "check=False"
    if check:
        out.append(_timed(f"model_b_step_vs_numpy{suffix}", kern, hand, repeat, f"{shape}: workbench NumPy (checked call) vs hand NumPy"))
    else:  # the hot-loop forms: Kernel.fast (weights bound and checked once), then the keyword calls
        bound = k.fast("update", dtype=np.float32, xi=xi, I=I, beta=1.0)
        out.append(_timed(f"model_b_step_vs_numpy{suffix}", lambda: bound(v), hand, repeat, f"{shape}: workbench NumPy (Kernel.fast) vs hand NumPy"))
        out.append(_timed(f"model_b_step_unchecked_vs_numpy{suffix}", kern, hand, repeat, f"{shape}: workbench NumPy (keyword call, check=False) vs hand NumPy"))
        out.append(_timed(f"model_b_step_checked_vs_numpy{suffix}", lambda: k.update(v=v, I=I, xi=xi, beta=1.0)["v"], hand, repeat,
                          f"{shape}: workbench NumPy (checked call: finiteness of every input on every call) vs hand NumPy"))
    if check:
        out.append(_timed(f"model_b_energy_vs_numpy{suffix}", kern_energy, hand_energy, repeat, f"{shape}: workbench NumPy (checked call) vs hand NumPy"))
    else:  # as the step: the hot-loop form carries the comparison, the checked call is reported beside it
        bound_energy = k.fast("energy", dtype=np.float32, xi=xi, I=I, beta=1.0)
        out.append(_timed(f"model_b_energy_vs_numpy{suffix}", lambda: bound_energy(v), hand_energy, repeat,
                          f"{shape}: workbench NumPy (Kernel.fast) vs hand NumPy"))
        out.append(_timed(f"model_b_energy_checked_vs_numpy{suffix}", kern_energy, hand_energy, repeat,
                          f"{shape}: workbench NumPy (checked call: finiteness of every input on every call) vs hand NumPy"))
    if not suffix:
        s = np.empty((batch, K), dtype=np.float32)

        def gemm2():
            np.matmul(v, xi.T, out=s)
            return s @ xi

        def gemm1():
            return np.matmul(v, xi.T, out=s)

        out.append(_timed("model_b_step_vs_gemm", kern, gemm2, repeat, f"{shape}: workbench NumPy step vs its two bare GEMMs"))
        out.append(_timed("model_b_energy_vs_gemm", kern_energy, gemm1, repeat, f"{shape}: workbench NumPy energy vs its one bare GEMM"))

    jax_names = [f"model_b_step_jax_vs_hamux{suffix}", f"model_b_energy_jax_vs_hamux{suffix}", f"model_b_step_jax_vs_jax{suffix}"]
    why = _peer("jax")
    if why:
        out += _missing(jax_names, why)
    else:
        import jax
        import jax.numpy as jnp

        kj = nm.compile(red, backend="jax")
        jstep = kj.fast("update", dtype=np.float32, xi=xi, I=I, beta=1.0)
        jenergy = kj.fast("energy", dtype=np.float32, xi=xi, I=I, beta=1.0)
        vj, W = jnp.asarray(v), jnp.asarray(xi)
        hand_jax = jax.jit(lambda x: jax.nn.softmax(x @ W.T, axis=-1) @ W)
        out.append(_record(f"agreement_model_b_step_jax_f32{suffix}", f"{shape}: workbench JAX against hand NumPy", value=_rel(jstep(vj), [hand()])))
        out.append(_timed(f"model_b_step_jax_vs_jax{suffix}", lambda: _block(jstep(vj)), lambda: _block(hand_jax(vj)), repeat,
                          f"{shape}: workbench JAX (Kernel.fast, jitted) vs hand JAX (jit)"))
        why = _peer("hamux")
        if why:
            out += _missing(jax_names[:2], why)
        else:
            hstep, henergy = _model_b_hamux(xi)
            out.append(_record(f"agreement_model_b_step_hamux_f32{suffix}", f"{shape}: workbench JAX against HAMUX", value=_rel(jstep(vj), [hstep(vj)])))
            out.append(_record(f"agreement_model_b_energy_hamux_f32{suffix}", f"{shape}: workbench JAX against HAMUX",
                               value=_rel([np.asarray(jenergy(vj))[..., 0]], [henergy(vj)])))
            out.append(_timed(jax_names[0], lambda: _block(jstep(vj)), lambda: _block(hstep(vj)), repeat,
                              f"{shape}: workbench JAX (derived effective update) vs HAMUX (fast layer, then visible layer)"))
            out.append(_timed(jax_names[1], lambda: _block(jenergy(vj)), lambda: _block(henergy(vj)), repeat,
                              f"{shape}: workbench JAX (derived effective energy, one GEMM) vs HAMUX (two-layer energy at h = xi v, two GEMMs)"))

    torch_names = [f"model_b_step_numpy_vs_torch{suffix}", f"model_b_step_torch_vs_torch{suffix}"]
    why = _peer("torch")
    if why:
        out += _missing(torch_names, why)
    else:
        import torch

        kt = nm.compile(red, backend="torch")
        tv, txi, tI = torch.from_numpy(v), torch.from_numpy(xi), torch.from_numpy(I)

        def hand_torch():
            with torch.no_grad():
                return torch.softmax(tv @ txi.T, dim=-1) @ txi

        def kern_torch():
            return kt.update(v=tv, I=tI, xi=txi, beta=1.0, check=False)["v"]

        out.append(_record(f"agreement_model_b_step_torch_f32{suffix}", f"{shape}: workbench torch against hand torch", value=_rel([kern_torch()], [hand_torch()])))
        out.append(_timed(torch_names[0], kern, hand_torch, repeat, f"{shape}: workbench NumPy ({call}) vs hand torch", cross_pool=True))
        if check:
            out.append(_timed(torch_names[1], kern_torch, hand_torch, repeat, f"{shape}: workbench torch backend (keyword call, check=False) vs hand torch"))
        else:
            tstep = kt.fast("update", dtype=np.float32, xi=xi, I=I, beta=1.0)
            out.append(_timed(torch_names[1], lambda: tstep(tv), hand_torch, repeat, f"{shape}: workbench torch backend (Kernel.fast) vs hand torch"))
            out.append(_timed(f"model_b_step_torch_unchecked_vs_torch{suffix}", kern_torch, hand_torch, repeat,
                              f"{shape}: workbench torch backend (keyword call, check=False) vs hand torch"))
    return out


# ----------------------------------------------------------------- hamux3
def _hamux3_data(batch: int, nv: int, n1: int, n2: int, dtype) -> dict:
    rng = np.random.default_rng(0)
    arr = {"v": rng.standard_normal((batch, nv)), "h1": rng.standard_normal((batch, n1)), "h2": rng.standard_normal((batch, n2)),
           "W1": rng.standard_normal((n1, nv)) / np.sqrt(nv), "W2": rng.standard_normal((n2, n1)) / np.sqrt(n1)}
    return {k: x.astype(dtype) for k, x in arr.items()}


def _hand3(arr) -> list:
    """Hand NumPy hamux3 step, in layer order (v, h1, h2)."""
    v, h1, h2, W1, W2 = (arr[k] for k in ("v", "h1", "h2", "W1", "W2"))
    g = 1 / (1 + np.exp(-v))
    f1 = np.tanh(h1)
    z = h2 - h2.max(-1, keepdims=True)
    f2 = np.exp(z)
    f2 /= f2.sum(-1, keepdims=True)
    return [f1 @ W1 - v, g @ W1.T + f2 @ W2 - h1, f1 @ W2.T - h2]


def _hamux3_hamux(arr):
    """HAMUX's hamux3 (weights closed over): jitted energy, gradient dE/dx and step -dE/dg, in layer order."""
    import hamux as hmx
    import jax
    import jax.numpy as jnp

    n = {k: arr[k].shape[-1] for k in ("v", "h1", "h2")}
    vham = _ham({"v": (hmx.lagr_sigmoid, n["v"]), "h1": (hmx.lagr_tanh, n["h1"]), "h2": (hmx.lagr_softmax, n["h2"])},
                {"s1": hmx.LinearSynapse(jnp.asarray(arr["W1"].T)), "s2": hmx.LinearSynapse(jnp.asarray(arr["W2"].T))},
                [(("v", "h1"), "s1"), (("h1", "h2"), "s2")])
    order = ("v", "h1", "h2")

    def energy_of(xs):
        return vham.energy(vham.activations(xs), xs)

    energy = jax.jit(lambda v, h1, h2: energy_of({"v": v, "h1": h1, "h2": h2}))
    grad_all = jax.grad(lambda xs: energy_of(xs).sum())
    grad = jax.jit(lambda v, h1, h2: [grad_all({"v": v, "h1": h1, "h2": h2})[k] for k in order])

    @jax.jit
    def step(v, h1, h2):
        xs = {"v": v, "h1": h1, "h2": h2}
        d = vham.dEdact(vham.activations(xs), xs)
        return [-d[k] for k in order]

    return energy, grad, step


def hamux3_records(batch: int, nv: int, n1: int, n2: int, repeat: int, suffix: str) -> list[dict]:
    import numerics as nm
    import theory

    arr = _hamux3_data(batch, nv, n1, n2, np.float32)
    model = theory.builtin("hamux3")
    kn = nm.compile(model)
    shape = f"batch {batch}, N_v={nv}, N_1={n1}, N_2={n2}, float32"
    ops = {"energy": "energy", "grad": "energy_grad", "step": "rhs"}
    check = not suffix  # small sizes measure call overhead: the hot-loop form, Kernel.fast
    call = "checked call" if check else "Kernel.fast"
    states_np = [arr[k] for k in ("v", "h1", "h2")]

    def ours(op):
        if check:
            return lambda: getattr(kn, ops[op])(**arr)
        f = kn.fast(ops[op], dtype=np.float32, W1=arr["W1"], W2=arr["W2"], beta=1.0)
        return lambda: f(*states_np)

    out = [_record(f"agreement_hamux3_step_numpy_f32{suffix}", f"{shape}: workbench NumPy against hand NumPy", value=_rel(ours("step")(), _hand3(arr)))]
    if not check:
        out.append(_timed(f"hamux3_step_unchecked_vs_hand{suffix}", lambda: kn.rhs(**arr, check=False), lambda: _hand3(arr), repeat,
                          f"{shape}: workbench NumPy (keyword call, check=False) vs hand NumPy"))
    out.append(_timed(f"hamux3_step_numpy_vs_hand{suffix}", ours("step"), lambda: _hand3(arr), repeat, f"{shape}: workbench NumPy ({call}) vs hand NumPy"))
    names = [f"hamux3_{op}_{be}_vs_hamux{suffix}" for op in ops for be in ("jax", "numpy")] + [f"hamux3_energy_hamux_vs_itself{suffix}"]
    why = _peer("jax") or _peer("hamux")
    if why:
        return out + _missing(names, why)
    import jax.numpy as jnp

    kj = nm.compile(model, backend="jax")
    states = [jnp.asarray(arr[k]) for k in ("v", "h1", "h2")]
    peer = dict(zip(ops, _hamux3_hamux(arr), strict=True))
    for op, which in ops.items():
        f = kj.fast(which, dtype=np.float32, W1=arr["W1"], W2=arr["W2"], beta=1.0)
        mine = f(*states)
        mine = [np.asarray(mine)[..., 0]] if op == "energy" else mine
        theirs = peer[op](*states)
        out.append(_record(f"agreement_hamux3_{op}_hamux_f32{suffix}", f"{shape}: workbench JAX against HAMUX",
                           value=_rel(mine, [theirs] if op == "energy" else theirs)))
        out.append(_timed(f"hamux3_{op}_jax_vs_hamux{suffix}", lambda f=f: _block(f(*states)), lambda op=op: _block(peer[op](*states)), repeat,
                          f"{shape}: workbench JAX (Kernel.fast, jitted) vs HAMUX (jit)"))
        out.append(_timed(f"hamux3_{op}_numpy_vs_hamux{suffix}", ours(op), lambda op=op: _block(peer[op](*states)), repeat,
                          f"{shape}: workbench NumPy ({call}) vs HAMUX (jit)", cross_pool=True))
    # the same-pool protocol's resolution: HAMUX's energy timed against itself (a ratio this far from 1, or a pair
    # range this wide, says nothing about either implementation)
    out.append(_timed(f"hamux3_energy_hamux_vs_itself{suffix}", lambda: _block(peer["energy"](*states)),
                      lambda: _block(peer["energy"](*states)), repeat, f"{shape}: HAMUX (jit) vs the same HAMUX function, timed as the JAX records are"))
    if not suffix:  # where the NumPy bar stands: NumPy itself, not the workbench, against XLA
        import jax

        # what call-by-call alternation across pools would charge HAMUX: its energy timed right after the workbench's
        # NumPy energy, against a block of HAMUX alone; the two kinds of repetition alternate
        energy_np, energy_h = ours("energy"), (lambda: _block(peer["energy"](*states)))

        def after_numpy():
            energy_np()
            t = time.perf_counter()
            energy_h()
            return time.perf_counter() - t

        blocks = min(repeat, CROSS_POOL_BLOCKS)
        after, alone = [], []
        for _ in range(blocks):
            after.append(float(np.median([after_numpy() for _ in range(9)])))
            alone.append(block_median(energy_h, CROSS_POOL_BLOCK_S))
        ma, mb = float(np.median(after)), float(np.median(alone))
        pair = np.asarray(after) / np.asarray(alone)
        out.append(_record("cross_pool_interference_hamux", f"{shape}: HAMUX energy timed call by call right after the workbench's NumPy "
                           f"energy vs HAMUX alone in blocks: {ma * 1e3:.3g} ms vs {mb * 1e3:.3g} ms (medians of {blocks} alternating repetitions)",
                           ratio=ma / mb, lo=float(pair.min()), hi=float(pair.max())))

        out.append(_timed("hamux3_step_hand_numpy_vs_hamux", lambda: _hand3(arr), lambda: _block(peer["step"](*states)), repeat,
                          f"{shape}: hand NumPy step vs HAMUX (jit)", cross_pool=True))
        W1, W2 = arr["W1"], arr["W2"]
        a1, a2 = arr["h1"], arr["h2"]
        g = arr["v"]

        def gemms_np():
            return a1 @ W1, a2 @ W2, g @ W1.T, a1 @ W2.T

        gemms_xla = jax.jit(lambda g, a1, a2: (a1 @ W1, a2 @ W2, g @ W1.T, a1 @ W2.T))
        gj, a1j, a2j = (jnp.asarray(x) for x in (g, a1, a2))
        out.append(_timed("hamux3_gemms_numpy_vs_xla", gemms_np, lambda: _block(gemms_xla(gj, a1j, a2j)), repeat,
                          f"{shape}: the step's four bare matrix products, NumPy (OpenBLAS) vs jax.jit (XLA)", cross_pool=True))
    return out


# --------------------------------------------------------------- agreement in float64
def agreement64_records() -> list[dict]:
    """Float64 agreement at the small sizes: workbench NumPy against hand NumPy, workbench JAX against HAMUX."""
    import numerics as nm
    import theory

    out = []
    xi, v, I = _model_b_data(1000, 64, 32, np.float64)
    red = theory.builtin("model_b").integrate_out("h")
    k = nm.compile(red)
    out.append(_record("agreement_model_b_step_numpy_f64", "K=1000, N=64, batch 32: workbench NumPy against hand NumPy",
                       value=_rel([k.update(v=v, I=I, xi=xi)["v"]], [softmax_step(v, xi)])))
    arr = _hamux3_data(32, 64, 32, 32, np.float64)
    kn = nm.compile(theory.builtin("hamux3"))
    out.append(_record("agreement_hamux3_step_numpy_f64", "batch 32, 64, 32, 32: workbench NumPy against hand NumPy", value=_rel(kn.rhs(**arr), _hand3(arr))))
    names = ["agreement_model_b_step_hamux_f64", "agreement_model_b_energy_hamux_f64"] + [f"agreement_hamux3_{op}_hamux_f64" for op in ("energy", "grad", "step")]
    why = _peer("jax") or _peer("hamux")
    if why:
        return out + _missing(names, why)
    import jax.numpy as jnp

    kj = nm.compile(red, backend="jax")  # float64 inputs run in JAX's scoped double precision
    hstep, henergy = _model_b_hamux(xi)
    vj = jnp.asarray(v)
    out.append(_record(names[0], "K=1000, N=64, batch 32: workbench JAX against HAMUX", value=_rel(kj.fast("update", xi=xi, I=I, beta=1.0)(vj), [hstep(vj)])))
    out.append(_record(names[1], "K=1000, N=64, batch 32: workbench JAX against HAMUX",
                       value=_rel([np.asarray(kj.fast("energy", xi=xi, I=I, beta=1.0)(vj))[..., 0]], [henergy(vj)])))
    kj3 = nm.compile(theory.builtin("hamux3"), backend="jax")
    states = [jnp.asarray(arr[k]) for k in ("v", "h1", "h2")]
    for (op, which), peer, name in zip((("energy", "energy"), ("grad", "energy_grad"), ("step", "rhs")), _hamux3_hamux(arr), names[2:], strict=True):
        mine = kj3.fast(which, W1=arr["W1"], W2=arr["W2"], beta=1.0)(*states)
        mine = [np.asarray(mine)[..., 0]] if op == "energy" else mine
        theirs = peer(*states)
        out.append(_record(name, "batch 32, 64, 32, 32: workbench JAX against HAMUX", value=_rel(mine, [theirs] if op == "energy" else theirs)))
    return out


# ------------------------------------------------------------ derivation and start-up
_DERIVE = """
import time, json, sys
t0 = time.perf_counter()
import theory, numerics as nm
from numerics.cli import derive_report
t1 = time.perf_counter()
m = theory.builtin(sys.argv[1])
last = m.layers[-1].name
try:
    red = m.integrate_out(last)
except Exception:
    red = None
derive_report(m, integrate_out=last if red is not None else None, check=True)
nm.compile(m)
if red is not None:
    nm.compile(red)
print(json.dumps({"work": time.perf_counter() - t1, "imports": t1 - t0, "integrated": last if red is not None else None}))
"""


def derive_records(runs: int) -> list[dict]:
    """Each built-in derived, checked (energy rate, certificates), integrated out and compiled, in fresh processes."""
    import theory

    worst, rows = None, []
    for name in theory.specs.builtin_names():
        res = [json.loads(subprocess.run([sys.executable, "-c", _DERIVE, name], capture_output=True, text=True, check=True).stdout) for _ in range(runs)]
        t = float(np.median([r["work"] for r in res]))
        rows.append(f"{name} {t:.2f}")
        if worst is None or t > worst[1]:
            worst = (name, t, float(np.median([r["imports"] for r in res])))
    out = [_record("derive_all_builtins_max_s", f"slowest: {worst[0]} ({worst[1]:.2f} s; imports {worst[2]:.2f} s beside); all: {', '.join(rows)} "
                   f"(medians of {runs} fresh processes; derive + energy-rate check + certificates + integrate out the last layer + compile both)",
                   value=worst[1])]
    amwb = [sys.executable, "-c", "from numerics.cli import main; main()", "--help"]
    ts = []
    for _ in range(max(3, runs)):
        t = time.perf_counter()
        subprocess.run(amwb, capture_output=True, check=True)
        ts.append(time.perf_counter() - t)
    out.append(_record("cli_help_s", f"`amwb --help` in a fresh process, median of {len(ts)} (interpreter start included)", value=float(np.median(ts))))
    derive_compile(10)  # warm imports
    c = compare(lambda: derive_compile(10**6), lambda: derive_compile(10), max(3, runs), warmup=0)
    out.append(_record("derive_cost_vs_N", f"derive + certify + compile Model B at N = 10**6 vs N = 10: {c['a']:.3f} s vs {c['b']:.3f} s",
                       ratio=c["ratio"], lo=c["min"], hi=c["max"]))
    return out


# ------------------------------------------------------------------ report
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = m.group(1).strip() if m else cpu
    vers = []
    for mod in ("numpy", "jax", "hamux", "torch"):
        with contextlib.suppress(ImportError):
            vers.append(f"{mod} {__import__(mod).__version__}")
    load = f", load {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    from numerics.blas import blas_info

    # NumPy's matrix products run on whatever kernels its BLAS picked (or was told to pick) when it loaded
    return f"{cpu}, {os.cpu_count()} CPUs{load}; Python {platform.python_version()}, {', '.join(vers)}; BLAS: {blas_info().summary()}"


def _fmt(rec: dict) -> str:
    x = rec["ratio"] if rec["ratio"] is not None else rec.get("value")
    if x is None:
        return "-"
    return f"{x:.2e}" if rec["name"].startswith("agreement_") else f"{x:.3f}"


def table(recs: list[dict]) -> str:
    lines = ["| record | measured | min-max of pairs | target | met | what |", "|---|---|---|---|---|---|"]
    for r in recs:
        rng = f"{r['min']:.2f}-{r['max']:.2f}" if "min" in r else ""
        met = {True: "yes", False: "**no**", None: ""}[r.get("meets")]
        lines.append(f"| `{r['name']}` | {_fmt(r)} | {rng} | {r.get('target', '')} | {met} | {r['detail'].replace('|', '/')} |")
    return "\n".join(lines)


def _performance_page() -> str:
    """The page the Performance table goes into, refused at once when it lacks the markers (checked before a run, so
    a missing page never loses minutes of measurements)."""
    try:
        text = PERFORMANCE_PAGE.read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(f"--write-docs: cannot read {PERFORMANCE_PAGE}: {exc}") from None
    if BEGIN not in text or END not in text:
        raise SystemExit(f"--write-docs: {PERFORMANCE_PAGE} has no {BEGIN} ... {END} block to write")
    return text


def write_docs(recs: list[dict], when: str, mach: str, seconds: float) -> None:
    text = _performance_page()
    met = [r for r in recs if r.get("meets") is not None]
    summary = f"{sum(r['meets'] for r in met)} of {len(met)} targets met; {sum(r['ratio'] is None and 'value' not in r for r in recs)} records skipped"
    block = (f"{BEGIN}\n_Generated by `python benchmarks/peers.py --write-docs` on {when} ({seconds:.0f} s): {mach}. "
             f"{summary}._\n\n{table(recs)}\n{END}")
    PERFORMANCE_PAGE.write_text(text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):], encoding="utf-8")


def main() -> None:
    tune_process()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the records as a JSON list")
    ap.add_argument("--repeat", type=int, default=15, help="interleaved repetitions per comparison at the large Model B size (hamux3 and the small sizes: ten times as many)")
    ap.add_argument("--small-only", action="store_true", help="only the small sizes, one derivation run (smoke runs)")
    ap.add_argument("--write-docs", action="store_true", help="write the Performance section of docs/manual/benchmarks.md from this run")
    ap.add_argument("--from-json", type=Path, help="with --write-docs: the records of a finished run instead of a new one")
    a = ap.parse_args()
    if a.write_docs:
        _performance_page()  # before the run, not after it
    from numerics.blas import blas_info

    if hint := blas_info().hint:  # the NumPy figures would measure a BLAS held below the CPU: say so before timing
        print(f"peers.py: {hint}", file=sys.stderr)
    t0 = time.perf_counter()
    if a.from_json:
        recs = json.loads(a.from_json.read_text())
    else:
        recs = []
        if not a.small_only:
            recs += model_b_records(60_000, 784, 256, a.repeat, "")
        recs += model_b_records(1000, 64, 32, max(a.repeat, 10 * a.repeat if not a.small_only else a.repeat), "_small")
        if not a.small_only:
            # a hamux3 call takes milliseconds, not Model B's hundreds: ten times the repetitions cost seconds, and a
            # median of only 15 pairs moved between runs by more than the targets' margins (min-max shows the spread)
            recs += hamux3_records(256, 784, 392, 392, 10 * a.repeat, "")
        recs += hamux3_records(32, 64, 32, 32, 10 * a.repeat if not a.small_only else a.repeat, "_small")
        recs += agreement64_records()
        recs += derive_records(1 if a.small_only else 3)
        if not a.small_only:
            recs += [_record(r["name"], r["detail"], ratio=r["ratio"], value=r.get("value")) for r in chunked_records(784, 256, 240_000, 64, 5)]
    seconds = time.perf_counter() - t0
    if a.json:  # printed before the page is written: the records survive a failed write
        print(json.dumps(recs, indent=2))
    else:
        for r in recs:
            print(f"{r['name']:<44} {_fmt(r):>9}  {r.get('target', ''):>7} {r['detail']}")
    if a.write_docs:
        write_docs(recs, time.strftime("%Y-%m-%d %H:%M %Z"), machine(), seconds)


if __name__ == "__main__":
    main()
