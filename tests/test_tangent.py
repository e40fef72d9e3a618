"""The tangent kernel (linnet.tangent) against the empirical kernel JJᵀ of finite differences.

The outputs f(x) = W_L⋯W_1 x are affine in any single parameter (each entry of a layer enters
every product once), so a central difference (f(θ + h) − f(θ − h))/2h is the exact derivative
for any h: the only error is round-off, ~1e-16·|f|/h per entry. Tolerances are 1e-10
relative, many orders above that round-off and many below any formula error (a wrong factor
or a missing layer changes entries by O(1)).
"""

from __future__ import annotations

import numpy as np
import pytest
from _seeds import seeds

from linnet import Statistics, network, tangent

SEEDS = seeds([0, 3])
H = 0.5  # exact for affine functions; O(1) so round-off stays ~1e-16 relative


def _jacobian(weights, X):
    """Central-difference Jacobian of the sample-major outputs, shape (P·M, n_params)."""
    cols = []
    for l, W in enumerate(weights):
        for idx in np.ndindex(W.shape):
            ws_p = [w.copy() for w in weights]
            ws_m = [w.copy() for w in weights]
            ws_p[l][idx] += H
            ws_m[l][idx] -= H
            diff = network.forward(tuple(ws_p), X) - network.forward(tuple(ws_m), X)
            cols.append(diff.ravel() / (2 * H))
    return np.stack(cols, axis=1)


def _network(rng, widths, ensemble=None):
    return network.init_gaussian(widths, 0.7, rng=rng, ensemble=ensemble)


WIDTHS = [(3, 2), (3, 4, 2), (2, 3, 4, 3), (3, 2, 4, 3, 2)]  # depths 1-4, bottlenecks too


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("widths", WIDTHS)
def test_on_data_is_the_empirical_kernel_for_ensembles(seed, widths):
    rng = np.random.default_rng(seed)
    ens = _network(rng, widths, ensemble=3)
    X = rng.standard_normal((4, widths[0]))
    K = tangent.tangent_kernel(ens).on_data(X)  # (3, P·M, P·M)
    for k in range(3):
        J = _jacobian(tuple(W[k] for W in ens), X)
        emp = J @ J.T
        assert np.abs(K[k] - emp).max() <= 1e-10 * np.abs(emp).max()


@pytest.mark.parametrize("widths", WIDTHS)
def test_matrix_and_apply_are_the_kernel_on_the_identity_inputs(widths):
    """On X = I the outputs are the entries of W, so JJᵀ is the operator's matrix, permuted
    from sample-major (input j, output i) to row-major (i, j)."""
    rng = np.random.default_rng(1)
    w = _network(rng, widths)
    N, M = widths[0], widths[-1]
    K = tangent.tangent_kernel(w)
    J = _jacobian(w, np.eye(N))
    emp = (J @ J.T).reshape(N, M, N, M).transpose(1, 0, 3, 2).reshape(M * N, M * N)
    assert np.abs(K.matrix() - emp).max() <= 1e-10 * np.abs(emp).max()
    D = rng.standard_normal((M, N))
    np.testing.assert_allclose(K.apply(D).ravel(), emp @ D.ravel(), rtol=1e-10, atol=1e-10 * np.abs(emp).max())


@pytest.mark.parametrize("widths", WIDTHS)
def test_distance_alignment_and_eigenvalues_equal_those_of_the_explicit_matrices(widths):
    """Non-white data: every structured formula (traces with Σ11) against the P·M matrices."""
    rng = np.random.default_rng(2)
    N, M, P = widths[0], widths[-1], 7
    w0, w1 = _network(rng, widths), _network(rng, widths)
    X = rng.standard_normal((P, N)) @ np.diag(np.linspace(0.5, 2.0, N))
    Y = rng.standard_normal((P, M))
    stats = Statistics.from_data(X, Y)
    K0 = _jacobian(w0, X) @ _jacobian(w0, X).T
    K1 = _jacobian(w1, X) @ _jacobian(w1, X).T
    cos = np.sum(K0 * K1) / (np.linalg.norm(K0) * np.linalg.norm(K1))
    # 1 − cos loses no accuracy here: the kernels are O(1) apart (cos far from 1).
    got = tangent.tangent_kernel_distance(w0, w1, sigma11=stats.sigma11)
    np.testing.assert_allclose(got, 1.0 - cos, rtol=1e-10)
    y = Y.ravel()
    align = y @ K1 @ y / (np.linalg.norm(K1) * (y @ y))
    np.testing.assert_allclose(tangent.tangent_kernel_alignment(w1, stats), align, rtol=1e-10)
    ev = np.sort(np.linalg.eigvalsh(K1 / P))[::-1][:M * N]
    got_ev = tangent.tangent_kernel(w1).eigenvalues(sigma11=stats.sigma11)
    np.testing.assert_allclose(got_ev, ev, rtol=1e-9, atol=1e-10 * ev[0])


def test_two_layer_white_eigenvalues_are_sums_of_gram_eigenvalues():
    """The fast path a_i + b_j (white inputs) equals the M·N matrix's spectrum, for an ensemble."""
    rng = np.random.default_rng(4)
    ens = _network(rng, (4, 5, 3), ensemble=2)
    K = tangent.tangent_kernel(ens)
    full = np.sort(np.linalg.eigvalsh(K.matrix()), axis=-1)[..., ::-1]
    np.testing.assert_allclose(K.eigenvalues(), full, rtol=1e-12, atol=1e-12 * full.max())
    np.testing.assert_allclose(K.eigenvalues(k=2), full[:, :2], rtol=1e-12)


def test_distance_is_zero_for_rescaled_kernels_and_ensembles_broadcast():
    rng = np.random.default_rng(5)
    ens = _network(rng, (3, 4, 2), ensemble=4)
    d = tangent.tangent_kernel_distance(ens, tuple(2.0 * W for W in ens))
    assert d.shape == (4,)
    assert np.all(d < 1e-12)  # cosine of proportional kernels is 1 up to round-off


def test_bad_arguments_raise_value_errors_naming_them():
    w = _network(np.random.default_rng(0), (3, 4, 2))
    K = tangent.tangent_kernel(w)
    with pytest.raises(ValueError, match="D must have shape"):
        K.apply(np.ones((3, 2)))
    with pytest.raises(ValueError, match="X must have shape"):
        K.on_data(np.ones((5, 2)))
    with pytest.raises(ValueError, match="sigma11 must have shape"):
        K.distance(K, sigma11=np.eye(2))
    with pytest.raises(ValueError, match="k must be"):
        K.eigenvalues(k=7)
    with pytest.raises(ValueError, match="stats must be"):
        K.alignment(Statistics(np.eye(2), np.ones((2, 2)), 1.0))
    with pytest.raises(ValueError, match="other must be"):
        K.distance(tangent.tangent_kernel((np.eye(2),)))
    with pytest.raises(ValueError, match="W2 must have shape"):
        tangent.tangent_kernel((np.ones((4, 3)), np.ones((2, 5))))
    with pytest.raises(ValueError, match="solution must be"):
        tangent.exact_tangent_kernel(w, [0.0])
