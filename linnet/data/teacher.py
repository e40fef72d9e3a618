r"""A linear-teacher regression task: targets :math:`y = \bar W x + \text{noise}`.

With exactly whitened inputs, :math:`\Sigma_{31} = \bar W` and the teacher's singular values
are the task's mode strengths (docs/theory.md#data-sets), so every formula of :mod:`linnet.theory` applies
exactly from aligned initial weights and approximately from small random ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import (DATA_FIX, as_float_array, check_rng, nonnegative_float, positive_float,
                           positive_int)
from .._random import random_orthogonal

__all__ = ["Task", "teacher_matrix", "whiten_exactly", "teacher_task"]


@dataclass(frozen=True)
class Task:
    """Samples of a teacher task.

    Attributes
    ----------
    X : ndarray, shape (P, N)
        Inputs (rows are samples).
    Y : ndarray, shape (P, M)
        Targets.
    teacher : ndarray, shape (M, N)
        The teacher map :math:`\\bar W`.

    Examples
    --------
    Build one with :func:`teacher_task`:

    >>> from linnet.data import teacher_task
    >>> task = teacher_task(5, 3, 40, rng=np.random.default_rng(0))
    >>> task.X.shape, task.Y.shape, task.teacher.shape
    ((40, 5), (40, 3), (3, 5))
    """

    X: np.ndarray
    Y: np.ndarray
    teacher: np.ndarray


def teacher_matrix(
    n_out: int,
    n_in: int,
    *,
    rng: np.random.Generator,
    spectrum="geometric",
    s_max: float = 4.0,
    ratio: float = 0.5,
) -> np.ndarray:
    r"""A teacher map :math:`\bar W` of shape (n_out, n_in).

    Parameters
    ----------
    spectrum : {"geometric", "gaussian"} or array_like
        ``"geometric"`` (default): singular values :math:`s_\alpha = s_{max} r^{\alpha-1}`,
        well separated so each mode has its own learning time; ``"gaussian"``: i.i.d.
        N(0, 1) entries as in the seed notebook; an array: these singular values
        (length min(n_out, n_in), non-increasing, ≥ 0) with random singular vectors.
    s_max, ratio : float
        Largest singular value and ratio between consecutive ones (geometric spectrum).

    Returns
    -------
    ndarray, shape (n_out, n_in)
        With Haar-random singular vectors (:func:`linnet.network.random_orthogonal`), except
        for ``"gaussian"``.

    Examples
    --------
    >>> from linnet.data import teacher_matrix
    >>> W = teacher_matrix(3, 5, rng=np.random.default_rng(0))  # s_max = 4, ratio = 1/2
    >>> W.shape
    (3, 5)
    >>> np.round(np.linalg.svd(W, compute_uv=False), 6)
    array([4., 2., 1.])
    >>> W = teacher_matrix(3, 5, rng=np.random.default_rng(0), spectrum=[3.0, 1.0, 0.5])
    >>> np.round(np.linalg.svd(W, compute_uv=False), 6)
    array([3. , 1. , 0.5])
    """
    n_out = positive_int(n_out, "n_out")
    n_in = positive_int(n_in, "n_in")
    check_rng(rng)
    r = min(n_out, n_in)
    if isinstance(spectrum, str) and spectrum == "gaussian":
        return rng.standard_normal((n_out, n_in))
    if isinstance(spectrum, str) and spectrum == "geometric":
        s = positive_float(s_max, "s_max") * positive_float(ratio, "ratio") ** np.arange(r)
    elif isinstance(spectrum, str):
        raise ValueError(f"spectrum must be 'geometric', 'gaussian' or an array; got {spectrum!r}")
    else:
        s = as_float_array(spectrum, "spectrum", ndim=1)
        if s.shape != (r,) or np.any(s < 0) or np.any(np.diff(s) > 0):
            raise ValueError(
                f"spectrum must hold {r} = min(n_out, n_in) non-increasing values >= 0; got {s}"
            )
    U = random_orthogonal(n_out, rng=rng)[:, :r]
    V = random_orthogonal(n_in, rng=rng)[:, :r]
    return (U * s) @ V.T


def whiten_exactly(X) -> np.ndarray:
    r"""Rotate-and-scale samples ``X`` (P, N) so that :math:`X^\top X/P = I` to round-off.

    Uses the symmetric (ZCA) square root of the sample correlation; needs P ≥ N and a
    non-singular correlation. The symmetric root :math:`Q\Lambda^{-1/2}Q^\top` does not depend
    on the signs of the eigenvectors, so unlike PCA whitening (:func:`linnet.data.fit_whitening`)
    it needs no sign convention. The inputs are not centred: linnet's statistics are
    uncentred second moments, and whitening them is what makes :math:`\Sigma_{11} = I`.

    Returns the whitened samples, shape (P, N).

    Examples
    --------
    Inputs of very different scales come out with :math:`X^\top X/P = I`:

    >>> from linnet.data import whiten_exactly
    >>> X = np.random.default_rng(0).standard_normal((100, 3)) * [1.0, 5.0, 0.1]
    >>> Z = whiten_exactly(X)
    >>> np.allclose(Z.T @ Z / 100, np.eye(3), rtol=0, atol=1e-12)
    True
    """
    X = as_float_array(X, "X", ndim=2, fix=DATA_FIX)
    P, N = X.shape
    if P < N:
        raise ValueError(f"X needs at least as many samples as inputs to be whitened; got P={P} < N={N}")
    lam, Q = np.linalg.eigh(X.T @ X / P)
    if lam.min() <= 1e-12 * lam.max():
        raise ValueError("X has (nearly) linearly dependent columns and cannot be whitened")
    return X @ ((Q / np.sqrt(lam)) @ Q.T)


def teacher_task(
    n_in: int,
    n_out: int,
    n_samples: int,
    *,
    rng: np.random.Generator,
    spectrum="geometric",
    s_max: float = 4.0,
    ratio: float = 0.5,
    whiten: bool = True,
    noise: float = 0.0,
) -> Task:
    r"""Samples :math:`y^\mu = \bar W x^\mu + \sigma z^\mu` of a linear teacher.

    Parameters
    ----------
    n_in, n_out, n_samples : int
        N, M and P.
    rng : numpy.random.Generator
    spectrum, s_max, ratio
        The teacher's singular values (:func:`teacher_matrix`).
    whiten : bool
        Whiten the Gaussian inputs exactly on the sample (:math:`\Sigma_{11} = I`);
        otherwise i.i.d. N(0, 1) inputs.
    noise : float
        σ, the std of i.i.d. Gaussian label noise.

    Returns
    -------
    Task
        ``X`` (P, N), ``Y`` (P, M) and the ``teacher`` (M, N).

    Examples
    --------
    Noiseless targets on exactly whitened inputs: the teacher is the task's
    :math:`\Sigma_{31}`, so its singular values are the mode strengths:

    >>> from linnet.data import teacher_task
    >>> task = teacher_task(5, 3, 40, rng=np.random.default_rng(0))
    >>> np.allclose(task.X.T @ task.X / 40, np.eye(5)), np.allclose(task.Y, task.X @ task.teacher.T)
    (True, True)
    >>> np.allclose(task.Y.T @ task.X / 40, task.teacher)
    True

    With label noise the targets scatter around the teacher's outputs by about σ:

    >>> task = teacher_task(5, 3, 40, rng=np.random.default_rng(0), noise=0.1, whiten=False)
    >>> round(float(np.std(task.Y - task.X @ task.teacher.T)), 1)
    0.1
    """
    n_samples = positive_int(n_samples, "n_samples")
    noise = nonnegative_float(noise, "noise")
    check_rng(rng)
    W = teacher_matrix(n_out, n_in, rng=rng, spectrum=spectrum, s_max=s_max, ratio=ratio)
    X = rng.standard_normal((n_samples, n_in))
    if whiten:
        X = whiten_exactly(X)
    Y = X @ W.T
    if noise:
        Y = Y + noise * rng.standard_normal(Y.shape)
    return Task(X=X, Y=Y, teacher=W)
