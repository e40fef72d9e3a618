"""IDX files: round-trips on files the test writes, and every defect a clear ValueError."""

from __future__ import annotations

import gzip
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from linnet.data import read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
def test_round_trip(tmp_path, dtype, name):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((7, 5, 3)) * 100).astype(dtype)
    back = read_idx(write_idx(tmp_path / name, a))
    assert back.dtype == np.dtype(dtype).newbyteorder("=") and back.shape == a.shape
    np.testing.assert_array_equal(back, a)
    back[0, 0, 0] = 1  # a writable array, not a view of read-only bytes


def test_gzip_is_sniffed_not_taken_from_the_name(tmp_path):
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = write_idx(tmp_path / "plain-name", a, compress=True)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(path), a)


def test_matches_the_official_layout(tmp_path):
    """The header of a written labels file is the documented 0x00000801 then the count."""
    path = write_idx(tmp_path / "labels", np.array([5, 0, 4], dtype=np.uint8))
    assert path.read_bytes() == bytes.fromhex("00000801 00000003 050004")


def _images(tmp_path, name="img-idx3-ubyte"):
    return write_idx(tmp_path / name, np.ones((4, 3, 2), dtype=np.uint8))


def test_truncated_payload(tmp_path):
    path = _images(tmp_path)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"img-idx3-ubyte is truncated.*\(4, 3, 2\).*24 payload bytes.*23"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = _images(tmp_path)
    path.write_bytes(path.read_bytes()[:9])
    with pytest.raises(ValueError, match=r"img-idx3-ubyte is truncated.*3 dimensions"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match=r"img-idx3-ubyte is truncated.*4-byte magic"):
        read_idx(path)


def test_payload_longer_than_header(tmp_path):
    path = _images(tmp_path)
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match=r"img-idx3-ubyte is longer than its header says"):
        read_idx(path)


def test_wrong_count(tmp_path):
    """A header whose item count disagrees with the data (count 5, data for 4)."""
    path = _images(tmp_path)
    raw = bytearray(path.read_bytes())
    raw[4:8] = (5).to_bytes(4, "big")
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"img-idx3-ubyte is truncated.*\(5, 3, 2\)"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    path = _images(tmp_path)
    path.write_bytes(b"\x01\x02" + path.read_bytes()[2:])
    with pytest.raises(ValueError, match=r"img-idx3-ubyte has a wrong magic number 0x01020803"):
        read_idx(path)


def test_unknown_type_code(tmp_path):
    path = _images(tmp_path)
    path.write_bytes(b"\x00\x00\x07" + path.read_bytes()[3:])
    with pytest.raises(ValueError, match=r"img-idx3-ubyte has an unknown type code 0x07"):
        read_idx(path)


def test_gz_name_but_not_gzip(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz is named .gz but is not gzip"):
        read_idx(path)


def test_damaged_gzip(tmp_path):
    """A valid IDX file inside a gzip stream cut short (its trailer missing)."""
    path = write_idx(tmp_path / "x.gz", np.arange(100, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(ValueError, match=r"x.gz: the gzip stream is damaged or truncated"):
        read_idx(path)


def test_directory_is_named_as_such(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").mkdir()
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte is a directory"):
        read_idx(tmp_path / "train-images-idx3-ubyte")


def test_gzip_is_read_only_as_far_as_the_header_promises(tmp_path):
    """A header saying 10 items on a 50 MB payload is refused after reading 10 items and one byte,
    not after gunzipping 50 MB: the decompressed position stays near the header."""
    body = bytes([0, 0, 0x08, 1]) + (10).to_bytes(4, "big") + bytes(50_000_000)
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(body, compresslevel=1))
    decompressed = []

    class Counting(gzip.GzipFile):
        def read(self, size=-1):
            data = super().read(size)
            decompressed.append(len(data))
            return data

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gzip, "open", lambda name, mode: Counting(name, mode))
        with pytest.raises(ValueError, match=r"labels.gz is longer than its header says"):
            read_idx(path)
    # 8 header bytes + 10 items + the one byte that shows more follows.
    assert sum(decompressed) == 8 + 10 + 1


# Headers as a damaged or hostile file may have them: any magic number (mostly with the two
# zero bytes and a known type code, so that the sizes are reached), up to 255 dimensions of any
# uint32 size, and a short payload. Whatever they say, reading must end in a ValueError naming
# the file (or an array of exactly the promised size), never another exception.
_CODES_AND_OTHERS = st.one_of(st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]),
                              st.integers(0, 255))
_SIZES = st.lists(st.one_of(st.integers(0, 4), st.integers(0, 2**32 - 1),
                            st.sampled_from([2**16, 2**31, 2**32 - 1])), max_size=70)


@settings(max_examples=300, deadline=None)
@given(zero=st.sampled_from([b"\x00\x00", b"\x00\x00", b"\x00\x00", b"\x01\x00"]),
       code=_CODES_AND_OTHERS, sizes=_SIZES, ndim_delta=st.integers(-2, 2),
       payload=st.binary(max_size=64), compress=st.booleans())
def test_any_header_gives_a_value_error_naming_the_file(tmp_path_factory, zero, code, sizes,
                                                         ndim_delta, payload, compress):
    ndim = min(max(len(sizes) + ndim_delta, 0), 255)  # the announced count may disagree with the sizes
    raw = zero + bytes([code, ndim]) + b"".join(n.to_bytes(4, "big") for n in sizes) + payload
    path = tmp_path_factory.mktemp("idx") / ("garbage.gz" if compress else "garbage")
    path.write_bytes(gzip.compress(raw, mtime=0) if compress else raw)
    tracemalloc.start()
    try:
        arr = read_idx(path)
    except ValueError as exc:
        assert str(path) in str(exc)
    else:
        assert arr.size * arr.itemsize == len(raw) - 4 - 4 * ndim
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # The file is at most ~350 bytes; the reader allocates what it reads plus fixed buffers (its
    # own 1 MiB chunk at most, CPython's gzip reader about as much), whatever size the header
    # claims: 8 MiB bounds that with room, and a header's claim (up to (2**32)**70 bytes, or a
    # mere 2**32 items) would exceed it by orders of magnitude.
    assert peak < 8 * 2**20


def test_missing_file_and_bad_dtype(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        read_idx(tmp_path / "nope")
    with pytest.raises(TypeError, match="array must have an IDX dtype"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))


@settings(max_examples=40, deadline=None)
@given(arr=hnp.arrays(
    dtype=st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    elements={"allow_nan": False}),
    compress=st.booleans())
def test_round_trip_any_array(tmp_path_factory, arr, compress):
    """Any shape (empty dimensions included) and IDX dtype survives write → read exactly."""
    path = tmp_path_factory.mktemp("idx") / "a"
    back = read_idx(write_idx(path, arr, compress=compress))
    assert back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)
