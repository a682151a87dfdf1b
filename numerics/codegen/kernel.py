r"""The symbolic -> numeric handoff: :func:`compile` an energy model into a :class:`Kernel`.

How it works
------------
Every vector of the model becomes an array argument whose *last* axis is the
neuron axis (batch axes first); weights are 2-D arrays; scalar parameters and
sizes are passed as 0-d arrays of the working dtype, so float32 stays float32.
The expressions from :mod:`theory` (energy, right-hand sides, activations,
gradients, one-step updates) are printed by ``sympy.lambdify`` with
``cse=True`` after :func:`numerics.codegen.stable.stabilize` has rewritten the shapes
that cancel or overflow in floating point (``1 - tanh**2``, Legendre terms, a
user's ``log(cosh(x))``) into stable nodes, and :func:`numerics.codegen.sharing.share_passes` has paired the nodes
of one layer that share work (a sigmoid with its Legendre term, a softmax with its entropy), so that each pair is
computed in one pass, and, where the backend runs node by node, :func:`numerics.codegen.sharing.fuse_row_dots` has
turned sums of products of two vectors into row dots; the vector-level nodes (``MatVec``,
``VSum``, ``Softmax``, ...) resolve to the array implementations of
:mod:`numerics.codegen.backends`.  No Python
loop runs over neurons or memories and no ``batch x K x N`` array is formed.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from theory.calculus import grad
from theory.marginalize import Reduction
from theory.model import EnergyModel
from theory.vector import LogSumExp, MatTVec, MatVec, Ones, RowSumSq, Softmax, Vector, VSum, Weight, parameters, vsize

from .._checks import as_scalar
from .backends import Backend, get_backend
from .backends.numpy_backend import vecdot as _vecdot
from .sharing import collect_linear_products, fuse_row_dots, share_passes
from .stable import stabilize

__all__ = ["compile", "Kernel", "ExpressionKernel", "ArgSpec", "KernelInputError"]


class KernelInputError(ValueError):
    """An array passed to a kernel has the wrong shape, dtype or values."""


@dataclass(frozen=True)
class ArgSpec:
    """One kernel argument: its name, kind and shape (in size symbols)."""

    name: str
    kind: str  # "state", "input", "weight", "parameter"
    shape: tuple
    default: float | None = None
    symmetric: bool = False
    #: declared assumptions of a parameter ("positive", "nonnegative", "integer"), enforced on every call
    assumptions: tuple = ()

    def scalar(self, value: Any) -> float:
        """A parameter value checked against its declared assumptions (one error naming the argument)."""
        try:
            return as_scalar(self.name, value, **{a: True for a in self.assumptions})
        except ValueError as exc:
            raise KernelInputError(str(exc)) from None

    def describe(self) -> str:
        shp = "(..., " + ", ".join(map(str, self.shape)) + ")" if self.kind in ("state", "input") else str(tuple(map(str, self.shape)))
        if self.kind == "parameter":
            shp = "scalar" + "".join(f", {a}" for a in self.assumptions) + (f", default {self.default}" if self.default is not None else "")
        return f"{self.name}: {self.kind} {shp}" + (" symmetric" if self.symmetric else "")


def _coeff_isneg(term) -> bool:
    from sympy.core.function import _coeff_isneg as isneg

    return bool(isneg(term))


class _KernelPrinter(NumPyPrinter):
    """NumPy printer with the step function as one ``heaviside`` call (not a ``select``)."""

    def _print_besseli(self, expr):
        raise NotImplementedError(
            f"compile: {expr} has no stable array form; the modified Bessel function compiles inside log(besseli(0, u)) and "
            "besseli(1, u)/besseli(0, u) (numerics.codegen.stable), where it cannot overflow")

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return f"numpy.heaviside({self._print(expr.args[0])}, {self._print(h0)})"

    def _as_ordered_terms(self, expr, order=None):
        """A sum opens with a term that has no leading minus where it has one: ``drive - x``, not ``-x + drive``,
        which on NumPy allocates and fills ``-x`` before the addition (one array pass per such sum)."""
        terms = list(super()._as_ordered_terms(expr, order=order))
        if terms and _coeff_isneg(terms[0]):
            first = next((i for i, t in enumerate(terms) if not _coeff_isneg(t)), None)
            if first is not None:
                terms.insert(0, terms.pop(first))
        return terms

    def _print_Pow(self, expr, rational=False):
        """Small integer powers of a symbol as squarings and products: ``numpy.power`` with an integer exponent
        costs about 20x a multiplication per element (only ``**2`` has a fast path), which made every
        polynomial Lagrangian (``x^n``, user polynomials) slow; the products are within ``e - 1`` roundings."""
        b, e = expr.args
        if e.is_Integer and 3 <= abs(int(e)) <= 16 and (b.is_Symbol or b.is_Atom):
            base = self._print(b)

            def chain(k: int) -> str:
                if k == 1:
                    return base
                if k % 2 == 0:
                    return f"({chain(k // 2)})**2"
                return f"{chain(k - 1)}*{base}"

            out = f"({chain(abs(int(e)))})"
            return out if e > 0 else f"(1/{out})"
        return super()._print_Pow(expr, rational=rational)


_INERT = {c: sp.Function(c.__name__) for c in (MatVec, MatTVec, VSum, LogSumExp, Softmax, Ones, RowSumSq)}


_FUSED_SOFTMAX = sp.Function("SoftmaxMatVec")
_FUSED_LSE = sp.Function("LogSumExpMatVec")
_FUSED_ATTENTION = sp.Function("AttentionMatVec")


def _count_matvecs(exprs) -> dict:
    counts: dict = {}
    stack = list(exprs)
    while stack:
        t = stack.pop()
        if isinstance(t, MatVec):
            counts[t] = counts.get(t, 0) + 1
        stack.extend(t.args)
    return counts


def _printable(e: sp.Expr, single_use: frozenset = frozenset()) -> sp.Expr:
    """Vectors/weights -> plain symbols and vector nodes -> inert functions of the same name.

    The inert copies have no ``eval``, so common-subexpression elimination can
    rebuild them with symbols inside; the names resolve to the backend's array
    implementations.
    """
    if isinstance(e, (Vector, Weight)):
        return sp.Symbol(e.name)
    if not e.args:
        return e
    if (isinstance(e, MatTVec) and isinstance(e.args[1], Softmax) and isinstance(e.args[1].args[0], MatVec)
            and e.args[1].args[0] in single_use and e.args[1].args[0].args[0] == e.args[0]):
        # W^T softmax(beta W a) with W a used nowhere else: one node, chunked over the memory axis under a memory budget
        W, a = e.args[1].args[0].args
        return _FUSED_ATTENTION(_printable(W), _printable(a, single_use), _printable(e.args[1].args[1], single_use))
    if isinstance(e, (Softmax, LogSumExp)) and isinstance(e.args[0], MatVec) and e.args[0] in single_use:
        # a product used only here becomes the node's private temporary: one batch x M array, worked in place
        W, a = e.args[0].args
        fused = _FUSED_SOFTMAX if isinstance(e, Softmax) else _FUSED_LSE
        return fused(_printable(W), _printable(a, single_use), _printable(e.args[1], single_use))
    args = [_printable(a, single_use) for a in e.args]
    if type(e) in _INERT:
        return _INERT[type(e)](*args)
    return e.func(*args)


def _zero_delta_terms(e: sp.Expr) -> sp.Expr:
    """Every product ``DiracDelta(u) * rest`` whose value has ``u``'s shape becomes ``DiracDelta(u)`` alone.

    Kernels take derivatives of steps almost everywhere: ``DiracDelta`` prints as zeros. A product with it is zero as
    well, but evaluated it is ``0 * rest``, NaN where ``rest`` overflows (the gradient of a sign layer through an
    exponential memory at fields past ~710 was NaN where it is exactly 0). Dropping ``rest`` keeps the zero (and skips
    computing ``rest``); a product of another shape (rare: a reduction inside) is left as it is."""
    def zero(t):
        deltas = [f for f in t.args if isinstance(f, sp.DiracDelta)]
        if not deltas:
            return t
        try:
            if vsize(t) != vsize(deltas[0].args[0]):
                return t
        except Exception:  # noqa: BLE001 - a shape the vector calculus cannot name: keep the product
            return t
        return deltas[0]

    return e.replace(lambda t: isinstance(t, sp.Mul) and t.has(sp.DiracDelta), zero)


def _scaled_norms(e: sp.Expr, states) -> tuple[sp.Expr, dict]:
    """A state ``x`` whose Euclidean norm appears (``VSum(x**2)**q``, q not a whole number) is written as ``S u`` with
    ``S = max_i |x_i|`` (per row) and ``u = x / S``, the powers of ``S`` collected: every intermediate is then O(1) in
    ``u`` and the scale enters once, as ``S**d``, so a norm-based model (``x/||x||``, scale invariant) computes the same
    values for ``|x|`` from 1e-300 to 1e300 (``x . x`` overflows past 1e154 and underflows below 1e-162; issue 33,
    item 4). Returns the rewritten expression and the map that prints ``u`` and ``S`` from ``x``."""
    out: dict = {}
    for x in states:
        norms = [t for t in e.atoms(sp.Pow) if isinstance(t.base, VSum) and t.base.args[0] == x**2 and not t.exp.is_integer]
        if not norms:
            continue
        S = sp.Symbol(f"_scale_{x.name}", positive=True)
        U = Vector(f"_unit_{x.name}", x.size)
        scaled = sp.powsimp(sp.expand_power_base(e.xreplace({x: S * U}), force=True), force=True)
        if scaled.has(x):
            continue
        e = scaled
        X = sp.Symbol(x.name)
        out[sp.Symbol(U.name)] = sp.Function("ScaledUnit")(X)  # opaque: SymPy must not expand (x/S)**2 into x**2/S**2
        out[S] = sp.Function("MaxAbsScale")(X)
    return e, out


def _numeric_constants(e: sp.Expr) -> sp.Expr:
    """Replace irrational numeric constants (sqrt(2), pi) by floats so printing keeps dtypes."""
    return e.replace(
        lambda t: isinstance(t, sp.Expr) and t.is_number and not t.is_Rational and t.is_real is True and not t.is_Float,
        lambda t: t.evalf(17),  # sp.Float(sqrt(10), 17) raises: Float does not evaluate expressions
    )


@dataclass(frozen=True, eq=False)
class Kernel:
    """Compiled numeric functions of one energy model.

    Call the methods with keyword arrays (or positionally in :attr:`arg_names`
    order).  States have shape ``(..., N_layer)``; weights their declared
    shape; parameters are scalars with defaults from the model.

    Methods
    -------
    energy(**arrays) -> (...,)
    rhs(**arrays) -> {layer: tau dx/dt}
    velocity(**arrays) -> {layer: dx/dt}
    activations(**arrays) -> {layer: g}
    energy_grad(**arrays) -> {layer: dE/dx}
    update(**arrays) -> {layer: x + tau dx/dt}   (Euler step with dt = tau)
    step(dt, **arrays) -> {layer: x + dt dx/dt}
    """

    model: EnergyModel
    backend: Backend
    args: tuple
    _functions: dict = field(repr=False)
    _sources: dict = field(repr=False)
    _exprs: dict = field(repr=False)
    #: memoisation only: plans, validated signatures and converted scalars, each a pure function of its key (shapes,
    #: dtypes, parameter values), so threads sharing a kernel through the compile cache can at worst compute one twice.
    #: Nothing of a single call lives here.
    _memo: dict = field(default_factory=dict, repr=False)

    @cached_property
    def arg_names(self) -> tuple[str, ...]:
        """Argument order of every generated function."""
        return tuple(a.name for a in self.args)

    @property
    def signature(self) -> str:
        """Argument order and shapes, one per line."""
        return "\n".join(a.describe() for a in self.args)

    @cached_property
    def layer_names(self) -> tuple[str, ...]:
        return self.model.layer_names

    def source(self, which: str | None = None) -> str:
        """Generated Python source (all functions, or the one named ``which``)."""
        names = [which] if which else list(self._sources)
        for n in names:
            if n not in self._sources:
                raise KeyError(f"Argument `which` must be one of {list(self._sources)}; got {n!r}.")
        return "\n\n".join(f"# --- {n}\n{self._sources[n]}" for n in names)

    def sympy(self, which: str) -> Any:
        """The SymPy expression(s) behind a generated function (round trip)."""
        return self._exprs[which]

    # ------------------------------------------------------------ calling
    def _fast_prepare(self, kw: dict, check: bool = False) -> tuple | None:
        """Keyword NumPy arrays and plain-number parameters: the arguments of a signature seen before (shapes,
        dtypes, parameter values, ``check``) are assembled from its cached plan, without the general path's
        per-argument branching. A checked call still scans every array's values (finiteness, symmetry) on every
        call; what the plan saves is what depends on the signature alone (shapes validated, parameter values checked
        against their assumptions and converted). ``None`` sends the call to the general path (which also builds the
        plan)."""
        plans = self._memo.get("fast")
        if not plans or not kw.keys() <= self._arg_set:
            return None
        key, vals = [check], []
        for a in self.args:
            v = kw.get(a.name, a.default) if a.kind == "parameter" else kw.get(a.name)
            if a.kind == "parameter":
                if type(v) not in (int, float):
                    return None
                key.append(v)
            else:
                if type(v) is not np.ndarray:
                    return None
                key.append((v.shape, v.dtype))
                vals.append(v)
        plan = plans.get(tuple(key))
        if plan is None:
            return None
        if check:
            for a in self._array_args:
                _check_values(a, kw[a.name])
        template, batched, dtype = plan
        out, it = [], iter(vals)
        for item in template:  # an array slot (reshape a single state to a batch of one), or a converted scalar/size
            if item is None:
                out.append(next(it))
            elif item is True:
                out.append(next(it)[None, :])
            else:
                out.append(item)
        return out, batched, dtype

    @cached_property
    def _arg_set(self) -> frozenset:
        return frozenset(self.arg_names)

    @cached_property
    def _array_args(self) -> tuple:
        return tuple(a for a in self.args if a.kind != "parameter")

    def _remember_fast(self, kw: dict, out: list, batched: bool, dtype, check: bool = False) -> None:
        """Store the plan of a keyword call (see :meth:`_fast_prepare`)."""
        key, template = [check], []
        for a, o in zip(self.args, out, strict=False):
            v = kw.get(a.name, a.default) if a.kind == "parameter" else kw.get(a.name)
            if a.kind == "parameter":
                if type(v) not in (int, float):
                    return
                key.append(v)
                template.append(o)
            else:
                if type(v) is not np.ndarray or o.dtype != v.dtype:
                    return  # converted (integer input): the general path does that
                key.append((v.shape, v.dtype))
                template.append(True if (o.ndim == v.ndim + 1) else None)
        template += out[len(self.args):]  # the size arrays
        plans = self._memo.setdefault("fast", {})
        if len(plans) < 64:
            plans[tuple(key)] = (template, batched, dtype)

    def _prepare(self, pos: tuple, kw: dict, check: bool) -> tuple[list, bool, Any]:
        """The generated function's arguments (validated when ``check``)."""
        if not pos and self.backend.name == "numpy":
            fast = self._fast_prepare(kw, check)
            if fast is not None:
                return fast
            res = self._prepare_general(pos, kw, check)
            self._remember_fast(kw, *res, check=check)
            return res
        return self._prepare_general(pos, kw, check)

    def _prepare_general(self, pos: tuple, kw: dict, check: bool) -> tuple[list, bool, Any]:
        if len(pos) > len(self.args):
            raise TypeError(f"kernel takes at most {len(self.args)} positional arrays ({self.arg_names}); got {len(pos)}.")
        values = dict(zip(self.arg_names, pos, strict=False))
        for k, v in kw.items():
            if k not in self.arg_names:
                raise TypeError(f"Unknown argument `{k}`; the kernel takes {list(self.arg_names)}.")
            if k in values:
                raise TypeError(f"Argument `{k}` given twice.")
            values[k] = v
        xp = self.backend
        arrays: dict[str, Any] = {}
        for a in self.args:
            if a.kind == "parameter":
                continue
            if a.name not in values:
                raise TypeError(f"Missing argument `{a.name}` ({a.describe()}).")
            arr = values[a.name]
            if self.backend.name == "numpy" or not (_is_tensor(arr) or hasattr(arr, "shape")):
                arr = np.asarray(arr)
            arrays[a.name] = arr
        # shapes and dtypes are validated once per signature (the same shapes give the same verdict and sizes);
        # the values -- finiteness, symmetry -- are checked on every call
        sig = (check, tuple((n, type(x), getattr(x, "shape", None), getattr(x, "dtype", None)) for n, x in arrays.items()))
        cache = self._memo.setdefault("signatures", {})
        hit = cache.get(sig)
        if hit is None:
            sizes: dict[str, int] = {}
            batch_shapes: list = []
            names = []
            for a in self.args:
                if a.kind == "parameter":
                    continue
                arr = arrays[a.name]
                names.append(a.name)
                if check:
                    _check_shape(a, arr, sizes, batch_shapes)
                else:
                    for ax, sz in zip(range(-len(a.shape), 0), a.shape, strict=True):
                        if isinstance(sz, sp.Symbol):
                            sizes.setdefault(sz.name, arr.shape[ax])
                    batch_shapes.append(arr.shape[: arr.ndim - (2 if a.kind == "weight" else 1)])
            if check:
                _check_batches(batch_shapes, names)
            floats = [arrays[a.name].dtype for a in self.args if a.kind != "parameter"]
            dtype = np.result_type(*[_np_dtype(d) if np.issubdtype(_np_dtype(d), np.floating) else np.float64 for d in floats]) if floats else np.float64
            hit = (sizes, any(len(b) for b in batch_shapes), dtype)
            if len(cache) < 64:
                cache[sig] = hit
        sizes, batched, dtype = hit[:3]
        if check:
            for a in self.args:
                if a.kind != "parameter":
                    _check_values(a, arrays[a.name])
        # torch tensors stay where they are (CPU or GPU); scalars follow them there
        device = next((arrays[n].device for n in arrays if _is_tensor(arrays[n])), None)
        scalars = self._memo.setdefault("scalars", {})
        out = []
        for a in self.args:
            if a.kind == "parameter":
                val = values.get(a.name, a.default)
                if val is None:
                    raise TypeError(f"Missing parameter `{a.name}` (no default in the model).")
                # a plain number already checked against the parameter's assumptions is reused as it was converted
                key = (a.name, type(val), val, dtype, check) if device is None and isinstance(val, (int, float)) else None
                conv = scalars.get(key) if key is not None else None
                if conv is None:
                    conv = _on_device(xp.asarray(np.asarray(a.scalar(val) if check else float(val), dtype=dtype)), device)
                    if key is not None and len(scalars) < 256:
                        scalars[key] = conv
                out.append(conv)
            else:
                arr = arrays[a.name]
                if _dtype_kind(arr) in "iub":
                    arr = arr.to(getattr(_torch(), np.dtype(dtype).name)) if _is_tensor(arr) else arr.astype(dtype)
                if a.kind in ("state", "input") and arr.ndim == 1:
                    arr = arr[None, :]
                out.append(arr if _is_native(arr, self.backend.name) else xp.asarray(arr))
        size_arrays = hit[3] if len(hit) > 3 and device is None else None
        if size_arrays is None:
            for s in self._size_symbols:
                if s.name not in sizes:
                    raise TypeError(f"size {s} cannot be inferred from the arrays given")
            if self.backend.name == "jax":  # static arguments of the jitted function: plain, hashable ints
                size_arrays = [int(sizes[s.name]) for s in self._size_symbols]
            else:
                size_arrays = [_on_device(xp.asarray(np.asarray(sizes[s.name], dtype=dtype)), device) for s in self._size_symbols]
            if device is None and sig in cache:
                cache[sig] = (*hit[:3], size_arrays)
        out.extend(size_arrays)
        return out, batched, dtype

    @cached_property
    def _size_symbols(self) -> tuple:
        return tuple(self.model.sizes)

    def _run(self, name: str, pos, kw, check=True):
        with self.backend.scope():  # JAX: double precision for this call only (the process setting is not touched)
            return self._run_in_scope(name, pos, kw, check)

    def _run_in_scope(self, name: str, pos, kw, check=True):
        args, batched, _ = self._prepare(pos, kw, check)
        if check:  # an overflow shows in the result (inf, or NaN, which is checked below): one error instead of warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                res = self._functions[name](*args)
        else:
            res = self._functions[name](*args)
        keep = self.backend.name == "torch" and any(_is_tensor(a) for a in (*pos, *kw.values()))
        to_np = self.backend.to_numpy if self.backend.name != "numpy" and not keep else (lambda a: a)

        def fix(r, vec, n=None):
            r = to_np(r)
            if vec and n is not None and (getattr(r, "ndim", 0) < 2 or r.shape[-1] != n):
                shape = (*tuple(args[0].shape)[:-1], n)
                r = r.expand(*shape).clone() if _is_tensor(r) else np.broadcast_to(r, shape).copy()
            if not vec:
                r = r[..., 0] if getattr(r, "ndim", 0) else r
                return r if batched else (r[0] if getattr(r, "ndim", 0) else r)
            return r if batched else r[0]

        if name == "energy":
            out = fix(res, False)
        elif name == "lagrangian":
            out = {k: fix(r, False) for k, r in zip(self.layer_names, res, strict=True)}
        else:
            ns = [int(np.shape(a)[-1]) for a in args[: len(self.layer_names)]]
            out = {k: fix(r, True, n) for k, r, n in zip(self.layer_names, res, ns, strict=True)}
        if check:
            self._check_finite_result(name, out, pos, kw)
        return out

    def _check_finite_result(self, name: str, out, pos, kw) -> None:
        """Every input was finite (checked before the call), so a NaN in the result is an overflow that went on into
        ``inf - inf`` or ``0 * inf``: one error naming the function, the layer and the largest input, never a silent
        NaN. An inf is kept: it is the value where the true one is infinite (``-log 0``) or beyond the float range."""
        items = out.items() if isinstance(out, dict) else [("", out)]
        for layer, r in items:
            nan = bool(r.isnan().any()) if _is_tensor(r) else bool(np.isnan(np.asarray(r)).any())
            if not nan:
                continue
            given = {**dict(zip(self.arg_names, pos)), **kw}
            mags = {}
            for a in self.args:
                v = given.get(a.name)
                if v is None or a.kind == "size":
                    continue
                arr = v.detach().cpu().numpy() if _is_tensor(v) else np.asarray(v)
                if arr.dtype.kind in "fiu" and arr.size:
                    mags[a.name] = float(np.max(np.abs(arr)))
            big = max(mags, key=mags.get) if mags else "?"
            where = f" of layer `{layer}`" if layer else ""
            raise KernelInputError(f"`{name}`{where} is NaN although every input is finite: an intermediate overflowed the "
                                   f"floating-point range (inf - inf or 0 * inf); the largest input is `{big}` = "
                                   f"{mags.get(big, float('nan')):.3g}. Rescale the inputs (or use float64).")

    def fast(self, which: str, dtype=np.float64, **fixed) -> Any:
        """The raw generated function ``which`` with everything but the states bound (no validation).

        For hot loops (e.g. one call per neuron in an asynchronous sweep): call it with the
        layer states as batched arrays in :attr:`layer_names` order; it returns what the
        generated code returns (reductions keep a trailing axis of size 1).  Sizes are taken
        from ``fixed`` weights or given as ``sizes={"N": ...}``.  The bound weights are checked
        once (finite; symmetric where the energy needs it), the states never.

        On the JAX backend the result is one ``jax.jit``-ed function of the states, with the
        bound weights and parameters as compile-time constants (as HAMUX's jitted model methods
        close over their weights); it returns JAX arrays.  On torch the bound arrays become CPU
        tensors once; it takes and returns tensors.
        """
        if which not in self._functions:
            raise KeyError(f"Argument `which` must be one of {list(self._functions)}; got {which!r}.")
        unknown = sorted(set(fixed) - set(self.arg_names) - {"sizes"})
        if unknown:  # a misspelt parameter would otherwise run silently at its default
            raise TypeError(f"Unknown argument(s) {unknown}; the kernel takes {list(self.arg_names)} (and `sizes`).")
        states = sorted(set(fixed) & {a.name for a in self.args if a.kind == "state"})
        if states:
            raise TypeError(f"Argument(s) {states} are states: pass them to the returned function, not to `fast`.")
        sizes = dict(fixed.pop("sizes", {}))
        bound = []
        for a in self.args:
            if a.kind == "state":
                bound.append(None)
                continue
            if a.kind == "parameter":
                val = fixed.get(a.name, a.default)
                if val is None:
                    raise TypeError(f"Missing parameter `{a.name}`.")
                bound.append(np.asarray(a.scalar(val), dtype=dtype))
                continue
            if a.name not in fixed:
                raise TypeError(f"Missing argument `{a.name}` ({a.describe()}).")
            arr = np.asarray(fixed[a.name])
            for ax, sz in zip(range(-len(a.shape), 0), a.shape, strict=True):
                if isinstance(sz, sp.Symbol):
                    sizes.setdefault(sz.name, arr.shape[ax])
            _check_values(a, arr)  # once, when bound: finite, and symmetric where the energy needs it
            bound.append(arr)
        as_size = int if self.backend.name == "jax" else (lambda n: np.asarray(n, dtype=dtype))
        size_vals = [as_size(sizes[s.name]) if s.name in sizes else None for s in self._size_symbols]
        f = self._functions[which]
        state_pos = [i for i, a in enumerate(self.args) if a.kind == "state"]

        def call(*states):
            args = list(bound)
            for i, x in zip(state_pos, states, strict=True):
                args[i] = x
            sv = [v if v is not None else as_size(states[0].shape[-1]) for v in size_vals]
            return f(*args, *sv)

        if self.backend.name == "torch":  # CPU tensors, made once; the states bring their own device
            bound = [None if b is None else self.backend.asarray(b) for b in bound]
        if self.backend.name == "jax":
            # one XLA program of the states alone: the bound weights and parameters are compile-time constants
            # (XLA packs them for the matrix products once, as a model object closed over by jax.jit would be)
            import jax

            wide = np.dtype(dtype).itemsize > 4  # float64: bound, traced and run in JAX's scoped double precision
            with self.backend.scope() if wide else contextlib.nullcontext():
                bound = [None if b is None else jax.numpy.asarray(b) for b in bound]
            f = getattr(f, "__wrapped__", f)  # the generated code itself: a nested jit would hide the constants from XLA
            jitted = jax.jit(call)
            if not wide:
                return jitted
            scope = self.backend.scope

            def call_x64(*states):
                with scope():
                    return jitted(*states)

            return call_x64

        return call

    def energy(self, *arrays, check: bool = True, **kw) -> Any:
        """Energy, shape ``batch``."""
        return self._run("energy", arrays, kw, check)

    def rhs(self, *arrays, check: bool = True, **kw) -> dict:
        """``tau_l dx_l/dt`` per layer."""
        return self._run("rhs", arrays, kw, check)

    def velocity(self, *arrays, check: bool = True, **kw) -> dict:
        """``dx_l/dt`` per layer."""
        return self._run("velocity", arrays, kw, check)

    def activations(self, *arrays, check: bool = True, **kw) -> dict:
        """``g_l(x_l)`` per layer."""
        return self._run("activations", arrays, kw, check)

    def energy_grad(self, *arrays, check: bool = True, **kw) -> dict:
        """``dE/dx_l`` per layer."""
        return self._run("energy_grad", arrays, kw, check)

    def lagrangian(self, *arrays, check: bool = True, **kw) -> dict:
        """``L_l(x_l)`` per layer, shape batch."""
        return self._run("lagrangian", arrays, kw, check)

    def entrywise(self, *arrays, check: bool = True, **kw) -> dict:
        """``F(x_l)`` elementwise for additive layers (``L = sum F(x_i)``); see :attr:`additive`."""
        out = self._run("entrywise", arrays, kw, check)
        return {k: v for k, v in out.items() if k in self.additive}

    @property
    def additive(self) -> tuple[str, ...]:
        """Layers whose Lagrangian is additive, ``sum_i F(x_i)``."""
        return tuple(lay.name for lay in self.model.layers if lay.entrywise is not None)

    def update(self, *arrays, check: bool = True, **kw) -> dict:
        """One Euler step with ``dt = tau_l``: ``x_l <- -dE_syn/dg_l`` (derived, not computed as x + rhs; on a periodic
        layer, which has no leak, ``theta <- theta - dE/dtheta``)."""
        return self._run("update", arrays, kw, check)

    def step(self, dt: float, *arrays, check: bool = True, **kw) -> dict:
        """One explicit Euler step ``x + dt * dx/dt``."""
        vel = self.velocity(*arrays, check=check, **kw)
        values = dict(zip(self.arg_names, arrays, strict=False)) | kw
        return {k: values[k] + dt * vel[k] for k in self.layer_names}

    def __repr__(self) -> str:
        return f"Kernel({self.model.name!r}, backend={self.backend.name!r}, args={list(self.arg_names)})"


def declared_assumptions(p: sp.Symbol) -> tuple[str, ...]:
    """The assumptions a parameter symbol declares, as :func:`numerics._checks.as_scalar` keywords."""
    found = tuple(a for a in ("positive", "nonnegative", "integer") if getattr(p, f"is_{a}") is True)
    return tuple(a for a in found if not (a == "nonnegative" and "positive" in found))


def _is_native(a: Any, backend: str) -> bool:
    """Already the backend's own array type (no conversion needed): NumPy arrays for numpy, jax.Array for jax."""
    mod = type(a).__module__
    return (backend == "numpy" and isinstance(a, np.ndarray)) or (backend == "jax" and mod.startswith("jax"))


def _is_tensor(a: Any) -> bool:
    return type(a).__module__.startswith("torch") and hasattr(a, "detach")


def _torch():
    import torch

    return torch


def _dtype_kind(arr: Any) -> str:
    """numpy's dtype kind letter, also for torch tensors (``torch.float32`` -> ``f``)."""
    if isinstance(arr, np.ndarray):
        return arr.dtype.kind
    if isinstance(getattr(arr, "dtype", None), np.dtype):  # JAX arrays carry NumPy dtypes: no slicing or copy
        return arr.dtype.kind
    if _is_tensor(arr):
        t = _torch()
        if arr.dtype.is_complex:
            return "c"
        if arr.dtype.is_floating_point:
            return "f"
        return "b" if arr.dtype == t.bool else "i"
    return np.asarray(arr[:0] if getattr(arr, "ndim", 0) else arr).dtype.kind


def _np_dtype(d: Any) -> np.dtype:
    """A numpy dtype for a numpy, JAX or torch dtype (``torch.float32`` -> ``float32``)."""
    if isinstance(d, np.dtype):
        return d
    return np.dtype(str(d).replace("torch.", "")) if "torch" in str(d) else np.dtype(d)


def _on_device(x: Any, device: Any) -> Any:
    return x.to(device) if device is not None and _is_tensor(x) else x


_ZEROS_ROW = 1024
_ZEROS: dict = {}
#: below this many entries ``np.isfinite(A).all()`` is the cheaper scan (one short pass and a small boolean
#: temporary against the row dots' fixed cost); above it, the row dots (no temporary of A's size)
_SCAN_DOT_MIN = 1 << 17


def _all_finite(A: np.ndarray) -> bool:
    """Whether a float array holds no NaN or inf, in one pass without a temporary of its size.

    Notes
    -----
    A C-contiguous array is read as rows of 1024 and dotted with a row of zeros (the backends' row dot, ``vecdot``):
    ``x * 0`` is 0 for every finite ``x`` and NaN for NaN and +-inf, so the sum of the row dots is 0 or NaN, and
    nothing overflows (``A.sum()`` overflows for large finite entries and then pays the full scan). Other layouts
    take the sum (an overflow there only costs the caller's full scan); arrays below ``_SCAN_DOT_MIN`` entries are
    tested entry by entry (``isfinite``), which costs less there than the row dots' fixed cost.
    """
    if A.size < _SCAN_DOT_MIN:
        return bool(np.isfinite(A).all())
    if A.dtype.kind != "f" or not A.flags.c_contiguous:
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(np.isfinite(A.sum()))
    z = _ZEROS.get(A.dtype)
    if z is None:
        z = _ZEROS[A.dtype] = np.zeros(_ZEROS_ROW, A.dtype)
    flat = A.reshape(-1)
    k = flat.size // _ZEROS_ROW
    with np.errstate(invalid="ignore"):
        s = _vecdot(flat[: k * _ZEROS_ROW].reshape(k, _ZEROS_ROW), z).sum() + _vecdot(flat[k * _ZEROS_ROW:], z[: flat.size - k * _ZEROS_ROW])
    return bool(s == 0)


def _require_finite(name: str, arr: Any) -> None:
    if _is_tensor(arr):
        t = _torch()
        if not bool(t.isfinite(arr).all()):
            idx = tuple(int(i) for i in t.nonzero(~t.isfinite(arr))[0])
            raise KernelInputError(f"Argument `{name}` must be finite; got {float(arr[idx])} at index {idx}.")
        return
    A = np.asarray(arr)
    if not _all_finite(A):  # one pass, no temporary; the full scan only on failure
        bad = np.argwhere(~np.isfinite(A))
        if len(bad):
            idx = tuple(int(i) for i in bad[0])
            raise KernelInputError(f"Argument `{name}` must be finite; got {A[idx]} at index {idx}.")


def _check_shape(a: ArgSpec, arr: Any, sizes: dict, batch_shapes: list) -> None:
    """Type, dtype and shape of one array argument; fills the sizes it fixes and its batch shape."""
    nd = len(a.shape)
    if not hasattr(arr, "shape") or not hasattr(arr, "dtype"):
        raise KernelInputError(f"Argument `{a.name}` must be an array; got {type(arr).__name__}.")
    kind = _dtype_kind(arr)
    if kind not in "fiub":
        raise KernelInputError(f"Argument `{a.name}` must hold real numbers; got dtype {arr.dtype}.")
    if a.kind == "weight":
        if arr.ndim < 2:
            raise KernelInputError(f"Argument `{a.name}` must have shape {tuple(map(str, a.shape))} (or (batch..., "
                                   f"{', '.join(map(str, a.shape))}), one weight set per sample); got shape {tuple(arr.shape)}.")
    elif arr.ndim < 1:
        raise KernelInputError(f"Argument `{a.name}` must have shape (..., {a.shape[0]}); got a scalar.")
    for ax, s in zip(range(-nd, 0), a.shape, strict=True):
        got = arr.shape[ax]
        key = s.name if isinstance(s, sp.Symbol) else None
        if key is None:
            if int(s) != got:
                raise KernelInputError(f"Argument `{a.name}` must have size {s} on axis {ax}; got shape {tuple(arr.shape)}.")
        elif key in sizes and sizes[key] != got:
            raise KernelInputError(
                f"Argument `{a.name}` has shape {tuple(arr.shape)}, so {key} = {got}, but argument `{sizes.get('@' + key, '?')}` "
                f"set {key} = {sizes[key]}."
            )
        else:
            sizes[key] = got
            sizes.setdefault("@" + key, a.name)
    batch_shapes.append(tuple(arr.shape[: arr.ndim - (2 if a.kind == "weight" else 1)]))


def _check_batches(batch_shapes: list, names: list) -> None:
    """The leading (batch) axes of the states and of per-sample weights must broadcast together."""
    try:
        np.broadcast_shapes(*batch_shapes)
    except ValueError:
        got = ", ".join(f"`{n}`: {b}" for n, b in zip(names, batch_shapes, strict=True) if b)
        raise KernelInputError(f"the batch axes of the arguments do not broadcast together ({got}): a weight with leading axes "
                               "holds one weight set per sample, and those axes must match the states' batch axes") from None


def _check_values(a: ArgSpec, arr: Any) -> None:
    """Finiteness of every float array, on every checked call, and the symmetry a weight declares.

    Every array is scanned up front, large ones too (one pass without a temporary, :func:`_all_finite`): checking a
    large array through the outputs instead let an inf through wherever a saturating layer (tanh, sigmoid, softmax,
    step, ReLU) maps it to a finite value (issue 33, item 6)."""
    if _dtype_kind(arr) == "f":
        _require_finite(a.name, arr)
    if a.symmetric and arr.shape[-2] == arr.shape[-1]:
        A = arr.detach().cpu().numpy() if _is_tensor(arr) else np.asarray(arr)
        At = np.swapaxes(A, -1, -2)
        if not np.allclose(A, At, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(A).max(initial=0.0)))):
            raise KernelInputError(f"Argument `{a.name}` must be symmetric (the energy needs W = W^T); max |W - W^T| = {np.abs(A - At).max():.3g}.")


def _check_array(a: ArgSpec, arr: Any, sizes: dict, batch_shapes: list) -> Any:
    """Shape and values of one array argument (both checks; used where no signature cache applies)."""
    _check_shape(a, arr, sizes, batch_shapes)
    _check_values(a, arr)
    return arr


def compile(  # noqa: A001 - the handoff is called compile, as the style guide asks
    model: EnergyModel | Reduction,
    backend: str = "numpy",
    cse: bool = True,
) -> Kernel:
    """Compile an energy model (or an effective model) into numeric kernels.

    Parameters
    ----------
    model : EnergyModel, Reduction or sympy.Expr (or a list of them)
        The model; a :class:`~theory.marginalize.Reduction` compiles its effective model; a bare
        expression of vectors, weights and parameters gives an :class:`ExpressionKernel`.
    backend : {"numpy", "jax", "torch"}
        Array library of the generated code.
    cse : bool
        Common-subexpression elimination in the generated code.

    Returns
    -------
    Kernel

    Examples
    --------
    >>> from theory import builtin
    >>> k = compile(builtin("model_b").integrate_out("h"))
    >>> k.arg_names
    ('v', 'I', 'xi', 'beta', 'tau_v')
    """
    if isinstance(model, Reduction):
        model = model.model
    # compiling is SymPy work (tenths of a second): identical requests share one kernel
    if isinstance(model, EnergyModel):
        key = (model, tuple(sorted((str(k), v) for k, v in model.defaults.items())), backend, cse)
    elif isinstance(model, (sp.Expr, list, tuple)):
        key = (tuple(model) if isinstance(model, (list, tuple)) else model, backend, cse)
    else:
        key = None
    if key is not None and key in _CACHE:
        return _CACHE[key]
    out = _compile(model, backend, cse)
    if key is not None:
        _CACHE[key] = out
    return out


_CACHE: dict = {}


def _compile(model, backend: str, cse: bool):
    if isinstance(model, (sp.Expr, list, tuple)) and not isinstance(model, EnergyModel):
        return _compile_expression(model, get_backend(backend), cse)
    if not isinstance(model, EnergyModel):
        raise TypeError(f"Argument `model` must be an EnergyModel or Reduction; got {type(model).__name__}.")
    be = get_backend(backend)
    args: list[ArgSpec] = []
    for lay in model.layers:
        args.append(ArgSpec(lay.name, "state", (lay.size,)))
    for inp in model.inputs:
        args.append(ArgSpec(inp.name, "input", (inp.size,)))
    for W in model.weights:
        args.append(ArgSpec(W.name, "weight", W.shape, symmetric=W.symmetric))
    # time constants default to 1 (they only scale velocities); model defaults override
    defaults = {str(lay.tau): 1.0 for lay in model.layers if lay.tau.is_Symbol}
    defaults.update({str(k): v for k, v in model.defaults.items()})
    for p in model.parameters:
        d = defaults.get(p.name)
        args.append(ArgSpec(p.name, "parameter", (), None if d is None else float(d), assumptions=declared_assumptions(p)))
    names = [a.name for a in args] + [s.name for s in model.sizes]
    if len(set(names)) != len(names):
        raise ValueError(f"kernel argument names clash: {names}")
    sym = {lay.state for lay in model.layers} | set(model.inputs) | set(model.weights)
    arg_syms = [sp.Symbol(a.name) if a.kind != "parameter" else next(p for p in model.parameters if p.name == a.name) for a in args]
    arg_syms += list(model.sizes)

    def prep(e, single_use):
        e = _zero_delta_terms(_numeric_constants(sp.sympify(e)))
        stray = [v for v in e.atoms(Vector, Weight) if v not in sym]
        if stray:
            raise ValueError(f"expression uses {stray}, which are not kernel arguments")
        scalar = vsize(e) is None
        e, unscale = _scaled_norms(e, [lay.state for lay in model.layers])
        p = _printable(e, single_use)
        return stabilize(p.xreplace(unscale) if unscale else p, scalar=scalar)

    exprs = {
        "energy": model.energy,
        "rhs": [model.dynamics_explicit[n] for n in model.layer_names],
        "velocity": [model.velocity[n] for n in model.layer_names],
        "activations": [model.activation_map[lay.g] for lay in model.layers],
        "energy_grad": [grad(model.energy, lay.state) for lay in model.layers],
        # x + rhs: the drive where the leak -x cancels the state, the state plus the drive on a periodic layer (no leak)
        "update": [(lay.state + model.drive[lay.name] if lay.periodic else model.drive[lay.name]).xreplace(model.activation_map)
                   for lay in model.layers],
        "lagrangian": [lay.L for lay in model.layers],
        # entrywise F(x) of additive Lagrangians (NaN-free zeros for the others, flagged in `additive`)
        "entrywise": [lay.entrywise if lay.entrywise is not None else 0 * lay.L for lay in model.layers],
    }
    functions, sources = {}, {}
    vec_names = [a.name for a in args if a.kind in ("state", "input")]
    weight_names = [a.name for a in args if a.kind == "weight"]
    for name, e in exprs.items():
        group = e if isinstance(e, list) else [e]
        # softmax(W a) is fused (in-place on a private product) when W a is used nowhere else
        single = frozenset(k for k, c in _count_matvecs(group).items() if c == 1)
        pe = [prep(x, single) for x in e] if isinstance(e, list) else prep(e, single)
        # one layer's nodes in one pass; sums of products of two vectors as dot products
        pe = share_passes(pe if isinstance(pe, list) else [pe])
        pe = collect_linear_products(pe, vec_names, weight_names)  # one product per (linear node, factor, weight)
        pe = pe if be.fuses_passes else fuse_row_dots(pe, vec_names, weight_names)
        pe = pe if isinstance(e, list) else pe[0]
        printer = _KernelPrinter({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": True})
        f = sp.lambdify(arg_syms, pe, modules=[be.namespace], printer=printer, cse=cse, docstring_limit=0)
        sources[name] = inspect.getsource(f)
        functions[name] = _jit(f, len(arg_syms), len(model.sizes)) if be.name == "jax" else f
    return Kernel(model, be, tuple(args), functions, sources, exprs)


def _jit(f, n_args: int, n_sizes: int):
    """``jax.jit`` of one generated function, the sizes (last arguments) static: one compiled XLA program per
    shape signature, cached by JAX, with the whole expression fused."""
    import jax

    return jax.jit(f, static_argnums=tuple(range(n_args - n_sizes, n_args)))


@dataclass(frozen=True, eq=False)
class ExpressionKernel:
    """A compiled bare expression (or list of expressions) of vectors, weights and parameters.

    Call with keyword arrays; vectors are batched on the first axes, scalars come back with shape
    ``batch`` and vectors with ``batch x N``.
    """

    exprs: tuple
    args: tuple
    sizes: tuple
    _function: Any = field(repr=False)
    source: str = field(repr=False)
    _scope: Any = field(default=contextlib.nullcontext, repr=False)  # the backend's call scope (Backend.scope)
    _backend: Any = field(default=None, repr=False)  # a non-NumPy Backend: arrays in and out converted by it

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.args)

    def __call__(self, **kw) -> Any:
        unknown = set(kw) - set(self.arg_names)
        if unknown:
            raise TypeError(f"Unknown argument(s) {sorted(unknown)}; the expression takes {list(self.arg_names)}.")
        sizes: dict[str, int] = {}
        vals, batch = [], []
        for a in self.args:
            if a.name not in kw:
                if a.kind == "parameter" and a.default is not None:
                    vals.append(np.asarray(a.default))
                    continue
                raise TypeError(f"Missing argument `{a.name}` ({a.describe()}).")
            if a.kind == "parameter":
                vals.append(np.asarray(float(kw[a.name])))
                continue
            arr = _check_array(a, np.asarray(kw[a.name]), sizes, batch)
            vals.append(arr[None] if (a.kind == "state" and arr.ndim == 1) else arr)
        for sname in self.sizes:
            # a float size on another library: an integer tensor would turn L**(-1.0) into single precision
            vals.append(np.asarray(sizes[sname], dtype=None if self._backend is None else np.float64))
        be = self._backend
        with self._scope():
            if be is not None:
                vals = [be.asarray(v) for v in vals]
            out = self._function(*vals)
            outs = [np.asarray(o) if be is None else np.asarray(be.to_numpy(o)) for o in (out if isinstance(out, list) else [out])]
        batched = any(len(b) for b in batch)
        res = []
        for e, o in zip(self.exprs, outs, strict=True):
            o = np.asarray(o)
            if vsize(e) is None and o.ndim:
                o = o[..., 0]
            res.append(o if batched else (o[0] if o.ndim else o))
        return res if isinstance(out, list) else res[0]


def _compile_expression(expr, be: Backend, cse: bool) -> ExpressionKernel:
    exprs = tuple(expr) if isinstance(expr, (list, tuple)) else (expr,)
    vecs = sorted({v for e in exprs for v in e.atoms(Vector)}, key=lambda v: v.name)
    weights = sorted({W for e in exprs for W in e.atoms(Weight)}, key=lambda W: W.name)
    params = sorted(set().union(*[parameters(e) for e in exprs]), key=lambda p: p.name)
    sizes = sorted({s for v in vecs for s in v.size.free_symbols} | {s for W in weights for d in W.shape for s in d.free_symbols}, key=lambda s: s.name)
    args = [ArgSpec(v.name, "state", (v.size,)) for v in vecs] + [ArgSpec(W.name, "weight", W.shape, symmetric=W.symmetric) for W in weights]
    args += [ArgSpec(p.name, "parameter", ()) for p in params]
    arg_syms = [sp.Symbol(a.name) for a in args[: len(vecs) + len(weights)]] + list(params) + list(sizes)
    single = frozenset(k for k, c in _count_matvecs(exprs).items() if c == 1)
    pe = share_passes([stabilize(_printable(_zero_delta_terms(_numeric_constants(e)), single), scalar=vsize(e) is None) for e in exprs])
    pe = collect_linear_products(pe, [v.name for v in vecs], [W.name for W in weights])
    pe = pe if be.fuses_passes else fuse_row_dots(pe, [v.name for v in vecs], [W.name for W in weights])
    printer = _KernelPrinter({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": True})
    f = sp.lambdify(arg_syms, pe if len(pe) > 1 else pe[0], modules=[be.namespace], printer=printer, cse=cse, docstring_limit=0)
    return ExpressionKernel(exprs, tuple(args), tuple(s.name for s in sizes), f, inspect.getsource(f), be.scope,
                            None if be.name == "numpy" else be)
