r"""Two noisy rank-1 tasks on shared inputs, for the transfer theory (Lampinen & Ganguli 2019).

:func:`transfer_task` draws the target teacher :math:`s_T u_T v_T^\top` and the auxiliary
teacher :math:`s_A u_A v_A^\top` with :math:`v_A = q v_T + \sqrt{1-q^2}\,v_\perp`, on
P = N1 exactly whitened inputs (Σ11 = I, the theory's orthonormal inputs) with label noise of std
σ, so the noise of Σ31 has entries of variance σ²/N1, N1 the inputs' count (σ_z = σ; the
authors' convention, whose transition A^{1/4}σ_z is the paper's 0.84: :mod:`linnet.theory.transfer`).
The random draws are made in one fixed order that does not depend on the strengths or on q:
the same ``rng`` seed gives the same vectors, inputs and noise for every (s_T, s_A, q), so
curves against q or the strengths are paired comparisons (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_rng, nonnegative_float, positive_float, positive_int
from .teacher import Task, whiten_exactly

__all__ = ["TransferTask", "transfer_task", "target_test_error"]


@dataclass(frozen=True)
class TransferTask(Task):
    """Samples of the joint task: the target's outputs, then the auxiliary task's.

    Attributes
    ----------
    X : ndarray, shape (P, N1)
    Y : ndarray, shape (P, 2·N3)
        Columns ``[:n_out]`` the target, ``[n_out:]`` the auxiliary task.
    teacher : ndarray, shape (2·N3, N1)
        The stacked teacher :math:`[\\bar W_T; \\bar W_A]`.
    n_out : int
        N3, the outputs of each task.
    q : float
        :math:`v_T\\cdot v_A`.

    Examples
    --------
    >>> from linnet.data.transfer import transfer_task
    >>> task = transfer_task(20, 5, s_target=3.0, s_aux=1.0, q=0.5, rng=np.random.default_rng(0))
    >>> task.X.shape, task.Y.shape, task.teacher.shape, task.target().Y.shape
    ((20, 20), (20, 10), (10, 20), (20, 5))
    """

    n_out: int = 0
    q: float = 0.0

    def target(self) -> Task:
        """The target task alone: same inputs, its own outputs and teacher (the baseline's data).

        Examples
        --------
        >>> from linnet.data.transfer import transfer_task
        >>> task = transfer_task(20, 5, s_target=3.0, s_aux=1.0, q=0.5, rng=np.random.default_rng(0))
        >>> print(np.linalg.svd(task.target().teacher, compute_uv=False)[:2].round(6))
        [3. 0.]
        """
        return Task(X=self.X, Y=self.Y[:, :self.n_out], teacher=self.teacher[:self.n_out])


def _unit(rng, n):
    x = rng.standard_normal(n)
    return x / np.linalg.norm(x)


def transfer_task(n_in: int, n_out: int, *, s_target: float, s_aux: float, q: float,
                  rng: np.random.Generator, noise: float = 1.0) -> TransferTask:
    r"""Two rank-1 noisy teachers sharing N1 whitened inputs with input-mode overlap q.

    Parameters
    ----------
    n_in : int
        N1 (also the number of samples P).
    n_out : int
        N3, the outputs of each task.
    s_target : float
        :math:`s_T > 0`.
    s_aux : float
        :math:`s_A \ge 0`.
    q : float
        :math:`v_T\cdot v_A \in [-1, 1]`.
    rng : numpy.random.Generator
    noise : float
        σ ≥ 0, the std of the label noise (σ_z of the theory).

    Returns
    -------
    TransferTask

    Examples
    --------
    The input vectors overlap by q, and Σ31 is the teacher plus noise of entries σ²/N1:

    >>> from linnet.data.transfer import transfer_task
    >>> task = transfer_task(400, 100, s_target=2.0, s_aux=3.0, q=0.6, rng=np.random.default_rng(1))
    >>> vT = np.linalg.svd(task.teacher[:100])[2][0]
    >>> vA = np.linalg.svd(task.teacher[100:])[2][0]
    >>> round(abs(float(vT @ vA)), 6)
    0.6
    >>> Z = task.Y.T @ task.X / 400 - task.teacher
    >>> round(float(Z.var() * 400), 1)
    1.0
    >>> transfer_task(10, 5, s_target=1.0, s_aux=1.0, q=1.5, rng=np.random.default_rng(0))
    Traceback (most recent call last):
    ValueError: q must be in [-1, 1] (the overlap v_target . v_aux of two unit vectors); got 1.5
    """
    n_in, n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
    if n_in < 2:
        raise ValueError(f"n_in must be >= 2 (two input directions v_target, v_perp); got {n_in}")
    sT, sA = positive_float(s_target, "s_target"), nonnegative_float(s_aux, "s_aux")
    q = float(q)
    if not -1 <= q <= 1:
        raise ValueError(f"q must be in [-1, 1] (the overlap v_target . v_aux of two unit vectors); got {q:g}")
    noise = nonnegative_float(noise, "noise")
    check_rng(rng)
    # fixed draw order, independent of the strengths and q (common random numbers)
    V = np.linalg.qr(rng.standard_normal((n_in, 2)))[0]
    vT, v_perp = V[:, 0], V[:, 1]
    uT, uA = _unit(rng, n_out), _unit(rng, n_out)
    X = whiten_exactly(rng.standard_normal((n_in, n_in)))
    Z = rng.standard_normal((n_in, 2 * n_out))
    vA = q * vT + np.sqrt(1 - q * q) * v_perp
    W = np.concatenate([sT * np.outer(uT, vT), sA * np.outer(uA, vA)])
    return TransferTask(X=X, Y=X @ W.T + noise * Z, teacher=W, n_out=n_out, q=q)


def target_test_error(products, task: TransferTask) -> np.ndarray:
    r"""Target-head test error :math:`\lVert W_{1:N_3} - \bar W_T\rVert_F^2/\lVert\bar W_T\rVert_F^2`.

    The error on fresh whitened inputs of the first N3 outputs (the target's), relative to the
    target teacher's squared norm :math:`s_T^2` (the theory's ε, :mod:`linnet.theory.transfer`).

    Parameters
    ----------
    products : ndarray, shape (..., M, N1)
        End-to-end maps of a joint student (M = 2·N3) or of a target-alone one (M = N3).
    task : TransferTask

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    >>> from linnet.data.transfer import transfer_task, target_test_error
    >>> task = transfer_task(20, 5, s_target=2.0, s_aux=1.0, q=0.0, rng=np.random.default_rng(0))
    >>> target_test_error(np.stack([task.teacher, 0 * task.teacher]), task)
    array([0., 1.])
    """
    W = np.asarray(products, dtype=np.float64)
    n = task.n_out
    if W.ndim < 2 or W.shape[-1] != task.X.shape[1] or W.shape[-2] not in (n, 2 * n):
        raise ValueError(f"products must end in ({n} or {2 * n}, {task.X.shape[1]}) (a target-alone or "
                         f"joint student's map); got shape {W.shape}")
    WT = task.teacher[:n]
    return np.sum((W[..., :n, :] - WT) ** 2, axis=(-2, -1)) / np.sum(WT**2)
