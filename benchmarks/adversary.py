"""An adversarial corpus (issue 33): hostile and careless calls through the Python API, spec files, fit files, recorded
results, datasets, sweeps and the command line, each classified by what came back. Not a speed benchmark and not a
test (it takes minutes and its verdicts need a reader); run it by hand after changing an entry point::

    python benchmarks/adversary.py [--json OUT] [--only CATEGORY ...] [--no-cli]

Each case replaces one argument of a good call by a bad value (or feeds a bad file) and is classified as

* ``clear``: an exception of the ``ValueError`` / ``TypeError`` family raised by the workbench's own code whose message
  names the argument (or the file);
* ``vague``: the workbench's own error, but its message does not name the argument;
* ``raw``: any other exception, or one raised inside a library (NumPy, SymPy, the standard library) -- a traceback the
  user has to read;
* ``silent``: the call returned although the value can never be valid (NaN, inf, a string where a number goes, a
  negative size), or returned non-finite numbers from finite inputs;
* ``hang``: the case ran past its time limit (``--timeout``, default 60 s);
* ``user``: the case's own function (a sweep's point, a prompt generator) raised, and its exception came through as
  it is (expected: the workbench does not swallow a user's bug);
* ``accepted``: the call returned finite numbers for a value that may be valid (a huge or tiny number, an int for a
  float); a NaN in its output makes it ``silent``;
* ``overflow``: it returned inf (and no NaN) for inputs scaled to 1e200: the IEEE value of a result beyond the float
  range, which the kernels document (the corpus does not check that the true value is that large: read these).

Every case runs in a forked child (a hang or a crash costs that case only, and the memory is capped at 8 GB); a
marker file that hostile strings try to create shows whether any of them ran code.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # benchmarks/numerics.py would shadow numerics
ROOT = _HERE.parent
MARKER = Path(tempfile.gettempdir()) / "amwb_adversary_pwned"

NEVER_VALID = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "string": "3", "none": None, "complex": 2 + 1j,
               "list_of_str": ["a"], "dict": {"a": 1}, "object": object()}
SIZES_BAD = {"zero": 0, "negative": -3, "float": 2.5, "huge": 10**12, "bool": True, **NEVER_VALID}
POS_BAD = {"zero": 0.0, "negative": -1.0, "tiny": 1e-300, "huge": 1e300, **NEVER_VALID}
HOSTILE = ["__import__('os').system('touch " + str(MARKER) + "')", "().__class__.__bases__[0].__subclasses__()",
           "lambda: 1", "exec('1')", "eval('1')", "open('/etc/passwd').read()", "x.__class__", "getattr(x, 'real')",
           "9**9**9**9", "1e308*1e308", "x**" + "9" * 50, "(" * 500 + "x" + ")" * 500, "x" + "+x" * 20000, "", " ", "\x00",
           "x +", "x ** ", "import os", "Symbol('x')", "sp.exp(x)", "exp(exp(exp(exp(exp(exp(exp(exp(x))))))))",
           "x**(1/3)", "1/x", "log(x)", "abs(x)", "sqrt(-x)", "zoo", "nan", "oo", "I*x", "x_1", "ℵ", "x\u200b", "x;x",
           "x if x else 0", "[x]", "{x: 1}", "x[0]", "x.T", "@x", "x @@ x", "'x'", "f'{x}'", "b'x'", "x == 1", "x < 1",
           "Piecewise((x, x > 0), (0, True))", "DiracDelta(x)", "Heaviside(x)", "sign(x)", "floor(x)", "gamma(x)",
           "x**x", "exp(1000*x)", "tanh(x)**1000", "cos(x)/sin(x)"]


# ------------------------------------------------------------------ running one case


def _own(tb) -> bool:
    """The exception was raised by the workbench's code (the innermost frame is in the repository)."""
    frames = traceback.extract_tb(tb)
    return bool(frames) and str(ROOT) in frames[-1].filename and "site-packages" not in frames[-1].filename


def _any(out, test) -> bool:
    """Whether ``test`` holds for any float entry of ``out`` (nested dicts, lists and arrays)."""
    if isinstance(out, dict):
        return any(_any(v, test) for v in out.values())
    if isinstance(out, (list, tuple)):
        return any(_any(v, test) for v in out)
    if isinstance(out, (float, np.floating)) or (isinstance(out, np.ndarray) and out.dtype.kind in "fc"):
        return bool(np.any(test(np.asarray(out))))
    return False


def _finite(out) -> bool:
    return not _any(out, lambda a: ~np.isfinite(a))


def _has_nan(out) -> bool:
    return _any(out, np.isnan)


class CliTraceback(Exception):
    """A command printed a Python traceback (always ``raw``)."""


def _has_nan(out) -> bool:
    if isinstance(out, dict):
        return any(_has_nan(v) for v in out.values())
    if isinstance(out, (list, tuple)):
        return any(_has_nan(v) for v in out)
    if isinstance(out, (float, np.floating)):
        return math.isnan(out)
    if isinstance(out, np.ndarray) and out.dtype.kind in "fc":
        return bool(np.isnan(out).any())
    return False


def _child(fn, arg, never_valid, conn_w):
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
    try:
        out = fn()
        if never_valid:
            kind, msg = "silent", "returned"
        elif _finite(out):
            kind, msg = "accepted", "returned"
        elif _has_nan(out):
            kind, msg = "silent", "returned NaN"
        else:  # inf, no NaN: the IEEE value of a result beyond the float range (the kernels' documented answer)
            kind, msg = "overflow", "returned inf"
    except CliTraceback as e:
        kind, msg = "raw", str(e)
    except (ValueError, TypeError) as e:  # the family the workbench's own errors belong to
        text = str(e)
        if not _own(e.__traceback__):
            kind, msg = "raw", f"{type(e).__name__} from {traceback.extract_tb(e.__traceback__)[-1].filename}: {text[:200]}"
        elif arg and arg.lower() not in text.lower():
            kind, msg = "vague", f"{type(e).__name__}: {text[:200]}"
        else:
            kind, msg = "clear", f"{type(e).__name__}: {text[:120]}"
    except RuntimeError as e:  # the workbench's own "did not converge / not enough steps" errors
        own = _own(e.__traceback__)
        kind, msg = ("clear" if own and str(e) else "raw"), f"{type(e).__name__}: {str(e)[:160]}"
    except BaseException as e:  # noqa: BLE001 - every other exception is what this corpus looks for
        fr = traceback.extract_tb(e.__traceback__)
        if fr and fr[-1].filename == __file__:  # the case's own function raised (a user's bug): it must propagate as it is
            kind, msg = "user", f"{type(e).__name__} from the user's function, propagated"
            os.write(conn_w, json.dumps({"kind": kind, "msg": msg}).encode())
            os._exit(0)
        kind, msg = "raw", f"{type(e).__name__} at {fr[-1].filename}:{fr[-1].lineno}: {str(e)[:200]}" if fr else f"{type(e).__name__}: {e}"
    os.write(conn_w, json.dumps({"kind": kind, "msg": msg}).encode())
    os._exit(0)


def run_case(fn, arg: str, never_valid: bool, timeout: float) -> dict:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        _child(fn, arg, never_valid, w)
    os.close(w)

    def alarm(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(math.ceil(timeout)))
    chunks = []
    try:
        while True:
            b = os.read(r, 65536)
            if not b:
                break
            chunks.append(b)
        signal.alarm(0)
        os.waitpid(pid, 0)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return {"kind": "hang", "msg": f"no answer in {timeout:.0f} s"}
    finally:
        signal.signal(signal.SIGALRM, old)
        os.close(r)
    if not chunks:
        return {"kind": "raw", "msg": "the process died without an answer (a crash or the memory cap)"}
    return json.loads(b"".join(chunks))


# ------------------------------------------------------------------ the cases


#: (argument, value label) pairs that are valid: None where None is the documented default, a built-in's name where a
#: model goes, a zero width
VALID = {("beta", "none"), ("lr_final", "none"), ("params", "none"), ("model", "string"), ("Delta", "zero")}


def _fuzz(label, call, good: dict, bad: dict[str, dict], cases: list):
    """One case per (argument, bad value): ``call(**good with the argument replaced)``."""
    for arg, values in bad.items():
        for vlabel, v in values.items():
            never = (vlabel in NEVER_VALID or (vlabel in ("zero", "negative", "float", "bool") and arg != "seed")) and (arg, vlabel) not in VALID
            cases.append((label, f"{arg}={vlabel}", arg, never, lambda a=arg, v=v: call(**{**good, a: v})))


def kernel_cases(cases):
    import numerics as nm
    import theory

    for name in theory.builtin_names():
        model = theory.builtin(name)
        k = nm.compile(model)
        rng = np.random.default_rng(0)
        sizes = {}
        good = {}
        for a in k.args:
            if a.kind in ("state", "input"):
                n = sizes.setdefault(a.shape[0], 4 + len(sizes))
                good[a.name] = rng.standard_normal((2, n))
            elif a.kind == "weight":
                shape = tuple(sizes.setdefault(d, 4 + len(sizes)) for d in a.shape)
                W = rng.standard_normal(shape) / 3
                good[a.name] = (W + W.T) / 2 if a.symmetric else W
        for fname in ("energy", "update", "energy_grad", "rhs", "activations"):
            fn = getattr(k, fname)
            arrays = {}
            for an, arr in good.items():
                nan, inf, big, tiny = arr.copy(), arr.copy(), arr * 1e200, arr * 1e-200
                nan.flat[-1] = np.nan
                inf.flat[0] = np.inf
                arrays[an] = {"nan": nan, "inf": inf, "string": arr.astype(str), "object": arr.astype(object), "complex": arr + 1j,
                              "zero": arr[..., :0], "negative": arr[..., :-1], "float": np.ones((2, 3, 4, 5)),
                              "huge": big, "tiny": tiny, "float16": arr.astype(np.float16), "bool": arr > 0, "scalar": 1.0,
                              "list": arr.tolist(), "noncontig": np.asfortranarray(arr)}
            params = {a.name: (POS_BAD if "positive" in a.assumptions else {k2: v for k2, v in POS_BAD.items() if k2 not in ("zero", "negative")})
                      for a in k.args if a.kind == "parameter"}
            for an, vals in arrays.items():
                for vl, v in vals.items():
                    nv = vl in ("nan", "inf", "string", "object", "complex", "zero", "negative", "float")
                    cases.append((f"{name}.{fname}", f"{an}={vl}", an, nv, lambda fn=fn, an=an, v=v, g=good: fn(**{**g, an: v})))
            for pn, vals in params.items():
                for vl, v in vals.items():
                    cases.append((f"{name}.{fname}", f"{pn}={vl}", pn, vl in NEVER_VALID or vl in ("zero", "negative"),
                                  lambda fn=fn, pn=pn, v=v, g=good: fn(**g, **{pn: v})))
            cases.append((f"{name}.{fname}", "unknown keyword", "Beta", True, lambda fn=fn, g=good: fn(**g, Beta=2.0)))
        for fname in ("energy", "update"):
            cases.append((f"{name}.fast", f"{fname} misspelt", "Beta", True, lambda k=k, f=fname, g=good: k.fast(f, **g, Beta=2.0)))


def parse_cases(cases):
    import sympy as sp

    import theory

    table = {"x": theory.Vector("x", theory.size_symbol("N"))}
    scalar = {"x": sp.Symbol("x", real=True), "beta": sp.Symbol("beta", positive=True)}
    for s in HOSTILE:
        cases.append(("theory.parse(scalar)", repr(s)[:40], "", False, lambda s=s: theory.parse(s, scalar)))
        cases.append(("theory.parse(vector)", repr(s)[:40], "", False, lambda s=s: theory.parse(s, table)))
    for v in (None, 3, 2.5, b"x", ["x"], {"x": 1}):
        cases.append(("theory.parse", f"type {type(v).__name__}", "text", True, lambda v=v: theory.parse(v, scalar)))
    for v in (None, "x", ["x"], {"x": "x"}, {"x": 1}):
        cases.append(("theory.parse", f"symbols {v!r}", "symbols", True, lambda v=v: theory.parse("x", v)))
    for name in ("", "nope", "model_b ", "MODEL_B", "../etc/passwd", "__init__", None, 3):
        cases.append(("theory.builtin", repr(name), "name", True, lambda n=name: theory.builtin(n)))


def capacity_cases(cases):
    import theory
    from numerics import capacity as cap

    spec = theory.builtin_spec("dam_power")
    for s in HOSTILE + ["x**2/2", "-x**2/2", "x**2 - x**4", "x**3/3 + x**5/50", "exp(x)", "x**40", "x**100", "0", "1", "x"]:
        def law(s=s):
            layers = [spec["layers"][0], {**spec["layers"][1], "lagrangian": {"expr": s, "label": "F"}}]
            m = theory.from_dict({**{k: v for k, v in spec.items() if k != "parameters"}, "layers": layers})
            return theory.capacity_law(m).k_max_asymptotic

        cases.append(("capacity_law(F=...)", repr(s)[:40], "lagrangian", False, law))
    law = theory.capacity_law(theory.builtin("dam_power"), params={"n": 3})
    for vl, v in {**SIZES_BAD, "one": 1, "two": 2}.items():
        cases.append(("law.k_max", f"N={vl}", "N", vl in NEVER_VALID or vl in ("zero", "negative", "float", "one"), lambda v=v: law.k_max(v)))
        cases.append(("capacity.k_max_predicted", f"N={vl}", "N", vl in NEVER_VALID or vl in ("zero", "negative", "float", "one"),
                      lambda v=v: cap.k_max_predicted(law, v)))
    for vl, v in {"zero": 0.0, "half": 0.5, "one": 1.0, "neg": -0.1, "0.9": 0.9, **NEVER_VALID}.items():
        cases.append(("law.k_fixed_error", f"p={vl}", "p", vl != "zero" or True, lambda v=v: law.k_fixed_error(v)))
    for pl, p in {"n=2.5": {"n": 2.5}, "n=-1": {"n": -1}, "n=nan": {"n": float("nan")}, "n=str": {"n": "3"}, "m": {"m": 3},
                  "n=1e6": {"n": 10**6}, "none": None}.items():
        cases.append(("capacity_law(params)", pl, pl[0] if pl[0] in "nm" else "params", pl != "n=1e6" and pl != "none",
                      lambda p=p: theory.capacity_law(theory.builtin("dam_power"), params=p).k_max_asymptotic))
    for vl, v in SIZES_BAD.items():
        cases.append(("capacity.bit_errors", f"N={vl}", "N", vl != "huge", lambda v=v: cap.bit_errors(law, v, 0, probes=4, k_cap=64)))
        cases.append(("capacity.bit_errors", f"seed={vl}", "seed", vl not in ("zero", "huge"), lambda v=v: cap.bit_errors(law, 16, v, probes=4, k_cap=64)))
        cases.append(("capacity.bit_errors", f"probes={vl}", "probes", vl != "huge", lambda v=v: cap.bit_errors(law, 16, 0, probes=v, k_cap=64)))
    ku = theory.builtin("kuramoto")
    for pl, p in {"K=0,C=0": {"K": 0, "C": 0}, "K=-1": {"K": -1, "C": 0}, "C=nan": {"K": 0, "C": float("nan")}, "str": {"K": "1", "C": 0},
                  "missing": {}, "extra": {"K": 0, "C": 1, "Z": 2}}.items():
        cases.append(("capacity_law(kuramoto)", pl, "K" if "K" in pl else ("C" if "C" in pl else "params"), pl in ("C=nan", "str", "extra"),
                      lambda p=p: theory.capacity_law(ku, params=p).scaling))


def mean_field_cases(cases):
    import theory

    for name in theory.builtin_names():
        cases.append(("MeanField.from_model", name, "", False, lambda n=name: theory.MeanField.from_model(theory.builtin(n)).critical()))
    mf = theory.MeanField.from_model(theory.builtin("classical_hopfield"))
    for vl, v in POS_BAD.items():
        cases.append(("MeanField.stationary", f"T={vl}", "T", vl in NEVER_VALID or vl in ("zero", "negative"), lambda v=v: mf.stationary(T=v)))
    for vl, v in {**SIZES_BAD, "huge": 10**9}.items():
        cases.append(("MeanField.stationary", f"grid={vl}", "grid", vl != "huge" and vl in NEVER_VALID or vl in ("zero", "negative", "float"),
                      lambda v=v: mf.stationary(T=0.5, grid=v)))
    cases.append(("MeanField.stationary", "unknown value", "Q", True, lambda: mf.stationary(T=0.5, Q=2)))


def denoising_cases(cases):
    from numerics import denoising as nd

    gen = {"sphere": (nd.sphere_prompts, {"prompts": 8, "n": 6, "d": 2, "L": 5, "R": 1.0, "sigma": 0.5}),
           "linear": (nd.linear_prompts, {"prompts": 8, "n": 6, "d": 2, "L": 5, "sigma0": 1.0, "sigma": 0.5}),
           "mixture": (nd.mixture_prompts, {"prompts": 8, "n": 6, "K": 3, "L": 5, "sigma0": 0.1, "sigma": 0.5})}
    for tname, (f, good) in gen.items():
        bad = {}
        for a in good:
            bad[a] = SIZES_BAD if a in ("prompts", "n", "d", "L", "K") else POS_BAD
        _fuzz(f"{tname}_prompts", f, good, bad, cases)
        _fuzz(f"{tname}_prompts", f, good, {"seed": {"negative": -1, "float": 1.5, "string": "1", "nan": float("nan")}}, cases)
    p = nd.sphere_prompts(8, 6, 2, 5, 1.0, 0.5)
    for est in ("bayes", "one_step", "nearest_token", "converged"):
        for vl, v in {"none": None, "array": p.tokens, "string": "p", "dict": {}}.items():
            cases.append((f"denoising.{est}", vl, "p", True, lambda e=est, v=v: getattr(nd, e)(v)))
    _fuzz("denoising.one_step", nd.one_step, {"p": p, "alpha": 1.0, "beta": 4.0}, {"alpha": POS_BAD, "beta": POS_BAD}, cases)
    _fuzz("denoising.converged", nd.converged, {"p": p, "tol": 1e-8, "max_steps": 100},
          {"tol": POS_BAD, "max_steps": SIZES_BAD}, cases)
    W = np.eye(6)
    _fuzz("denoising.attention_gradients", nd.attention_gradients, {"p": p, "W_KQ": W, "W_PV": W},
          {"W_KQ": {"nan": np.full((6, 6), np.nan), "zero": np.eye(5), "string": W.astype(str), "none": None, "complex": W + 1j,
                    "float": np.ones((2, 6, 6))}, "kind": {"string": "soft", "none": None, "zero": 0}}, cases)
    for vl, s in {"tiny": 1e-3, "tinier": 1e-6}.items():
        for R in (1.0, 30.0):
            q = nd.sphere_prompts(64, 8, 3, 16, R, s, seed=1)
            cases.append(("bayes(sphere) extremes", f"sigma={vl},R={R}", "", False, lambda q=q: nd.bayes(q)))
            cases.append(("one_step(sphere) extremes", f"sigma={vl},R={R}", "", False, lambda q=q: nd.one_step(q)))
    mk = lambda s: nd.sphere_prompts(16, 6, 2, 5, 1.0, 0.5, seed=s)  # noqa: E731
    _fuzz("train_attention", nd.train_attention, {"make_prompts": mk, "steps": 3},
          {"make_prompts": {"none": None, "returns_none": lambda s: None, "returns_array": lambda s: np.zeros(3), "raises": lambda s: 1 / 0},
           "steps": SIZES_BAD, "lr": POS_BAD, "init": {"negative": (-1.0, 1.0), "string": ("a", 1), "none": None, "nan": (np.nan, 1.0),
                                                         "float": 1.0},
           "lr_final": POS_BAD, "seed": {"negative": -1, "float": 2.5, "string": "1"}, "kind": {"string": "relu", "none": None},
           "parametrisation": {"string": "diag", "none": None}}, cases)
    cases.append(("train_attention", "lr=1e6 (diverges)", "lr", False,
                  lambda: nd.train_attention(mk, steps=30, lr=1e6, init=(1.0, 1.0))))


def oscillator_cases(cases):
    import theory
    from numerics import oscillators as osc
    from numerics import thermal

    ku = theory.builtin("kuramoto")
    good = {"model": ku, "N": 32, "P": 2, "params": {"K": 0.0, "C": 1.0}, "replicas": 2, "duration": 1.0, "dt": 0.2}
    _fuzz("oscillators.finite_load", osc.finite_load, good,
          {"N": SIZES_BAD, "P": SIZES_BAD, "replicas": SIZES_BAD, "duration": POS_BAD, "dt": POS_BAD,
           "params": {"none": None, "string": "K=1", "nan": {"K": float("nan"), "C": 1.0}, "dict": {"Z": 1}},
           "kind": {"string": "gauss", "none": None}, "model": {"none": None, "string": "kuramoto", "object": object()}}, cases)
    _fuzz("oscillators.phase_patterns", osc.phase_patterns, {"P": 2, "N": 8}, {"P": SIZES_BAD, "N": SIZES_BAD, "kind": {"string": "x"}}, cases)
    _fuzz("oscillators.lorentzian_frequencies", osc.lorentzian_frequencies, {"N": 8, "Delta": 0.1}, {"N": SIZES_BAD, "Delta": POS_BAD}, cases)
    import sympy as sp

    x = sp.Symbol("x")
    _fuzz("thermal.OverlapChain", thermal.OverlapChain, {"F": x**2 / 2, "N": 64, "T": 0.5},
          {"F": {"string": "x**2", "none": None, "nan": sp.nan, "dict": {"x": 1}}, "N": SIZES_BAD, "T": POS_BAD,
           "params": {"string": "a", "nan": {"a": float("nan")}}}, cases)
    _fuzz("thermal.SublatticeChain", thermal.SublatticeChain, {"F": x**2 / 2, "sizes": np.array([10, 10, 12]), "T": 0.5},
          {"sizes": {"negative": np.array([-1, 2]), "zero": np.array([]), "float": np.array([1.5, 2.0]), "nan": np.array([np.nan]),
                     "string": "1,2", "none": None}, "T": POS_BAD}, cases)
    _fuzz("thermal.sublattice_sizes", thermal.sublattice_sizes, {"P": 3, "N": 64}, {"P": SIZES_BAD, "N": SIZES_BAD}, cases)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def file_cases(cases, tmp: Path):
    from numerics import datasets
    from numerics.learning import ThresholdFit

    rng = np.random.default_rng(0)
    fit = ThresholdFit(rng.standard_normal((4, 6)), 0.5)
    good = tmp / "good.npz"
    fit.save(good)
    raw = good.read_bytes()
    files = {"truncated": raw[: len(raw) // 2], "empty": b"", "random": rng.bytes(4096), "text": b"hello", "zeros": bytes(1024),
             "flipped": bytes(b ^ 0xFF if i % 97 == 0 else b for i, b in enumerate(raw))}
    for label, data in files.items():
        p = _write(tmp / f"fit_{label}.npz", data)
        cases.append(("ThresholdFit.load", label, str(p.name), True, lambda p=p: ThresholdFit.load(p)))
    obj = tmp / "fit_pickle.npz"
    np.savez(obj, xi=np.array([object()], dtype=object), theta=np.array(0.5))
    cases.append(("ThresholdFit.load", "object array (pickle)", obj.name, True, lambda: ThresholdFit.load(obj)))
    for label, p in {"missing": tmp / "nope.npz", "directory": tmp, "none": None, "int": 3}.items():
        cases.append(("ThresholdFit.load", label, "path" if label in ("none", "int") else str(getattr(p, "name", p)), True,
                      lambda p=p: ThresholdFit.load(p)))
    # IDX files
    header = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">III", 10, 28, 28)
    idx = {"truncated": header + bytes(100), "bad_magic": b"\x01\x02\x03\x04" + bytes(100), "huge_dims": struct.pack(">BBBB", 0, 0, 8, 3)
           + struct.pack(">III", 10**9, 10**9, 10**9), "zero_dims": struct.pack(">BBBB", 0, 0, 8, 0), "bad_type": struct.pack(">BBBB", 0, 0, 0x77, 1)
           + struct.pack(">I", 4) + bytes(4), "empty": b"", "ndim_255": struct.pack(">BBBB", 0, 0, 8, 255)}
    for label, data in idx.items():
        p = _write(tmp / f"idx_{label}", data)
        cases.append(("datasets.read_idx", label, p.name, True, lambda p=p: datasets.read_idx(p)))
    bomb = tmp / "bomb.gz"
    with gzip.open(bomb, "wb") as g:
        g.write(struct.pack(">BBBB", 0, 0, 8, 1) + struct.pack(">I", 300 << 20))
        for _ in range(300):
            g.write(bytes(1 << 20))
    cases.append(("datasets.read_idx", "gzip declaring 300 MB, max_bytes 1 MB", "max_bytes", True, lambda: datasets.read_idx(bomb, max_bytes=1 << 20)))
    cases.append(("datasets.read_idx", "bad gzip", "bad.gz", True, lambda: datasets.read_idx(_write(tmp / "bad.gz", b"\x1f\x8b\x08garbage"))))
    cases.append(("datasets.read_idx", "wrong sha256", "sha256", True, lambda: datasets.read_idx(_write(tmp / "idx_ok", struct.pack(">BBBB", 0, 0, 8, 1)
                                                                                                      + struct.pack(">I", 2) + b"ab"), sha256="0" * 64)))
    cases.append(("datasets.load_mnist", "missing folder", "data_dir", True, lambda: datasets.load_mnist(tmp / "none")))
    cases.append(("datasets.load_mnist", "split", "split", True, lambda: datasets.load_mnist(tmp, split="val")))
    # specs
    import theory

    specs = {"not toml": "this is [not toml", "empty": "", "no layers": 'name = "m"\n', "bad layer": 'name="m"\n[[layers]]\nname=3\n',
             "hostile L": 'name="m"\n[[layers]]\nname="v"\nsize="N"\nL="__import__(\'os\').system(\'touch ' + str(MARKER) + '\')"\n',
             "deep": "a = " + "[" * 5000 + "]" * 5000 + "\n", "binary": "\x00\x01\x02", "huge size": 'name="m"\n[[layers]]\nname="v"\nsize=' + "9" * 400 + "\n"}
    for label, text in specs.items():
        p = tmp / f"spec_{label.replace(' ', '_')}.toml"
        p.write_text(text)
        cases.append(("theory.load(spec)", label, p.name, True, lambda p=p: theory.load(p)))
    for label, d in {"none": None, "list": [1], "empty": {}, "layers str": {"name": "m", "layers": "v"},
                     "nested": {"name": "m", "layers": [{"name": "v", "size": "N", "L": {"a": {"b": {}}}}]}}.items():
        cases.append(("theory.from_dict", label, "spec", True, lambda d=d: theory.from_dict(d)))
    # recorded results
    from paper_checks import recorded

    for label, text in {"corrupt": "{not json", "list": "[1, 2]", "no claims": "{}", "deep": "[" * 100000 + "]" * 100000, "empty": ""}.items():
        p = tmp / f"rec_{label}.json"
        p.write_text(text)
        cases.append(("recorded.load(path)", label, p.name, True, lambda p=p: recorded.load("quick", p)))
    cases.append(("recorded.load", "scale", "scale", True, lambda: recorded.load("../../etc/passwd")))


def sweep_cases(cases, tmp: Path):
    from numerics import sweeps

    def f(a, seed):
        return {"y": a * seed}

    _fuzz("sweeps.grid", sweeps.grid, {"params": {"a": [1, 2]}, "seeds": [0, 1]},
          {"params": {"none": None, "string": "a=1", "list_of_str": ["a"], "object": {"a": 1}},
           "seeds": {"float": [1.5], "string": "01", "negative": [-1], "none": None, "zero": [], "nan": [float("nan")]}}, cases)
    pts = sweeps.grid({"a": [1, 2]}, [0])
    for label, out in {"file as out": _write(tmp / "afile", b"x"), "none": None, "dev": Path("/proc/self/x")}.items():
        cases.append(("sweeps.run_sweep", label, "out", True, lambda o=out: sweeps.run_sweep(f, pts, o, progress=False)))
    for label, fn in {"raises": lambda a, seed: 1 / 0, "returns object": lambda a, seed: object(), "returns nan": lambda a, seed: float("nan")}.items():
        d = tmp / f"sweep_{label.replace(' ', '_')}"
        cases.append(("sweeps.run_sweep", label, "", label != "returns nan", lambda fn=fn, d=d: sweeps.run_sweep(fn, pts, d, progress=False) and None))
    _fuzz("sweeps.run_sweep", sweeps.run_sweep, {"fn": f, "points": pts, "out": tmp / "sw", "progress": False},
          {"workers": SIZES_BAD, "points": {"none": None, "string": "a", "list_of_str": ["a"]}, "fn": {"none": None, "string": "f"}}, cases)


def cli_cases(cases, tmp: Path):
    argv = [["derive", "nope"], ["derive", "model_b", "--integrate-out", "zz"], ["capacity", "dam_power", "--N", "-5"],
            ["capacity", "dam_power", "--N", "nan"], ["capacity", "dam_power", "--param", "n=abc"], ["capacity", "dam_power", "--param", "n"],
            ["capacity", "model_a", "--N", "2000", "--seeds", "0"], ["capacity", str(tmp / "spec_not_toml.toml")],
            ["capacity", "dam_power", "--plot", "/proc/x.png"], ["capacity", "dam_power", "--out", str(tmp / "afile")],
            ["phases", "dam_power", "--param", "n=1e999"], ["phases", "kuramoto", "--json", "--param", "K=x"], ["kernel", "model_b", "--backend", "tpu"],
            ["kernel", "model_b", "--integrate-out", "h", "--print", "--backend", "numpy", "--extra"], ["recall", str(tmp / "fit_truncated.npz")],
            ["recall", str(tmp / "fit_empty.npz")], ["derive", "-"], ["derive", str(tmp / "spec_hostile_L.toml")], ["derive", str(tmp / "spec_deep.toml")],
            ["derive", "model_b", "--budget", "-1"], [], ["nope"], ["--version"]]
    for a in argv:
        cases.append(("amwb " + " ".join(x if len(x) < 30 else "..." + x[-20:] for x in a), "cli", "argument", False,
                      lambda a=a: _cli("numerics.cli", a, 300)))
    pc = [["--only", "NOPE-1"], ["--jobs", "1000", "--only", "KH21-1", "--out", str(tmp / "pc")], ["--json", str(tmp)], ["--scale", "huge"],
          ["--out", "/proc/nope"]]
    for a in pc:
        cases.append(("python -m paper_checks " + " ".join(a), "cli", "argument", False, lambda a=a: _cli("paper_checks", a, 600)))


def _cli(module: str, args: list, timeout: float) -> int:
    """Run ``python -m module args``: 0 on success, a ValueError with its last stderr line on a clean refusal, a
    :class:`CliTraceback` where it printed a traceback."""
    r = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout)
    if "Traceback" in r.stderr:
        raise CliTraceback("traceback: " + r.stderr.strip().splitlines()[-1][:200])
    if r.returncode == 0:
        return 0
    raise ValueError(f"exit {r.returncode}, argument: " + (r.stderr.strip().splitlines() or ["(no message)"])[-1][:200])


CATEGORIES = {"kernels": kernel_cases, "parse": parse_cases, "capacity": capacity_cases, "mean_field": mean_field_cases,
              "denoising": denoising_cases, "oscillators": oscillator_cases}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    if a.json is not None and (a.json.is_dir() or not a.json.parent.is_dir()):  # before minutes of cases, not after
        ap.error(f"--json {a.json}: give a file name in an existing folder")
    MARKER.unlink(missing_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="amwb_adv_"))
    cases: list = []
    for name, f in CATEGORIES.items():
        if not a.only or name in a.only:
            f(cases)
    if not a.only or "files" in a.only:
        file_cases(cases, tmp)
    if not a.only or "sweeps" in a.only:
        sweep_cases(cases, tmp)
    if not a.no_cli and (not a.only or "cli" in a.only):
        cli_cases(cases, tmp)
    from tqdm.auto import tqdm

    results = []
    for label, what, arg, never_valid, fn in tqdm(cases, desc="adversary", mininterval=5):
        r = run_case(fn, arg, never_valid, a.timeout)
        results.append({"call": label, "case": what, "arg": arg, **r})
    counts = Counter(r["kind"] for r in results)
    print(f"{len(results)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"hostile code ran: {MARKER.exists()}")
    for kind in ("hang", "raw", "silent", "overflow", "vague"):
        for r in results:
            if r["kind"] == kind:
                print(f"{kind:7} {r['call']} [{r['case']}]: {r['msg']}")
    if a.json:
        a.json.write_text(json.dumps({"counts": counts, "code_ran": MARKER.exists(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
