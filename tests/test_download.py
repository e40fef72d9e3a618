"""Download against a loopback HTTP server the test starts: SHA-256 verified, nothing bad kept.

Never touches the internet: the server serves files this test wrote, on 127.0.0.1.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import numpy as np
import pytest

from linnet import cli
from linnet.data import ChecksumError, download, load_folder, write_idx
from linnet.data import fetch, sources

NAMES = list(fetch.SHA256["mnist"])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture
def server(tmp_path):
    """Serve ``tmp_path/served`` on loopback; yields (folder, base_url, checksums)."""
    served = tmp_path / "served"
    rng = np.random.default_rng(3)
    for name in NAMES:
        n = 20 if name.startswith("train") else 10
        arr = (np.arange(n) % 10).astype(np.uint8) if "labels" in name else \
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        write_idx(served / name, arr)
    sums = {name: hashlib.sha256((served / name).read_bytes()).hexdigest() for name in NAMES}
    handler = functools.partial(_QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{httpd.server_address[1]}/", sums
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _corrupt(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_download_verifies_and_loads(tmp_path, server):
    served, url, sums = server
    cache = tmp_path / "cache"
    assert download(cache, base_url=url, checksums=sums) == cache
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)
    d = load_folder(cache)
    assert (d.n_train, d.n_test) == (20, 10)


def test_corrupted_file_is_not_kept(tmp_path, server):
    served, url, sums = server
    _corrupt(served / "t10k-images-idx3-ubyte.gz")
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=r"(?s)1 of 4 .*t10k-images-idx3-ubyte.gz: SHA-256 [0-9a-f]{64} != expected"):
        download(cache, base_url=url, checksums=sums)
    # The three good files are kept; the bad one, and any temporary file, are gone.
    assert sorted(p.name for p in cache.iterdir()) == sorted(set(NAMES) - {"t10k-images-idx3-ubyte.gz"})
    for p in cache.iterdir():
        assert hashlib.sha256(p.read_bytes()).hexdigest() == sums[p.name]


def test_stale_corrupted_cache_file_is_replaced(tmp_path, server):
    served, url, sums = server
    cache = tmp_path / "cache"
    download(cache, base_url=url, checksums=sums)
    _corrupt(cache / "train-labels-idx1-ubyte.gz")
    download(cache, base_url=url, checksums=sums)
    assert hashlib.sha256((cache / "train-labels-idx1-ubyte.gz").read_bytes()).hexdigest() == \
        sums["train-labels-idx1-ubyte.gz"]
    # And when the server now serves a bad copy, the stale bad file is not left behind either.
    _corrupt(cache / "train-labels-idx1-ubyte.gz")
    _corrupt(served / "train-labels-idx1-ubyte.gz")
    with pytest.raises(ChecksumError):
        download(cache, base_url=url, checksums=sums)
    assert not (cache / "train-labels-idx1-ubyte.gz").exists()


def test_missing_file_on_server(tmp_path, server):
    served, url, sums = server
    (served / "train-labels-idx1-ubyte.gz").unlink()
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match=r"could not download http://127.0.0.1:\d+/train-labels-idx1-ubyte.gz"):
        download(cache, base_url=url, checksums=sums)
    assert all(not p.name.startswith(".") for p in cache.iterdir())  # no partial download left


def test_cli_download(tmp_path, server, monkeypatch, capsys):
    served, url, sums = server
    monkeypatch.setitem(fetch.SHA256, "mnist", sums)
    cache = tmp_path / "cache"
    assert cli.main(["download", "--dest", str(cache), "--base-url", url]) == 0
    assert "verified" in capsys.readouterr().out
    _corrupt(served / "train-images-idx3-ubyte.gz")
    (cache / "train-images-idx3-ubyte.gz").unlink()
    assert cli.main(["download", "--dest", str(cache), "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte.gz: SHA-256" in err and "not kept" in err
    assert not (cache / "train-images-idx3-ubyte.gz").exists()


def test_default_cache_honours_linnet_data(tmp_path, monkeypatch):
    monkeypatch.setenv("LINNET_DATA", str(tmp_path))
    assert sources.default_cache("fashion") == tmp_path / "fashion"


def _write_small_set(folder, n_train=150, seed=5):
    """Four tiny MNIST-format IDX files (random pixels; more than 100 training images, so the
    sweep's 100-component whitening has enough samples)."""
    rng = np.random.default_rng(seed)
    for part, n in (("train", n_train), ("t10k", 20)):
        write_idx(folder / f"{part}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


def test_downloaded_files_are_found_by_every_loader(tmp_path, monkeypatch):
    """Files in the download cache ($LINNET_DATA/<dataset>) are what data.load, the registry and
    the sweep use without any folder given; without them mnist falls back to the embedded sample."""
    from linnet import sweep
    from linnet.data import load, resolve

    monkeypatch.setenv("LINNET_DATA", str(tmp_path))
    assert resolve("mnist").embedded
    embedded_key = sweep.cache_key(sweep.RunConfig(dataset="mnist"))
    cache = _write_small_set(tmp_path / "mnist")
    assert resolve("mnist").folder == cache
    d = load("mnist")
    assert (d.source, d.n_train, d.n_test) == (str(cache), 150, 20)
    # The sweep reads the same files, and its cache never serves the embedded sample's entries.
    assert sweep.cache_key(sweep.RunConfig(dataset="mnist")) != embedded_key
    (frame,) = sweep.train_group([sweep.RunConfig(dataset="mnist", steps=2, records=2)])
    assert (frame["data_source"] == str(cache)).all()
    # Fashion is searched in the same cache before Debian's folder.
    fashion = _write_small_set(tmp_path / "fashion")
    assert resolve("fashion").folder == fashion and load("fashion").name == "fashion"


def test_cache_key_follows_the_files(tmp_path):
    """Replacing the files of a data folder changes the sweep's cache key (their fingerprint)."""
    from linnet import sweep

    folder = _write_small_set(tmp_path / "d")
    c = sweep.RunConfig(dataset="mnist", data_dir=str(folder))
    before = sweep.cache_key(c)
    assert sweep.cache_key(c) == before
    _write_small_set(folder, n_train=160)
    assert sweep.cache_key(c) != before
    with pytest.raises(ValueError, match="data_dir is for an image data set"):
        sweep.RunConfig(dataset="teacher", data_dir=str(folder))


def test_download_rejects_bad_arguments_before_fetching(tmp_path):
    with pytest.raises(ValueError, match=r"base_url must be a URL with a scheme.*got 'notaurl'"):
        download(tmp_path, base_url="notaurl")
    with pytest.raises(ValueError, match=r"timeout must be a finite number > 0; got -1"):
        download(tmp_path, timeout=-1, base_url="http://127.0.0.1:9/")
    (tmp_path / "f").write_text("")
    with pytest.raises(NotADirectoryError, match=r"dest .*f is a file"):
        download(tmp_path / "f", base_url="http://127.0.0.1:9/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]  # nothing was fetched or made
