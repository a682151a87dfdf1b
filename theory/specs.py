"""Model spec files (TOML) and the built-in models.

A spec names layers (size symbol, Lagrangian by catalogue name with
parameters, or an expression string), synapses (``dense``, ``recurrent``,
``input`` or a free ``energy`` string) or, for models published as dynamics,
directed ``couplings``; parameters carry SymPy assumptions and default values.
Every string goes through :func:`theory.parsing.parse`; nothing is eval'ed.

Example
-------
.. code-block:: toml

   name = "model_b"
   [parameters]
   beta = { value = 1.0, assumptions = ["positive"] }
   [[layers]]
   name = "v"
   size = "N_v"
   lagrangian = "quadratic"
   activation = "g"
   [[layers]]
   name = "h"
   size = "N_h"
   lagrangian = { name = "logsumexp", beta = "beta" }
   activation = "f"
   [[synapses]]
   kind = "dense"
   post = "h"
   pre = "v"
   weight = "xi"
"""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import sympy as sp

from . import lagrangians as lg
from .budget import BUDGET, attempt
from .layers import Layer, ModelError
from .model import EnergyModel
from .parsing import ParseError, parse
from .rescaling import Coupling, DirectedModel, NoEnergyError
from .synapses import Synapse, bias, dense, recurrent
from .vector import Vector, VSum, Weight, is_identifier, size_symbol, vsize

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["load", "from_dict", "builtin", "builtin_spec", "variant_spec", "builtin_names", "SpecError", "SPEC_DIR"]

SPEC_DIR = "specs"
_ASSUMPTIONS = {"positive", "nonnegative", "negative", "real", "integer", "even", "odd", "nonzero"}
_TOP = {"name", "description", "reference", "parameters", "layers", "synapses", "couplings", "weights", "inputs", "temperature"}


class SpecError(ModelError):
    """A spec that cannot be turned into a model; the message names the entry."""


def _params(spec: dict) -> tuple[dict[str, sp.Symbol], dict[str, float]]:
    syms, values = {}, {}
    for name, entry in (spec.get("parameters") or {}).items():
        if not isinstance(entry, dict):
            entry = {"value": entry}
        extra = set(entry) - {"value", "assumptions", "description"}
        if extra:
            raise SpecError(f"parameter `{name}`: unknown keys {sorted(extra)}")
        assumptions = entry.get("assumptions", ["real"])
        bad = set(assumptions) - _ASSUMPTIONS
        if bad:
            raise SpecError(f"parameter `{name}`: unknown assumptions {sorted(bad)}; allowed {sorted(_ASSUMPTIONS)}")
        if not name.isidentifier() or name.startswith("_") or not name.isascii():
            raise SpecError(f"parameter name {name!r} must be an ASCII identifier")
        syms[name] = sp.Symbol(name, **{a: True for a in assumptions})
        if "value" in entry:
            v = entry["value"]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise SpecError(f"parameter `{name}`: value must be a number; got {v!r}")
            values[name] = float(v)
    return syms, values


def _size(s: Any, where: str) -> sp.Expr:
    if isinstance(s, int) and not isinstance(s, bool) and s > 0:
        return sp.Integer(s)
    if isinstance(s, str) and s.isidentifier() and s.isascii() and not s.startswith("_"):
        return size_symbol(s)
    raise SpecError(f"{where}: size must be a positive integer or a name; got {s!r}")


def _ident(name: Any, where: str) -> str:
    """A weight or input name from a spec: an ASCII identifier (they become kernel arguments and are printed)."""
    if not is_identifier(name):
        raise SpecError(f"{where}: a name must be an ASCII identifier of at most 64 characters; got {name!r}")
    return name


def _check_derivable(F: sp.Expr, where: str) -> None:
    """Refuse an entrywise Lagrangian whose second derivative (what the energy, the dynamics and the
    certificate are built from) exceeds the symbolic budget: a clear error now instead of a hang later."""
    done, F2 = attempt(BUDGET["step_seconds"], "second derivative", sp.diff, F, lg.T, 2)
    if not done:
        raise SpecError(f"{where} lagrangian: its second derivative takes longer than the {BUDGET['step_seconds']:g} s budget "
                        "(theory.budget.set_budget(step_seconds=...) to allow more).")
    n = sp.count_ops(F2, visual=False)
    if n > BUDGET["ops"]:
        raise SpecError(f"{where} lagrangian: its second derivative has {n} operations, over the budget of {BUDGET['ops']} "
                        "(theory.budget.set_budget(ops=...) to allow more).")


def _lagrangian(entry: Any, params: dict, where: str) -> lg.Lagrangian:
    if isinstance(entry, str):
        entry = {"name": entry}
    if not isinstance(entry, dict):
        raise SpecError(f"{where}: lagrangian must be a catalogue name, a table or {{expr = ...}}; got {entry!r}")
    if "expr" in entry:
        table = dict(params)
        table["x"] = lg.X
        e = parse(entry["expr"], table, f"{where} lagrangian")
        if vsize(e) is not None:  # an entrywise expression: L = sum_i F(x_i)
            F = e.xreplace({lg.X: lg.T})
            _check_derivable(F, where)
            return lg.additive(F, entry.get("label", "custom"))
        for nd in e.atoms(VSum):  # sum(F(x)) written out: the same budget on its F
            if nd.args[0].atoms(Vector) <= {lg.X}:
                _check_derivable(nd.args[0].xreplace({lg.X: lg.T}), where)
        return lg.Lagrangian(e, entry.get("label", "custom"), "user expression")
    name = entry.get("name")
    kw = {}
    for k, v in entry.items():
        if k == "name":
            continue
        kw[k] = parse(str(v), params, f"{where} lagrangian parameter `{k}`")
    try:
        return lg.by_name(name, **kw)
    except lg.LagrangianError as exc:
        hint = ""
        if isinstance(name, str) and not is_identifier(name):  # a formula where a catalogue name goes
            hint = f" An expression in x is written as a table: lagrangian = {{ expr = {json.dumps(name)} }}."
        raise SpecError(f"{where}: {exc}{hint}") from None


def from_dict(spec: dict) -> EnergyModel:
    """Build the model a parsed spec describes (see the module docstring)."""
    if not isinstance(spec, dict):
        raise SpecError("a spec must be a table")
    unknown = set(spec) - _TOP
    if unknown:
        raise SpecError(f"unknown top-level keys {sorted(unknown)}; allowed {sorted(_TOP)}")
    name = str(spec.get("name", "model"))
    params, values = _params(spec)
    layers: list[Layer] = []
    for i, entry in enumerate(spec.get("layers") or []):
        where = f"layers[{i}]"
        if not isinstance(entry, dict) or "name" not in entry:
            raise SpecError(f"{where}: needs at least name, size and lagrangian")
        where = f"layer `{entry['name']}`"
        extra = set(entry) - {"name", "size", "lagrangian", "tau", "activation"}
        if extra:
            raise SpecError(f"{where}: unknown keys {sorted(extra)}")
        size = _size(entry.get("size"), where)
        lag = _lagrangian(entry.get("lagrangian"), params, where)
        tau = None
        if "tau" in entry:
            tname = str(entry["tau"])
            tau = params.get(tname) or parse(tname, {**params, tname: sp.Symbol(tname, positive=True)} if tname.isidentifier() else params, f"{where} tau")
        layers.append(Layer(entry["name"], size, lag, tau, entry.get("activation", "")))
    if not layers:
        raise SpecError("a spec needs at least one [[layers]] entry")
    by = {lay.name: lay for lay in layers}

    def layer(n: str, where: str) -> Layer:
        if n not in by:
            raise SpecError(f"{where}: unknown layer `{n}`; layers are {sorted(by)}")
        return by[n]

    weights_decl = spec.get("weights") or {}
    table = dict(params)
    for lay in layers:
        table[lay.activation] = lay.g
    for wname, w in weights_decl.items():
        _ident(wname, f"[weights] `{wname!r}`")
        shape = w.get("shape") if isinstance(w, dict) else None
        if not shape or len(shape) != 2:
            raise SpecError(f"weight `{wname}`: needs shape = [rows, cols]")
        table[wname] = Weight(wname, _size(shape[0], wname), _size(shape[1], wname), bool(w.get("symmetric", False)))
    couplings = spec.get("couplings") or []
    synapses_spec = spec.get("synapses") or []
    if couplings and synapses_spec:
        raise SpecError("give either [[synapses]] (an energy) or [[couplings]] (dynamics), not both")
    defaults = values
    if couplings:
        cs = []
        for i, c in enumerate(couplings):
            where = f"couplings[{i}]"
            t, s = layer(c.get("target", ""), where), layer(c.get("source", ""), where)
            wname = _ident(c.get("weight", "xi"), f"{where} weight")
            transpose = bool(c.get("transpose", False))
            shape = (s.size, t.size) if transpose else (t.size, s.size)
            W = table.get(wname) if isinstance(table.get(wname), Weight) else Weight(wname, *shape)
            table[wname] = W
            scale = parse(str(c.get("scale", "1")), {**params, **{str(z): z for z in (t.size, s.size) if z.is_Symbol}}, f"{where} scale")
            cs.append(Coupling(t.name, s.name, W, scale, transpose))
        inputs = {k: str(v) for k, v in (spec.get("inputs") or {}).items()}
        directed = DirectedModel(tuple(layers), tuple(cs), inputs, name, defaults, str(spec.get("description", "")))
        try:
            return directed.energy_model().model
        except NoEnergyError:
            raise
    syns: list[Synapse] = []
    for i, s in enumerate(synapses_spec):
        where = f"synapses[{i}]"
        if "kind" not in s:
            raise SpecError(f"{where}: give its kind (dense, recurrent, input or energy); a missing kind is not guessed")
        kind = s["kind"]
        size_table = {str(z): z for lay in layers for z in lay.size.free_symbols}
        for w in table.values():  # a declared weight's sizes (the number of context tokens L of X: [L, n]) are sizes too
            if isinstance(w, Weight):
                size_table.update({str(z): z for d in w.shape for z in sp.sympify(d).free_symbols})
        scale = parse(str(s.get("scale", "1")), {**params, **size_table}, f"{where} scale")
        if kind == "dense":
            post, pre = layer(s.get("post", ""), where), layer(s.get("pre", ""), where)
            wname = _weight_name(s, where, "xi")
            W = table.get(wname) if isinstance(table.get(wname), Weight) else wname
            syns.append(dense(post, pre, W, scale))
        elif kind == "recurrent":
            lay = layer(s.get("layer", ""), where)
            wname = _weight_name(s, where, "W")
            W = table.get(wname) if isinstance(table.get(wname), Weight) else Weight(wname, lay.size, lay.size, bool(s.get("symmetric", True)))
            syns.append(recurrent(lay, W, scale))
        elif kind == "input":
            lay = layer(s.get("layer", ""), where)
            syns.append(bias(lay, _ident(s.get("name", "I"), f"{where} name"), scale))
        elif kind == "energy":
            inputs = []
            local = dict(table)
            local.update(size_table)
            for iname, lname in (s.get("inputs") or {}).items():
                v = Vector(_ident(iname, f"{where} inputs"), layer(lname, where).size)
                local[iname] = v
                inputs.append(v)
            e = parse(s.get("expr", ""), local, f"{where} energy")
            syns.append(Synapse(scale * e, s.get("name", f"energy[{i}]"), tuple(inputs)))
        else:
            raise SpecError(f"{where}: unknown kind {kind!r}; expected dense, recurrent, input or energy")
    temperature = spec.get("temperature", "")
    if temperature:
        if temperature not in params or not params[temperature].is_positive:
            raise SpecError(f"temperature = {temperature!r} must name a declared parameter with assumptions = [\"positive\"] "
                            f"(the noise intensity of the stochastic dynamics); parameters are {sorted(params)}")
    return EnergyModel(tuple(layers), tuple(syns), name, defaults, (), str(spec.get("description", "")), temperature=temperature)


def _weight_name(entry: dict, where: str, example: str) -> str:
    """A synapse's weight name, which must be given: two synapses given one default would silently share a weight."""
    if "weight" not in entry:
        raise SpecError(f"{where}: give its weight's name (e.g. weight = \"{example}\"); a missing name is not guessed, "
                        "since two synapses given the same default would silently share one weight")
    return _ident(entry["weight"], f"{where} weight")


def load(source: str | Path) -> EnergyModel:
    """Load a model from a TOML file path or a built-in name."""
    if isinstance(source, str) and source in builtin_names():
        return builtin(source)
    if not isinstance(source, (str, os.PathLike)) or not str(source):
        raise SpecError(f"Argument `source` must be a built-in name or a TOML file path; got {type(source).__name__} {source!r}.")
    path = Path(source)
    if not path.is_file():
        raise SpecError(f"no built-in model and no file called {str(source)!r}"
                        + (" (it is a folder)" if path.is_dir() else "") + f"; built-ins: {builtin_names()}")
    if path.stat().st_size > 200_000:  # before reading it
        raise SpecError(f"spec file {path} is {path.stat().st_size} bytes; the limit is 200000")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses per nesting level
        raise SpecError(f"{path}: not a spec (arrays or tables nested too deep to read)") from None
    try:
        return from_dict(spec)
    except ParseError as exc:
        raise SpecError(f"{path}: {exc}") from None


def builtin_names() -> list[str]:
    """Names of the built-in model specs."""
    files = resources.files("theory").joinpath(SPEC_DIR).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".toml"))


_CACHE: dict[str, EnergyModel] = {}


def builtin_spec(name: str) -> dict:
    """A fresh copy of a built-in spec as a dict, to derive variants from (edit, then :func:`from_dict`)."""
    if name not in builtin_names():
        raise SpecError(f"unknown built-in model {name!r}; built-ins: {builtin_names()}")
    return tomllib.loads(resources.files("theory").joinpath(SPEC_DIR, name + ".toml").read_text(encoding="utf-8"))


def variant_spec(
    base: str,
    name: str | None = None,
    *,
    lagrangians: dict | None = None,
    parameters: dict | None = None,
    weights: dict | None = None,
    couplings: dict | None = None,
) -> dict:
    """A built-in spec with some entries replaced: the one way to derive a variant (build it with :func:`from_dict`).

    Parameters
    ----------
    base : str
        Built-in name.
    name : str, optional
        The variant's name (default ``"<base>_variant"``).
    lagrangians : dict, optional
        ``{layer: lagrangian table or name}``, e.g. ``{"h": {"name": "rectified_power", "n": "20"}}``.
    parameters, weights : dict, optional
        Entries added to (or replacing those of) the ``[parameters]`` / ``[weights]`` tables.
    couplings : dict, optional
        ``{target layer: {key: value}}`` merged into that layer's incoming coupling (directed specs),
        e.g. ``{"v": {"weight": "xi_v"}}`` for separate feedback weights.

    Examples
    --------
    >>> spec = variant_spec("model_a", "model_a_n20", lagrangians={"h": {"name": "rectified_power", "n": "20"}})
    >>> str(from_dict(spec).layer("h").lagrangian.expr)
    'sum(relu(x)**20)/20'
    """
    spec = builtin_spec(base)
    spec["name"] = name or f"{base}_variant"
    layers = {lay["name"]: lay for lay in spec.get("layers", [])}
    for lname, lag in (lagrangians or {}).items():
        if lname not in layers:
            raise SpecError(f"variant of {base!r}: no layer {lname!r}; layers are {sorted(layers)}")
        layers[lname]["lagrangian"] = lag
    for table, extra in (("parameters", parameters), ("weights", weights)):
        if extra:
            spec[table] = {**spec.get(table, {}), **extra}
    for target, edits in (couplings or {}).items():
        incoming = [c for c in spec.get("couplings", []) if c.get("target") == target]
        if len(incoming) != 1:
            raise SpecError(f"variant of {base!r}: expected one coupling into {target!r}; found {len(incoming)}")
        incoming[0].update(edits)
    return spec


def builtin(name: str) -> EnergyModel:
    """A built-in model by name (see :func:`builtin_names`)."""
    if name not in _CACHE:
        if name not in builtin_names():
            raise SpecError(f"unknown built-in model {name!r}; built-ins: {builtin_names()}")
        text = resources.files("theory").joinpath(SPEC_DIR, name + ".toml").read_text(encoding="utf-8")
        _CACHE[name] = from_dict(tomllib.loads(text))
    return _CACHE[name]


def spec_text(name: str) -> str:
    """The TOML text of a built-in model."""
    return resources.files("theory").joinpath(SPEC_DIR, name + ".toml").read_text(encoding="utf-8")
