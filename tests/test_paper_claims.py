"""Every paper claim at quick scale (test ids are the claim ids), and the runner's contract."""

import json

import pytest

import paper_checks
from paper_checks import Claim, Result, Skip
from paper_checks.__main__ import main
from paper_checks.runner import exit_status, run_claims, write_report

CLAIMS = paper_checks.all_claims()


def test_catalogue_size_and_unique_ids():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids)) >= 40


@pytest.mark.parametrize("c", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_quick_scale(c):
    doc = run_claims([c], "quick", out=None, progress=False)
    rec = doc["claims"][0]
    assert rec["verdict"] != "ERROR", rec["detail"]
    assert rec["verdict"] == "PASS" or (rec["verdict"] == "FAIL" and c.known_discrepancy), rec


def _fake(cid, fn, known=None):
    return Claim(cid, "Test 2026", "Eq. 1", "a statement", "numeric", 1.0, "|x-1|<0.1", "because", fn, known_discrepancy=known)


def test_runner_verdicts_and_exit_status(tmp_path):
    good = _fake("T-1", lambda p, s: Result(1.0, True))
    bad = _fake("T-2", lambda p, s: Result(2.0, False))
    known = _fake("T-3", lambda p, s: Result(2.0, False), known="evidence: ...")
    skip = _fake("T-4", lambda p, s: (_ for _ in ()).throw(Skip("no data directory")))
    err = _fake("T-5", lambda p, s: 1 / 0)
    doc = run_claims([good, known, skip], "quick", tmp_path, progress=False)
    assert [r["verdict"] for r in doc["claims"]] == ["PASS", "FAIL", "SKIP"] and exit_status(doc) == 0
    assert "no data directory" in doc["claims"][2]["detail"]
    assert exit_status(run_claims([bad], "quick", None, progress=False)) == 1
    assert exit_status(run_claims([err], "quick", None, progress=False)) == 1
    write_report(doc, tmp_path)
    res = json.loads((tmp_path / "results.json").read_text())
    assert set(res) == {"scale", "total_seconds", "claims"}
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

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [c.id for c in CLAIMS if f"| {c.id} |" not in readme]
    assert not missing, f"README claim table lacks {missing}"
