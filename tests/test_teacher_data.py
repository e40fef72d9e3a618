"""The linear-teacher task (linnet.data.teacher): spectrum, exact whitening, noise, errors."""

from __future__ import annotations

import numpy as np
import pytest

from linnet import Statistics
from linnet.data import teacher_matrix, teacher_task, whiten_exactly

from _seeds import seeds

SEEDS = seeds([0, 5, 77, 99])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (4, 4)])
def test_geometric_spectrum(seed, shape):
    W = teacher_matrix(*shape, rng=np.random.default_rng(seed), s_max=3.0, ratio=0.4)
    assert W.shape == shape
    # Singular values of a product of orthonormal factors and a diagonal: round-off only.
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 3.0 * 0.4 ** np.arange(min(shape)),
                               rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_given_and_gaussian_spectra(seed):
    rng = np.random.default_rng(seed)
    s = [2.0, 2.0, 0.5, 0.0]
    W = teacher_matrix(4, 6, rng=rng, spectrum=s)
    # Orthonormal factors around the given diagonal: round-off of O(1) singular values.
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), s, atol=1e-12)
    G = teacher_matrix(30, 40, rng=rng, spectrum="gaussian")
    # i.i.d. N(0,1) entries: the sample std of 1200 entries is within 10% (SE ≈ 2%).
    assert G.shape == (30, 40) and abs(G.std() - 1) < 0.1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("P", [10, 200])
def test_whitening_is_exact_on_the_sample(seed, P):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((P, 10)) @ rng.standard_normal((10, 10)) + 3.0  # correlated, offset
    Z = whiten_exactly(X)
    # Eigendecomposition-based whitening: Σ11 = I to round-off amplified by cond(Σ11), which
    # for P = N = 10 reaches 1e10 on some seeds (measured errors ≈ 5e-18·cond): bound 1e-14·cond.
    cond = np.linalg.cond(X.T @ X / P)
    np.testing.assert_allclose(Z.T @ Z / P, np.eye(10), atol=1e-14 * cond)
    # Whitening is a linear map of the inputs: it keeps the column space (any teacher on X is
    # a teacher on Z).
    coef = np.linalg.lstsq(Z, X, rcond=None)[0]
    np.testing.assert_allclose(Z @ coef, X, atol=1e-8 * np.abs(X).max())


@pytest.mark.parametrize("seed", SEEDS)
def test_noiseless_whitened_task_has_the_teacher_as_sigma31(seed):
    task = teacher_task(12, 6, 80, rng=np.random.default_rng(seed))
    stats = Statistics.from_data(task.X, task.Y)
    assert stats.is_white  # Σ11 = I to 1e-12
    np.testing.assert_allclose(task.Y, task.X @ task.teacher.T, rtol=1e-14)  # Y = X Wᵀ: same product
    np.testing.assert_allclose(stats.sigma31, task.teacher, atol=1e-12)
    np.testing.assert_allclose(stats.modes.s, 4.0 * 0.5 ** np.arange(6), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_label_noise_and_unwhitened_inputs(seed):
    task = teacher_task(10, 4, 4000, rng=np.random.default_rng(seed), noise=0.3, whiten=False)
    stats = Statistics.from_data(task.X, task.Y)
    assert not stats.is_white
    resid = task.Y - task.X @ task.teacher.T
    # 16000 N(0, 0.09) residuals: sample std within 3% of 0.3 (SE ≈ 0.6%, five SEs).
    assert abs(resid.std() / 0.3 - 1) < 0.03
    # Least-squares residual ≈ ½σ²·M·(1 − N/P) = 0.18·0.9975 up to sampling error (~2%).
    assert stats.min_loss() == pytest.approx(0.5 * 0.09 * 4 * (1 - 10 / 4000), rel=0.05)
    # Unwhitened N(0, 1) inputs: Σ11 ≈ I with fluctuations ~1/√P ≈ 0.016 (0.1 is six SEs).
    assert np.max(np.abs(stats.sigma11 - np.eye(10))) < 0.1


def test_same_rng_same_task_and_different_seeds_differ():
    a = teacher_task(6, 3, 20, rng=np.random.default_rng(4), noise=0.1)
    b = teacher_task(6, 3, 20, rng=np.random.default_rng(4), noise=0.1)
    c = teacher_task(6, 3, 20, rng=np.random.default_rng(5), noise=0.1)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert not np.allclose(a.teacher, c.teacher)


def test_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n_in must be >= 1"):
        teacher_task(0, 3, 10, rng=rng)
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        teacher_task(4, 3, 0, rng=rng)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        teacher_task(4, 3, 10, rng=rng, noise=-0.1)
    with pytest.raises(ValueError, match=r"spectrum must hold 3 = min\(n_out, n_in\) non-increasing"):
        teacher_matrix(3, 4, rng=rng, spectrum=[1.0, 2.0, 0.5])
    with pytest.raises(ValueError, match=r"spectrum must hold 3"):
        teacher_matrix(3, 4, rng=rng, spectrum=[1.0, 0.5])
    with pytest.raises(ValueError, match="spectrum must be 'geometric', 'gaussian' or an array"):
        teacher_matrix(3, 4, rng=rng, spectrum="flat")
    with pytest.raises(ValueError, match="ratio must be a finite number > 0"):
        teacher_matrix(3, 4, rng=rng, ratio=0.0)
    with pytest.raises(ValueError, match="at least as many samples as inputs"):
        whiten_exactly(rng.standard_normal((3, 5)))
    X = rng.standard_normal((20, 3))
    with pytest.raises(ValueError, match="linearly dependent columns"):
        whiten_exactly(np.column_stack([X, X[:, 0]]))
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        whiten_exactly(np.where(np.arange(60).reshape(20, 3) == 7, np.nan, X))
