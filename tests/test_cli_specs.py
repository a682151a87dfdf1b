"""The amwb CLI, spec files and model-building errors."""

import json

import pytest

import theory
from numerics.cli import main
from theory import lagrangians as lg


@pytest.mark.parametrize("name", theory.builtin_names())
def test_derive_json_for_every_builtin(name, capsys):
    out_layer = theory.builtin(name).layers[-1].name if len(theory.builtin(name).layers) > 1 else None
    args = ["derive", name, "--json", "--no-check"] + (["--integrate-out", out_layer] if out_layer else [])
    assert main(args) == 0
    rep = json.loads(capsys.readouterr().out)
    for key in ("energy", "dynamics", "energy_rate", "layers"):
        assert key in rep
    for expr in [rep["energy"], rep["energy_rate"], *rep["dynamics"].values()]:
        assert set(expr) == {"str", "latex", "srepr"}
    for layer in rep["layers"].values():
        assert set(layer) >= {"lagrangian", "activation", "hessian", "certificate", "zero_modes"}
        assert set(layer["certificate"]) >= {"verdict", "method", "reason", "counterexample"}
    if out_layer:
        assert set(rep["effective"]) >= {"energy", "dynamics"}


def test_derive_text_and_latex(capsys):
    assert main(["derive", "model_b", "--integrate-out", "h"]) == 0
    text = capsys.readouterr().out
    assert "effective dynamics" in text and "softmax" in text
    assert main(["derive", "model_b", "--latex", "--no-check"]) == 0
    assert r"\operatorname{lse}" in capsys.readouterr().out


def test_models_and_kernel_print(capsys):
    assert main(["models", "--json"]) == 0
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert names == theory.builtin_names()
    assert main(["kernel", "ramsauer", "--integrate-out", "h", "--print"]) == 0
    assert "def _lambdifygenerated" in capsys.readouterr().out


def test_cli_reports_errors_cleanly(capsys, tmp_path):
    assert main(["derive", "no_such_model"]) == 2
    assert "no built-in model" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('name="x"\n[[layers]]\nname="v"\nsize="N"\nlagrangian={expr="__import__(\'os\')"}\n')
    assert main(["derive", str(bad)]) == 2
    assert "dunder" in capsys.readouterr().err


def test_user_spec_with_nonconvex_string_lagrangian(tmp_path, capsys):
    spec = tmp_path / "m.toml"
    spec.write_text(
        """
name = "wavy"
[[layers]]
name = "v"
size = "N_v"
lagrangian = { expr = "x**2/2 + 2*cos(x)" }
activation = "g"
[[layers]]
name = "h"
size = "N_h"
lagrangian = { name = "logsumexp", beta = "2" }
activation = "f"
[[synapses]]
kind = "energy"
expr = "-sum(f * (xi @ g))"
[weights]
xi = { shape = ["N_h", "N_v"] }
"""
    )
    assert main(["derive", str(spec), "--json", "--integrate-out", "h"]) == 0
    rep = json.loads(capsys.readouterr().out)
    cert = rep["layers"]["v"]["certificate"]
    assert cert["verdict"] is False and cert["counterexample"]
    assert rep["lyapunov"]["established"] is False
    assert "softmax" in rep["effective"]["dynamics"]["v"]["str"]


def test_model_errors():
    v = theory.Layer("v", "N_v", lg.quadratic(), activation="g")
    h = theory.Layer("h", "N_h", lg.logsumexp(1), activation="f")
    with pytest.raises(theory.ModelError, match="Unknown layer `z`"):
        theory.EnergyModel((v, h), (theory.dense(h, v),)).layer("z")
    with pytest.raises(theory.ModelError, match="not the activation of any layer"):
        from theory.vector import Vector, VSum

        theory.EnergyModel((v,), (theory.Synapse(-VSum(Vector("q", v.size) * v.g, v.size), "s"),))
    with pytest.raises(theory.ModelError, match="must be symmetric"):
        theory.recurrent(v, theory.Weight("W", v.size, v.size))
    with pytest.raises(theory.ModelError, match="unique"):
        theory.EnergyModel((v, theory.Layer("v", "N_h", lg.quadratic())), ())
    with pytest.raises(theory.ModelError, match="must have shape"):
        theory.dense(h, v, theory.Weight("xi", v.size, h.size))
    with pytest.raises(theory.ModelError, match="Cannot integrate out `v`: the synapse energies are not linear"):
        from theory.vector import VSum

        theory.EnergyModel((v, h), (theory.Synapse(-VSum(v.g**2, v.size) * VSum(h.g, h.size), "nl"),)).integrate_out("v")
    with pytest.raises(lg.LagrangianError, match="scalar"):
        lg.Lagrangian(lg.X)


def test_spec_errors(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name="x"\n[[layers]]\nname="v"\nsize="N"\nlagrangian="nonsense"\n')
    with pytest.raises(theory.SpecError, match="Unknown Lagrangian `nonsense`"):
        theory.load(f)
    f.write_text('name="x"\n[[layers]]\nname="v"\nsize="N"\nlagrangian="quadratic"\n[[synapses]]\nkind="dense"\npost="h"\npre="v"\n')
    with pytest.raises(theory.SpecError, match="unknown layer `h`"):
        theory.load(f)
    f.write_text("not toml [")
    with pytest.raises(theory.SpecError, match="not valid TOML"):
        theory.load(f)


@pytest.mark.parametrize("name", theory.builtin_names())
def test_jupyter_latex_renders(name):
    m = theory.builtin(name)
    assert m._repr_latex_().startswith("$\\begin{aligned}")
    for lay in m.layers:
        assert lay._repr_latex_().startswith("$")
        assert lay.hessian._repr_latex_().startswith("$")
        assert lay.lagrangian._repr_latex_().startswith("$L(x) =")
        assert lay.certificate._repr_markdown_().startswith("**")
    if len(m.layers) > 1:
        assert "E_{\\text{eff}}" in m.integrate_out(m.layers[0].name)._repr_latex_()


def test_variant_spec_edits_a_copy_and_names_bad_entries():
    import pytest

    import theory
    from theory.specs import SpecError, builtin_spec, variant_spec

    spec = variant_spec("model_a", "a20", lagrangians={"h": {"name": "rectified_power", "n": "20"}})
    assert builtin_spec("model_a")["layers"][1]["lagrangian"] != spec["layers"][1]["lagrangian"]  # the built-in is untouched
    m = theory.from_dict(spec)
    assert m.name == "a20" and theory.builtin("model_a").layer("h").lagrangian != m.layer("h").lagrangian
    untied = variant_spec("threshold", weights={"xi_v": {"shape": ["N_h", "N_v"]}}, couplings={"v": {"weight": "xi_v"}})
    with pytest.raises(theory.NoEnergyError):
        theory.from_dict(untied)
    with pytest.raises(SpecError, match="no layer 'q'"):
        variant_spec("model_a", lagrangians={"q": "quadratic"})
    with pytest.raises(SpecError, match="one coupling into 'x'"):
        variant_spec("threshold", couplings={"x": {"weight": "w"}})


@pytest.mark.parametrize("bad", ["I\\u0000", "xi\\nrm", "\\u03be", "a b", "1x", ""])
@pytest.mark.parametrize("where", ["weight", "input"])
def test_weight_and_input_names_are_validated(tmp_path, bad, where):
    """Regression: NUL, newline and non-ASCII weight/input names were accepted and printed verbatim."""
    from theory import SpecError, load

    syn = f'kind = "dense"\npost = "h"\npre = "v"\nweight = "{bad}"' if where == "weight" else f'kind = "input"\nlayer = "v"\nname = "{bad}"'
    spec = tmp_path / "m.toml"
    spec.write_text(f'name = "m"\n[[layers]]\nname = "v"\nsize = "N"\nlagrangian = "quadratic"\nactivation = "g"\n'
                    f'[[layers]]\nname = "h"\nsize = "K"\nlagrangian = "logsumexp"\nactivation = "f"\n[[synapses]]\n{syn}\n')
    with pytest.raises((SpecError, ValueError), match="identifier"):
        load(spec)


@pytest.mark.parametrize("synapse, msg", [
    ({"post": "h", "pre": "v", "weight": "xi"}, "give its kind"),
    ({"kind": "dense", "post": "h", "pre": "v"}, "give its weight's name"),
    ({"kind": "recurrent", "layer": "v"}, "give its weight's name"),
])
def test_spec_synapse_defaults_are_not_guessed(synapse, msg):
    """Regression: a synapse without kind was taken as dense, and one without weight as `xi`, so two such
    synapses silently shared one weight; both must now be given."""
    spec = {"name": "s", "layers": [{"name": "v", "size": "N", "lagrangian": "quadratic"}, {"name": "h", "size": "M", "lagrangian": "quadratic"}],
            "synapses": [synapse]}
    with pytest.raises(theory.SpecError, match=msg):
        theory.from_dict(spec)


def test_derive_prints_effective_model_in_the_states():
    """The effective energy, fixed point and dynamics are all written in the remaining states (the energy was in
    sign(v) and the dynamics in sigma); the activation forms are kept beside them."""
    from numerics.cli import derive_report

    eff = derive_report(theory.builtin("model_a"), "h", check=False)["effective"]
    for text in (eff["energy"]["str"], eff["fixed_point"]["str"], eff["dynamics"]["v"]["str"]):
        assert "sign(v)" in text and "sigma" not in text, text
    assert "sigma" in eff["dynamics_activations"]["v"]["str"]


def test_info_reports_versions_backends_and_blas(capsys, monkeypatch):
    import numpy as np

    from numerics import blas

    assert main(["info", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["numpy"] == np.__version__ and "numpy" in rep["backends"]
    assert rep["blas"]["library"] and rep["blas"]["summary"].startswith(rep["blas"]["library"])
    # where OpenBLAS runs below the CPU, the text output ends with the hint (a constructed report, not this machine's)
    monkeypatch.setattr(blas, "blas_info", lambda: blas.BlasInfo("openblas", "0.3", "Haswell", 2, "Haswell", True))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "Haswell kernels" in out and out.strip().splitlines()[-1].startswith("note: OPENBLAS_CORETYPE=Haswell")
    monkeypatch.setattr(blas, "blas_info", lambda: blas.BlasInfo("openblas", "0.3", "SkylakeX", 2, None, True))
    assert main(["info"]) == 0
    assert "note:" not in capsys.readouterr().out
    import platform

    monkeypatch.setenv("AMWB_HEAP_TOP_PAD_MIB", "lots")  # a bad setting is reported, not raised
    assert main(["info", "--json"]) == 0
    heap = json.loads(capsys.readouterr().out)["heap_top_pad_mib"]
    assert heap.startswith("invalid" if platform.libc_ver()[0] == "glibc" else "not applied")
    monkeypatch.setattr(platform, "libc_ver", lambda: ("musl", "1.2"))  # elsewhere nothing is applied: said so
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["heap_top_pad_mib"].startswith("not applied")


def test_a_bad_heap_setting_is_one_clear_error(monkeypatch, capsys):
    """Regression: the entry points apply the heap setting now (not the backend); a bad value is one error naming it,
    exit 2, from amwb and from the main job alike (numerics.allocator.tune_process)."""
    from paper_checks.__main__ import main as main_job

    monkeypatch.setenv("AMWB_HEAP_TOP_PAD_MIB", "lots")
    for entry, argv in ((main, ["models"]), (main_job, ["--list"])):
        assert entry(argv) == 2
        captured = capsys.readouterr()
        assert "AMWB_HEAP_TOP_PAD_MIB" in captured.err and "lots" in captured.err and not captured.out


def test_amwb_alone_shows_the_commands_and_version_is_known(capsys):
    """A newcomer's first two tries: `amwb` alone said only "arguments are required: cmd"; `--version` did not exist."""
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "derive" in err and "capacity" in err and "--version" in err
    with pytest.raises(SystemExit) as ex:
        main(["--version"])
    assert ex.value.code == 0 and capsys.readouterr().out.startswith("amwb ")


def test_derive_defines_the_activation_symbols_it_prints(capsys):
    """The compact energy writes activations as symbols (sigma, f for Model A); each is defined in the output."""
    assert main(["derive", "model_a", "--no-check"]) == 0
    out = capsys.readouterr().out
    where = next(line for line in out.splitlines() if line.strip().startswith("where "))
    assert "sigma = sign(v)" in where and "f = " in where and "layer h" in where
    assert main(["derive", "model_a", "--no-check", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert set(rep["activation_symbols"]) == {"sigma", "f"}


def test_a_formula_given_as_a_lagrangian_name_gets_the_table_hint():
    with pytest.raises(theory.SpecError, match=r'lagrangian = \{ expr = "x\*\*2/2" \}'):
        theory.from_dict({"name": "t", "layers": [{"name": "v", "size": "N", "lagrangian": "x**2/2"}]})


@pytest.mark.parametrize("cmd", [["amwb", "models"], ["python", "-m", "paper_checks", "--list"]])
def test_output_into_a_closed_pipe_is_quiet(cmd):
    """`... | head` closes the pipe early: the command stops without a BrokenPipeError traceback."""
    import subprocess
    import sys

    if cmd[0] == "python":
        cmd = [sys.executable, *cmd[1:]]
    else:
        cmd = [sys.executable, "-c", "import sys; from numerics.cli import main; sys.exit(main(sys.argv[1:]))", *cmd[1:]]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader is gone before the first line is written (the imports take longer than this)
    err = p.stderr.read().decode()
    p.stderr.close()
    assert p.wait(120) == 0 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_amwb_phases_json(capsys):
    """`amwb phases` (issue 31): classical Hopfield has its continuous transition at T = 1 (its own temperature N T), no
    tricritical point; dense n = 3 is first order with a spinodal above the coexistence temperature; an extensive
    quartic F on phases gives the onset and the tricritical point as expressions in T, and branches with a barrier."""
    assert main(["phases", "classical_hopfield", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert {"model", "site", "approximation", "free_energy", "self_consistency", "landau", "critical", "tricritical", "branches", "barrier"} <= set(rep)
    assert rep["site"] == "ising" and rep["critical"]["T"]["value"] == 1.0 and rep["tricritical"] is None
    assert rep["temperature_scale"]["str"] == "N_v" and rep["landau"][0] == {"order": 2, "coefficient": {"str": "(T - 1)/2", "latex": "\\frac{T - 1}{2}", "value": None}}
    assert main(["phases", "dam_power", "--param", "n=3", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    t = rep["transitions"]
    assert rep["critical"] == {} and t["order"] == "first" and t["spinodal"][0]["value"] > t["coexistence"][0]["value"] > 0
    assert main(["phases", "--F", "K*m**2/2 + C*m**4/4", "--site", "phase", "--control", "K", "--param", "T=0.5", "--param", "C=1",
                 "--param", "K=0.95", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["critical"]["K"]["str"] == "2*T" and rep["tricritical"] == {"C": {"str": "T", "latex": "T", "value": 0.5},
                                                                          "K": {"str": "2*T", "latex": "2 T", "value": 1.0}}
    assert [b["stable"] for b in rep["branches"]] == [True, False, True] and rep["barrier"]["barrier"] > 0


@pytest.mark.parametrize(
    "argv,match",
    [
        (["phases", "dam_exp"], "no temperature scale"),
        (["phases", "model_b"], "no mean-field theory"),
        (["phases"], "exactly one"),
        (["phases", "--F", "__import__('os')"], "dunder"),
        (["phases", "--F", "m**2/2", "--param", "T=-1"], "`T`"),
        (["phases", "classical_hopfield", "--site", "phase"], "has ising sites"),
    ],
)
def test_amwb_phases_refuses_what_it_cannot_treat(argv, match, capsys):
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_amwb_phases_draws_the_phase_diagram(tmp_path, capsys):
    """--x/--y classify a grid (in the JSON) and --plot writes the figure; a bad figure path is refused before any
    derivation (nothing is written, exit 2)."""
    out = tmp_path / "pd.png"
    assert main(["phases", "--F", "K*m**2/2 + C*m**4/4", "--site", "phase", "--param", "T=1", "--control", "K",
                 "--x", "K", "1", "3", "--y", "C", "0", "3", "--grid", "40", "--plot", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    grid = rep["phase_grid"]
    assert grid["x"]["name"] == "K" and len(grid["phase"]) == 40 and {c for row in grid["phase"] for c in row} == {0, 1, 2, 3}
    assert out.read_bytes()[:4] == b"\x89PNG"
    for bad, match in ((str(tmp_path / "missing" / "x.png"), "does not exist"), (str(tmp_path / "x.xyz"), "must end in"),
                       (str(tmp_path), "must end in")):
        assert main(["phases", "classical_hopfield", "--x", "T", "0.5", "1.5", "--y", "T", "1", "2", "--plot", bad]) == 2
        assert match in capsys.readouterr().err
    assert main(["phases", "classical_hopfield", "--plot", str(out)]) == 2
    assert "go together" in capsys.readouterr().err


def test_capacity_outputs_are_checked_before_the_simulation(tmp_path, capsys, monkeypatch):
    """Regression (issue 33, item 9): `--plot` into a missing folder or with an unknown suffix, and `--out` naming a
    file, raised after the whole simulation. Now each is refused first (the simulation is never called)."""
    from numerics import capacity as cap

    monkeypatch.setattr(cap, "check", lambda *a, **k: (_ for _ in ()).throw(AssertionError("simulated before checking outputs")))
    blocker = tmp_path / "file"
    blocker.write_text("")
    for extra, match in ((["--plot", str(tmp_path / "missing" / "c.png")], "does not exist"), (["--plot", str(tmp_path / "c.xyz")], "must end in"),
                         (["--out", str(blocker)], "is a file"), (["--out", str(tmp_path / "no" / "store")], "parent folder")):
        assert main(["capacity", "classical_hopfield", "--N", "32", *extra]) == 2
        assert match in capsys.readouterr().err
