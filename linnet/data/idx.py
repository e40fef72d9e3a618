r"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST, with numpy.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the payload
in row-major order, big-endian:

====== =============================================================
bytes  meaning
====== =============================================================
0-1    zero
2      type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
       0x0D float32, 0x0E float64
3      number of dimensions d
4..    d sizes, each a big-endian uint32
...    the payload, prod(sizes) items of the type
====== =============================================================

The files are usually gzipped; :func:`read_idx` sniffs the gzip magic ``1f 8b`` rather than
trusting the file name, and refuses a file named ``.gz`` that is not gzip (a download that
went wrong is the usual cause). Every defect raises :class:`ValueError` naming the file and
what is wrong: a directory, a short header, a wrong magic number, an unknown type code, a
payload whose length differs from the product of the sizes (truncated or padded files). The
header is checked with Python integers before the payload is read, and a gzip file is
decompressed as a stream, only as far as the header promises.

References
----------
LeCun, Cortes & Burges, "The MNIST database of handwritten digits" (file format section),
http://yann.lecun.com/exdb/mnist/.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from .._files import atomic_open

__all__ = ["read_idx", "write_idx", "IDX_TYPES"]

#: IDX type code → numpy dtype (big-endian, as stored).
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=").str[1:]: code for code, dt in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


_CHUNK = 1 << 20  # bytes read at a time: memory follows the file, never the header's claim
#: numpy's limit on the number of dimensions of an array (64 since numpy 2.0, 32 before).
_MAX_DIMS = 64 if int(np.__version__.split(".")[0]) >= 2 else 32


def _open(path: Path):
    """The file as a binary stream of its IDX bytes (gunzipped on the fly), and whether it is gzip."""
    with open(path, "rb") as fh:
        head = fh.read(2)
    if head == _GZIP_MAGIC:
        return gzip.open(path, "rb"), True
    if path.suffix == ".gz":
        with open(path, "rb") as fh:
            first = fh.read(4)
        raise ValueError(
            f"IDX file {path} is named .gz but is not gzip-compressed (first bytes "
            f"{first.hex()!r}, gzip starts with '1f8b'); the download may have returned an "
            "error page: download it again, or rename it without .gz if it is a plain IDX file"
        )
    return open(path, "rb"), False


def _read(stream, n: int) -> bytes:
    """Up to ``n`` bytes, read in chunks so that a huge ``n`` allocates only what the file holds."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def _header(path: Path, stream) -> tuple[np.dtype, tuple[int, ...], int]:
    """Check the magic number and sizes with Python integers; return (dtype, shape, header bytes)."""
    magic = _read(stream, 4)
    if len(magic) < 4:
        raise ValueError(
            f"IDX file {path} is truncated: {len(magic)} bytes, shorter than the 4-byte magic number"
        )
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"IDX file {path} has a wrong magic number 0x{magic.hex()}: an IDX file starts with "
            "two zero bytes, a type code and the number of dimensions (0x00000803 for MNIST "
            "images, 0x00000801 for labels); this is not an IDX file"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise ValueError(
            f"IDX file {path} has an unknown type code 0x{code:02X} in its magic number "
            f"0x{magic.hex()}; known codes are {known}"
        )
    if ndim == 0:
        raise ValueError(f"IDX file {path} declares 0 dimensions in its magic number 0x{magic.hex()}")
    if ndim > _MAX_DIMS:
        raise ValueError(f"IDX file {path} declares {ndim} dimensions; numpy arrays have at most "
                         f"{_MAX_DIMS}, so this file cannot be read as an array")
    sizes = _read(stream, 4 * ndim)
    header = 4 + 4 * ndim
    if len(sizes) < 4 * ndim:
        raise ValueError(
            f"IDX file {path} is truncated: its magic number announces {ndim} dimensions "
            f"({header} header bytes) but the file has only {4 + len(sizes)} bytes"
        )
    shape = tuple(int.from_bytes(sizes[4 * i:4 * i + 4], "big") for i in range(ndim))
    return IDX_TYPES[code], shape, header


def _size_error(path: Path, shape, dtype, expected: int, what: str, got: str) -> ValueError:
    return ValueError(
        f"IDX file {path} is {what}: the header gives dimensions {shape} of "
        f"{dtype.newbyteorder('=').name}, i.e. {expected} payload bytes, but the file has "
        f"{got}; download it again"
    )


def _payload(path: Path, stream, gzipped: bool, dtype, shape, header: int) -> bytes:
    """Exactly the payload the header promises, or a ValueError saying how the file differs.

    The size is a Python integer (no overflow, whatever the header says). A plain file is
    measured before anything is read; a gzip stream is read only up to the promised size (plus
    one byte, to see whether more follows), never decompressed whole first.
    """
    expected = math.prod(shape) * dtype.itemsize
    if not gzipped:
        payload = path.stat().st_size - header
        if payload != expected:
            what = "truncated" if payload < expected else "longer than its header says"
            raise _size_error(path, shape, dtype, expected, what, str(payload))
    body = _read(stream, expected)
    if len(body) < expected:
        raise _size_error(path, shape, dtype, expected, "truncated", str(len(body)))
    if stream.read(1):
        raise _size_error(path, shape, dtype, expected, "longer than its header says", "more")
    return body


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzipped or plain) into a numpy array of native byte order.

    The header is checked first, with Python integers, and then only the payload it promises
    is read (a gzip file is decompressed as a stream), so a damaged header costs neither an
    overflow nor a large allocation.

    Parameters
    ----------
    path : str or Path
        The file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    ndarray, shape given by the header
        For MNIST images (P, 28, 28) uint8; for labels (P,) uint8.

    Raises
    ------
    ValueError
        Naming the file, if it is a directory, is not gzip but named ``.gz``, has a damaged
        gzip stream, a header shorter than it announces, a magic number whose first two bytes
        are not zero, an unknown type code, no dimensions or more than numpy supports, or a
        payload whose length is not the product of the sizes.
    FileNotFoundError
        If the file does not exist.

    Examples
    --------
    A round trip through a gzipped file, and the error for a file that is not IDX:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from linnet.data import read_idx, write_idx
    >>> images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_idx(Path(folder) / "images-idx3-ubyte.gz", images)
    ...     back = read_idx(path)
    ...     _ = (Path(folder) / "notes.txt").write_text("not an IDX file")
    ...     read_idx(Path(folder) / "notes.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: IDX file .../notes.txt has a wrong magic number 0x6e6f7420: ...
    >>> back.dtype, back.shape, np.array_equal(back, images)
    (dtype('uint8'), (2, 3, 4), True)
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"IDX file {path} is a directory; pass one of the files inside it "
                         "(or the folder itself as a data folder, to linnet.data.load_folder)")
    if not path.exists():
        raise FileNotFoundError(f"IDX file {path} does not exist")
    stream, gzipped = _open(path)
    try:
        with stream:
            dtype, shape, header = _header(path, stream)
            body = _payload(path, stream, gzipped, dtype, shape, header)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"IDX file {path}: the gzip stream is damaged or truncated ({exc}); download "
            "the file again"
        ) from exc
    try:
        data = np.frombuffer(body, dtype=dtype).reshape(shape)
    except ValueError as exc:  # an empty payload with dimensions numpy cannot represent
        raise ValueError(f"IDX file {path}: dimensions {shape} cannot form a numpy array ({exc})") from exc
    # A writable copy in native byte order (for uint8 the byte order is moot).
    return data.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path, array, *, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file, atomically (temporary file, then rename).

    Parameters
    ----------
    path : str or Path
    array : array_like
        Of dtype uint8, int8, int16, int32, float32 or float64; at least one dimension and
        at most 255.
    compress : bool, optional
        Gzip the file (default: when ``path`` ends in ``.gz``).

    Returns
    -------
    Path
        ``path``, now holding the file.

    Examples
    --------
    The header of a plain file: two zero bytes, the type code (0x0D: float32), the number of
    dimensions, then each size as a big-endian uint32:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from linnet.data import write_idx
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_idx(Path(folder) / "values-idx2-float", np.ones((2, 3), dtype=np.float32))
    ...     data = path.read_bytes()
    >>> data[:12].hex(" ", 4), len(data)
    ('00000d02 00000002 00000003', 36)
    """
    path = Path(path)
    arr = np.asarray(array)
    key = arr.dtype.newbyteorder("=").str[1:] if arr.dtype.byteorder in "<>=|" else ""
    code = _CODES.get(key)
    if code is None:
        raise TypeError(
            f"array must have an IDX dtype (uint8, int8, int16, int32, float32, float64); "
            f"got {arr.dtype}. Convert it, e.g. array.astype(np.uint8)"
        )
    if not 1 <= arr.ndim <= 255:
        raise ValueError(f"array must have 1 to 255 dimensions; got shape {arr.shape}")
    if any(n >= 2**32 for n in arr.shape):
        raise ValueError(f"array dimensions must be below 2**32; got shape {arr.shape}")
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    body = header + np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        # mtime=0: the same array gives byte-identical files.
        body = gzip.compress(body, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as fh:
        fh.write(body)
    return path
