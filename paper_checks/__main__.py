"""``python -m paper_checks``: run the claims, print the table, write the report (the main job)."""

from __future__ import annotations

import argparse
import os
import sys

from . import all_claims, exit_status, run_claims, write_report
from .report import build, text
from .runner import check_writable


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {v}")
    return v


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the OS says, else the count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `python -m paper_checks --list | head`: the reader left; stop quietly, as `ls | head` does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not raise again
        return 0


def _main(argv: list[str] | None) -> int:
    from numerics.allocator import tune_process

    bad = tune_process()  # process-wide tuning is the entry point's to apply, never a kernel's
    if bad is not None:
        print(f"python -m paper_checks: error: {bad}", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog="python -m paper_checks", description="Check the papers' quantitative claims.")
    ap.add_argument("--scale", choices=("quick", "paper"), default="quick")
    ap.add_argument("--only", nargs="+", metavar="ID", help="claim ids (prefixes allowed, e.g. KH21 or BPD-6)")
    ap.add_argument("--data-dir", help="folder with datasets (MNIST under mnist/); also AMWB_DATA")
    ap.add_argument("--out", default="results", help="output folder (default ./results)")
    ap.add_argument("--json", help="write results.json here instead of OUT/results.json")
    ap.add_argument("--jobs", type=_positive_int, default=None,
                    help="parallel processes (>= 1; default: the CPUs this process may use; never more than the CPUs or the claims)")
    ap.add_argument("--list", action="store_true", help="list the claims and exit")
    ap.add_argument("--record", action="store_true",
                    help="merge the results into paper_checks/recorded/<scale>.json (the README's paper-scale table is generated from it)")
    ap.add_argument("--scheduler", metavar="ADDRESS",
                    help="run the claims on the workers of this dask.distributed scheduler (tcp://host:port) instead of local "
                         "processes; --out and the data folder must be paths the workers see")
    a = ap.parse_args(argv)
    if a.data_dir and not a.list:  # --list needs no data: a missing folder does not stop it
        if not os.path.isdir(a.data_dir):
            print(f"paper_checks: argument `--data-dir` = {a.data_dir!r} is not a folder", file=sys.stderr)
            return 2
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
    cpus = usable_cpus()
    jobs = min(a.jobs or cpus, cpus, len(claims))
    if a.jobs and a.jobs > jobs:
        print(f"paper_checks: --jobs {a.jobs} lowered to {jobs} ({cpus} CPUs usable, {len(claims)} claims)", file=sys.stderr)
    try:  # before any claim runs: an unwritable --out or --json must not cost the whole run
        check_writable(a.out, "--out")
        if a.json:
            check_writable(a.json, "--json")
    except PermissionError as exc:
        print(f"paper_checks: {exc}", file=sys.stderr)
        return 2
    if a.scheduler is not None:  # before any claim runs: a wrong address must not cost the run
        from .runner import connect

        try:
            connect(a.scheduler).close()
        except (ValueError, ConnectionError, RuntimeError) as exc:
            print(f"paper_checks: {exc}", file=sys.stderr)
            return 2
    doc = run_claims(claims, a.scale, a.out, jobs, progress=sys.stderr.isatty(), scheduler=a.scheduler)
    write_report(doc, a.out, a.json)
    if a.record:
        from .recorded import record

        print(f"recorded: {record(doc)}")
    print(text(build(doc)))
    print(f"report: {os.path.join(a.out, 'report.html')} (and report.md beside it; results.json: {a.json or os.path.join(a.out, 'results.json')})")
    return exit_status(doc)


if __name__ == "__main__":
    sys.exit(main())
