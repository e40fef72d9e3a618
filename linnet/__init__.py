"""linnet: theory and simulation of learning in linear neural networks, side by side.

Modules: :mod:`linnet.data` (tasks and data sets), :mod:`linnet.stats` (statistics, modes,
optima), :mod:`linnet.network` (weights, forward, loss, gradients), :mod:`linnet.train`
(gradient descent, SGD, gradient flow), :mod:`linnet.theory` (closed forms),
:mod:`linnet.metrics` (measurements), :mod:`linnet.tables` (tidy tables) and
:mod:`linnet.sweep` (grids of runs); :mod:`linnet.conventions` maps a run in another loss
convention to linnet's time.

Every submodule is imported on first use (PEP 562), so ``import linnet`` loads neither numpy's
companions (pandas, scipy) nor the modules a program does not touch.

Examples
--------
>>> from linnet import Statistics, train
>>> Statistics.__module__, train.__name__
('linnet.stats', 'linnet.train')
"""

from ._lazy import attach

SUBMODULES = ("cli", "conventions", "data", "metrics", "network", "stats", "sweep", "tables", "theory", "train")
__all__ = ["Modes", "Statistics", "conventions", "data", "metrics", "network", "sweep", "tables", "theory", "train",
           "__version__"]

_getattr, _dir = attach(__name__, SUBMODULES, {"Modes": "stats", "Statistics": "stats"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("linnet")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


def __getattr__(name: str):
    if name == "__version__":  # importlib.metadata alone costs as much as the rest of the import
        globals()["__version__"] = value = _version()
        return value
    return _getattr(name)


def __dir__():
    return sorted({*_dir(), "__version__"})
