r"""A noisy linear teacher with finite P: the task of the generalisation theory (Advani & Saxe).

:math:`y = \bar w\cdot x + \varepsilon` with i.i.d. unit-variance Gaussian inputs (not whitened:
generalisation lives in the spectrum of the sample correlation :math:`\Sigma_{11}`), teacher
entries of variance :math:`\sigma_w^2/N`, noise of variance :math:`\sigma_\varepsilon^2`, and
Advani & Saxe's normalisation :math:`\sigma_w^2 + \sigma_\varepsilon^2 = 1`,
SNR = :math:`\sigma_w^2/\sigma_\varepsilon^2` (:func:`linnet.theory.generalisation.noise_split`).
These are Advani & Saxe's variables scaled by √N (inputs up, weights down), so that linnet's
conventions apply unchanged; how their time maps to linnet's is in
:mod:`linnet.theory.generalisation` (theory time = linnet time / α).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_rng, positive_float, positive_int
from .teacher import Task, whiten_exactly

__all__ = ["NoisyTask", "noisy_teacher", "exact_test_error", "descent_errors", "snr_family", "stopped_errors"]


@dataclass(frozen=True)
class NoisyTask(Task):
    """Samples of a noisy linear teacher (:func:`noisy_teacher`).

    Attributes
    ----------
    X : ndarray, shape (P, N)
    Y : ndarray, shape (P, M)
        One column per teacher (M independent teachers on the same inputs).
    teacher : ndarray, shape (M, N)
    signal_var, noise_var : float or ndarray of shape (M,)
        :math:`\\sigma_w^2` and :math:`\\sigma_\\varepsilon^2` (one per teacher for
        :func:`snr_family`).

    Examples
    --------
    >>> from linnet.data import noisy_teacher
    >>> task = noisy_teacher(50, 100, snr=4.0, rng=np.random.default_rng(0))
    >>> task.X.shape, task.Y.shape, task.signal_var, task.noise_var
    ((100, 50), (100, 1), 0.8, 0.2)
    """

    signal_var: float = 0.0
    noise_var: float = 0.0


def noisy_teacher(n_in: int, n_samples: int, *, snr: float, rng: np.random.Generator,
                  n_teachers: int = 1, inputs: str = "gaussian") -> NoisyTask:
    r"""P samples :math:`y = \bar w\cdot x + \varepsilon` of ``n_teachers`` noisy linear teachers.

    Parameters
    ----------
    n_in, n_samples : int
        N and P (α = P/N).
    snr : float
        :math:`\sigma_w^2/\sigma_\varepsilon^2 > 0`, with :math:`\sigma_w^2 + \sigma_\varepsilon^2 = 1`.
    rng : numpy.random.Generator
    n_teachers : int
        M teachers (rows of ``teacher``), each with its own weights and noise, same inputs.
    inputs : {"gaussian", "orthonormal"}
        i.i.d. N(0, 1) entries, or those whitened exactly on the sample (Σ11 = I; needs P ≥ N).

    Returns
    -------
    NoisyTask

    Examples
    --------
    The exact test error of the zero map is :math:`\sigma_w^2 + \sigma_\varepsilon^2 \approx 1`:

    >>> from linnet.data import noisy_teacher, exact_test_error
    >>> task = noisy_teacher(400, 800, snr=4.0, rng=np.random.default_rng(0))
    >>> print(exact_test_error(np.zeros((1, 400)), task).round(2))
    [0.96]
    >>> noisy_teacher(10, 20, snr=0.0, rng=np.random.default_rng(0))
    Traceback (most recent call last):
    ValueError: snr must be a finite number > 0; got 0.0
    """
    n_in, n_samples = positive_int(n_in, "n_in"), positive_int(n_samples, "n_samples")
    n_teachers = positive_int(n_teachers, "n_teachers")
    snr = positive_float(snr, "snr")
    check_rng(rng)
    if inputs not in ("gaussian", "orthonormal"):
        raise ValueError(f"inputs must be 'gaussian' or 'orthonormal'; got {inputs!r}")
    sw2, se2 = snr / (1 + snr), 1 / (1 + snr)
    X = rng.standard_normal((n_samples, n_in))
    if inputs == "orthonormal":
        X = whiten_exactly(X)
    W = rng.standard_normal((n_teachers, n_in)) * np.sqrt(sw2 / n_in)
    Y = X @ W.T + rng.standard_normal((n_samples, n_teachers)) * np.sqrt(se2)
    return NoisyTask(X=X, Y=Y, teacher=W, signal_var=sw2, noise_var=se2)


def exact_test_error(products, task: NoisyTask) -> np.ndarray:
    r"""Exact test error :math:`E_g = \lVert W_m - \bar w_m\rVert^2 + \sigma_\varepsilon^2` of each teacher m.

    The mean squared error (no ½) on a fresh sample x ~ N(0, I), ε: what an infinite test set
    measures.

    Parameters
    ----------
    products : ndarray, shape (..., M, N)
        Students' end-to-end maps.
    task : NoisyTask

    Returns
    -------
    ndarray, shape (..., M)

    Examples
    --------
    >>> from linnet.data import noisy_teacher, exact_test_error
    >>> task = noisy_teacher(5, 10, snr=1.0, rng=np.random.default_rng(0))
    >>> float(exact_test_error(task.teacher, task)[0])  # the teacher itself: the noise alone
    0.5
    """
    W = as_float_array(products, "products")
    if W.shape[-2:] != task.teacher.shape:
        raise ValueError(f"products must end in the teacher's shape {task.teacher.shape}; got {W.shape}")
    return np.sum((W - task.teacher) ** 2, axis=-1) + task.noise_var


def descent_errors(task: NoisyTask, steps, *, lr: float, init=None, limit: bool = False):
    r"""Training and exact test error of gradient descent on ``task`` at ``steps``, every teacher.

    Exact full-batch gradient descent on linnet's loss from the task's statistics
    (:func:`linnet.theory.generalisation.linear_descent`): no step is simulated one by one.

    Parameters
    ----------
    task : NoisyTask
    steps : array_like of int, shape (T,)
    lr : float
        η (linnet units; the theory's time is step·η/α).
    init : ndarray, shape (M, N), optional
        Initial weights (default 0).
    limit : bool
        Append the errors of the t → ∞ map (``linear_descent(limit=True)``) as row T.

    Returns
    -------
    E_train, E_test : ndarray, shape (T, M) or (T + 1, M)
        :math:`\frac1P\sum_\mu(y^\mu - w\cdot x^\mu)^2` (= 2 × linnet's loss) and
        :func:`exact_test_error`.

    Examples
    --------
    >>> from linnet.data import noisy_teacher, descent_errors
    >>> task = noisy_teacher(100, 200, snr=4.0, rng=np.random.default_rng(0))
    >>> E_train, E_test = descent_errors(task, [0, 1000], lr=0.01)
    >>> print(E_train[:, 0].round(3), E_test[:, 0].round(3))
    [1.    0.083] [1.055 0.336]
    """
    from ..theory.generalisation import linear_descent

    P = task.X.shape[0]
    W = linear_descent(steps, task.X.T @ task.X / P, task.Y.T @ task.X / P, lr=lr, init=init,
                       limit=limit)
    R = task.Y[None] - task.X @ np.swapaxes(W, -1, -2)  # (T, P, M), one BLAS product per step
    return np.mean(R * R, axis=1), exact_test_error(W, task)


def snr_family(n_in: int, n_samples: int, *, snrs, rng: np.random.Generator) -> NoisyTask:
    r"""One draw of inputs, teacher direction and noise, scaled to each SNR: one teacher per SNR.

    Draws :math:`X` (P × N, i.i.d. N(0, 1)), :math:`z \sim N(0, I_N/N)` and
    :math:`\xi \sim N(0, I_P)` once; teacher m is :math:`\bar w_m = \sigma_{w,m} z`, its labels
    :math:`y_m = X\bar w_m + \sigma_{\varepsilon,m}\xi`, with
    :math:`\sigma_{w,m}^2 = \mathrm{SNR}_m/(1+\mathrm{SNR}_m)`,
    :math:`\sigma_{\varepsilon,m}^2 = 1/(1+\mathrm{SNR}_m)`. At each SNR alone this is
    :func:`noisy_teacher`'s distribution; across SNRs the draws are common (one eigendecomposition
    serves them all, and a curve against SNR is smooth per draw). Independent draws (seeds) give
    the spread at each SNR.

    Parameters
    ----------
    n_in, n_samples : int
        N and P.
    snrs : array_like, shape (M,)
        Signal-to-noise ratios > 0.
    rng : numpy.random.Generator

    Returns
    -------
    NoisyTask
        ``Y`` (P, M), ``teacher`` (M, N), ``signal_var`` and ``noise_var`` arrays of shape (M,).

    Examples
    --------
    >>> from linnet.data import snr_family, exact_test_error
    >>> task = snr_family(200, 200, snrs=[0.25, 1.0, 4.0], rng=np.random.default_rng(0))
    >>> task.Y.shape, task.noise_var.round(2).tolist()
    ((200, 3), [0.8, 0.5, 0.2])
    >>> print(exact_test_error(np.zeros((3, 200)), task).round(2))  # σ_w²‖z‖² + σ_ε² ≈ 1
    [1.   0.99 0.99]
    >>> snr_family(10, 10, snrs=[1.0, 0.0], rng=np.random.default_rng(0))
    Traceback (most recent call last):
    ValueError: snrs must be > 0 (sigma_w^2/sigma_eps^2); got min 0
    """
    n_in, n_samples = positive_int(n_in, "n_in"), positive_int(n_samples, "n_samples")
    snrs = as_float_array(snrs, "snrs", ndim=1)
    if snrs.size == 0 or np.any(~(snrs > 0)) or not np.all(np.isfinite(snrs)):
        raise ValueError(f"snrs must be > 0 (sigma_w^2/sigma_eps^2); got min {np.min(snrs, initial=0):g}")
    check_rng(rng)
    sw2, se2 = snrs / (1 + snrs), 1 / (1 + snrs)
    X = rng.standard_normal((n_samples, n_in))
    z = rng.standard_normal(n_in) / np.sqrt(n_in)
    xi = rng.standard_normal(n_samples)
    W = np.sqrt(sw2)[:, None] * z
    Y = X @ W.T + xi[:, None] * np.sqrt(se2)
    return NoisyTask(X=X, Y=Y, teacher=W, signal_var=sw2, noise_var=se2)


def _check_teacher_steps(steps, M: int) -> np.ndarray:
    k = np.asarray(steps)
    if k.ndim == 1:
        k = k[:, None]
    if (k.ndim != 2 or k.shape[0] == 0 or k.shape[1] not in (1, M)
            or not np.issubdtype(k.dtype, np.integer) or k.min() < 0):
        raise ValueError(f"steps must be integers >= 0 of shape (T,) or (T, {M}) (one column per "
                         f"teacher); got {np.shape(steps)}")
    return np.broadcast_to(k, (k.shape[0], M))


def stopped_errors(task: NoisyTask, steps, *, lr: float, limit: bool = False, rcond: float = 1e-10):
    r"""Training and exact test error of gradient descent from w = 0, each teacher at its own steps.

    :func:`descent_errors` at steps that differ between teachers (each SNR's own optimal
    stopping step, say), with one eigendecomposition :math:`\Sigma_{11} = Q\Lambda Q^\top` for all:
    in the eigenbasis step k is exactly (:func:`linnet.theory.generalisation.descent_filter`)

    .. math:: \tilde w_k = \tilde b\,\frac{1 - (1-\eta\lambda)^k}{\lambda}, \qquad
              \tilde b = Q^\top\Sigma_{31}^\top,

    (kη on the null space λ ≤ 0), and with :math:`\tilde a = Q^\top\bar w`,
    :math:`E_{test} = \lVert\tilde w - \tilde a\rVert^2 + \sigma_\varepsilon^2`,
    :math:`E_{train} = \langle y^2\rangle - 2\tilde w\cdot\tilde b + \sum_i\lambda_i\tilde w_i^2`.

    Parameters
    ----------
    task : NoisyTask
    steps : array_like of int, shape (T,) or (T, M)
        Steps ≥ 0; column m is teacher m's (a 1-D array: the same steps for every teacher).
    lr : float
        η (linnet units), with η·λ_max < 2 (convergent descent).
    limit : bool
        Append the errors of the k → ∞ map (1/λ on the eigenvalues above ``rcond`` · the
        largest, 0 on the rest) as row T.
    rcond : float
        Relative cut below which an eigenvalue counts as 0 for ``limit``.

    Returns
    -------
    E_train, E_test : ndarray, shape (T, M) or (T + 1, M)

    Examples
    --------
    The same numbers as :func:`descent_errors`, but at a different step per teacher:

    >>> from linnet.data import snr_family, descent_errors, stopped_errors
    >>> task = snr_family(100, 100, snrs=[0.5, 4.0], rng=np.random.default_rng(0))
    >>> E_tr, E_te = stopped_errors(task, [[100, 300]], lr=0.01)
    >>> print(E_te.round(4), descent_errors(task, [100, 300], lr=0.01)[1].diagonal().round(4))
    [[0.9859 0.5385]] [0.9859 0.5385]
    """
    from ..theory.generalisation import descent_filter

    P = task.X.shape[0]
    M = task.teacher.shape[0]
    k = _check_teacher_steps(steps, M)
    lr = positive_float(lr, "lr")
    lam, Q = np.linalg.eigh(task.X.T @ task.X / P)
    if lr * lam.max() >= 2:
        raise ValueError(f"lr = {lr:g} times the top eigenvalue {lam.max():.3g} of Sigma11 must be < 2 "
                         f"(convergent descent); pass lr < {2 / lam.max():.3g}")
    B = (task.Y.T @ task.X / P) @ Q  # (M, N)
    A = task.teacher @ Q
    y2 = np.mean(task.Y**2, axis=0)
    G = descent_filter(k[:, :, None], lam, lr=lr, limit=limit, rcond=rcond)[0]  # (T, M, N)
    Wt = B * G
    E_test = np.sum((Wt - A) ** 2, axis=-1) + task.noise_var
    E_train = y2 - 2 * np.sum(Wt * B, axis=-1) + np.sum(lam * Wt**2, axis=-1)
    return E_train, E_test
