"""Closed-form Hessian groups of the two-layer loss (theory.curvature) against a finite-difference
Hessian, the Gauss–Newton part against the tangent kernel, and the sharpness along training.

The gradient is a cubic polynomial in the parameters, so a central difference of it has error
exactly h²/6 times its third derivative (O(1) here): h = 1e-5 gives ~1e-11, with round-off
~1e-16/h = 1e-11: the spectra agree to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pytest

from linnet import Statistics, network, tangent, train
from linnet import theory as th

SHAPES = [(3, 3, 3), (4, 5, 2), (2, 4, 3), (3, 2, 2)]


def _aligned(rng, N, H, M, a, b):
    """Aligned weights with random task bases and hidden rotation, and the task."""
    m = min(N, M)
    V = np.linalg.qr(rng.standard_normal((N, N)))[0]
    U = np.linalg.qr(rng.standard_normal((M, M)))[0]
    O = np.linalg.qr(rng.standard_normal((H, H)))[0]
    D1, D2 = np.zeros((H, N)), np.zeros((M, H))
    D1[np.arange(m), np.arange(m)] = a
    D2[np.arange(m), np.arange(m)] = b
    return (O @ D1 @ V.T, U @ D2 @ O.T), U, V


def _fd_hessian(w, stats, h=1e-5):
    sizes = np.cumsum([0] + [W.size for W in w])
    theta = np.concatenate([W.ravel() for W in w])

    def grad(x):
        ws = tuple(x[a:b].reshape(W.shape) for a, b, W in zip(sizes[:-1], sizes[1:], w))
        return np.concatenate([g.ravel() for g in network.gradients(ws, stats)])

    cols = [(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    Hm = np.stack(cols, axis=1)
    return 0.5 * (Hm + Hm.T)


@pytest.mark.parametrize("gn", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_groups_match_the_finite_difference_hessian(shape, gn):
    N, H, M = shape
    m = min(N, M)
    if H < m:
        pytest.skip("the groups need H >= m")
    rng = np.random.default_rng(sum(shape))
    s = np.sort(rng.uniform(0.5, 3.0, m))[::-1]
    a, b = rng.uniform(0.2, 1.5, m), rng.uniform(0.2, 1.5, m)  # off the optimum: r ≠ 0
    w, U, V = _aligned(rng, N, H, M, a, b)
    S31 = U[:, :m] @ np.diag(s) @ V[:, :m].T
    stats = Statistics(np.eye(N), S31, float(np.sum(s**2)) + 1.0)
    groups = th.aligned_hessian_groups(a, b, s, n_in=N, n_hidden=H, n_out=M, gauss_newton=gn)
    assert sum(g.size for g in groups.values()) == H * (N + M)
    got = np.sort(np.concatenate(list(groups.values())))
    if gn:
        J = _jacobian(w)  # GN = JᵀJ of the end-to-end map, exact
        want = np.linalg.eigvalsh(J.T @ J)
    else:
        want = np.linalg.eigvalsh(_fd_hessian(w, stats))
    np.testing.assert_allclose(got, want, atol=1e-8)


def _jacobian(w):
    """d vec(W2W1) / dθ, exact (W2W1 is bilinear)."""
    W1, W2 = w
    cols = []
    for l, W in enumerate(w):
        for idx in np.ndindex(W.shape):
            E = np.zeros_like(W)
            E[idx] = 1.0
            cols.append((W2 @ E if l == 0 else E @ W1).ravel())
    return np.stack(cols, axis=1)


def test_gauss_newton_nonzero_spectrum_is_the_tangent_kernel():
    rng = np.random.default_rng(0)
    a, b, s = rng.uniform(0.2, 1.5, 3), rng.uniform(0.2, 1.5, 3), np.array([3.0, 2.0, 1.0])
    w, _, _ = _aligned(rng, 3, 3, 3, a, b)
    gn = np.sort(np.concatenate(list(th.aligned_hessian_groups(
        a, b, s, n_in=3, n_hidden=3, n_out=3, gauss_newton=True).values())))[::-1][:9]
    np.testing.assert_allclose(gn, tangent.tangent_kernel(w).eigenvalues(), rtol=1e-12, atol=1e-12)


def test_top_eigenvalue_by_lanczos_matches_the_groups_for_random_weights_too():
    rng = np.random.default_rng(1)
    a, b, s = rng.uniform(0.2, 1.5, 2), rng.uniform(0.2, 1.5, 2), np.array([2.0, 1.0])
    w, U, V = _aligned(rng, 4, 3, 2, a, b)
    stats = Statistics(np.eye(4), U @ np.diag(s) @ V[:, :2].T, 6.0)
    want = th.aligned_sharpness(a, b, s, n_in=4, n_hidden=3, n_out=2)
    assert th.hessian_top_eigenvalue(w, stats) == pytest.approx(float(want), rel=1e-9)
    w2 = network.init_gaussian((4, 3, 2), 0.5, rng=rng)  # not aligned: against the dense FD Hessian
    dense = np.linalg.eigvalsh(_fd_hessian(w2, stats))[-1]
    assert th.hessian_top_eigenvalue(w2, stats) == pytest.approx(dense, abs=1e-8)


def test_sharpness_along_gd_is_the_discrete_map_prediction_below_and_past_the_edge():
    """Balanced aligned GD stays on the decoupled manifold, where u_{k+1} = u_k(1 + η(s − u_k))²
    is exact (docs/theory.md#discrete-gradient-descent): the sharpness of the simulated weights (Lanczos)
    equals the groups' at a = b = √u_k at every step, also at η = 1.1/s1 > 2/(2 s1), where the
    top mode never settles (period-2 oscillation about s1, loss stays above L⋆)."""
    s = np.array([2.0, 1.0, 0.5])
    stats = Statistics(np.eye(3), np.diag(s), float(np.sum(s**2)))
    for factor in (0.5, 1.1):
        lr = factor / s[0]
        steps = np.arange(0, 120, 7)
        w = (np.sqrt(1e-3) * np.eye(3), np.sqrt(1e-3) * np.eye(3))
        tr = train.gradient_descent(w, stats, lr, 120, record_steps=steps, keep_weights=True, kernel="numpy")
        sim = np.array([th.hessian_top_eigenvalue(ws, stats) for ws in tr.history])
        u = th.mode_strength_discrete(steps, s, 1e-3, lr=lr)  # (T, m)
        want = th.aligned_sharpness(np.sqrt(u), np.sqrt(u), s, n_in=3, n_hidden=3, n_out=3)
        np.testing.assert_allclose(sim, want, rtol=1e-8)
        late = tr.loss[-3:] - stats.min_loss()
        assert (late.max() > 1e-3) == (factor > 1.0)  # past the edge: no convergence


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_hidden"):
        th.aligned_hessian_groups([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], n_in=2, n_hidden=1, n_out=2)
    with pytest.raises(ValueError, match="a and b"):
        th.aligned_hessian_groups([1.0], [1.0, 1.0], [1.0, 1.0], n_in=2, n_hidden=2, n_out=2)
    with pytest.raises(ValueError, match="W1 must be 2-dimensional"):
        th.hessian_top_eigenvalue((np.ones((2, 2, 2)),), Statistics(np.eye(2), np.eye(2), 2.0))


@pytest.mark.parametrize("widths", [(3, 4, 2, 3), (2, 3, 3, 2, 2), (3, 3)])
def test_deep_top_eigenvalue_matches_the_finite_difference_hessian(widths):
    """Depth 1, 3, 4 on non-white inputs: the loss is a polynomial of degree 2L in the
    parameters, so the central difference of the gradient has error h²/6·(third derivative)
    ~ 1e-10 with O(1) weights; Lanczos converges to 1e-10 relative."""
    rng = np.random.default_rng(len(widths))
    w = network.init_gaussian(widths, 0.6, rng=rng)
    X = rng.standard_normal((20, widths[0])) @ np.diag(np.linspace(0.5, 1.5, widths[0]))
    stats = Statistics.from_data(X, rng.standard_normal((20, widths[-1])))
    dense = np.linalg.eigvalsh(_fd_hessian(w, stats))[-1]
    assert th.hessian_top_eigenvalue(w, stats) == pytest.approx(dense, rel=1e-7, abs=1e-8)


def test_deep_balanced_optimum_sharpness_is_the_known_bound():
    s = np.array([2.0, 1.0])
    stats = Statistics(np.eye(2), np.diag(s), 5.0)
    for L in (3, 4):
        w = tuple(np.diag(s ** (1.0 / L)) for _ in range(L))
        assert th.hessian_top_eigenvalue(w, stats) == pytest.approx(th.optimum_sharpness(stats, L), rel=1e-9)
