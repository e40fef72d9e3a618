"""What a sweep runs: :class:`RunConfig` (one training run, a row key of the table) and :func:`grid`.

The names a configuration may hold are decided here once: the data sets come from the data
registry (:data:`linnet.data.sources.DATASETS`, plus the analytic ``teacher``), the
initialisations from :data:`INITS`; :func:`check_choice` checks both. This module imports
neither pandas nor the training code, so the command line can build its parser from it alone.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .._validation import nonnegative_int, positive_float, positive_int
from ..data import sources

__all__ = ["RunConfig", "DATASETS", "INITS", "TEACHER", "grid", "check_choice", "check_config_class"]

#: The analytic task: a linear teacher (N = 100 → M = 10, whitened, the seed notebook's sizes).
TEACHER = "teacher"

#: Tasks a :class:`RunConfig` can name: the teacher, then the MNIST-family sets of the data
#: registry (:data:`linnet.data.sources.DATASETS`), PCA-whitened to 100 components.
DATASETS = (TEACHER, *sources.DATASETS)

#: Initialisations: i.i.d. Gaussian weights of std σ (``gaussian``) or σ/√n_in (``fan_in``).
INITS = ("gaussian", "fan_in")


def check_choice(value, choices: tuple, name: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming ``name``.

    Examples
    --------
    >>> check_choice("fan_in", INITS, "init")
    'fan_in'
    >>> check_choice("xavier", INITS, "init")
    Traceback (most recent call last):
    ...
    ValueError: init must be one of ('gaussian', 'fan_in'); got 'xavier'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}; got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


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

    Examples
    --------
    >>> c = RunConfig(lr=0.1, seed=3)
    >>> c.dataset, c.depth, c.width, c.lr
    ('teacher', 2, 20, 0.1)
    >>> c.group_key() == RunConfig(lr=0.2, seed=0).group_key()  # trainable as one ensemble
    True
    """

    experiment: str = "sweep"
    dataset: str = TEACHER
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
        for name in ("experiment", "data_dir"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string; got {getattr(self, name)!r}")
        check_choice(self.dataset, DATASETS, "dataset")
        check_choice(self.init, INITS, "init")
        if self.data_dir:
            if self.dataset == TEACHER:
                raise ValueError(f"data_dir is for an image data set ({', '.join(sources.DATASETS)}); "
                                 f"the teacher has no files: drop data_dir={self.data_dir!r}")
            # Absolute, so that the configuration (and its cache key) means one folder.
            put("data_dir", str(Path(self.data_dir).expanduser().absolute()))
        # Plain Python numbers, so that equal configurations hash and serialise identically
        # whether a field came as 0.01, np.float64(0.01) or from the command line.
        put("depth", positive_int(self.depth, "depth"))
        put("width", positive_int(self.width, "width"))
        put("init_scale", positive_float(self.init_scale, "init_scale"))
        put("lr", positive_float(self.lr, "lr"))
        put("seed", nonnegative_int(self.seed, "seed"))
        put("steps", nonnegative_int(self.steps, "steps"))
        put("records", positive_int(self.records, "records"))

    def group_key(self) -> tuple:
        """Configurations with equal keys share every shape and may be trained as one ensemble.

        :func:`linnet.sweep.run` cuts the configurations of one key into *groups* of at most
        ``batch_size``, each trained by one call of the sweep function.

        Examples
        --------
        >>> RunConfig(depth=3).group_key() == RunConfig(depth=2).group_key()
        False
        """
        return (self.experiment, self.dataset, self.data_dir, self.depth, self.width, self.init,
                self.steps, self.records)

    def data_fingerprint(self) -> str:
        """What the data is, for the cache key: ``analytic`` for the teacher, else the
        fingerprint of the files the registry resolves (``embedded`` for the sample).

        Examples
        --------
        >>> RunConfig().data_fingerprint()
        'analytic'
        """
        if self.dataset == TEACHER:
            return "analytic"
        return sources.resolve(self.dataset, self.data_dir or None).fingerprint()

    def init_key(self) -> tuple:
        """Key of the random stream of the initial weights (:func:`linnet.tables.rng_for`).

        Examples
        --------
        >>> RunConfig(seed=4).init_key()
        ('sweep', 'sweep', 'teacher', 2, 20, 'gaussian', 4)
        """
        return ("sweep", self.experiment, self.dataset, self.depth, self.width, self.init,
                self.seed)

    def widths(self, n_in: int, n_out: int) -> tuple:
        """Layer widths (n_in, width, …, width, n_out): ``depth`` weight matrices.

        Examples
        --------
        >>> RunConfig(depth=3, width=8).widths(100, 10)
        (100, 8, 8, 10)
        """
        return (n_in,) + (self.width,) * (self.depth - 1) + (n_out,)


def check_config_class(cls) -> type:
    """Return ``cls`` if it is a frozen dataclass (what a sweep configuration must be), else raise.

    Examples
    --------
    >>> check_config_class(RunConfig).__name__
    'RunConfig'
    >>> check_config_class(dict)
    Traceback (most recent call last):
    ...
    TypeError: configurations must be frozen dataclasses (such as linnet.sweep.RunConfig); got <class 'dict'>
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)
            and cls.__dataclass_params__.frozen):
        raise TypeError(f"configurations must be frozen dataclasses (such as linnet.sweep.RunConfig); "
                        f"got {cls!r}")
    return cls


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
    >>> [(c.lr, c.seed) for c in grid(lr=[0.01, 0.05], seed=range(2))]
    [(0.01, 0), (0.01, 1), (0.05, 0), (0.05, 1)]
    """
    check_config_class(config_class)
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


# The public name is linnet.sweep.RunConfig: pickles, cache entries and cache keys (which name
# the class) stay those of the single-module sweep, so existing caches remain valid.
RunConfig.__module__ = "linnet.sweep"
# doctest collects a class only from the module its __module__ names: list it here.
__test__ = {"RunConfig": RunConfig}
