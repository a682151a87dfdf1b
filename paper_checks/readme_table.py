"""The README's claim table and the manual's paper-scale table, generated from the claim records
(``python -m paper_checks.readme_table`` prints the first; ``--write`` replaces both, in README.md and
docs/manual/paper_checks.md). Tests check that both files hold exactly these tables."""

from __future__ import annotations

import sys
from pathlib import Path

from . import all_claims

__all__ = ["claim_table", "paper_scale_section", "write_readme", "write_paper_scale", "README", "MANUAL_PAGE"]

BEGIN = "<!-- paper-scale results: generated from paper_checks/recorded/paper.json by `python -m paper_checks.readme_table --write` -->"
END = "<!-- end of paper-scale results -->"

HEADER = ["| id | role | quick verdict | margin | paper | what is checked |", "|---|---|---|---|---|---|"]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def claim_table() -> list[str]:
    """One row per claim in report order: id, role, the verdict and margin recorded at quick scale
    (``paper_checks/recorded/quick.json``, written by ``python -m paper_checks --record``), paper (source), statement, and a
    pointer to the report's evidence where the claim carries a known discrepancy (never a typed measurement)."""
    from .recorded import load

    rec = load("quick")["claims"]
    rows = list(HEADER)
    for c in all_claims():
        note = " (known discrepancy: see report)" if c.known_discrepancy else ""
        r = rec.get(c.id, {})
        m = "" if r.get("margin") is None else f"{r['margin']:+.2f}"
        rows.append(f"| {c.id} | {c.role} | {r.get('verdict', 'not recorded')} | {m} | {_cell(c.paper)} ({_cell(c.source)}) | "
                    f"{_cell(c.statement)}{note} |")
    return rows


def paper_scale_section() -> list[str]:
    """The manual's table of recorded paper-scale results (docs/manual/paper_checks.md), between the markers."""
    from .recorded import load
    from .report import recorded_table

    doc = load("paper")
    if not doc["claims"]:
        return [BEGIN, "", "Nothing recorded at paper scale yet.", "", END]
    runs = sorted({(r["run"]["date"], (r["run"].get("machine") or {}).get("platform", "")) for r in doc["claims"].values()})
    when = "; ".join(f"{d} on {m}" for d, m in runs)
    return [BEGIN, "", f"Recorded by `python -m paper_checks --scale paper --record` ({when}); the report repeats this table.", "",
            *recorded_table("paper", order=[c.id for c in all_claims()]), "", END]


def write_readme(path: str | Path) -> bool:
    """Replace the claim table in ``path`` (the README); returns whether the file changed."""
    path = Path(path)
    lines = path.read_text().split("\n")
    start = lines.index(HEADER[0])
    end = start + 2
    while end < len(lines) and lines[end].startswith("| "):
        end += 1
    new = lines[:start] + claim_table() + lines[end:]
    return _write(path, lines, new)


def write_paper_scale(path: str | Path) -> bool:
    """Replace the paper-scale section between the markers in ``path`` (the manual's page on the main job)."""
    path = Path(path)
    lines = path.read_text().split("\n")
    a, b = lines.index(BEGIN), lines.index(END)
    return _write(path, lines, lines[:a] + paper_scale_section() + lines[b + 1 :])


def _write(path: Path, old: list[str], new: list[str]) -> bool:
    if new == old:
        return False
    path.write_text("\n".join(new))
    return True


#: where the two generated tables live
README = Path(__file__).resolve().parents[1] / "README.md"
MANUAL_PAGE = Path(__file__).resolve().parents[1] / "docs" / "manual" / "paper_checks.md"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    if "--write" in sys.argv:
        for path, write in ((README, write_readme), (MANUAL_PAGE, write_paper_scale)):
            print(f"{path.name} updated" if write(path) else f"{path.name} already current")
    else:
        print("\n".join(claim_table()))
