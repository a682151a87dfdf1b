"""The report of a run: one model (:class:`Report`), rendered as Markdown, HTML and a terminal table.

:func:`build` turns a :class:`~paper_checks.record.Run` (and the paper-scale results recorded in
``paper_checks/recorded/``) into a :class:`Report`: the summary line, one table row and one section per claim, each
cell already worded. The renderers only lay that model out, so ``report.md`` and ``report.html`` cannot say different
things: :func:`markdown`, :func:`html` (figures embedded as PNG data URIs, no scripts, no outside resources) and
:func:`text` (the table printed by ``python -m paper_checks``). :func:`write_report` writes ``results.json`` and both
pages.
"""

from __future__ import annotations

import base64
import html as _html
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .record import ClaimRecord, Run

__all__ = ["Row", "Section", "Report", "build", "markdown", "html", "text", "write_report", "summary_line", "caption",
           "human", "flat", "recorded_rows", "recorded_table", "RECORDED_HEAD"]

COLUMNS = ("id", "role", "paper", "statement", "expected", "measured", "tolerance", "verdict", "margin", "s")
RECORDED_HEAD = ("id", "verdict", "margin", "measured", "seconds", "recorded")
_COLOUR = {"PASS": "#1a7f37", "FAIL": "#cf222e", "SKIP": "#9a6700", "ERROR": "#8250df"}
_MARGIN_MEANING = "1 - deviation / allowed deviation: 0 at the edge of the tolerance, negative when failing"


# ------------------------------------------------------------------ wording of values
def _num(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower() if isinstance(v, bool) else "-"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def human(x: Any, n: int = 90) -> str:
    """A value for a table cell: top-level keys with numbers to 3 significant digits, short lists joined by " / ",
    nested detail elided (the claim's section has all of it); cut at ``n`` characters."""

    def scalar(v: Any) -> bool:
        return v is None or isinstance(v, (bool, int, float, str))

    def one(v: Any, depth: int) -> str:
        if isinstance(v, dict):
            if depth == 0:
                return "; ".join(f"{k}: {one(w, 1)}" for k, w in v.items())
            if len(v) <= 4 and all(scalar(w) for w in v.values()):
                return "(" + ", ".join(f"{k} {_num(w)}" for k, w in v.items()) + ")"
            return "{...}"
        if isinstance(v, (list, tuple)):
            if not all(scalar(w) for w in v):
                return f"[{len(v)} items]"
            return " / ".join(_num(w) for w in v[:6]) + (" ..." if len(v) > 6 else "")
        return _num(v)

    return _short(one(x, 0), n)


def flat(x: Any, n: int = 400) -> str:
    """Every number of a nested measurement as ``path: value`` (``rows / baseline / recalled_accuracy: 0.922``), cut at
    ``n`` characters: the paper-scale table shows the evidence itself, not ``{...}``."""
    items: list[str] = []

    def walk(v: Any, path: list[str]) -> None:
        if isinstance(v, dict):
            for k, w in v.items():
                walk(w, [*path, str(k)])
        elif isinstance(v, (list, tuple)) and v and all(not isinstance(w, (dict, list, tuple)) for w in v):
            items.append(f"{' / '.join(path)}: {' / '.join(_num(w) for w in v)}")
        elif isinstance(v, (list, tuple)):
            for i, w in enumerate(v):
                walk(w, [*path, str(i)])
        else:
            items.append(f"{' / '.join(path)}: {_num(v)}" if path else _num(v))

    walk(x, [])
    return _short("; ".join(items), n)


def _margin(m: float | None, digits: int = 2) -> str:
    return "" if m is None else f"{m:+.{digits}f}"


def _verdict_text(r: ClaimRecord) -> str:
    return r.verdict + (" (known discrepancy)" if r.known else "")


def caption(r: ClaimRecord) -> str:
    """What a claim's figure shows and what would falsify the claim (its tolerance failing)."""
    return f"Figure {r.id}: {r.statement} Verdict {r.verdict}; the claim would fail if this did not hold: {r.tolerance}."


def summary_line(run: Run) -> str:
    """Verdict counts, scale, machine, time and load: the first line of every rendering (plain text)."""
    c, m, load = run.counts(), run.machine, run.load
    where = f"{m.get('cpus', '?')} CPUs, {m.get('platform', '?')}, Python {m.get('python', '?')}" if m else "machine not recorded"
    lo = f"; load average {load['start'][0]} -> {load['end'][0]}" if load.get("start") and load.get("end") else ""
    return (f"{c['PASS']} PASS · {c['FAIL']} FAIL ({run.known_failures} with a known discrepancy) · {c['SKIP']} SKIP · "
            f"{c['ERROR']} ERROR -- {run.scale} scale, {run.total_seconds:.0f} s on {where}{lo}")


# ------------------------------------------------------------------ the model
@dataclass(frozen=True)
class Row:
    """One claim's row of the summary table, every cell worded (plain text)."""

    id: str
    role: str
    paper: str
    statement: str
    expected: str
    derived: bool  # the expected value was derived from the model (shown as such)
    measured: str
    tolerance: str
    verdict: str  # PASS / FAIL / SKIP / ERROR (for colour)
    verdict_text: str  # with "(known discrepancy)"
    margin: str
    seconds: str


@dataclass(frozen=True)
class Section:
    """One claim's section: citation, statement, the evidence as labelled items, the detail, the figures."""

    id: str
    citation: str
    statement: str
    items: tuple[tuple[str, str, str], ...]  # (label, code, note): the code shown as code, then the note; the "verdict"
    # item shows the verdict (bold, coloured) before its note
    verdict: str
    detail: str
    figures: tuple[tuple[str, str], ...]  # (path relative to the output folder, caption)


@dataclass(frozen=True)
class Report:
    """Everything a rendering shows, worded once."""

    title: str
    summary: str
    rows: tuple[Row, ...]
    recorded: tuple[tuple[str, ...], ...]  # rows of RECORDED_HEAD cells (empty when nothing is recorded)
    sections: tuple[Section, ...]


def recorded_rows(scale: str = "paper", path: str | Path | None = None, order: list[str] | None = None) -> tuple[tuple[str, ...], ...]:
    """Per recorded claim (``paper_checks/recorded/<scale>.json``): id, verdict, margin, the measured numbers
    (:func:`flat`), seconds, when and where."""
    from .recorded import load

    doc = load(scale, path)
    ids = [i for i in (order or []) if i in doc["claims"]] + sorted(set(doc["claims"]) - set(order or []))
    out = []
    for i in ids:
        r = doc["claims"][i]
        verdict = r["verdict"] + (" (known discrepancy)" if r["verdict"] == "FAIL" and r["known_discrepancy"] else "")
        cpus = (r["run"].get("machine") or {}).get("cpus")
        out.append((i, verdict, _margin(r.get("margin")), flat(r["measured"]), f"{r['seconds']:.0f}", f"{r['run']['date']}, {cpus} CPUs"))
    return tuple(out)


def recorded_table(scale: str = "paper", path: str | Path | None = None, order: list[str] | None = None) -> list[str]:
    """The recorded results as Markdown table lines (the manual's paper-scale table and the report's section)."""
    return _md_table(RECORDED_HEAD, recorded_rows(scale, path, order))


def _row(r: ClaimRecord) -> Row:
    return Row(r.id, r.role, r.paper, r.statement, human(r.expected, 60), r.derived, human(r.measured), r.tolerance,
               r.verdict, _verdict_text(r), _margin(r.margin), f"{r.seconds:.1f}")


def _section(r: ClaimRecord) -> Section:
    items = [("expected", json.dumps(r.expected), f"({r.expected_source})" if r.derived else ""),
             ("measured", json.dumps(r.measured), ""), ("tolerance", "", f"{r.tolerance} ({r.tolerance_reason})")]
    if r.decision:
        items.append(("check", "", r.decision))
    if r.margin is not None:
        items.append(("margin", "", f"{_margin(r.margin, 3)} ({_MARGIN_MEANING})"))
    mem = f", process peak memory so far {r.peak_rss_mb:.0f} MiB" if r.peak_rss_mb else ""
    items.append(("verdict", "", f"in {r.seconds:.2f} s{mem}, seed {r.seed}"))
    items.append(("parameters", json.dumps(r.params), ""))
    if r.known_discrepancy:
        items.append(("known discrepancy", "", r.known_discrepancy))
    return Section(r.id, f"{r.paper}, {r.source} ({r.kind}, {r.role})", r.statement, tuple(items), r.verdict,
                   r.detail.strip(), tuple((f, caption(r)) for f in r.figures))


def build(run: Run, recorded: bool | None = None) -> Report:
    """The report of ``run``. ``recorded`` (default: at quick scale) adds the paper-scale results recorded in
    ``paper_checks/recorded/paper.json``, which a quick run does not repeat; a recorded file that cannot be read is
    said in that section, and never costs the run its report."""
    rec: tuple = ()
    if run.scale == "quick" if recorded is None else recorded:
        try:
            rec = recorded_rows("paper", order=[c.id for c in run.claims])
        except ValueError as exc:
            rec = (("-", "unreadable", "", str(exc), "", ""),)
    return Report(f"Paper checks ({run.scale} scale)", summary_line(run), tuple(_row(r) for r in run.claims), rec,
                  tuple(_section(r) for r in run.claims))


# ------------------------------------------------------------------ renderings
_RECORDED_INTRO = ("Measured by `python -m paper_checks --scale paper --record` (data and tens of minutes needed) and kept in "
                   "`paper_checks/recorded/paper.json`; this run did not repeat them.")


def _md_cell(x: str) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _md_table(head: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)]


def markdown(rep: Report) -> str:
    """``report.md``: the summary (first line, bold), the table, the recorded results, one section per claim."""
    md = [f"**{rep.summary}**", "", f"# {rep.title}", ""]
    md += _md_table(COLUMNS, tuple(
        (f"[{r.id}](#{r.id.lower()})", r.role, r.paper, r.statement, ("*derived from the model:* " if r.derived else "") + r.expected,
         r.measured, r.tolerance, f"**{r.verdict_text}**", r.margin, r.seconds) for r in rep.rows))
    md.append("")
    if rep.recorded:
        md += ["## Recorded at paper scale", "", _RECORDED_INTRO, "", *_md_table(RECORDED_HEAD, rep.recorded), ""]
    for s in rep.sections:
        md += [f"## {s.id}", "", f"*{s.citation}*", "", s.statement, ""]
        for label, code, note in s.items:
            shown = [f"**{s.verdict}**" if label == "verdict" else "", f"`{code}`" if code else "", note]
            md.append(f"- {label}: " + " ".join(x for x in shown if x))
        if s.detail:
            md += ["", "```", s.detail, "```"]
        for path, cap in s.figures:
            md += ["", f"![{s.id}]({path})", "", f"*{cap}*"]
        md.append("")
    return "\n".join(md)


def html(rep: Report, root: str | Path) -> str:
    """``report.html``: what :func:`markdown` shows, with each figure (a file under ``root``) embedded as a PNG data
    URI, so the page alone shows everything wherever it is copied or mailed. No scripts; every text is escaped."""
    root = Path(root)

    def e(x: Any) -> str:
        return _html.escape(str(x))

    def tr(cells: list[str], tag: str = "td") -> str:
        return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"

    rows = [tr([e(c) for c in COLUMNS], "th")]
    for r in rep.rows:
        rows.append(tr([f"<a href='#{e(r.id.lower())}'>{e(r.id)}</a>", e(r.role), e(r.paper), e(r.statement),
                        ("<em>derived from the model:</em> " if r.derived else "") + e(r.expected), e(r.measured), e(r.tolerance),
                        f"<b style='color:{_COLOUR[r.verdict]}'>{e(r.verdict_text)}</b>", e(r.margin), e(r.seconds)]))
    parts = [f"<table>{''.join(rows)}</table>"]
    if rep.recorded:
        parts.append("<section id='recorded-at-paper-scale'><h2>Recorded at paper scale</h2><p>" + e(_RECORDED_INTRO).replace("`", "")
                     + "</p><table>" + tr([e(h) for h in RECORDED_HEAD], "th") + "".join(tr([e(c) for c in row]) for row in rep.recorded)
                     + "</table></section>")
    for s in rep.sections:
        items = []
        for label, code, note in s.items:
            shown = [f"<b style='color:{_COLOUR[s.verdict]}'>{e(s.verdict)}</b>" if label == "verdict" else "",
                     f"<code>{e(code)}</code>" if code else "", e(note)]
            items.append(f"<li>{e(label)}: " + " ".join(x for x in shown if x) + "</li>")
        sec = [f"<section id='{e(s.id.lower())}'><h2>{e(s.id)}</h2><p><em>{e(s.citation)}</em></p><p>{e(s.statement)}</p>",
               "<ul>" + "".join(items) + "</ul>"]
        if s.detail:
            sec.append(f"<pre>{e(s.detail)}</pre>")
        sec += [_figure(root / p, f"{s.id} figure ({p})", cap) for p, cap in s.figures]
        sec.append("</section>")
        parts.append("".join(sec))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{e(rep.title)}</title>"
            "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}table{border-collapse:collapse;font-size:90%}"
            "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}pre{white-space:pre-wrap;background:#f6f8fa;padding:6px}</style>"
            f"</head><body><h1>{e(rep.title)}</h1><p id='summary'><b>{e(rep.summary)}</b></p>" + "".join(parts) + "</body></html>")


def _figure(path: Path, alt: str, cap: str) -> str:
    """A figure embedded as a PNG data URI; a file gone since the run (deleted, moved) is said, not fatal."""
    e = _html.escape
    try:
        src = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as exc:
        return f"<figure><p><em>{e(alt)}: the file could not be read ({e(exc.strerror or str(exc))})</em></p><figcaption>{e(cap)}</figcaption></figure>"
    return f"<figure><img src='{src}' alt='{e(alt)}' style='max-width:640px'><figcaption>{e(cap)}</figcaption></figure>"


def text(rep: Report, width: int | None = None) -> str:
    """The terminal table: id, verdict, margin, seconds, measured and as much of the statement as ``width`` allows
    (default: the terminal's); then every SKIP's reason and every ERROR's first line, and the counts."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    rows = [("id", "verdict", "margin", "s", "measured", "statement")]
    rows += [(r.id, r.verdict + ("*" if r.verdict_text != r.verdict else ""), r.margin, r.seconds, _short(r.measured, 40), r.statement)
             for r in rep.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    room = max(30, width - sum(widths) - 2 * 5)
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)), _short(row[5], room)]).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * min(room, max(len(r[5]) for r in rows)))
    notes = [f"{s.id} {s.verdict}: {s.detail.splitlines()[0] if s.detail else ''}" for s in rep.sections if s.verdict in ("SKIP", "ERROR")]
    if notes:
        lines += ["", *notes]
    known = sum(r.verdict_text != r.verdict for r in rep.rows)
    count = {v: sum(r.verdict == v for r in rep.rows) for v in ("PASS", "FAIL", "SKIP", "ERROR")}
    lines += ["", f"{count['PASS']} passed, {count['FAIL']} failed ({known} with a known discrepancy, marked *: see the report), "
                  f"{count['SKIP']} skipped, {count['ERROR']} errors", rep.summary]
    return "\n".join(lines)


def _atomic_write(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content)
    os.replace(tmp, path)


def write_report(run: Run, out: str | Path, json_path: str | Path | None = None) -> Path:
    """Write ``results.json`` (or ``json_path``), ``report.md`` and ``report.html`` into ``out``; returns the
    Markdown page's path. The JSON is written first, so a later failure never loses the results."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(Path(json_path) if json_path else out / "results.json", json.dumps(run.to_json(), indent=2))
    rep = build(run)
    md = out / "report.md"
    _atomic_write(md, markdown(rep))
    _atomic_write(out / "report.html", html(rep, out))
    return md
