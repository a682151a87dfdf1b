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

__all__ = ["grid", "point_key", "run_sweep", "load_results"]


def grid(params: Mapping[str, Sequence[Any]], seeds: Sequence[int]) -> list[dict]:
    """The Cartesian product of the parameter lists, times the seeds, in a stable order."""
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


def _call(fn: Callable[..., Any], point: dict) -> tuple[dict, Any]:
    return point, fn(**point)


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
) -> list[dict]:
    """Run ``fn(**point)`` for every point not finished yet and return all results in ``points`` order.

    Parameters
    ----------
    fn : callable
        A module-level function (picklable) returning a JSON-serialisable value.
    points : list of dict
        From :func:`grid`; each includes ``seed``.
    out : path
        Results store (created).
    workers : int
        Local processes (1 runs in this process).
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (``tcp://127.0.0.1:8786``); overrides ``workers``.

    Notes
    -----
    One sweep writes a store at a time: a start removes the temporary files a killed run left behind,
    which would break a second sweep writing the same ``out`` concurrently.
    """
    store = Path(out) / "points"
    store.mkdir(parents=True, exist_ok=True)
    _clean_stale(store)  # one sweep writes a store at a time: what a killed run left half-written goes
    keys = [point_key(p) for p in points]
    if len(set(keys)) != len(keys):
        raise ValueError("Argument `points` contains duplicates.")
    todo = [p for p, k in zip(points, keys, strict=True) if not (store / f"{k}.json").exists()]
    bar = tqdm(total=len(points), initial=len(points) - len(todo), disable=not progress, desc="sweep")

    def finish(point, value):
        _write_atomic(store / f"{point_key(point)}.json", {"point": point, "result": value})
        bar.update(1)

    try:
        if scheduler:
            from distributed import Client
            from distributed import as_completed as d_completed

            with Client(scheduler) as client:
                futs = [client.submit(_call, fn, p, pure=False) for p in todo]
                for fut in d_completed(futs):
                    finish(*fut.result())
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
