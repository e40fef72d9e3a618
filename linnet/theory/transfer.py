r"""Transfer between two noisy rank-1 tasks learned through one hidden layer (Lampinen & Ganguli 2019). No randomness here.

The setting (docs/theory.md#transfer-between-two-tasks). A *target* task and an *auxiliary*
task share the N1 inputs; each has N3 outputs of its own and a rank-1 teacher,

.. math::

    \bar W_T = s_T\,u_T v_T^\top, \qquad \bar W_A = s_A\,u_A v_A^\top, \qquad q = v_T\cdot v_A ,

with unit vectors, on orthonormal inputs with label noise of entries :math:`\sigma_z^2/N_1` in
Σ31 (the convention of :mod:`linnet.theory.generalisation`): N1 is the number of *inputs*, as
in the authors' code; it puts the single task's transition at :math:`\bar s = A^{1/4}\sigma_z`,
the paper's 0.84 at A = ½ (entries :math:`\sigma_z^2/N_3` would put it at :math:`A^{-1/4}\sigma_z`). Trained *alone*, the target is
the single-task problem of aspect :math:`\mathcal A = N_3/N_1`. Trained *jointly*, one network
:math:`N_1 \to N_2 \to 2N_3` learns the stacked teacher :math:`\bar W = [\bar W_T; \bar W_A]`, a
rank-2 task of aspect :math:`2N_3/N_1`, and its target head (the first N3 outputs) is scored.

**The combined teacher** (:func:`combined_teacher`). :math:`\bar W^\top\bar W = s_T^2 v_Tv_T^\top +
s_A^2 v_Av_A^\top`, so with :math:`S = \mathrm{diag}(s_T, s_A)`, :math:`G = [[1, q], [q, 1]]` the
singular values are the roots of :math:`SGS`,

.. math::

    \bar s_\pm^2 = \tfrac12\big(s_T^2 + s_A^2 \pm D\big), \quad
    D = \sqrt{(s_T^2 - s_A^2)^2 + 4q^2s_T^2s_A^2}, \quad \bar s_+^2\bar s_-^2 = s_T^2s_A^2(1-q^2),

and the output vectors are :math:`\bar u_k = (w_{kT}u_T;\ w_{kA}u_A)` with :math:`w_k` the unit
eigenvectors of SGS. The target's share of mode k is :math:`\pi_k = w_{kT}^2`
(:math:`\pi_+ = (s_T^2 - s_A^2 + D)/(2D)`, :math:`\pi_+ + \pi_- = 1`), and
:math:`(\bar u_k\cdot u_T)(\bar v_k\cdot v_T) = \bar s_k\pi_k/s_T`.

**The target head's error** (:func:`transfer_errors`): the single-task theory on the combined
task (:func:`~linnet.theory.generalisation.outlier_singular_value` ŝ_k,
:func:`~linnet.theory.generalisation.outlier_vector_overlaps` :math:`c_k^2 = (\hat u_k\cdot\bar u_k)^2`,
:math:`O_k = c_k d_k`), projected on the target's outputs P. Each data mode's output vector is
:math:`\hat u_k = c_k\bar u_k +` a remainder uniform on the complement of the teacher's output
span (the noise is rotation invariant in output space), whose share in the target block is
:math:`f = N_3/(2N_3) = ½` (its N → ∞ value; the bulk's data modes likewise). With the aligned
student's strengths :math:`s_k(t)` (:func:`linnet.theory.mode_strength`),

.. math::

    \varepsilon_{T\leftarrow A}(t) = 1 + \frac1{s_T^2}\Big[\sum_k s_k(t)^2\big(c_k^2\pi_k + (1-c_k^2)f\big)
        + f\,(2N_3 - R)\langle s(t)^2\rangle - 2\sum_k s_k(t)\,O_k\,\bar s_k\pi_k\Big],

:math:`\varepsilon = \lVert P(W - \bar W)\rVert_F^2/s_T^2`, ⟨·⟩ over the noise's singular values at
aspect :math:`2N_3/N_1` (:func:`~linnet.theory.generalisation.noise_singular_mean`), R the number
of teacher modes above the transition :math:`\bar s_k > (2N_3/N_1)^{1/4}\sigma_z`. A mode below
it leaves no outlier and is counted in the bulk (so the limit |q| → 1, where
:math:`\bar s_- \to 0`, is continuous); :func:`~linnet.theory.generalisation.two_layer_errors`
instead puts such a mode at the bulk edge, which differs by one mode, O(1/N). Summed over
both heads with weights :math:`s_T^2, s_A^2` this is exactly
:func:`~linnet.theory.generalisation.two_layer_errors` of the combined task.

**Transfer benefit** (:func:`transfer_benefit`), the paper's definition, a difference:
:math:`\mathcal T_{T\leftarrow A} = \varepsilon^{opt}_T - \varepsilon^{opt}_{T\leftarrow A}`, each test
error at its own optimal stopping time; > 0 means the auxiliary task helps. It depends only on
:math:`s_T, s_A, q`, the sizes and u0 (not on the output vectors). Limits: at q = 0 the tasks
share no input direction, the auxiliary task brings noise only (the aspect doubles, and its own
mode leaks into the target head), so :math:`\mathcal T \le 0`; at q = 1 with
:math:`s_T = s_A = s` both heads are equivalent and each has the error of the combined rank-1
task of strength :math:`\sqrt2 s` at aspect :math:`2N_3/N_1`.

Time is linnet's, t = step·η on whitened inputs (Σ11 = I), as in
:func:`~linnet.theory.generalisation.two_layer_errors`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import as_float_array, positive_float, positive_int
from .generalisation import (minimum_over_time, noise_singular_means, outlier_overlap, outlier_singular_value,
                             outlier_vector_overlaps)
from .saxe import mode_strength

__all__ = ["combined_teacher", "transfer_errors", "TransferBenefit", "transfer_benefit"]


def _check_q(q) -> np.ndarray:
    q = as_float_array(q, "q", fix="pass the input-mode overlap q = v_target . v_aux in [-1, 1]")
    bad = q[np.abs(q) > 1]
    if bad.size:
        got = f"{bad[0]:g}" if q.size == 1 else f"{bad.size} of {q.size} values outside, e.g. {bad[0]:g}"
        raise ValueError(f"q must be in [-1, 1] (the overlap of two unit vectors); got {got}")
    return q


def _one(value: np.ndarray, name: str) -> float:
    """A checked array that must hold one number (one task pair per call), as a float."""
    if value.size != 1:
        raise ValueError(f"{name} must be one number (one pair of tasks per call; loop over pairs, or "
                         f"use combined_teacher for arrays); got shape {value.shape}")
    return float(value.ravel()[0])


def _check_strength(s, name: str, *, zero_ok: bool) -> np.ndarray:
    s = as_float_array(s, name, fix="pass a teacher singular value (SNR in units of sigma_z)")
    if np.any(s < 0) or (not zero_ok and np.any(s == 0)):
        bound = ">= 0" if zero_ok else "> 0"
        raise ValueError(f"{name} must be {bound} (a teacher singular value); got min {s.min():g}")
    return s


def combined_teacher(s_target, s_aux, q):
    r"""Singular values of the stacked teacher and the target's share of each mode (module docstring).

    Parameters
    ----------
    s_target : array_like
        :math:`s_T > 0`.
    s_aux : array_like
        :math:`s_A \ge 0`.
    q : array_like
        :math:`q = v_T\cdot v_A \in [-1, 1]`; broadcast with the strengths to a shape B.

    Returns
    -------
    s_bar : ndarray, shape B + (2,)
        :math:`\bar s_+ \ge \bar s_- \ge 0` (:math:`\bar s_-` = 0 at |q| = 1 or :math:`s_A` = 0).
    share : ndarray, shape B + (2,)
        :math:`\pi_k = \lVert P\bar u_k\rVert^2`, the target block's part of output mode k
        (sums to 1; ½ each when the two singular values coincide, where any split is the same).

    Examples
    --------
    >>> from linnet.theory.transfer import combined_teacher
    >>> s, share = combined_teacher(3.0, 3.0, [0.0, 0.5, 1.0])
    >>> print(s.round(4), share.round(4), sep="\n")
    [[3.     3.    ]
     [3.6742 2.1213]
     [4.2426 0.    ]]
    [[0.5 0.5]
     [0.5 0.5]
     [0.5 0.5]]
    >>> print(*[a.round(4) for a in combined_teacher(3.0, 1.0, 0.0)])
    [3. 1.] [1. 0.]
    """
    sT = _check_strength(s_target, "s_target", zero_ok=False)
    sA = _check_strength(s_aux, "s_aux", zero_ok=True)
    sT, sA, q = np.broadcast_arrays(sT, sA, _check_q(q))
    a, b = sT**2, sA**2
    D = np.hypot(a - b, 2 * q * sT * sA)
    big = (a + b + D) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.where(big > 0, a * b * (1 - q**2) / big, 0.0)  # product form: no cancellation
        # h = (a − b + D)/2 without cancellation when b > a: (D² − (a−b)²)/(2(D − (a−b)))
        h = np.where(a >= b, (a - b + D) / 2, 2 * q**2 * a * b / (D + b - a))
        share_top = np.where(D > 0, h / D, 0.5)
    s_bar = np.stack([np.sqrt(big), np.sqrt(np.clip(small, 0, None))], axis=-1)
    return s_bar, np.stack([share_top, 1 - share_top], axis=-1)


def _sizes(n_in, n_out):
    n_in, n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
    if 2 * n_out > n_in:
        raise ValueError(f"n_out must be <= n_in/2 = {n_in / 2:g} (the joint task's 2·n_out outputs must "
                         f"not outnumber the inputs, aspect 2·n_out/n_in <= 1); got n_out = {n_out}")
    return n_in, n_out


def transfer_errors(t, s_target, s_aux, q, *, n_in: int, n_out: int, u0: float, noise: float = 1.0):
    r"""Target-head test error of the joint student, and of the target trained alone, against time.

    Parameters
    ----------
    t : array_like, shape (T,)
        Times (linnet's, Σ11 = I), ≥ 0.
    s_target, s_aux, q : float
        :math:`s_T > 0`, :math:`s_A \ge 0` (units of σ_z if ``noise`` = 1) and the overlap q.
    n_in, n_out : int
        N1 and the outputs N3 of *each* task (2·N3 ≤ N1).
    u0 : float
        Initial strength of every mode of both (aligned) students.
    noise : float
        σ_z.

    Returns
    -------
    joint, alone : ndarray, shape (T,)
        :math:`\varepsilon_{T\leftarrow A}(t)` (module docstring) and
        :math:`\varepsilon_T(t)` (:func:`~linnet.theory.generalisation.two_layer_errors` at aspect
        N3/N1, computed here by the same formula with one head holding all outputs, f = 1), both :math:`\lVert W_T - \bar W_T\rVert_F^2/s_T^2`.

    Examples
    --------
    A target of strength 3 with a stronger, fully aligned auxiliary task: at t = 2 the joint
    student has learned the shared mode sooner and better than the target alone:

    >>> from linnet.theory.transfer import transfer_errors
    >>> joint, alone = transfer_errors([0.0, 2.0], 3.0, 10.0, 1.0, n_in=100, n_out=50, u0=1e-5)
    >>> print(joint.round(3), alone.round(3))
    [1.    0.066] [1.    0.245]
    """
    t = as_float_array(t, "t", ndim=1)
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0 (time = step·lr); got min {t.min():g}")
    n_in, n_out = _sizes(n_in, n_out)
    u0, noise = positive_float(u0, "u0"), positive_float(noise, "noise")
    sT = _one(_check_strength(s_target, "s_target", zero_ok=False), "s_target")
    sA = _one(_check_strength(s_aux, "s_aux", zero_ok=True), "s_aux")
    q = _one(_check_q(q), "q")
    joint = _joint_errors(t, sT, sA, q, n_in=n_in, n_out=n_out, u0=u0, noise=noise)
    return joint, _alone_errors(t, sT, n_in=n_in, n_out=n_out, u0=u0, noise=noise)


def _head_errors(t, s_bar, share, *, n_all, n_head, n_in, u0, noise, s_head):
    """One head's test error (module docstring's ε) of the aligned student of a task with
    teacher singular values ``s_bar``, the head's shares ``share``, n_all outputs of which the
    head holds n_head; the single task is n_all = n_head, share = 1 (then f = 1)."""
    A = n_all / n_in
    # a teacher mode below the transition leaves no outlier: the data's spectrum there is the
    # bulk's, so it is counted in the bulk (s̄ → 0 as |q| → 1 stays continuous with q = ±1)
    keep = s_bar > noise * A**0.25
    s_bar, share = s_bar[keep], share[keep]
    R = s_bar.size
    # the remainders' share of the head's block: n_head/n_all for N → ∞ (exactly ½ for two
    # equal heads, which keeps both the q = 1 and the sum-over-heads identities exact)
    f = n_head / n_all
    err = f * (n_all - R) * noise_singular_means(lambda x, i: mode_strength(t[i, None], x, u0) ** 2, A, t.size,
                                                 noise=noise)
    if R:
        s_hat = outlier_singular_value(s_bar, A, noise=noise)
        O = outlier_overlap(s_bar, A, noise=noise)
        c2 = outlier_vector_overlaps(s_bar, A, noise=noise)[0]
        s = mode_strength(t[:, None], s_hat, u0)  # (T, R)
        err = err + np.sum(s**2 * (c2 * share + (1 - c2) * f) - 2 * s * O * s_bar * share, axis=1)
    return 1 + err / s_head**2


def _joint_errors(t, sT, sA, q, *, n_in, n_out, u0, noise):
    """ε_{T←A}(t) of :func:`transfer_errors` on checked arguments."""
    s_bar, share = combined_teacher(sT, sA, q)
    return _head_errors(t, s_bar, share, n_all=2 * n_out, n_head=n_out, n_in=n_in, u0=u0, noise=noise,
                        s_head=sT)


def _alone_errors(t, sT, *, n_in, n_out, u0, noise):
    """ε_T(t), the target alone: two_layer_errors' test error, by the same vectorised route."""
    return _head_errors(t, np.array([sT]), np.ones(1), n_all=n_out, n_head=n_out, n_in=n_in, u0=u0,
                        noise=noise, s_head=sT)


class TransferBenefit(NamedTuple):
    """What :func:`transfer_benefit` returns.

    Attributes
    ----------
    benefit : float
        :math:`\\mathcal T = \\varepsilon^{opt}_T - \\varepsilon^{opt}_{T\\leftarrow A}`.
    alone, joint : float
        The two optimal test errors.
    t_alone, t_joint : float
        Their optimal stopping times.

    Examples
    --------
    >>> from linnet.theory.transfer import TransferBenefit
    >>> TransferBenefit(0.1, 0.3, 0.2, 2.0, 1.5).benefit
    0.1
    """

    benefit: float
    alone: float
    joint: float
    t_alone: float
    t_joint: float


def transfer_benefit(s_target, s_aux, q, *, n_in: int, n_out: int, u0: float,
                     noise: float = 1.0) -> TransferBenefit:
    r"""Transfer benefit :math:`\varepsilon^{opt}_T - \varepsilon^{opt}_{T\leftarrow A}` (module docstring).

    Each error is minimised over its own stopping time: a log grid of 400 times from 1e-2 to
    1e3, refined by :func:`scipy.optimize.minimize_scalar` (bounded, xatol 1e-10 on log t):
    :func:`~linnet.theory.generalisation.minimum_over_time`, the rule of
    :func:`~linnet.theory.generalisation.two_layer_optimal_stopping`, which the target alone
    reproduces.

    Parameters
    ----------
    s_target, s_aux, q : float
    n_in, n_out, u0, noise
        As :func:`transfer_errors`.

    Returns
    -------
    TransferBenefit

    Examples
    --------
    A weak target gains from an aligned strong task and loses nothing to an orthogonal one (it
    learns nothing either way); a moderate target loses to an orthogonal task (its noise):

    >>> from linnet.theory.transfer import transfer_benefit
    >>> for sT, sA, q in [(0.84, 10.0, 1.0), (0.84, 10.0, 0.0), (3.0, 3.0, 0.0)]:
    ...     print(round(transfer_benefit(sT, sA, q, n_in=100, n_out=50, u0=1e-5).benefit, 4))
    0.5771
    0.0
    -0.0522
    """
    n_in, n_out = _sizes(n_in, n_out)
    u0, noise = positive_float(u0, "u0"), positive_float(noise, "noise")
    sT = _one(_check_strength(s_target, "s_target", zero_ok=False), "s_target")
    sA = _one(_check_strength(s_aux, "s_aux", zero_ok=True), "s_aux")
    q = _one(_check_q(q), "q")
    t_a, e_a = minimum_over_time(lambda t: _alone_errors(t, sT, n_in=n_in, n_out=n_out, u0=u0, noise=noise))
    t_j, e_j = minimum_over_time(lambda t: _joint_errors(t, sT, sA, q, n_in=n_in, n_out=n_out, u0=u0, noise=noise))
    return TransferBenefit(e_a - e_j, e_a, e_j, t_a, t_j)
