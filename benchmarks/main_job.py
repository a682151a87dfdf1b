"""The quick main job's duration as a benchmark record (never a timed test).

Records (``--json`` prints a JSON list of {"name", "value", "detail"}):

* ``main_job_quick_s``: total seconds of ``python -m paper_checks`` at quick scale (every claim, one process), with
  the machine's CPU count and load average at start and end (from the run's own ``results.json``) and the five
  slowest claims. Target: < 300 s on 2 cores. ``--results FILE`` reads a finished run instead of starting one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def record(doc: dict) -> dict:
    slow = ", ".join(f"{r['id']} {r['seconds']:.0f}s" for r in sorted(doc["claims"], key=lambda r: -r["seconds"])[:5])
    cpus = (doc.get("machine") or {}).get("cpus")
    load = doc.get("load") or {}
    verdicts = {v: sum(r["verdict"] == v for r in doc["claims"]) for v in ("PASS", "FAIL", "SKIP", "ERROR")}
    return {"name": "main_job_quick_s", "ratio": None, "value": doc["total_seconds"],
            "detail": f"{len(doc['claims'])} claims ({verdicts}) on {cpus} CPUs, load {load.get('start')} -> {load.get('end')}; "
                      f"slowest: {slow}; target < 300 s"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--results", help="results.json of a finished quick run (default: run the main job now)")
    a = ap.parse_args()
    if a.results:
        doc = json.loads(Path(a.results).read_text())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "paper_checks", "--out", tmp], check=False, capture_output=True)
            doc = json.loads((Path(tmp) / "results.json").read_text())
    if doc.get("scale") != "quick":
        raise SystemExit(f"main_job.py: expected a quick-scale results.json; got scale {doc.get('scale')!r}")
    recs = [record(doc)]
    print(json.dumps(recs, indent=2) if a.json else "\n".join(f"{r['name']:<20} {r['value']:.1f}  {r['detail']}" for r in recs))


if __name__ == "__main__":
    main()
