r"""Sweeps: grids of training runs as batched ensembles, on local processes or a Dask cluster,
with an on-disk cache that makes an interrupted sweep resumable.

A sweep is a list of configurations (frozen dataclasses such as :class:`RunConfig`, usually
from :func:`grid`). :func:`run` maps a function over them and returns one tidy table:

- **Ensembles.** Configurations that share shapes (:meth:`RunConfig.group`: same data set,
  depth, width, steps) and differ only in seed, initial scale or learning rate are trained as
  one batched computation along the leading ensemble axis (:func:`linnet.train.gradient_descent`),
  in chunks of at most ``batch_size`` members. Chunks are formed from the configurations alone,
  never from the number of workers, so every backend computes the same numbers.
- **Seeds.** Each configuration draws its initial weights from a generator derived from its
  own key (:func:`linnet.tables.rng_for`), so results do not depend on the order of execution,
  the chunking, the number of workers or the backend.
- **Backends.** `joblib <https://joblib.readthedocs.io>`_ with local processes (``n_jobs``), or,
  given ``scheduler="tcp://host:8786"``, joblib's ``dask`` backend over ``dask.distributed``
  (``pip install linnet[dask]``).
- **Cache.** Each configuration's rows are stored in ``cache_dir/<hash>.csv``, the hash taking
  the configuration, the function that computed it and the linnet version. Entries are written
  atomically (temporary file, then rename) by the main process as results arrive; each holds the
  SHA-256 of its content in its first line, so a damaged entry is detected, reported with a
  :class:`CacheWarning` and recomputed, never used. Re-running an interrupted sweep computes only
  what is missing; re-running a finished one computes nothing.

Command line: ``python -m linnet sweep --help`` (docs/sweeps.md).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import itertools
import json
import logging
import numbers
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import metrics, network, tables, train
from ._files import atomic_open
from ._validation import nonnegative_int, positive_float, positive_int
from .data import sources
from .stats import Statistics

__all__ = ["RunConfig", "CacheWarning", "DATASETS", "grid", "run", "train_group", "cache_key",
           "DEFAULT_CACHE", "worker_count", "JOBS_RULE"]

log = logging.getLogger(__name__)

#: Tasks a :class:`RunConfig` can name: the linear teacher (N = 100 → M = 10, whitened, the
#: seed notebook's sizes), and the MNIST-family sets of the data registry
#: (:data:`linnet.data.sources.DATASETS`) PCA-whitened to 100 components.
DATASETS = ("teacher", *sources.DATASETS)

#: How a number of workers is read (joblib's rule), for messages and ``--help``.
JOBS_RULE = "N > 0 workers, or N < 0 for every core but |N| - 1 (-1: every core); 0 is not allowed"
INITS = ("gaussian", "fan_in")

#: Default cache folder (relative to the working directory).
DEFAULT_CACHE = Path(".linnet-cache") / "sweep"

_FORMAT = "linnet-sweep-1"  # first token of every cache entry; bump when the layout changes
_FLOAT_FORMAT = tables.FLOAT_FORMAT


class CacheWarning(UserWarning):
    """A cache entry was unreadable or failed its checksum; it is recomputed."""


# ---------------------------------------------------------------------------- configurations
@dataclass(frozen=True)
class RunConfig:
    """One gradient-descent run on a task's statistics: a row key of the sweep table.

    Parameters
    ----------
    experiment : str
        Name written in the ``experiment`` column.
    dataset : {"teacher", "mnist", "fashion"}
        ``teacher``: a noiseless linear teacher with whitened inputs, N = 100, M = 10,
        geometric spectrum 4·2^{-α} (analytic statistics, no samples). ``mnist`` and
        ``fashion``: the data set :func:`linnet.data.load` finds (for ``mnist`` the downloaded
        official files, else the embedded 4,000-digit sample; ``fashion``: Fashion-MNIST,
        60,000), PCA-whitened to 100 components with ±1 targets
        (:func:`linnet.data.whitened_task`).
    data_dir : str
        Folder with the four IDX files of ``dataset`` (stored absolute); ``""`` (default)
        searches the data registry (:func:`linnet.data.sources.resolve`). Must be ``""`` for
        the teacher. The cache key includes a fingerprint of the files actually found, so
        entries computed on other data are never used.
    depth : int
        L, the number of weight matrices.
    width : int
        Width of every hidden layer (ignored for L = 1).
    init : {"gaussian", "fan_in"}
        I.i.d. Gaussian weights of std ``init_scale`` (``fan_in``: ``init_scale/√n_in``).
    init_scale : float
        σ of the initial weights.
    lr : float
        Step η.
    seed : int
        Replicate index: with the other initial-weight fields it keys the random stream.
    steps : int
        Number of gradient-descent steps.
    records : int
        About this many log-spaced recorded steps (:func:`linnet.train.log_steps`).

    Notes
    -----
    The initial weights of a run depend on (experiment, dataset, depth, width, init, seed)
    and are scaled by ``init_scale``: runs that differ only in η or σ start from the same
    directions, so their comparison is paired.
    """

    experiment: str = "sweep"
    dataset: str = "teacher"
    data_dir: str = ""
    depth: int = 2
    width: int = 20
    init: str = "gaussian"
    init_scale: float = 1e-3
    lr: float = 0.05
    seed: int = 0
    steps: int = 1000
    records: int = 30

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        if isinstance(self.data_dir, os.PathLike):
            put("data_dir", os.fspath(self.data_dir))
        for name in ("experiment", "dataset", "init", "data_dir"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string; got {getattr(self, name)!r}")
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}; got {self.dataset!r}")
        if self.data_dir:
            if self.dataset == "teacher":
                raise ValueError(f"data_dir is for an image data set ({', '.join(sources.DATASETS)}); "
                                 f"the teacher has no files: drop data_dir={self.data_dir!r}")
            # Absolute, so that the configuration (and its cache key) means one folder.
            put("data_dir", str(Path(self.data_dir).expanduser().absolute()))
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {self.init!r}")
        # Plain Python numbers, so that equal configurations hash and serialise identically
        # whether a field came as 0.01, np.float64(0.01) or from the command line.
        put("depth", positive_int(self.depth, "depth"))
        put("width", positive_int(self.width, "width"))
        put("init_scale", positive_float(self.init_scale, "init_scale"))
        put("lr", positive_float(self.lr, "lr"))
        put("seed", nonnegative_int(self.seed, "seed"))
        put("steps", nonnegative_int(self.steps, "steps"))
        put("records", positive_int(self.records, "records"))

    def group(self) -> tuple:
        """Configurations with equal groups share every shape and run as one ensemble."""
        return (self.experiment, self.dataset, self.data_dir, self.depth, self.width, self.init,
                self.steps, self.records)

    def data_fingerprint(self) -> str:
        """What the data is, for the cache key: ``analytic`` for the teacher, else the
        fingerprint of the files the registry resolves (``embedded`` for the sample)."""
        if self.dataset == "teacher":
            return "analytic"
        return sources.resolve(self.dataset, self.data_dir or None).fingerprint()

    def init_key(self) -> tuple:
        """Key of the random stream of the initial weights (:func:`linnet.tables.rng_for`)."""
        return ("sweep", self.experiment, self.dataset, self.depth, self.width, self.init,
                self.seed)


def grid(config_class=RunConfig, /, **axes) -> list:
    """All combinations of the given field values, as configurations.

    Parameters
    ----------
    config_class : type
        A frozen dataclass (default :class:`RunConfig`).
    **axes
        Field name → a value or a sequence of values (strings count as one value).

    Returns
    -------
    list
        ``config_class`` instances, the last axis varying fastest.

    Examples
    --------
    >>> len(grid(lr=[0.01, 0.05], seed=range(3), dataset="mnist"))
    6
    """
    _check_config_class(config_class)
    names = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(axes) - names)
    if unknown:
        raise ValueError(
            f"{config_class.__name__} has no field(s) {unknown}; its fields are {sorted(names)}"
        )
    values = []
    for name, v in axes.items():
        v = [v] if isinstance(v, (str, bytes)) or not isinstance(v, Iterable) else list(v)
        if not v:
            raise ValueError(f"axis {name!r} is empty; give at least one value")
        values.append(v)
    return [config_class(**dict(zip(axes, combo))) for combo in itertools.product(*values)]


def _check_config_class(cls):
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)
            and cls.__dataclass_params__.frozen):
        raise TypeError(f"configurations must be frozen dataclasses (such as linnet.sweep.RunConfig); "
                        f"got {cls!r}")


# ---------------------------------------------------------------------------- the computation
@functools.lru_cache(maxsize=4)
def _task(dataset: str, data_dir: str = ""):
    """Statistics, test set and data source of a data set, built once per process (workers
    reuse it). The source is ``analytic``, ``embedded`` or the folder the files came from."""
    if dataset == "teacher":
        teacher = _teacher()
        return Statistics(np.eye(teacher.shape[1]), teacher, float(np.sum(teacher**2))), None, "analytic"
    from . import data

    images = data.load(dataset, data_dir or None)
    task = data.whitened_task(images, 100)
    return Statistics.from_data(task.X, task.Y), (task.X_test, task.labels_test), images.source


def _teacher() -> np.ndarray:
    from .data import teacher_matrix

    return teacher_matrix(10, 100, rng=tables.rng_for("sweep", "teacher"))


def _initial_weights(c: RunConfig, widths_: tuple) -> tuple:
    rng = tables.rng_for(*c.init_key())
    return network.init_gaussian(widths_, c.init_scale, rng=rng, fan_in=c.init == "fan_in")


def train_group(configs: Sequence[RunConfig], *, progress: bool = False) -> list[pd.DataFrame]:
    """Train configurations of one group as one ensemble; one tidy table per configuration.

    Parameters
    ----------
    configs : sequence of RunConfig
        Equal :meth:`RunConfig.group`; any seeds, initial scales and learning rates.
    progress : bool
        Progress bar over the steps (on a terminal).

    Returns
    -------
    list of pandas.DataFrame
        Per configuration, one row per recorded step: the key columns, ``source``
        (``simulation``), ``loss`` (NaN after divergence), ``diverged``, ``diverged_step``,
        ``accuracy`` (test-set accuracy of the end-to-end map; NaN for the teacher) and
        ``data_source`` (``analytic``, ``embedded`` or the folder of the IDX files).
    """
    configs = list(configs)
    c0 = configs[0]
    if any(c.group() != c0.group() for c in configs):
        raise ValueError("train_group takes configurations of one group (equal RunConfig.group())")
    stats, test, data_source = _task(c0.dataset, c0.data_dir)
    widths_ = (stats.n_in,) + (c0.width,) * (c0.depth - 1) + (stats.n_out,)
    inits = [_initial_weights(c, widths_) for c in configs]
    ws = network.stack(inits)
    lr = np.array([c.lr for c in configs])
    rec = train.log_steps(c0.steps, c0.records)
    # One kernel for every chunk size, so that the number of workers (which changes how the
    # configurations are cut into ensembles) changes no digit of the table.
    kernel = train.size_independent_kernel(c0.depth, stats)
    tr = train.gradient_descent(ws, stats, lr, c0.steps, record_steps=rec, progress=progress,
                                kernel=kernel)
    frames = []
    for i, c in enumerate(configs):
        if test is None:
            acc = np.full(rec.size, np.nan)
        else:
            acc = metrics.accuracy(tr.product[:, i], *test)
            acc = np.where(np.isnan(tr.loss[:, i]), np.nan, acc)
        row = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)
               if f.name not in ("steps", "records", "data_dir")}
        frames.append(pd.DataFrame({
            **row, "step": rec, "time": tr.time[:, i], "source": "simulation",
            "loss": tr.loss[:, i], "diverged": bool(tr.diverged[i]),
            "diverged_step": int(tr.diverged_step[i]), "accuracy": acc,
            "steps": c.steps, "data_source": data_source,
        }))
    return frames


# ---------------------------------------------------------------------------- cache entries
def _describe(config) -> dict:
    cls = type(config)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", **dataclasses.asdict(config)}


def cache_key(config, func: Callable = train_group) -> str:
    """Hex digest naming a configuration's cache entry: (configuration, its data, function, linnet version).

    The data enters as ``config.data_fingerprint()`` when the configuration defines it (as
    :class:`RunConfig` does): entries computed from other files are never found.
    """
    from . import __version__

    data = config.data_fingerprint() if hasattr(config, "data_fingerprint") else None
    payload = {"format": _FORMAT, "config": _describe(config), "linnet": __version__,
               "func": f"{func.__module__}.{func.__qualname__}", "data": data}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:40]


def _serialise(config, df: pd.DataFrame) -> str:
    if not isinstance(df, pd.DataFrame) or df.empty:
        raise TypeError(f"the sweep function must return a non-empty DataFrame per configuration; "
                        f"got {type(df).__name__} for {config}")
    body = (f"# config={json.dumps(_describe(config), sort_keys=True)}\n"
            + df.to_csv(index=False, float_format=_FLOAT_FORMAT, lineterminator="\n"))
    return f"# {_FORMAT} sha256={hashlib.sha256(body.encode()).hexdigest()}\n{body}"


def _verify(text: str, config) -> tuple[str | None, str | None]:
    """The CSV part of an entry, or the reason it cannot be trusted."""
    head, sep, body = text.partition("\n")
    parts = head.split()
    if not sep or len(parts) != 3 or parts[:2] != ["#", _FORMAT] or not parts[2].startswith("sha256="):
        return None, "unrecognised header"
    if hashlib.sha256(body.encode()).hexdigest() != parts[2][len("sha256="):]:
        return None, "checksum mismatch"
    cfg_line, _, csv = body.partition("\n")
    if cfg_line != f"# config={json.dumps(_describe(config), sort_keys=True)}":
        return None, "entry belongs to another configuration"
    return csv, None


def _read_entry(path: Path, config) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"unreadable ({exc})"
    else:
        csv, reason = _verify(text, config)
        if reason is None:
            return csv
    # A warning only (no log record as well): with logging unconfigured, both would print.
    warnings.warn(f"sweep cache entry {path} is damaged ({reason}); recomputing {config}",
                  CacheWarning, stacklevel=3)
    path.unlink(missing_ok=True)
    return None


def _write_entry(path: Path, text: str) -> None:
    # fsync: the rename must never publish an entry the disk lacks (entries are trusted when present).
    with atomic_open(path, "w", fsync=True, encoding="utf-8", newline="") as fh:
        fh.write(text)


# ---------------------------------------------------------------------------- running
def _chunks(configs: list, batch_size: int) -> list[list]:
    """Ensembles: configurations grouped by ``group()`` (if defined), in chunks of batch_size."""
    groups: dict = {}
    for c in configs:
        g = c.group() if hasattr(c, "group") else id(c)
        groups.setdefault(g, []).append(c)
    out = []
    for members in groups.values():
        out += [members[i:i + batch_size] for i in range(0, len(members), batch_size)]
    return out


def _compute(func, chunk, progress):
    frames = func(chunk, progress=progress)
    if len(frames) != len(chunk):
        raise ValueError(f"the sweep function returned {len(frames)} tables for {len(chunk)} configurations")
    return [(c, _serialise(c, df)) for c, df in zip(chunk, frames)]


def run(
    configs: Iterable,
    func: Callable = train_group,
    *,
    cache_dir=DEFAULT_CACHE,
    n_jobs: int = 1,
    scheduler: str | None = None,
    batch_size: int = 32,
    progress: bool = True,
) -> pd.DataFrame:
    """Compute (or read from the cache) every configuration and return one tidy table.

    Parameters
    ----------
    configs : iterable of frozen dataclasses
        Usually :func:`grid` of :class:`RunConfig`. Duplicates are computed once.
    func : callable
        ``func(configs, *, progress) -> list of DataFrame``, one table per configuration of a
        chunk (all of one ``group()``). Must be importable by the workers (module level).
    cache_dir : str or Path or None
        Cache folder (created); ``None`` disables the cache.
    n_jobs : int
        Local worker processes (joblib's ``loky`` backend), by joblib's rule
        (:func:`worker_count`): N > 0 workers, -1 every core, -2 all but one, ...; 1 runs in
        this process.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``): run on that cluster
        with joblib's ``dask`` backend instead of local processes.
    batch_size : int
        Most configurations trained together as one ensemble.
    progress : bool
        Progress bar over configurations (and over the steps when ``n_jobs=1``); shown only when
        standard error is a terminal.

    Returns
    -------
    pandas.DataFrame
        The rows of every configuration, in the order given (write it with
        :func:`linnet.tables.write`, which sorts by the key columns). ``df.attrs["sweep"]``
        counts the configurations computed and read from the cache.
    """
    configs = list(configs)
    for c in configs:
        _check_config_class(type(c))
    configs = list(dict.fromkeys(configs))  # keeps order, drops duplicates
    if not configs:
        raise ValueError("configs is empty; build a grid with linnet.sweep.grid(...)")
    n_jobs = worker_count(n_jobs)
    batch_size = positive_int(batch_size, "batch_size")
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be an address string like 'tcp://127.0.0.1:8786'; got {scheduler!r}")
    cache = None if cache_dir is None else Path(cache_dir)
    if cache is not None:
        if cache.exists() and not cache.is_dir():
            raise NotADirectoryError(f"cache_dir {cache} is a file; give a folder, or None for no cache")
        cache.mkdir(parents=True, exist_ok=True)
    paths = {c: cache / f"{cache_key(c, func)}.csv" for c in configs} if cache is not None else {}

    texts = {}
    for c in configs:
        if cache is not None:
            csv = _read_entry(paths[c], c)
            if csv is not None:
                texts[c] = csv
    missing = [c for c in configs if c not in texts]
    log.info("sweep: %d configurations, %d cached, %d to compute", len(configs),
             len(configs) - len(missing), len(missing))

    if missing:
        from tqdm.auto import tqdm

        show = bool(progress) and sys.stderr.isatty()
        bar = tqdm(total=len(configs), initial=len(configs) - len(missing), unit="config",
                   disable=not show, desc="sweep")
        chunks = _chunks(missing, batch_size)
        try:
            with _sigterm_as_interrupt():
                for results in _execute(func, chunks, n_jobs, scheduler, show):
                    for c, text in results:
                        if cache is not None:
                            _write_entry(paths[c], text)
                        texts[c] = _verify(text, c)[0]
                        bar.update(1)
        finally:
            bar.close()
    frames = [pd.read_csv(io.StringIO(texts[c])) for c in configs]
    df = pd.concat(frames, ignore_index=True)
    df.attrs["sweep"] = {"configurations": len(configs), "computed": len(missing),
                         "cached": len(configs) - len(missing)}
    return df


def worker_count(n_jobs, name: str = "n_jobs") -> int:
    """The number of worker processes ``n_jobs`` asks for, by joblib's rule (:data:`JOBS_RULE`).

    N > 0 means N workers; N < 0 means ``os.cpu_count() + 1 + N`` (-1: every core, -2: all but
    one); 0, or a negative N beyond the number of cores, raises ValueError naming ``name``.
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"{name} must be an integer ({JOBS_RULE}); got {n_jobs!r}")
    n_jobs = int(n_jobs)
    cores = os.cpu_count() or 1
    count = n_jobs if n_jobs > 0 else cores + 1 + n_jobs
    if n_jobs == 0 or count < 1:
        raise ValueError(f"{name} must be {JOBS_RULE}; got {n_jobs} (this machine has {cores} cores)")
    return count


def _execute(func, chunks, n_jobs, scheduler, show):
    """Yield each chunk's results as it completes."""
    if scheduler is None and (n_jobs == 1 or len(chunks) == 1):
        for chunk in chunks:  # in this process: no pickling, a progress bar over the steps
            yield _compute(func, chunk, show)
        return
    import joblib

    tasks = (joblib.delayed(_compute)(func, chunk, False) for chunk in chunks)
    if scheduler is None:
        yield from joblib.Parallel(n_jobs=min(n_jobs, len(chunks)),
                                   return_as="generator_unordered")(tasks)
        return
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "running on a Dask cluster needs dask.distributed: pip install 'linnet[dask]'"
        ) from exc
    with Client(scheduler) as client, joblib.parallel_config(backend="dask"):
        log.info("sweep: running on the Dask cluster at %s (%s)", scheduler, client)
        yield from joblib.Parallel(return_as="generator_unordered")(tasks)


class _sigterm_as_interrupt:
    """Turn SIGTERM into KeyboardInterrupt while a sweep runs, so workers are shut down and the
    entries already written stay (they are complete: each was renamed into place)."""

    def __enter__(self):
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)
        return False
