"""Run claims, print the table, write results.json, report.md and figures."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .claim import Claim, Skip

__all__ = ["run_claims", "write_report", "exit_status", "format_table"]


def _jsonable(x: Any) -> Any:
    try:
        json.dumps(x)
        return x
    except TypeError:
        if hasattr(x, "tolist"):
            return x.tolist()
        if isinstance(x, dict):
            return {str(k): _jsonable(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [_jsonable(v) for v in x]
        return str(x)


def run_one(c: Claim, scale: str, out: Path | None) -> dict:
    """Run one claim; never raises (ERROR and SKIP are verdicts)."""
    t = time.perf_counter()
    rec = {
        "id": c.id,
        "paper": c.paper,
        "source": c.source,
        "statement": c.statement,
        "kind": c.kind,
        "expected": _jsonable(c.expected),
        "expected_source": c.expected_source,
        "role": c.role,
        "margin": None,
        "tolerance": c.tolerance,
        "tolerance_reason": c.tolerance_reason,
        "params": _jsonable(c.params(scale)),
        "seed": c.seed,
        "known_discrepancy": c.known_discrepancy,
        "measured": None,
        "detail": "",
        "figure": None,
        "figures": [],
    }
    try:
        r = c.compute(c.params(scale), c.seed)
        rec["measured"] = _jsonable(r.measured)
        rec["detail"] = r.detail
        rec["margin"] = None if r.margin is None else float(r.margin)
        rec["verdict"] = "PASS" if r.ok else "FAIL"
        figs = r.figure if isinstance(r.figure, dict) else ({"": r.figure} if r.figure is not None else {})
        for name, fig in figs.items():
            if out is not None:
                from numerics.plots import save

                (path,) = save(fig, out / "figures" / (c.id + (f"-{name}" if name else "")), formats=("png",))
                rec["figures"].append(str(path.relative_to(out)))
            else:
                import matplotlib.pyplot as plt

                plt.close(fig)
        rec["figure"] = rec["figures"][0] if rec["figures"] else None
    except Skip as s:
        rec["verdict"] = "SKIP"
        rec["detail"] = f"skipped: {s}"
    except Exception as exc:  # noqa: BLE001 - reported as ERROR with the traceback
        rec["verdict"] = "ERROR"
        rec["detail"] = f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=4)
    rec["seconds"] = round(time.perf_counter() - t, 3)
    rec["peak_rss_mb"] = _peak_rss_mb()
    return rec


def _peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB (``None`` where ``resource`` is unavailable)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


def run_claims(claims: Sequence[Claim], scale: str = "quick", out: str | Path | None = None, jobs: int = 1, progress: bool = True) -> dict:
    """Run ``claims`` (in parallel processes when ``jobs > 1``) and return the results document."""
    out = Path(out) if out is not None else None
    if out is not None:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    load0 = _load()
    from tqdm.auto import tqdm

    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as ex:
            futs = [ex.submit(_run_by_id, c.id, scale, out) for c in claims]
            recs = [save_record(f.result(), out) for f in tqdm(futs, disable=not progress, desc="claims")]
    else:
        recs = [save_record(run_one(c, scale, out), out) for c in tqdm(claims, disable=not progress, desc="claims")]
    return {"scale": scale, "total_seconds": round(time.perf_counter() - t, 2), "machine": _machine(),
            "load": {"start": load0, "end": _load()}, "claims": recs}


def _machine() -> dict:
    """Where the run happened: enough to compare timings between reports."""
    import platform

    return {"platform": platform.platform(terse=True), "python": platform.python_version(), "cpus": os.cpu_count()}


def _load() -> list | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return None


def summary_line(doc: dict) -> str:
    """One line first in the report: verdict counts, scale, machine, time and load."""
    counts = {k: sum(r["verdict"] == k for r in doc["claims"]) for k in ("PASS", "FAIL", "SKIP", "ERROR")}
    known = sum(r["verdict"] == "FAIL" and bool(r["known_discrepancy"]) for r in doc["claims"])
    m = doc.get("machine") or {}
    load = (doc.get("load") or {})
    where = f"{m.get('cpus', '?')} CPUs, {m.get('platform', '?')}, Python {m.get('python', '?')}" if m else "machine not recorded"
    lo = f"; load average {load['start'][0]} -> {load['end'][0]}" if load.get("start") and load.get("end") else ""
    return (f"**{counts['PASS']} PASS · {counts['FAIL']} FAIL ({known} with a known discrepancy) · {counts['SKIP']} SKIP · "
            f"{counts['ERROR']} ERROR** -- {doc['scale']} scale, {doc['total_seconds']:.0f} s on {where}{lo}")


def save_record(rec: dict, out: Path | None) -> dict:
    """Write one claim's record to ``out/claims/<id>.json`` as soon as it is finished (atomic rename), so a
    crash or a kill later in the run loses no finished result."""
    if out is not None:
        d = out / "claims"
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{rec['id']}.json.tmp"
        tmp.write_text(json.dumps(rec, indent=2))
        os.replace(tmp, d / f"{rec['id']}.json")
    return rec


def check_writable(path: str | Path, what: str) -> Path:
    """Create the folder ``path`` (or the parent of a file) and prove it writable, before any claim runs."""
    p = Path(path)
    folder = p if what == "--out" else p.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise PermissionError(f"Argument `{what}` = {str(path)!r}: cannot write there ({exc.strerror or exc}).") from None
    return p


def _run_by_id(cid: str, scale: str, out: Path | None) -> dict:
    from . import all_claims

    c = next(c for c in all_claims() if c.id == cid)
    return run_one(c, scale, out)


def exit_status(doc: dict) -> int:
    """1 on any ERROR or any FAIL without a known discrepancy, else 0."""
    for r in doc["claims"]:
        if r["verdict"] == "ERROR" or (r["verdict"] == "FAIL" and not r["known_discrepancy"]):
            return 1
    return 0


def _short(x: Any, n: int = 38) -> str:
    s = json.dumps(x) if not isinstance(x, str) else x
    return s if len(s) <= n else s[: n - 1] + "…"


def _num(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower() if isinstance(v, bool) else "-"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def human(x: Any, n: int = 90) -> str:
    """A measured value for a table cell: top-level keys with numbers to 3 significant digits, short lists joined
    by " / ", nested detail elided (the claim's section has all of it)."""
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


def format_table(doc: dict) -> str:
    """Plain-text table: id, statement, expected, measured, tolerance, verdict."""
    rows = [("id", "statement", "expected", "measured", "tolerance", "verdict", "s")]
    for r in doc["claims"]:
        v = r["verdict"] + ("*" if r["verdict"] == "FAIL" and r["known_discrepancy"] else "")
        rows.append((r["id"], _short(r["statement"], 44), _short(r["expected"], 22), human(r["measured"], 26), _short(r["tolerance"], 24), v, f"{r['seconds']:.1f}"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts = {k: sum(r["verdict"] == k for r in doc["claims"]) for k in ("PASS", "FAIL", "SKIP", "ERROR")}
    known = sum(r["verdict"] == "FAIL" and bool(r["known_discrepancy"]) for r in doc["claims"])
    lines.append("")
    lines.append(
        f"{counts['PASS']} passed, {counts['FAIL']} failed ({known} with a known discrepancy, marked *), "
        f"{counts['SKIP']} skipped, {counts['ERROR']} errors; scale {doc['scale']}, {doc['total_seconds']:.1f} s"
    )
    return "\n".join(lines)


def write_report(doc: dict, out: str | Path, json_path: str | Path | None = None) -> Path:
    """Write ``results.json`` and ``report.md`` (with figures) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jp = Path(json_path) if json_path else out / "results.json"
    tmp = jp.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2))
    os.replace(tmp, jp)
    md = [summary_line(doc), "", f"# Paper checks ({doc['scale']} scale)", ""]  # the summary is the first line
    md.append("| id | role | paper | statement | expected | measured | tolerance | verdict | margin | s |")
    md.append("|---|---|---|---|---|---|---|---|---|---|")
    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    def margin(r: dict) -> str:
        m = r.get("margin")
        return "" if m is None else f"{m:+.2f}"

    def derived(r: dict) -> str:
        return "" if r.get("expected_source", "paper") == "paper" else "*derived from the model:* "

    for r in doc["claims"]:
        verdict = r["verdict"] + (" (known discrepancy)" if r["verdict"] == "FAIL" and r["known_discrepancy"] else "")
        md.append(
            f"| [{r['id']}](#{r['id'].lower()}) | {r.get('role', 'reproduction')} | {cell(r['paper'])} | {cell(r['statement'])} | {derived(r)}{cell(_short(r['expected'], 60))} | "
            f"{cell(human(r['measured']))} | {cell(r['tolerance'])} | **{verdict}** | {margin(r)} | {r['seconds']:.1f} |"
        )
    md.append("")
    if doc["scale"] == "quick":
        from .recorded import load, table

        rec = load("paper")["claims"]
        if rec:
            md += ["## Recorded at paper scale", "",
                   "Measured by `python -m paper_checks --scale paper --record` (data and tens of minutes needed) and kept in "
                   "`paper_checks/recorded/paper.json`; this run did not repeat them.", "",
                   *table("paper", order=[r["id"] for r in doc["claims"]]), ""]
    for r in doc["claims"]:
        md += [f"## {r['id']}", "", f"*{r['paper']}, {r['source']}* ({r['kind']}, {r.get('role', 'reproduction')})", "", r["statement"], ""]
        src = r.get("expected_source", "paper")
        md.append(f"- expected: `{json.dumps(r['expected'])}`" + ("" if src == "paper" else f" ({src})"))
        md.append(f"- measured: `{json.dumps(r['measured'])}`")
        md.append(f"- tolerance: {r['tolerance']} ({r['tolerance_reason']})")
        if r.get("margin") is not None:
            md.append(f"- margin: {r['margin']:+.3f} (1 - deviation / allowed deviation: 0 at the edge of the tolerance, negative when failing)")
        mem = f", process peak memory so far {r['peak_rss_mb']:.0f} MiB" if r.get("peak_rss_mb") else ""
        md.append(f"- verdict: **{r['verdict']}** in {r['seconds']:.2f} s{mem}, seed {r['seed']}, parameters `{json.dumps(r['params'])}`")
        if r["known_discrepancy"]:
            md.append(f"- known discrepancy: {r['known_discrepancy']}")
        if r["detail"]:
            md += ["", "```", r["detail"].strip(), "```"]
        for f in r.get("figures") or ([r["figure"]] if r["figure"] else []):
            md += ["", f"![{r['id']}]({f})", "", f"*{caption(r)}*"]
        md.append("")
    p = out / "report.md"
    p.write_text("\n".join(md))
    write_html(doc, out)
    return p


def caption(r: dict) -> str:
    """What a claim's figure shows and what would falsify the claim (its tolerance failing)."""
    return (f"Figure {r['id']}: {r['statement']} Verdict {r['verdict']}; the claim would fail if this did not hold: "
            f"{r['tolerance']}.")


def write_html(doc: dict, out: str | Path) -> Path:
    """``report.html`` beside the markdown: the same summary, table and sections, figures embedded (PNG data URIs of
    the files in ``figures/``), no scripts and no outside resources -- the page alone shows everything, wherever it is
    copied or mailed."""
    import base64
    import html

    out = Path(out)

    def e(x: Any) -> str:
        return html.escape(str(x))

    colour = {"PASS": "#1a7f37", "FAIL": "#cf222e", "SKIP": "#9a6700", "ERROR": "#8250df"}
    summary = summary_line(doc).replace("**", "")
    rows = []
    for r in doc["claims"]:
        v = r["verdict"] + (" (known discrepancy)" if r["verdict"] == "FAIL" and r["known_discrepancy"] else "")
        m = "" if r.get("margin") is None else f"{r['margin']:+.2f}"
        src = "" if r.get("expected_source", "paper") == "paper" else "<em>derived from the model:</em> "
        rows.append(
            f"<tr><td><a href='#{e(r['id'].lower())}'>{e(r['id'])}</a></td><td>{e(r.get('role', 'reproduction'))}</td><td>{e(r['paper'])}</td>"
            f"<td>{e(r['statement'])}</td><td>{src}{e(_short(r['expected'], 60))}</td><td>{e(human(r['measured']))}</td>"
            f"<td>{e(r['tolerance'])}</td><td style='color:{colour.get(r['verdict'], '#000')}'><b>{e(v)}</b></td><td>{m}</td>"
            f"<td>{r['seconds']:.1f}</td></tr>"
        )
    sections = []
    for r in doc["claims"]:
        figs = r.get("figures") or ([r["figure"]] if r["figure"] else [])
        parts = [f"<section id='{e(r['id'].lower())}'><h2>{e(r['id'])}</h2>",
                 f"<p><em>{e(r['paper'])}, {e(r['source'])}</em> ({e(r['kind'])}, {e(r.get('role', 'reproduction'))})</p>",
                 f"<p>{e(r['statement'])}</p><ul>",
                 f"<li>expected: <code>{e(json.dumps(r['expected']))}</code></li>",
                 f"<li>measured: <code>{e(json.dumps(r['measured']))}</code></li>",
                 f"<li>tolerance: {e(r['tolerance'])} ({e(r['tolerance_reason'])})</li>",
                 f"<li>verdict: <b style='color:{colour.get(r['verdict'], '#000')}'>{e(r['verdict'])}</b> in {r['seconds']:.2f} s, seed {e(r['seed'])}</li>"]
        if r["known_discrepancy"]:
            parts.append(f"<li>known discrepancy: {e(r['known_discrepancy'])}</li>")
        parts.append("</ul>")
        if r["detail"]:
            parts.append(f"<pre>{e(r['detail'].strip())}</pre>")
        parts += [f"<figure><img src='data:image/png;base64,{base64.b64encode((out / f).read_bytes()).decode('ascii')}' "
                  f"alt='{e(r['id'])} figure ({e(f)})' style='max-width:640px'><figcaption>{e(caption(r))}</figcaption></figure>"
                  for f in figs]
        parts.append("</section>")
        sections.append("".join(parts))
    if doc["scale"] == "quick":
        from .recorded import HEAD, cells

        rec = cells("paper", order=[r["id"] for r in doc["claims"]])
        if rec:
            sections.insert(0, "<section id='recorded-at-paper-scale'><h2>Recorded at paper scale</h2><p>Measured by <code>python -m "
                            "paper_checks --scale paper --record</code> and kept in <code>paper_checks/recorded/paper.json</code>; this "
                            "run did not repeat them.</p><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEAD) + "</tr>"
                            + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rec) + "</table></section>")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Paper checks ({e(doc['scale'])} scale)</title>"
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}pre{white-space:pre-wrap;background:#f6f8fa;padding:6px}</style>"
        f"</head><body><h1>Paper checks ({e(doc['scale'])} scale)</h1><p id='summary'><b>{e(summary)}</b></p>"
        "<table><tr><th>id</th><th>role</th><th>paper</th><th>statement</th><th>expected</th><th>measured</th><th>tolerance</th>"
        "<th>verdict</th><th>margin</th><th>s</th></tr>" + "".join(rows) + "</table>" + "".join(sections) + "</body></html>"
    )
    p = out / "report.html"
    tmp = p.with_suffix(".html.tmp")
    tmp.write_text(page)
    os.replace(tmp, p)
    return p
