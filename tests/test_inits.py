"""Initialisation schemes: each satisfies its defining identity, measured by a linnet.metrics check."""

from __future__ import annotations

import numpy as np
import pytest
from _seeds import seeds

from linnet import Statistics, metrics, network, train

SEEDS = seeds([0, 7, 42, 99])
# Identities hold to round-off of products of O(1) matrices (~1e-15); the brief asks for 1e-10.
TOL = 1e-10


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("widths", [(6, 6, 6, 6), (10, 20, 20, 4), (4, 9, 3, 12, 5)])
def test_orthogonal_layers_are_partial_isometries(seed, widths):
    rng = np.random.default_rng(seed)
    w = network.init_orthogonal(widths, 1.5, rng=rng)
    assert [W.shape for W in w] == [(o, i) for i, o in zip(widths[:-1], widths[1:])]
    assert metrics.orthogonality_error(w, 1.5).max() < TOL
    we = network.init_orthogonal(widths, 1.0, rng=rng, ensemble=3)
    assert we[0].shape[0] == 3 and metrics.orthogonality_error(we).max() < TOL


@pytest.mark.parametrize("seed", SEEDS)
def test_orthogonal_product_is_isometric_at_any_depth_unlike_gaussian(seed):
    """Dynamical isometry (Saxe et al. 2014 Fig. 6): all singular values of the product are 1."""
    rng = np.random.default_rng(seed)
    n, L = 30, 16
    sv = np.linalg.svd(network.end_to_end(network.init_orthogonal((n,) * (L + 1), rng=rng)),
                       compute_uv=False)
    np.testing.assert_allclose(sv, 1.0, atol=TOL)
    g = np.linalg.svd(network.end_to_end(network.init_gaussian((n,) * (L + 1), 1.0, rng=rng, fan_in=True)),
                      compute_uv=False)
    # A product of 16 scaled Gaussians: the spread of log singular values grows ∝ √L and the
    # smallest of 30 is near 0 (condition number ≫ 1e3 for every seed in 0..99).
    assert g[0] / g[-1] > 1e3


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("widths", [(5, 8, 5), (6, 8, 3), (3, 7, 7, 6), (8, 4, 6, 4, 5)])
def test_zero_balanced_holds_and_keeps_the_gaussian_product(seed, widths):
    rng = np.random.default_rng(seed)
    w = network.init_zero_balanced(widths, 0.7, rng=rng)
    scale = max(np.abs(W).max() for W in w) ** 2
    assert metrics.balancedness(w).max() < TOL * max(1.0, scale)
    assert np.abs(metrics.balance_lambda(w)).max() < TOL
    # The end-to-end map is that of a Gaussian draw of the same layers with the same generator.
    g = np.random.default_rng(seed)
    ref = network.end_to_end(tuple(g.standard_normal((o, i)) * 0.7 for i, o in zip(widths[:-1], widths[1:])))
    k = min(widths)
    U, S, Vt = np.linalg.svd(ref, full_matrices=False)
    np.testing.assert_allclose(network.end_to_end(w), (U[:, :k] * S[:k]) @ Vt[:k], atol=TOL)
    we = network.init_zero_balanced(widths, 0.7, rng=rng, ensemble=2)
    assert we[0].shape[0] == 2 and metrics.balancedness(we).max() < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("widths,lam", [((4, 4, 4), 0.5), ((4, 4, 4), -2.0), ((6, 3, 5), 1.0),
                                        ((3, 4, 6), 0.7), ((6, 4, 3), -0.3), ((5, 7, 3), 0.0)])
def test_lambda_balanced_holds(seed, widths, lam):
    rng = np.random.default_rng(seed)
    w = network.init_lambda_balanced(widths, 0.5, lam, rng=rng)
    assert metrics.lambda_balancedness(w, lam).max() < TOL
    np.testing.assert_allclose(metrics.balance_lambda(w), lam, atol=TOL)
    we = network.init_lambda_balanced(widths, 0.5, lam, rng=rng, ensemble=3)
    assert metrics.lambda_balancedness(we, lam).max() < TOL


def test_lambda_balance_is_conserved_by_flow():
    """W2ᵀW2 − W1W1ᵀ is a constant of gradient flow (docs/theory.md#conservation-laws)."""
    rng = np.random.default_rng(2)
    S = rng.standard_normal((4, 4))
    st = Statistics(np.eye(4), S, float(np.sum(S**2)))
    w = network.init_lambda_balanced((4, 4, 4), 0.4, 0.8, rng=rng)
    flow = train.gradient_flow(w, st, [0.0, 2.0])
    # solve_ivp at rtol 1e-10 keeps the invariant to ~1e-9 on O(1) weights.
    assert metrics.lambda_balancedness(flow.weights, 0.8).max() < 1e-8


@pytest.mark.parametrize("seed", SEEDS)
def test_aligned_per_layer_strengths(seed):
    rng = np.random.default_rng(seed)
    S = rng.standard_normal((3, 5))
    st = Statistics(np.eye(5), S, float(np.sum(S**2)))
    a = np.array([[0.2, 0.3, 0.4], [0.5, 0.1, 0.9], [1.2, 0.7, 0.3]])  # (L, k)
    w = network.init_aligned(st.modes, (5, 4, 6, 3), layer_strengths=a, rng=rng)
    np.testing.assert_allclose(metrics.mode_strengths(network.end_to_end(w), st.modes),
                               np.diag(a.prod(axis=0)), atol=TOL)
    # Layer l carries mode α with strength a[l, α]: λ_α between layers is a[l+1]² − a[l]², so
    # W_{l+1}ᵀW_{l+1} − W_lW_lᵀ has eigenvalues a[l+1]² − a[l]² (and 0 on unused hidden units).
    for l in range(2):
        D = w[l + 1].T @ w[l + 1] - w[l] @ w[l].T
        ev = np.linalg.eigvalsh(D)
        np.testing.assert_allclose(np.sort(ev[np.abs(ev) > 1e-12]), np.sort(a[l + 1] ** 2 - a[l] ** 2),
                                   atol=TOL)
    # Equal strengths reproduce the u0 form exactly (same rotations from the same seed).
    u0 = np.array([0.3, 0.2, 0.1])
    w1 = network.init_aligned(st.modes, (5, 4, 6, 3), u0, rng=np.random.default_rng(seed))
    w2 = network.init_aligned(st.modes, (5, 4, 6, 3), rng=np.random.default_rng(seed),
                              layer_strengths=np.tile(u0 ** (1 / 3), (3, 1)))
    for A, B in zip(w1, w2):
        np.testing.assert_allclose(A, B, atol=TOL)
    assert metrics.balancedness(w1).max() < TOL


def test_bad_input_names_the_fix():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="to follow W1"):
        network.check_weights((np.zeros((4, 3)), np.zeros((2, 5))))
    with pytest.raises(ValueError, match="needs H <= M"):
        network.init_lambda_balanced((4, 6, 3), 0.5, 1.0, rng=rng)
    with pytest.raises(ValueError, match="needs H <= N"):
        network.init_lambda_balanced((3, 6, 8), 0.5, -1.0, rng=rng)
    with pytest.raises(ValueError, match="two-layer"):
        network.init_lambda_balanced((3, 3, 3, 3), 0.5, 1.0, rng=rng)
    with pytest.raises(ValueError, match="finite real"):
        network.init_lambda_balanced((3, 3, 3), 0.5, np.nan, rng=rng)
    with pytest.raises(ValueError, match="scale"):
        network.init_zero_balanced((3, 3, 3), -1.0, rng=rng)
    with pytest.raises(ValueError, match="gain"):
        network.init_orthogonal((3, 3, 3), 0.0, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        network.init_orthogonal((3, 3), rng=0)
    with pytest.raises(ValueError, match="widths"):
        network.init_orthogonal((3,), rng=rng)
    st = Statistics(np.eye(3), np.diag([3.0, 2.0, 1.0]), 14.0)
    with pytest.raises(ValueError, match="exactly one"):
        network.init_aligned(st.modes, (3, 3, 3), 0.1, layer_strengths=[0.1, 0.2])
    with pytest.raises(ValueError, match="one row per layer"):
        network.init_aligned(st.modes, (3, 3, 3), layer_strengths=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="> 0"):
        network.init_aligned(st.modes, (3, 3, 3), layer_strengths=[0.1, -0.2])
