"""A corpus of bad numeric inputs over the public numeric entry points: each gives one clear error naming the argument.

Every case is (label, call, argument name).  The call must raise ``ValueError`` or ``TypeError`` (kernel input
errors are ``ValueError``s) whose message names the argument in backticks -- never return a number, never
emit only a warning, never a bare traceback from deep inside NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics import BinaryMemory, ThresholdMemory, capacity, census, compile, patterns, retrieval, simulate, spectra
from numerics.learning import train_threshold
from theory import builtin, builtin_names

BAD_POSITIVE = {"zero": 0.0, "negative": -1.0, "nan": float("nan"), "inf": float("inf"), "array": np.ones(3), "complex": 1j, "string": "1"}
BAD_REAL = {"nan": float("nan"), "inf": float("inf"), "array": np.ones(2), "complex": 1 + 1j, "string": "0.5", "none": None}


def _arrays(model, n=3, k=2):
    """Good arrays for every kernel argument of a built-in model (sizes n for layers, k for hidden layers)."""
    kern = compile(model)
    sizes = {}
    for i, s in enumerate(model.sizes):
        sizes[s] = n if i % 2 == 0 else k
    out = {}
    for a in kern.args:
        if a.kind in ("state", "input"):
            out[a.name] = np.full(sizes.get(a.shape[0], n), 0.5)
        elif a.kind == "weight":
            r, c = (sizes.get(d, n) for d in a.shape)
            W = np.full((r, c), 0.1)
            out[a.name] = W
    return kern, out


def _kernel_cases():
    cases = []
    for name in builtin_names():
        model = builtin(name)
        kern, good = _arrays(model)
        for a in kern.args:
            if a.kind == "parameter":
                bad = BAD_POSITIVE if "positive" in a.assumptions else BAD_REAL
                for label, val in bad.items():
                    if label == "none":
                        continue
                    cases.append((f"{name}.energy({a.name}={label})", lambda k=kern, g=good, n=a.name, v=val: k.energy(**g, **{n: v}), a.name))
                if "integer" in a.assumptions:
                    cases.append((f"{name}.energy({a.name}=2.5)", lambda k=kern, g=good, n=a.name: k.energy(**g, **{n: 2.5}), a.name))
            else:
                arr = good[a.name]
                nan = arr.copy()
                nan.flat[0] = np.nan
                cases.append((f"{name}.energy({a.name} has NaN)", lambda k=kern, g=good, n=a.name, v=nan: k.energy(**{**g, n: v}), a.name))
                cases.append((f"{name}.rhs({a.name} complex)", lambda k=kern, g=good, n=a.name, v=arr + 1j: k.rhs(**{**g, n: v}), a.name))
                cases.append((f"{name}.energy_grad({a.name} strings)", lambda k=kern, g=good, n=a.name, v=arr.astype(str): k.energy_grad(**{**g, n: v}), a.name))
                wrong = np.ones((*arr.shape[:-1], arr.shape[-1] + 1)) if arr.ndim else np.ones(2)
                cases.append((f"{name}.update({a.name} wrong size)", lambda k=kern, g=good, n=a.name, v=wrong: k.update(**{**g, n: v}), a.name))
    return cases


def _simulate_cases():
    kern, good = _arrays(builtin("model_b"))
    init = {"v": good["v"], "h": good["h"]}
    args = {"I": good["I"], "xi": good["xi"]}

    def sim(**kw):
        base = {"init": init, "args": args, "t_max": 1.0, "dt": 0.1}
        return simulate(kern, **{**base, **kw})

    return [
        ("simulate(t_max=inf)", lambda: sim(t_max=float("inf")), "t_max"),
        ("simulate(t_max=0)", lambda: sim(t_max=0.0), "t_max"),
        ("simulate(t_max=nan)", lambda: sim(t_max=float("nan")), "t_max"),
        ("simulate(dt=1e-12)", lambda: sim(dt=1e-12), "max_steps"),
        # regression (review): t_max / dt = inf reached int(inf), an OverflowError, before the step check
        ("simulate(t_max=1e300, dt=1e-300)", lambda: sim(t_max=1e300, dt=1e-300), "max_steps"),
        ("simulate(dt=0)", lambda: sim(dt=0.0), "dt"),
        ("simulate(dt=-0.1)", lambda: sim(dt=-0.1), "dt"),
        ("simulate(dt=nan)", lambda: sim(dt=float("nan")), "dt"),
        ("simulate(record_every=0)", lambda: sim(record_every=0), "record_every"),
        ("simulate(record_every=-1)", lambda: sim(record_every=-1), "record_every"),
        ("simulate(record_every=1.5)", lambda: sim(record_every=1.5), "record_every"),
        ("simulate(tol=nan)", lambda: sim(tol=float("nan")), "tol"),
        ("simulate(tol=-1)", lambda: sim(tol=-1.0), "tol"),
        ("simulate(rtol=0, adaptive)", lambda: sim(method="adaptive", rtol=0.0), "rtol"),
        ("simulate(init complex)", lambda: sim(init={"v": good["v"] + 1j, "h": good["h"]}), "init['v']"),
        ("simulate(init NaN)", lambda: sim(init={"v": good["v"] * np.nan, "h": good["h"]}), "init['v']"),
        ("simulate(init missing h)", lambda: sim(init={"v": good["v"]}), "init"),
        ("simulate(init unknown layer)", lambda: sim(init={**init, "z": good["v"]}), "init"),
        ("simulate(beta=np.ones(3))", lambda: sim(args={**args, "beta": np.ones(3)}), "beta"),
        ("simulate(tau_h=0)", lambda: sim(args={**args, "tau_h": 0.0}), "tau_h"),
        ("simulate(method=bogus)", lambda: sim(method="bogus"), "method"),
    ]


J = np.array([[1.0, 0.1], [0.1, 1.0]])
XI = patterns.binary(3, 8, 0)


def _other_cases():
    nonsym = np.array([[1.0, 0.5], [0.0, 1.0]])
    return [
        ("all_states_fixed(theta=nan)", lambda: census.all_states_fixed(J, float("nan")), "theta"),
        ("all_states_fixed(theta=array)", lambda: census.all_states_fixed(J, np.ones(2)), "theta"),
        ("enumerate_fixed(theta=nan)", lambda: census.enumerate_fixed(J, float("nan")), "theta"),
        ("enumerate_fixed(theta=inf)", lambda: census.enumerate_fixed(J, float("inf")), "theta"),
        ("enumerate_fixed(J not square)", lambda: census.enumerate_fixed(np.ones((2, 3)), 0.5), "J"),
        ("is_fixed(theta=nan)", lambda: census.is_fixed(J, np.ones((1, 2)), float("nan")), "theta"),
        ("fraction_fixed(p=nan)", lambda: census.fraction_fixed(J, 0.5, 10, 0, p=float("nan")), "p"),
        ("fraction_fixed(p=2)", lambda: census.fraction_fixed(J, 0.5, 10, 0, p=2.0), "p"),
        ("fraction_fixed(n_samples=0)", lambda: census.fraction_fixed(J, 0.5, 0, 0), "n_samples"),
        ("fraction_fixed(n_samples=-5)", lambda: census.fraction_fixed(J, 0.5, -5, 0), "n_samples"),
        ("fraction_fixed(theta=nan)", lambda: census.fraction_fixed(J, float("nan"), 10, 0), "theta"),
        ("fraction_fixed(seed=None)", lambda: census.fraction_fixed(J, 0.5, 10, None), "seed"),
        ("basin_flip_rate(sigma_v=-1)", lambda: census.basin_flip_rate(XI, 0.5, -1.0, 10, 0), "sigma_v"),
        ("basin_flip_rate(n_trials=0)", lambda: census.basin_flip_rate(XI, 0.5, 0.1, 0, 0), "n_trials"),
        ("fit_power_law(K=0)", lambda: capacity.fit_power_law([10, 20, 40], [0, 2, 4]), "K"),
        ("fit_power_law(N=-1)", lambda: capacity.fit_power_law([-1, 20, 40], [1, 2, 4]), "N"),
        ("fit_power_law(K=nan)", lambda: capacity.fit_power_law([10, 20, 40], [1, float("nan"), 4]), "K"),
        ("fit_power_law(one point)", lambda: capacity.fit_power_law([10], [1]), "N"),
        ("fit_power_law(lengths differ)", lambda: capacity.fit_power_law([10, 20], [1, 2, 3]), "N"),
        ("fit_power_law(same N)", lambda: capacity.fit_power_law([10, 10], [1, 2]), "N"),
        ("fit_exponential(K=0)", lambda: capacity.fit_exponential([10, 20], [0, 2]), "K"),
        ("largest_k(k_lo=0)", lambda: capacity.largest_k(lambda k: True, 0, 5), "k_lo"),
        ("largest_k(k_hi=2.5)", lambda: capacity.largest_k(lambda k: True, 1, 2.5), "k_hi"),
        ("capacity(seeds=[])", lambda: capacity.capacity(lambda k, s: True, [], 1, 5), "seeds"),
        ("capacity(seeds=[nan])", lambda: capacity.capacity(lambda k, s: True, [float("nan")], 1, 5), "seeds[0]"),
        ("operator_deviation(non-symmetric)", lambda: spectra.operator_deviation(nonsym), "J"),
        ("entry_statistics(N_v=-5)", lambda: spectra.entry_statistics(J, -5), "N_v"),
        ("entry_statistics(N_v=0)", lambda: spectra.entry_statistics(J, 0), "N_v"),
        ("entry_statistics(N_v=2.5)", lambda: spectra.entry_statistics(J, 2.5), "N_v"),
        ("mp_edges(lam=0)", lambda: spectra.mp_edges(0.0), "lam"),
        ("mp_edges(lam=2)", lambda: spectra.mp_edges(2.0), "lam"),
        ("mp_edges(lam=nan)", lambda: spectra.mp_edges(float("nan")), "lam"),
        ("mp_density(x complex)", lambda: spectra.mp_density(np.array([1j]), 0.5), "x"),
        ("random_spectrum(N_h=0)", lambda: spectra.random_spectrum(0, 5, 0), "N_h"),
        ("coupling(xi NaN)", lambda: spectra.coupling(np.full((2, 2), np.nan)), "xi"),
        ("binary(K=0)", lambda: patterns.binary(0, 10, 0), "K"),
        ("binary(N=-1)", lambda: patterns.binary(3, -1, 0), "N"),
        ("binary(N=2.5)", lambda: patterns.binary(3, 2.5, 0), "N"),
        ("binary(seed=-1)", lambda: patterns.binary(3, 4, -1), "seed"),
        ("zero_one(p=2)", lambda: patterns.zero_one(3, 4, 0, p=2.0), "p"),
        ("zero_one(p=nan)", lambda: patterns.zero_one(3, 4, 0, p=float("nan")), "p"),
        ("gaussian(std=nan)", lambda: patterns.gaussian(3, 4, 0, std=float("nan")), "std"),
        ("gaussian(std=-1)", lambda: patterns.gaussian(3, 4, 0, std=-1.0), "std"),
        ("sphere(radius=0)", lambda: patterns.sphere(3, 4, 0, radius=0.0), "radius"),
        ("flip(rho=2)", lambda: retrieval.flip(XI, 2.0, 0), "rho"),
        ("flip(rho=nan)", lambda: retrieval.flip(XI, float("nan"), 0), "rho"),
        ("flip(X empty)", lambda: retrieval.flip(np.zeros((0, 3)), 0.1, 0), "X"),
        ("gaussian_noise(sigma=-1)", lambda: retrieval.gaussian_noise(XI, -1.0, 0), "sigma"),
        ("gaussian_noise(sigma=inf)", lambda: retrieval.gaussian_noise(XI, float("inf"), 0), "sigma"),
        ("occlude(fraction=nan)", lambda: retrieval.occlude(XI, float("nan"), 0), "fraction"),
        ("occlude(value=inf)", lambda: retrieval.occlude(XI, 0.5, 0, value=float("inf")), "value"),
        ("overlap(lengths differ)", lambda: retrieval.overlap(np.ones(3), np.ones(4)), "a"),
        ("exact_recall(atol=-1)", lambda: retrieval.exact_recall(np.ones(3), np.ones(3), atol=-1.0), "atol"),
        ("BinaryMemory(n=nan)", lambda: BinaryMemory(builtin("dam_power"), XI, params={"n": float("nan")}), "n"),
        ("BinaryMemory(n=2.5)", lambda: BinaryMemory(builtin("dam_power"), XI, params={"n": 2.5}), "n"),
        ("BinaryMemory(n=0)", lambda: BinaryMemory(builtin("dam_power"), XI, params={"n": 0}), "n"),
        ("BinaryMemory(unknown param)", lambda: BinaryMemory(builtin("dam_power"), XI, params={"m": 3}), "params"),
        ("BinaryMemory(K=0)", lambda: BinaryMemory(builtin("dam_power"), np.zeros((0, 8))), "patterns"),
        ("BinaryMemory(patterns NaN)", lambda: BinaryMemory(builtin("dam_power"), XI * np.nan), "patterns"),
        ("BinaryMemory(fast=bogus)", lambda: BinaryMemory(builtin("dam_power"), XI, fast="z"), "fast"),
        ("BinaryMemory.is_fixed(sigma=0.5)", lambda: BinaryMemory(builtin("dam_power"), XI).is_fixed(XI * 0.5), "sigma"),
        ("BinaryMemory.is_fixed(sigma wrong N)", lambda: BinaryMemory(builtin("dam_power"), XI).is_fixed(np.ones(5)), "sigma"),
        ("ThresholdMemory(theta=nan)", lambda: ThresholdMemory(XI, float("nan")), "theta"),
        ("ThresholdMemory(theta=inf)", lambda: ThresholdMemory(XI, float("inf")), "theta"),
        ("ThresholdMemory(theta wrong length)", lambda: ThresholdMemory(XI, np.ones(2)), "theta"),
        ("ThresholdMemory(xi NaN)", lambda: ThresholdMemory(XI * np.nan), "xi"),
        ("ThresholdMemory.run(NaN code)", lambda: ThresholdMemory(XI).run(np.full(3, np.nan)), "s"),
        ("ThresholdMemory.run(fractional code)", lambda: ThresholdMemory(XI).run(np.full(3, 0.5)), "s"),
        ("ThresholdMemory.run(complex code)", lambda: ThresholdMemory(XI).run(np.ones(3) + 1j), "s"),
        ("ThresholdMemory.run(wrong length)", lambda: ThresholdMemory(XI).run(np.ones(4)), "s"),
        ("ThresholdMemory.run(max_steps=0)", lambda: ThresholdMemory(XI).run(np.ones(3), max_steps=0), "max_steps"),
        ("train_threshold(steepness negative)", lambda: train_threshold(XI, 2, 0, epochs=1, steepness=(-5.0, 50.0)), "steepness[0]"),
        ("train_threshold(lr=inf)", lambda: train_threshold(XI, 2, 0, epochs=1, lr=float("inf")), "lr"),
        ("train_threshold(lr=0)", lambda: train_threshold(XI, 2, 0, epochs=1, lr=0.0), "lr"),
        ("train_threshold(n_hidden=0)", lambda: train_threshold(XI, 0, 0, epochs=1), "n_hidden"),
        ("train_threshold(epochs=0)", lambda: train_threshold(XI, 2, 0, epochs=0), "epochs"),
        ("train_threshold(theta0=nan)", lambda: train_threshold(XI, 2, 0, epochs=1, theta0=float("nan")), "theta0"),
        ("train_threshold(steepness scalar)", lambda: train_threshold(XI, 2, 0, epochs=1, steepness=5.0), "steepness"),
    ]


CASES = _kernel_cases() + _simulate_cases() + _other_cases()


def test_corpus_is_large():
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.parametrize("label,call,arg", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_clear_error(label, call, arg):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert f"`{arg}`" in str(info.value), f"{label}: the error does not name `{arg}`: {info.value}"


def test_issue_33_item_8_small_silent_answers_are_refused():
    """Regression (issue 33, item 8): each of these answered instead of refusing."""
    import numpy as np
    import pytest

    import theory
    from numerics import capacity as cap
    from numerics import census, sweeps
    from theory.moments import clark_moments

    with pytest.raises(ValueError, match="`n` must be an integer"):
        clark_moments(2.5)  # was the degree-2 answer
    with pytest.raises(ValueError, match="`N_v`"):
        census.stream_coupling([np.ones((2, 3))], N_v=0)  # was inf
    with pytest.raises(ValueError, match="`seeds` must hold integers"):
        sweeps.grid({"a": [1]}, [1.7])  # was seed 1
    with pytest.raises(ValueError, match="must not hold `seed`"):
        sweeps.grid({"seed": [5]}, [0])  # was overwritten
    with pytest.raises(ValueError, match="must not repeat"):
        sweeps.grid({"a": [1]}, [3, 3])
    with pytest.raises(ValueError, match="must not repeat"):
        cap.check(theory.capacity_law(theory.builtin("classical_hopfield")), [16], seeds=[1, 1], probes=4, progress=False)


def test_text_is_never_evaluated_where_a_number_or_expression_goes(tmp_path, monkeypatch):
    """Regression (issue 33, the corpus rerun): a phase model's ``params`` went through ``sympify``, so
    ``capacity_law(kuramoto, params={"K": "<python>"})`` ran the code. Every place that turns a user value into an
    expression now takes numbers and SymPy objects, or reads text with the whitelist parser: the hostile string is
    refused with the argument named, and the marker file it tries to create never appears."""
    import theory
    from theory import synapses
    from theory.layers import Layer

    marker = tmp_path / "ran"
    code = f"__import__('os').system('touch {marker}')"
    ku = theory.builtin("kuramoto")
    with pytest.raises(ValueError, match="`K`"):
        theory.capacity_law(ku, params={"K": code, "C": 0})
    with pytest.raises(ValueError, match="Z"):
        theory.capacity_law(ku, params={"K": 0, "C": 1, "Z": 2})  # an unknown name was ignored
    mf = theory.MeanField.from_model(theory.builtin("classical_hopfield"))
    with pytest.raises(ValueError, match="`T`"):
        mf.stationary(T=code)
    law = theory.capacity_law(theory.builtin("dam_power"), params={"n": 3})
    with pytest.raises(ValueError, match="`p`"):
        law.k_fixed_error(code)
    v = theory.builtin("model_b").layers[0]
    with pytest.raises(ValueError, match="scale"):
        synapses.recurrent(v, theory.Weight("W", v.size, v.size, symmetric=True), code)
    text = synapses.recurrent(v, theory.Weight("W", v.size, v.size, symmetric=True), "1/" + str(v.size))  # text in the sizes: parsed
    assert text.energy == synapses.recurrent(v, theory.Weight("W", v.size, v.size, symmetric=True), 1 / v.size).energy
    with pytest.raises(ValueError, match="`tau`"):
        Layer("u", "N", v.lagrangian, tau=code)
    with pytest.raises(ValueError, match="`size`"):
        Layer("u", object(), v.lagrangian)
    assert not marker.exists()


def test_mean_field_grid_and_error_probability_are_checked():
    """Regression (issue 33, the corpus rerun): ``MeanField.stationary(grid=10**9)`` ran for ever, ``grid=0`` divided by
    zero inside mpmath, a negative grid answered; ``k_fixed_error(nan)`` failed inside SymPy's comparison."""
    import theory

    mf = theory.MeanField.from_model(theory.builtin("classical_hopfield"))
    for g in (0, -5, 2.5, 10**9, None):
        with pytest.raises(ValueError, match="`grid`"):
            mf.stationary(T=0.5, grid=g)
    for h in (0.0, float("nan"), float("inf"), "60"):
        with pytest.raises(ValueError, match="`h_max`"):
            mf.stationary(T=0.5, h_max=h)
    assert len(mf.stationary(T=0.5, grid=200)) == 2  # m = 0 and the retrieval state
    law = theory.capacity_law(theory.builtin("dam_power"), params={"n": 3})
    for p in (float("nan"), float("inf"), None, 2 + 1j, ["a"], True):
        with pytest.raises(ValueError, match="`p`"):
            law.k_fixed_error(p)


def test_phase_capacity_follows_the_sign_of_its_signal():
    """Regression (issue 33, item 1's class, found again on the phase law): K = -1 (a stored pattern pushes its units
    away) was given the pairwise law N/ln N; the binary law already returned 0."""
    import theory

    law = theory.capacity_law(theory.builtin("kuramoto"), params={"K": -1, "C": 0})
    assert law.k_max == 0 and law.k_max_asymptotic == 0 and law.scaling.kind == "none"
    assert theory.capacity_law(theory.builtin("kuramoto"), params={"K": 1, "C": 0}).scaling.exponent == 1


def test_corpus_rerun_shared_validators(tmp_path):
    """Regression (issue 33, the corpus rerun): bools counted as sizes (``prompts=True`` drew one prompt), text and
    complex arrays were cast where floats go (``"1.5"`` parsed, an imaginary part dropped with only a warning), sizes
    beyond the machine ended in NumPy's MemoryError, and paths that are not paths in pathlib's TypeError. Each is now
    one error naming the argument, from the shared checks (numerics._checks)."""
    import numpy as np

    import theory
    from numerics import capacity as cap
    from numerics import denoising as nd
    from numerics import oscillators as osc
    from numerics import sweeps, thermal
    from numerics.learning import ThresholdFit

    for arg, call in (("prompts", lambda: nd.sphere_prompts(True, 6, 2, 5, 1.0, 0.5)),
                      ("L", lambda: nd.linear_prompts(4, 6, 2, True, 1.0, 0.5)),
                      ("P", lambda: osc.phase_patterns(True, 8)),
                      ("prompts", lambda: nd.sphere_prompts(10**12, 6, 2, 5, 1.0, 0.5)),
                      ("K", lambda: nd.mixture_prompts(8, 6, 10**12, 5, 0.1, 0.5)),
                      ("N", lambda: osc.lorentzian_frequencies(10**12, 0.1)),
                      ("N", lambda: osc.phase_patterns(2, 10**12)),
                      ("N", lambda: cap.bit_errors(theory.capacity_law(theory.builtin("classical_hopfield")), 10**12, 0, probes=4)),
                      ("P", lambda: thermal.sublattice_sizes(40, 100)),
                      ("path", lambda: ThresholdFit.load(None)),
                      ("out", lambda: sweeps.run_sweep(lambda a, seed: a, [{"a": 1, "seed": 0}], None, progress=False)),
                      ("out", lambda: sweeps.run_sweep(lambda a, seed: a, [{"a": 1, "seed": 0}], (tmp_path / "f").write_text("x") and tmp_path / "f", progress=False)),
                      ("points", lambda: sweeps.run_sweep(lambda a, seed: a, "a", tmp_path / "s", progress=False)),
                      ("workers", lambda: sweeps.run_sweep(lambda a, seed: a, [{"a": 1, "seed": 0}], tmp_path / "s", workers="2", progress=False)),
                      ("params", lambda: sweeps.grid("a=1", [0])),
                      ("init", lambda: nd.train_attention(lambda s: nd.sphere_prompts(4, 6, 2, 5, 1.0, 0.5, seed=s), steps=1, init=1.0)),
                      ("params", lambda: osc.finite_load("kuramoto", 16, 2, params="K=1", replicas=1, duration=0.2))):
        with pytest.raises(ValueError, match=f"`{arg}`"):
            call()
    p = nd.sphere_prompts(4, 6, 2, 5, 1.0, 0.5)
    for bad in (np.eye(6) + 1j, np.eye(6).astype(str)):
        with pytest.raises(ValueError, match="`W_KQ`"):
            nd.attention_gradients(p, bad, np.eye(6))


def test_spec_files_that_are_not_specs(tmp_path):
    """Regression (issue 33, the corpus rerun): deeply nested TOML raised tomllib's RecursionError, a binary file a
    UnicodeDecodeError, a folder IsADirectoryError, and None pathlib's TypeError; each is one SpecError."""
    import theory

    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    for src, match in ((deep, "nested too deep"), (binary, "not UTF-8"), (tmp_path, "folder"), (None, "`source`")):
        with pytest.raises(theory.SpecError, match=match):
            theory.load(src)


def test_kernel_result_that_overflows_is_an_error():
    """Regression (issue 33, the corpus rerun): finite inputs of magnitude 1e200 gave NaN energies (an overflow went on
    into inf - inf) with no error; the checked call now says which function overflowed and which input is largest. An
    inf stays an answer (the value beyond the float range, or a true -log 0: EPA-1's empty support)."""
    import numpy as np

    import numerics as nm
    import theory

    k = nm.compile(theory.builtin("dam_exp"))
    rng = np.random.default_rng(0)
    args = {"v": rng.standard_normal((2, 4)), "h": rng.standard_normal((2, 3)), "xi": rng.standard_normal((3, 4))}
    assert np.isfinite(k.energy(**args)).all()
    with pytest.raises(ValueError, match="`energy` is NaN.*`h`"):
        k.energy(**{**args, "h": args["h"] * 1e200})
    kb = nm.compile(theory.builtin("model_b"))
    big = {"v": 1e200 * np.ones((1, 4)), "h": np.zeros((1, 3)), "xi": np.ones((3, 4)), "I": np.zeros(4)}
    assert kb.energy(**big) == np.inf  # (v.v)/2 = 2e400: beyond float64, the IEEE value



def test_corpus_rerun_long_or_unbounded_requests(tmp_path):
    """Regression (issue 33, the corpus rerun): F = exp^8(x) kept SymPy's assumptions busy past every budget in one
    process (the domain check was not budgeted; a failure of this test is a hang), a tiny ``dt`` reached tqdm's OverflowError, ``workers = 10**12`` multiprocessing's,
    ``train_attention(steps=10**12)`` ran for ever, and ``parse`` with a non-mapping table failed inside its walker."""
    import theory
    from numerics import denoising as nd
    from numerics import oscillators as osc
    from numerics import sweeps

    spec = theory.builtin_spec("dam_power")
    layers = [spec["layers"][0], {**spec["layers"][1], "lagrangian": {"expr": "exp(exp(exp(exp(exp(exp(exp(exp(x))))))))", "label": "F"}}]
    model = theory.from_dict({**{k: v for k, v in spec.items() if k != "parameters"}, "layers": layers})
    # exp^8(x) is finite and real at every overlap, but SymPy may or may not decide that quickly (its assumption cache
    # differs between processes): the law must end, built or refused with one CapacityError, never hang
    try:
        theory.capacity_law(model)  # the domain check, when the law is built
    except theory.CapacityError as exc:
        assert "F = exp(exp(" in str(exc)
    with pytest.raises(ValueError, match="`duration`.*`dt`"):
        osc.finite_load("kuramoto", 16, 2, params={"K": 0.0, "C": 1.0}, replicas=1, duration=1.0, dt=1e-300)
    with pytest.raises(ValueError, match="`workers`"):
        sweeps.run_sweep(lambda a, seed: a, [{"a": 1, "seed": 0}], tmp_path / "s", workers=10**12, progress=False)
    with pytest.raises(ValueError, match="`steps`"):
        nd.train_attention(lambda s: nd.sphere_prompts(4, 6, 2, 5, 1.0, 0.5, seed=s), steps=10**12)
    with pytest.raises(ValueError, match="`symbols`"):
        theory.parse("x", None)
