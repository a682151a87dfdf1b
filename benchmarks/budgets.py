"""Expensive strings against the symbolic budgets: seconds per ``amwb derive`` (one process each, as a user runs it).

Record (``--json``): ``expensive_string_max_s`` -- over the corpus of ``tests/test_budgets.py``, the largest
median (over ``--repeat`` runs) wall time of ``python -m numerics.cli derive SPEC --json``, interpreter start
included; target < 10 s.  The detail names the slowest string and what it ended in.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", type=int, default=None, help="first K corpus strings (smoke runs)")
    a = ap.parse_args()
    from test_budgets import CORPUS, SPEC

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, entry, _ in CORPUS[: a.only]:
            path = Path(tmp) / "m.toml"
            path.write_text(SPEC.format(entry=entry))
            times, outcome = [], ""
            for _ in range(a.repeat):
                t = time.perf_counter()
                r = subprocess.run([sys.executable, "-m", "numerics.cli", "derive", str(path), "--json"], capture_output=True, text=True)
                times.append(time.perf_counter() - t)
                if r.returncode == 0:
                    outcome = json.loads(r.stdout)["layers"]["v"]["certificate"]["status"]
                else:
                    outcome = "error: " + (r.stderr.strip().splitlines() or ["?"])[-1][:80]
            times.sort()
            rows.append((times[len(times) // 2], label, outcome))
    worst = max(rows)
    records = [
        {
            "name": "expensive_string_max_s",
            "value": round(worst[0], 2),
            "detail": f"{len(rows)} strings, median of {a.repeat}; slowest {worst[1]!r} ({worst[2]}); target < 10 s",
        }
    ]
    if a.json:
        print(json.dumps(records, indent=2))
    else:
        for s, label, outcome in sorted(rows, reverse=True):
            print(f"{s:6.2f} s  {label:<28} {outcome}")
        print(f"{records[0]['name']} = {records[0]['value']} ({records[0]['detail']})")


if __name__ == "__main__":
    main()
