"""Datasets: scikit-learn's bundled digits, MNIST IDX files, a resumable verified downloader, CIFAR-10.

Nothing is downloaded implicitly.  MNIST is read from a directory given by
argument or by the environment variable ``AMWB_DATA`` (its ``mnist/``
subfolder or itself); files may be gzipped or raw.  A gzipped file is checked
against the SHA-256 of the compressed bytes *before* it is decompressed, and
decompression stops at the size its IDX header declares (never more than
``MAX_IDX_BYTES``), so a gzip bomb costs no memory; the uncompressed content is
then checked against its published SHA-256 as well.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import math
import os
import pickle
import struct
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "load_digits",
    "read_idx",
    "load_mnist",
    "find_mnist_dir",
    "download",
    "load_cifar10_batch",
    "load_cifar10",
    "find_cifar10_dir",
    "DatasetError",
    "MNIST_SHA256",
    "MNIST_GZ_SHA256",
    "MAX_IDX_BYTES",
    "Preprocessing",
    "PREPROCESSING_KINDS",
]


class DatasetError(ValueError):
    """A missing, corrupt or truncated data file (the message says which and what was expected)."""


#: SHA-256 of the uncompressed MNIST files (as published).
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: SHA-256 of the gzipped MNIST files as distributed (checked before decompressing).
MNIST_GZ_SHA256 = {
    "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte": "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
    "t10k-labels-idx1-ubyte": "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
}
#: Largest IDX content read (bytes); MNIST's largest file is 47 MB.  ``read_idx(max_bytes=...)`` overrides it.
MAX_IDX_BYTES = 1 << 31
#: Largest CIFAR-10 batch file read (bytes); a real batch is about 31 MB.
MAX_CIFAR_BATCH_BYTES = 1 << 28
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits: images ``(1797, 64)`` in [0, 16] and labels ``(1797,)``."""
    from sklearn.datasets import load_digits as _ld

    d = _ld()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def _idx_size(head: bytes, path: Path, max_bytes: int) -> tuple[int, tuple, np.dtype]:
    """(total bytes, shape, dtype) that an IDX header declares, checked against ``max_bytes`` in exact integers."""
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES:
        raise DatasetError(f"{path}: not an IDX file (bad magic number {head[:4]!r}).")
    ndim = head[3]
    if len(head) < 4 + 4 * ndim:
        raise DatasetError(f"{path}: truncated IDX header.")
    shape = struct.unpack(">" + "I" * ndim, head[4 : 4 + 4 * ndim])
    dt = np.dtype(_IDX_DTYPES[head[2]])
    total = 4 + 4 * ndim + math.prod(shape) * dt.itemsize  # Python ints: no overflow
    if total > max_bytes:
        raise DatasetError(f"{path}: the IDX header declares shape {shape} ({total:,} bytes), over the limit of {max_bytes:,} bytes (max_bytes).")
    return total, shape, dt


def _gunzip_capped(raw: bytes, path: Path, max_bytes: int) -> bytes:
    """Decompress ``raw`` no further than the size its IDX header declares (a gzip bomb stops there)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        head = d.decompress(raw, 4)
        if len(head) == 4 and head[3] <= 255:
            head += d.decompress(d.unconsumed_tail, 4 * head[3])
        total, _, _ = _idx_size(head, path, max_bytes)
        body = d.decompress(d.unconsumed_tail, total - len(head))
        extra = b"" if d.eof else d.decompress(d.unconsumed_tail, 1)  # reach the gzip trailer (its CRC is checked)
    except zlib.error as exc:
        raise DatasetError(f"{path}: the gzip stream is corrupt or truncated ({exc}).") from None
    if extra:
        raise DatasetError(f"{path}: decompresses to more than the {total:,} bytes its IDX header declares (refused).")
    if not d.eof:
        raise DatasetError(f"{path}: the gzip stream is corrupt or truncated (it ends before its trailer).")
    return head + body


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_idx(path: str | Path, sha256: str | None = None, gz_sha256: str | None = None, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (gzipped or raw), checking checksums before trusting sizes.

    Parameters
    ----------
    path : path
        The file (gzip is detected by its magic bytes).
    sha256 : str, optional
        SHA-256 of the uncompressed IDX bytes.
    gz_sha256 : str, optional
        SHA-256 of the gzipped file, checked before anything is decompressed.
    max_bytes : int
        Refuse headers that declare more content than this (exact integer arithmetic).

    Raises
    ------
    DatasetError
        For a checksum mismatch (with the expected and found digests), a header over ``max_bytes``, a gzip
        stream that decompresses past its header's size, or a malformed/truncated file.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file.")
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        if gz_sha256 is not None:
            got = _sha256_file(path)
            if got != gz_sha256:
                raise DatasetError(f"{path}: SHA-256 of the gzipped file is {got}, expected {gz_sha256} (corrupt, truncated or not the published file).")
        data = _gunzip_capped(path.read_bytes(), path, max_bytes)
    else:
        with open(path, "rb") as f:
            head = f.read(4 + 4 * 255)
        total, _, _ = _idx_size(head[: 4 + 4 * head[3]] if len(head) >= 4 else head, path, max_bytes)
        size = path.stat().st_size
        if size != total:
            raise DatasetError(f"{path}: the file has {size:,} bytes, its IDX header declares {total:,} (truncated or padded file).")
        data = path.read_bytes()
    if sha256 is not None:
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            raise DatasetError(f"{path}: SHA-256 of the uncompressed data is {got}, expected {sha256} (corrupt or truncated file).")
    total, shape, dt = _idx_size(data, path, max_bytes)
    if len(data) != total:
        raise DatasetError(f"{path}: IDX body has {len(data) - (4 + 4 * len(shape))} bytes, the header {shape} needs {total - 4 - 4 * len(shape)} (truncated file).")
    return np.frombuffer(data[4 + 4 * len(shape) :], dtype=dt).reshape(shape)


def _not_found(what: str, candidates: list, hint: str) -> str:
    """Where a dataset was looked for, or that there was nowhere to look."""
    if not candidates:
        return f"{what} not found: there was no folder to look in (no data directory given and AMWB_DATA unset). {hint}"
    return f"{what} not found: looked in {', '.join(map(str, candidates))}. {hint}"


def find_mnist_dir(data_dir: str | Path | None = None) -> Path:
    """The folder holding the MNIST files: ``data_dir`` (or its ``mnist/``), else ``$AMWB_DATA`` likewise.

    Raises
    ------
    DatasetError
        Saying where it looked, when no folder has the files.
    """
    candidates = []
    for base in (data_dir, os.environ.get("AMWB_DATA")):
        if base:
            candidates += [Path(base), Path(base) / "mnist"]
    for c in candidates:
        if any((c / (n + ext)).exists() for n in MNIST_SHA256 for ext in (".gz", "")):
            return c
    raise DatasetError(_not_found("MNIST", candidates, "Pass --data-dir DIR or set AMWB_DATA to a folder with the four IDX files."))


def load_mnist(data_dir: str | Path | None = None, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST images ``(n, 784)`` uint8 and labels ``(n,)`` for ``split`` in {"train", "test"}, checksums verified."""
    if split not in ("train", "test"):
        raise ValueError(f"Argument `split` must be 'train' or 'test'; got {split!r}.")
    d = find_mnist_dir(data_dir)
    pre = "train" if split == "train" else "t10k"
    out = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        name = f"{pre}-{kind}"
        path = d / (name + ".gz") if (d / (name + ".gz")).exists() else d / name
        out.append(read_idx(path, MNIST_SHA256[name], MNIST_GZ_SHA256[name]))
    images, labels = out
    return images.reshape(len(images), -1), labels.astype(np.int64)


class _Restart(Exception):
    """The server's answer cannot continue the partial file: start it again from byte 0."""


def _fetch(url: str, part: Path, have: int, chunk: int, timeout: float, max_bytes: int | None) -> int | None:
    """One request: append to ``part`` from byte ``have`` (or rewrite it). Returns the total size announced, if any.

    Whatever arrives is written before an error propagates, so a dropped connection loses nothing.
    """
    req = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the caller checked http(s)
        total = None
        if have and resp.status == 206:
            cr = resp.headers.get("Content-Range", "")
            try:
                start, total = int(cr.split()[1].split("-")[0]), int(cr.split("/")[1])
            except (IndexError, ValueError):
                raise _Restart(f"unparsable Content-Range {cr!r}") from None
            if start != have:
                raise _Restart(f"asked for bytes from {have}, the server sent from {start}")
            mode = "ab"
        else:  # 200: the whole file (a server that ignores Range restarts it)
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        if max_bytes is not None and total is not None and total > max_bytes:
            raise DatasetError(f"{url}: the server announces {total:,} bytes, over max_bytes = {max_bytes:,}.")
        with open(part, mode) as f:
            written = part.stat().st_size if mode == "ab" else 0
            while True:
                try:
                    block = resp.read(chunk)
                except http.client.IncompleteRead as exc:
                    f.write(exc.partial)
                    raise ConnectionError(f"connection dropped after {written + len(exc.partial):,} bytes") from None
                if not block:
                    break
                f.write(block)
                written += len(block)
                if max_bytes is not None and written > max_bytes:
                    raise DatasetError(f"{url}: the server sent more than max_bytes = {max_bytes:,} bytes.")
        return total


def download(
    url: str,
    dest: str | Path,
    sha256: str,
    chunk: int = 1 << 16,
    timeout: float = 30.0,
    retries: int = 5,
    max_bytes: int | None = None,
) -> Path:
    """Download ``url`` to ``dest``, resuming a partial ``dest.part`` with HTTP Range requests.

    A dropped connection keeps what arrived, and the next attempt (up to ``retries``, or a later call)
    continues it; a ``.part`` that is already complete is verified and moved into place without a request;
    an HTTP 416 for a ``.part`` that is complete but wrong, or a 206 from the wrong offset, restarts from 0.
    The file is moved into place only after its SHA-256 (of the bytes as downloaded) matches; a complete file
    that does not match is removed and nothing is left at ``dest``.

    Raises
    ------
    DatasetError
        Bad arguments, a checksum mismatch, an HTTP error, or no success after ``retries`` attempts (what
        arrived is kept in ``dest.part`` and the next call resumes it).
    """
    from ._checks import as_count, require

    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise DatasetError(f"Argument `url` must be http(s); got {url!r}.")
    require(isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256),
            f"Argument `sha256` must be 64 lowercase hex digits; got {sha256!r}.")
    chunk, retries = as_count("chunk", chunk), as_count("retries", retries, minimum=0)
    dest = Path(dest)
    if dest.exists() and _sha256_file(dest) == sha256:
        return dest
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    problem = "no attempt made"
    for _attempt in range(retries + 1):
        have = part.stat().st_size if part.exists() else 0
        if have and _sha256_file(part) == sha256:  # complete already: a Range request would only get 416
            os.replace(part, dest)
            return dest
        try:
            total = _fetch(url, part, have, chunk, timeout, max_bytes)
        except _Restart as exc:
            problem = str(exc)
            part.unlink(missing_ok=True)
            continue
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # the .part is at least as long as the file but not it: start again
                problem = f"HTTP 416 for a {have:,}-byte partial file that does not match"
                part.unlink(missing_ok=True)
                continue
            raise DatasetError(f"{url}: HTTP {exc.code} {exc.reason}.") from None
        except (ConnectionError, TimeoutError, urllib.error.URLError, http.client.HTTPException) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            continue
        size = part.stat().st_size if part.exists() else 0
        if total is not None and size < total:
            problem = f"the connection ended after {size:,} of {total:,} bytes"
            continue
        got = _sha256_file(part)
        if got == sha256:
            os.replace(part, dest)
            return dest
        part.unlink(missing_ok=True)
        raise DatasetError(f"{url}: downloaded data has SHA-256 {got}, expected {sha256}; the partial file was removed.")
    kept = part.stat().st_size if part.exists() else 0
    raise DatasetError(f"{url}: no complete download after {retries + 1} attempts ({problem}); {kept:,} bytes are kept in {part}, and the next call resumes them.")


class _NdarrayClass:
    """What the unpickler hands out for ``numpy.ndarray``: usable only as ``_reconstruct``'s first argument
    (calling ``ndarray(shape)`` directly would allocate whatever shape the file names)."""

    def __call__(self, *args, **kw):
        raise DatasetError("CIFAR batch calls numpy.ndarray(...) directly, which is not allowed (it allocates before any check).")


def _safe_reconstruct(cls, shape, typecode):
    from numpy._core.multiarray import _reconstruct

    if not isinstance(cls, _NdarrayClass) or tuple(shape) != (0,):
        raise DatasetError(f"CIFAR batch reconstructs an array as {cls!r} with shape {shape!r}; only the empty placeholder is allowed.")
    return _reconstruct(np.ndarray, (0,), typecode)


def _safe_dtype(spec, align=False, copy=True):
    dt = np.dtype(spec)
    if dt.kind not in "biuf":  # object, void, string dtypes let a small file ask for huge allocations
        raise DatasetError(f"CIFAR batch uses dtype {dt!r}, which is not allowed (only numeric dtypes are).")
    return np.dtype(spec, align, copy)


def _safe_scalar(dtype, data=None):
    from numpy._core.multiarray import scalar

    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf" or not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise DatasetError(f"CIFAR batch builds a scalar of {dtype!r} from {type(data).__name__}; only numeric scalars are allowed.")
    return scalar(dtype, data)


def _safe_encode(obj, encoding="utf-8"):
    if not isinstance(obj, str) or encoding != "latin1":
        raise DatasetError(f"CIFAR batch encodes {type(obj).__name__} as {encoding!r}; only latin1 strings are allowed.")
    return obj.encode("latin1")


def _safe_bytes(*args):
    if args and not isinstance(args[0], (bytes, bytearray, str)):
        raise DatasetError(f"CIFAR batch calls bytes({type(args[0]).__name__}), which could allocate any size; not allowed.")
    return bytes(*args)


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR-10 batches: numeric NumPy arrays and builtin containers, nothing else.

    Each allowed global is a checking stand-in, so a file cannot make the reader allocate more than the file
    itself holds: no object dtypes (an object array of shape 10^5 x 10^5 is allocated before numpy compares it
    with its data), no ``bytes(10**12)``, no direct ``ndarray(shape)``.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,
        ("numpy", "ndarray"): _NdarrayClass(),
        ("numpy", "dtype"): _safe_dtype,
        ("numpy.core.multiarray", "scalar"): _safe_scalar,
        ("numpy._core.multiarray", "scalar"): _safe_scalar,
        ("_codecs", "encode"): _safe_encode,
        ("builtins", "bytes"): _safe_bytes,
    }

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[(module, name)]
        raise DatasetError(f"CIFAR batch refers to {module}.{name}, which is not allowed (only arrays and lists are).")


def load_cifar10_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python-format batch: images ``(n, 3072)`` uint8 (R, G, B planes) and labels ``(n,)``."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file.")
    size = path.stat().st_size
    if size > MAX_CIFAR_BATCH_BYTES:
        raise DatasetError(f"{path}: {size:,} bytes, over the {MAX_CIFAR_BATCH_BYTES:,} a CIFAR-10 batch can have (refused).")
    try:
        d = _SafeUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except DatasetError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, MemoryError) as exc:
        raise DatasetError(f"{path}: not a readable CIFAR-10 batch ({type(exc).__name__}: {exc}).") from None
    if not isinstance(d, dict):
        raise DatasetError(f"{path}: expected a dict batch; got {type(d).__name__}.")
    data = d.get(b"data", d.get("data"))
    labels = d.get(b"labels", d.get("labels"))
    if data is None or labels is None:
        raise DatasetError(f"{path}: batch lacks 'data' or 'labels'.")
    data = np.asarray(data, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise DatasetError(f"{path}: data must be (n, 3072) with n labels; got {data.shape} and {labels.shape}.")
    return data, labels


def find_cifar10_dir(data_dir: str | Path | None = None) -> Path:
    """The folder holding the CIFAR-10 python batches: ``data_dir`` (or its ``cifar-10-batches-py/``), else
    ``$AMWB_DATA`` likewise.

    Raises
    ------
    DatasetError
        Saying where it looked, when no folder has ``data_batch_1``.
    """
    candidates = []
    for base in (data_dir, os.environ.get("AMWB_DATA")):
        if base:
            candidates += [Path(base), Path(base) / "cifar-10-batches-py"]
    for c in candidates:
        if (c / "data_batch_1").exists():
            return c
    raise DatasetError(_not_found("CIFAR-10", candidates, "Pass --data-dir DIR (with cifar-10-batches-py/) or set AMWB_DATA."))


def load_cifar10(data_dir: str | Path | None = None, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """All CIFAR-10 training batches (or the test batch): images ``(n, 3072)`` uint8 and labels ``(n,)``.

    The folder is found by :func:`find_cifar10_dir`.
    """
    if split not in ("train", "test"):
        raise ValueError(f"Argument `split` must be 'train' or 'test'; got {split!r}.")
    d = find_cifar10_dir(data_dir)
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    parts = [load_cifar10_batch(d / n) for n in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

PREPROCESSING_KINDS = ("scaled", "centered", "binarized")


@dataclass(frozen=True)
class Preprocessing:
    r"""How raw pixels become visible-layer targets, fitted on the training images and invertible for display.

    ``kind`` is one of

    - ``"scaled"``: :math:`x / x_{\max}` (pixels in [0, 1]; MNIST: ``/255``),
    - ``"centered"``: scaled, minus the per-pixel mean of the training images,
    - ``"binarized"``: scaled, then 1 where above 1/2 and 0 elsewhere.

    Build with :meth:`fit`; :meth:`forward` maps raw pixels, :meth:`inverse` maps visible vectors back to
    pixels in [0, 1] (``binarized`` is not invertible: its inverse is the identity on [0, 1]).

    Examples
    --------
    >>> import numpy as np
    >>> p = Preprocessing.fit(np.array([[0.0, 255.0], [255.0, 255.0]]), "centered", x_max=255)
    >>> p.forward(np.array([[0.0, 255.0]]))
    array([[-0.5,  0. ]])
    >>> p.inverse(p.forward(np.array([[0.0, 255.0]])))
    array([[0., 1.]])
    """

    kind: str
    x_max: float
    mean: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kind not in PREPROCESSING_KINDS:
            raise ValueError(f"Argument `kind` must be one of {PREPROCESSING_KINDS}; got {self.kind!r}.")
        if not (np.isfinite(self.x_max) and self.x_max > 0):
            raise ValueError(f"Argument `x_max` must be a positive finite number; got {self.x_max!r}.")
        if (self.kind == "centered") != (self.mean is not None):
            raise ValueError("Argument `mean` is required for kind 'centered' and only for it.")

    @classmethod
    def fit(cls, X_train: np.ndarray, kind: str = "scaled", x_max: float | None = None) -> Preprocessing:
        """Fit on raw training pixels (``x_max`` defaults to their maximum)."""
        X = np.asarray(X_train, dtype=np.float64)
        if X.ndim != 2 or not np.isfinite(X).all():
            raise ValueError(f"Argument `X_train` must be a finite 2-d array (images x pixels); got shape {X.shape}.")
        xm = float(X.max()) if x_max is None else float(x_max)
        mean = (X / xm).mean(0) if kind == "centered" else None
        return cls(kind, xm, mean)

    def forward(self, X: np.ndarray) -> np.ndarray:
        Y = np.asarray(X, dtype=np.float64) / self.x_max
        if self.kind == "centered":
            return Y - self.mean
        if self.kind == "binarized":
            return (Y > 0.5).astype(np.float64)
        return Y

    def inverse(self, Y: np.ndarray) -> np.ndarray:
        Y = np.asarray(Y, dtype=np.float64)
        return Y + self.mean if self.kind == "centered" else Y
