"""The shape of the code others carry on (DESIGN.md and issue 9's reading rules), checked on the
source so that it stays true:

- no function longer than about 60 lines of code (docstring excluded);
- no function with more than 8 positional parameters (options are keyword-only);
- no module reading another module's private names (``other._name`` or
  ``from .other import _name``); private *modules* (``linnet/_validation.py``, ...) are shared
  within the package on purpose and their names are public there.

Each rule names every offender with its place, so a failure says what to split or rename.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("linnet", "analysis", "figures", "bench", "tools")
MAX_LINES = 60
MAX_POSITIONAL = 8


@functools.cache
def _sources() -> tuple:
    """(path, syntax tree) of every Python file of FOLDERS, parsed once per test session."""
    return tuple((path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8")))
                 for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.py")))


def _functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _code_lines(fn) -> int:
    """Lines from the first statement after the docstring to the function's end."""
    body = fn.body
    has_doc = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
        and isinstance(body[0].value.value, str)
    start = body[1].lineno if has_doc and len(body) > 1 else body[0].lineno
    return fn.end_lineno - start + 1


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_function_is_too_long():
    long = [f"{path}:{fn.lineno} {fn.name} ({_code_lines(fn)} lines)"
            for path, tree in _sources() for fn in _functions(tree) if _code_lines(fn) > MAX_LINES]
    assert not long, f"functions over {MAX_LINES} lines of code; split them: " + "; ".join(long)


def test_no_function_has_too_many_positional_parameters():
    wide = [f"{path}:{fn.lineno} {fn.name}" for path, tree in _sources() for fn in _functions(tree)
            if len(fn.args.posonlyargs) + len(fn.args.args) > MAX_POSITIONAL]
    assert not wide, (f"functions with more than {MAX_POSITIONAL} positional parameters; make "
                      "the options keyword-only: " + "; ".join(wide))


def _private_reads(tree):
    """``module._name`` on an imported module, and ``from module import _name``."""
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {a.asname or a.name for a in node.names}
            for a in node.names:
                if _private(a.name) and not (node.module or "").startswith("__future__"):
                    yield node.lineno, f"from {'.' * node.level}{node.module or ''} import {a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) \
                and isinstance(node.value, ast.Name) and node.value.id in imported:
            yield node.lineno, f"{node.value.id}.{node.attr}"


# A private module (its file name starts with "_") may be imported whole; what the rule forbids
# is reaching for a private *name* inside another module.
PRIVATE_MODULES = {p.stem for folder in FOLDERS for p in (ROOT / folder).rglob("_*.py")}


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_module_reads_another_modules_private_names(folder):
    found = [f"{path}:{line} {what}" for path, tree in _sources() if path.parts[0] == folder
             for line, what in _private_reads(tree)
             if what.split(" import ")[-1].split(".")[-1] not in PRIVATE_MODULES]
    assert not found, ("private names of another module are read; make them public (or move "
                       "them to a private shared module): " + "; ".join(found))
