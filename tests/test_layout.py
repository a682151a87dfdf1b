"""The folders are a map of the architecture: these tests hold the rules the layout states (docs/architecture.md)."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import pytest

import paper_checks
from paper_checks.papers import PAPERS, Paper, module_of, paper_of

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "paper_checks")


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_every_claim_lives_in_the_module_its_prefix_names():
    claims = paper_checks.all_claims()
    assert claims
    for c in claims:
        home = module_of(c.id)
        where = c.compute.__module__
        assert where == home or where.startswith(home + "."), f"{c.id} is defined in {where}, its prefix names {home}"


def test_every_registered_paper_has_its_module_and_claims():
    claims = paper_checks.all_claims()
    for p in PAPERS:
        assert (ROOT / "paper_checks" / f"{p.key}.py").is_file() or (ROOT / "paper_checks" / p.key / "__init__.py").is_file(), p.key
        assert any(paper_of(c.id) == p for c in claims), f"no claim with prefix {p.prefix}"


def test_a_claim_prefix_without_a_paper_is_refused():
    with pytest.raises(KeyError, match="XYZ"):
        paper_of("XYZ-1")


@pytest.mark.parametrize(
    "prefix,year,match",
    [("KH21", 2016, "last two"), ("ram", 2021, "capital"), ("RAM", 21, "year"), ("RAM", 2021, "citation")],
)
def test_paper_records_check_themselves(prefix, year, match):
    with pytest.raises(ValueError, match=match):
        Paper(prefix, year, "" if match == "citation" else "x")


def test_paper_keys_follow_one_rule():
    assert Paper("KH21", 2021, "x").key == "kh2021"
    assert Paper("RAM", 2021, "x").key == "ram2021"


def test_no_all_is_appended_to():
    """Each module lists its public names once, at the top, not in pieces next to each definition."""
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_every_module_is_importable():
    for pkg in PACKAGES:
        mod = __import__(pkg)
        for info in pkgutil.walk_packages(mod.__path__, pkg + "."):
            if info.name.endswith("__main__"):
                continue
            __import__(info.name)


def _imports(path: Path) -> set[str]:
    """Every module a source file imports, absolute (relative imports resolved against its package)."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def _is_engine(path: Path) -> bool:
    """The framework and the derivation engines (theory/ outside literature/) and the kernel compiler."""
    parts = path.relative_to(ROOT).parts
    return (parts[0] == "theory" and parts[1] != "literature") or parts[:2] == ("numerics", "codegen")


def test_no_engine_imports_the_literature():
    offenders = [
        f"{p.relative_to(ROOT)} imports {m}"
        for p in _sources()
        if _is_engine(p)
        for m in _imports(p)
        if m == "theory.literature" or m.startswith("theory.literature.")
    ]
    assert not offenders, offenders


def test_the_import_rule_sees_relative_and_absolute_imports(tmp_path):
    """The rule above can fail: relative and absolute imports of the literature from theory/ are both seen."""
    probe = ROOT / "theory" / "_layout_probe.py"
    try:
        probe.write_text("from .literature import ram2021\nimport theory.literature.mp1967\n")
        assert {"theory.literature.ram2021", "theory.literature.mp1967"} <= _imports(probe)
        assert _is_engine(probe)
    finally:
        probe.unlink()


def _names_used(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_used(const)
    return names


def test_derived_expectations_do_not_come_from_the_literature():
    """A claim whose expected value is "derived from the model" neither names nor calls a literature formula."""
    import types

    for c in paper_checks.all_claims():
        if not c.expected_source.startswith("derived from the model"):
            continue
        assert "literature" not in c.expected_source, c.id
        for name in _names_used(c.compute.__code__):
            assert "literature" not in name, f"{c.id} imports {name}"
            obj = c.compute.__globals__.get(name)
            where = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", "") or ""
            assert not where.startswith("theory.literature"), f"{c.id} uses {name} from {where}"
