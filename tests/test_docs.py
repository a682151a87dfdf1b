"""The API reference builds from the docstrings with no warning (Sphinx ``-W``, numpydoc, the README and the notebooks)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent / "docs"


def test_docs_build_without_warnings(tmp_path):
    for mod in ("sphinx", "numpydoc", "myst_parser", "nbconvert"):
        pytest.importorskip(mod, reason="the docs need the [test] or [docs] extra")
    root = DOCS.parents[1]
    src = tmp_path / "tests" / "docs"  # the same layout as the checkout, so conf.py and the README include resolve as there
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_generated", "_build"))
    shutil.copy(root / "README.md", tmp_path / "README.md")
    shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    out = tmp_path / "html"
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html", str(src), str(out)],
                       capture_output=True, text=True, timeout=900)
    log = r.stdout + r.stderr
    assert r.returncode == 0, log[-4000:]
    assert "Warning" not in log, log[-4000:]  # numpydoc reports bad sections as Python warnings, which -W does not catch
    api = (out / "_generated" / "api.html").read_text()
    for name in ("capacity_law", "EnergyModel", "compile", "CapacityCheck", "Claim"):
        assert name in api
    pages = {p.stem for p in (out / "_generated").glob("*.html")}
    assert {p.stem for p in (root / "notebooks").glob("*.ipynb")} <= pages
    assert "am-workbench" in (out / "readme.html").read_text()
