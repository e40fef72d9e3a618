import numpy as np

import linnet
from linnet import Statistics


def test_package_imports_and_has_version():
    assert linnet.__version__ != "0.0.0+unknown"
    st = Statistics(np.eye(3), np.diag([3.0, 2.0, 1.0]), 14.0)
    assert st.is_white
    np.testing.assert_allclose(st.modes.s, [3.0, 2.0, 1.0])
