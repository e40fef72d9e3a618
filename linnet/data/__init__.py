"""Data sets: the linear teacher, MNIST-family loaders, whitening, targets.

Which MNIST-family data sets exist and where their files are found is decided by one registry,
:mod:`linnet.data.sources` (``DATASETS``, ``resolve``), shared by :func:`load`, the command line,
the sweeps, the analysis scripts and the Makefile.
"""

from . import sources
from .idx import read_idx, write_idx
from .mnist import (ChecksumError, ImageDataset, WhitenedTask, check_base_url, download, load, load_embedded,
                    load_folder, whitened_task)
from .sources import DATASETS, FASHION_DIR, Source, check_dataset, default_cache, resolve
from .teacher import Task, teacher_matrix, teacher_task, whiten_exactly
from .whitening import Whitener, fit_whitening, targets

__all__ = [
    "Task", "teacher_matrix", "teacher_task", "whiten_exactly",
    "read_idx", "write_idx",
    "sources", "DATASETS", "FASHION_DIR", "Source", "check_dataset", "default_cache", "resolve",
    "ChecksumError", "ImageDataset", "WhitenedTask", "check_base_url", "download",
    "load", "load_embedded", "load_folder", "whitened_task",
    "Whitener", "fit_whitening", "targets",
]
