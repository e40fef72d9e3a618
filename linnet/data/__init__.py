"""Data sets: the linear teacher, MNIST-family loaders, whitening, targets."""

from .idx import read_idx, write_idx
from .mnist import (DATASETS, FASHION_DIR, ChecksumError, ImageDataset, WhitenedTask, default_cache, download,
                    load, load_embedded, load_folder, whitened_task)
from .teacher import Task, teacher_matrix, teacher_task, whiten_exactly
from .whitening import Whitener, fit_whitening, targets

__all__ = [
    "Task", "teacher_matrix", "teacher_task", "whiten_exactly",
    "read_idx", "write_idx",
    "DATASETS", "FASHION_DIR", "ChecksumError", "ImageDataset", "WhitenedTask", "default_cache", "download",
    "load", "load_embedded", "load_folder", "whitened_task",
    "Whitener", "fit_whitening", "targets",
]
