"""linnet.data.hierarchy: the closed-form spectra of tree data against numerical SVDs (issue 10, item 1)."""

from __future__ import annotations

import numpy as np
import pytest

from linnet import data

# Round-off of an SVD/eigendecomposition of a P×P matrix with entries up to ~M: a few ulps of the
# largest eigenvalue; 1e-12 relative leaves a margin of ~100 at every size tested here.
ROUNDOFF = 1e-12


@pytest.mark.parametrize("B, D", [(2, 1), (2, 3), (2, 5), (3, 2), (3, 3), (4, 3), (5, 2)])
def test_deterministic_tree_spectrum_and_vectors_are_the_closed_form(B, D):
    h = data.deterministic_tree(B, D)
    m = data.tree_modes(B, D)
    P = B**D
    assert h.Y.shape == (P, sum(B**k for k in range(D + 1)))
    np.testing.assert_allclose(np.linalg.svd(h.Y, compute_uv=False), m.s, rtol=ROUNDOFF)
    # s_l = sqrt(sum_{k=l}^{D} P / B^k), multiplicity 1 at level 0 and B^(l-1)(B-1) at level l.
    for level in range(D + 1):
        expected = np.sqrt(sum(P / B**k for k in range(level, D + 1)))
        got = m.s[m.level == level]
        assert got.size == (1 if level == 0 else B ** (level - 1) * (B - 1))
        np.testing.assert_allclose(got, expected, rtol=ROUNDOFF)
    # The object analyzers are orthonormal eigenvectors of Y Yᵀ (exact to round-off).
    np.testing.assert_allclose(m.V.T @ m.V, np.eye(P), atol=ROUNDOFF * P)
    np.testing.assert_allclose(h.Y @ h.Y.T @ m.V, m.V * m.s**2, atol=ROUNDOFF * m.s[0] ** 2)


def test_published_spectra():
    """The issue's numbers: B = 2, D = 3 raw {0,1} tree, and the PNAS toy's √7, √3, 1, 1."""
    s = np.linalg.svd(data.deterministic_tree(2, 3).Y, compute_uv=False)
    np.testing.assert_allclose(s, np.sqrt([15, 7, 3, 3, 1, 1, 1, 1]), rtol=ROUNDOFF)
    np.testing.assert_allclose(s.round(3), [3.873, 2.646, 1.732, 1.732, 1, 1, 1, 1])
    toy = data.pnas_toy()
    np.testing.assert_allclose(np.linalg.svd(toy.Y, compute_uv=False), np.sqrt([7, 3, 1, 1]), rtol=ROUNDOFF)
    assert toy.items == ("canary", "salmon", "oak", "rose")
    assert toy.properties == ("grow", "move", "roots", "fly", "swim", "leaves", "petals")
    # Mode 2 separates animals from plants (sign aside).
    v2 = np.linalg.svd(toy.Y.T)[2][1]
    assert np.sign(v2[0]) == np.sign(v2[1]) == -np.sign(v2[2]) == -np.sign(v2[3])


def test_input_scaling_makes_sigma11_white_and_scales_s_by_sqrt_p():
    h = data.deterministic_tree(2, 3)
    stats = h.stats()
    np.testing.assert_allclose(stats.sigma11, np.eye(8), atol=1e-15)
    np.testing.assert_allclose(stats.modes.s, data.tree_modes(2, 3).s / np.sqrt(8), rtol=ROUNDOFF)


@pytest.mark.parametrize("B, D, eps", [(2, 3, 0.1), (2, 5, 0.1), (3, 2, 0.2), (4, 2, 0.05), (2, 2, 0.0),
                                       (2, 3, 0.5)])
def test_expected_diffusion_spectrum_is_that_of_the_expected_similarity(B, D, eps):
    K = data.diffusion_similarity(B, D, eps)
    m = data.tree_modes(B, D, flip=eps, n_properties=1)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(K))[::-1], m.s**2, atol=ROUNDOFF * B**D)
    np.testing.assert_allclose(K @ m.V, m.V * m.s**2, atol=ROUNDOFF * B**D)
    # Two items correlate as (1 - 2ε)^(edges between them): siblings are 2 edges apart.
    assert K[0, 1] == pytest.approx((1 - 2 * eps) ** 2)
    np.testing.assert_allclose(data.diffusion_spectrum(B, D, eps, 100), 10 * m.s, rtol=ROUNDOFF)


@pytest.mark.parametrize("B, D, eps", [(2, 3, 0.15), (3, 2, 0.1)])
def test_sampled_diffusion_spectrum_is_within_its_sampling_error(B, D, eps):
    """Weyl: |λ̂ − λ| ≤ ||YYᵀ/M − K||₂ ≤ ||YYᵀ/M − K||_F, whose mean square is Σ_{i≠j}(1 − K_ij²)/M
    (each entry is a mean of M independent ±1 products with mean K_ij; the diagonal is exact).
    5× its root-mean-square fails with probability below 1/25 (Markov); the seed is fixed."""
    M = 20_000
    h = data.diffusion_tree(B, D, M, eps, rng=np.random.default_rng(3))
    K = data.diffusion_similarity(B, D, eps)
    assert set(np.unique(h.Y)) == {-1.0, 1.0}
    rms = np.sqrt(np.sum(1 - K**2) / M)
    lam = np.sort(np.linalg.eigvalsh(h.Y @ h.Y.T / M))[::-1]
    assert np.abs(lam - data.tree_modes(B, D, flip=eps).s ** 2).max() < 5 * rms
    assert np.abs(h.Y @ h.Y.T / M - K).max() < 5 * rms


def test_diffusion_is_seeded_by_rng():
    a = data.diffusion_tree(2, 3, 50, 0.1, rng=np.random.default_rng(7))
    b = data.diffusion_tree(2, 3, 50, 0.1, rng=np.random.default_rng(7))
    c = data.diffusion_tree(2, 3, 50, 0.1, rng=np.random.default_rng(8))
    assert np.array_equal(a.Y, b.Y) and not np.array_equal(a.Y, c.Y)
    named = data.diffusion_tree(2, 1, 3, 0.1, rng=np.random.default_rng(0), items=["cat", "dog"])
    assert named.items == ("cat", "dog") and len(named.properties) == 3


@pytest.mark.parametrize("call, name", [
    (lambda: data.deterministic_tree(1, 3), "branching"),
    (lambda: data.deterministic_tree(2, 0), "depth"),
    (lambda: data.tree_modes(2, 3, flip=0.6), "flip"),
    (lambda: data.diffusion_tree(2, 3, 10, -0.1, rng=np.random.default_rng(0)), "flip"),
    (lambda: data.diffusion_tree(2, 3, 0, 0.1, rng=np.random.default_rng(0)), "n_properties"),
    (lambda: data.diffusion_similarity(0, 3, 0.1), "branching"),
    (lambda: data.diffusion_tree(2, 2, 5, 0.1, rng=np.random.default_rng(0), items=["a"]), "items"),
    (lambda: data.deterministic_tree(2, 40), "branching"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_compressed_outputs_follow_the_full_network():
    """compress_outputs is exact: the last layer's part outside the targets' range enters the updates
    only through its Gram matrix. Compared over 200 steps of an ensemble of 3: round-off only
    (products of O(1) numbers, ~1e-16 per operation, a few thousand operations)."""
    from linnet import network, train

    h = data.diffusion_tree(2, 3, 300, 0.1, rng=np.random.default_rng(0))
    stats = h.stats()
    w = network.init_gaussian((8, 6, 300), 0.05, rng=np.random.default_rng(1), ensemble=3)
    small, ws, Q = data.compress_outputs(stats, w)
    assert small.n_out == 8 + 6
    full = train.gradient_descent(w, stats, 0.005, 200, record_steps=[0, 100, 200], kernel="numpy")
    part = train.gradient_descent(ws, small, 0.005, 200, record_steps=[0, 100, 200], kernel="numpy")
    np.testing.assert_allclose(np.swapaxes(Q, 0, 1) @ full.product, part.product[..., :8, :], rtol=0, atol=1e-12)
    np.testing.assert_allclose(full.loss, part.loss, rtol=1e-10)
