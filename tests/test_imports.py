"""Start-up: ``import linnet`` loads no heavy dependency, and each use loads only what it needs.

Checked on ``sys.modules`` of a fresh interpreter (a subprocess), not on timings: what is
imported is a property of the code, how long it takes is one of the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy", "scipy.integrate", "scipy.linalg", "matplotlib", "numba", "joblib")


def _loaded_after(code: str) -> set[str]:
    """The modules of HEAVY and of linnet that a fresh interpreter holds after running ``code``."""
    probe = (f"{code}\nimport json, sys\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
             f"('linnet', *{HEAVY!r}))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_import_linnet_loads_no_dependency():
    loaded = _loaded_after("import linnet")
    assert loaded & set(HEAVY) == set(), sorted(loaded)
    assert loaded <= {"linnet", "linnet._lazy"}, sorted(loaded)


@pytest.mark.parametrize("code, absent", [
    # Building the command line's parser (every `python -m linnet ...` does) needs the sweep's
    # configuration only, neither pandas nor the training code.
    ("from linnet import cli; cli.build_parser()", ("pandas", "scipy", "linnet.train")),
    # The data registry is the standard library only (the Makefile runs it without numpy).
    ("from linnet.data import sources; sources.resolve('mnist')", ("numpy", "pandas", "scipy")),
    # A sweep's configurations need no pandas; a download needs no numpy stack at all.
    ("from linnet import sweep; sweep.grid(lr=[0.1, 0.2])", ("pandas", "scipy", "linnet.train")),
    ("from linnet.data import download", ("pandas", "scipy")),
], ids=["cli-parser", "data-registry", "sweep-grid", "download"])
def test_each_use_loads_only_what_it_needs(code, absent):
    loaded = _loaded_after(code)
    assert not any(m in loaded for m in absent), sorted(loaded)


def test_public_names_still_import():
    """The names users import from the package, each resolved on first use."""
    loaded = _loaded_after(
        "from linnet import Statistics, Modes, data, network, train, theory, metrics, tables, sweep\n"
        "import linnet\n"
        "assert linnet.__version__ and Statistics.__name__ == 'Statistics'\n"
        "assert data.load and sweep.run and sweep.grid and train.gradient_descent\n"
        "assert set(linnet.__all__) <= set(dir(linnet))")
    assert {"linnet.stats", "linnet.data.images", "linnet.sweep.execution"} <= loaded


def test_unknown_attribute_is_an_attribute_error():
    import linnet

    with pytest.raises(AttributeError, match="no attribute 'trian'"):
        linnet.trian  # noqa: B018 (a typo must fail as a plain attribute lookup does)
