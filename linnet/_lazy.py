"""Lazy attributes of a package (PEP 562): a submodule is imported when a name of it is first used.

``import linnet`` then costs almost nothing, and a process imports only what it uses: a sweep
worker never loads the theory's ODE solvers, a download never loads pandas. Like
:mod:`linnet._validation`, this module imports nothing of linnet.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["attach"]


def attach(package: str, submodules=(), names: dict[str, str] | None = None):
    """``__getattr__`` and ``__dir__`` for a package whose attributes load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : iterable of str
        Submodules reachable as attributes (``linnet.train``).
    names : dict, optional
        Attribute → the submodule (relative to ``package``) that defines it under the same name.

    Returns
    -------
    getattr, dir : callables
        Assign them to the package's ``__getattr__`` and ``__dir__``.

    Examples
    --------
    >>> getattr_, dir_ = attach("json", names={"JSONDecoder": "decoder"})
    >>> getattr_("JSONDecoder").__module__
    'json.decoder'
    >>> "JSONDecoder" in dir_()
    True
    """
    submodules = frozenset(submodules)
    names = dict(names or {})

    def __getattr__(name: str):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in names:
            return getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():  # what is loaded already, and what would load on first use
        return sorted(set(vars(sys.modules[package])) | submodules | names.keys())

    return __getattr__, __dir__
