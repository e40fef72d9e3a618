"""linnet: theory and simulation of learning in linear neural networks, side by side.

Modules: :mod:`linnet.data` (tasks and data sets), :mod:`linnet.stats` (statistics, modes,
optima), :mod:`linnet.network` (weights, forward, loss, gradients), :mod:`linnet.train`
(gradient descent, SGD, gradient flow), :mod:`linnet.theory` (closed forms),
:mod:`linnet.metrics` (measurements) and :mod:`linnet.tables` (tidy tables).
"""

from importlib.metadata import PackageNotFoundError, version

from . import metrics, network, tables, theory, train
from .stats import Modes, Statistics

try:
    __version__ = version("linnet")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["Modes", "Statistics", "metrics", "network", "tables", "theory", "train", "__version__"]
