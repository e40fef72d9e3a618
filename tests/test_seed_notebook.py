"""The seed notebook's conventions against independent oracles.

- The step mapping η = lr / P (analysis/seed_notebook.py): the notebook's own loop, as written out
  in bench/seed_workload.py, takes the same steps as linnet's gradient descent at η = lr / P.
- The Gauss-Newton sharpness formula λ_max(W32 W32ᵀ) + λ_max(W21 W21ᵀ) against the top eigenvalue
  of JᵀJ with the Jacobian J of W32 W21 built column by column.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_script

from linnet import Statistics, network, train


@pytest.fixture(scope="module")
def bench():
    return load_script("bench/seed_workload.py")


@pytest.fixture(scope="module")
def analysis():
    return load_script("analysis/seed_notebook.py")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("whiten", [True, False])
def test_notebook_step_is_linnet_step_at_lr_over_P(bench, seed, whiten):
    rng = np.random.default_rng([2, seed])
    P, N, H, M = 40, 6, 4, 3
    X = rng.standard_normal((P, N))
    if whiten:
        X = np.linalg.qr(X)[0] * np.sqrt(P)  # X^T X / P = I
    Y = X @ rng.standard_normal((M, N)).T + 0.3 * rng.standard_normal((P, M))
    W21, W32 = network.init_gaussian((N, H, M), 0.5, rng=rng)
    lr = 2.0  # the notebook's lr; its gradient carries an extra 1/P
    V21, V32 = bench.notebook_train(W21, W32, X, Y, lr, 5)
    traj = train.gradient_descent((W21, W32), Statistics.from_data(X, Y), lr / P, 5)
    # Same arithmetic in a different order (broadcast means vs statistics): five steps of
    # round-off on O(1) entries stay below 1e-13; 1e-11 leaves room for any seed.
    np.testing.assert_allclose(traj.weights[0], V21, rtol=0, atol=1e-11)
    np.testing.assert_allclose(traj.weights[1], V32, rtol=0, atol=1e-11)
    # The notebook's loss, in linnet's ½-per-sample convention, is linnet's loss.
    np.testing.assert_allclose(bench.notebook_loss(V21, V32, X, Y), traj.loss[-1], rtol=1e-12)


def test_eta_mapping_of_the_notebook_schedule(analysis):
    assert analysis.eta_from_notebook(1.0) == pytest.approx(1e-3, rel=1e-15)
    assert analysis.eta_from_notebook(10.0) == pytest.approx(1e-2, rel=1e-15)
    phases = analysis.schedules(100)
    # lr / P for lr = 1 and 10, P = 1000: one division, so round-off only.
    assert phases["notebook_schedule"] == [(1, pytest.approx(1e-3, rel=1e-15)),
                                           (100, pytest.approx(1e-2, rel=1e-15))]
    assert sum(n for n, _ in phases["below_bound"]) == 101  # same number of steps in all


@pytest.mark.parametrize("seed", range(3))
def test_gauss_newton_sharpness_against_explicit_jacobian(analysis, seed):
    rng = np.random.default_rng([3, seed])
    N, H, M = 5, 4, 3
    W21, W32 = rng.standard_normal((H, N)), rng.standard_normal((M, H))
    cols = []
    for shape, which in (((H, N), 0), ((M, H), 1)):
        for idx in np.ndindex(*shape):
            d = np.zeros(shape)
            d[idx] = 1.0
            cols.append((W32 @ d if which == 0 else d @ W21).ravel())  # d(W32 W21) per parameter
    J = np.stack(cols, axis=1)  # (M·N, parameters)
    top = np.linalg.eigvalsh(J.T @ J)[-1]
    # Two routes to the same eigenvalue of an O(10) matrix: round-off only.
    np.testing.assert_allclose(analysis.gauss_newton_sharpness((W21, W32)), top, rtol=1e-10)
    # Ensemble axis: one value per member.
    both = analysis.gauss_newton_sharpness((np.stack([W21, 2 * W21]), np.stack([W32, W32])))
    assert both.shape == (2,) and both[0] == pytest.approx(top, rel=1e-10)
