"""The tangent kernel's motion in closed form (exact solutions, aligned modes) against the
kernel of simulated weights (solve_ivp gradient flow), and its lazy and rich limits.

solve_ivp runs at rtol 1e-10: the weights it returns are good to ~1e-8 relative, so kernel
distances and alignments (smooth in the weights, O(1) derivatives) agree to 1e-6 absolute;
a wrong block or time scaling moves them by > 1e-2 within t ~ 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from linnet import Statistics, network, tangent, train
from linnet import theory as th

TIMES = np.array([0.0, 0.5, 1.5, 4.0, 12.0])


def _task(rng, N, M, s1=2.0):
    S = rng.standard_normal((M, N))
    S *= s1 / np.linalg.svd(S, compute_uv=False)[0]
    return Statistics(np.eye(N), S, float(np.sum(S**2)) + 1.0)


def _solution(kind, rng):
    if kind == "zero-balanced":
        st = _task(rng, 6, 3)
        w = network.init_zero_balanced((6, 8, 3), 0.2, rng=rng)
        return st, w, th.ZeroBalancedSolution.from_weights(w, st)
    if kind == "lambda square":
        st = _task(rng, 4, 4)
        w = network.init_lambda_balanced((4, 4, 4), 0.3, 0.8, rng=rng)
        if np.linalg.det(w[1] @ w[0]) * np.linalg.det(st.sigma31) < 0:  # B singular otherwise
            w = (w[0], w[1] * np.array([[-1.0], [1.0], [1.0], [1.0]]))
        return st, w, th.LambdaBalancedSolution.from_weights(w, st)
    lam = {"rect λ>0": 0.6, "rect λ<0": -0.6}[kind]
    st = _task(rng, 5, 3)
    w = network.init_lambda_balanced((5, 3, 3), 0.1, lam, rng=rng)
    return st, w, th.RectangularLambdaBalancedSolution.from_weights(w, st)


@pytest.mark.parametrize("kind", ["zero-balanced", "lambda square", "rect λ>0", "rect λ<0"])
def test_exact_kernel_motion_matches_simulated_weights(kind):
    st, w, sol = _solution(kind, np.random.default_rng(0))
    K = tangent.exact_tangent_kernel(sol, TIMES)
    K0 = tangent.exact_tangent_kernel(sol, [0.0])
    flow = train.gradient_flow(w, st, TIMES, progress=False)
    sim = tangent.tangent_kernel(tuple(np.stack(layer) for layer in zip(*flow.history)))
    d_th, d_sim = K.distance(K0), sim.distance(tangent.tangent_kernel(w))
    np.testing.assert_allclose(d_th, d_sim, atol=1e-6)
    assert d_th[-1] > 1e-2  # the kernel moved: the comparison is not of two constants
    np.testing.assert_allclose(K.alignment(st), sim.alignment(st), atol=1e-6)
    ev_th, ev_sim = K.eigenvalues(k=3), sim.eigenvalues(k=3)
    np.testing.assert_allclose(ev_th, ev_sim, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("lam", [0.0, 0.5, -2.0])
def test_aligned_kernel_matches_simulated_aligned_network(lam):
    s = np.array([3.0, 1.5, 0.5])
    st = Statistics(np.eye(3), np.diag(s), float(np.sum(s**2)) + 1.0)
    a0 = np.full(3, 0.1) if lam >= 0 else np.sqrt(0.01 - lam) * np.ones(3)
    b0 = np.sqrt(a0**2 + lam)
    w = (np.diag(a0), np.diag(b0))
    flow = train.gradient_flow(w, st, TIMES, progress=False)
    sim = tangent.tangent_kernel(tuple(np.stack(layer) for layer in zip(*flow.history)))
    K = tangent.aligned_tangent_kernel(TIMES, s, a0 * b0, lam=lam)
    # Same basis: the task's modes are the coordinate axes here.
    np.testing.assert_allclose(K.outer[0], sim.outer[0], atol=1e-7)
    np.testing.assert_allclose(K.inner[1], sim.inner[1], atol=1e-7)
    np.testing.assert_allclose(K.distance(tangent.aligned_tangent_kernel([0.0], s, a0 * b0, lam=lam)),
                               sim.distance(tangent.tangent_kernel(w)), atol=1e-6)


def _late_distance(lam, u0=1e-4, s=(3.0, 1.0)):
    K = tangent.aligned_tangent_kernel([0.0, 400.0], s, u0, lam=lam)
    return K.distance(tangent.aligned_tangent_kernel([0.0], s, u0, lam=lam))[1]


def test_lazy_limit_distance_falls_as_lambda_to_the_minus_four():
    """1 − cos is quadratic in the kernel's relative change O(s²/λ²): ratio 10⁴ per decade
    of λ, up to the next term of the expansion in s1²/λ² (9e-4 at λ = 100, s1 = 3; its
    coefficient is O(1-10), the bound below is 10·s1²/λ²). At λ = 1000 the distance is 1.6e-11,
    still 1e5 times the round-off of 1 − cos."""
    for sign in (1.0, -1.0):
        r = _late_distance(sign * 100.0) / _late_distance(sign * 1000.0)
        assert r == pytest.approx(1e4, rel=10 * 3.0**2 / 100.0**2)


def test_rich_limit_is_the_zero_balanced_small_init_distance():
    """λ → 0 at u0 → 0: K0 → ~0·I (isotropic), K∞ = diag(s)⊗I + I⊗diag(s), so
    1 − cos = 1 − tr K∞ / (√(m²)·‖K∞‖) in the mode basis."""
    s = np.array([3.0, 1.0])
    A = np.diag(s)
    Kinf = np.kron(A, np.eye(2)) + np.kron(np.eye(2), A)
    want = 1.0 - np.trace(Kinf) / (2.0 * np.linalg.norm(Kinf))
    # u0 = 1e-4 leaves K0 = 1e-4·(I + O(1e-4)): the cosine changes by O(1e-4)... squared.
    assert _late_distance(1e-9) == pytest.approx(want, abs=1e-6)
    assert _late_distance(1e-9) > _late_distance(0.5) > _late_distance(5.0)


def test_aligned_bad_arguments():
    with pytest.raises(ValueError, match="s must be"):
        tangent.aligned_tangent_kernel([0.0], [1.0, -1.0], 0.1, lam=0.0)
    with pytest.raises(ValueError, match="lam must be"):
        tangent.aligned_tangent_kernel([0.0], [1.0], 0.1, lam=[1.0, 2.0])
    with pytest.raises(ValueError, match="u0 must be > 0"):
        tangent.aligned_tangent_kernel([0.0], [1.0], 0.0, lam=0.0)
