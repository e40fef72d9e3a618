"""The seed notebook's conventions against independent oracles.

- The step mapping η = 2·lr / P (linnet.notebook, docs/theory.md#other-conventions): the notebook's own
  code, transcribed from its cells In[24]-In[31] (tests/_oracles.py), takes the same steps as linnet's
  gradient descent at η = 2·lr / P; η = lr / P (this project's earlier reading) is detected.
- bench/seed_workload.py's baseline is that same code.
- The steps the notebook printed, from its In[31] loop.
- The Gauss-Newton sharpness formula λ_max(W32 W32ᵀ) + λ_max(W21 W21ᵀ) against the top eigenvalue
  of JᵀJ with the Jacobian J of W32 W21 built column by column.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_script

from _oracles import run_notebook

from linnet import Statistics, network, train


def rel(a, b) -> float:
    """Frobenius-norm relative difference ‖a − b‖ / ‖b‖."""
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def small_task(seed: int, *, white: bool):
    """A small noisy regression task (P = 40, N = 6, M = 3) and weights of scale 0.5 (H = 4)."""
    rng = np.random.default_rng([2, seed])
    P, N, H, M = 40, 6, 4, 3
    X = rng.standard_normal((P, N))
    if white:
        X = np.linalg.qr(X)[0] * np.sqrt(P)  # XᵀX / P = I
    Y = X @ rng.standard_normal((M, N)).T + 0.3 * rng.standard_normal((P, M))
    return X, Y, network.init_gaussian((N, H, M), 0.5, rng=rng)


@pytest.fixture(scope="module")
def bench():
    return load_script("bench/seed_workload.py")


@pytest.fixture(scope="module")
def nb():
    """linnet.notebook: the seed notebook's conventions that the analysis scripts share."""
    from linnet import notebook

    return notebook


# One step at lr 1 then three at lr 10 (the notebook's schedule, shortened); at P = 40 these are
# η = 0.05 and 0.5, stable for weights of scale 0.5 on this task.
LRS = [1.0, 10.0, 10.0, 10.0]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("white", [True, False])
def test_notebook_code_is_linnet_gd_at_two_lr_over_P(nb, seed, white):
    X, Y, (W21, W32) = small_task(seed, white=white)
    P = X.shape[0]
    nb_weights, nb_loss, _ = run_notebook(W21, W32, X, Y, LRS)
    stats = Statistics.from_data(X, Y)
    ws, losses = (W21, W32), [float(network.loss((W21, W32), X, Y))]
    for k, lr in enumerate(LRS):
        traj = train.gradient_descent(ws, stats, nb.eta_from_notebook(lr, P), 1, record_steps=[1])
        ws = traj.weights
        losses.append(float(traj.loss[-1]))
        # The same update in two summation orders (per-sample outer products averaged, against
        # products of the P-sample statistics): relative round-off ~P·eps ≈ 1e-14 a step, and a
        # few stable steps do not amplify it; 1e-12 is the criterion.
        for mine, theirs in zip(ws, nb_weights[k]):
            assert rel(mine, theirs) < 1e-12
    # Its loss has no ½: L_nb = 2 L (the same sums, so round-off only).
    np.testing.assert_allclose(nb_loss, 2 * np.array(losses), rtol=1e-12)


@pytest.mark.parametrize("white", [True, False])
def test_step_at_lr_over_P_is_half_the_notebook_step(white):
    """η = lr/P, the earlier reading, moves the weights exactly half as far as the notebook does."""
    X, Y, (W21, W32) = small_task(0, white=white)
    P = X.shape[0]
    stats = Statistics.from_data(X, Y)
    [(V21, V32)], _, _ = run_notebook(W21, W32, X, Y, [10.0])
    old = train.gradient_descent((W21, W32), stats, 10.0 / P, 1).weights
    for W0, Wold, Wnb in zip((W21, W32), old, (V21, V32)):
        # One step is W0 − η G, linear in η: round-off of the two gradients only (see above).
        assert rel(Wold - W0, 0.5 * (Wnb - W0)) < 1e-12
        # ... so the mismatch is half the notebook's step, far above the 1e-12 the test above
        # allows: the old mapping cannot pass it. (Here the step is 0.1-10 % of the weights.)
        assert rel(Wold, Wnb) > 1e-4


@pytest.mark.parametrize("seed", range(2))
def test_bench_baseline_is_the_notebook_code(bench, nb, seed):
    X, Y, (W21, W32) = small_task(seed, white=True)
    P = X.shape[0]
    V21, V32 = bench.notebook_train(W21, W32, X, Y, 1.0, 1)
    V21, V32 = bench.notebook_train(V21, V32, X, Y, 10.0, 3)
    nb_weights, nb_loss, _ = run_notebook(W21, W32, X, Y, LRS)
    # The bench's loop is the notebook's code with its cells inlined: the same operations in the
    # same order, so the same bits.
    np.testing.assert_array_equal(V21, nb_weights[-1][0])
    np.testing.assert_array_equal(V32, nb_weights[-1][1])
    assert bench.notebook_loss(V21, V32, X, Y) == nb_loss[-1]
    traj = train.gradient_descent((W21, W32), Statistics.from_data(X, Y),
                                  nb.eta_from_notebook(1.0, P), 1)
    traj = train.gradient_descent(traj.weights, Statistics.from_data(X, Y),
                                  nb.eta_from_notebook(10.0, P), 3)
    assert rel(traj.weights[0], V21) < 1e-12 and rel(traj.weights[1], V32) < 1e-12  # as above


def test_eta_mapping_and_the_three_regimes(nb):
    for lr, P in ((1.0, 1000), (10.0, 1000), (3.0, 40)):
        # 2·lr/P: a product and a division, round-off only.
        assert nb.eta_from_notebook(lr, P) == pytest.approx(2 * lr / P, rel=1e-15)
    eta = nb.eta_from_notebook
    phases = nb.schedules(nb.SeedNotebook(steps=100))
    assert phases["notebook_schedule"] == [(1, eta(1.0)), (100, eta(10.0))]
    assert phases["half_notebook"] == [(1, eta(1.0)), (100, pytest.approx(eta(10.0) / 2, rel=1e-15))]
    assert phases["below_bound"] == [(101, eta(1.0))]


def test_printed_steps_are_the_notebook_loop_lines(nb):
    nsteps = 10000
    # In[29] takes step 1; In[31]'s iteration i is the net's step 1 + i and prints when
    # (i + 1) % 1000 == 0, so these are the global steps of its printed lines.
    loop = [1 + i for i in range(1, nsteps + 1) if (i + 1) % 1000 == 0]
    np.testing.assert_array_equal(nb.printed_steps(nsteps + 1), [0, 1] + loop)
    grid, printed = nb.recording_grid(nsteps + 1)
    assert grid[-1] == nsteps + 1 and not printed[-1]  # the run's last step printed nothing
    np.testing.assert_array_equal(grid[printed], [0, 1] + loop)


@pytest.mark.parametrize("seed", range(3))
def test_gauss_newton_sharpness_against_explicit_jacobian(nb, seed):
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
    np.testing.assert_allclose(nb.gauss_newton_sharpness((W21, W32)), top, rtol=1e-10)
    # Ensemble axis: one value per member.
    both = nb.gauss_newton_sharpness((np.stack([W21, 2 * W21]), np.stack([W32, W32])))
    assert both.shape == (2,) and both[0] == pytest.approx(top, rel=1e-10)


def test_run_phases_with_a_phase_that_records_nothing():
    """A phase holding none of the recorded steps still runs (it crashed: gradient_descent got an
    empty record), and the rows it does record equal those of a run recording every step."""
    import numpy as np

    from linnet import Statistics, network, setups

    st = Statistics(np.eye(2), np.diag([2.0, 1.0]), 5.0)
    w = network.stack([network.init_gaussian((2, 2, 2), 0.1, rng=np.random.default_rng(0))])
    phases = [(10, 0.1), (10, 0.1), (100, 0.2)]  # the second phase holds no recorded step
    some = setups.run_phases(w, st, phases, np.array([0, 5, 120]), np.diag([2.0, 1.0]))
    every = setups.run_phases(w, st, phases, np.arange(121), np.diag([2.0, 1.0]))
    for key in ("loss", "norm_W21", "norm_W32", "dist", "time"):
        # records do not change the arithmetic: the same bits
        np.testing.assert_array_equal(some[key], every[key][[0, 5, 120]])
