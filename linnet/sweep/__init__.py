r"""Sweeps: grids of training runs as batched ensembles, on local processes or a Dask cluster,
with an on-disk cache that makes an interrupted sweep resumable.

A sweep is a list of configurations (frozen dataclasses such as :class:`RunConfig`, usually
from :func:`grid`). :func:`run` maps a function over them and returns one tidy table:

- **Groups.** Configurations that share shapes (equal :meth:`RunConfig.group_key`: same data
  set, depth, width, steps) and differ only in seed, initial scale or learning rate are trained
  as one batched computation along the leading ensemble axis
  (:func:`linnet.train.gradient_descent`), in *groups* of at most ``batch_size`` configurations
  (:func:`~linnet.sweep.execution.groups`). Groups are formed from the configurations alone,
  never from the number of workers, so every backend computes the same numbers.
- **Seeds.** Each configuration draws its initial weights from a generator derived from its
  own key (:func:`linnet.tables.rng_for`), so results do not depend on the order of execution,
  the grouping, the number of workers or the backend.
- **Backends.** `joblib <https://joblib.readthedocs.io>`_ with local processes (``n_jobs``), or,
  given ``scheduler="tcp://host:8786"``, joblib's ``dask`` backend over ``dask.distributed``
  (``pip install linnet[dask]``). Local workers are shut down when the sweep ends.
- **Cache.** Each configuration's rows are stored in ``cache_dir/<hash>.csv``, the hash taking
  the configuration, the function that computed it and the linnet version. Entries are written
  atomically (temporary file, then rename) by the main process as results arrive; each holds the
  SHA-256 of its content in its first line, so a damaged entry is detected, reported with a
  :class:`CacheWarning` and recomputed, never used. Re-running an interrupted sweep computes only
  what is missing; re-running a finished one computes nothing.

Modules, one concern each: :mod:`~linnet.sweep.config` (what a run is: :class:`RunConfig`,
:func:`grid`, the names of data sets and initialisations), :mod:`~linnet.sweep.training` (what
a group computes: :func:`task`, :func:`initial_weights`, :func:`train_group`),
:mod:`~linnet.sweep.cache` (entries and their checksums), :mod:`~linnet.sweep.execution`
(:func:`run`, the backends) and :mod:`~linnet.sweep.signals` (SIGTERM as Ctrl-C). Each loads on
first use, so the command line's parser costs neither pandas nor the training code.

Command line: ``python -m linnet sweep --help`` (docs/sweeps.md).

Examples
--------
>>> from linnet import sweep
>>> df = sweep.run(sweep.grid(lr=[0.05, 0.1], seed=range(2), steps=10, records=2),
...                cache_dir=None, progress=False)
>>> len(df), sorted(df["lr"].unique().tolist())  # 4 runs, each recorded at steps 0, 1, 10
(12, [0.05, 0.1])
"""

from .._lazy import attach

__all__ = ["RunConfig", "CacheWarning", "DATASETS", "INITS", "grid", "run", "train_group",
           "cache_key", "DEFAULT_CACHE", "worker_count", "JOBS_RULE", "task", "initial_weights",
           "Task"]

_SUBMODULES = ("cache", "config", "execution", "signals", "training")
_NAMES = {
    "RunConfig": "config", "DATASETS": "config", "INITS": "config", "grid": "config",
    "Task": "training", "task": "training", "initial_weights": "training", "train_group": "training",
    "CacheWarning": "cache", "cache_key": "cache", "DEFAULT_CACHE": "cache",
    "run": "execution", "worker_count": "execution", "JOBS_RULE": "execution",
}
__getattr__, __dir__ = attach(__name__, _SUBMODULES, _NAMES)
