"""Recorded results: what ``python -m paper_checks --record`` measured, kept in ``paper_checks/recorded/<scale>.json``.

Paper-scale runs need data and tens of minutes, so their results are recorded by the run that measures them and
committed; the README's paper-scale table and the report's "Recorded at paper scale" section are generated from
that file by :mod:`paper_checks.report` (a test checks the README against it). Nothing in this file is typed by hand: :func:`record` merges the
records of a run, and a SKIP or ERROR never replaces a recorded PASS or FAIL (a machine without the data must not
erase a measurement).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .record import Run

__all__ = ["RECORD_DIR", "record_path", "load", "record"]

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
    try:
        doc = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, OSError) as exc:
        raise ValueError(f"{p} is not a readable recorded-results file ({type(exc).__name__}: {str(exc)[:120]}).") from None
    if not isinstance(doc, dict) or doc.get("scale") != scale or not isinstance(doc.get("claims"), dict):
        raise ValueError(f"{p} is not a recorded-results file for scale {scale!r}.")
    for cid, r in doc["claims"].items():
        if not (isinstance(r, dict) and isinstance(r.get("verdict"), str) and isinstance(r.get("run"), dict) and "measured" in r
                and isinstance(r.get("seconds"), (int, float))):
            raise ValueError(f"{p}: the record of {cid!r} is malformed (verdict, measured, seconds and run are needed).")
    return doc


def record(run: Run | dict, path: str | Path | None = None) -> Path:
    """Merge the claim records of a run (:func:`~paper_checks.runner.run_claims`' :class:`Run`, or its JSON) into the
    recorded file; returns its path."""
    doc = run.to_json() if isinstance(run, Run) else run
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
