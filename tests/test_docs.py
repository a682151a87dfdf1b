"""The manual and the API reference build with no warning (Sphinx ``-W``: numpydoc, the README, docs/, the notebooks)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_docs_build_without_warnings(tmp_path):
    for mod in ("sphinx", "numpydoc", "myst_parser", "nbconvert"):
        pytest.importorskip(mod, reason="the docs need the [test] or [docs] extra")
    root = ROOT
    src = tmp_path / "docs"  # the same layout as the checkout, so conf.py and the README include resolve as there
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
    readme = (out / "readme.html").read_text()
    assert "am-workbench" in readme
    assert 'href="manual/capacity.html' in readme  # the front page's links into the manual resolve inside the docs
    for page in ("paper_checks", "cli", "python", "capacity", "temperature", "numerics", "maths", "guarantees", "tests", "benchmarks"):
        assert (out / "manual" / f"{page}.html").is_file(), page
    # the maths renders offline: MathJax is served from the build itself, and no page loads a script from the network
    import re

    assert 'src="../_static/mathjax/tex-chtml.js' in api and (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    remote = [(p.name, m) for p in out.rglob("*.html") for m in re.findall(r'<script[^>]+src="(https?://[^"]+)"', p.read_text())]
    assert not remote, remote[:5]
    nb = (out / "_generated" / "03_lagrangian_framework.html").read_text()
    assert "$" not in nb.split('<article', 1)[-1].split("</article>", 1)[0].replace("\\$", ""), "raw $...$ maths in a notebook page"


def test_every_public_module_is_in_one_api_group():
    import importlib.util

    spec = importlib.util.spec_from_file_location("am_workbench_docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    grouped = [m for _, mods in conf.GROUPS for m in mods]
    assert sorted(grouped) == sorted(set(grouped)), "a module in two groups"
    assert set(grouped) == set(conf.public_modules())


def test_readme_is_a_front_page_whose_code_runs():
    """The README stays a front page (at most 200 lines; the manual is in docs/), and every Python block in it runs."""
    import re

    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - the project's own README, not user input


def test_readme_links_point_at_files():
    import re

    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def _manual_blocks():
    """Every Python block of the manual's pages, except those marked ``<!-- not run ...: why -->`` just above."""
    import re

    out = []
    for page in sorted((DOCS / "manual").glob("*.md")):
        for m in re.finditer(r"(<!-- not run([^>]*)-->\n)?```python\n(.*?)```", page.read_text(), re.S):
            if m.group(1):
                assert m.group(2).strip(" :"), f"{page.name}: a block left out says why"
                continue
            out.append((page.name, m.group(3)))
    return out


@pytest.mark.parametrize("page", sorted({name for name, _ in _manual_blocks()}))
def test_manual_code_runs(page, tmp_path, monkeypatch):
    """A manual's code blocks run in order, as a reader pastes them (files they write land in a temporary folder)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ns: dict = {}
    for name, block in _manual_blocks():
        if name == page:
            exec(compile(block, f"docs/manual/{page}", "exec"), ns)  # noqa: S102 - the project's own manual
