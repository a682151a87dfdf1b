"""Every teaching notebook matches its percent-format source and executes headless."""

import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
import build  # noqa: E402

SOURCES = build.sources()


def test_there_are_notebooks():
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_stored_notebook_matches_source(src):
    stored = nbformat.read(src.with_suffix(".ipynb"), as_version=4)
    fresh = build.build(src)
    assert [(c.cell_type, c.source, dict(c.metadata)) for c in stored.cells] == [(c.cell_type, c.source, dict(c.metadata)) for c in fresh.cells], (
        f"{src.with_suffix('.ipynb').name} is stale: run python notebooks/build.py"
    )
    assert all(not c.get("outputs") for c in stored.cells if c.cell_type == "code"), "stored notebooks carry no outputs"


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_executes(src, tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel inherits the environment: keep the inline backend
    nb = build.build(src)
    t = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    elapsed = time.perf_counter() - t
    latex = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "text/latex" in o.get("data", {})]
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert figures, "every notebook shows at least one figure"
    stderr = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("name") == "stderr"]
    warned = [t for t in stderr if "warning" in t.lower()]
    assert not warned, f"executing the notebook printed warnings: {warned[:3]}"
    assert latex or "derive" in src.stem or src.stem.startswith(("06", "07")), "derivations are displayed as LaTeX"
    print(f"{src.stem}: {elapsed:.1f} s")
