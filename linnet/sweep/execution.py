"""Running a sweep: read what the cache holds, train the rest in groups on local processes
(joblib's ``loky``) or a Dask cluster, write each result to the cache as it arrives, and
return one table. A finished (or interrupted) sweep leaves no worker process behind.
"""

from __future__ import annotations

import io
import logging
import numbers
import os
import sys
from collections.abc import Callable, Iterable

from .._validation import positive_int
from .cache import DEFAULT_CACHE, Cache, entry, verify
from .config import check_config_class
from .signals import sigterm_as_interrupt

__all__ = ["run", "worker_count", "groups", "JOBS_RULE"]

log = logging.getLogger("linnet.sweep")

#: How a number of workers is read (joblib's rule), for messages and ``--help``.
JOBS_RULE = "N > 0 workers, or N < 0 for every core but |N| - 1 (-1: every core); 0 is not allowed"


def worker_count(n_jobs, name: str = "n_jobs") -> int:
    """The number of worker processes ``n_jobs`` asks for, by joblib's rule (:data:`JOBS_RULE`).

    N > 0 means N workers; N < 0 means ``os.cpu_count() + 1 + N`` (-1: every core, -2: all but
    one); 0, or a negative N beyond the number of cores, raises ValueError naming ``name``.

    Examples
    --------
    >>> worker_count(3), worker_count(-1) == os.cpu_count()
    (3, True)
    >>> worker_count(0, "--jobs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --jobs must be N > 0 workers, ...; got 0 (this machine has ... cores)
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"{name} must be an integer ({JOBS_RULE}); got {n_jobs!r}")
    n_jobs = int(n_jobs)
    cores = os.cpu_count() or 1
    count = n_jobs if n_jobs > 0 else cores + 1 + n_jobs
    if n_jobs == 0 or count < 1:
        raise ValueError(f"{name} must be {JOBS_RULE}; got {n_jobs} (this machine has {cores} cores)")
    return count


def groups(configs: Iterable, batch_size: int) -> list[list]:
    """The groups a sweep trains: configurations of equal ``group_key()``, at most ``batch_size`` each.

    Groups are cut from the configurations alone, in their order, never from the number of
    workers, so every backend computes the same numbers. A class without a ``group_key()``
    method puts each configuration in a group of its own.

    Examples
    --------
    >>> from linnet.sweep import grid
    >>> [[(c.depth, c.seed) for c in g] for g in groups(grid(depth=[2, 3], seed=range(3)), 2)]
    [[(2, 0), (2, 1)], [(2, 2)], [(3, 0), (3, 1)], [(3, 2)]]
    """
    batch_size = positive_int(batch_size, "batch_size")
    by_key: dict = {}
    for c in configs:
        key = getattr(c, "group_key", None)
        by_key.setdefault(key() if callable(key) else id(c), []).append(c)
    return [members[i:i + batch_size] for members in by_key.values()
            for i in range(0, len(members), batch_size)]


def _compute(func, group, progress):
    """Train one group and return its cache entries (in a worker: text pickles cheaply)."""
    frames = func(group, progress=progress)
    if len(frames) != len(group):
        raise ValueError(f"the sweep function returned {len(frames)} tables for {len(group)} configurations")
    return [(c, entry(c, df)) for c, df in zip(group, frames)]


def run(configs: Iterable, func: Callable | None = None, *, cache_dir=DEFAULT_CACHE, n_jobs: int = 1,
        scheduler: str | None = None, batch_size: int = 32, progress: bool = True):
    """Compute (or read from the cache) every configuration and return one tidy table.

    Parameters
    ----------
    configs : iterable of frozen dataclasses
        Usually :func:`linnet.sweep.grid` of :class:`linnet.sweep.RunConfig`. Duplicates are
        computed once.
    func : callable, optional
        ``func(configs, *, progress) -> list of DataFrame``, one table per configuration of a
        group (all of one ``group_key()``; :func:`groups`). Must be importable by the workers
        (module level). Default :func:`linnet.sweep.train_group`.
    cache_dir : str or Path or None
        Cache folder (created; :class:`linnet.sweep.cache.Cache`); ``None`` disables the cache.
    n_jobs : int
        Local worker processes (joblib's ``loky`` backend), by joblib's rule
        (:func:`worker_count`): N > 0 workers, -1 every core, -2 all but one, ...; 1 runs in
        this process. The workers are shut down when the sweep ends.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``): run on that cluster
        with joblib's ``dask`` backend instead of local processes.
    batch_size : int
        Most configurations in one group, trained together as one ensemble.
    progress : bool
        Progress bar over configurations (and over the steps when ``n_jobs=1``); shown only when
        standard error is a terminal.

    Returns
    -------
    pandas.DataFrame
        The rows of every configuration, in the order given (write it with
        :func:`linnet.tables.write`, which sorts by the key columns). ``df.attrs["sweep"]``
        counts the configurations computed and read from the cache.

    Examples
    --------
    >>> from linnet.sweep import grid
    >>> df = run(grid(lr=[0.05, 0.1], steps=10, records=2), cache_dir=None, progress=False)
    >>> df.groupby("lr")["step"].apply(list).to_dict(), df.attrs["sweep"]["computed"]
    ({0.05: [0, 1, 10], 0.1: [0, 1, 10]}, 2)
    """
    if func is None:
        from .training import train_group as func
    configs = list(configs)
    for c in configs:
        check_config_class(type(c))
    configs = list(dict.fromkeys(configs))  # keeps order, drops duplicates
    if not configs:
        raise ValueError("configs is empty; build a grid with linnet.sweep.grid(...)")
    n_jobs = worker_count(n_jobs)
    batch_size = positive_int(batch_size, "batch_size")
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be an address string like 'tcp://127.0.0.1:8786'; got {scheduler!r}")
    cache = None if cache_dir is None else Cache(cache_dir, func)
    texts = {}
    for c in configs if cache is not None else ():
        # stacklevel 2: a damaged entry is reported at the line that called run() (a loop,
        # not a comprehension, whose frame would count as one more level).
        if (csv := cache.read(c, stacklevel=2)) is not None:
            texts[c] = csv
    missing = [c for c in configs if c not in texts]
    log.info("sweep: %d configurations, %d cached, %d to compute", len(configs),
             len(configs) - len(missing), len(missing))
    if missing:
        _compute_missing(func, missing, texts, cache, n_jobs=n_jobs, scheduler=scheduler,
                         batch_size=batch_size, progress=progress, total=len(configs))
    return _table(configs, texts, computed=len(missing))


def _compute_missing(func, missing, texts, cache, *, n_jobs, scheduler, batch_size, progress, total):
    """Compute ``missing`` into ``texts`` (config → CSV), writing each entry as it arrives."""
    from tqdm.auto import tqdm

    show = bool(progress) and sys.stderr.isatty()
    bar = tqdm(total=total, initial=total - len(missing), unit="config", disable=not show,
               desc="sweep")
    try:
        with sigterm_as_interrupt():
            for results in _execute(func, groups(missing, batch_size), n_jobs, scheduler, show):
                for c, text in results:
                    if cache is not None:
                        cache.write(c, text)
                    texts[c] = verify(text, c)[0]
                    bar.update(1)
    finally:
        bar.close()


def _table(configs, texts, *, computed: int):
    import pandas as pd  # here: building the command line's parser from this module needs none

    df = pd.concat([pd.read_csv(io.StringIO(texts[c])) for c in configs], ignore_index=True)
    df.attrs["sweep"] = {"configurations": len(configs), "computed": computed,
                         "cached": len(configs) - computed}
    return df


def _execute(func, groups_, n_jobs, scheduler, show):
    """Yield each group's results as it completes."""
    if scheduler is None and (n_jobs == 1 or len(groups_) == 1):
        for group in groups_:  # in this process: no pickling, a progress bar over the steps
            yield _compute(func, group, show)
        return
    import joblib

    tasks = (joblib.delayed(_compute)(func, group, False) for group in groups_)
    if scheduler is None:
        try:
            yield from joblib.Parallel(n_jobs=min(n_jobs, len(groups_)),
                                       return_as="generator_unordered")(tasks)
        finally:
            _shut_down_local_workers()
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


def _shut_down_local_workers() -> None:
    """Stop loky's worker processes, which joblib keeps for reuse (idle for up to 5 minutes).

    A sweep is a program's big step, not one of many small ones: its workers would only hold
    memory (each has its task's statistics) and outlive the sweep in ``ps``. ``reuse=True``
    returns the executor joblib used whatever arguments it was made with (it exists: the
    Parallel call above made it), and ``wait=True`` joins its processes.
    """
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor(reuse=True).shutdown(wait=True)
