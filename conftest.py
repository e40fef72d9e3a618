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
