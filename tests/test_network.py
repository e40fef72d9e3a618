"""Network weights, forward pass, loss and gradients (linnet.network).

The oracle for every gradient is a central finite difference of the loss measured on the
samples, ``network.loss(weights, X, Y)`` — the definition (1/2P) Σ‖y − W x‖², not the
statistics. The loss is a quadratic polynomial in any single weight entry (the end-to-end map
is linear in each layer), so a central difference is exact up to round-off for any step h:
the check has no truncation error and its tolerance only covers floating-point cancellation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linnet import Statistics, metrics, network
from linnet.data import teacher_task

from _oracles import central_differences
from _seeds import seeds

SEEDS = seeds([0, 7, 42, 99])


def _data(rng, P, N, M, *, white):
    """Random samples: exactly whitened inputs, or correlated non-white ones."""
    if white:
        task = teacher_task(N, M, P, rng=rng, spectrum="gaussian", whiten=True, noise=0.5)
        return task.X, task.Y
    # Correlated columns with scales from 0.3 to 3 make Σ11 far from a multiple of I.
    X = rng.standard_normal((P, N)) @ (rng.standard_normal((N, N)) * np.geomspace(0.3, 3, N))
    Y = rng.standard_normal((P, M))
    return X, Y


def _weights(rng, widths, ensemble=None, scale=0.7):
    lead = () if ensemble is None else (ensemble,)
    return tuple(scale * rng.standard_normal(lead + (b, a)) for a, b in zip(widths[:-1], widths[1:]))


def _fd_gradients(weights, X, Y, h=1e-3):
    """Central differences of the data loss for one network (no ensemble axis)."""
    return central_differences(lambda w: network.loss(w, X, Y), weights, h)


def _assert_close_to_fd(analytic, fd, loss_scale):
    # The central difference is exact for a quadratic; what remains is the round-off of two
    # losses of size ~loss_scale divided by 2h = 2e-3: about 1e-16 · loss_scale · (number of
    # summed terms ~1e2) / 2e-3 ≈ 1e-11 · loss_scale. 1e-9 · loss_scale leaves a factor 100.
    for g, f in zip(analytic, fd):
        np.testing.assert_allclose(g, f, rtol=0, atol=1e-9 * max(1.0, loss_scale))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    N=st.integers(1, 5),
    M=st.integers(1, 4),
    white=st.booleans(),
)
def test_gradients_match_finite_differences_random_shapes(seed, hidden, N, M, white):
    rng = np.random.default_rng(seed)
    X, Y = _data(rng, 12, N, M, white=white)
    stats = Statistics.from_data(X, Y)
    ws = _weights(rng, (N, *hidden, M))
    analytic = network.gradients(ws, stats)
    fd = _fd_gradients(ws, X, Y)
    _assert_close_to_fd(analytic, fd, float(network.loss(ws, X, Y)))
    # Backpropagation on the samples is a second, independent route to the same numbers:
    # both are exact, so they agree to round-off of O(1) gradients (1e-10 is 1e6 ulps).
    for g, b in zip(analytic, network.gradients_from_data(ws, X, Y)):
        np.testing.assert_allclose(g, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("white", [True, False])
@pytest.mark.parametrize("widths", [(5, 4, 3), (6, 5, 4, 3), (4, 3, 6, 2, 3)])
def test_gradients_every_layer_depth_2_and_deeper(seed, white, widths):
    rng = np.random.default_rng(seed)
    X, Y = _data(rng, 20, widths[0], widths[-1], white=white)
    stats = Statistics.from_data(X, Y)
    assert stats.is_white == white
    ws = _weights(rng, widths)
    _assert_close_to_fd(network.gradients(ws, stats), _fd_gradients(ws, X, Y),
                        float(network.loss(ws, X, Y)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("white", [True, False])
@pytest.mark.parametrize("widths", [(5, 4, 3), (4, 6, 5, 2)])
def test_gradients_with_ensemble_axis_equal_each_member_alone(seed, white, widths):
    rng = np.random.default_rng(seed)
    X, Y = _data(rng, 15, widths[0], widths[-1], white=white)
    stats = Statistics.from_data(X, Y)
    K = 3
    ws = _weights(rng, widths, ensemble=K)
    batched = network.gradients(ws, stats)
    batched_data = network.gradients_from_data(ws, X, Y)
    losses = network.loss(ws, X, Y)
    assert losses.shape == (K,)
    for k in range(K):
        member = tuple(W[k] for W in ws)
        alone = network.gradients(member, stats)
        # Same arithmetic, batched or not: agreement to a few ulps of O(1) numbers.
        for gb, gd, ga in zip(batched, batched_data, alone):
            np.testing.assert_allclose(gb[k], ga, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(gd[k], ga, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(losses[k], network.loss(member, X, Y), rtol=1e-13)
    # And one member against the finite-difference oracle.
    member = tuple(W[1] for W in ws)
    _assert_close_to_fd([g[1] for g in batched], _fd_gradients(member, X, Y), float(losses[1]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("white", [True, False])
def test_loss_from_stats_equals_loss_on_data(seed, white):
    rng = np.random.default_rng(seed)
    X, Y = _data(rng, 30, 6, 4, white=white)
    stats = Statistics.from_data(X, Y)
    ws = _weights(rng, (6, 5, 4), ensemble=4)
    direct = network.loss(ws, X, Y)
    # Σ-form vs sample-form: both sum O(P·M) terms of size ~direct; 1e-10 relative is far above
    # the round-off (~1e-14) and far below any formula error (which would be O(1)).
    np.testing.assert_allclose(network.loss_from_stats(ws, stats), direct, rtol=1e-10)


def test_forward_and_end_to_end_shapes_and_values():
    rng = np.random.default_rng(3)
    ws = _weights(rng, (5, 4, 3, 2), ensemble=6)
    X = rng.standard_normal((7, 5))
    out = network.forward(ws, X)
    assert out.shape == (6, 7, 2)
    W = network.end_to_end(ws)
    assert W.shape == (6, 2, 5)
    # The same products associated in another order: a few ulps of O(1) numbers.
    np.testing.assert_allclose(out, X @ np.swapaxes(W, -1, -2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(W[2], ws[2][2] @ ws[1][2] @ ws[0][2], rtol=1e-13)
    assert network.widths(ws) == (5, 4, 3, 2)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("widths", [(6, 8, 4), (6, 3, 4), (6, 5, 7, 4)])
def test_init_aligned_sets_each_mode_strength(seed, widths):
    rng = np.random.default_rng(seed)
    task = teacher_task(widths[0], widths[-1], 40, rng=rng)
    stats = Statistics.from_data(task.X, task.Y)
    k = min(stats.modes.rank, *widths[1:-1])
    u0 = np.geomspace(1e-3, 1e-1, k)
    ws = network.init_aligned(stats.modes, widths, u0, rng=rng)
    S = metrics.mode_strengths(network.end_to_end(ws), stats.modes)
    expect = np.zeros(stats.modes.rank)
    expect[:k] = u0
    # Products of orthonormal factors: exact up to a few ulps of the O(0.1) strengths.
    np.testing.assert_allclose(S, np.diag(expect), rtol=0, atol=1e-14)
    # Balanced: every adjacent pair has W_l W_lᵀ = W_{l+1}ᵀ W_{l+1} (zero imbalance).
    np.testing.assert_allclose(metrics.balancedness(ws), 0.0, atol=1e-14)


def test_init_gaussian_shapes_scale_and_determinism():
    ws = network.init_gaussian((30, 40, 20), 0.5, rng=np.random.default_rng(1), ensemble=5)
    assert [W.shape for W in ws] == [(5, 40, 30), (5, 20, 40)]
    again = network.init_gaussian((30, 40, 20), 0.5, rng=np.random.default_rng(1), ensemble=5)
    for a, b in zip(ws, again):
        np.testing.assert_array_equal(a, b)
    # Sample std of 6000 and 4000 N(0, 0.25) entries: relative standard error ~1/sqrt(2n) < 1.2%,
    # so 6% is five standard errors.
    for W in ws:
        assert abs(W.std() / 0.5 - 1) < 0.06
    scaled = network.init_gaussian((400, 300), 2.0, rng=np.random.default_rng(2), fan_in=True)
    assert abs(scaled[0].std() / (2.0 / np.sqrt(400)) - 1) < 0.01  # 120000 entries: SE 0.2%


def test_random_orthogonal_is_orthogonal_and_reproducible():
    Q = network.random_orthogonal(7, rng=np.random.default_rng(5))
    np.testing.assert_allclose(Q.T @ Q, np.eye(7), atol=1e-14)  # a QR factor: ~n·ε off I
    np.testing.assert_array_equal(Q, network.random_orthogonal(7, rng=np.random.default_rng(5)))


def test_metrics_on_known_maps():
    rng = np.random.default_rng(12)
    task = teacher_task(7, 4, 40, rng=rng, noise=0.1)
    stats = Statistics.from_data(task.X, task.Y)
    m = stats.modes
    # Whitened inputs, so input_map = V and W = U C Vᵀ has mode strengths Uᵀ W V = C.
    assert stats.is_white
    C = np.array([[3.0, 0.2, 0, 0], [0, 2.0, 0, -0.5], [0, 0, 1.0, 0], [0.1, 0, 0, 0.5]])
    W = m.U @ C @ m.V.T
    # Below: orthonormal factors applied to O(1) maps, so round-off of a few ulps of ‖C‖ = 3.
    np.testing.assert_allclose(metrics.mode_strengths(W, m), C, atol=1e-13)
    np.testing.assert_allclose(metrics.mode_strength_diagonal(W, m), np.diag(C), atol=1e-13)
    assert metrics.max_offdiagonal(W, m) == pytest.approx(0.5, abs=1e-13)
    assert metrics.distance_to_optimum(stats.optimum(), stats) == pytest.approx(0.0, abs=1e-13)
    D = rng.standard_normal((3, 4, 7))
    np.testing.assert_allclose(metrics.distance_to_optimum(stats.optimum(2) + D, stats, rank=2),
                               np.linalg.norm(D, axis=(1, 2)), rtol=1e-12)
    ws = _weights(rng, (7, 5, 4), ensemble=3)
    norms = metrics.weight_norms(ws)
    assert norms.shape == (2, 3)
    np.testing.assert_allclose(norms[1, 2], np.linalg.norm(ws[1][2]), rtol=1e-14)
    # Accuracy: the argmax of the outputs against labels.
    X = np.eye(4)[:, :3] * [1.0, 2.0, 3.0]  # 4 samples, 3 inputs; sample 3 is all zeros
    labels = np.array([0, 1, 2, 0])
    assert metrics.accuracy(np.eye(3), X, labels) == 1.0  # k/4 is exact in binary
    assert metrics.accuracy(np.eye(3)[[1, 0, 2]], X, labels) == 0.5


def test_stack_builds_an_ensemble_member_by_member_and_refuses_mismatched_networks():
    rng = np.random.default_rng(0)
    nets = [network.init_gaussian((5, 4, 3), 0.1, rng=rng) for _ in range(3)]
    ens = network.stack(nets)
    assert [W.shape for W in ens] == [(3, 4, 5), (3, 3, 4)]
    for k, net in enumerate(nets):
        for W_ens, W in zip(ens, net):
            np.testing.assert_array_equal(W_ens[k], W)
    with pytest.raises(ValueError, match="same widths"):
        network.stack([nets[0], network.init_gaussian((5, 6, 3), 0.1, rng=rng)])
    with pytest.raises(ValueError, match="same depth"):
        network.stack([nets[0], network.init_gaussian((5, 4, 4, 3), 0.1, rng=rng)])
    with pytest.raises(ValueError, match="at least one"):
        network.stack([])
