r"""Comparing two gradient-descent runs that differ only in round-off (two kernels, two CPUs).

Why no single tolerance fits every member
-----------------------------------------
Two kernels that do the same updates with the sums inside each product in another order
(BLAS's blocking on this CPU or that one, the numba kernel's register tiles, FMA or not)
compute :math:`x_{k+1} = F(x_k) + e_k` with different round-off :math:`e_k`,
:math:`\lVert e_k\rVert \lesssim n u \lVert x_k\rVert` for sums of n terms (u = 2^-53).
To first order their difference at step k is

.. math:: \delta_k = \sum_{j<k} J(j \to k)\, e_j,

with J(j → k) the Jacobian of steps j..k of the trajectory itself. For a member that
converges J stays O(1) (the updates contract towards the optimum), so the relative
difference stays a few ulps. For a member that diverges J grows with it: in the blow-up
the update is cubic in the weights (W1 ← W1 − η W2ᵀ W2 W1 + …), which triples a relative
error every step, and a member that first approaches the optimum and then leaves along an
unstable mode amplifies round-off by the factor its unstable component grows by (measured
1e3-1e12 on these tasks). Close above the stability bound a trajectory can even be chaotic:
then no two summation orders agree after ~100 steps, not even on the divergence step.
So a relative tolerance fixed on one CPU (the old 1e-12) holds only where it was written.

What is compared
----------------
Each member's records are compared to a tolerance made of that trajectory's own
amplification, measured with the reference kernel ``2 · PAIRS`` times more
(:func:`sensitivity`), in two kinds of draw:

1. from initial weights perturbed entry by entry by a relative ``DELTA`` = 2^-40 (random
   signs): the deviation divided by ``DELTA`` is the amplification A_k of a perturbation
   at step 0, and u·A_k what one ulp there becomes;
2. the same network with its inputs, hidden units and outputs randomly permuted: every sum
   of every step runs in another order, so its deviation is a draw of exactly the kind of
   difference two kernels have, injected at every step (1. misses errors injected after
   an early contracting phase, 2. is what the kernels do: both are used).

``sens[r, k]`` is the running maximum over records ≤ r of the largest draw (u·A for 1.,
the deviation for 2.) and of n·u (the worst-case round-off of one length-n sum: the floor
where the draws happen to agree exactly). The tolerance is ``C · sens``, and why C = 100
and four draws: the kernels' difference and every draw are, to first order, sums of many
amplified round-off errors, dominated by their component along the direction in which the
trajectory grows — roughly Gaussian variables of similar width σ. One draw falls below εσ
with probability ≈ 0.8ε, so a single draw would be 100 times smaller than a 3σ kernel
difference for ~2 % of the diverging members; the largest of four independent draws is,
with probability ≈ (0.8 · 0.03)^4 ≈ 3e-7 per member. Measured on an Intel Xeon (AVX-512)
with OpenBLAS set to its own SkylakeX, its Haswell (AVX2, what an AMD EPYC Zen 3 runs) and
its Sandybridge (AVX, no FMA) kernels, over seeds 0-99 of tests/test_numba_kernel.py
(2,200 members): difference / sens ≤ 0.6, 9.6 and 6.7 (with one draw of each kind: 90).

Records whose tolerance exceeds ``CAP`` = 1e-6 are not compared: there the trajectory's own
round-off has already moved it by more than CAP/C, and two correct kernels need not agree
better. A wrong step size, a missed update or two members mixed differ at O(lr) ≈ 1e-2,
4 orders above CAP, and the members that converge are compared at ~1e-13 throughout.

A member's divergence step is compared exactly when the member is *conditioned*: every
record and its final weights (for a diverged member: those of its divergence step, often
between records) within CAP, and every reference draw diverging at the reference's step.
Then the kernels' values differ by less than CAP all the way to the overflow, and near
divergence the values grow by orders of magnitude per step: for a relative difference of
1e-6 to move the first non-finite step, the trajectory would have to pass within 1e-6 of the
overflow threshold at some step — and the draws, perturbed by as much as the kernels differ
(or more), all overflowing at the same step show that it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linnet.stats import Statistics

#: Unit round-off of IEEE double precision.
U = 2.0 ** -53
#: Relative size of the perturbation of the initial weights (draw 1. above): ≈ 1e4 u, so that
#: it dominates the run's own round-off, and small enough to stay in the linear regime on
#: every compared record: those have C·u·A ≤ CAP, i.e. A ≤ 1e8 and DELTA·A ≤ 1e-4.
DELTA = 2.0 ** -40
#: Tolerance over the measured round-off amplification (module docstring).
C = 100.0
#: Largest tolerance at which a record is still compared (module docstring).
CAP = 1e-6
#: Draws of each kind (nudged initial weights, permuted units) per reference run.
PAIRS = 2


def _relative(a, b, axes):
    """‖a − b‖ / ‖b‖ over ``axes``, on the entries finite in both; inf where a and b are
    finite at different entries; 0 where neither is finite anywhere (a frozen member's NaN
    records)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    differ = np.any(fa != fb, axis=axes)
    both = fa & fb
    a0, b0 = np.where(both, a, 0.0), np.where(both, b, 0.0)
    # Scaled by the largest entry of either, so that norms of values up to 1e308 neither
    # overflow nor, for a wildly wrong run, does their difference.
    scale = np.maximum(np.max(np.abs(a0), axis=axes, keepdims=True),
                       np.max(np.abs(b0), axis=axes, keepdims=True))
    scale = np.where(scale > 0, scale, 1.0)
    num = np.sqrt(np.sum((a0 / scale - b0 / scale) ** 2, axis=axes))
    den = np.sqrt(np.sum((b0 / scale) ** 2, axis=axes))
    rel = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, np.inf, 0.0))
    return np.where(differ, np.inf, rel)


def deviation(a, b) -> np.ndarray:
    """Largest relative difference of two runs at each record and member.

    Parameters
    ----------
    a, b : Trajectory
        Runs of the same K members on the same record steps, with ``keep_weights=True``.

    Returns
    -------
    ndarray, shape (T, K)
        max over loss, end-to-end product and every layer of ‖a − b‖/‖b‖ (Frobenius norm
        over the member's entries); inf where the two are non-finite at different entries.
    """
    dev = _relative(a.loss[..., None], b.loss[..., None], (-1,))
    dev = np.maximum(dev, _relative(a.product, b.product, (-2, -1)))
    for l in range(len(a.weights)):
        ha = np.stack([h[l] for h in a.history])
        hb = np.stack([h[l] for h in b.history])
        dev = np.maximum(dev, _relative(ha, hb, (-2, -1)))
    return dev


@dataclass
class Sensitivity:
    """How much a reference run amplifies round-off, and what that allows.

    Attributes
    ----------
    tol : ndarray, shape (T, K)
        ``C`` times the running maximum of the measured amplification (module docstring).
    tol_final : ndarray, shape (K,)
        The same for the final weights (those of the divergence step for a member that
        diverged, which may lie many steps after its last record).
    conditioned : ndarray of bool, shape (K,)
        Members whose every record and final weights have a tolerance ≤ CAP and whose
        divergence step every reference draw reproduces: their divergence step is compared
        exactly.
    """

    tol: np.ndarray
    tol_final: np.ndarray
    conditioned: np.ndarray


def _final_deviation(a, b) -> np.ndarray:
    """Largest relative difference of the final weights of two runs, per member (K,)."""
    return np.max([_relative(x, y, (-2, -1)) for x, y in zip(a.weights, b.weights)], axis=0)


def _permuted(X, Y, weights, rng):
    """The same network (any depth) with its inputs, hidden units and outputs relabelled."""
    widths = [weights[0].shape[-1], *(W.shape[-2] for W in weights)]
    perm = [rng.permutation(n) for n in widths]
    stats = Statistics.from_data(X[:, perm[0]], Y[:, perm[-1]])
    w = tuple(W[..., perm[l + 1], :][..., perm[l]] for l, W in enumerate(weights))
    return stats, w, perm


def _unpermute(tr, perm):
    """The run of :func:`_permuted` labelled back in the original order (a copy)."""
    back_perm = [np.argsort(p) for p in perm]

    def back(ws):
        return tuple(W[..., back_perm[l + 1], :][..., back_perm[l]] for l, W in enumerate(ws))

    return type(tr)(step=tr.step, time=tr.time, loss=tr.loss,
                    product=tr.product[..., back_perm[-1], :][..., back_perm[0]],
                    weights=back(tr.weights), diverged=tr.diverged,
                    diverged_step=tr.diverged_step, lr=tr.lr,
                    history=[back(h) for h in tr.history])


def sensitivity(ref, run, weights, X, Y, rng) -> Sensitivity:
    """Measure the round-off amplification of the reference run ``ref`` (module docstring).

    Parameters
    ----------
    ref : Trajectory
        ``run(weights, Statistics.from_data(X, Y))``.
    run : callable
        ``run(weights, stats) -> Trajectory``: the reference kernel with the test's steps,
        records, step sizes and ``keep_weights=True``.
    weights : tuple of ndarray, shapes (K, n_{l+1}, n_l)
        Initial weights of the K members (any depth).
    X, Y : ndarray, shapes (P, N), (P, M)
        The data of the statistics.
    rng : numpy.random.Generator
        Signs of the perturbation and the permutations.

    Returns
    -------
    Sensitivity
    """
    stats = Statistics.from_data(X, Y)
    draws = []  # (run, factor turning its deviation into an amplified ulp)
    for _ in range(PAIRS):
        nudged = tuple(W * (1 + DELTA * rng.choice([-1.0, 1.0], W.shape)) for W in weights)
        draws.append((run(nudged, stats), U / DELTA))
        pstats, pw, perm = _permuted(X, Y, weights, rng)
        draws.append((_unpermute(run(pw, pstats), perm), 1.0))
    n = max(max(W.shape[-2:]) for W in weights)
    # After a member's divergence its records are NaN in every run (deviation 0): the running
    # maximum carries the value of its last step. A draw that overflows at other entries than
    # the reference gives inf: nothing from there on is compared.
    amp = np.max([f * deviation(d, ref) for d, f in draws], axis=0)
    tol = C * np.maximum.accumulate(np.maximum(amp, n * U), axis=0)
    final = np.max([f * _final_deviation(d, ref) for d, f in draws], axis=0)
    tol_final = np.maximum(tol[-1], C * final)
    same_step = np.all([d.diverged_step == ref.diverged_step for d, _ in draws], axis=0)
    conditioned = np.all(tol <= CAP, axis=0) & (tol_final <= CAP) & same_step
    return Sensitivity(tol=tol, tol_final=tol_final, conditioned=conditioned)


def assert_agree(fast, ref, sens: Sensitivity) -> None:
    """``fast`` equals ``ref`` up to round-off as amplified by the trajectory.

    Every record with ``sens.tol ≤ CAP`` agrees to ``sens.tol`` (loss, product and every
    layer, relative, per member); conditioned members also agree on the divergence step, on
    which records are NaN, and on their final weights to ``sens.tol_final``. Raises AssertionError naming the
    first member and record that differ.
    """
    dev = deviation(fast, ref)
    compared = sens.tol <= CAP
    bad = compared & ~(dev <= sens.tol)
    if bad.any():
        r, k = np.argwhere(bad)[0]
        raise AssertionError(
            f"member {k} at step {ref.step[r]}: relative difference {dev[r, k]:.3g} > "
            f"tolerance {sens.tol[r, k]:.3g} (C = {C:g} × this trajectory's round-off "
            f"amplification); {bad.sum()} of {compared.sum()} compared records differ")
    for k in np.flatnonzero(sens.conditioned):
        assert fast.diverged_step[k] == ref.diverged_step[k], (
            f"member {k}: diverged at step {fast.diverged_step[k]}, reference "
            f"{ref.diverged_step[k]}")
        np.testing.assert_array_equal(np.isnan(fast.loss[:, k]), np.isnan(ref.loss[:, k]))
    final = _final_deviation(fast, ref)
    for k in np.flatnonzero(sens.conditioned):
        assert final[k] <= sens.tol_final[k], (
            f"member {k}: final weights differ by {final[k]:.3g} > {sens.tol_final[k]:.3g}")
