"""linnet.theory.transfer against its exact limits and identities, and against joint training.

Identities (the combined teacher's SVD, the sum over heads, q = 1 with equal strengths) hold to
round-off and quadrature error: 1e-10 relative (the bulk integral's fixed rule is accurate to
< 1e-13, docs/theory.md#generalisation-dynamics). The simulation test's tolerance is the
finite-size scatter of the measured benefit over seeds and a finite-N bias bound (stated there).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from threadpoolctl import threadpool_limits

from _seeds import seeds
from linnet import Statistics, network, theory, train
from linnet.data.transfer import target_test_error, transfer_task
from linnet.theory import generalisation as gen
from linnet.theory import transfer as tr

N1, N3, U0 = 100, 50, 1e-5
T = np.concatenate([[0.0], np.logspace(-2, 2, 60)])


@pytest.mark.parametrize("sT,sA,q", [(3.0, 1.0, 0.3), (0.5, 10.0, 0.9), (2.0, 2.0, 0.0), (1.0, 4.0, -0.6)])
def test_combined_teacher_is_the_svd_of_the_stacked_teacher(sT, sA, q):
    task = transfer_task(40, 10, s_target=sT, s_aux=sA, q=q, rng=np.random.default_rng(0), noise=0.0)
    U, s, _ = np.linalg.svd(task.teacher)
    s_bar, share = tr.combined_teacher(sT, sA, q)
    np.testing.assert_allclose(s_bar, s[:2], rtol=1e-12)
    if s[0] - s[1] > 1e-9:  # distinct modes: the target block's part of each output vector
        np.testing.assert_allclose(share, np.sum(U[:10, :2] ** 2, axis=0), rtol=1e-10, atol=1e-14)
    assert share.sum() == pytest.approx(1.0, abs=1e-15)


def test_limits_of_the_combined_teacher():
    # q = 1: one shared input direction, s̄² = s_T² + s_A², the second value exactly 0;
    # q = 0: the tasks' own strengths, each mode wholly in its own block
    s_bar, share = tr.combined_teacher(3.0, 4.0, [1.0, 0.0])
    np.testing.assert_array_equal(s_bar[:, 1], [0.0, 3.0])
    np.testing.assert_allclose(s_bar[:, 0], [5.0, 4.0], rtol=1e-15)
    np.testing.assert_allclose(share, [[9 / 25, 16 / 25], [0.0, 1.0]], atol=1e-15)
    with pytest.raises(ValueError, match="q must be in"):
        tr.combined_teacher(1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="s_target must be > 0"):
        tr.combined_teacher(0.0, 1.0, 0.5)


def test_vector_overlaps_multiply_to_the_outlier_overlap():
    s = np.linspace(0.05, 8, 200)
    for A in (0.25, 0.5, 1.0):
        c2, d2 = gen.outlier_vector_overlaps(s, A)
        np.testing.assert_allclose(np.sqrt(c2 * d2), gen.outlier_overlap(s, A), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="aspect must be in"):
        gen.outlier_vector_overlaps(1.0, 2.0)


def test_target_alone_is_the_single_task_theory():
    # the alone error goes through the same code path as the joint one (f = 1, share 1); above
    # the transition it must equal generalisation.two_layer_errors, which integrates the bulk
    # its own way
    for sT in (1.5, 3.0):
        alone = tr.transfer_errors(T, sT, 1.0, 0.5, n_in=N1, n_out=N3, u0=U0)[1]
        ref = gen.two_layer_errors(T, [sT], aspect=N3 / N1, n_out=N3, u0=U0)[1]
        np.testing.assert_allclose(alone, ref, rtol=1e-10)
    # below it (s̄ < A^{1/4} = 0.84) the mode is one of the bulk's N3, where two_layer_errors
    # puts it at the edge 1 + √A instead: they differ by (s_edge(t)² − ⟨s(t)²⟩)/s_T² exactly
    sT = 0.5
    alone = tr.transfer_errors(T, sT, 1.0, 0.5, n_in=N1, n_out=N3, u0=U0)[1]
    ref = gen.two_layer_errors(T, [sT], aspect=N3 / N1, n_out=N3, u0=U0)[1]
    edge = theory.mode_strength(T, 1 + np.sqrt(N3 / N1), U0) ** 2
    bulk = np.array([gen.noise_singular_mean(lambda x, t=t: theory.mode_strength(t, x, U0) ** 2, N3 / N1)
                     for t in T])
    np.testing.assert_allclose(ref - alone, (edge - bulk) / sT**2, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("sT,sA,q", [(3.0, 1.0, 0.3), (0.84, 10.0, 0.9), (2.0, 2.0, 0.0), (3.0, 30.0, 1.0)])
def test_heads_add_up_to_the_combined_task(sT, sA, q):
    # ‖W − W̄‖² splits over the two output blocks, so s_T² ε_{T←A} + s_A² ε_{A←T} is the
    # single-task theory of the stacked task (aspect 2N3/N1, its two singular values): shares
    # π_k of the two heads add to 1, their remainder shares f add to 1, and the cross terms'
    # weights s̄_k π_k^h add to s̄_k (module docstring)
    target = tr.transfer_errors(T, sT, sA, q, n_in=N1, n_out=N3, u0=U0)[0]
    aux = tr.transfer_errors(T, sA, sT, q, n_in=N1, n_out=N3, u0=U0)[0]
    s_bar = tr.combined_teacher(sT, sA, q)[0]
    above = s_bar[s_bar > (2 * N3 / N1) ** 0.25]  # the modes with an outlier (module docstring)
    whole = gen.two_layer_errors(T, above, aspect=2 * N3 / N1, n_out=2 * N3, u0=U0)[1]
    # both sides as error minus the zero map's (1 per head): two_layer_errors normalises by
    # the squared strengths of the modes it is given, the heads by their whole teachers
    np.testing.assert_allclose(sT**2 * (target - 1) + sA**2 * (aux - 1), np.sum(above**2) * (whole - 1),
                               rtol=1e-10, atol=1e-12 * (sT**2 + sA**2))


@pytest.mark.parametrize("s", [0.84, 1.5, 3.0, 30.0])
def test_aligned_equal_tasks_are_one_task_at_the_summed_snr(s):
    # q = 1, s_T = s_A = s: W̄ = s (u_T; u_A) vᵀ is rank 1 with s̄ = √2 s (squared strengths add)
    # and output vector (u_T; u_A)/√2, whose target share is ½; the noise is symmetric between
    # the blocks, so both heads are equivalent and each carries half of every term of the
    # combined error: ε_{T←A}(t) = ε_comb(t) of the rank-1 task √2 s at aspect 2N3/N1 with 2N3
    # outputs. The benefit is then ε^opt(s; N3/N1) − ε^opt(√2 s; 2N3/N1).
    joint = tr.transfer_errors(T, s, s, 1.0, n_in=N1, n_out=N3, u0=U0)[0]
    comb = gen.two_layer_errors(T, [np.sqrt(2) * s], aspect=2 * N3 / N1, n_out=2 * N3, u0=U0)[1]
    np.testing.assert_allclose(joint, comb, rtol=1e-10)
    b = tr.transfer_benefit(s, s, 1.0, n_in=N1, n_out=N3, u0=U0)
    alone = gen.two_layer_optimal_stopping([s], aspect=N3 / N1, n_out=N3, u0=U0)[1]
    combined = gen.two_layer_optimal_stopping([np.sqrt(2) * s], aspect=2 * N3 / N1, n_out=2 * N3, u0=U0)[1]
    # both minimisations stop at xatol 1e-10 in log t on a smooth minimum: the values agree to
    # far below 1e-9
    assert b.benefit == pytest.approx(alone - combined, abs=1e-9)


def test_orthogonal_tasks_never_help_and_the_sign_of_q_is_irrelevant():
    # q = 0: the auxiliary task shares no input direction, so it carries no information about
    # v_T; jointly the target's mode sits in noise of aspect 2N3/N1 instead of N3/N1 (lower
    # overlap, a wider bulk learned sooner) and the auxiliary mode's remainder leaks into the
    # target head: no benefit, T <= 0 (= 0 where the target is learned by neither student).
    for sT in (0.5, 0.84, 1.5, 3.0, 10.0, 100.0):
        for sA in (0.0, 0.84, 3.0, 30.0):
            b = tr.transfer_benefit(sT, sA, 0.0, n_in=N1, n_out=N3, u0=U0)
            # up to the initial weights' own share: the two optima differ at t → 0 only by
            # the u0² of the N3 or 2N3 modes carried (≤ 2·N3·u0²/s_T²)
            assert b.benefit <= 2 * N3 * U0**2 / sT**2, (sT, sA, b)
    # below both transitions (A^{1/4} = 0.84 alone, 1 jointly) neither student learns the target:
    # both optima are the initial error 1 (to u0²), T = 0
    assert tr.transfer_benefit(0.5, 3.0, 0.0, n_in=N1, n_out=N3, u0=U0).benefit == pytest.approx(0, abs=1e-8)
    # v_A → −v_A flips the auxiliary mode's sign, which u_A → −u_A undoes: T is even in q
    for q in (0.3, 0.8):
        plus = tr.transfer_benefit(3.0, 10.0, q, n_in=N1, n_out=N3, u0=U0).benefit
        assert tr.transfer_benefit(3.0, 10.0, -q, n_in=N1, n_out=N3, u0=U0).benefit == pytest.approx(plus, abs=1e-12)


def test_bad_sizes_are_named():
    with pytest.raises(ValueError, match="n_out must be <= n_in/2"):
        tr.transfer_benefit(3.0, 3.0, 0.5, n_in=100, n_out=60, u0=U0)
    with pytest.raises(ValueError, match="q must be in"):
        transfer_task(10, 5, s_target=1.0, s_aux=1.0, q=-2.0, rng=np.random.default_rng(0))


LR, STEPS, EVERY = 1e-2, 500, 2  # t up to 5; records every δt = 0.02; η·ŝ ≤ 0.11 (stable, near flow)


def _optimum(X, Y, task, seed):
    """Minimum over the recorded times of the target-head test error, aligned init u0."""
    stats = Statistics.from_data(X, Y)
    w = network.init_aligned(stats.modes, (N1, N3, Y.shape[1]), U0, rng=np.random.default_rng(seed))
    run = train.gradient_descent(w, stats, LR, STEPS, record_steps=np.arange(0, STEPS + 1, EVERY),
                                 kernel="numpy")
    return float(target_test_error(run.product, task).min())


def test_benefit_matches_joint_training():
    # Joint student N1 = 100 → 50 → 2·50 and the target-alone one 100 → 50 → 50, both from
    # aligned weights (u0 = 1e-5) on the same target data (common random numbers: the pair's
    # difference cancels most of the target's own noise draw), full-batch GD η = 1e-2 on the
    # statistics, min over times recorded every δt = 0.02 (the grid misses the minimum by
    # ≤ ½ε''·0.01² ~ 1e-5, far below the scatter). The hidden layer (50) is narrower than the
    # joint output (100): the 50 weakest data modes are never carried, which the full-rank
    # theory ignores; they have ŝ < 1 and grow to ≤ u0·e^{2t} ~ 1e-3 by the optimum (t ≈ 2.5),
    # a change of < 1e-5 in ε. Configurations are kept away from the transition s̄ = A^{1/4}
    # where finite-size corrections are O(N^{-1/3}) and not a scatter (at s_T = 0.84 the alone
    # simulation learns ~4 % that the N → ∞ theory says it cannot).
    #
    # Tolerance = scatter + bias. Scatter: over n seeds the mean's error in units of its
    # standard error σ̂/√n is Student t with n − 1 dof; a family-wise false-alarm rate 1e-3 over
    # the 4 configurations (Bonferroni, two-sided) takes k = scipy.stats.t.ppf(1 − 1e-3/8, n − 1)
    # (5.31 at n = 12). Bias: the theory is N → ∞; at finite N the data's outlier and its
    # overlaps fluctuate by O(N1^{-1/2}) (noise entries of variance σ_z²/N1), which biases the
    # squared-error terms and the min over t (a min of a noisy curve lies below the curve of
    # means) at second order, O(1/N1), and the remainder share f and bulk count are their
    # N → ∞ values, also O(1/N): bounded by 1/N1 = 0.01 (the errors are O(1)). Measured over
    # 144 seeds (Xeon AVX-512) the largest mean − theory is 0.0032 ± 0.0012 (q = 0.5), inside.
    configs = [(3.0, 3.0, 0.0), (3.0, 10.0, 1.0), (3.0, 10.0, 0.5), (1.5, 10.0, 1.0)]
    runs = seeds(list(range(12)))
    sims = {c: [] for c in configs}
    with threadpool_limits(1, user_api="blas"):  # 100×100 SVDs and products: one thread is fastest
        _simulate(configs, runs, sims)
    k = scipy.stats.t.ppf(1 - 1e-3 / (2 * len(configs)), len(runs) - 1)
    for c, values in sims.items():
        theory = tr.transfer_benefit(*c, n_in=N1, n_out=N3, u0=U0).benefit
        v = np.array(values)
        se = v.std(ddof=1) / np.sqrt(v.size)
        assert abs(v.mean() - theory) <= k * se + 1 / N1, (c, v.mean(), se, theory)


def _simulate(configs, runs, sims):
    """Measured benefit of each configuration and seed, appended to ``sims[config]``."""
    for seed in runs:
        alone = {}
        for sT, sA, q in configs:
            task = transfer_task(N1, N3, s_target=sT, s_aux=sA, q=q, rng=np.random.default_rng(seed))
            if sT not in alone:  # the target's data do not depend on s_A or q (same seed)
                tg = task.target()
                alone[sT] = _optimum(tg.X, tg.Y, task, seed)
            sims[(sT, sA, q)].append(alone[sT] - _optimum(task.X, task.Y, task, seed))


def test_array_arguments_are_named():
    # one task pair per call: an array q, s_target or s_aux is a ValueError naming it, and an
    # out-of-range array q says what it got
    for kw in ({"q": [0.1, 0.5]}, {"s_target": [1.0, 2.0]}, {"s_aux": np.ones(3)}):
        args = {"s_target": 3.0, "s_aux": 1.0, "q": 0.5} | kw
        name = next(iter(kw))
        with pytest.raises(ValueError, match=f"{name} must be one number.*got shape"):
            tr.transfer_errors(T, args["s_target"], args["s_aux"], args["q"], n_in=N1, n_out=N3, u0=U0)
        with pytest.raises(ValueError, match=f"{name} must be one number"):
            tr.transfer_benefit(args["s_target"], args["s_aux"], args["q"], n_in=N1, n_out=N3, u0=U0)
    with pytest.raises(ValueError, match=r"q must be in \[-1, 1\].*got 1 of 2 values outside, e.g. 1.5"):
        tr.combined_teacher(1.0, 1.0, [0.5, 1.5])
