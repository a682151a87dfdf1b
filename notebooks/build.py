"""Build the teaching notebooks (``NN_name.ipynb``) from their percent-format sources (``NN_name.py``).

The ``.py`` files are the source of truth.  Cells start with ``# %%`` (code) or ``# %% [markdown]``;
a cell header ending in ``answer`` is an exercise answer, stored collapsed (``jupyter.source_hidden``).
The stored notebooks carry no outputs; ``tests/test_notebooks.py`` checks they match their sources
and executes every one.

Usage: ``python notebooks/build.py`` (rewrites the .ipynb files).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def parse(text: str) -> nbformat.NotebookNode:
    """Percent-format source -> notebook (no outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            cells.append((line, []))
        elif cells:
            cells[-1][1].append(line)
    for header, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        answer = header.rstrip().endswith("answer")
        if "[markdown]" in header:
            src = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines)
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        if answer:
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["tags"] = ["answer"]
        nb.cells.append(cell)
    for i, c in enumerate(nb.cells):  # stable ids so rebuilt notebooks compare equal
        c["id"] = f"cell-{i:03d}"
    return nb


def build(src: Path) -> nbformat.NotebookNode:
    return parse(src.read_text(encoding="utf-8"))


def sources() -> list[Path]:
    return sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))


if __name__ == "__main__":
    for src in sources():
        nbformat.write(build(src), src.with_suffix(".ipynb"))
        print(f"wrote {src.with_suffix('.ipynb').name}", file=sys.stderr)
