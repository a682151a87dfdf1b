"""Run claims: one :class:`~paper_checks.record.ClaimRecord` per claim, saved as it finishes, gathered in a
:class:`~paper_checks.record.Run`. Rendering is :mod:`paper_checks.report`'s."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .claim import Claim, Skip, decide
from .record import ClaimRecord, Run

__all__ = ["run_one", "run_claims", "save_record", "check_writable", "exit_status"]


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


def run_one(c: Claim, scale: str, out: Path | None) -> ClaimRecord:
    """Run one claim; never raises (ERROR and SKIP are verdicts)."""
    t = time.perf_counter()
    params = c.params(scale)
    got: dict[str, Any] = {"figures": []}
    try:
        r = c.compute(params, c.seed)
        ok, m, how = decide(c, r, scale)  # the claim's tolerance decides; the compute function only measured
        got.update(measured=_jsonable(r.measured), detail=r.detail, margin=m, decision=how, verdict="PASS" if ok else "FAIL")
        figs = r.figure if isinstance(r.figure, dict) else ({"": r.figure} if r.figure is not None else {})
        for name, fig in figs.items():
            if out is not None:
                from numerics.plots import save

                (path,) = save(fig, out / "figures" / (c.id + (f"-{name}" if name else "")), formats=("png",))
                got["figures"].append(str(path.relative_to(out)))
            else:
                import matplotlib.pyplot as plt

                plt.close(fig)
    except Skip as s:
        got.update(verdict="SKIP", detail=f"skipped: {s}")
    except Exception as exc:  # noqa: BLE001 - reported as ERROR with the traceback
        got.update(verdict="ERROR", detail=f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=4), measured=None, margin=None)
    claim = dict(id=c.id, paper=c.paper, source=c.source, statement=c.statement, kind=c.kind, expected=_jsonable(c.expected),
                 expected_source=c.expected_source, role=c.role, tolerance=str(c.rule(scale)), tolerance_reason=c.tolerance_reason,
                 params=_jsonable(params), seed=c.seed, known_discrepancy=c.known_discrepancy)
    try:
        return ClaimRecord(**claim, seconds=round(time.perf_counter() - t, 3), peak_rss_mb=_peak_rss_mb(), **got)
    except ValueError as exc:  # what the compute function returned breaks the record's invariants (a NaN margin)
        got.update(verdict="ERROR", detail=f"the claim's result is malformed: {exc}", margin=None)
        return ClaimRecord(**claim, seconds=round(time.perf_counter() - t, 3), peak_rss_mb=_peak_rss_mb(), **got)


def _peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB (``None`` where ``resource`` is unavailable)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


#: seconds to wait for a dask scheduler to answer and to have a worker
SCHEDULER_TIMEOUT = 10.0


def connect(scheduler: str, timeout: float | None = None):
    """A ``dask.distributed`` client of the scheduler at ``scheduler`` (``tcp://host:port``), or one clear error that names
    the address and why (no such scheduler, no workers, ``distributed`` not installed)."""
    timeout = SCHEDULER_TIMEOUT if timeout is None else timeout
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a declared dependency
        raise RuntimeError("--scheduler needs dask.distributed (pip install distributed)") from None
    if not isinstance(scheduler, str) or "://" not in scheduler and ":" not in scheduler:
        raise ValueError(f"Argument `--scheduler` must be a scheduler address such as tcp://127.0.0.1:8786; got {scheduler!r}.")
    try:
        client = Client(scheduler, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"Argument `--scheduler` = {scheduler!r}: no dask scheduler answered within {timeout:g} s "
                              f"({type(exc).__name__}: {exc})") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        client.close()
        raise ConnectionError(f"Argument `--scheduler` = {scheduler!r}: the scheduler has no workers (waited {timeout:g} s)") from None
    return client


def run_claims(claims: Sequence[Claim], scale: str = "quick", out: str | Path | None = None, jobs: int = 1, progress: bool = True,
               scheduler: str | None = None) -> Run:
    """Run ``claims`` (in parallel processes when ``jobs > 1``, or on the workers of the dask scheduler at ``scheduler``);
    each record is saved to ``out/claims/`` by this process as it finishes.

    On a scheduler the claims are tasks (one each, keyed by id) and the workers write their figures to ``out/figures``
    themselves, so ``out`` (and ``AMWB_DATA``, the data folder) must be paths the workers see: a shared filesystem."""
    out = Path(out) if out is not None else None
    if out is not None:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    load0 = _load()
    from tqdm.auto import tqdm

    if scheduler is not None:
        from distributed import as_completed as d_completed

        client = connect(scheduler)
        try:
            futs = {client.submit(_run_by_id, c.id, scale, out, pure=False, key=f"claim-{c.id}-{os.getpid()}-{time.time_ns()}"): c.id
                    for c in claims}
            done = {}
            bar = tqdm(total=len(futs), disable=not progress, desc="claims")
            for fut in d_completed(list(futs)):
                done[futs[fut]] = save_record(fut.result(), out)
                bar.update(1)
            bar.close()
        finally:
            client.close()
        recs = [done[c.id] for c in claims]
    elif jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as ex:
            futs = [ex.submit(_run_by_id, c.id, scale, out) for c in claims]
            recs = [save_record(f.result(), out) for f in tqdm(futs, disable=not progress, desc="claims")]
    else:
        recs = [save_record(run_one(c, scale, out), out) for c in tqdm(claims, disable=not progress, desc="claims")]
    return Run(scale=scale, claims=tuple(recs), total_seconds=round(time.perf_counter() - t, 2), machine=_machine(),
               load={"start": load0, "end": _load()})


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


def save_record(rec: ClaimRecord, out: Path | None) -> ClaimRecord:
    """Write one claim's record to ``out/claims/<id>.json`` as soon as it is finished (atomic rename), so a
    crash or a kill later in the run loses no finished result."""
    if out is not None:
        d = out / "claims"
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{rec.id}.json.tmp"
        tmp.write_text(json.dumps(rec.to_json(), indent=2))
        os.replace(tmp, d / f"{rec.id}.json")
    return rec


def check_writable(path: str | Path, what: str) -> Path:
    """Create the folder ``path`` (or the parent of a file) and prove it writable, before any claim runs."""
    p = Path(path)
    folder = p if what == "--out" else p.parent
    if what != "--out" and p.is_dir():
        raise PermissionError(f"Argument `{what}` = {str(path)!r} is a folder; give a file name.")
    if what == "--out":  # the run writes into these: a file in their place would fail it after every claim ran
        for sub in ("figures", "claims", "report.md", "report.html", "results.json"):
            q = p / sub
            if q.exists() and (q.is_dir() != (sub in ("figures", "claims"))):
                raise PermissionError(f"Argument `{what}` = {str(path)!r}: {q} is in the way (a {'file' if q.is_file() else 'folder'} "
                                      f"where the run writes a {'folder' if sub in ('figures', 'claims') else 'file'}).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise PermissionError(f"Argument `{what}` = {str(path)!r}: cannot write there ({exc.strerror or exc}).") from None
    return p


def _run_by_id(cid: str, scale: str, out: Path | None) -> ClaimRecord:
    from . import all_claims

    c = next(c for c in all_claims() if c.id == cid)
    return run_one(c, scale, out)


def exit_status(run: Run) -> int:
    """1 on any ERROR or any FAIL without a known discrepancy, else 0 (:attr:`Run.exit_status`)."""
    return run.exit_status
