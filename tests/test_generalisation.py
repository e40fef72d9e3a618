"""linnet.theory.generalisation against closed forms, random matrices and exact gradient descent.

Tolerances: quadrature checks use 1e-10 relative (the fixed rule's error is < 1e-13 where both
rules were compared; 1e-10 leaves room for the reference's own epsrel = 1e-11). Random-matrix
checks use the finite-size error of the quantity, stated at each test.
"""

from __future__ import annotations

import numpy as np
import pytest
from _seeds import seeds

from linnet import Statistics, network, train
from linnet.data import descent_errors, exact_test_error, noisy_teacher, snr_family, stopped_errors
from linnet.theory import generalisation as gen

ALPHAS = np.array([0.1, 0.5, 0.9, 0.999, 1.0, 1.001, 1.5, 4.0, 10.0])


def mp(f, alpha, **kw):
    return gen.marchenko_pastur_integral(lambda lam, i: f(lam), alpha, **kw)


def test_mp_moments_and_inverse_moment():
    # Bulk mass min(1, α); mean of all N eigenvalues α (the atom adds 0); E λ² = α(1 + α);
    # ∫ρ/λ = 1/(α − 1) (α > 1) or α/(1 − α) (α < 1): exact identities of Marchenko–Pastur.
    for method in ("fixed", "quad"):
        np.testing.assert_allclose(mp(np.ones_like, ALPHAS, method=method), np.minimum(1, ALPHAS), rtol=1e-12)
        np.testing.assert_allclose(mp(lambda x: x, ALPHAS, method=method), ALPHAS, rtol=1e-12)
        np.testing.assert_allclose(mp(lambda x: x**2, ALPHAS, method=method), ALPHAS * (1 + ALPHAS),
                                   rtol=1e-12)
    a = np.array([0.1, 0.5, 0.9, 1.5, 4.0, 10.0])  # away from α = 1, where ∫ρ/λ diverges
    np.testing.assert_allclose(mp(lambda x: 1 / x, a), np.where(a > 1, 1 / (a - 1), a / (1 - a)),
                               rtol=1e-12)
    assert np.all(gen.marchenko_pastur_atom(ALPHAS) + np.minimum(1, ALPHAS) == pytest.approx(1.0))


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_mp_against_sampled_eigenvalues(alpha):
    # Eigenvalues of C = Σ xxᵀ, x ~ N(0, I/N), N = 1000 (= α · eig(XᵀX/P) for unit-variance X).
    # Linear spectral statistics (1/N)Σf(λ_i) deviate from ∫ρf by O(1/N) in mean and standard
    # deviation (Bai & Silverstein's CLT: Σf(λ_i) − N∫ρf is O(1)); for f bounded by 1 on the
    # bulk both are below 2/N, so 5/N covers 2.5 standard deviations plus the bias.
    N = 1000
    P = int(alpha * N)
    X = np.random.default_rng(7).standard_normal((P, N)) / np.sqrt(N)
    lam = np.linalg.eigvalsh(X.T @ X)
    bulk = lam[lam > 1e-9]
    assert bulk.size == min(N, P)  # the atom: exactly N − P zero eigenvalues for α < 1
    for f in (lambda x: np.exp(-x), lambda x: x / (1 + x), lambda x: np.exp(-2 * x) * x):
        assert abs(np.sum(f(bulk)) / N - mp(f, alpha)) < 5 / N


def test_fixed_rule_matches_quad():
    t = np.array([0.0, 0.1, 1.0, 10.0, 1e3])[:, None]
    for init_var in (0.0, 0.5):
        fixed = gen.shallow_errors(t, ALPHAS, 4.0, init_var=init_var)
        quad = gen.shallow_errors(t, ALPHAS, 4.0, init_var=init_var, method="quad")
        for a, b in zip(fixed, quad):
            big = b > 1e-200  # E_t of α < 1 underflows to 0 at large t in both
            np.testing.assert_allclose(a[big], b[big], rtol=1e-10)


def test_initial_values():
    # t = 0: w = w(0), so E_g = σ_w² + σ0² + σ_ε² exactly, E_t = (λ-mean·S + σ_ε²·mass)/α = S + σ_ε².
    sw2, se2 = gen.noise_split(4.0)
    E_t, E_g = gen.shallow_errors(0.0, ALPHAS, 4.0, init_var=0.3)
    np.testing.assert_allclose(E_g, sw2 + 0.3 + se2, rtol=1e-12)
    np.testing.assert_allclose(E_t, sw2 + 0.3 + se2, rtol=1e-12)


@pytest.mark.parametrize("init_var", [0.0, 0.5])
def test_long_time_limits(init_var):
    a = np.array([0.3, 0.7, 1.5, 3.0])
    sw2, se2 = gen.noise_split(2.0)
    E_t, E_g = gen.shallow_limits(a, 2.0, init_var=init_var)
    # The closed forms of the issue, written out again here.
    want = np.where(a > 1, se2 * a / (a - 1), (1 - a) * (sw2 + init_var) + se2 / (1 - a))
    np.testing.assert_allclose(E_g, want, rtol=1e-14)
    np.testing.assert_allclose(E_t, np.clip(1 - 1 / a, 0, None) * se2, rtol=1e-14)
    # ... and the time-dependent integrals at t = 1e9 ≫ 1/λ₋ (λ₋ ≥ 0.026 here): e^{-λ₋t} = 0.
    E_t9, E_g9 = gen.shallow_errors(1e9, a, 2.0, init_var=init_var)
    np.testing.assert_allclose(E_g9, want, rtol=1e-12)
    np.testing.assert_allclose(E_t9, E_t, rtol=1e-12, atol=1e-300)
    assert np.isinf(gen.shallow_limits(1.0, 2.0)[1])


def simulate(alpha, snr, n_in, lr, steps, seeds, init_var=0.0):
    """E_t, E_g (seeds, T) of exact GD (linnet units) on independent noisy teachers."""
    P = int(round(alpha * n_in))
    E_t, E_g = [], []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        task = noisy_teacher(n_in, P, snr=snr, rng=rng)
        w0 = rng.standard_normal((1, n_in)) * np.sqrt(init_var / n_in)
        W = gen.linear_descent(steps, task.X.T @ task.X / P, task.Y.T @ task.X / P, lr=lr, init=w0)
        R = task.Y[None] - np.einsum("pn,tmn->tpm", task.X, W)
        E_t.append(np.mean(R[..., 0] ** 2, axis=1))
        E_g.append(exact_test_error(W, task)[:, 0])
    return np.array(E_t), np.array(E_g)


@pytest.mark.parametrize("alpha, init_var", [(0.5, 0.5), (2.0, 0.0)])
def test_simulation_means_within_finite_size_error(alpha, init_var):
    # N = 400, 12 independent teachers (own inputs, weights, noise), exact GD at η = 0.01,
    # against the exact discrete-time theory (lr = η/α in theory units), so no discretisation
    # error is left. The mean's error is its standard error (measured over the teachers; each
    # error is a sum over N modes, relative spread ~ √(2/N) per teacher) plus the O(1/N) bias
    # of a linear spectral statistic (below 2/N relative here): 4 SE + 2/N·value.
    n_in, lr, seeds = 400, 0.01, 12
    steps = np.array([50, 200, 800, 3200])
    E_t, E_g = simulate(alpha, 4.0, n_in, lr, steps, seeds, init_var)
    th_t, th_g = gen.shallow_errors(steps * lr / alpha, alpha, 4.0, init_var=init_var, lr=lr / alpha)
    for sim, th in ((E_t, th_t), (E_g, th_g)):
        se = sim.std(axis=0, ddof=1) / np.sqrt(seeds)
        assert np.all(np.abs(sim.mean(axis=0) - th) < 4 * se + 2 / n_in * th)


def test_early_stopping_is_the_minimum_and_matches_simulation():
    alpha, snr, lr = 1.0, 4.0, 0.01
    t_opt, E_opt = gen.shallow_early_stopping(alpha, snr, lr=lr)
    grid = np.logspace(-2, 3, 400)
    E = gen.shallow_errors(grid, alpha, snr, lr=lr)[1]
    assert E_opt <= E.min() + 1e-12  # the refined minimum is below every grid point
    h = 1e-4 * t_opt  # stationary: central difference of E_g ≈ 0 (E″h² ≈ 1e-9 scale)
    d = np.diff(gen.shallow_errors(np.array([t_opt - h, t_opt + h]), alpha, snr, lr=lr)[1])[0] / (2 * h)
    assert abs(d) < 1e-6
    # Simulation (N = 400, 12 teachers): the argmin of the mean curve lies where the theory is
    # within the mean's statistical error (4 SE) of its minimum: the argmin of a flat minimum is
    # only defined up to that band.
    steps = np.unique(np.round(np.logspace(1, 4, 120) / 1).astype(int))
    E_g = simulate(alpha, snr, 400, lr, steps, 12)[1]
    mean, se = E_g.mean(axis=0), E_g.std(axis=0, ddof=1) / np.sqrt(12)
    k = int(np.argmin(mean))
    th = gen.shallow_errors(steps * lr, alpha, snr, lr=lr)[1]
    band = steps[th <= E_opt + 4 * se[k] + 2 / 400 * E_opt] * lr
    assert band.min() <= steps[k] * lr <= band.max()
    assert band.min() <= t_opt <= band.max()


def test_linear_descent_is_linnet_gradient_descent():
    rng = np.random.default_rng(3)
    task = noisy_teacher(6, 9, snr=2.0, rng=rng, n_teachers=2)  # P > N ...
    small = noisy_teacher(6, 4, snr=2.0, rng=rng, n_teachers=2)  # ... and singular Σ11 (P < N)
    for t in (task, small):
        stats = Statistics.from_data(t.X, t.Y)
        w0 = network.init_gaussian((6, 2), 0.3, rng=rng)
        tr = train.gradient_descent(w0, stats, 0.05, 40, record_steps=[0, 7, 40], kernel="numpy")
        W = gen.linear_descent([0, 7, 40], stats.sigma11, stats.sigma31, lr=0.05, init=w0[0])
        # the same map, summed in another order: round-off of 40 steps (~40·ε·‖W‖)
        np.testing.assert_allclose(W, tr.product, rtol=0, atol=1e-12)
        # k → ∞: the minimum-norm least-squares map plus the initial weights' null-space part
        # (nothing moves there); round-off of an eigendecomposition with condition ≲ 1e3 here
        lim = gen.linear_descent([0], stats.sigma11, stats.sigma31, lr=0.05, init=w0[0], limit=True)[-1]
        lam, Q = np.linalg.eigh(stats.sigma11)
        null = Q[:, lam < 1e-10 * lam.max()]
        np.testing.assert_allclose(lim, stats.optimum() + w0[0] @ null @ null.T, rtol=0, atol=1e-10)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="alpha"):
        gen.shallow_errors(1.0, 0.0, 4.0)
    with pytest.raises(ValueError, match="alpha"):
        gen.shallow_limits(-1.0, 4.0)
    with pytest.raises(ValueError, match="snr"):
        gen.shallow_errors(1.0, 2.0, 0.0)
    with pytest.raises(ValueError, match="snr"):
        gen.shallow_early_stopping(2.0, -1.0)
    with pytest.raises(ValueError, match="init_var"):
        gen.shallow_errors(1.0, 2.0, 4.0, init_var=-0.1)
    with pytest.raises(ValueError, match="lr"):
        gen.shallow_errors(1.0, 2.0, 4.0, lr=0.5)  # 0.5 · λ₊ = 0.5 · 5.83 > 1
    with pytest.raises(ValueError, match="t must be >= 0"):
        gen.shallow_errors(-1.0, 2.0, 4.0)
    with pytest.raises(ValueError, match="aspect"):
        gen.outlier_singular_value(2.0, 1.5)
    with pytest.raises(ValueError, match="snr"):
        noisy_teacher(10, 20, snr=0.0, rng=np.random.default_rng(0))


def test_lampinen_ganguli_outlier_and_overlap_against_sampled_matrices():
    # N1 = 1000, A = 0.5, teacher s̄ = 3 (rank 1), noise entries N(0, 1/N1); 6 draws.
    # The outlier's and overlap's fluctuations are O(1/√N1) (Gaussian fluctuations of a spiked
    # outlier) and their bias O(1/N1): measured standard error × 4 plus 1/N1.
    N1, A, s_bar = 1000, 0.5, 3.0
    N3 = int(A * N1)
    s_hat, O = [], []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        u, v = rng.standard_normal(N3), rng.standard_normal(N1)
        u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
        M = s_bar * np.outer(u, v) + rng.standard_normal((N3, N1)) / np.sqrt(N1)
        U, s, Vt = np.linalg.svd(M, full_matrices=False)
        s_hat.append(s[0])
        O.append(abs(U[:, 0] @ u) * abs(Vt[0] @ v))
    for sim, th in ((s_hat, gen.outlier_singular_value(s_bar, A)), (O, gen.outlier_overlap(s_bar, A))):
        se = np.std(sim, ddof=1) / np.sqrt(len(sim))
        assert abs(np.mean(sim) - th) < 4 * se + 1 / N1
    # the noise bulk: singular values of the noise alone, second and fourth moments 1 and 1 + A
    # (exact in expectation and in the theory; the sampled mean of s⁴ over N3 values deviates by O(1/N3))
    assert gen.noise_singular_mean(lambda x: x**2, A) == pytest.approx(1.0, rel=1e-12)
    assert gen.noise_singular_mean(lambda x: x**4, A) == pytest.approx(1 + A, rel=1e-12)
    s = np.linalg.svd(np.random.default_rng(9).standard_normal((N3, N1)) / np.sqrt(N1), compute_uv=False)
    assert abs(np.mean(s**4) - (1 + A)) < 5 / N3


def test_two_layer_stopping_above_the_shrinkage_bound():
    # Early-stopped gradient descent cannot beat the optimal shrinkage of the outliers
    # (Lampinen & Ganguli): ε_opt ≥ Σ s̄²(1 − O²)/Σ s̄², and it is close for a strong mode.
    for s_bar in ([3.0], [4.0, 2.0, 1.5]):
        t, e = gen.two_layer_optimal_stopping(s_bar, aspect=0.5, n_out=50, u0=1e-5)
        bound = gen.shrinkage_bound(s_bar, 0.5)
        assert bound <= e < 1.0
        tr, te = gen.two_layer_errors([0.0, t, 1e3], s_bar, aspect=0.5, n_out=50, u0=1e-5)
        assert te[1] == pytest.approx(e, rel=1e-12)
        assert tr[0] > tr[1] > tr[2] and tr[2] < 1e-10  # training error falls to 0 (all modes learned)


def _mode_variance(lam, t, snr, lr):
    """v(λ) = σ_w² d² + σ_ε²(1 − d)²/λ, d = (1 − ηλ)^{t/η}: N × the variance of one mode's error."""
    sw2, se2 = gen.noise_split(snr)
    d = np.exp(t / lr * np.log1p(-lr * lam))
    return sw2 * d * d + se2 * (1 - d) ** 2 / lam


def test_snr_sweep_at_alpha_one_matches_theory_within_finite_size_error():
    # Advani & Saxe's setting 2 (α = 1, the SNR axis) at N = P = 300, 16 draws, each one draw of
    # inputs, teacher direction and noise scaled to every SNR (data.snr_family), exact GD at
    # η = 0.01 stopped at the theory's t* (data.stopped_errors), and at t = 20.
    #
    # Tolerance. In the eigenbasis of Σ11 = XᵀX/P (eigenvalues λ_i) the error of mode i after k
    # steps is δ_i = −d_i ã_i + (1 − d_i) n_i/λ_i, d_i = (1 − ηλ_i)^k, with the teacher's
    # component ã_i ~ N(0, σ_w²/N) and the noise's n_i ~ N(0, σ_ε²λ_i/P) independent given X;
    # so E_g − σ_ε² = Σδ_i² = (1/N) Σ v(λ_i) χ²_i (P = N), v as _mode_variance. Two parts:
    # (a) given the spectrum, the χ² sum fluctuates with variance (2/N²)Σv² → 2⟨v²⟩/N, ⟨v²⟩ =
    #     ∫ρ v² (the O(1/√N) part); over n draws the mean's SD is √(2⟨v²⟩/(nN)): allow 4 SD;
    # (b) the spectral mean (1/N)Σv(λ_i) against ∫ρv: by parts, with F_N the draw's empirical
    #     eigenvalue CDF and F Marchenko–Pastur's, (1/N)Σv(λ_i) − ∫ρv = −∫(F_N − F)v'dλ, so for
    #     the mean over draws |·| ≤ TV(v)·sup_λ|F̄_N − F| (F̄_N: F_N averaged over the draws;
    #     v is bounded on [0, 4]: (1 − d)²/λ → 0 at λ = 0). The counts N·F̄_N(λ) are rigid
    #     (eigenvalues repel): their mean is off by the O(1) finite-N correction of the β = 1
    #     density and their spread is √((2/π²)ln N)/√n (β = 1 counting variance; 0.27 at N = 300,
    #     n = 16), together below one eigenvalue: allow TV(v)/N (TV on a fine grid, ≤ 2 max v).
    # Both scales come from the theory, not from the simulation's spread (which (a) matches: at
    # SNR = 1, t = t*, 4 SD = 0.0275 against a measured 4 SE of 0.025–0.027 over four seed sets).
    n_in, lr = 300, 0.01
    draws = seeds(list(range(100, 116)))  # LINNET_TEST_SEEDS=0-15 (say) runs another group
    snrs = np.array([0.125, 1.0, 8.0])
    t_opt = gen.shallow_early_stopping(1.0, snrs, lr=lr)[0]
    t_long = 20.0  # ≪ N²/2.5, where the smallest sampled eigenvalue (~2.5/N²) would matter
    steps = np.vstack([np.rint(t_opt / lr), np.full(snrs.size, t_long / lr)]).astype(np.int64)
    E = np.array([stopped_errors(snr_family(n_in, n_in, snrs=snrs, rng=np.random.default_rng(s)),
                                 steps, lr=lr)[1] for s in draws])  # (seeds, 2, SNRs)
    for row, t in enumerate((steps[0] * lr, np.full(snrs.size, t_long))):
        th = gen.shallow_errors(t, 1.0, snrs, lr=lr)[1]
        v2 = np.array([gen.marchenko_pastur_integral(
            lambda lam, i, tt=tt, s=s: _mode_variance(lam, tt, s, lr) ** 2, 1.0) for tt, s in zip(t, snrs)])
        lam = np.linspace(1e-6, 4.0, 40001)
        tv = np.array([np.abs(np.diff(_mode_variance(lam, tt, s, lr))).sum() for tt, s in zip(t, snrs)])
        tol = 4 * np.sqrt(2 * v2 / (len(draws) * n_in)) + tv / n_in
        gap = np.abs(E[:, row].mean(axis=0) - th)
        assert np.all(gap < tol), (row, gap, tol)


def test_stopped_errors_is_descent_errors_at_each_teachers_steps():
    task = snr_family(30, 45, snrs=[0.5, 2.0, 8.0], rng=np.random.default_rng(5))
    steps = np.array([[3, 40, 500], [0, 7, 2000]])
    E_tr, E_te = stopped_errors(task, steps, lr=0.02, limit=True)
    for m in range(3):
        ref_tr, ref_te = descent_errors(task, steps[:, m], lr=0.02, limit=True)
        # the same closed form summed in another order (and E_train expanded as ⟨y²⟩ − 2w·b +
        # Σλw², a difference of O(1) terms): round-off of order 1e-15 × the O(1) terms
        np.testing.assert_allclose(E_te[:, m], ref_te[:, m], rtol=0, atol=1e-12)
        np.testing.assert_allclose(E_tr[:, m], ref_tr[:, m], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="steps must be integers"):
        stopped_errors(task, np.array([[1, 2]]), lr=0.02)
    with pytest.raises(ValueError, match="lr = 1 times the top eigenvalue"):
        stopped_errors(task, [1], lr=1.0)
