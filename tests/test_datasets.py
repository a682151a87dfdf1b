"""Datasets: IDX reader (gzip/raw, sha256), verified resumable download from a server on 127.0.0.1, CIFAR-10 reader."""

import gzip
import hashlib
import http.server
import os
import pickle
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from numerics import datasets as ds

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def _idx(arr: np.ndarray) -> bytes:
    code = {np.uint8: 0x08}[arr.dtype.type]
    return bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.tobytes()


def test_digits_embedded():
    X, y = ds.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,) and X.max() == 16


@pytest.mark.parametrize("compress", [True, False])
def test_idx_roundtrip_and_checksum(tmp_path, compress):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = _idx(arr)
    p = tmp_path / ("a.idx.gz" if compress else "a.idx")
    p.write_bytes(gzip.compress(raw) if compress else raw)
    np.testing.assert_array_equal(ds.read_idx(p, hashlib.sha256(raw).hexdigest()), arr)
    with pytest.raises(ds.DatasetError, match="expected 0{64}"):
        ds.read_idx(p, "0" * 64)


def test_idx_truncated_and_bad_magic(tmp_path):
    raw = _idx(np.zeros((4, 4), np.uint8))
    (tmp_path / "t").write_bytes(raw[:-3])
    with pytest.raises(ds.DatasetError, match="truncated"):
        ds.read_idx(tmp_path / "t")
    (tmp_path / "g").write_bytes(gzip.compress(raw)[:-8])
    with pytest.raises(ds.DatasetError, match="corrupt or truncated"):
        ds.read_idx(tmp_path / "g")
    (tmp_path / "m").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ds.DatasetError, match="magic"):
        ds.read_idx(tmp_path / "m")


def test_mnist_missing_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("AMWB_DATA", raising=False)
    with pytest.raises(ds.DatasetError, match="MNIST not found: looked in .*--data-dir"):
        ds.load_mnist(tmp_path)


@pytest.mark.skipif(not SHARED_MNIST.exists(), reason="../shared/data/mnist not present (CI has it)")
def test_real_mnist_from_shared(monkeypatch):
    monkeypatch.setenv("AMWB_DATA", str(SHARED_MNIST.parent))
    X, y = ds.load_mnist(split="test")
    assert X.shape == (10000, 784) and y.shape == (10000,) and set(np.unique(y)) == set(range(10))


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    payload = b""
    fail_after = None  # serve only this many bytes on a full request (simulates a dropped connection)

    def log_message(self, *a):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802
        data = self.payload
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            body = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            body = data if self.fail_after is None else data[: self.fail_after]
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_download_verified_and_resumed(server, tmp_path):
    payload = os.urandom(200_000)
    _RangeHandler.payload = payload
    _RangeHandler.fail_after = None
    url = f"http://127.0.0.1:{server.server_address[1]}/file.gz"
    sha = hashlib.sha256(payload).hexdigest()
    dest = tmp_path / "file.gz"
    # a partial earlier download: the downloader must continue it with a Range request
    (tmp_path / "file.gz.part").write_bytes(payload[:70_000])
    assert ds.download(url, dest, sha) == dest
    assert dest.read_bytes() == payload and not (tmp_path / "file.gz.part").exists()


def test_download_bad_checksum_leaves_nothing(server, tmp_path):
    _RangeHandler.payload = b"x" * 1000
    _RangeHandler.fail_after = None
    url = f"http://127.0.0.1:{server.server_address[1]}/f"
    with pytest.raises(ds.DatasetError, match="expected " + "a" * 64):
        ds.download(url, tmp_path / "f", "a" * 64)
    assert not any(tmp_path.iterdir())


def test_download_refuses_non_http(tmp_path):
    with pytest.raises(ds.DatasetError, match="http"):
        ds.download("file:///etc/passwd", tmp_path / "x", "0" * 64)


def test_cifar_batch_synthetic(tmp_path):
    data = np.random.default_rng(0).integers(0, 256, (5, 3072), dtype=np.uint8)
    batch = {b"data": data, b"labels": [0, 1, 2, 3, 4], b"batch_label": b"synthetic"}
    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (d / name).write_bytes(pickle.dumps(batch, protocol=2))
    X, y = ds.load_cifar10(tmp_path)
    assert X.shape == (25, 3072) and y.tolist() == [0, 1, 2, 3, 4] * 5
    np.testing.assert_array_equal(X[:5], data)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/amwb_cifar_pwned",))


def test_cifar_malicious_pickle_rejected(tmp_path):
    p = tmp_path / "data_batch_1"
    p.write_bytes(pickle.dumps({b"data": _Evil(), b"labels": []}))
    with pytest.raises(ds.DatasetError, match="not allowed"):
        ds.load_cifar10_batch(p)
    assert not Path("/tmp/amwb_cifar_pwned").exists()


def test_gzip_bomb_is_refused_without_decompressing_it(tmp_path):
    """Regression: a 50 MB-of-zeros tail behind a 4x4 IDX header was decompressed whole before any check."""
    import tracemalloc

    bomb = gzip.compress(_idx(np.zeros((4, 4), np.uint8)) + bytes(50_000_000))
    p = tmp_path / "bomb.gz"
    p.write_bytes(bomb)
    tracemalloc.start()
    try:
        with pytest.raises(ds.DatasetError, match="more than the 28 bytes its IDX header declares"):
            ds.read_idx(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"decompression was not capped: peak {peak:,} bytes"


def test_header_that_declares_too_much_is_refused(tmp_path):
    """A header whose size product overflows int64 (or just exceeds the limit) is a clear error."""
    huge = b"\x00\x00\x08\x03" + struct.pack(">III", 2**32 - 1, 2**32 - 1, 2**32 - 1)
    for name, data in (("raw", huge), ("gz", gzip.compress(huge))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ds.DatasetError, match="over the limit"):
            ds.read_idx(tmp_path / name)
    ok = _idx(np.zeros((10, 10), np.uint8))
    (tmp_path / "small").write_bytes(ok)
    with pytest.raises(ds.DatasetError, match="over the limit of 50 bytes"):
        ds.read_idx(tmp_path / "small", max_bytes=50)


def test_compressed_checksum_checked_first(tmp_path):
    raw = _idx(np.arange(16, dtype=np.uint8).reshape(4, 4))
    p = tmp_path / "f.gz"
    p.write_bytes(gzip.compress(raw))
    good = hashlib.sha256(p.read_bytes()).hexdigest()
    np.testing.assert_array_equal(ds.read_idx(p, gz_sha256=good), np.arange(16).reshape(4, 4))
    with pytest.raises(ds.DatasetError, match="SHA-256 of the gzipped file"):
        ds.read_idx(p, gz_sha256="0" * 64)


class _HugeObjectArray:
    """Pickles as an object array of shape 10^5 x 10^5 with two elements: numpy allocates 80 GB before checking."""

    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (np.ndarray, (0,), b"b"), (1, (100_000, 100_000), np.dtype("O"), False, [1, 2]))


class _HugeBytes:
    def __reduce__(self):
        return (bytes, (10**12,))


class _DirectArray:
    def __reduce__(self):
        return (np.ndarray, ((100_000, 100_000),))


@pytest.mark.parametrize("payload", [_HugeObjectArray(), _HugeBytes(), _DirectArray()], ids=["object-array", "bytes-int", "ndarray-call"])
def test_cifar_pickle_that_would_allocate_is_refused_first(tmp_path, payload):
    """Regression: the whitelist admitted callables that allocate whatever a 100-byte file asks for."""
    import tracemalloc

    p = tmp_path / "data_batch_1"
    p.write_bytes(pickle.dumps({b"data": payload, b"labels": []}, protocol=2))
    tracemalloc.start()
    try:
        with pytest.raises(ds.DatasetError, match="not allowed"):
            ds.load_cifar10_batch(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


class _FaultyHandler(http.server.BaseHTTPRequestHandler):
    """A loopback server that drops, refuses and lies, and records each request's Range header."""

    payload = b""
    drop_at: list = []  # per request without a Range: stop after this many bytes (the connection closes)
    mode = "normal"  # "normal", "416" (every Range request), "wrong-offset" (206 always from byte 0)
    requests: list = []

    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        rng = self.headers.get("Range")
        type(self).requests.append(rng)
        data = self.payload
        if rng and self.mode == "416":
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if rng:
            start = 0 if self.mode == "wrong-offset" else int(rng.split("=")[1].split("-")[0])
            body = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not rng and self.drop_at:
            cut = type(self).drop_at.pop(0)
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the announced length never arrives
            return
        self.wfile.write(body)


@pytest.fixture
def faulty():
    _FaultyHandler.requests = []
    _FaultyHandler.drop_at = []
    _FaultyHandler.mode = "normal"
    _FaultyHandler.payload = os.urandom(300_000)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FaultyHandler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv, f"http://127.0.0.1:{srv.server_address[1]}/data.gz", hashlib.sha256(_FaultyHandler.payload).hexdigest()
    srv.shutdown()
    srv.server_close()


def test_dropped_connection_resumes_with_range(faulty, tmp_path):
    """Regression: a connection dropped midway lost the bytes received and the retry started from 0."""
    srv, url, sha = faulty
    _FaultyHandler.drop_at = [70_000]
    dest = tmp_path / "data.gz"
    assert ds.download(url, dest, sha) == dest
    assert dest.read_bytes() == _FaultyHandler.payload
    assert _FaultyHandler.requests == [None, "bytes=70000-"]


def test_dropped_connection_kept_for_the_next_call(faulty, tmp_path):
    srv, url, sha = faulty
    _FaultyHandler.drop_at = [100_000]
    dest = tmp_path / "data.gz"
    with pytest.raises(ds.DatasetError, match="100,000 bytes are kept"):
        ds.download(url, dest, sha, retries=0)
    assert (tmp_path / "data.gz.part").stat().st_size == 100_000
    assert ds.download(url, dest, sha) == dest and dest.read_bytes() == _FaultyHandler.payload
    assert _FaultyHandler.requests[-1] == "bytes=100000-"


def test_complete_part_is_finished_without_a_request(faulty, tmp_path):
    """Regression: a complete .part made every retry ask for bytes past the end and get HTTP 416 forever."""
    srv, url, sha = faulty
    _FaultyHandler.mode = "416"
    (tmp_path / "data.gz.part").write_bytes(_FaultyHandler.payload)
    assert ds.download(url, tmp_path / "data.gz", sha) == tmp_path / "data.gz"
    assert _FaultyHandler.requests == []


def test_wrong_part_restarts_on_416(faulty, tmp_path):
    srv, url, sha = faulty
    _FaultyHandler.mode = "416"
    (tmp_path / "data.gz.part").write_bytes(os.urandom(len(_FaultyHandler.payload) + 10))
    assert ds.download(url, tmp_path / "data.gz", sha).read_bytes() == _FaultyHandler.payload
    assert _FaultyHandler.requests == [f"bytes={len(_FaultyHandler.payload) + 10}-", None]


def test_lying_range_answer_restarts(faulty, tmp_path):
    srv, url, sha = faulty
    _FaultyHandler.mode = "wrong-offset"
    (tmp_path / "data.gz.part").write_bytes(_FaultyHandler.payload[:5000])
    assert ds.download(url, tmp_path / "data.gz", sha).read_bytes() == _FaultyHandler.payload
    assert _FaultyHandler.requests == ["bytes=5000-", None]


def test_download_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="`sha256`"):
        ds.download("http://127.0.0.1:9/x", tmp_path / "x", "abc")
    with pytest.raises(ValueError, match="`retries`"):
        ds.download("http://127.0.0.1:9/x", tmp_path / "x", "0" * 64, retries=-1)


def test_cifar_batch_with_numpy_scalars(tmp_path):
    """Regression: labels pickled as numpy integers (numpy._core.multiarray.scalar) must still load."""
    data = np.zeros((2, 3072), dtype=np.uint8)
    p = tmp_path / "data_batch_1"
    p.write_bytes(pickle.dumps({b"data": data, b"labels": [np.int64(3), np.int64(7)]}, protocol=2))
    X, y = ds.load_cifar10_batch(p)
    assert y.tolist() == [3, 7]


def test_not_found_messages_say_where_they_looked(tmp_path, monkeypatch):
    from numerics.datasets import DatasetError, find_cifar10_dir, find_mnist_dir

    monkeypatch.delenv("AMWB_DATA", raising=False)
    for find, what in ((find_mnist_dir, "MNIST"), (find_cifar10_dir, "CIFAR-10")):
        with pytest.raises(DatasetError, match="no folder to look in") as e:
            find(None)
        assert "nowhere" not in str(e.value) and what in str(e.value)
        with pytest.raises(DatasetError, match=f"looked in {tmp_path}"):
            find(tmp_path)
