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
    [("KH21", 2016, "last two"), ("ram", 2021, "capital"), ("RAM", 21, "year"), ("RAM", 2021.0, "year")],
)
def test_paper_records_check_themselves(prefix, year, match):
    with pytest.raises(ValueError, match=match):
        Paper(prefix, year)


def test_paper_keys_follow_one_rule():
    assert Paper("KH21", 2021).key == "kh2021"
    assert Paper("RAM", 2021).key == "ram2021"


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


def _imports(path: Path, text: str | None = None) -> set[str]:
    """Every module a source file imports, absolute (relative imports resolved against its package); ``text`` stands
    in for the file's contents (a probe needs no file in the tree)."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text)):
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


def _under(module: str, *roots: str) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


#: What each package may not import: imports run one way, theory -> numerics -> paper_checks (and notebooks), and
#: theory is SymPy only (docs/architecture.md).
FORBIDDEN = {
    "theory": ("numpy", "scipy", "matplotlib", "numerics", "paper_checks"),
    "numerics": ("paper_checks",),
}


def _violations(path: Path, text: str | None = None) -> list[str]:
    parts = path.relative_to(ROOT).parts
    banned = FORBIDDEN.get(parts[0], ()) + (("theory.literature",) if _is_engine(path) else ())
    return [f"{path.relative_to(ROOT)} imports {m}" for m in sorted(_imports(path, text)) if _under(m, *banned)]


def test_imports_run_one_way_and_no_engine_imports_the_literature():
    offenders = [v for p in _sources() for v in _violations(p)]
    assert not offenders, offenders


@pytest.mark.parametrize(
    "where,text",
    [
        ("theory/_probe.py", "from .literature import ram2021\n"),
        ("theory/_probe.py", "import theory.literature.mp1967\n"),
        ("theory/sub/_probe.py", "from ..literature.bpd2026 import Q\n"),
        ("numerics/codegen/_probe.py", "from theory.literature import chn1985\n"),
        ("theory/_probe.py", "import numpy as np\n"),
        ("theory/_probe.py", "from numerics import compile\n"),
        ("numerics/_probe.py", "from paper_checks import claim\n"),
    ],
)
def test_the_import_rules_can_fail(where, text):
    """Each rule above turns red on a probe that breaks it, relative and absolute imports alike (no file is written)."""
    assert _violations(ROOT / where, text)


def test_the_import_rules_leave_the_allowed_alone():
    assert not _violations(ROOT / "theory/literature/_probe.py", "from ..vector import Vector\n")
    assert not _violations(ROOT / "numerics/_probe.py", "from theory.literature import mp1967\n")  # the toolbox may compare


def _names_reached(fn, seen: set | None = None) -> list[tuple[str, object]]:
    """(name, object) for every global a function uses, following the functions of paper_checks it calls."""
    seen = set() if seen is None else seen
    fn = getattr(fn, "__wrapped__", fn)  # functools.cache and friends
    code = getattr(fn, "__code__", None)
    if code is None or code in seen:
        return []
    seen.add(code)
    out = []
    stack = [code]
    while stack:
        c = stack.pop()
        stack += [k for k in c.co_consts if hasattr(k, "co_names")]
        for name in c.co_names:
            obj = fn.__globals__.get(name)
            out.append((name, obj))
            inner = getattr(obj, "__wrapped__", obj)
            if callable(inner) and getattr(inner, "__module__", "").startswith("paper_checks") and hasattr(inner, "__code__"):
                out += _names_reached(inner, seen)
    return out


def _literature_use(fn) -> list[str]:
    import types

    found = []
    for name, obj in _names_reached(fn):
        where = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", "") or ""
        if "literature" in name or where.startswith("theory.literature"):
            found.append(f"{name} ({where})" if where else name)
    return found


def test_derived_expectations_do_not_come_from_the_literature():
    """A claim whose expected value is "derived from the model" neither names nor calls a literature formula, in its
    compute function or in any helper of paper_checks that it calls."""
    for c in paper_checks.all_claims():
        if not c.expected_source.startswith("derived from the model"):
            continue
        assert "literature" not in c.expected_source, c.id
        assert not _literature_use(c.compute), (c.id, _literature_use(c.compute))


def test_the_derived_expectation_rule_sees_helpers():
    """The rule can fail: RAM-1's compute function names no literature formula itself, but its helper ``_offset``
    evaluates Ramsauer's Eq. 2 offset; the walk finds it there (RAM-1's expected value is the paper's, so this is allowed
    for it, and it shows the walk would catch the same in a derived claim)."""
    from paper_checks import ram2021

    direct = {n for n in ram2021.ram_1.__code__.co_names}
    assert "lit" not in direct and "_offset" in direct
    assert any(u.startswith("lit ") for u in _literature_use(ram2021.ram_1))


#: the machinery of paper_checks (the paper modules aside): each may import those before it in an order, never after
MACHINERY = ("papers", "tolerance", "claim", "record", "recorded", "runner", "report", "readme_table")


def _machinery_cycles(sources: dict[str, str]) -> list[list[str]]:
    graph = {m: {n for n in MACHINERY if n != m and any(_under(i, f"paper_checks.{n}") for i in _imports(ROOT / "paper_checks" / f"{m}.py", text))}
             for m, text in sources.items()}
    cycles, state = [], {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                cycles.append([*path[path.index(n):], n] if n in path else [m, n])
            elif n not in state:
                visit(n, [*path, n])
        state[m] = "done"

    for m in MACHINERY:
        if m not in state:
            visit(m, [m])
    return cycles


def test_paper_checks_machinery_has_no_import_cycle():
    """The runner runs, the report renders, the recorded file is data: runner and recorded imported each other before
    (the runner also rendered), now the imports among them form no cycle."""
    sources = {m: (ROOT / "paper_checks" / f"{m}.py").read_text() for m in MACHINERY}
    assert not _machinery_cycles(sources)
    probe = dict(sources, recorded=sources["recorded"] + "\nfrom .report import flat\n")  # a cycle: report imports recorded
    assert _machinery_cycles(probe)
