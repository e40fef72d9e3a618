"""Ensembles: K networks stepping together along a leading axis are K independent networks.

The oracle is the same network trained alone, by the same kernel (tests/test_kernels.py
compares the kernels with the reference, with tolerances for the round-off that diverging
members amplify). Members never mix in any product, so the only allowed difference is round-off from a
different BLAS call pattern: the tolerance 1e-12 (the issue's) is ~5000 ulps of the O(1)
losses and weights over a few hundred steps, while any mixing of members or a wrong step size
would show at O(lr) = 1e-2 or more.
"""

from __future__ import annotations

import numpy as np
import pytest

from linnet import _reference, kernels, network, train
from linnet.kernels import numpy_kernel
from linnet.stats import Statistics
from linnet.tables import rng_for

from _seeds import seeds

SEEDS = seeds([0, 1, 2])  # LINNET_TEST_SEEDS=0-99 runs any others

TOL = 1e-12  # see the module docstring


def _task(white: bool, seed: int, n_in=12, n_out=5, P=200):
    rng = rng_for("test_ensemble", "task", seed)
    X = rng.standard_normal((P, n_in))
    if white:
        X -= X.mean(0)
        Q, _ = np.linalg.qr(X)
        X = Q * np.sqrt(P)  # Σ11 = I exactly (up to round-off)
    Y = X @ rng.standard_normal((n_in, n_out)) + 0.3 * rng.standard_normal((P, n_out))
    return Statistics.from_data(X, Y)


def _members(seed, widths, K):
    """K initial networks with different scales and learning rates, some beyond the bound."""
    rng = rng_for("test_ensemble", "init", seed)
    scales = np.geomspace(0.05, 0.6, K)
    inits = [network.init_gaussian(widths, s, rng=rng) for s in scales]
    return network.stack(inits)


@pytest.mark.parametrize("white", [True, False], ids=["white", "correlated"])
@pytest.mark.parametrize("widths", [(12, 5), (12, 7, 5), (12, 6, 8, 5)], ids=["L1", "L2", "L3"])
@pytest.mark.parametrize("seed", SEEDS[:2] if len(SEEDS) <= 3 else SEEDS)
def test_member_equals_the_same_network_alone(white, widths, seed):
    stats = _task(white, seed)
    K = 9
    ws = _members(seed, widths, K)
    bound = train.stability_bound(float(stats.modes.s[0]), len(widths) - 1)
    # From well inside the stable range to 8x beyond it: some members diverge within the
    # steps (the linear L = 1 case grows only like |1 - lr·λ|^k).
    lr = np.geomspace(0.05, 8.0, K) * bound
    steps = 200
    rec = np.arange(0, steps + 1, 7)
    # One kernel for both: with numba for the ensemble and numpy alone, members near the
    # bound amplify the kernels' different round-off to 1e-10 and more on an AVX2 CPU.
    kernel = kernels.size_independent_kernel()
    ens = train.gradient_descent(ws, stats, lr, steps, record_steps=rec, keep_weights=True,
                                 kernel=kernel)
    for k in range(K):
        one = train.gradient_descent(tuple(W[k] for W in ws), stats, lr[k], steps,
                                     record_steps=rec, keep_weights=True, kernel=kernel)
        assert ens.diverged[k] == one.diverged and ens.diverged_step[k] == one.diverged_step
        np.testing.assert_array_equal(np.isnan(ens.loss[:, k]), np.isnan(one.loss))
        np.testing.assert_allclose(ens.loss[:, k], one.loss, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(ens.time[:, k], one.time, rtol=0, atol=0)
        ok = ~np.isnan(one.loss)
        np.testing.assert_allclose(ens.product[ok, k], one.product[ok], rtol=TOL, atol=TOL)
        for Wk, W1 in zip(ens.weights, one.weights):
            with np.errstate(invalid="ignore"):  # a diverged member's weights may hold inf
                np.testing.assert_allclose(Wk[k], W1, rtol=TOL, atol=TOL)
        for r in np.flatnonzero(ok):
            for Hk, H1 in zip(ens.history[r], one.history[r]):
                np.testing.assert_allclose(Hk[k], H1, rtol=TOL, atol=TOL)
    assert ens.diverged.any() and not ens.diverged.all()  # the test exercised both kinds


@pytest.mark.parametrize("grid", ["every", "sparse", "ends"])
@pytest.mark.parametrize("seed", SEEDS)
def test_diverging_member_is_frozen_at_its_first_non_finite_loss(seed, grid):
    """The divergence step (and the freezing) against the reference, which evaluates every
    member's loss at every step; recording every step, every 9th or only the ends puts the
    divergence steps between records and on them."""
    stats = _task(True, seed)
    widths = (12, 7, 5)
    K = 8
    ws = _members(seed, widths, K)
    lr = np.geomspace(0.2, 4.0, K) * train.stability_bound(float(stats.modes.s[0]), 2)
    steps = 120
    rec = {"every": np.arange(steps + 1), "sparse": np.arange(0, steps + 1, 9),
           "ends": np.array([0, steps])}[grid]
    tr = train.gradient_descent(ws, stats, lr, steps, record_steps=rec, keep_weights=True)
    for k in range(K):
        # Oracle: the reference, plain updates with the loss checked at every step.
        first = _reference.gradient_descent([W[k] for W in ws], stats, lr[k], steps,
                                            rec)["diverged_step"]
        assert tr.diverged_step[k] == first and tr.diverged[k] == (first >= 0)
        before = tr.step < first if first >= 0 else np.ones(rec.size, dtype=bool)
        assert np.all(np.isfinite(tr.loss[before, k])) and np.all(np.isnan(tr.loss[~before, k]))
        if first >= 0:
            assert np.all(np.isnan(tr.product[tr.step > first, k]))
            # "Frozen": its final weights are those of the step where the loss went non-finite.
            # (Not compared with the oracle's weights: a diverging run amplifies round-off of
            # a different operation order without bound, ~1e-9 relative by then.)
            with np.errstate(all="ignore"):
                assert not np.isfinite(stats.loss(network.end_to_end([W[k] for W in tr.weights])))
            if grid == "every":
                for Wf, H in zip(tr.weights, tr.history[first]):
                    np.testing.assert_array_equal(Wf[k], H[k])
            for r in np.flatnonzero(tr.step > first):
                assert all(np.isnan(H[k]).all() for H in tr.history[r])
    assert tr.diverged.any() and not tr.diverged.all()
    assert "stable near the optimum only for lr <" in tr.message


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
def test_threads_and_blocks_change_no_number(monkeypatch, kernel):
    """Members are split into cache-sized blocks (numpy) and over threads (one per core);
    any split gives the same bits."""
    if kernel == "numba":
        pytest.importorskip("numba")
    stats = _task(True, 0)
    ws = _members(0, (12, 7, 5), 24)
    lr = np.geomspace(0.05, 2.0, 24) * train.stability_bound(float(stats.modes.s[0]), 2)
    runs = []
    for n, block_bytes in [(1, 1 << 40), (3, 1 << 40), (1, 1), (2, 20_000)]:
        monkeypatch.setattr(kernels, "n_threads", lambda members, n=n, **_: n)
        # One block ... one per member.
        monkeypatch.setattr(numpy_kernel, "_BLOCK_BYTES", block_bytes)
        runs.append(train.gradient_descent(ws, stats, lr, 150, keep_weights=True, kernel=kernel))
    a = runs[0]
    for b in runs[1:]:
        np.testing.assert_array_equal(a.loss, b.loss)
        np.testing.assert_array_equal(a.product, b.product)
        np.testing.assert_array_equal(a.diverged_step, b.diverged_step)
        for x, y in zip(a.weights, b.weights):
            np.testing.assert_array_equal(x, y)
