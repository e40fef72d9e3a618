"""linnet.theory.semantic against gradient descent on hierarchical data (issue 10, items 2 and 4)."""

from __future__ import annotations

import numpy as np
import pytest

from linnet import data, metrics, network, theory, train

# From aligned init GD stays on the decoupled manifold and follows the discrete maps exactly; what
# is left is round-off of a few hundred steps of 8-15 dimensional products of O(1) numbers
# (~1e-15 each, growing at most linearly): 1e-10 leaves a margin of > 1e3.
EXACT = 1e-10


def _run(h, widths, u0, lr, steps):
    stats = h.stats()
    w = network.init_aligned(stats.modes, widths, u0, rng=np.random.default_rng(0))
    rec = np.unique(np.linspace(0, steps, 41).astype(int))
    tr = train.gradient_descent(w, stats, lr, steps, record_steps=rec, keep_weights=True, kernel="numpy")
    return stats, tr


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_predictions_from_aligned_init_follow_the_discrete_map(depth):
    h = data.deterministic_tree(2, 3)
    widths = (8,) + (12,) * (depth - 1) + (15,)
    lr, steps = 0.05, 600
    stats, tr = _run(h, widths, 1e-3, lr, steps)
    a = theory.network_mode_strength(tr.step, stats.modes.s, 1e-3, depth=depth, lr=lr)
    predicted = theory.predicted_outputs(a, stats.modes, h.X)
    simulated = h.X @ np.swapaxes(tr.product, -1, -2)  # (T, P, M): row i is item i's output
    np.testing.assert_allclose(simulated, predicted, rtol=0, atol=EXACT)
    if depth >= 2:
        W1 = np.stack([ws[0] for ws in tr.history])
        H = h.X @ np.swapaxes(W1, -1, -2)  # (T, P, hidden)
        np.testing.assert_allclose(H @ np.swapaxes(H, -1, -2),
                                   theory.hidden_similarity(a, stats.modes, h.X, depth=depth),
                                   rtol=0, atol=EXACT)


@pytest.mark.parametrize("depth", [1, 2])
def test_gradient_flow_prediction_is_off_by_order_eta(depth):
    """GD against the flow's closed form: the gap is the Euler scheme's global error, O(η) over a fixed
    time span; halving η halves it (ratio 2 up to O(η) corrections, so 1.8-2.2 at these rates)."""
    h = data.pnas_toy()
    widths = (4, 6, 7)[: 1 + depth] if depth == 2 else (4, 7)
    gaps = []
    for lr in (0.02, 0.01):
        steps = int(round(12.0 / lr))  # t = 12: every toy mode learned (t½ ≤ 6.5 at u0 = 1e-3)
        stats, tr = _run(h, widths, 1e-3, lr, steps)
        a = theory.network_mode_strength(tr.time, stats.modes.s, 1e-3, depth=depth)
        gap = h.X @ np.swapaxes(tr.product, -1, -2) - theory.predicted_outputs(a, stats.modes, h.X)
        gaps.append(np.abs(gap).max())
    assert gaps[0] < 0.2  # O(η·s·(ln s/u0)) for η = 0.02: small against outputs of size 1
    assert 1.8 < gaps[0] / gaps[1] < 2.2


def test_deep_stages_come_in_level_order_shallow_modes_share_one_timescale():
    h = data.deterministic_tree(2, 4)
    stats = h.stats()
    s, level = stats.modes.s, data.tree_modes(2, 4).level
    lr, steps = 0.02, 4000
    t = np.arange(0, steps + 1, 10) * lr
    deep = theory.network_mode_strength(t, s, 1e-4, depth=2) / s
    half = t[np.argmax(deep >= 0.5, axis=0)]
    # Levels in order: every mode of level l is half-learned before any of level l + 1.
    for l in range(4):
        assert half[level == l].max() < half[level == l + 1].min()
    # The GD run from aligned init agrees (discrete map, exact) and so has the same order.
    _, tr = _run(h, (16, 20, 31), 1e-4, lr, steps)
    frac = np.einsum("ma,tmn,na->ta", stats.modes.U, tr.product, stats.modes.V) / s
    t_sim = tr.step[np.argmax(frac >= 0.5, axis=0)] * lr
    assert np.all(np.diff(t_sim[np.argsort(level, kind="stable")]) >= -lr)  # ties within a level
    # Shallow: one timescale, the same fraction (a - a0)/(s - a0) = 1 - (1 - η)^k for every mode.
    _, tr1 = _run(h, (16, 31), 1e-4, lr, 400)
    a1 = np.einsum("ma,tmn,na->ta", stats.modes.U, tr1.product, stats.modes.V)
    frac1 = (a1 - 1e-4) / (s - 1e-4)
    np.testing.assert_allclose(frac1, np.broadcast_to((1 - (1 - lr) ** tr1.step)[:, None], frac1.shape),
                               rtol=0, atol=EXACT)


def test_toy_illusion_salmon_flies_between_stages():
    """From aligned init the toy's predictions of absent properties rise with mode 2 and fall with
    modes 3-4: the salmon 'flies' (and the canary 'swims'), the largest transient errors of the data.
    With modes 1-2 learned and 3-4 not, the prediction is the rank-2 fit, the animals' mean of fly,
    1/2; after mode 1 alone it is the mean over all items, 1/4. Mode 3 (s = 1/2) starts before mode
    2 (s = √3/2) is complete, so the peak lies between the two."""
    h = data.pnas_toy()
    m = h.stats().modes
    t = np.linspace(0, 20, 2001)
    y = theory.predicted_outputs(theory.network_mode_strength(t, m.s, 1e-4, depth=2), m, h.X)
    size, when = theory.transient_errors(t, y, h.Y)
    salmon, fly = h.items.index("salmon"), h.properties.index("fly")
    assert size[salmon, fly] == pytest.approx(size.max())
    # The peak lies between mode 2's and mode 3's half-learning times.
    t_half = theory.half_learning_time(m.s, 1e-4)
    assert t_half[1] < when[salmon, fly] < t_half[2]
    assert 0.25 < size[salmon, fly] < 0.5
    # A property an item has never overshoots here: its value is the sum of the modes' contributions
    # f_α(t)·s_α u_α v_αᵀ x_i with f_α rising from 0 to 1, and for the toy every contribution to a 1
    # is ≥ 0 (the class mean, then the item's own share). The absent properties are the errors.
    assert np.all(size[h.Y == 1] < 1e-12)
    assert np.all(size[h.Y == 0] > 0.1)


def test_coherence_and_typicality_set_the_learning_times():
    h = data.pnas_toy()
    stats = h.stats()
    # A category of one item's own property is less coherent than animal-vs-plant, learned later.
    animals = theory.category_coherence(stats, h.X[:2])
    canary = theory.category_coherence(stats, h.X[:1])
    assert animals > canary
    t = theory.coherence_learning_time([animals, canary], 1e-4)
    assert t[0] < t[1]
    load = np.abs(theory.typicality(stats.modes, h.X))
    np.testing.assert_allclose(load[:, :2], 1.0, atol=1e-12)  # everyone is a typical member here
    tt = theory.typicality_learning_time(stats.modes.s[1], 1e-4, [1.0, 0.5], 0.3)
    assert tt[0] < tt[1]


@pytest.mark.parametrize("call, name", [
    (lambda m, X: theory.network_mode_strength([1.0], [1.0], 0.1, depth=0), "depth"),
    (lambda m, X: theory.shallow_mode_strength([1.0], [1.0, 2.0], [1.0, 2.0, 3.0]), "s, u0"),
    (lambda m, X: theory.shallow_mode_strength_discrete([1], [1.0, 2.0], [[1.0, 2.0]], lr=0.1), "u0"),
    (lambda m, X: theory.shallow_mode_strength([-1.0], [1.0], 0.0), "t must be >= 0"),
    (lambda m, X: theory.hidden_similarity([1, 1, 1, 1], m, X, depth=1), "depth"),
    (lambda m, X: theory.predicted_outputs([1, 1], m, X), "strengths"),
    (lambda m, X: theory.predicted_outputs([1, 1, 1, 1], m, X[:, :3]), "X"),
    (lambda m, X: theory.transient_errors([0, 1], np.zeros((3, 2)), [0, 0]), "predictions"),
])
def test_bad_input_names_the_argument(call, name):
    h = data.pnas_toy()
    with pytest.raises(ValueError, match=name):
        call(h.stats().modes, h.X)


def test_ensemble_mode_strength_matches_each_network_and_the_shallow_flow():
    """Shallow: Ẇ = Σ31 − W decouples every mode from any init, so the diagonal strength follows
    s + (u0 − s)e^{-t} exactly; GD's (1 − η)^{t/η} differs from e^{-t} by ≈ (ηt/2)e^{-t}
    (first order in η), times |u0 − s| per mode: bounded below with a factor 2 for the
    higher orders. Deep: the same as the per-network theory call."""
    stats = data.pnas_toy().stats()
    w1 = network.init_gaussian((4, 7), 0.3, rng=np.random.default_rng(1), ensemble=3)
    lr, steps = 1e-3, 3000
    tr = train.gradient_descent(w1, stats, lr, steps, record_steps=[0, steps], kernel="numpy")
    u0, a = theory.ensemble_mode_strength(np.array([0, steps]) * lr, w1, stats.modes)
    assert u0.shape == (3, 4) and a.shape == (2, 3, 4)
    sim = metrics.mode_strength_diagonal(tr.product, stats.modes)
    # at t = 0 the curve is s + (u0 − s): two roundings of numbers ≤ s1, so ≤ 2 ulp of s1
    np.testing.assert_allclose(a[0], u0, rtol=0, atol=2 * np.spacing(stats.modes.s[0]))
    euler = lr * 3.0 / 2 * np.exp(-3.0) * np.abs(u0 - stats.modes.s).max()
    np.testing.assert_allclose(sim, a, rtol=0, atol=2 * euler)
    w2 = network.init_gaussian((4, 16, 7), 0.01, rng=np.random.default_rng(2), ensemble=3)
    u0, a = theory.ensemble_mode_strength([0.0, 5.0], w2, stats.modes)
    for k in range(3):
        np.testing.assert_array_equal(a[:, k], theory.mode_strength(np.array([[0.0], [5.0]]), stats.modes.s, u0[k]))
    with pytest.raises(ValueError, match="weights must be"):
        theory.ensemble_mode_strength([1.0], network.init_gaussian((4, 5, 5, 7), 0.01, rng=np.random.default_rng(0)),
                                      stats.modes)
