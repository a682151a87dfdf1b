"""Recorded results: what ``python -m paper_checks --record`` measured, kept in ``paper_checks/recorded/<scale>.json``.

Paper-scale runs need data and tens of minutes, so their results are recorded by the run that measures them and
committed; the README's paper-scale table and the report's "Recorded at paper scale" section are generated from
that file (a test checks the README against it). Nothing in this file is typed by hand: :func:`record` merges the
records of a run, and a SKIP or ERROR never replaces a recorded PASS or FAIL (a machine without the data must not
erase a measurement).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

__all__ = ["RECORD_DIR", "record_path", "load", "record", "flat", "cells", "table"]

RECORD_DIR = Path(__file__).resolve().parent / "recorded"
_KEEP = ("id", "paper", "source", "statement", "role", "verdict", "margin", "measured", "detail", "seconds", "peak_rss_mb", "params", "seed")


def record_path(scale: str) -> Path:
    if scale not in ("quick", "paper"):
        raise ValueError(f"Argument `scale` must be 'quick' or 'paper'; got {scale!r}.")
    return RECORD_DIR / f"{scale}.json"


def load(scale: str, path: str | Path | None = None) -> dict:
    """``{"scale", "claims": {id: record}}`` (empty when nothing was recorded)."""
    p = Path(path) if path else record_path(scale)
    if not p.exists():
        return {"scale": scale, "claims": {}}
    doc = json.loads(p.read_text())
    if doc.get("scale") != scale or not isinstance(doc.get("claims"), dict):
        raise ValueError(f"{p} is not a recorded-results file for scale {scale!r}.")
    return doc


def record(doc: dict, path: str | Path | None = None) -> Path:
    """Merge the claim records of a run (``run_claims``' document) into the recorded file; returns its path."""
    p = Path(path) if path else record_path(doc["scale"])
    old = load(doc["scale"], p)
    run = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "machine": doc.get("machine"), "load": doc.get("load")}
    for r in doc["claims"]:
        prev = old["claims"].get(r["id"])
        if r["verdict"] in ("SKIP", "ERROR") and prev and prev["verdict"] in ("PASS", "FAIL"):
            continue
        old["claims"][r["id"]] = {**{k: r.get(k) for k in _KEEP}, "known_discrepancy": bool(r.get("known_discrepancy")), "run": run}
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, p)
    return p


def flat(x, n: int = 400) -> str:
    """Every number of a nested measurement as ``path: value`` (``rows / baseline / recalled_accuracy: 0.922``), cut at
    ``n`` characters: the paper-scale table shows the evidence itself, not ``{...}``."""
    from .runner import _num

    items: list[str] = []

    def walk(v, path):
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
    text = "; ".join(items)
    return text if len(text) <= n else text[: n - 1] + "…"


def cells(scale: str = "paper", path: str | Path | None = None, order: list[str] | None = None) -> list[list[str]]:
    """Per recorded claim: id, verdict, margin, the measured numbers (:func:`flat`), seconds, when and where (strings)."""

    doc = load(scale, path)
    ids = [i for i in (order or []) if i in doc["claims"]] + sorted(set(doc["claims"]) - set(order or []))
    out = []
    for i in ids:
        r = doc["claims"][i]
        verdict = r["verdict"] + (" (known discrepancy)" if r["verdict"] == "FAIL" and r["known_discrepancy"] else "")
        m = "" if r.get("margin") is None else f"{r['margin']:+.2f}"
        cpus = (r["run"].get("machine") or {}).get("cpus")
        out.append([i, verdict, m, flat(r["measured"]), f"{r['seconds']:.0f}", f"{r['run']['date']}, {cpus} CPUs"])
    return out


HEAD = ["id", "verdict", "margin", "measured", "seconds", "recorded"]


def table(scale: str = "paper", path: str | Path | None = None, order: list[str] | None = None) -> list[str]:
    """Markdown lines: one row per recorded claim (id, verdict, margin, key measured numbers, time, date)."""
    rows = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    rows += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells(scale, path, order)]
    return rows
