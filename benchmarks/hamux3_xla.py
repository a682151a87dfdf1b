"""hamux3 on XLA:CPU, the workbench's jitted kernels against HAMUX's: compile option by option, per-thunk profiles.

The evidence behind the manual's "hamux3 on JAX against HAMUX" paragraph (docs/manual/benchmarks.md), reproducible (``benchmarks/peers.py``
measures the records themselves; this script asks why they stand where they do). The programs are the ones
``peers.py`` times: ``Kernel.fast`` of the derived hamux3 on the JAX backend (weights bound as constants, jitted)
and HAMUX's model built from the same Lagrangians and weights (``peers._hamux3_hamux``), on the same states.

* ``options`` (the default mode): for each set of XLA:CPU compile options, both programs compiled with it and
  timed against each other (``_timing.compare``: call-by-call alternation, one untimed call before each timed one,
  ratio of medians, the smallest and largest paired ratio). The first set is ``{}``, XLA's defaults, so every
  other ratio reads against it; a set that slows both programs alike leaves the ratio where it was.
* ``profile``: each program alone under ``jax.profiler`` with ``xla_cpu_enable_xprof_traceme``, its thunks
  (one per fused loop, library fusion or copy) summed over the calls, per call, costliest first. Thunks on
  different threads overlap, so a program's times add up to more than one call lasts.
* ``--hlo DIR`` writes both optimised programs (``compiled.as_text()``), where the fusions can be read.

``--json`` prints the records (options: {name, ratio, min, max, detail}; profile: {name, program, thunk,
us_per_call, calls}). Nothing here has a target: these are diagnostics, not the issue's bars.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import peers  # noqa: E402
from _timing import compare, tune_process  # noqa: E402

#: what the manual's paragraph names: the YNN library fusions off / dots only / dots, reductions and elementwise
#: loops; a 512-bit vector width; XNNPACK off. Fast-math options are left out on purpose (they give up NaN and inf).
OPTION_SETS: list[dict] = [
    {},
    {"xla_cpu_experimental_ynn_fusion_type": ""},
    {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_DOT"},
    {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_DOT,LIBRARY_FUSION_TYPE_REDUCE,LIBRARY_FUSION_TYPE_ELTWISE"},
    {"xla_cpu_prefer_vector_width": 512},
    {"xla_cpu_use_xnnpack": False},
]
SIZES = {"large": (256, 784, 392, 392), "small": (32, 64, 32, 32)}
OPS = {"energy": "energy", "grad": "energy_grad", "step": "rhs"}


def programs(op: str, size: str):
    """The two jitted functions (workbench, HAMUX) of ``op`` at ``size`` and the states they take."""
    import jax.numpy as jnp

    import numerics as nm
    import theory

    arr = peers._hamux3_data(*SIZES[size], np.float32)
    kj = nm.compile(theory.builtin("hamux3"), backend="jax")
    ours = kj.fast(OPS[op], dtype=np.float32, W1=arr["W1"], W2=arr["W2"], beta=1.0)  # jitted already
    theirs = dict(zip(OPS, peers._hamux3_hamux(arr), strict=True))[op]
    return ours, theirs, [jnp.asarray(arr[k]) for k in ("v", "h1", "h2")]


def _label(opts: dict) -> str:
    return ",".join(f"{k.removeprefix('xla_cpu_')}={v!r}" for k, v in opts.items()) or "defaults"


def options_records(op: str, size: str, picked: list[int], repeat: int, hlo: Path | None = None) -> list[dict]:
    """The workbench's ``op`` over HAMUX's, both compiled under each picked set of :data:`OPTION_SETS` (ratio of
    interleaved medians); records and files are named by the set's index there."""
    import jax

    ours, theirs, states = programs(op, size)
    out = []
    for i in picked:
        opts = OPTION_SETS[i]
        fa = ours.lower(*states).compile(compiler_options=opts)
        fb = theirs.lower(*states).compile(compiler_options=opts)
        if hlo is not None:
            hlo.mkdir(parents=True, exist_ok=True)
            for who, f in (("workbench", fa), ("hamux", fb)):
                (hlo / f"{op}_{size}_{who}_opts{i}.hlo").write_text(f.as_text(), encoding="utf-8")
        c = compare(lambda fa=fa: jax.block_until_ready(fa(*states)), lambda fb=fb: jax.block_until_ready(fb(*states)), repeat, settle=1)
        out.append({"name": f"hamux3_{op}_jax_vs_hamux_{size}_opts{i}", "ratio": c["ratio"], "min": c["min"], "max": c["max"],
                    "detail": f"{_label(opts)}: workbench {c['a'] * 1e3:.4g} ms vs HAMUX {c['b'] * 1e3:.4g} ms (medians of {repeat})"})
    return out


def _entry_instructions(compiled) -> set[str]:
    """Names of the instructions of the compiled program's entry computation: its thunks' names in a trace."""
    text = compiled.as_text()
    entry = text[text.index("\nENTRY "):]
    return set(re.findall(r"^\s*(?:ROOT )?%?([\w.-]+) = ", entry, flags=re.M))


def _thunk_times(f, states, calls: int) -> dict[str, list[float]]:
    """Durations (us) of the thunks of ``calls`` calls of the compiled ``f``, by thunk (the runtime's own events,
    dispatch and the executor around them, left out)."""
    import jax

    for _ in range(min(calls, 20)):
        jax.block_until_ready(f(*states))
    with tempfile.TemporaryDirectory() as d:
        jax.profiler.start_trace(d, create_perfetto_trace=True)
        try:
            for _ in range(calls):
                jax.block_until_ready(f(*states))
        finally:
            jax.profiler.stop_trace()
        (path,) = Path(d).rglob("*perfetto_trace.json.gz")
        trace = json.loads(gzip.open(path).read())
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    names = _entry_instructions(f)
    times = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and e["name"] in names:
            times[e["name"]].append(float(e["dur"]))
    return times


def profile_records(op: str, size: str, calls: int, top: int) -> list[dict]:
    """Each program's ``top`` costliest traced events per call (each program profiled alone)."""
    ours, theirs, states = programs(op, size)
    opts = {"xla_cpu_enable_xprof_traceme": True}
    out = []
    for who, f in (("workbench", ours), ("hamux", theirs)):
        times = _thunk_times(f.lower(*states).compile(compiler_options=opts), states, calls)
        rows = sorted(times.items(), key=lambda kv: -sum(kv[1]))[:top]
        out += [{"name": f"hamux3_{op}_{size}_profile", "program": who, "thunk": name, "us_per_call": sum(d) / calls, "calls": len(d)}
                for name, d in rows]
    return out


def main() -> None:
    tune_process()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", nargs="?", choices=("options", "profile"), default="options")
    ap.add_argument("--op", choices=tuple(OPS), default="energy")
    ap.add_argument("--size", choices=tuple(SIZES), default="large")
    ap.add_argument("--repeat", type=int, default=150, help="options: interleaved repetitions per option set; profile: traced calls")
    ap.add_argument("--top", type=int, default=12, help="profile: events shown per program")
    ap.add_argument("--only", type=int, nargs="*", help="options: indices into OPTION_SETS (0, XLA's defaults, always runs)")
    ap.add_argument("--hlo", type=Path, help="options: write both optimised programs under each option set here")
    ap.add_argument("--json", action="store_true", help="print the records as a JSON list")
    a = ap.parse_args()
    if a.repeat < 1:
        ap.error(f"--repeat must be a positive integer, got {a.repeat}")
    why = peers._peer("jax") or peers._peer("hamux")
    if why:
        sys.exit(f"hamux3_xla: needs JAX and HAMUX ({why})")
    if a.mode == "profile" and (a.hlo is not None or a.only is not None):
        ap.error("--hlo and --only belong to the options mode, not to profile")
    if a.mode == "profile":
        recs = profile_records(a.op, a.size, a.repeat, a.top)
    else:
        picked = sorted({0, *(a.only if a.only is not None else range(len(OPTION_SETS)))})
        bad = [i for i in picked if not 0 <= i < len(OPTION_SETS)]
        if bad:
            ap.error(f"--only takes indices 0..{len(OPTION_SETS) - 1}, got {bad}")
        recs = options_records(a.op, a.size, picked, a.repeat, a.hlo)
    if a.json:
        print(json.dumps(recs, indent=1))
        return
    for r in recs:
        if a.mode == "profile":
            print(f"{r['program']:9s} {r['us_per_call']:9.1f} us/call  x{r['calls'] / a.repeat:g}  {r['thunk'][:90]}")
        else:
            print(f"{r['name']:40s} {r['ratio']:.3f}  [{r['min']:.2f}-{r['max']:.2f}]  {r['detail']}")


if __name__ == "__main__":
    main()
