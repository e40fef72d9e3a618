"""Data sets: the linear teacher, MNIST-family images, whitening, targets.

Modules, one idea each: :mod:`~linnet.data.sources` (the registry: which MNIST-family data sets
exist and where their files are found, shared by :func:`load`, the command line, the sweeps,
the analysis scripts and the Makefile), :mod:`~linnet.data.images` (loading them:
:func:`load`, :func:`whitened_task`), :mod:`~linnet.data.fetch` (:func:`download`, SHA-256
verified), :mod:`~linnet.data.idx` (the file format), :mod:`~linnet.data.teacher`, :mod:`~linnet.data.noisy` (the noisy teacher of the generalisation theory),
:mod:`~linnet.data.transfer` (two rank-1 tasks on shared inputs, for the transfer theory) and
:mod:`~linnet.data.whitening`. Each loads on first use.

Examples
--------
>>> from linnet import data
>>> data.DATASETS, data.load is data.images.load
(('mnist', 'fashion'), True)
"""

from .._lazy import attach

_MODULES = {
    "teacher": ["Task", "teacher_matrix", "teacher_task", "whiten_exactly"],
    "idx": ["read_idx", "write_idx"],
    "sources": ["DATASETS", "FASHION_DIR", "Source", "check_dataset", "default_cache", "resolve"],
    "fetch": ["ChecksumError", "check_base_url", "download"],
    "images": ["ImageDataset", "WhitenedTask", "load", "load_embedded", "load_folder", "whitened_task"],
    "whitening": ["Whitener", "fit_whitening", "targets"],
    "hierarchy": ["Hierarchy", "TreeModes", "deterministic_tree", "diffusion_tree", "pnas_toy", "tree_modes",
                  "diffusion_similarity", "diffusion_spectrum", "compress_outputs", "category_task", "PNAS_ITEMS",
                  "PNAS_PROPERTIES", "TREE_ITEMS", "reverse_properties", "move_item"],
    "noisy": ["NoisyTask", "noisy_teacher", "exact_test_error", "descent_errors", "snr_family",
              "stopped_errors"],
    "transfer": ["TransferTask", "transfer_task", "target_test_error"],
}
__all__ = ["sources", *(name for names in _MODULES.values() for name in names)]
__getattr__, __dir__ = attach(__name__, _MODULES, {name: module for module, names in _MODULES.items()
                                                   for name in names})
