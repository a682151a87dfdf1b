"""The ``amwb`` command line: list models, derive their theory, print kernels."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import sympy as sp

import theory
from theory.model import EnergyModel

from .codegen.kernel import compile as compile_kernel

__all__ = ["main", "derive_report", "info_report"]


def _expr(e: Any) -> dict[str, str]:
    e = sp.sympify(e)
    return {"str": str(e), "latex": sp.latex(e), "srepr": sp.srepr(e)}


def derive_report(model: EnergyModel, integrate_out: str | None = None, check: bool = True) -> dict[str, Any]:
    """Everything ``amwb derive`` prints, as a JSON-ready dictionary.

    All budgeted symbolic steps share one deadline, ``theory.budget.BUDGET["derive_seconds"]``: what runs out
    of it is reported as "budget exceeded" (undecided), never waited for.
    """
    from theory.budget import BUDGET, deadline

    with deadline(BUDGET["derive_seconds"]):
        return _derive_report(model, integrate_out, check)


def _derive_report(model: EnergyModel, integrate_out: str | None, check: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": model.name,
        "description": model.description,
        "notes": list(model.notes),
        "energy": _expr(model.energy_display),
        "energy_explicit": _expr(model.energy),
        "dynamics": {k: _expr(v) for k, v in model.dynamics.items()},
        "energy_rate": _expr(model.dissipation),
        "layers": {},
        "lyapunov": model.lyapunov.to_dict(),
        # the symbols the compact energy and dynamics write for the activations, each defined
        "activation_symbols": {str(lay.g): {"layer": lay.name, **_expr(lay.activation_expr)} for lay in model.layers},
    }
    if check:
        rc = model.check_energy_rate()
        out["energy_rate_check"] = {
            "holds": rc.holds,
            "symbolic": rc.symbolic,
            "concrete": {str(k): v for k, v in rc.concrete.items()},
            "detail": rc.detail,
        }
    for lay in model.layers:
        H = lay.hessian
        cert = lay.certificate
        out["layers"][lay.name] = {
            "size": str(lay.size),
            "tau": str(lay.tau),
            "lagrangian": _expr(lay.L),
            "lagrangian_name": lay.lagrangian.name,
            "activation": _expr(lay.activation_expr),
            "hessian": {
                "str": str(H.as_expr()),
                "latex": H.latex(),
                "srepr": sp.srepr(H.as_expr()),
                "diagonal": _expr(H.diagonal),
                "basis": [str(b) for b in H.basis],
                "coupling": [[str(c) for c in row] for row in H.coupling.tolist()],
            },
            "certificate": cert.to_dict(),
            "zero_modes": [str(z) for z in cert.zero_modes],
        }
    if integrate_out:
        red = model.integrate_out(integrate_out)
        out["effective"] = {
            "layer": integrate_out,
            "fixed_point": _expr(red.fixed_point.xreplace(red.model.activation_map)),
            "energy": _expr(red.model.energy),
            # energy, fixed point and dynamics in the same variables (the states); the compact forms in activations beside
            "dynamics": {k: _expr(v) for k, v in red.model.dynamics_explicit.items()},
            "fixed_point_activations": _expr(red.fixed_point),
            "dynamics_activations": {k: _expr(v) for k, v in red.model.dynamics.items()},
            "lyapunov": red.model.lyapunov.to_dict(),
        }
    return out


def _print_text(rep: dict[str, Any], latex: bool) -> None:
    key = "latex" if latex else "str"
    p = print
    p(f"model: {rep['model']}")
    if rep["description"]:
        p(f"  {rep['description']}")
    for n in rep["notes"]:
        p(f"  note: {n}")
    p(f"energy: {rep['energy'][key]}")
    for k, v in rep["dynamics"].items():
        p(f"dynamics: tau_{k} d{k}/dt = {v[key]}")
    p("  where " + "; ".join(f"{sym} = {a[key]} (activation of layer {a['layer']})" for sym, a in rep["activation_symbols"].items()))
    p(f"energy rate: dE/dt = {rep['energy_rate'][key]}")
    if "energy_rate_check" in rep:
        rc = rep["energy_rate_check"]
        p(f"  chain-rule dE/dt equals the Hessian form: {rc['holds']} ({rc['detail']}; concrete N: {rc['concrete']})")
    p(f"Lyapunov: {rep['lyapunov']['reason']}")
    for name, L in rep["layers"].items():
        c = L["certificate"]
        p(f"layer {name} (size {L['size']}, tau {L['tau']}): L = {L['lagrangian'][key]}")
        p(f"  activation: {L['activation'][key]}")
        p(f"  Hessian: {L['hessian'][key]}")
        p(f"  certificate: {c['status']} by {c['method']}: {c['reason']}")
        if c["counterexample"]:
            p(f"  counterexample: {json.dumps(c['counterexample'])}")
        if L["zero_modes"]:
            p(f"  zero modes: {', '.join(L['zero_modes'])}")
    if "effective" in rep:
        e = rep["effective"]
        p(f"integrate out {e['layer']}: {e['layer']}* = {e['fixed_point'][key]}")
        p(f"  effective energy: {e['energy'][key]}")
        for k, v in e["dynamics"].items():
            p(f"  effective dynamics: tau_{k} d{k}/dt = {v[key]}")


def _params(pairs: list[str]) -> dict[str, float]:
    """``NAME=VALUE`` pairs with numeric values (read with ``float``, never evaluated)."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"Argument `--param` must look like NAME=VALUE (e.g. n=4); got {pair!r}.")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"Argument `--param {name.strip()}` must be a number; got {value!r}.") from None
    return out


def _capacity(model: EnergyModel, args) -> int:
    """``amwb capacity``: the derived law (fast), and with ``--N`` the simulation beside it."""
    from theory.budget import BUDGET, deadline

    from . import capacity as cap

    if args.plot and not args.N:
        raise ValueError("Argument `--plot` needs `--N` (sizes to simulate at); without --N the law is only derived.")
    if args.plot:  # before the simulation: a bad figure path must not cost it
        _check_plot_path(args.plot)
    if args.out is not None:
        import os

        if os.path.exists(args.out) and not os.path.isdir(args.out):
            raise ValueError(f"Argument `--out` = {args.out!r} is a file; it must be a folder (the sweep store).")
        parent = os.path.dirname(os.path.abspath(args.out))
        if not os.path.isdir(parent):
            raise ValueError(f"Argument `--out` = {args.out!r}: its parent folder {parent!r} does not exist.")
    params = _params(args.param)
    with deadline(BUDGET["derive_seconds"]):
        law = theory.capacity_law(model, fast=args.integrate_out, params=params or None)
        rep = law.to_dict()
    rep["points"] = []
    if args.N:
        chk = cap.check(law, args.N, seeds=args.seeds, probes=args.probes, out=args.out, progress=not args.json)
        rep["points"] = [p.to_dict() for p in chk.points]
        rep["criterion"] = chk.to_dict()["criterion"]
        if args.plot:
            _save_figure(chk.figure(), args.plot)
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"capacity law of {rep['model']} ({rep['integrated_out']} integrated out, states `{rep['state_layer']}`)")
    for key in ("F", "signal", "noise_mean", "noise_variance", "p_error", "k_max", "k_max_asymptotic", "k_max_all_asymptotic"):
        if rep[key] is not None:
            print(f"  {key:<21} {rep[key]['str']}")
    sc = rep["scaling"]
    print(f"  scaling               {sc['kind']}, exponent {sc['exponent']}, (ln N)^{sc['log_power']} -- {sc['approximation']}")
    if rep["large_deviation"]:
        ld = rep["large_deviation"]
        print(f"  large deviations      one pattern e^({ld['exponent_one']['str']} N), all patterns e^({ld['exponent_all']['str']} N); rate {ld['rate_function']['str']}")
    print(f"  approximation         {rep['approximation']}")
    for pt in rep["points"]:
        print(f"  N={pt['N']:<6} K_pred={pt['K_pred']:<12.4g} K_sim={pt['K_sim']:<10g} median of {len(pt['per_seed'])} seeds, "
              f"order-statistic interval for it [{pt['K_sim_low']:g}, {pt['K_sim_high']:g}] (>= 90% coverage; the whole range where too few seeds allow that)"
              + (" (lower bound: k_cap reached)" if pt["censored"] else ""))
    return 0


def _recall(args) -> int:
    """``amwb recall``: a saved fit, images from a .npy file, the census of the minima they land on."""
    from pathlib import Path

    import numpy as np

    from .learning import ThresholdFit, minima_census, recall_codes

    fit = ThresholdFit.load(args.fit)
    path = Path(args.images)
    if path.suffix != ".npy" or not path.is_file():
        raise ValueError(f"Argument `--images` must be an existing .npy file; got {args.images!r}.")
    X = np.load(path, allow_pickle=False)
    codes, _, steps = recall_codes(fit, X, max_steps=args.max_steps)
    census = minima_census(codes, fit)
    rep = {"fit": str(args.fit), "meta": fit.meta, "n_hidden": int(fit.xi.shape[0]), "n_visible": int(fit.xi.shape[1]),
           "images": census["images"], "unique_minima": census["unique"], "all_fixed_points": census["all_fixed"],
           "max_images_per_minimum": census["max_share"], "steps": int(steps)}
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        for k, v in rep.items():
            print(f"{k:<24} {v}")
    return 0


def _save_figure(fig, path: str) -> None:
    """Write a figure (its path checked by :func:`_check_plot_path` before the work that made it) and close it."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _check_plot_path(path: str) -> None:
    """An output figure's path, checked before any work: a known image suffix, a folder that exists and takes files."""
    import os

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".png", ".pdf", ".svg"):
        raise ValueError(f"Argument `--plot` must end in .png, .pdf or .svg; got {path!r}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise ValueError(f"Argument `--plot` = {path!r}: the folder {folder!r} does not exist or is not writable.")
    if os.path.isdir(path):
        raise ValueError(f"Argument `--plot` = {path!r} is a folder; give a file name.")


def _parameter_names(text: str) -> dict:
    """The plain names of ``text`` other than ``m`` (``K``, ``C``), as positive symbols: the parameters of an ``--F``.
    Read from its syntax tree (nothing is evaluated); called names are functions, left to the parser."""
    import ast

    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return {}  # the parser reports it
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - called - {"m", "pi", "E", "h", "T"}
    return {n: sp.Symbol(n, positive=True) for n in sorted(names) if n.isidentifier() and len(n) <= 32}


def _phases(args) -> int:
    """``amwb phases``: the mean-field theory at temperature of a model, or of an extensive ``--F`` on a ``--site``."""
    from theory.mean_field import MeanField

    params = _params(args.param)
    if (args.x is None) != (args.y is None) or (args.plot and args.x is None):
        raise ValueError("Arguments `--x` and `--y` go together (a phase diagram), and `--plot` needs both.")
    if args.plot:  # before any derivation: a bad output path must not cost the run
        _check_plot_path(args.plot)
    if (args.model is None) == (args.F is None):
        raise ValueError("`amwb phases` takes a model (built-in name or TOML spec) or `--F EXPR` (with `--site`), exactly one.")
    if args.F is not None:
        if args.integrate_out:
            raise ValueError("Argument `--integrate-out` applies to a model, not to `--F`.")
        F = theory.parse(args.F, {"m": theory.mean_field.m, **_parameter_names(args.F)}, "--F")
        mf = MeanField(F, args.site or "ising")
        values = params
    else:
        model = theory.load(args.model)
        site = "phase" if any(lay.periodic for lay in model.layers) else "ising"
        if args.site not in (None, site):
            raise ValueError(f"Argument `--site {args.site}`: a model's site is read off its state layer; `{model.name}` has "
                             f"{site} sites (sign layers: ising; phase layers: phase).")
        if site == "phase":  # the couplings enter F linearly: they stay symbols, so transitions can be found in them
            mf = MeanField.from_model(model)
            values = params
        else:
            own = {p.name for p in model.parameters}
            mf = MeanField.from_model(model, fast=args.integrate_out, params={k: v for k, v in params.items() if k in own} or None)
            values = {k: v for k, v in params.items() if k not in own}
    axes = {}
    if args.x:
        for label, (name, lo, hi) in (("--x", args.x), ("--y", args.y)):
            try:
                axes[label] = (name, float(lo), float(hi), args.grid)
            except ValueError:
                raise ValueError(f"Argument `{label}` must be NAME LO HI with numbers; got {lo!r} {hi!r}.") from None
        grid_values = {k: v for k, v in values.items() if k not in (args.x[0], args.y[0])}
    control = args.control
    if control is None:  # the temperature, or for a model that names its own noise (D) the coupling that drives the onset
        c2 = sp.diff(mf.F, theory.mean_field.m, 2).subs(theory.mean_field.m, 0)
        drivers = sorted(p.name for p in c2.free_symbols)
        control = drivers[0] if mf.temperature_name != "T" and drivers else "T"
    rep = mf.to_dict(control, **{k: v for k, v in values.items() if not axes or k not in (args.x[0], args.y[0])})
    if axes:
        from .phases import PHASES, phase_grid

        grid = phase_grid(mf, axes["--x"], axes["--y"], **grid_values)
        rep["phase_grid"] = {"x": {"name": grid.x_name, "values": grid.x.tolist()}, "y": {"name": grid.y_name, "values": grid.y.tolist()},
                             "phases": list(PHASES), "phase": grid.phase.tolist()}
        if args.plot:
            _save_figure(grid.figure(), args.plot)
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"mean-field theory of {rep['model'] or 'F = ' + rep['F']['str']} on {rep['site']} sites ({rep['approximation']})")
    print(f"  F (extensive)         {rep['F']['str']}; {rep['temperature_scale']['meaning']}")
    print(f"  self-consistency      {rep['self_consistency']['str']}")
    print("  Landau series         " + " + ".join(f"({c['coefficient']['str']}) m^{c['order']}" for c in rep["landau"]))
    crit = ", ".join(f"{k} = {v['str']}" for k, v in rep["critical"].items()) or "none (no m^2 term: any transition is first order)"
    print(f"  continuous transition {crit}")
    tri = ", ".join(f"{k} = {v['str']}" for k, v in (rep["tricritical"] or {}).items()) or "none"
    print(f"  tricritical point     {tri}")
    if rep["transitions"]:
        t = rep["transitions"]
        print(f"  in {t['parameter']}: {t['order']} order; spinodal " + (", ".join(f"{s['value']:.6g} (m = {s['m']:.4g})" for s in t["spinodal"]) or "none")
              + "; coexistence " + (", ".join(f"{s['value']:.6g} (m = {s['m']:.4g})" for s in t["coexistence"]) or "none"))
    if "phase_grid" in rep:
        counts = {name: sum(row.count(code) for row in rep["phase_grid"]["phase"]) for code, name in enumerate(rep["phase_grid"]["phases"])}
        print(f"  phase diagram over {args.x[0]} x {args.y[0]} ({args.grid} x {args.grid}): " + ", ".join(f"{k} {v}" for k, v in counts.items())
              + (f"; figure {args.plot}" if args.plot else ""))
    if rep["branches"]:
        for b in rep["branches"]:
            print(f"  branch m = {b['order_parameter']:.6g}  f = {b['free_energy']:.6g}  {'stable' if b['stable'] else 'unstable'}")
        if rep["barrier"]:
            print(f"  barrier {rep['barrier']['barrier']:.6g} (escape time ~ exp(N x {rep['barrier']['escape_slope']:.6g}))")
    return 0


def info_report() -> dict[str, Any]:
    """What ``amwb info`` prints: versions, the array backends installed, the BLAS kernels NumPy runs on (with the
    hint :func:`numerics.blas.blas_info` gives when they are below the CPU) and the heap setting of the NumPy backend.

    Nothing heavy is imported: versions come from the installed metadata, not from importing JAX or torch.
    """
    import os
    import platform
    from importlib import metadata

    import numpy as np

    from . import allocator
    from .blas import blas_info
    from .codegen.backends import available_backends

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    b = blas_info()
    try:
        heap: Any = allocator._env_mib()
    except ValueError as exc:  # a bad AMWB_HEAP_TOP_PAD_MIB is reported here, and refused when a NumPy kernel is built
        heap = f"invalid: {exc}"
    if not allocator.applies_here():
        heap = "not applied (the C library is not glibc)"
    return {
        "am_workbench": version("am-workbench"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "sympy": sp.__version__,
        "backends": {name: version(name) for name in available_backends()},
        "blas": {"summary": b.summary(), "library": b.library, "version": b.version, "core": b.core, "threads": b.threads,
                 "openblas_coretype": b.coretype_env, "cpu_avx512": b.cpu_avx512, "hint": b.hint},
        "heap_top_pad_mib": heap,
    }


def _info(args: argparse.Namespace) -> int:
    rep = info_report()
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    for k, v in rep.items():
        if k == "backends":
            v = ", ".join(f"{n} {ver}" for n, ver in v.items())
        elif k == "blas":
            v = v["summary"]
        print(f"{k:<18} {v}")
    if rep["blas"]["hint"]:
        print(f"note: {rep['blas']['hint']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``amwb``."""
    try:
        return _main(argv)
    except BrokenPipeError:  # `amwb derive ... | head`: the reader left; stop quietly, as `ls | head` does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit must not raise again
        return 0


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("am-workbench")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
        return "unknown (not installed)"


def _main(argv: list[str] | None) -> int:
    ap = argparse.ArgumentParser(prog="amwb", description="am-workbench: derive Lagrangian associative-memory models.",
                                 epilog="`amwb COMMAND --help` explains a command.")
    ap.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND")
    a = sub.add_parser("models", help="list the built-in models")
    a.add_argument("--json", action="store_true")
    d = sub.add_parser("derive", help="energy, dynamics, energy rate, Hessians, certificates, effective model")
    d.add_argument("model", help="built-in name or path to a TOML spec")
    d.add_argument("--integrate-out", metavar="LAYER")
    g = d.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true")
    g.add_argument("--latex", action="store_true")
    d.add_argument("--no-check", action="store_true", help="skip the energy-rate cross-check")
    k = sub.add_parser("kernel", help="compile a model and show the generated kernels")
    k.add_argument("model")
    k.add_argument("--integrate-out", metavar="LAYER")
    k.add_argument("--print", action="store_true", help="print the generated source")
    k.add_argument("--backend", default="numpy")
    c = sub.add_parser("capacity", help="derive the capacity law of a binary-state memory; with --N, check it by simulation")
    c.add_argument("model", help="built-in name or path to a TOML spec")
    c.add_argument("--integrate-out", metavar="LAYER", help="the memory layer (default: the only one that qualifies)")
    c.add_argument("--N", type=int, nargs="+", metavar="N", help="sizes to simulate at (omit to derive only)")
    c.add_argument("--seeds", type=int, default=5, help="seeds per size (default 5)")
    c.add_argument("--probes", type=int, default=32, help="stored patterns tested per seed (default 32)")
    c.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a numeric parameter value, e.g. n=4")
    c.add_argument("--json", action="store_true")
    c.add_argument("--plot", metavar="FILE.png", help="figure of prediction and measurement (needs --N)")
    c.add_argument("--out", metavar="DIR", help="sweep store: finished (N, seed) points are kept and a rerun resumes")
    r = sub.add_parser("recall", help="recall images with a saved threshold-model fit and count its distinct minima")
    r.add_argument("fit", help="a fit saved by numerics.learning.ThresholdFit.save (.npz)")
    r.add_argument("--images", required=True, metavar="X.npy", help="images (M x N_v, preprocessed as for training) in a .npy file")
    r.add_argument("--max-steps", type=int, default=100, help="synchronous steps allowed per image (default 100)")
    r.add_argument("--json", action="store_true")
    ph = sub.add_parser("phases", help="mean-field theory at temperature: transitions, tricritical point, branches, barrier")
    ph.add_argument("model", nargs="?", help="built-in name or path to a TOML spec (a sign layer and a memory layer, or a layer of phases)")
    ph.add_argument("--F", metavar="EXPR", help="an extensive F(m) instead of a model, e.g. 'K*m**2/2 + C*m**4/4'")
    ph.add_argument("--site", choices=("ising", "phase"), help="the single-site measure with --F (default ising)")
    ph.add_argument("--integrate-out", metavar="LAYER", help="the memory layer (default: the only one that qualifies)")
    ph.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter value (the model's, T, or F's)")
    ph.add_argument("--control", default=None, metavar="NAME",
                    help="the parameter the transitions are found in (default: the temperature T; for a model that names its "
                         "own noise, such as kuramoto's D, the coupling of the m^2 term, K)")
    ph.add_argument("--x", nargs=3, metavar=("NAME", "LO", "HI"), help="phase diagram: the parameter along x and its range")
    ph.add_argument("--y", nargs=3, metavar=("NAME", "LO", "HI"), help="phase diagram: the parameter along y and its range")
    ph.add_argument("--grid", type=int, default=200, metavar="N", help="points per axis of the phase diagram (default 200)")
    ph.add_argument("--plot", metavar="FILE.png", help="write the phase diagram (needs --x and --y)")
    ph.add_argument("--json", action="store_true")
    i = sub.add_parser("info", help="versions, backends, and the BLAS kernels NumPy runs on (with a hint where they are below the CPU)")
    i.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd is None:  # `amwb` alone: what it can do, not argparse's "arguments are required: cmd"
        ap.print_help(sys.stderr)
        return 2
    if args.cmd == "info":  # reports the heap setting (a bad one too) instead of applying it
        return _info(args)
    from .allocator import tune_process

    bad = tune_process()  # process-wide tuning is the entry point's to apply, never a kernel's
    if bad is not None:
        print(f"amwb: error: {bad}", file=sys.stderr)
        return 2
    if args.cmd == "recall":
        try:
            return _recall(args)
        except (ValueError, TypeError) as exc:
            print(f"amwb: error: {exc}", file=sys.stderr)
            return 2
    try:
        if args.cmd == "models":
            rows = []
            for n in theory.builtin_names():
                m = theory.builtin(n)
                rows.append({"name": n, "layers": list(m.layer_names), "description": m.description})
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                wn = max(len(r["name"]) for r in rows)
                wl = max(len(",".join(r["layers"])) for r in rows)
                for r in rows:
                    print(f"{r['name']:<{wn}}  layers {','.join(r['layers']):<{wl}}  {r['description']}")
            return 0
        if args.cmd == "phases":
            return _phases(args)
        model = theory.load(args.model)
        if args.cmd == "derive":
            rep = derive_report(model, args.integrate_out, check=not args.no_check)
            if args.json:
                print(json.dumps(rep, indent=2))
            else:
                _print_text(rep, args.latex)
            return 0
        if args.cmd == "capacity":
            return _capacity(model, args)
        if args.cmd == "kernel":
            target = model.integrate_out(args.integrate_out) if args.integrate_out else model
            kern = compile_kernel(target, backend=args.backend)
            print(f"# kernel of {kern.model.name} ({kern.backend.name})")
            print("# arguments:")
            for line in kern.signature.splitlines():
                print("#   " + line)
            if args.print:
                print(kern.source())
            return 0
    except (theory.ModelError, theory.ParseError, theory.LagrangianError, ImportError, ValueError, TypeError) as exc:
        print(f"amwb: error: {exc}", file=sys.stderr)
        return 2
    return 1  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
