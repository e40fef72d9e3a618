"""The λ-balanced exact solution of any shape (RectangularLambdaBalancedSolution) against
gradient flow integrated by scipy's solve_ivp, and against the square closed form.

solve_ivp (DOP853) runs at rtol 1e-10, atol 1e-12: its global error over t ≤ 30 on O(1)
weights stays ~1e-8, so the solution and the integration agree to 1e-7 (relative to the
blocks' scale) unless the formula is wrong, where they differ by O(1) after t ~ 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from _seeds import seeds

from linnet import Statistics, network, train
from linnet import theory as th

SEEDS = seeds([0, 11])
TIMES = np.array([0.0, 0.3, 1.0, 3.0, 10.0, 30.0])
# (N, H, M): more inputs than outputs, fewer, and a hidden layer narrower than both.
SHAPES = [(5, 3, 3), (3, 3, 5), (6, 2, 4)]
LAMS = [-1.5, -0.2, 0.2, 1.5]
SCALES = [0.05, 1.5]  # rich (small) and lazy-ish (large) initial products


def _task(rng, N, M, s1=2.0):
    S = rng.standard_normal((M, N))
    S *= s1 / np.linalg.svd(S, compute_uv=False)[0]
    return Statistics(np.eye(N), S, float(np.sum(S**2)) + 1.0)


def _blocks_from_weights(hist):
    return (np.stack([W1.T @ W1 for W1, _ in hist]), np.stack([W2 @ W1 for W1, W2 in hist]),
            np.stack([W2 @ W2.T for _, W2 in hist]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("lam", LAMS)
@pytest.mark.parametrize("shape", SHAPES)
def test_rectangular_solution_matches_solve_ivp(shape, lam, scale, seed):
    N, H, M = shape
    rng = np.random.default_rng(seed)
    stats = _task(rng, N, M)
    w = network.init_lambda_balanced(shape, scale, lam, rng=rng)
    sol = th.RectangularLambdaBalancedSolution.from_weights(w, stats)
    assert sol.lam == pytest.approx(lam, abs=1e-12)
    flow = train.gradient_flow(w, stats, TIMES, progress=False)
    for name, got, want in zip(("W1ᵀW1", "W2W1", "W2W2ᵀ"), sol.blocks(TIMES), _blocks_from_weights(flow.history)):
        err = np.abs(got - want).max() / max(1.0, np.abs(want).max())
        assert err < 1e-7, f"{name}: relative error {err:.2e}"


@pytest.mark.parametrize("lam", [-0.7, 0.0, 0.7])
def test_square_shapes_give_the_square_closed_form(lam):
    rng = np.random.default_rng(5)
    stats = _task(rng, 4, 4)
    w = network.init_lambda_balanced((4, 4, 4), 0.4, lam, rng=rng)
    if np.linalg.det(w[1] @ w[0]) * np.linalg.det(stats.sigma31) < 0:  # the square form's B
        w = (w[0], w[1] * np.array([[-1.0], [1.0], [1.0], [1.0]]))
    t = np.array([0.0, 0.5, 2.0, 20.0])
    square = th.LambdaBalancedSolution.from_weights(w, stats).qqt(t)
    general = th.RectangularLambdaBalancedSolution.from_weights(w, stats).qqt(t)
    # Two exact formulas in double precision: they differ by round-off of m×m solves.
    np.testing.assert_allclose(general, square, atol=1e-10)


def test_long_times_stay_finite_and_reach_the_optimum():
    """e^{μt} would overflow past t ~ 700/μ; the stepped evaluation does not form it."""
    rng = np.random.default_rng(2)
    stats = _task(rng, 6, 3, s1=5.0)
    for lam in (-2.0, 2.0):
        w = network.init_lambda_balanced((6, 3, 3), 0.1, lam, rng=rng)
        sol = th.RectangularLambdaBalancedSolution.from_weights(w, stats)
        P = sol.product([500.0, 3.0, 1000.0])  # unsorted times are fine
        assert np.all(np.isfinite(P))
        np.testing.assert_allclose(P[[0, 2]], np.broadcast_to(stats.sigma31, (2, 3, 6)), atol=1e-10)


def test_wrapper_dispatches_and_bad_lambda_raises():
    rng = np.random.default_rng(3)
    stats = _task(rng, 5, 3)
    w = network.init_lambda_balanced((5, 3, 3), 0.3, 0.5, rng=rng)
    ex = th.lambda_balanced_solution(w, stats, [0.0, 1.0])
    assert ex.product.shape == (2, 3, 5) and ex.lam == pytest.approx(0.5)
    with pytest.raises(ValueError, match="lam must be a finite real"):
        th.RectangularLambdaBalancedSolution.from_weights(w, stats, lam=float("nan"))
    with pytest.raises(ValueError, match="lam = 2.0 is inconsistent"):
        th.RectangularLambdaBalancedSolution.from_weights(w, stats, lam=2.0)
    with pytest.raises(ValueError, match="λ-balanced"):
        th.RectangularLambdaBalancedSolution.from_weights((w[0] * 1.1, w[1]), stats)
    with pytest.raises(ValueError, match="W1 must have shape"):
        th.RectangularLambdaBalancedSolution.from_weights((w[0][:, :4], w[1]), stats)
    with pytest.raises(ValueError, match="RectangularLambdaBalancedSolution"):
        th.LambdaBalancedSolution.from_weights(w, stats)
