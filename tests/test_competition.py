"""Competition between modes for hidden directions (theory.effective_initial_strength with
competition=True, theory.competition_delay): half-learning times from small random init when
the hidden layer is not wide compared with the number of modes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from linnet import Statistics, metrics, network, theory, train
from linnet.data import teacher_task

S6 = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.125])


def _crossing(u, rec, lr):
    """First time u (T, ...) reaches s/2, linearly interpolated between recorded steps."""
    above = u >= S6 / 2
    assert np.all(above[-1]), "every mode must pass s/2"
    first = np.argmax(above, axis=0)
    lo = np.take_along_axis(u, first[None] - 1, axis=0)[0]
    hi = np.take_along_axis(u, first[None], axis=0)[0]
    return (rec[first - 1] + (S6 / 2 - lo) / (hi - lo) * (rec[first] - rec[first - 1])) * lr


def _half_times(n_hidden, scale, seed, lr=0.01, K=16):
    """Measured t½ per (network, mode), the initial weights and the modes: N = 30, M = 7, six modes."""
    rng = np.random.default_rng(seed)
    task = teacher_task(30, 7, 60, rng=rng, spectrum=np.r_[S6, 0.0])
    stats = Statistics.from_data(task.X, task.Y)
    ws = network.init_gaussian((30, n_hidden, 7), scale, rng=rng, ensemble=K)
    u0 = theory.effective_initial_strength(ws, stats.modes, competition=True)[:, :6]
    steps = int(1.2 * np.max(theory.half_learning_time(S6, u0)) / lr)
    rec = np.arange(0, steps + 1, 2)
    tr = train.gradient_descent(ws, stats, lr, steps, record_steps=rec)
    u = metrics.mode_strength_diagonal(tr.product, stats.modes)[:, :, :6]
    return _crossing(u, rec, lr), ws, stats.modes


def _discrete(u0, lr=0.01):
    """t½ of the exact two-layer GD map from u0, interpolated as the measurement is: removes GD's
    own lag behind gradient flow (≈ ηs/2) from the comparison."""
    s = np.broadcast_to(S6, u0.shape).ravel()
    steps = int(1.2 * np.max(theory.half_learning_step(s, u0.ravel(), lr=lr)))
    rec = np.arange(0, steps + 1, 2)
    u = theory.mode_strength_discrete(rec, s, u0.ravel(), lr=lr).reshape((rec.size,) + u0.shape)
    return _crossing(u, rec, lr)


@pytest.mark.parametrize("seed", [0, 1])
def test_competition_corrected_strength_predicts_every_mode_of_a_narrow_network(seed):
    """Hidden 12 for six modes, σ = 1e-3: the linearised u0 misses the weak modes by > 10 %,
    the competition-corrected u0 predicts every (network, mode) to 0.5 %."""
    measured, ws, modes = _half_times(12, 1e-3, seed)
    plain = _discrete(theory.effective_initial_strength(ws, modes)[:, :6])
    corrected = _discrete(theory.effective_initial_strength(ws, modes, competition=True)[:, :6])
    # The finding: without the correction the claim "within 10 %" fails here.
    assert np.max(measured / plain - 1) > 0.10
    # Measured ≤ 0.04 % (Intel Xeon, AVX-512). Left out: terms of relative order u0/s ≲ 1e-3 (the
    # stronger modes' directions turning while they grow), and the linear interpolation between
    # recorded steps in both. 0.5 % is ten times the measured gap and a twentieth of the effect.
    assert np.max(np.abs(measured / corrected - 1)) < 0.005


def test_competition_delay_is_the_mean_delay():
    """Mean measured delay over 32 networks (hidden 12) against competition_delay, within four
    standard errors of its own spread (ψ1 variance of −ln Beta((H−k)/2, k/2))."""
    H, delays = 12, []
    for seed in (0, 1):
        measured, ws, modes = _half_times(H, 1e-3, seed)
        delays.append(measured - _discrete(theory.effective_initial_strength(ws, modes)[:, :6]))
    delays = np.concatenate(delays)
    k = np.arange(6)
    sd = np.sqrt(scipy.special.polygamma(1, (H - k[1:]) / 2) - scipy.special.polygamma(1, H / 2)) / (2 * S6[1:])
    mean = theory.competition_delay(S6, n_hidden=H)
    assert mean[0] == 0.0
    # Four standard errors: a false alarm per mode has probability 6e-5 if the mean is right.
    np.testing.assert_array_less(np.abs(delays[:, 1:].mean(axis=0) - mean[1:]), 4 * sd / np.sqrt(len(delays)))
    # And at this width it is far from negligible (the weakest mode: 2.4 against t½ ≈ 40).
    assert mean[-1] > 0.05 * theory.half_learning_time(S6[-1], 1e-5)


def test_wide_hidden_layer_keeps_the_uncorrected_claim():
    """Hidden 64, wide compared with six modes: the README's "within 10 %" holds uncorrected."""
    measured, ws, modes = _half_times(64, 1e-3, 0, K=8)
    plain = _discrete(theory.effective_initial_strength(ws, modes)[:, :6])
    # Mean delay of the weakest mode: ψ-difference/(2s) = 0.33 on t½ ≈ 33, i.e. 1 %, spread
    # 0.6 % per network: every network stays far inside 10 % (measured ≤ 3.2 %).
    assert np.max(np.abs(measured / plain - 1)) < 0.10
    assert theory.competition_delay(S6, n_hidden=64)[-1] / np.mean(plain[:, -1]) < 0.02


def test_competition_inputs():
    with pytest.raises(ValueError, match=r"s must be 1-D with at most n_hidden = 3 modes.*s\[:n_hidden\]"):
        theory.competition_delay([3.0, 2.0, 1.0, 0.5], n_hidden=3)
    with pytest.raises(ValueError, match="s must be > 0"):
        theory.competition_delay([1.0, 0.0], n_hidden=3)
    # A bottleneck: modes beyond the hidden width get no initial strength.
    rng = np.random.default_rng(0)
    task = teacher_task(6, 5, 20, rng=rng, spectrum=[4.0, 2.0, 1.0, 0.5, 0.25])
    stats = Statistics.from_data(task.X, task.Y)
    ws = network.init_gaussian((6, 3, 5), 0.1, rng=rng)
    u0 = theory.effective_initial_strength(ws, stats.modes, competition=True)
    assert u0.shape == (5,) and np.all(u0[:3] > 0) and np.all(u0[3:] == 0)
    # The strongest mode competes with none: its strength is the linearised one.
    assert u0[0] == pytest.approx(theory.effective_initial_strength(ws, stats.modes)[0], rel=1e-12)
