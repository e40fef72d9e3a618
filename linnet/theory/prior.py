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

__all__ = ["balanced_weights"]


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
    >>> print(np.abs(W1 @ W1.T - W2.T @ W2).max())
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
