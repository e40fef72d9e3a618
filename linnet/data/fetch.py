"""Fetching the MNIST-family IDX files, each verified against its published SHA-256.

:func:`download` streams each file into a temporary file and renames it into place only when
its digest matches, so the download cache (:func:`linnet.data.sources.default_cache`, where every
loader looks first) never holds a corrupted or partial file. ``python -m linnet download`` is
this function on the command line.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .._files import default_permissions
from .._validation import positive_float
from .sources import check_dataset, default_cache

__all__ = ["SHA256", "BASE_URLS", "URL_SCHEMES", "ChecksumError", "check_base_url", "download"]

#: Published SHA-256 of the official gzipped files (the digests TFDS/Keras pin for MNIST;
#: those of the files the Fashion-MNIST README lists by MD5).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

#: Default download mirrors (override with ``base_url`` / ``--base-url``).
BASE_URLS = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}


class ChecksumError(ValueError):
    """A downloaded file does not match its SHA-256; it was deleted.

    Examples
    --------
    >>> issubclass(ChecksumError, ValueError)  # bad content is a bad value, as elsewhere
    True
    """


def _digest(stream, copy_to=None) -> str:
    """SHA-256 of a binary stream read to its end, in 1 MiB pieces (also written to ``copy_to``)."""
    h = hashlib.sha256()
    while piece := stream.read(1 << 20):
        h.update(piece)
        if copy_to is not None:
            copy_to.write(piece)
    return h.hexdigest()


#: URL schemes :func:`download` accepts (those :func:`urllib.request.urlopen` opens).
URL_SCHEMES = ("http", "https", "ftp", "file")


def check_base_url(value, name: str = "base_url") -> str:
    """Return ``value`` as a URL prefix ending in ``/``, or raise naming ``name``.

    A prefix needs a scheme :func:`urllib.request.urlopen` knows (:data:`URL_SCHEMES`) and,
    except for ``file:``, a host: ``https://example.org/mnist/``.

    Examples
    --------
    >>> check_base_url("https://example.org/mnist")
    'https://example.org/mnist/'
    >>> check_base_url("example.org/mnist", "--base-url")
    Traceback (most recent call last):
    ...
    ValueError: --base-url must be a URL with a scheme (http, https, ftp, file) and a host, like 'https://example.org/mnist/'; got 'example.org/mnist'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a URL string like 'https://example.org/mnist/'; got "
                        f"{type(value).__name__}")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in URL_SCHEMES or (parts.scheme != "file" and not parts.netloc):
        raise ValueError(f"{name} must be a URL with a scheme ({', '.join(URL_SCHEMES)}) and a "
                         f"host, like 'https://example.org/mnist/'; got {value!r}")
    return value if value.endswith("/") else value + "/"


def download(dest=None, *, dataset: str = "mnist", base_url: str | None = None,
             checksums: dict | None = None, timeout: float = 60.0, log=None) -> Path:
    """Fetch the four gzipped IDX files of a data set into ``dest``, verified by SHA-256.

    Each file is streamed into a temporary file in ``dest`` and renamed into place only when
    its SHA-256 matches; a file that fails is deleted, so the cache never holds a corrupted
    or partial file. Files already present with the right digest are not fetched again; a
    present file with a wrong digest is fetched again.

    Parameters
    ----------
    dest : str or Path, optional
        Cache folder (default :func:`linnet.data.sources.default_cache`).
    dataset : {"mnist", "fashion"}
    base_url : str, optional
        URL prefix the file names are appended to (default :data:`BASE_URLS`).
    checksums : dict, optional
        File name → SHA-256 hex digest (default :data:`SHA256`).
    timeout : float
        Seconds per connection, > 0.
    log : callable, optional
        Called with one line of progress per file (e.g. ``print``).

    Returns
    -------
    Path
        ``dest``, ready for :func:`linnet.data.load_folder`.

    Raises
    ------
    ChecksumError
        If any file's digest differs from the list (after trying every file; the good ones
        are kept).
    OSError
        If a file cannot be fetched (the message names the URL), or ``dest`` is a file.
    ValueError
        If ``dataset``, ``base_url`` (no scheme or host) or ``timeout`` (not > 0) is invalid.

    Examples
    --------
    A mirror is any URL prefix; here a local folder holding one file:

    >>> import hashlib, pathlib, tempfile
    >>> mirror, dest = (pathlib.Path(tempfile.mkdtemp()) for _ in range(2))
    >>> _ = (mirror / "a.gz").write_bytes(b"IDX bytes")
    >>> sums = {"a.gz": hashlib.sha256(b"IDX bytes").hexdigest()}
    >>> _ = download(dest, base_url=mirror.as_uri(), checksums=sums, log=print)
    a.gz: downloaded, SHA-256 ok
    >>> _ = download(dest, base_url=mirror.as_uri(), checksums=sums, log=print)
    a.gz: already present, SHA-256 ok
    >>> download(dest, base_url=mirror.as_uri(), checksums={"a.gz": "0" * 64})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    linnet.data.fetch.ChecksumError: 1 of 1 downloaded file(s) did not match their SHA-256 ...
    >>> sorted(p.name for p in dest.iterdir())  # the bad file was not kept
    []
    """
    check_dataset(dataset)
    dest = Path(dest).expanduser() if dest is not None else default_cache(dataset)
    base = check_base_url(base_url if base_url is not None else BASE_URLS[dataset])
    timeout = positive_float(timeout, "timeout")
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"dest {dest} is a file; give a folder to download into")
    sums = SHA256[dataset] if checksums is None else dict(checksums)
    dest.mkdir(parents=True, exist_ok=True)
    say = log if log is not None else (lambda line: None)
    bad = []
    for name, want in sums.items():
        target = dest / name
        if target.is_file() and _file_digest(target) == want:
            say(f"{name}: already present, SHA-256 ok")
            continue
        url = base + name
        got = _fetch(url, target, want, timeout)
        if got != want:
            bad.append(f"{name}: SHA-256 {got} != expected {want} (from {url})")
            say(f"{name}: SHA-256 MISMATCH, deleted")
        else:
            say(f"{name}: downloaded, SHA-256 ok")
    if bad:
        raise ChecksumError(
            f"{len(bad)} of {len(sums)} downloaded file(s) did not match their SHA-256 and were "
            f"not kept in {dest}:\n  " + "\n  ".join(bad)
            + "\nThe mirror may serve different or damaged files: try another --base-url"
        )
    return dest


def _file_digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return _digest(fh)


def _fetch(url: str, target: Path, want: str, timeout: float) -> str:
    """Stream ``url`` beside ``target`` and rename it there if its SHA-256 is ``want``; return the digest.

    On a mismatch nothing is kept, not even an older ``target`` (its digest was wrong too).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            got = _digest(resp, out)
        if got != want:
            target.unlink(missing_ok=True)
            return got
        default_permissions(tmp)
        os.replace(tmp, target)
        return got
    except urllib.error.URLError as exc:
        raise OSError(f"could not download {url}: {exc}; check the URL (--base-url) and "
                      "your connection") from exc
    finally:
        tmp.unlink(missing_ok=True)
