r"""Learning from prior knowledge: the exact solution started from a learned network.

Braun, Dominé, Fitzgerald & Saxe (2022) note that the zero-balanced closed form
(:class:`~linnet.theory.exact.ZeroBalancedSolution`) needs only a zero-balanced initial state,
not a small one, so it also describes *retraining*: a network that has learned one task and is
then trained on another (a reversed task, a revised hierarchy). Gradient descent with a small
step keeps :math:`W_1W_1^\top - W_2^\top W_2` at its initial value up to O(η) (the per-step
change is :math:`\eta^2(W_2^\top EE^\top W_2 - W_1E^\top EW_1^\top)`, E the error), so a network
trained from a zero-balanced init is zero-balanced to O(η) but not to round-off.
:func:`balanced_weights` gives the exactly zero-balanced weights with a given network map,
closest to a given pair: the state from which the closed form starts
(docs/theory.md#learning-from-prior-knowledge).
"""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array
from ..metrics import mode_strength_diagonal

__all__ = ["balanced_weights", "mode_blocks", "block_strengths", "unused_output_perturbation"]


def _check_like(like, H, N, M):
    if like is None:
        return None
    if isinstance(like, np.ndarray) or len(like) != 2:
        raise ValueError("like must be two matrices (W1, W2) of a two-layer network, or None")
    W1 = as_float_array(like[0], "like[0]", ndim=2)
    W2 = as_float_array(like[1], "like[1]", ndim=2)
    if W1.shape != (H, N) or W2.shape != (M, H):
        raise ValueError(f"like must have shapes ({H}, {N}) and ({M}, {H}) to match product and hidden; "
                         f"got {W1.shape} and {W2.shape}")
    return W1, W2


def balanced_weights(product, hidden: int, *, like=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Zero-balanced two-layer weights with a given network map, nearest to ``like``.

    Parameters
    ----------
    product : array_like, shape (M, N)
        The map :math:`P = W_2W_1` to factor, with compact SVD :math:`P = USV^\top` (m = min(N, M)).
    hidden : int
        Hidden width H ≥ m.
    like : tuple (W1, W2), optional
        Weights of shapes (H, N), (M, H), e.g. a trained network that is balanced only up to
        O(η): the hidden-layer basis is chosen to bring the result closest to them.

    Returns
    -------
    W1, W2 : ndarray, shapes (H, N), (M, H)
        :math:`W_1 = RS^{1/2}V^\top`, :math:`W_2 = US^{1/2}R^\top`, so :math:`W_2W_1 = P` and
        :math:`W_1W_1^\top = W_2^\top W_2 = RSR^\top` exactly.

    Notes
    -----
    R (H × m, orthonormal columns) is free. Without ``like`` it is the first m columns of the
    identity. With ``like``, :math:`\lVert W_1 - W_1'\rVert_F^2 + \lVert W_2 - W_2'\rVert_F^2`
    is smallest when R maximises :math:`\operatorname{tr}R^\top K`,
    :math:`K = W_1'VS^{1/2} + W_2'^\top US^{1/2}`: R is the polar factor of K (:math:`K = ADC^\top`
    → :math:`R = AC^\top`). For weights with imbalance :math:`\Delta = W_1'W_1'^\top - W_2'^\top W_2'`
    the result moves them by O(‖Δ‖/‖W‖).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import theory
    >>> P = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> W1, W2 = theory.balanced_weights(P, 3)
    >>> W1.shape, W2.shape, bool(np.allclose(W2 @ W1, P))
    ((3, 2), (3, 3), True)
    >>> print(round(float(np.abs(W1 @ W1.T - W2.T @ W2).max()), 12))
    0.0
    >>> rot = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    >>> near = theory.balanced_weights(P, 3, like=(rot @ W1, W2 @ rot.T))  # recovers the rotation
    >>> print(round(float(np.abs(near[0] - rot @ W1).max()), 12))
    0.0
    """
    P = as_float_array(product, "product", ndim=2)
    if not np.all(np.isfinite(P)):
        raise ValueError("product must be finite")
    M, N = P.shape
    m = min(M, N)
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < m:
        raise ValueError(f"hidden must be an integer width >= min(N, M) = {m} (no bottleneck); got {hidden!r}")
    like = _check_like(like, int(hidden), N, M)
    U, s, Vt = np.linalg.svd(P, full_matrices=False)
    root = np.sqrt(s)
    if like is None:
        R = np.eye(int(hidden))[:, :m]
    else:
        K = like[0] @ Vt.T * root + like[1].T @ U * root
        A, _, Ct = np.linalg.svd(K, full_matrices=False)
        R = A @ Ct
    return (R * root) @ Vt, (U * root) @ R.T


def mode_blocks(s, *, rtol: float = 1e-8) -> np.ndarray:
    r"""Label the modes by block of equal singular value, shape (r,).

    Within a block of repeated :math:`s` the singular vectors are defined only up to a rotation
    (LAPACK returns one of them), so per-mode quantities there are not reproducible;
    :func:`block_strengths` averages over each block instead.

    Parameters
    ----------
    s : array_like, shape (r,)
        Singular values in decreasing order (``Statistics.modes.s``).
    rtol : float
        Two consecutive values belong to one block when they differ by at most
        ``rtol · max(s)`` (round-off of an SVD is ~1e-15 relative, far below the default).

    Returns
    -------
    ndarray of int, shape (r,)
        Block index of every mode, 0 for the strongest block, increasing.

    Examples
    --------
    >>> from linnet.data import deterministic_tree
    >>> from linnet import theory
    >>> theory.mode_blocks(deterministic_tree(2, 3).stats().modes.s)
    array([0, 1, 2, 2, 3, 3, 3, 3])
    """
    s = as_float_array(s, "s", ndim=1)
    if s.size and np.any(np.diff(s) > rtol * np.abs(s).max()):
        raise ValueError("s must be in decreasing order (the order of Statistics.modes.s)")
    if s.size == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.concatenate([[False], -np.diff(s) > rtol * max(np.abs(s).max(), np.finfo(float).tiny)])
    return np.cumsum(new).astype(np.int64)


def block_strengths(product, modes, *, rtol: float = 1e-8):
    r"""Mean mode strength of each block of equal singular value: a basis-free quantity.

    For a block b of k modes with singular value :math:`s_b` and singular vectors
    :math:`U_b` (M × k), :math:`V_b` (N × k),
    :math:`\bar u_b = \operatorname{tr}(U_b^\top W \Sigma_{11}^{1/2} V_b)/k`. Rotating the
    block's basis (:math:`U_b \to U_bQ`, :math:`V_b \to V_bQ`, Q orthogonal, the freedom an
    SVD leaves) leaves the trace unchanged, so :math:`\bar u_b` does not depend on which
    basis LAPACK returned; for a block of one mode it is that mode's strength
    (:func:`linnet.metrics.mode_strength_diagonal`).

    Parameters
    ----------
    product : array_like, shape (..., M, N)
        End-to-end maps W, e.g. a trajectory's ``product``.
    modes : linnet.stats.Modes
        The task's modes.
    rtol : float
        Block tolerance of :func:`mode_blocks`.

    Returns
    -------
    strength : ndarray, shape (..., n_blocks)
        :math:`\bar u_b` of each block.
    s : ndarray, shape (n_blocks,)
        The block's singular value (mean over the block).
    multiplicity : ndarray of int, shape (n_blocks,)
        k, the number of modes in the block.

    Examples
    --------
    >>> from linnet.data import deterministic_tree
    >>> from linnet import theory
    >>> st = deterministic_tree(2, 2).stats()  # s = 1.225, 0.707, 0.5, 0.5
    >>> u, s, k = theory.block_strengths(0.5 * st.sigma31, st.modes)  # half of the optimum
    >>> print(np.round(u / s, 6), k)
    [0.5 0.5 0.5] [1 1 2]
    """
    labels = mode_blocks(modes.s, rtol=rtol)
    u = mode_strength_diagonal(product, modes)
    n = int(labels.max()) + 1 if labels.size else 0
    k = np.bincount(labels, minlength=n)
    # sum within each block along the last axis, then divide by its size
    total = np.stack([u[..., labels == b].sum(axis=-1) for b in range(n)], axis=-1)
    s = np.bincount(labels, weights=modes.s, minlength=n) / k
    return total / k, s, k


def unused_output_perturbation(sigma31, rng: np.random.Generator) -> np.ndarray:
    r"""A random unit-norm map into the outputs :math:`\Sigma_{31}` leaves unused, shape (M, N).

    :math:`G = (I - \Pi)R/\lVert (I - \Pi)R\rVert_F` with R an M × N standard Gaussian draw of
    ``rng`` and :math:`\Pi = \Sigma_{31}\Sigma_{31}^{+}` the orthogonal projector onto the
    column space of :math:`\Sigma_{31}`. The projector is unique (unlike a basis of its
    complement, which an SVD chooses), so G depends only on the task and the seed. Adding
    :math:`\varepsilon G` to a learned map moves it off the reversed task's saddle
    (docs/theory.md#learning-from-prior-knowledge).

    Parameters
    ----------
    sigma31 : array_like, shape (M, N)
        Input-output correlation; needs rank < M (unused output directions).
    rng : numpy.random.Generator
        Source of R.

    Returns
    -------
    ndarray, shape (M, N)
        G with :math:`\Pi G = 0` and :math:`\lVert G\rVert_F = 1`.

    Examples
    --------
    >>> from linnet.data import deterministic_tree
    >>> from linnet import theory
    >>> S = deterministic_tree(2, 2).stats().sigma31  # 7 properties × 4 items, rank 4
    >>> G = theory.unused_output_perturbation(S, np.random.default_rng(0))
    >>> print(G.shape, round(float(np.linalg.norm(G)), 12), round(float(np.abs(S.T @ G).max()), 12))
    (7, 4) 1.0 0.0
    """
    S = as_float_array(sigma31, "sigma31", ndim=2)
    if not np.all(np.isfinite(S)):
        raise ValueError("sigma31 must be finite")
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator, e.g. np.random.default_rng(0)")
    M, N = S.shape
    G = rng.standard_normal((M, N))
    G -= S @ (np.linalg.pinv(S) @ G)
    norm = np.linalg.norm(G)
    if norm < 1e-12 * np.sqrt(M * N):
        raise ValueError("sigma31 must leave some output direction unused (rank < M); it spans all outputs")
    return G / norm
