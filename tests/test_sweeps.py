"""Sweeps: atomic per-point store, resume after kill -9 without repeating finished points, determinism."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from numerics.sweeps import _result_files, grid, load_results, point_key, run_sweep

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import _sweep_fn  # noqa: E402


def test_grid_and_keys():
    pts = grid({"a": [1, 2], "b": [0.5]}, seeds=[0, 1])
    assert pts == [{"a": 1, "b": 0.5, "seed": 0}, {"a": 1, "b": 0.5, "seed": 1}, {"a": 2, "b": 0.5, "seed": 0}, {"a": 2, "b": 0.5, "seed": 1}]
    assert len({point_key(p) for p in pts}) == 4
    with pytest.raises(ValueError, match="params\\['a'\\]"):
        grid({"a": []}, seeds=[0])
    with pytest.raises(ValueError, match="seeds"):
        grid({"a": [1]}, seeds=[])


def test_deterministic_whatever_the_workers(tmp_path):
    pts = grid({"a": [1, 2, 3], "b": [1, 2]}, seeds=[0, 1])
    r1 = run_sweep(_sweep_fn.work, pts, tmp_path / "one", workers=1, progress=False)
    r2 = run_sweep(_sweep_fn.work, pts, tmp_path / "two", workers=2, progress=False)
    assert [r["result"] for r in r1] == [r["result"] for r in r2]
    assert [r["point"] for r in r1] == pts


def test_resume_after_kill_9(tmp_path):
    out = tmp_path / "sweep"
    log = tmp_path / "calls.log"
    pts = grid({"a": list(range(40)), "b": [1]}, seeds=[0])
    for p in pts:
        p["log"] = str(log)
        p["delay"] = 0.25
    script = textwrap.dedent(
        f"""
        import sys, json
        sys.path.insert(0, {str(HERE)!r})
        import _sweep_fn
        from numerics.sweeps import run_sweep
        pts = json.loads({json.dumps(json.dumps(pts))})
        run_sweep(_sweep_fn.work, pts, {str(out)!r}, workers=2, progress=False)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    store = out / "points"
    deadline = time.time() + 600
    while time.time() < deadline and (not store.exists() or len(_result_files(store)) < 3):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 the sweep and its worker processes
    proc.wait()
    for _ in range(200):  # until every process of the group is gone (workers die asynchronously)
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    finished = {f.stem for f in _result_files(store)}
    assert 3 <= len(finished) < len(pts), "the kill must land mid-sweep"
    for f in _result_files(store):
        json.loads(f.read_text())  # every finished file is complete JSON
    log.write_text("")  # calls after the restart only
    res = run_sweep(_sweep_fn.work, pts, out, workers=2, progress=False)
    assert len(res) == len(pts)
    again = [line.split(",") for line in log.read_text().splitlines()]
    recomputed = {point_key(next(p for p in pts if p["a"] == int(a))) for a, _, _ in again}
    assert not (recomputed & finished), "a finished point was computed again"
    assert len(recomputed) == len(pts) - len(finished)
    ref = [_sweep_fn.work(p["a"], p["b"], p["seed"]) for p in pts]
    assert [r["result"] for r in res] == ref


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    pts = grid({"a": [1, 2, 3]}, seeds=[0, 1])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None) as cluster:
        res = run_sweep(_sweep_fn.pid_work, pts, tmp_path / "d", scheduler=cluster.scheduler_address, progress=False)
    local = run_sweep(_sweep_fn.pid_work, pts, tmp_path / "l", progress=False)
    assert [r["result"]["value"] for r in res] == [r["result"]["value"] for r in local]
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1")


def test_load_results_order(tmp_path):
    pts = grid({"a": [3, 1, 2], "b": [1]}, seeds=[5])
    run_sweep(_sweep_fn.work, pts, tmp_path, progress=False)
    assert [r["point"]["a"] for r in load_results(tmp_path, pts)] == [3, 1, 2]


KILL_SCRIPT = """
import sys, json
sys.path.insert(0, {here!r})
import _sweep_fn
from numerics.sweeps import run_sweep
run_sweep(_sweep_fn.work, json.loads({pts!r}), {out!r}, workers=2, progress=False)
"""


def _kill_group(proc):
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(400):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def test_kill_and_resume_ten_times(tmp_path):
    """SIGKILL a sweep 10 times as it writes, resume each time: no temp file survives a resume and the
    results are exactly those of an uninterrupted run (each point once, every file complete JSON)."""
    out = tmp_path / "sweep"
    store = out / "points"
    pts = grid({"a": list(range(24)), "b": [2]}, seeds=[3])
    for p in pts:
        p["delay"] = 0.05
    script = KILL_SCRIPT.format(here=str(HERE), pts=json.dumps(pts), out=str(out))
    for _ in range(10):
        before = len(_result_files(store)) if store.exists() else 0
        if before == len(pts):
            break
        proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
        deadline = time.time() + 600
        while time.time() < deadline and proc.poll() is None and (not store.exists() or len(_result_files(store)) <= before):
            time.sleep(0.01)
        _kill_group(proc)
        for f in _result_files(store):
            json.loads(f.read_text())
    res = run_sweep(_sweep_fn.work, pts, out, workers=1, progress=False)
    assert not list(store.glob(".tmp-*")), "a resume leaves no temporary file"
    assert [r["point"] for r in res] == pts
    assert [r["result"] for r in res] == [_sweep_fn.work(**{**p, "delay": 0.0}) for p in pts]
    assert len(load_results(out)) == len(pts)
    # a stale temp file (as a kill leaves) is never read, and the next resume removes it
    (store / ".tmp-abc.part").write_text("")
    assert len(load_results(out)) == len(pts)
    run_sweep(_sweep_fn.work, pts, out, progress=False)
    assert not list(store.glob(".tmp-*"))


# ---------------------------------------------------------------- issue 33, item 12
def test_a_second_sweep_on_a_store_in_use_is_refused(tmp_path):
    """Two processes on one store: the second's start-up cleaning deleted the first's in-flight temporary file and the
    first died. The store is locked for the sweep's duration; the second is one clear error and the first finishes."""
    pts = grid({"a": [1, 2, 3, 4], "b": [1]}, seeds=[0])
    first = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(HERE)!r})
        import _sweep_fn
        from numerics.sweeps import grid, run_sweep
        pts = grid({{"a": [1, 2, 3, 4], "b": [1]}}, seeds=[0])
        pts = [dict(p, delay=1.0) for p in pts]
        run_sweep(_sweep_fn.work, pts, {str(tmp_path / "s")!r}, progress=False)
    """)])
    lock = tmp_path / "s" / "points" / ".lock"
    for _ in range(200):
        if lock.exists() and lock.read_text().strip():
            break
        time.sleep(0.05)
    finished_before = len(_result_files(tmp_path / "s" / "points"))
    with pytest.raises(RuntimeError, match="in use by another sweep"):
        run_sweep(_sweep_fn.work, [dict(p, delay=1.0) for p in pts], tmp_path / "s", progress=False)
    assert finished_before < 4  # the refusal met a sweep in flight (the first holds its lock for 4 s of work)
    assert first.wait(60) == 0
    assert len(_result_files(tmp_path / "s" / "points")) == 4
    run_sweep(_sweep_fn.work, [dict(p, delay=1.0) for p in pts], tmp_path / "s", progress=False)  # free again: all done


def test_a_corrupted_result_is_named_and_recomputed(tmp_path):
    pts = grid({"a": [1, 2], "b": [3]}, seeds=[0])
    first = run_sweep(_sweep_fn.work, pts, tmp_path, progress=False)
    victim = tmp_path / "points" / f"{point_key(pts[1])}.json"
    victim.write_text('{"point": {"a": 2, "b": 3, "se')  # truncated
    with pytest.warns(RuntimeWarning, match=victim.name):
        again = run_sweep(_sweep_fn.work, pts, tmp_path, progress=False)
    assert again == first and (victim.parent / (victim.name + ".corrupt")).exists()


def test_numpy_results_are_stored_and_unstorable_ones_fail_before_writing(tmp_path):
    pts = grid({"a": [1, 2]}, seeds=[0, 1])
    res = run_sweep(_sweep_fn.numpy_work, pts, tmp_path / "np", progress=False)
    assert [r["result"]["count"] for r in res] == [10, 11, 20, 21] and all(len(r["result"]["x"]) == 2 for r in res)
    with pytest.raises(TypeError, match="cannot be stored as JSON"):
        run_sweep(_sweep_fn.object_work, pts, tmp_path / "obj", progress=False)


def test_a_dask_sweep_whose_workers_are_gone_stops_with_an_error(tmp_path):
    """The sweep waited forever once its only worker died; now it stops after `worker_timeout` with the finished
    points kept."""
    distributed = pytest.importorskip("distributed")
    import threading

    pts = [dict(p, delay=1.0) for p in grid({"a": [1, 2, 3, 4, 5, 6], "b": [1]}, seeds=[0])]
    store = tmp_path / "points"

    def leave_after_the_first_point(cluster):  # event-driven, not timed: the worker leaves once a result is stored
        for _ in range(6000):
            if store.is_dir() and _result_files(store):
                cluster.scale(0)
                return
            time.sleep(0.01)

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        threading.Thread(target=leave_after_the_first_point, args=(cluster,), daemon=True).start()
        with pytest.raises(RuntimeError, match="no worker"):
            run_sweep(_sweep_fn.work, pts, tmp_path, scheduler=cluster.scheduler_address, progress=False, worker_timeout=2.0)
    kept = _result_files(tmp_path / "points")
    assert 1 <= len(kept) < len(pts)
