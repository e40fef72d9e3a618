"""Statistics, SVD modes and closed-form optima (linnet.stats) against independent oracles.

Oracles: ``scipy.linalg.lstsq`` on the samples (unconstrained optimum, minimum-norm answer for a
singular Σ11), the Baldi-Hornik form U_p U_pᵀ Σ31 Σ11⁻¹ of the reduced-rank optimum computed
by an eigendecomposition rather than linnet's SVD route (docs/theory.md#optima), and the loss measured
directly on the samples.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from linnet import Statistics, metrics, network
from linnet.data import teacher_task

from _seeds import seeds

SEEDS = seeds([0, 1, 13, 58, 99])


def _nonwhite(rng, P=60, N=7, M=5):
    """Correlated, unevenly scaled inputs and noisy targets: Σ11 far from I."""
    X = rng.standard_normal((P, N)) @ (rng.standard_normal((N, N)) * np.geomspace(0.3, 3, N))
    Y = X @ rng.standard_normal((N, M)) + 0.5 * rng.standard_normal((P, M))
    return X, Y


def _data_loss(W, X, Y):
    R = Y - X @ W.T
    return float(np.sum(R * R)) / (2 * X.shape[0])


def _scale(W):
    return max(1.0, float(np.linalg.norm(W)))


@pytest.mark.parametrize("seed", SEEDS)
def test_optimum_equals_lstsq_on_nonwhite_data(seed):
    rng = np.random.default_rng(seed)
    X, Y = _nonwhite(rng)
    stats = Statistics.from_data(X, Y)
    assert not stats.is_white and not stats.is_singular
    ref = scipy.linalg.lstsq(X, Y)[0].T
    # linnet solves the normal equations: error ~ cond(Σ11)·ε ≈ cond(X)²·1e-16; cond(X) is at
    # most ~1e3 for these 60×7 Gaussians, so 1e-8 relative is a bound with margin, and any
    # formula error (a transpose, a missing 1/P) would be O(1).
    np.testing.assert_allclose(stats.optimum(), ref, atol=1e-8 * _scale(ref))
    # The loss of the optimum measured on the samples is min_loss (and residual_loss).
    assert stats.min_loss() == pytest.approx(_data_loss(ref, X, Y), rel=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_loss_of_any_map_equals_loss_on_data(seed):
    rng = np.random.default_rng(seed)
    X, Y = _nonwhite(rng)
    stats = Statistics.from_data(X, Y)
    Ws = rng.standard_normal((4, 5, 7))
    # Two exact formulas for the same number, summed in different orders: round-off only.
    np.testing.assert_allclose(stats.loss(Ws), [_data_loss(W, X, Y) for W in Ws], rtol=1e-10)


def _baldi_hornik(stats, k):
    """U_p U_pᵀ Σ31 Σ11⁻¹ with U_p the top-k eigenvectors of Σ31 Σ11⁻¹ Σ13 (docs/theory.md#optima)."""
    ols = scipy.linalg.solve(stats.sigma11, stats.sigma31.T, assume_a="pos").T
    lam, vec = scipy.linalg.eigh(ols @ stats.sigma31.T)
    Up = vec[:, np.argsort(lam)[::-1][:k]]
    return Up @ Up.T @ ols


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_rank_k_optimum_equals_baldi_hornik_form(seed, k):
    rng = np.random.default_rng(seed)
    X, Y = _nonwhite(rng)
    stats = Statistics.from_data(X, Y)
    Wk = stats.optimum(k)
    ref = _baldi_hornik(stats, k)
    # Eigenvectors carry error ~ε·‖B‖/gap; Gaussian data keep the eigen-gaps of
    # B = Σ31Σ11⁻¹Σ13 above ~1e-3·‖B‖, so 1e-8 relative leaves orders of magnitude.
    np.testing.assert_allclose(Wk, ref, atol=1e-8 * _scale(ref))
    assert np.linalg.matrix_rank(Wk, tol=1e-8 * _scale(Wk)) == k
    # min_loss(k) is the loss of this map measured on the samples.
    assert stats.min_loss(k) == pytest.approx(_data_loss(Wk, X, Y), rel=1e-10)
    assert stats.min_loss(k) >= stats.min_loss()


@pytest.mark.parametrize("seed", SEEDS)
def test_rank_k_optimum_beats_other_rank_k_maps(seed):
    rng = np.random.default_rng(seed)
    X, Y = _nonwhite(rng)
    stats = Statistics.from_data(X, Y)
    k = 2
    best = stats.min_loss(k)
    A, B = network.init_gaussian((7, k, 5), 1.0, rng=rng, ensemble=200)
    # Random rank-k maps, and small perturbations of the optimum's own factors (a local check
    # that it is a minimum on the rank-k manifold, not just a critical point).
    W = stats.optimum(k)
    U, s, Vt = np.linalg.svd(W)
    F2, F1 = U[:, :k] * np.sqrt(s[:k]), np.sqrt(s[:k])[:, None] * Vt[:k]
    near = (F2 + 1e-3 * rng.standard_normal((200, 5, k))) @ (F1 + 1e-3 * rng.standard_normal((200, k, 7)))
    # ≥ up to round-off of the loss (1e-12 relative); the gaps seen are ≥ 1e-7.
    assert np.all(stats.loss(B @ A) >= best * (1 - 1e-12))
    assert np.all(stats.loss(near) >= best * (1 - 1e-12))


@pytest.mark.parametrize("seed", SEEDS)
def test_singular_sigma11_gives_minimum_norm_lstsq_answer(seed):
    rng = np.random.default_rng(seed)
    # Fewer samples than inputs, plus a dead (all-zero) input: Σ11 has a 5-dim null space.
    P, N, M = 6, 10, 3
    X = rng.standard_normal((P, N))
    X[:, 4] = 0.0
    Y = rng.standard_normal((P, M))
    stats = Statistics.from_data(X, Y)
    assert stats.is_singular
    ref = scipy.linalg.lstsq(X, Y)[0].T  # minimum-norm least-squares solution
    # Pseudo-inverse route vs SVD of X: both backward stable for this well-conditioned row space.
    np.testing.assert_allclose(stats.optimum(), ref, atol=1e-8 * _scale(ref))
    assert np.all(np.isfinite(stats.optimum()))
    # P < N: the data are interpolated, so the minimum loss is zero (to round-off of ‖Y‖²/P).
    assert stats.min_loss() == pytest.approx(0.0, abs=1e-20 + 1e-12 * stats.trace33)
    # Rank-limited optimum on singular data is still attained by its map.
    assert stats.min_loss(2) == pytest.approx(_data_loss(stats.optimum(2), X, Y), rel=1e-9,
                                              abs=1e-12 * stats.trace33)


@pytest.mark.parametrize("seed", SEEDS)
def test_modes_reconstruct_whitened_correlation(seed):
    rng = np.random.default_rng(seed)
    X, Y = _nonwhite(rng)
    stats = Statistics.from_data(X, Y)
    m = stats.modes
    lam, Q = np.linalg.eigh(stats.sigma11)
    inv_root = (Q / np.sqrt(lam)) @ Q.T
    M = stats.sigma31 @ inv_root
    # SVD reconstruction: round-off relative to ‖M‖ (cond(Σ11)^{1/2} amplifies it slightly).
    np.testing.assert_allclose(m.reconstruct(), M, atol=1e-9 * _scale(M))
    assert np.all(np.diff(m.s) <= 0) and m.s[-1] >= 0
    # Orthonormal SVD factors, ~rank·ε off I; the modes carry no more error than that.
    np.testing.assert_allclose(m.U.T @ m.U, np.eye(m.rank), atol=1e-12)
    np.testing.assert_allclose(m.V.T @ m.V, np.eye(m.rank), atol=1e-12)
    # The strength of each mode in the optimum is its singular value (input_map = Σ11^{1/2} V).
    np.testing.assert_allclose(metrics.mode_strength_diagonal(stats.optimum(), m), m.s,
                               atol=1e-9 * m.s[0])
    # The min_loss formula from the modes equals the data residual of the rank-k maps.
    for k in range(1, m.rank + 1):
        assert stats.min_loss(k) == pytest.approx(
            stats.min_loss() + 0.5 * float(np.sum(m.s[k:] ** 2)), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_whitened_teacher_modes_are_the_teacher_spectrum(seed):
    rng = np.random.default_rng(seed)
    task = teacher_task(8, 5, 50, rng=rng, s_max=4.0, ratio=0.5)
    stats = Statistics.from_data(task.X, task.Y)
    assert stats.is_white
    # Exact whitening makes Σ31 the teacher itself (to round-off of the whitening, ~1e-14).
    np.testing.assert_allclose(stats.sigma31, task.teacher, atol=1e-12)
    # The spectrum and the rank-2 map inherit that round-off (O(1) values, well-separated modes).
    np.testing.assert_allclose(stats.modes.s, 4.0 * 0.5 ** np.arange(5), rtol=1e-12)
    np.testing.assert_allclose(stats.optimum(2), stats.modes.reconstruct(2), atol=1e-12)
    # Noiseless: the teacher is fitted exactly, the residual is zero to round-off.
    assert stats.min_loss() == pytest.approx(0.0, abs=1e-12 * stats.trace33)
    assert stats.min_loss(3) == pytest.approx(0.5 * (0.5**2 + 0.25**2), rel=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_loss_stays_accurate_next_to_a_zero_optimum(seed):
    """The module's claim: the loss is evaluated as L⋆ + ½Tr(DΣ11Dᵀ), with no cancellation, so a
    loss of 5e-15 next to a noiseless optimum is exact to many digits. The textbook expansion
    ½TrΣ33 − Tr(WᵀΣ31) + ½Tr(WΣ11Wᵀ) carries round-off of O(TrΣ33·1e-16) ≈ 1e-15 instead."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 6)) @ rng.standard_normal((6, 6))
    Y = X @ rng.standard_normal((6, 3))  # noiseless, non-white
    stats = Statistics.from_data(X, Y)
    D = rng.standard_normal((3, 6))
    D *= 1e-7 / np.sqrt(np.trace(D @ stats.sigma11 @ D.T))  # ½Tr(DΣ11Dᵀ) = 5e-15
    loss = float(stats.loss(stats.optimum() + D))
    # L⋆ is measured on the samples, ~(1e-16·‖Y‖)² ≈ 1e-30: negligible. (W⋆ + D) − W⋆ recovers
    # D's entries (~3e-8) to an ulp of W⋆'s (~2e-16): relative error ~1e-8 in the loss, so
    # 1e-6 is a bound with margin (measured ≤ 1.1e-8 on 100 seeds); the textbook expansion
    # is off by O(1) here (measured: a factor ~7).
    assert loss == pytest.approx(5e-15, rel=1e-6)


def test_analytic_statistics_residual_from_trace():
    s11 = np.eye(3)
    s31 = np.diag([3.0, 2.0, 1.0])
    st = Statistics(s11, s31, 20.0)
    assert st.n_samples == 0 and st.is_white
    # ½(Tr Σ33 − Σ s²) = ½(20 − 14).
    assert st.min_loss() == pytest.approx(3.0, rel=1e-14)
    assert st.min_loss(1) == pytest.approx(3.0 + 0.5 * 5.0, rel=1e-14)
    np.testing.assert_allclose(st.optimum(), s31, rtol=1e-14)  # Σ31 Σ11⁻¹ with Σ11 = I: round-off


def test_package_imports_and_has_version():
    import linnet

    assert linnet.__version__ != "0.0.0+unknown"  # installed (make setup), not a bare source tree


# ----------------------------------------------------------------------------- input edge cases
@pytest.mark.parametrize("delta", np.geomspace(1e-7, 1e-4, 7))
@pytest.mark.parametrize("seed", seeds([0, 1, 2]))
def test_nearly_collinear_columns_are_genuine_data(seed, delta):
    """Column 4 = column 1 + δ·noise (50 samples): Σ11 has an eigenvalue ≈ δ²/2, cut as null
    below δ ≈ 1.4e-5 (rcond 1e-10 of λ_max ≈ 2), while Σ31 keeps a component ≈ δ/√P there.
    Data are always accepted; the loss identity then holds up to that cut component."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 5))
    X[:, 4] = X[:, 1] + delta * rng.standard_normal(50)
    Y = X @ rng.standard_normal((5, 3)) + rng.standard_normal((50, 3))
    stats = Statistics.from_data(X, Y)
    lam, Q = np.linalg.eigh(stats.sigma11)
    Q0 = Q[:, lam <= 1e-10 * lam.max()]
    # Cauchy-Schwarz: ‖Σ31 q‖² ≤ Tr Σ33 · λ for each eigenpair, whatever Y is.
    assert np.linalg.norm(stats.sigma31 @ Q0) <= np.sqrt(stats.trace33 * np.sum(np.abs(lam[lam <= 1e-10 * lam.max()])))
    W = rng.standard_normal((3, 5))
    D = W - stats.optimum()
    # The pseudo-inverse optimum leaves the gradient −Σ31 Q0 Q0ᵀ on the cut directions, so the
    # statistics' loss and the samples' differ by at most ‖Σ31 Q0‖·‖D Q0‖ (zero when nothing is
    # cut). Round-off: a backward-stable solve leaves a residual ‖Σ31 − W⋆Σ11‖ of a few
    # ε·λ_max·‖W⋆‖ (‖W⋆‖ reaches ~1e4 here: collinear columns), which enters as that times ‖D‖;
    # 100ε covers the few-ε constant, and 1e-12 relative covers the losses' own rounding.
    gap = np.linalg.norm(stats.sigma31 @ Q0) * np.linalg.norm(D @ Q0)
    solve = 100 * np.finfo(float).eps * lam.max() * np.linalg.norm(stats.optimum()) * np.linalg.norm(D)
    assert abs(stats.loss(W) - _data_loss(W, X, Y)) <= gap + solve + 1e-12 * _data_loss(W, X, Y)


def test_null_direction_check_still_rejects_inconsistent_statistics():
    # Σ31 = (1, ε) along a null direction of Σ11 = diag(1, 0) with Tr Σ33 = 2: data could put at
    # most √(Tr Σ33 · rcond · λ_max) = 1.4e-5 there.
    for eps in (1e-3, 1e-4):
        with pytest.raises(ValueError, match="sigma31 has a component along a null direction"):
            Statistics(np.diag([1.0, 0.0]), np.array([[1.0, eps]]), 2.0)
    Statistics(np.diag([1.0, 0.0]), np.array([[1.0, 1e-6]]), 2.0)  # within what data can give


def test_complex_samples_are_refused():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    with pytest.raises(TypeError, match=r"X must be real; got complex values.*X\.real"):
        Statistics.from_data(X + 1j, Y)
    with pytest.raises(TypeError, match=r"Y must be real; got complex values.*Y\.real"):
        Statistics.from_data(X, Y.astype(complex))


@pytest.mark.parametrize("which", ["X", "Y"])
def test_overflowing_finite_samples_say_rescale(which):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    if which == "X":
        X = X * 1e200  # finite, but its squares pass float64's ~1.8e308
    else:
        Y = Y * 1e200
    with pytest.raises(ValueError, match=r"overflowed: X and Y are finite.*rescale X and Y") as err:
        Statistics.from_data(X, Y)
    assert "NaN" not in str(err.value) and "impute" not in str(err.value)
