"""pytest setup for the whole checkout: tests/ and the doctests of linnet/ (Examples sections).

tests/conftest.py holds what only tests/ needs; this file holds what the docstring examples
need too, since pyproject's testpaths collect both.
"""

import numpy as np
import pytest


@pytest.fixture(autouse=True, scope="session")
def _numpy_in_doctests(doctest_namespace):
    """Examples use ``np`` without importing it: the numpydoc convention."""
    doctest_namespace["np"] = np


@pytest.fixture(autouse=True)
def _temporary_files_stay_in_pytest(request, tmp_path, monkeypatch):
    """Examples that make temporary folders (``tempfile.mkdtemp()``, ``TemporaryDirectory``)
    make them under pytest's own per-test folder, which pytest prunes: a test run leaves
    nothing behind in the system's /tmp. Only doctests: tests/ use ``tmp_path`` directly."""
    if isinstance(request.node, pytest.DoctestItem):
        import tempfile

        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
