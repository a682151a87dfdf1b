"""``python -m paper_checks``: run the claims, print the table, write the report (the main job)."""

from __future__ import annotations

import argparse
import os
import sys

from . import all_claims, exit_status, format_table, run_claims, write_report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paper_checks", description="Check the papers' quantitative claims.")
    ap.add_argument("--scale", choices=("quick", "paper"), default="quick")
    ap.add_argument("--only", nargs="+", metavar="ID", help="claim ids (prefixes allowed, e.g. KH21 or BPD-6)")
    ap.add_argument("--data-dir", help="folder with datasets (MNIST under mnist/); also AMWB_DATA")
    ap.add_argument("--out", default="results", help="output folder (default ./results)")
    ap.add_argument("--json", help="write results.json here instead of OUT/results.json")
    ap.add_argument("--jobs", type=int, default=1, help="parallel processes")
    ap.add_argument("--list", action="store_true", help="list the claims and exit")
    a = ap.parse_args(argv)
    if a.data_dir:
        os.environ["AMWB_DATA"] = a.data_dir
    claims = all_claims()
    if a.only:
        sel = [c for c in claims if any(c.id == o or c.id.startswith(o) for o in a.only)]
        unknown = [o for o in a.only if not any(c.id == o or c.id.startswith(o) for c in claims)]
        if unknown:
            print(f"paper_checks: unknown claim ids {unknown}; see --list", file=sys.stderr)
            return 2
        claims = sel
    if a.list:
        for c in claims:
            print(f"{c.id:<10} {c.paper:<32} {c.statement}")
        return 0
    doc = run_claims(claims, a.scale, a.out, a.jobs, progress=sys.stderr.isatty())
    write_report(doc, a.out, a.json)
    print(format_table(doc))
    print(f"report: {os.path.join(a.out, 'report.md')}")
    return exit_status(doc)


if __name__ == "__main__":
    sys.exit(main())
