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

__all__ = ["KEY_COLUMNS", "SCHEMAS", "BASE_SEED", "rng_for", "seed_for", "write", "read",
           "member_frames", "mode_frames"]

#: Key columns, in order: the default of :func:`write` when a caller names none (those a table
#: has come first and define its sort order). An analysis names its own (linnet.experiment).
KEY_COLUMNS = [
    "experiment", "dataset", "depth", "width", "init", "init_scale", "lr", "seed",
    "replicate", "step", "time", "source", "mode",
]

#: Columns of the library's own table, ``python -m linnet sweep`` (:mod:`linnet.sweep`): one row
#: per network and recorded step. Analysis scripts declare their tables' columns themselves
#: (:class:`linnet.experiment.Schema`), so adding an analysis edits nothing here.
SCHEMAS: dict[str, list[str]] = {
    "sweep": ["experiment", "dataset", "depth", "width", "init", "init_scale", "lr", "seed",
              "step", "time", "source", "loss", "diverged", "diverged_step", "accuracy"],
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


def write(df: pd.DataFrame, path, *, schema: str | None = None, columns=None, keys=None) -> Path:
    """Write a tidy table atomically.

    Parameters
    ----------
    df : pandas.DataFrame
    path : str or Path
        Destination ``.csv``; its folder is created.
    schema : str, optional
        Name in :data:`SCHEMAS` whose columns must be present (default: the file's stem, when
        it names a schema and ``columns`` is not given).
    columns : sequence of str, optional
        Columns that must be present (an analysis's :class:`linnet.experiment.Schema`).
    keys : sequence of str, optional
        Key columns, in order: they come first and sort the rows (default: those of
        :data:`KEY_COLUMNS` the table has). Each must be a column.

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
    if columns is None:
        schema = schema if schema is not None else (path.stem if path.stem in SCHEMAS else None)
        if schema is not None and schema not in SCHEMAS:
            raise ValueError(
                f"schema must name a table in linnet.tables.SCHEMAS {sorted(SCHEMAS)}; got "
                f"{schema!r}. Pass the table's required columns as columns=[...] instead")
        columns = SCHEMAS[schema] if schema is not None else []
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"table {path.stem!r} is missing columns {missing}; it has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"refusing to write an empty table to {path}")
    if keys is None:
        keys = [c for c in KEY_COLUMNS if c in df.columns]
    keys = list(keys)
    absent = [c for c in keys if c not in df.columns]
    if absent:
        raise ValueError(f"keys {absent} are not columns of the table; it has {list(df.columns)}")
    df = df[keys + [c for c in df.columns if c not in keys]]
    df = df.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else df
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w", newline="") as fh:
        df.to_csv(fh, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path


def member_frames(columns: dict, per_member: dict, *, member: str = "seed", keep=None,
                  trailing: dict | None = None) -> list[pd.DataFrame]:
    """A long table's frames, one per ensemble member, from arrays over (row, member).

    Parameters
    ----------
    columns : dict
        Name → a scalar (the same in every row) or an array of shape (T,) (one per row, e.g.
        the recorded steps), shared by every member.
    per_member : dict
        Name → an array of shape (T, K) (one value per row and member) or (K,) (one per
        member, repeated in its rows).
    member : str
        Name of the column holding the member index 0..K−1.
    keep : ndarray of bool, shape (T, K), optional
        Which rows of each member to keep (default: all), e.g. the finite ones.
    trailing : dict, optional
        Like ``columns``, placed last. The columns come in the order ``columns``, ``member``,
        ``per_member``, ``trailing``.

    Returns
    -------
    list of pandas.DataFrame
        K frames; :func:`pandas.concat` them (with other frames) into the table.

    Examples
    --------
    >>> loss = np.array([[1.0, 2.0], [0.5, np.inf]])  # (T=2 steps, K=2 members)
    >>> frames = member_frames({"step": np.array([0, 10]), "source": "simulation"},
    ...                        {"loss": loss, "diverged": np.array([False, True])},
    ...                        keep=np.isfinite(loss))
    >>> print(pd.concat(frames, ignore_index=True).to_string())
       step      source  seed  loss  diverged
    0     0  simulation     0   1.0     False
    1    10  simulation     0   0.5     False
    2     0  simulation     1   2.0      True
    """
    K = next(np.shape(v)[-1] for v in per_member.values())
    frames = []
    for k in range(K):
        rows = slice(None) if keep is None else np.asarray(keep)[:, k]
        frame = {name: (v if np.ndim(v) == 0 else np.asarray(v)[rows])
                 for name, v in columns.items()}
        frame[member] = k
        for name, v in per_member.items():
            v = np.asarray(v)
            frame[name] = v[rows, k] if v.ndim == 2 else v[k].item()
        for name, v in (trailing or {}).items():
            frame[name] = v if np.ndim(v) == 0 else np.asarray(v)[rows]
        frames.append(pd.DataFrame(frame))
    return frames


def mode_frames(curves: dict, u0: np.ndarray, *, steps, times, first: dict | None = None,
                per_mode: dict | None = None, last: dict | None = None) -> list[pd.DataFrame]:
    """A long table of mode strengths, one row per (recorded step, mode), one frame per member
    and source (e.g. simulation and theory).

    Parameters
    ----------
    curves : dict
        Source name → strengths, shape (T, K, r) (step, member, mode).
    u0 : ndarray, shape (K, r)
        Each member's initial strengths, repeated in its rows.
    steps, times : ndarray, shape (T,)
        The recorded steps and their times (t = step · η).
    first : dict, optional
        Columns placed before ``seed`` (scalars, the same in every row).
    per_mode : dict, optional
        Name → an array of shape (r,) (one value per mode: s, its level, ...), after ``time``.
    last : dict, optional
        Scalar columns placed last.

    Returns
    -------
    list of pandas.DataFrame
        K frames per source, columns ``first``, seed, source, step, mode (1-based), time,
        ``per_mode``, strength, u0, ``last``; :func:`pandas.concat` them into the table.

    Examples
    --------
    >>> u = np.array([[[0.1, 0.0]], [[0.9, 0.2]]])  # T = 2 steps, K = 1 member, r = 2 modes
    >>> frames = mode_frames({"simulation": u}, u[0], steps=np.array([0, 10]),
    ...                      times=np.array([0.0, 1.0]), per_mode={"s": np.array([1.0, 0.5])})
    >>> print(pd.concat(frames, ignore_index=True).to_string())
       seed      source  step  mode  time    s  strength   u0
    0     0  simulation     0     1   0.0  1.0       0.1  0.1
    1     0  simulation     0     2   0.0  0.5       0.0  0.0
    2     0  simulation    10     1   1.0  1.0       0.9  0.1
    3     0  simulation    10     2   1.0  0.5       0.2  0.0
    """
    steps, times, u0 = np.asarray(steps), np.asarray(times), np.asarray(u0)
    T, (K, r) = steps.size, u0.shape
    frames = []
    for source, u in curves.items():
        u = np.asarray(u)
        for k in range(K):
            frame = dict(first or {})
            frame.update({"seed": k, "source": source, "step": np.repeat(steps, r),
                          "mode": np.tile(np.arange(1, r + 1), T), "time": np.repeat(times, r)})
            frame.update({name: np.tile(v, T) for name, v in (per_mode or {}).items()})
            frame.update({"strength": u[:, k].ravel(), "u0": np.tile(u0[k], T)})
            frame.update(last or {})
            frames.append(pd.DataFrame(frame))
    return frames


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
