"""Sphinx configuration of the API reference (``python -m sphinx -W -b html tests/docs build/docs``).

The reference is built from the numpydoc docstrings of ``theory``, ``numerics`` and ``paper_checks``; the README is the
front page and the notebooks are included as pages (exported to Markdown at build time, without outputs). The test
command builds it with warnings as errors (``tests/test_docs.py``). It lives under ``tests/`` because the project's top
level is fixed.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

project = "am-workbench"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
numpydoc_show_class_members = False
autodoc_inherit_docstrings = False  # SymPy's own docstrings (e.g. Function.eval) are not ours to document
autodoc_member_order = "bysource"
myst_heading_anchors = 3
# numpydoc renders a docstring's "References" as citations; the papers are listed there, not cited inline
suppress_warnings = ["ref.citation", "myst.xref_missing"]
html_theme = "alabaster"

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "paper_checks")


def public_modules() -> list[str]:
    """Every public module of the three packages (the API page lists them all; a test checks nothing is missed)."""
    out = []
    for pkg in PACKAGES:
        m = importlib.import_module(pkg)
        out.append(pkg)
        out += [f"{pkg}.{x.name}" for x in pkgutil.iter_modules(m.__path__) if not x.name.startswith("_") and x.name != "__main__"]
    return out


def _generate(app) -> None:
    src = Path(app.srcdir)
    gen = src / "_generated"
    gen.mkdir(exist_ok=True)
    lines = ["API reference", "=============", "", "Generated from the docstrings (numpydoc).", ""]
    for mod in public_modules():  # a package page shows its docstring; its re-exported names are documented where defined
        lines += [mod, "-" * len(mod), "", f".. automodule:: {mod}", *([] if mod in PACKAGES else ["   :members:"]), ""]
    (gen / "api.rst").write_text("\n".join(lines))
    import nbformat
    from nbconvert import MarkdownExporter

    names = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        body, _ = MarkdownExporter().from_notebook_node(nbformat.read(nb, as_version=4))
        (gen / f"{nb.stem}.md").write_text(body)
        names.append(nb.stem)
    (gen / "notebooks.rst").write_text("\n".join(["Notebooks", "=========", "", ".. toctree::", "   :maxdepth: 1", ""] + [f"   {n}" for n in names]) + "\n")


def setup(app):
    app.connect("builder-inited", _generate)
