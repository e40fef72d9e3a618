"""Every public function, class and method documents itself with a runnable ``Examples`` section.

The examples themselves run as doctests: pyproject.toml's pytest settings collect linnet/ with
``--doctest-modules`` next to tests/, so ``pytest`` and ``make test`` run them. This file checks
the two things a doctest run cannot see: that an example exists for every public name, and
that the doctests stay in the suite.

Public means: listed in the module's ``__all__``, a function or a class (constants and
re-exported submodules are not; nor are exception and warning classes, whose examples are
those of the functions that raise them); for a class also every method defined in it whose
name does not start with ``_`` (classmethods and staticmethods included). Properties are
attributes, not functions: the class's own example shows them.
"""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The modules whose public names must have examples: extend this tuple as modules get them.
MODULES = (
    "linnet.metrics",
    "linnet.network",
    "linnet.stats",
    "linnet.tables",
    "linnet.data.teacher",
    "linnet.data.whitening",
    "linnet.data.idx",
    "linnet._random",
    "linnet._files",
    "linnet.theory.saxe",
    "linnet.theory.deep",
    "linnet.theory.exact",
    "linnet.theory.generalisation",
    "linnet.data.noisy",
    "linnet.data.images",
    "linnet.data.fetch",
    "linnet.data.sources",
    "linnet.sweep.config",
    "linnet.sweep.training",
    "linnet.sweep.cache",
    "linnet.sweep.execution",
    "linnet.sweep.signals",
    "linnet.cli",
    "linnet.experiment",
    "linnet.setups",
    "linnet.notebook",
    "linnet.data.hierarchy",
    "linnet.theory.semantic",
    "linnet.tangent",
    "linnet.theory.curvature",
    "linnet.theory.prior",
    "linnet.conventions",
    "linnet.theory.transfer",
    "linnet.data.transfer",
)

# A numpydoc section header "Examples" underlined with dashes, followed (anywhere later) by a
# doctest prompt: a section with prose only would not be run.
_EXAMPLES = re.compile(r"^Examples\n-{8,}\n(?:.*\n)*?>>> ", re.MULTILINE)


def _has_examples(obj) -> bool:
    doc = inspect.getdoc(obj)
    return bool(doc and _EXAMPLES.search(doc + "\n"))


def _public_methods(cls) -> list[tuple[str, object]]:
    """``(name, function)`` of the public methods defined in ``cls`` itself."""
    out = []
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, (classmethod, staticmethod)):
            out.append((name, attr.__func__))
        elif inspect.isfunction(attr):
            out.append((name, attr))
    return out


def _public_objects(module) -> list[tuple[str, object]]:
    """``(qualified name, object)`` of every function, class and class method in ``__all__``."""
    out = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            out.append((f"{module.__name__}.{name}", obj))
        elif inspect.isclass(obj) and not issubclass(obj, BaseException):  # Warning included
            out.append((f"{module.__name__}.{name}", obj))
            out.extend((f"{module.__name__}.{name}.{m}", f) for m, f in _public_methods(obj))
    return out


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_has_examples(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), (
        f"{name} has no __all__: list its public names there, so that this test (and "
        "`from ... import *`) knows which names need an Examples section")
    objects = _public_objects(module)
    assert objects, f"{name}.__all__ lists no function or class; remove it from MODULES"
    missing = [qualname for qualname, obj in objects if not _has_examples(obj)]
    assert not missing, (
        f"{len(missing)} public name(s) of {name} have no numpydoc 'Examples' section with a "
        f"doctest (>>>): {', '.join(missing)}. Add one that runs in well under a second")


def test_the_check_recognises_an_examples_section():
    def with_examples():
        """Summary.

        Examples
        --------
        >>> 1 + 1
        2
        """

    def prose_only():
        """Summary.

        Examples
        --------
        Call it with no arguments.
        """

    def mentions_the_word():
        """See the Examples of another function.

        >>> 1 + 1
        2
        """

    assert _has_examples(with_examples)
    assert not _has_examples(prose_only)
    assert not _has_examples(mentions_the_word)
    assert not _has_examples(lambda: None)


def test_public_methods_include_classmethods_and_skip_private_ones():
    class Example:
        def method(self): ...

        @classmethod
        def build(cls): ...

        @staticmethod
        def helper(): ...

        @property
        def size(self): ...

        def _private(self): ...

    assert [name for name, _ in _public_methods(Example)] == ["method", "build", "helper"]


def test_doctests_are_part_of_the_suite():
    # `pytest` with no paths (as `make test` runs it) collects testpaths; --doctest-modules in
    # addopts makes every linnet module's docstring examples tests there.
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "linnet" in options["testpaths"], options["testpaths"]
    assert "--doctest-modules" in options["addopts"].split(), options["addopts"]
