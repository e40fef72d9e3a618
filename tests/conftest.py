"""Shared test setup: floating-point errors fail tests; scripts run in-process."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The suite must not depend on data a user downloaded: the loaders search the download cache
# $LINNET_DATA (an empty folder here, also for the subprocesses tests start), not ~/.cache/linnet.
os.environ["LINNET_DATA"] = tempfile.mkdtemp(prefix="linnet-test-data-")
atexit.register(shutil.rmtree, os.environ["LINNET_DATA"], ignore_errors=True)
os.environ.pop("LINNET_DATA_DIR_FLAG", None)  # messages in their plain wording (--data-dir)


def strict_floating_point():
    """Overflow, invalid operations and division by zero raise (DESIGN.md, Tests).

    Underflow stays silent: exp(-2st) → 0 at large t is the correct limit.
    """
    return np.errstate(all="raise", under="ignore")


@pytest.fixture(autouse=True)
def _strict_floating_point():
    with strict_floating_point():
        yield


def load_script(relpath: str):
    """Import ``analysis/x.py`` or ``figures/x.py`` as a module, to call its ``main(argv)``."""
    path = ROOT / relpath
    name = "_script_" + relpath.replace("/", "_").removesuffix(".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered as Python's import does: dataclasses (an analysis's spec) look their module up
    # in sys.modules to resolve string annotations.
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))  # so a figure script's `import _common` resolves
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def script_spec(name: str):
    """The :class:`linnet.experiment.Spec` subclass ``analysis/<name>.py`` defines (its parameters)."""
    from linnet import experiment

    module = load_script(f"analysis/{name}.py")
    (spec,) = [v for v in vars(module).values() if isinstance(v, type)
               and issubclass(v, experiment.Spec) and v.__module__ == module.__name__]
    return spec


def run_quick_analyses(names, folder: Path) -> Path:
    """Run ``analysis/<name>.py --quick`` for each name into ``folder``; return the folder.

    For module-scoped fixtures, which run outside the autouse floating-point fixture: this
    applies the same strict floating point itself.
    """
    with strict_floating_point():
        for name in names:
            rc = load_script(f"analysis/{name}.py").main(
                ["--quick", "--no-progress", "--out", str(folder / f"{name}.csv")])
            assert rc == 0, f"analysis/{name}.py --quick returned {rc!r}, not 0"
    return folder


def checked_quick_table(folder: Path, name: str):
    """``<folder>/<name>.csv`` of a ``--quick`` run, checked against its script's spec: every
    column its schema requires, a column for every parameter (the table records the values
    used), at least one row. Returned for the family's own checks."""
    from linnet import tables

    df = tables.read(folder / f"{name}.csv")
    spec = script_spec(name)
    assert set(spec.schema.required) <= set(df.columns)
    assert set(spec.quick().parameters()) <= set(df.columns)
    assert len(df) > 0
    return df


def check_figure(folder: Path, name: str, out_dir: Path) -> None:
    """Draw ``figures/<name>.py`` from the tables in ``folder``: PNG and PDF written, and its
    ``key_numbers`` in the gallery's form (columns quantity, value; 3–8 rows of non-empty text)."""
    out = out_dir / f"{name}.png"
    script = load_script(f"figures/{name}.py")
    assert (script.main(["--tables", str(folder), "--out", str(out)]) or 0) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".pdf").stat().st_size > 0
    numbers = script.key_numbers(folder)
    assert list(numbers.columns) == ["quantity", "value"] and 3 <= len(numbers) <= 8
    assert all(isinstance(v, str) and v for v in numbers.value)


@pytest.fixture
def run_script():
    """Run a script's ``main(argv)`` in-process and return its exit code."""

    def run(relpath: str, argv: list[str]) -> int:
        return load_script(relpath).main(argv) or 0

    return run
