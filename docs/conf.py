"""Sphinx configuration of the manual and the API reference (``python -m sphinx -W -b html docs build/docs``).

The README is the front page; the manual's pages are in ``docs/manual/``; the API reference is generated from the
numpydoc docstrings of ``theory``, ``numerics`` and ``paper_checks``, grouped by concept, and the notebooks are
included as pages (exported to Markdown at build time, without outputs). The test command builds it with warnings as
errors (``tests/test_docs.py``).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

project = "am-workbench"
# sphinx-mathjax-offline ships MathJax into _static/: the maths renders without a network (it came from a CDN before)
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx-mathjax-offline", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
numpydoc_show_class_members = False
autodoc_inherit_docstrings = False  # SymPy's own docstrings (e.g. Function.eval) are not ours to document
autodoc_member_order = "bysource"
myst_heading_anchors = 3
# numpydoc renders a docstring's "References" as citations; the papers are listed there, not cited inline
suppress_warnings = ["ref.citation", "myst.xref_missing"]
myst_enable_extensions = ["dollarmath", "amsmath"]  # the notebooks' $...$ and $$...$$ render as maths
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_title = "am-workbench"

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "paper_checks")


#: The API reference by concept, public names first: (title, modules). ``tests/test_docs.py`` checks that every public
#: module is in exactly one group.
GROUPS = (
    ("Model building", ("theory", "theory.layers", "theory.lagrangians", "theory.synapses", "theory.vector", "theory.model",
                        "theory.specs", "theory.parsing", "theory.energies", "theory.rescaling")),
    ("Derivation", ("theory.calculus", "theory.certificate", "theory.marginalize", "theory.weight_gradients", "theory.concrete",
                    "theory.budget", "theory.learning", "theory.diffusion", "theory.random_features", "theory.relaxation")),
    ("Capacity", ("theory.capacity", "theory.phase_capacity", "theory.moments", "numerics.capacity")),
    ("Temperature and oscillators", ("theory.mean_field", "theory.ott_antonsen", "theory.symmetries", "numerics.thermal", "numerics.phases", "numerics.oscillators")),
    ("In-context denoising", ("theory.denoising", "numerics.denoising")),
    ("What the papers state", ("theory.literature",) + tuple(f"theory.literature.{k}" for k in
                               ("bpd2026", "chn1985", "dr2024", "epa2025", "hu2024", "mp1967", "ram2021", "tut2025"))),
    ("Kernels", ("numerics.codegen", "numerics.codegen.kernel", "numerics.codegen.backends", "numerics.codegen.backends.generic",
                 "numerics.codegen.backends.numpy_backend", "numerics.codegen.backends.jax_backend",
                 "numerics.codegen.backends.torch_backend", "numerics.codegen.stable",
                 "numerics.codegen.sharing", "numerics.allocator", "numerics.blas", "numerics.tolerances")),
    ("Simulation", ("numerics", "numerics.integrate", "numerics.discrete", "numerics.patterns", "numerics.datasets",
                    "numerics.retrieval", "numerics.spectra", "numerics.census", "numerics.learning", "numerics.sweeps",
                    "numerics.plots", "numerics.cli")),
    ("Paper checks", ("paper_checks", "paper_checks.papers", "paper_checks.tolerance", "paper_checks.claim", "paper_checks.record", "paper_checks.runner", "paper_checks.report",
                      "paper_checks.recorded", "paper_checks.readme_table")),
)


def public_modules() -> list[str]:
    """Every public module and subpackage of the three packages (a test checks each is in exactly one group); the
    per-paper check modules are documented by their claims in the report, not here."""
    out = []
    for pkg in PACKAGES:
        m = importlib.import_module(pkg)
        out.append(pkg)
        for x in pkgutil.walk_packages(m.__path__, pkg + "."):
            leaf = x.name.rsplit(".", 1)[-1]
            if leaf.startswith("_") or any(p.startswith("_") for p in x.name.split(".")) or leaf == "__main__":
                continue
            if pkg == "paper_checks" and x.name.split(".")[1] in _PAPER_KEYS:
                continue
            out.append(x.name)
    return out


def _paper_keys() -> set[str]:
    from paper_checks.papers import PAPERS

    return {p.key for p in PAPERS}


_PAPER_KEYS = _paper_keys()


def _generate(app) -> None:
    src = Path(app.srcdir)
    gen = src / "_generated"
    gen.mkdir(exist_ok=True)
    lines = ["API reference", "=============", "", "Generated from the docstrings (numpydoc), grouped by concept.", ""]
    for title, mods in GROUPS:
        lines += [title, "-" * len(title), ""]
        for mod in mods:  # a package page shows its docstring; its re-exported names are documented where defined
            lines += [mod, "~" * len(mod), "", f".. automodule:: {mod}", *([] if hasattr(importlib.import_module(mod), "__path__") else ["   :members:"]), ""]
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
