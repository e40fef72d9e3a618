"""Closed-form theory (linnet.theory) checked against its own limits, inverses and the ODE.

Each check is independent of the implementation's formula: limits t = 0 and t → ∞, the
learning time inverting the trajectory, the trajectory solving τu̇ = 2u(s − u) (Saxe et al.
2014 eq. 10, checked by a finite difference and by scipy's ODE solver), and the discrete map
against a plain loop.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
from hypothesis import given, settings
from hypothesis import strategies as st

from linnet import Statistics, network, theory

S = np.array([4.0, 2.0, 1.0, 0.5, 0.25])
U0 = np.array([1e-6, 1e-4, 1e-3, 1e-2, 0.1])


def test_mode_strength_limits():
    # t = 0: u0 exactly (to round-off of s/(1 + (s/u0 − 1)) = u0).
    np.testing.assert_allclose(theory.mode_strength(0.0, S, U0), U0, rtol=1e-12)
    # t → ∞: s; e^{-2st} underflows to 0 without a floating-point error.
    np.testing.assert_array_equal(theory.mode_strength(1e6, S, U0), S)
    np.testing.assert_allclose(theory.mode_strength(200.0, S, U0), S, rtol=1e-15)
    # Monotone increase from u0 < s; decrease from u0 > s (both approach s).
    t = np.linspace(0, 30, 301)[:, None]
    assert np.all(np.diff(theory.mode_strength(t, S, U0), axis=0) >= 0)
    assert np.all(np.diff(theory.mode_strength(t, S, 2 * S), axis=0) <= 0)


def test_mode_strength_solves_the_logistic_ode():
    t = np.linspace(0.05, 20, 400)[:, None]
    h = 1e-5
    u = theory.mode_strength(t, S, U0)
    du = (theory.mode_strength(t + h, S, U0) - theory.mode_strength(t - h, S, U0)) / (2 * h)
    # Central difference: truncation h²·u‴/6 ≤ 1e-10·(2s)³·s ≈ 1e-7 for s = 4, round-off
    # ε·s/h ≈ 1e-10: 1e-6 absolute covers both; a wrong rate (2s vs s) errs by O(1).
    np.testing.assert_allclose(du, 2 * u * (S - u), atol=1e-6)


def test_mode_strength_against_scipy_ode_solver():
    sol = scipy.integrate.solve_ivp(lambda _t, u: 2 * u * (S - u), (0, 15), U0,
                                    t_eval=np.linspace(0, 15, 31), rtol=1e-11, atol=1e-14,
                                    method="DOP853")
    # The integrator's global error at rtol 1e-11 is ≲ 1e-9 on strengths up to 4.
    np.testing.assert_allclose(theory.mode_strength(sol.t[:, None], S, U0), sol.y.T, atol=1e-8)


@settings(max_examples=50, deadline=None)
@given(s=st.floats(0.05, 10), frac0=st.floats(1e-6, 0.9), frac=st.floats(1e-3, 0.999))
def test_learning_time_inverts_mode_strength(s, frac0, frac):
    u0, uf = frac0 * s, frac * s
    if uf <= u0:
        u0, uf = uf, u0
    t = theory.learning_time(s, u0, uf)
    # u(t(uf)) = uf: the inverse of a logistic, exact up to round-off amplified by
    # 1/(s − uf) ≤ 1e3/s near saturation ⇒ relative 1e-9 is generous.
    assert float(theory.mode_strength(t, s, u0)) == pytest.approx(uf, rel=1e-9)


def test_half_learning_time_and_eq11_limit():
    th = theory.half_learning_time(S, U0)
    np.testing.assert_allclose(theory.mode_strength(th, S, U0), S / 2, rtol=1e-12)
    np.testing.assert_allclose(th, np.log(S / U0 - 1) / (2 * S), rtol=1e-14)
    # Saxe's text after eq. 11: from ε to s − ε takes (1/s) ln(s/ε) as ε → 0.
    eps = 1e-9
    np.testing.assert_allclose(theory.learning_time(S, eps, S - eps), np.log(S / eps) / S, rtol=1e-6)


def test_loss_curve_limits():
    trace33 = 30.0
    residual = 0.5 * (trace33 - np.sum(S**2))
    L = theory.loss_curve([0.0, 1e4], S, U0, residual=residual)
    # t = 0: ½(Tr Σ33 − Σs²) + ½Σ(s − u0)²; t → ∞: the least-squares residual.
    assert L[0] == pytest.approx(residual + 0.5 * np.sum((S - U0) ** 2), rel=1e-14)
    assert L[1] == pytest.approx(residual, rel=1e-14)
    # A bottleneck of 2 never learns modes 3..5: they stay in the loss.
    L2 = theory.loss_curve([1e4], S, U0[:2], residual=residual, n_hidden=2)
    assert L2[0] == pytest.approx(residual + 0.5 * np.sum(S[2:] ** 2), rel=1e-14)
    # The loss only decreases from below-s initial strengths (every mode improves).
    Lt = theory.loss_curve(np.linspace(0, 40, 200), S, U0, residual=residual)
    assert np.all(np.diff(Lt) <= 0)


def test_loss_curve_equals_statistics_loss_of_the_theory_map():
    rng = np.random.default_rng(8)
    U = network.random_orthogonal(5, rng=rng)
    V = network.random_orthogonal(7, rng=rng)[:, :5]
    stats = Statistics(np.eye(7), (U * S) @ V.T, 30.0)
    t = np.array([0.0, 0.7, 2.0, 9.0])
    u = theory.mode_strength(t[:, None], S, U0)
    W = np.einsum("ma,ta,na->tmn", U, u, V)  # Σ_α u_α(t) u_α v_αᵀ (docs/theory.md#two-layer-dynamics)
    # Two exact routes to a loss of O(10): round-off of sums of a few O(10) terms.
    np.testing.assert_allclose(theory.loss_curve(t, S, U0, residual=stats.min_loss()), stats.loss(W),
                               rtol=1e-12)


def _loop(s, u0, lr, k):
    u = u0
    for _ in range(k):
        u = u * (1 + lr * (s - u)) ** 2
    return u


def test_mode_strength_discrete_is_the_iterated_map():
    steps = np.array([0, 1, 7, 50, 300])
    out = theory.mode_strength_discrete(steps, S, U0, lr=0.05)
    assert out.shape == (5, 5)
    for i, k in enumerate(steps):
        for a in range(5):
            # Same map; numpy's vectorised power may round differently from the scalar one in
            # the last bit, and 300 steps accumulate a few ulps: 1e-13 relative.
            assert out[i, a] == pytest.approx(_loop(S[a], U0[a], 0.05, int(k)), rel=1e-13)
    # Unsorted steps are returned in the order asked.
    np.testing.assert_array_equal(theory.mode_strength_discrete(steps[::-1], S, U0, lr=0.05), out[::-1])


def test_half_learning_step_matches_discrete_map():
    lr = 0.02
    k = theory.half_learning_step(S, U0, lr=lr)
    for a in range(5):
        ka = int(k[a])
        assert _loop(S[a], U0[a], lr, ka) >= S[a] / 2 > _loop(S[a], U0[a], lr, ka - 1)
    # GD's early growth per step, (1 + ηs)², is below e^{2ηs}: its plateau is longer than
    # t½/η, by ≈ ηs/ln(1 + ηs) ≈ 1 + ηs/2 (docs/theory.md#discrete-gradient-descent: s = 2, u0 = 1e-4, η = 0.1 → 27 vs 24.8).
    k27 = int(theory.half_learning_step(2.0, 1e-4, lr=0.1)[0])
    assert _loop(2.0, 1e-4, 0.1, k27) >= 1.0 > _loop(2.0, 1e-4, 0.1, k27 - 1)  # the plain loop
    assert k27 == 27  # ... and the number docs/theory.md#discrete-gradient-descent quotes
    assert np.all(k * lr >= theory.half_learning_time(S, U0))
    # And it tends to t½/η as ηs → 0: at η = 1e-4 the ratio is 1 + 2e-4 at most, plus the
    # rounding up to a whole step (≤ 1e-4 / t½ ≈ 1e-4 for these modes).
    small = theory.half_learning_step(S, U0, lr=1e-4) * 1e-4
    np.testing.assert_allclose(small, theory.half_learning_time(S, U0), rtol=1e-3)


def test_effective_initial_strength_of_aligned_weights_is_u0():
    rng = np.random.default_rng(2)
    U = network.random_orthogonal(5, rng=rng)
    V = network.random_orthogonal(7, rng=rng)[:, :5]
    stats = Statistics(np.eye(7), (U * S) @ V.T, 30.0)
    ws = network.init_aligned(stats.modes, (7, 6, 5), U0, rng=rng)
    # Balanced aligned weights: a = b = √u0 along one hidden direction ⇒ ¼‖2√u0 r‖² = u0.
    # Absolute round-off ~ε·max(u0) ≈ 1e-17 is 1e-11 of the smallest u0 (1e-6): rtol 1e-10.
    np.testing.assert_allclose(theory.effective_initial_strength(ws, stats.modes), U0, rtol=1e-10)

