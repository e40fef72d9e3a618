"""Write the API reference's pages from a walk over linnet's public modules.

Run by ``docs/conf.py`` on every build, so a new module appears without an edit here: every
module and package under ``linnet`` whose dotted name has no part starting with ``_`` gets a
page, with its docstring (``automodule``) and an ``autosummary`` table of the functions and
classes its ``__all__`` lists *and defines* (a name re-exported from another module is
documented once, on its defining module's page, and linked from the re-exporting one).
autosummary then writes one page per function and class, with the docstring's Examples.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import linnet


def public_modules(package=linnet) -> list[str]:
    """Dotted names of linnet and of every public module below it, sorted."""
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def documented_names(module) -> tuple[list[str], list[str]]:
    """(defined here, re-exported from elsewhere): the functions and classes in ``__all__``."""
    own, other = [], []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants, submodules
        home = obj.__module__
        # Defined here, or in a private module (linnet._random) that has no page of its own.
        here = home == module.__name__ or any(p.startswith("_") for p in home.split("."))
        (own if here else other).append(name)
    return own, other


def module_page(name: str) -> str:
    """reStructuredText of one module's page."""
    module = importlib.import_module(name)
    own, other = documented_names(module)
    lines = [f"``{name}``", "=" * (len(name) + 4), "", f".. automodule:: {name}", "   :no-members:", ""]
    if own:
        lines += [".. currentmodule:: " + name, "", ".. autosummary::", "   :toctree: generated",
                  "   :nosignatures:", ""] + [f"   {n}" for n in own] + [""]
    if other:
        lines += ["Also importable from here:", ""]
        lines += [f"- :obj:`{name}.{n} <{getattr(module, n).__module__}.{n}>`" for n in other]
        lines.append("")
    return "\n".join(lines)


def write_pages(folder: Path) -> list[str]:
    """Write ``<folder>/<module>.rst`` for every public module and ``index.rst``; return the modules."""
    folder.mkdir(parents=True, exist_ok=True)
    names = public_modules()
    for name in names:
        _write_if_changed(folder / f"{name}.rst", module_page(name))
    index = ["API reference", "=============", "",
             "Every public module of linnet, found by walking the package (``docs/apigen.py``);",
             "each function and class has its own page with the docstring's runnable Examples.", "",
             ".. toctree::", "   :maxdepth: 1", ""] + [f"   {n}" for n in names]
    _write_if_changed(folder / "index.rst", "\n".join(index) + "\n")
    for stale in folder.glob("*.rst"):  # a module that was removed or renamed
        if stale.stem not in names and stale.stem != "index":
            stale.unlink()
    _remove_stale_stubs(folder / "generated", names)
    return names


def _remove_stale_stubs(stubs: Path, names: list[str]) -> None:
    """Delete autosummary's page of a function or class that is no longer public: autosummary
    only adds pages, and one whose object is gone fails the build (-W) when autodoc cannot
    import it."""
    wanted = {f"{name}.{obj}" for name in names
              for obj in documented_names(importlib.import_module(name))[0]}
    for page in stubs.glob("*.rst"):
        if page.stem not in wanted:
            page.unlink()


def _write_if_changed(path: Path, text: str) -> None:
    # Sphinx rebuilds a page whose source file is newer: rewriting unchanged pages would rebuild all.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
