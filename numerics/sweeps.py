"""Declarative parameter sweeps: grid x seeds, progress bar, atomic per-point results, resume, parallel.

Each point (parameters + seed) has a key (a hash of its canonical JSON).  When a
point finishes, its result is written to ``<out>/points/<key>.json`` through a
temporary file and ``os.replace`` (atomic on POSIX), so a ``kill -9`` loses at
most the points in flight and never leaves a half-written result; a rerun skips
every point whose file exists.  Results depend only on (parameters, seed), never
on the number of workers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ._checks import as_count, as_path, require

__all__ = ["grid", "point_key", "run_sweep", "load_results"]


def grid(params: Mapping[str, Sequence[Any]], seeds: Sequence[int]) -> list[dict]:
    """The Cartesian product of the parameter lists, times the seeds, in a stable order."""
    if not isinstance(params, Mapping):
        raise ValueError(f"Argument `params` must be a dict of name -> list of values; got {type(params).__name__} {params!r}.")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise ValueError(f"Argument `seeds` must be a list of integers; got {type(seeds).__name__} {seeds!r}.")
    if not seeds:
        raise ValueError("Argument `seeds` must not be empty.")
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0]
    if bad:  # int(1.7) was 1: two different requests, one seed
        raise ValueError(f"Argument `seeds` must hold integers >= 0; got {bad[0]!r}.")
    if len(set(int(s) for s in seeds)) != len(seeds):
        raise ValueError(f"Argument `seeds` must not repeat (a repeated seed is the same sample twice); got {list(seeds)}.")
    if "seed" in params:
        raise ValueError("Argument `params` must not hold `seed`: the grid adds each seed itself (it was silently overwritten).")
    names = list(params)
    for k, v in params.items():
        if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) or len(v) == 0:
            raise ValueError(f"Argument `params[{k!r}]` must be a non-empty list of values; got {v!r}.")
    return [{**dict(zip(names, combo, strict=True)), "seed": int(s)} for combo in itertools.product(*[params[n] for n in names]) for s in seeds]


def point_key(point: Mapping[str, Any]) -> str:
    """Stable key of a point (SHA-256 of its sorted JSON, 16 hex digits)."""
    return hashlib.sha256(json.dumps(point, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _write_atomic(path: Path, payload: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX, suffix=".part")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TMP_PREFIX = ".tmp-"


def _result_files(store: Path) -> list[Path]:
    """The finished results: ``<16 hex digits>.json``, never a temporary file left by a killed writer."""
    return sorted(p for p in store.glob("*.json") if len(p.stem) == 16 and all(c in "0123456789abcdef" for c in p.stem))


def _clean_stale(store: Path) -> int:
    """Remove temporary files a killed run left behind (a finished result is only ever renamed into place)."""
    stale = list(store.glob(_TMP_PREFIX + "*"))
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def _jsonable(x: Any) -> Any:
    """``json.dumps``' fallback for NumPy values: scalars become Python numbers, arrays lists."""
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"a {type(x).__name__} cannot be stored as JSON")


def _call(fn: Callable[..., Any], point: dict) -> tuple[dict, Any]:
    """``fn(**point)``, with its result made JSON-ready where it runs (NumPy scalars and arrays converted), so a value
    that cannot be stored is one clear error naming the point, not a traceback after the result came back."""
    value = fn(**point)
    try:
        return point, json.loads(json.dumps(value, default=_jsonable))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"sweep point {point}: the result of {getattr(fn, '__name__', fn)} cannot be stored as JSON ({exc}); "
                        "return numbers, strings, lists and dicts (NumPy scalars and arrays are converted)") from None


def _finished(path: Path, point: dict) -> bool:
    """Whether ``path`` holds this point's finished result. A file that does not parse, or holds another point, is moved
    aside (``.corrupt``, named in a warning) so that the point is computed again instead of failing every rerun."""
    if not path.exists():
        return False
    try:
        doc = json.loads(path.read_text())
        ok = isinstance(doc, dict) and "result" in doc and doc.get("point") == json.loads(json.dumps(point, default=_jsonable))
    except (OSError, ValueError):
        ok = False
    if not ok:
        import warnings

        bad = path.with_name(path.name + ".corrupt")
        os.replace(path, bad)
        warnings.warn(f"sweep store: {path.name} was not a finished result of {point} (corrupted or foreign); moved to "
                      f"{bad.name} and recomputed", RuntimeWarning, stacklevel=3)
    return ok


class _StoreLock:
    """An exclusive lock on a store for one sweep (``<store>/.lock``, ``flock``): a second sweep on the same store is one
    clear error instead of deleting the first one's files in flight. Released when the sweep ends or its process dies."""

    def __init__(self, store: Path) -> None:
        self.path = store / ".lock"
        self.fd: int | None = None

    def __enter__(self) -> _StoreLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock (Windows): one sweep per store is the user's to keep
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise RuntimeError(f"sweep store {self.path.parent} is in use by another sweep (process {holder}); wait for it, "
                               "or give another `out`") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def load_results(out: str | Path, points: Sequence[dict] | None = None) -> list[dict]:
    """Finished results in ``out`` (in ``points`` order if given); temporary files are never read."""
    d = Path(out) / "points"
    if points is None:
        return [json.loads(p.read_text()) for p in _result_files(d)]
    res = []
    for pt in points:
        f = d / f"{point_key(pt)}.json"
        if f.exists():
            res.append(json.loads(f.read_text()))
    return res


def run_sweep(
    fn: Callable[..., Any],
    points: Sequence[dict],
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    worker_timeout: float = 60.0,
) -> list[dict]:
    """Run ``fn(**point)`` for every point not finished yet and return all results in ``points`` order.

    Parameters
    ----------
    fn : callable
        A module-level function (picklable) returning a JSON-serialisable value (NumPy scalars and arrays are
        converted).
    points : list of dict
        From :func:`grid`; each includes ``seed``.
    out : path
        Results store (created).
    workers : int
        Local processes (1 runs in this process).
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (``tcp://127.0.0.1:8786``); overrides ``workers``.
    worker_timeout : float
        On a scheduler: seconds without any worker after which the sweep stops with an error (finished points are kept;
        a rerun resumes), instead of waiting forever.

    Notes
    -----
    One sweep writes a store at a time, under an exclusive lock (a second one is refused with an error): a start
    removes the temporary files a killed run left behind. A finished file that does not parse (or holds another point)
    is moved aside and its point recomputed.
    """
    require(callable(fn), f"Argument `fn` must be a function of the point's keys; got {type(fn).__name__}.")
    require(isinstance(points, Sequence) and not isinstance(points, (str, bytes)) and all(isinstance(p, Mapping) for p in points),
            f"Argument `points` must be a list of dicts (from sweeps.grid); got {type(points).__name__} {str(points)[:80]}.")
    workers = as_count("workers", workers)
    cpus = os.cpu_count() or 1
    require(workers <= 8 * cpus, f"Argument `workers` must be at most {8 * cpus} (8 per CPU; this machine has {cpus}): each is a "
            f"process; got {workers}.")
    out = as_path("out", out)
    require(not out.exists() or out.is_dir(), f"Argument `out` must be a folder (the sweep's store); {str(out)!r} is a file.")
    store = out / "points"
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # before any point runs, not after
        raise ValueError(f"Argument `out`: cannot create the store {str(store)!r} ({exc.strerror}).") from None
    keys = [point_key(p) for p in points]
    if len(set(keys)) != len(keys):
        raise ValueError("Argument `points` contains duplicates.")
    with _StoreLock(store):
        _clean_stale(store)  # under the lock: what a killed run left half-written goes, never a live sweep's files
        todo = [p for p, k in zip(points, keys, strict=True) if not _finished(store / f"{k}.json", p)]
        bar = tqdm(total=len(points), initial=len(points) - len(todo), disable=not progress, desc="sweep")

        def finish(point, value):
            _write_atomic(store / f"{point_key(point)}.json", {"point": point, "result": value})
            bar.update(1)

        try:
            if scheduler:
                _run_on_scheduler(scheduler, fn, todo, finish, worker_timeout)
            elif workers > 1 and len(todo) > 1:
                with ProcessPoolExecutor(max_workers=workers) as ex:
                    futs = [ex.submit(_call, fn, p) for p in todo]
                    for fut in as_completed(futs):
                        finish(*fut.result())
            else:
                for p in todo:
                    finish(*_call(fn, p))
        finally:
            bar.close()
    return load_results(out, points)


def _run_on_scheduler(scheduler: str, fn, todo: list, finish, worker_timeout: float) -> None:
    """The points as tasks on a dask cluster, each finished one stored as it arrives; no worker for ``worker_timeout``
    seconds (or a task that killed its workers) stops the sweep with an error, the finished points kept."""
    import time

    from distributed import Client, KilledWorker, wait

    with Client(scheduler) as client:
        pending = [client.submit(_call, fn, p, pure=False) for p in todo]
        alone_since = None
        while pending:
            try:
                done, not_done = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished within the poll: look at the workers
                done, not_done = set(), set(pending)
            for fut in done:
                try:
                    finish(*fut.result())
                except KilledWorker:
                    raise RuntimeError(f"sweep: a point killed the workers that ran it ({fut.key}); the finished points are "
                                       "kept, a rerun resumes") from None
            pending = list(not_done)
            if pending and not client.scheduler_info().get("workers"):
                alone_since = alone_since or time.monotonic()
                if time.monotonic() - alone_since > worker_timeout:
                    raise RuntimeError(f"sweep: the scheduler {scheduler} has had no worker for {worker_timeout:g} s with "
                                       f"{len(pending)} points left; the finished points are kept, a rerun resumes")
            else:
                alone_since = None
