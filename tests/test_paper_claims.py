"""Every paper claim at quick scale (test ids are the claim ids), and the runner's contract."""

import dataclasses
import json

import pytest

import paper_checks
from paper_checks import Claim, Result, Skip
from paper_checks.__main__ import main
from paper_checks.report import write_report
from paper_checks.runner import exit_status, run_claims
from paper_checks.tolerance import AtMost, Within

CLAIMS = paper_checks.all_claims()


def test_catalogue_size_and_unique_ids():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids)) >= 40


@pytest.mark.parametrize("c", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_quick_scale(c):
    rec = run_claims([c], "quick", out=None, progress=False).claims[0]
    assert rec.verdict != "ERROR", rec.detail
    if rec.verdict == "SKIP":  # only CIFAR-10 is absent here; its code path is tested on a synthetic folder below
        assert c.id in ("BPD-11c", "BPD-11d") and "CIFAR-10 numbers not measured" in rec.detail, rec
        return
    assert rec.verdict == "PASS" or (rec.verdict == "FAIL" and c.known_discrepancy), rec
    assert rec.peak_rss_mb is None or rec.peak_rss_mb > 0


def test_cifar_claim_runs_on_a_synthetic_folder(tmp_path, monkeypatch):
    import pickle

    import numpy as np

    from paper_checks.bpd2026 import learning as tl

    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (40, 3072), dtype=np.uint8), b"labels": list(rng.integers(0, 10, 40))}
        (d / name).write_bytes(pickle.dumps(batch))
    monkeypatch.setenv("AMWB_DATA", str(tmp_path))
    monkeypatch.setattr(tl, "_DATA", {})
    c = next(c for c in CLAIMS if c.id == "BPD-11c")
    r = c.compute({"dataset": "cifar10", "N_h": [12], "epochs": 2, "lr": 0.01, "batch": 64, "preprocessing": "scaled"}, 0)
    assert r.measured["images"] == 200 and r.measured["all_fixed"]
    assert 1 <= r.measured["unique"] <= 200
    t1 = next(c for c in CLAIMS if c.id == "BPD-11d").compute(  # Table 1 on the same folder: three accuracies in [0, 1]
        {"dataset": "cifar10", "N_h": [12], "epochs": 2, "lr": 0.01, "batch": 64, "preprocessing": "scaled"}, 0)
    assert set(t1.measured) == {"hidden", "recalled_visible", "original"} and all(0 <= v <= 1 for v in t1.measured.values())


def _fake(cid, fn, known=None):
    return Claim(cid, "Test 2026", "Eq. 1", "a statement", "numeric", 1.0, Within(1.0, "x", abs=0.1), "because", fn, known_discrepancy=known)


def _res(value, **kw):
    """A compute function's result whose tolerance reads the measured value itself."""
    return Result(value, checked=value, **kw)


def test_runner_verdicts_and_exit_status(tmp_path):
    good = _fake("T-1", lambda p, s: _res(1.0))
    bad = _fake("T-2", lambda p, s: _res(2.0))
    known = _fake("T-3", lambda p, s: _res(2.0), known="evidence: ...")
    skip = _fake("T-4", lambda p, s: (_ for _ in ()).throw(Skip("no data directory")))
    err = _fake("T-5", lambda p, s: 1 / 0)
    doc = run_claims([good, known, skip], "quick", tmp_path, progress=False)
    assert [r.verdict for r in doc.claims] == ["PASS", "FAIL", "SKIP"] and exit_status(doc) == 0
    assert "no data directory" in doc.claims[2].detail
    assert exit_status(run_claims([bad], "quick", None, progress=False)) == 1
    assert exit_status(run_claims([err], "quick", None, progress=False)) == 1
    import matplotlib.pyplot as plt

    figs = _fake("T-6", lambda p, s: _res(1.0, figure={"a": plt.figure(), "b": plt.figure()}))
    rec = run_claims([figs], "quick", tmp_path, progress=False).claims[0]
    assert rec.figures == ("figures/T-6-a.png", "figures/T-6-b.png") and all((tmp_path / f).exists() for f in rec.figures)
    doc = dataclasses.replace(doc, claims=(*doc.claims, rec))
    write_report(doc, tmp_path)
    assert "figures/T-6-b.png" in (tmp_path / "report.md").read_text()
    res = json.loads((tmp_path / "results.json").read_text())
    assert set(res) == {"scale", "total_seconds", "machine", "load", "claims"}
    first = (tmp_path / "report.md").read_text().splitlines()[0]
    assert first.startswith("**") and "PASS" in first and "ERROR" in first and "CPUs" in first and "quick scale" in first
    for r in res["claims"]:
        assert {"id", "paper", "statement", "expected", "measured", "tolerance", "verdict", "known_discrepancy", "seconds"} <= set(r)
    assert "## T-1" in (tmp_path / "report.md").read_text()


def test_claim_validation():
    with pytest.raises(ValueError, match="look like"):
        _fake("bad id", lambda p, s: None)
    with pytest.raises(ValueError, match="kind"):
        Claim("T-9", "p", "s", "st", "guess", 1, "t", "r", lambda p, s: None)


def test_cli_only_and_outputs(tmp_path, capsys):
    assert main(["--only", "KH21-5a", "BPD-2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "KH21-5a" in out and "BPD-2" in out and "passed" in out
    doc = json.loads((tmp_path / "results.json").read_text())
    assert [r["id"] for r in doc["claims"]] == ["KH21-5a", "BPD-2"]
    assert main(["--only", "NOPE-1"]) == 2


def test_figures_written(tmp_path):
    assert main(["--only", "MP-1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "figures" / "MP-1.png").exists()
    assert "![MP-1](figures/MP-1.png)" in (tmp_path / "report.md").read_text()


def test_readme_lists_every_claim():
    from pathlib import Path

    from paper_checks.readme_table import claim_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [c.id for c in CLAIMS if f"| {c.id} |" not in readme]
    assert not missing, f"README claim table lacks {missing}"
    assert "\n".join(claim_table()) in readme, "README claim table differs from the records: run `python -m paper_checks.readme_table --write`"


def test_main_refuses_bad_arguments_before_computing(tmp_path, capsys):
    """--jobs < 1, a missing --data-dir and an unwritable --out/--json are errors before any claim runs."""
    import pytest as _pytest

    from paper_checks.__main__ import main

    for bad in ("0", "-2", "x"):
        with _pytest.raises(SystemExit):
            main(["--only", "CHN-0", "--jobs", bad, "--out", str(tmp_path / "o")])
    assert main(["--only", "CHN-0", "--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["--only", "CHN-0", "--out", str(blocker / "sub")]) == 2
    assert main(["--only", "CHN-0", "--out", str(tmp_path / "o"), "--json", str(blocker / "r.json")]) == 2
    err = capsys.readouterr().err
    assert "`--data-dir`" in err and "`--out`" in err and "`--json`" in err
    assert not (tmp_path / "o" / "claims").exists(), "nothing ran"


def test_each_claim_saved_as_it_finishes(tmp_path):
    from paper_checks import all_claims
    from paper_checks.runner import run_claims

    claims = [c for c in all_claims() if c.id in ("CHN-0", "MP-1")]
    doc = run_claims(claims, "quick", tmp_path, progress=False)
    for rec in doc.claims:
        saved = json.loads((tmp_path / "claims" / f"{rec.id}.json").read_text())
        assert saved["verdict"] == rec.verdict


def test_capacity_claims_take_their_expected_values_from_the_derived_law(tmp_path):
    derived = {c.id for c in CLAIMS if c.expected_source.startswith("derived from the model")}
    assert {"KH16-2", "KH16-3", "KH16-4", "KH16-6", "KH16-7", "CHN-2", "DEM-1", "DEM-2"} <= derived
    c = Claim("T-7", "Test 2026", "Eq. 1", "a statement", "numeric", 1.0, Within(1.0, "x", abs=0.1), "because", lambda p, s: _res(1.0),
              expected_source="derived from the model: theory.capacity_law(...)")
    doc = run_claims([c], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "*derived from the model:*" in text and "(derived from the model: theory.capacity_law(...))" in text
    with pytest.raises(ValueError, match="expected_source"):
        Claim("T-8", "Test", "Eq. 1", "s", "numeric", 1.0, AtMost(1.0, "t"), "r", lambda p, s: _res(1.0), expected_source="a blog")


def test_roles_and_margins_in_the_report(tmp_path):
    from paper_checks.claim import ROLES

    assert {c.role for c in CLAIMS} <= set(ROLES)
    ids = {c.id: c.role for c in CLAIMS}
    for cid in ("RAM-1", "BPD-7", "BPD-8", "MP-3", "HU-2", "EPA-1", "KH16-1", "KH16-2"):  # the trivial-but-true ones
        assert ids[cid] == "identity", cid
    c = Claim("T-9", "Test 2026", "Eq. 1", "s", "numeric", 1.0, Within(1.0, "x", abs=0.1), "r", lambda p, s: _res(1.02), role="identity")
    doc = run_claims([c], "quick", tmp_path, progress=False)
    assert doc.claims[0].margin == pytest.approx(0.8) and doc.claims[0].role == "identity"
    write_report(doc, tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "| identity |" in text and "+0.80" in text
    with pytest.raises(ValueError, match="role"):
        Claim("T-10", "Test", "Eq. 1", "s", "numeric", 1.0, AtMost(1.0, "t"), "r", lambda p, s: _res(1.0), role="guess")


def test_html_report_has_every_figure_and_claim(tmp_path, monkeypatch):
    """report.html beside report.md: parsed, every claim has its row and section, every <img> embeds its PNG (the page
    alone shows the figures; it linked figures/ before, and showed none when copied on its own)."""
    from html.parser import HTMLParser

    import matplotlib.pyplot as plt

    import paper_checks.recorded as recorded

    monkeypatch.setattr(recorded, "RECORD_DIR", tmp_path / "nothing-recorded")  # the committed records add a section of their own
    figs = _fake("T-11", lambda p, s: _res(1.0, detail="d <b>", figure={"a": plt.figure(), "b": plt.figure()}))
    plain = _fake("T-12", lambda p, s: _res(2.0), known="evidence <here>")
    doc = run_claims([figs, plain], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.imgs, self.ids, self.rows = [], [], 0

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "img":
                self.imgs.append(a["src"])
            if tag == "section":
                self.ids.append(a["id"])
            if tag == "tr":
                self.rows += 1

    page = Page()
    text = (tmp_path / "report.html").read_text()
    page.feed(text)
    assert page.ids == ["t-11", "t-12"] and page.rows == 3  # header + one per claim
    import base64

    prefix = "data:image/png;base64,"
    assert len(page.imgs) == 2 and all(src.startswith(prefix) for src in page.imgs)
    embedded = [base64.b64decode(src[len(prefix):]) for src in page.imgs]
    assert embedded == [(tmp_path / f).read_bytes() for f in doc.claims[0].figures]  # the files' exact bytes
    assert "<here>" not in text and "&lt;here&gt;" in text  # text is escaped, never markup
    assert "<script" not in text


def _chromium() -> str | None:
    import shutil

    return next((b for b in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable") if shutil.which(b)), None)


def test_html_report_loads_in_headless_chromium(tmp_path):
    """In a real browser every figure of report.html loads (complete, nonzero width), from a copy of the page alone in
    another folder (the figures are embedded). The copy gets a probe script that writes the count of loaded images
    into the DOM, which --dump-dom prints. Skipped without Chromium (.ci/run installs it)."""
    import re
    import subprocess

    import matplotlib.pyplot as plt

    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian: apt install chromium)")
    figs = _fake("T-13", lambda p, s: _res(1.0, figure={"a": plt.figure(), "b": plt.figure()}))
    doc = run_claims([figs], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)
    probe = ("<script>window.addEventListener('load', () => { const im = [...document.images];"
             " document.body.setAttribute('data-loaded', im.filter(i => i.complete && i.naturalWidth > 0).length + '/' + im.length); });</script>")
    (tmp_path / "alone").mkdir()
    page = tmp_path / "alone" / "probe.html"  # no figures/ beside it
    page.write_text((tmp_path / "report.html").read_text().replace("</body>", probe + "</body>"))
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                        "--virtual-time-budget=10000", "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    m = re.search(r'data-loaded="(\d+)/(\d+)"', r.stdout)
    assert m, r.stderr[-2000:]
    assert m.group(1) == m.group(2) == "2"


def test_measured_cells_are_human_readable_and_figures_captioned(tmp_path):
    from paper_checks.record import ClaimRecord
    from paper_checks.report import caption, human

    assert human({"K_max": [65.0, 183.25, 573.0], "slope": 1.570011, "ok": True}) == "K_max: 65 / 183 / 573; slope: 1.57; ok: true"
    assert human({"a": {"mean": 0.99909, "se": 0.0018}, "b": {"c": {"d": 1}}, "pts": [{"N": 1}]}) == "a: (mean 0.999, se 0.0018); b: {...}; pts: [1 items]"
    assert len(human({"x": list(range(100))}, 30)) <= 30
    r = ClaimRecord(id="T-1", paper="p", source="s", statement="A holds.", kind="numeric", expected=1, expected_source="paper",
                    role="reproduction", tolerance="|x| < 1", tolerance_reason="r", params={}, seed=0, known_discrepancy=None, verdict="PASS")
    assert caption(r) == "Figure T-1: A holds. Verdict PASS; the claim would fail if this did not hold: |x| < 1."


def test_summary_is_the_first_line_of_the_report(tmp_path):
    from paper_checks.report import summary_line

    doc = run_claims([_fake("T-14", lambda p, s: _res(1.0))], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)
    first = (tmp_path / "report.md").read_text().splitlines()[0]
    assert first == f"**{summary_line(doc)}**" and first.startswith("**1 PASS · 0 FAIL")


def test_readme_paper_scale_numbers_are_the_recorded_ones():
    """The manual's paper-scale table is exactly what paper_checks/recorded/paper.json says (no typed figures)."""
    from paper_checks.readme_table import MANUAL_PAGE, paper_scale_section

    page = MANUAL_PAGE.read_text()
    assert "\n".join(paper_scale_section()) in page, "the manual's paper-scale table is stale: run `python -m paper_checks.readme_table --write`"


def test_record_merges_and_never_erases_a_measurement(tmp_path):
    from paper_checks.recorded import load, record
    from paper_checks.report import recorded_table as table

    path = tmp_path / "paper.json"

    def doc(verdict, measured):
        return {"scale": "paper", "machine": {"cpus": 2, "platform": "x"}, "load": None,
                "claims": [{"id": "BPD-10", "verdict": verdict, "measured": measured, "margin": 0.5 if verdict == "PASS" else None,
                            "seconds": 3.0, "known_discrepancy": None, "detail": ""}]}

    record(doc("PASS", {"unique": 57000}), path)
    record(doc("SKIP", None), path)  # a machine without MNIST
    r = load("paper", path)["claims"]["BPD-10"]
    assert r["verdict"] == "PASS" and r["measured"] == {"unique": 57000}
    record(doc("FAIL", {"unique": 100}), path)  # a new measurement replaces the old one
    assert load("paper", path)["claims"]["BPD-10"]["measured"] == {"unique": 100}
    rows = table("paper", path)
    assert rows[2].startswith("| BPD-10 | FAIL |") and "unique: 100" in rows[2]
    from paper_checks.report import flat

    assert flat({"rows": {"base": {"acc": 0.92181, "ok": True}}, "k": [1, 2]}) == "rows / base / acc: 0.922; rows / base / ok: true; k: 1 / 2"
    with pytest.raises(ValueError, match="scale"):
        load("quick", path)


def test_quick_report_repeats_the_recorded_paper_scale_results(tmp_path, monkeypatch):
    import paper_checks.recorded as recorded

    monkeypatch.setattr(recorded, "RECORD_DIR", tmp_path / "rec")
    recorded.record({"scale": "paper", "machine": {"cpus": 2}, "load": None,
                     "claims": [{"id": "T-21", "verdict": "PASS", "measured": {"unique": 57000}, "margin": 0.4, "seconds": 9.0}]})
    doc = run_claims([_fake("T-21", lambda p, s: _res(1.0))], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)
    md, page = (tmp_path / "report.md").read_text(), (tmp_path / "report.html").read_text()
    assert "## Recorded at paper scale" in md and "| T-21 | PASS | +0.40 | unique: 57000 |" in md
    assert "id='recorded-at-paper-scale'" in page and "unique: 57000" in page


def test_run_record_is_typed_and_round_trips(tmp_path):
    """results.json is the Run's JSON (the keys it always had) and reads back into equal records; bad records are refused."""
    from paper_checks.record import ClaimRecord, Run

    doc = run_claims([_fake("T-30", lambda p, s: Result({"x": 1.5}, detail="ok", checked=1.075))], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)
    back = Run.from_json(json.loads((tmp_path / "results.json").read_text()))
    assert back == doc
    rec = doc.claims[0]
    with pytest.raises(ValueError, match="`verdict`"):
        dataclasses.replace(rec, verdict="MAYBE")
    with pytest.raises(ValueError, match="`margin`"):
        dataclasses.replace(rec, margin=float("nan"))
    with pytest.raises(ValueError, match="repeat"):
        Run("quick", (rec, rec))
    with pytest.raises(TypeError, match="ClaimRecord"):
        Run("quick", (rec.to_json(),))
    assert isinstance(rec, ClaimRecord)


def test_a_nan_never_passes():
    """Regression: a compute function's NaN margin was stored as it came, beside a PASS; now the tolerance decides, and
    a NaN measurement fails with no margin (JSON has no NaN)."""
    rec = run_claims([_fake("T-31", lambda p, s: _res(float("nan")))], "quick", None, progress=False).claims[0]
    assert rec.verdict == "FAIL" and rec.margin is None and "nan" in rec.decision.lower()


def test_markdown_and_html_say_the_same(tmp_path, monkeypatch):
    """Both pages render one report model: every section item of the Markdown page is in the HTML page too (the HTML
    page lacked the margin, the memory and the parameters before)."""
    import html as _html
    import re

    import paper_checks.recorded as recorded
    from paper_checks.report import build, markdown, text

    monkeypatch.setattr(recorded, "RECORD_DIR", tmp_path / "nothing-recorded")
    doc = run_claims([_fake("T-32", lambda p, s: _res(1.02, detail="evidence")),
                      _fake("T-33", lambda p, s: (_ for _ in ()).throw(Skip("needs MNIST"))),
                      _fake("T-34", lambda p, s: _res(3.0), known="seen in the paper's own code")], "quick", tmp_path, progress=False)
    write_report(doc, tmp_path)
    md = (tmp_path / "report.md").read_text()
    page = _html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "report.html").read_text()))
    items = re.findall(r"^- ([a-z ]+): (.*)$", md, flags=re.M)
    assert len(items) >= 14
    for label, value in items:
        assert f"{label}: {value.replace('**', '').replace('`', '')}" in page, (label, value)
    terminal = text(build(doc), width=100)
    assert "T-33 SKIP: skipped: needs MNIST" in terminal and "FAIL*" in terminal and "marked *" in terminal
    assert markdown(build(doc)).splitlines()[0] == md.splitlines()[0]


def test_a_figure_gone_before_the_report_does_not_cost_the_report(tmp_path):
    """Regression: a figure file removed between the run and the report (a cleaned folder) raised in the HTML renderer,
    after every claim had run; the page now says the file could not be read."""
    import matplotlib.pyplot as plt

    doc = run_claims([_fake("T-35", lambda p, s: _res(1.0, figure=plt.figure()))], "quick", tmp_path, progress=False)
    (tmp_path / doc.claims[0].figures[0]).unlink()
    write_report(doc, tmp_path)
    assert "could not be read" in (tmp_path / "report.html").read_text()


# ------------------------------------------------------------------ tolerances as objects

#: claims whose rule is still decided by their compute function (a string tolerance): BPD-11/11d change rule with the
#: scale (the digits proxy at quick scale, Table 1 at paper scale), BPD-12/13 are checklists over models and ablation rows
STRING_TOLERANCES = {"BPD-11", "BPD-11d", "BPD-12", "BPD-13"}


def test_claims_state_their_tolerance_as_an_object():
    """Every claim's rule is a Tolerance that decides and prints itself (the English and the number were written apart
    before, and nothing held them together); no new claim may go back to a string."""
    from paper_checks.tolerance import Tolerance

    strings = {c.id for c in CLAIMS if not isinstance(c.tolerance, Tolerance)}
    assert strings <= STRING_TOLERANCES, f"claims with a string tolerance: {sorted(strings - STRING_TOLERANCES)}"


def test_a_tolerance_object_decides_and_the_compute_function_may_not():
    from paper_checks.tolerance import AtMost

    c = Claim("T-40", "Test 2026", "Eq. 1", "s", "numeric", 0.0, AtMost(1e-3, "error"), "r", lambda p, s: Result(5e-4, checked=5e-4))
    rec = run_claims([c], "quick", None, progress=False).claims[0]
    assert rec.verdict == "PASS" and rec.margin == pytest.approx(0.5) and rec.tolerance == "error <= 0.001"
    assert rec.decision == "error 0.0005 <= 0.001"
    bad = Claim("T-41", "Test 2026", "Eq. 1", "s", "numeric", 0.0, AtMost(1e-3, "error"), "r", lambda p, s: Result(2e-3, checked=2e-3))
    assert run_claims([bad], "quick", None, progress=False).claims[0].verdict == "FAIL"
    with pytest.raises(ValueError, match="must be a paper_checks.tolerance.Tolerance"):
        Claim("T-42", "Test 2026", "Eq. 1", "s", "numeric", 0.0, "error <= 1e-3", "r", lambda p, s: Result(2e-3, checked=2e-3))
    missing = Claim("T-43", "Test 2026", "Eq. 1", "s", "numeric", 0.0, AtMost(1e-3, "error", key="err"), "r", lambda p, s: Result(1e-4))
    rec = run_claims([missing], "quick", None, progress=False).claims[0]
    assert rec.verdict == "ERROR" and "checked['err']" in rec.detail


@pytest.mark.parametrize(
    "rule,good,bad",
    [
        ("AtMost(1.0, 'x')", [0.2, 0.9], [0.2, 1.1]),
        ("AtLeast(0.9, 'x', ideal=1.0)", [0.95, 1.0], [0.95, 0.89]),
        ("Within(2.0, 'x', abs=0.1)", [1.95, 2.05], [1.95, 2.2]),
        ("Within(2.0, 'x', rel=0.1)", [1.9, 2.1], [1.7]),
        ("Between(0.13, 0.17, 'x')", [0.14, 0.16], [0.12]),
        ("WithinFactor(2.0, 'x')", [0.6, 1.9], [0.4]),
        ("Holds('x')", [True, True], [True, False]),
    ],
)
def test_each_rule_passes_inside_fails_outside_and_never_on_nan(rule, good, bad):
    """Each rule can fail: a value outside it (any one of several) fails, and a NaN never passes; the margin is 0 at
    the edge (1 - |deviation| / allowed), negative when failing."""
    import math

    from paper_checks import tolerance as tl

    t = eval(rule, vars(tl))  # noqa: S307 - the test's own literal rules
    ok = t.decide(good)
    assert ok.ok and (ok.margin is None or 0 <= ok.margin <= 1), (rule, ok)
    no = t.decide(bad)
    assert not no.ok and (no.margin is None or no.margin < 0), (rule, no)
    if not isinstance(t, tl.Holds):
        nan = t.decide([good[0], math.nan])
        assert not nan.ok and nan.margin is None
    with pytest.raises(TypeError):
        tl.Holds("x").decide(0.5)  # a number where a statement is expected is an error, not a verdict


def test_all_of_takes_the_worst_margin_and_names_missing_values():
    from paper_checks.tolerance import AllOf, AtMost, Holds, Within

    t = AllOf(AtMost(1.0, "a", key="a"), Within(0.0, "b", abs=2.0, key="b"), Holds("c", key="c"))
    d = t.decide({"a": 0.5, "b": 1.5, "c": True})
    assert d.ok and d.margin == pytest.approx(0.25) and str(t) == "a <= 1; |b - 0| <= 2; c"
    assert not t.decide({"a": 0.5, "b": 1.5, "c": False}).ok
    with pytest.raises(KeyError, match="'b'"):
        t.decide({"a": 0.5, "c": True})
    with pytest.raises(ValueError, match="key"):
        AllOf(AtMost(1.0, "a"), AtMost(2.0, "b"))
    with pytest.raises(ValueError, match="exactly one"):
        Within(1.0, "x")


def test_outputs_in_the_way_are_refused_before_any_claim_runs(tmp_path, capsys):
    """Regression (issue 33, item 9): `--json DIR` (a folder) or an `--out` whose figures/ or claims/ is a file raised
    after every claim had run, and the report was not written. Now both are errors before the run."""
    (tmp_path / "j").mkdir()
    assert main(["--only", "CHN-0", "--out", str(tmp_path / "o"), "--json", str(tmp_path / "j")]) == 2
    out = tmp_path / "o2"
    out.mkdir()
    (out / "figures").write_text("")
    assert main(["--only", "CHN-0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "is in the way" in err
    assert not (out / "claims").exists() and not (tmp_path / "o" / "claims").exists()


def test_a_corrupted_recorded_file_does_not_break_the_report(tmp_path, monkeypatch):
    """Regression (issue 33, item 11): a corrupted paper_checks/recorded/paper.json raised in every quick run's report,
    even without --record. The report now says the file is unreadable in its recorded section."""
    import paper_checks.recorded as recorded

    monkeypatch.setattr(recorded, "RECORD_DIR", tmp_path / "rec")
    (tmp_path / "rec").mkdir()
    for bad in ("{not json", json.dumps({"scale": "paper", "claims": {"X-1": {"verdict": 3}}})):
        (tmp_path / "rec" / "paper.json").write_text(bad)
        doc = run_claims([_fake("T-50", lambda p, s: _res(1.0))], "quick", tmp_path / "o", progress=False)
        write_report(doc, tmp_path / "o")
        assert "unreadable" in (tmp_path / "o" / "report.md").read_text()
        with pytest.raises(ValueError, match="recorded-results file|malformed"):
            recorded.load("paper")


def test_list_needs_no_data(tmp_path, capsys):
    """A newcomer's `--data-dir ../shared/data --list` failed with exit 2 where the folder does not exist; --list reads
    no data."""
    assert main(["--list", "--only", "MF", "--data-dir", str(tmp_path / "nowhere")]) == 0
    assert "MF-1" in capsys.readouterr().out


def test_claims_run_on_a_dask_cluster_of_worker_processes(tmp_path):
    """--scheduler: the claims are tasks on a LocalCluster's worker processes; each record is saved as it arrives, the
    verdicts are those of a local run, and the figures are written by the workers into --out."""
    from distributed import LocalCluster

    ids = ["TUT-8", "KUR-1", "MF-4"]
    chosen = [c for c in CLAIMS if c.id in ids]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        doc = run_claims(chosen, "quick", tmp_path, progress=False, scheduler=cluster.scheduler_address)
    assert [r.id for r in doc.claims] == [c.id for c in chosen]
    assert all(r.verdict == "PASS" for r in doc.claims), [(r.id, r.verdict, r.detail) for r in doc.claims]
    assert sorted(p.stem for p in (tmp_path / "claims").glob("*.json")) == sorted(ids)


def test_a_scheduler_that_does_not_answer_is_one_clear_error_before_any_claim(tmp_path, capsys, monkeypatch):
    import socket

    from paper_checks import runner
    from paper_checks.__main__ import main

    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", 1.0)
    with socket.socket() as s:  # a free port: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["--only", "TUT-8", "--out", str(tmp_path), "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler" in err and str(port) in err
    assert not (tmp_path / "claims").exists()
    assert main(["--only", "TUT-8", "--out", str(tmp_path), "--scheduler", "nonsense"]) == 2
    assert "scheduler address" in capsys.readouterr().err


def test_all_of_a_failing_part_never_lends_a_passing_margin():
    """Regression (review): ICD-10 with a bug injected in the wide-cluster Bayes risk failed its AtLeast part at a
    negative value (no margin there), and AllOf reported the passing parts' +0.21 beside FAIL. A FAIL's margin is now
    the failing parts' (negative) or none."""
    from paper_checks.tolerance import AllOf, AtLeast, AtMost, Holds

    t = AllOf(AtMost(1.0, "a", key="a"), AtLeast(5.0, "b", key="b"), Holds("c", key="c"))
    assert t.decide({"a": 0.2, "b": 9.0, "c": True}).margin == pytest.approx(0.444, abs=1e-3)
    for checked in ({"a": 0.2, "b": -3.0, "c": True}, {"a": 0.2, "b": 9.0, "c": False}):
        d = t.decide(checked)
        assert not d.ok and d.margin is None, d
    d = t.decide({"a": 1.5, "b": -3.0, "c": True})
    assert not d.ok and d.margin == pytest.approx(-0.5)
