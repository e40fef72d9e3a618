"""Tidy tables: schemas, atomic CSV writing and seed derivation (DESIGN.md, Tables).

One observation per row, one column per variable, key columns first. :func:`write` checks the
schema, sorts by the key columns, writes with a fixed float format to a temporary file in the
same folder and renames it into place: an interrupted run never leaves a half-written table,
and the same inputs give byte-identical files.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from ._files import atomic_open

__all__ = ["KEY_COLUMNS", "SCHEMAS", "BASE_SEED", "rng_for", "seed_for", "write", "read"]

#: Key columns, in order; those a table has come first and define its sort order.
KEY_COLUMNS = [
    "experiment", "dataset", "depth", "width", "init", "init_scale", "lr", "seed",
    "replicate", "step", "time", "source", "mode",
]

#: Columns each table must have (checked by :func:`write` and the smoke tests).
SCHEMAS: dict[str, list[str]] = {
    "teacher_modes": ["experiment", "init", "init_scale", "lr", "seed", "step", "time", "mode",
                      "s", "source", "strength", "u0", "t_half_theory"],
    "teacher_loss": ["experiment", "init", "init_scale", "lr", "seed", "step", "time", "source",
                     "loss"],
    "seed_notebook": ["experiment", "lr", "seed", "step", "time", "source", "loss", "norm_W21",
                      "norm_W32", "dist_teacher", "diverged", "diverged_step", "printed"],
    # MNIST-family tables (results/<dataset>/...): every row records its data and split.
    "mnist_modes": ["experiment", "dataset", "n_train", "n_test", "split", "seed", "step", "time",
                    "source", "mode", "s", "zero_by_construction", "strength", "u0",
                    "t_half_theory", "trace33"],
    "mnist_vectors": ["dataset", "n_train", "split", "mode", "s", "kind", "index", "value"],
    "mnist_accuracy": ["experiment", "dataset", "n_train", "n_test", "split", "width", "seed",
                       "step", "time", "source", "rank", "loss", "test_loss", "train_accuracy",
                       "test_accuracy"],
    "mnist_seed_notebook": ["experiment", "dataset", "n_train", "lr", "seed", "step", "time",
                            "source", "loss", "norm_W21", "norm_W32", "dist_optimum", "diverged",
                            "diverged_step"],
    "seed_notebook_replay": ["dataset", "n_train", "split", "cell", "quantity", "step", "time",
                             "source", "loss_nb", "loss", "value", "linnet_value", "notebook_value"],
    # linnet.sweep / `python -m linnet sweep`: one row per network and recorded step.
    "sweep": ["experiment", "dataset", "depth", "width", "init", "init_scale", "lr", "seed",
              "step", "time", "source", "loss", "diverged", "diverged_step", "accuracy"],
    # Depth, initialisation regimes and exact solutions (issue 4).
    "depth_isometry": ["experiment", "dataset", "depth", "width", "init", "lr", "seed", "source",
                       "lr_factor", "lr_bound", "learning_step", "learning_time", "reached",
                       "diverged", "best", "threshold"],
    "lr_stability": ["experiment", "depth", "lr", "seed", "lr_s1", "lr_bound", "lr_ratio", "state",
                     "final_loss", "final_distance"],
    "init_regimes": ["experiment", "init", "init_scale", "lr", "seed", "step", "time", "source",
                     "theory", "loss", "error", "lam"],
    "hidden_similarity": ["experiment", "dataset", "width", "init", "lr", "seed", "step", "time",
                          "source", "class_i", "class_j", "similarity"],
}

#: Base of every random stream (the arXiv date of Saxe et al. 2014, 2013-12-20).
BASE_SEED = 20131220

FLOAT_FORMAT = "%.10g"


def _key_int(part) -> int:
    if isinstance(part, (int, np.integer)) and part >= 0:
        return int(part)
    # Strings (and anything else) map to a stable 32-bit code: Python's hash() is salted.
    return zlib.crc32(str(part).encode())


def seed_for(*key) -> list[int]:
    """The seed sequence ``[BASE_SEED, *key]`` with strings mapped to stable integers.

    Non-negative integers stay as they are; any other part becomes the CRC-32 of its text,
    the same in every process and on every machine (unlike the salted :func:`hash`).

    Examples
    --------
    >>> from linnet.tables import seed_for
    >>> seed_for("teacher_modes", "init", 3)
    [20131220, 191021937, 3329549428, 3]
    """
    return [BASE_SEED, *(_key_int(k) for k in key)]


def rng_for(*key) -> np.random.Generator:
    """A generator derived from a key, e.g. ``rng_for("teacher_modes", "init", seed)``.

    Streams depend only on the key, never on the order in which runs execute.

    Examples
    --------
    The same key gives the same numbers wherever and whenever it is drawn; another key gives
    an independent stream:

    >>> from linnet.tables import rng_for
    >>> a = rng_for("demo", "init", 0).standard_normal(3)
    >>> np.array_equal(a, rng_for("demo", "init", 0).standard_normal(3))
    True
    >>> np.array_equal(a, rng_for("demo", "init", 1).standard_normal(3))
    False
    """
    return np.random.default_rng(seed_for(*key))


def write(df: pd.DataFrame, path, *, schema: str | None = None) -> Path:
    """Write a tidy table atomically.

    Parameters
    ----------
    df : pandas.DataFrame
    path : str or Path
        Destination ``.csv``; its folder is created.
    schema : str, optional
        Name in :data:`SCHEMAS` whose columns must be present (default: the file's stem, when
        it names a schema).

    Returns
    -------
    Path
        ``path``, now holding the table.

    Examples
    --------
    Key columns come first and sort the rows; floats keep 10 significant digits:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from linnet.tables import write
    >>> df = pd.DataFrame({"loss": [0.5, 1 / 3], "seed": [1, 0]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write(df, Path(folder) / "demo.csv")
    ...     print(path.read_text(), end="")
    seed,loss
    0,0.3333333333
    1,0.5
    """
    path = Path(path)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    schema = schema if schema is not None else (path.stem if path.stem in SCHEMAS else None)
    if schema is not None and schema not in SCHEMAS:
        raise ValueError(
            f"schema must name a table in linnet.tables.SCHEMAS {sorted(SCHEMAS)}; got {schema!r}. "
            "Add the table's required columns to SCHEMAS or pass schema=None"
        )
    if schema is not None:
        missing = [c for c in SCHEMAS[schema] if c not in df.columns]
        if missing:
            raise ValueError(f"table {schema!r} is missing columns {missing}; it has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"refusing to write an empty table to {path}")
    keys = [c for c in KEY_COLUMNS if c in df.columns]
    df = df[keys + [c for c in df.columns if c not in keys]]
    df = df.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else df
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w", newline="") as fh:
        df.to_csv(fh, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path


def read(path) -> pd.DataFrame:
    """Read a table written by :func:`write`, with a clear error when it is missing.

    Returns a :class:`pandas.DataFrame` with the file's columns in its order.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from linnet.tables import read, write
    >>> df = pd.DataFrame({"seed": [0, 1], "loss": [0.25, 0.5]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     read(write(df, Path(folder) / "demo.csv")).to_dict("list")
    {'seed': [0, 1], 'loss': [0.25, 0.5]}
    >>> read("no/such/table.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: table no/such/table.csv does not exist; build it with `make no/such/table.csv` ...
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"table {path} does not exist; build it with `make {path}` or run the analysis script"
        )
    return pd.read_csv(path)
