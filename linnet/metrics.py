r"""Measurements on weights: mode strengths, balancedness, distance to the optimum, accuracy."""

from __future__ import annotations

import numpy as np

from .network import end_to_end
from .stats import Modes, Statistics

__all__ = [
    "mode_strengths",
    "mode_strength_diagonal",
    "max_offdiagonal",
    "distance_to_optimum",
    "weight_norms",
    "balancedness",
    "accuracy",
]


def mode_strengths(product, modes: Modes) -> np.ndarray:
    r"""Strength matrix :math:`u_\alpha^\top W \Sigma_{11}^{1/2} v_\beta` of end-to-end maps.

    Parameters
    ----------
    product : ndarray, shape (..., M, N)
        End-to-end maps W (``Trajectory.product``).
    modes : Modes

    Returns
    -------
    ndarray, shape (..., r, r)
        Diagonal: the strength of each mode; off-diagonal: cross-talk between modes.
    """
    return modes.U.T @ np.asarray(product) @ modes.input_map


def mode_strength_diagonal(product, modes: Modes) -> np.ndarray:
    r"""Strength of each mode, :math:`u_\alpha^\top W \Sigma_{11}^{1/2} v_\alpha`, shape (..., r)."""
    # einsum avoids forming the r×r matrix when only its diagonal is needed.
    return np.einsum("ma,...mn,na->...a", modes.U, np.asarray(product), modes.input_map)


def max_offdiagonal(product, modes: Modes) -> np.ndarray:
    """Largest absolute off-diagonal mode strength, shape (...)."""
    S = mode_strengths(product, modes)
    r = S.shape[-1]
    return np.max(np.abs(S * (1 - np.eye(r))), axis=(-2, -1))


def distance_to_optimum(product, stats: Statistics, rank: int | None = None) -> np.ndarray:
    r"""Frobenius distance :math:`\lVert W - W_\star\rVert_F` to the (rank-k) optimum, shape (...)."""
    return np.linalg.norm(np.asarray(product) - stats.optimum(rank), axis=(-2, -1))


def weight_norms(weights) -> np.ndarray:
    """Frobenius norm of every layer, shape (L, ...)."""
    return np.stack([np.linalg.norm(W, axis=(-2, -1)) for W in weights])


def balancedness(weights) -> np.ndarray:
    r"""Imbalance :math:`\lVert W_l W_l^\top - W_{l+1}^\top W_{l+1}\rVert_F` of each adjacent pair, shape (L−1, ...).

    Conserved by gradient flow (THEORY.md §1.7); zero for balanced initialisations.
    """
    out = []
    for Wl, Wn in zip(weights[:-1], weights[1:]):
        D = Wl @ np.swapaxes(Wl, -1, -2) - np.swapaxes(Wn, -1, -2) @ Wn
        out.append(np.linalg.norm(D, axis=(-2, -1)))
    return np.stack(out)


def accuracy(product, X, labels) -> np.ndarray:
    """Fraction of samples whose largest output is the true class.

    Parameters
    ----------
    product : ndarray, shape (..., M, N)
    X : ndarray, shape (P, N)
    labels : ndarray of int, shape (P,)
    """
    scores = np.asarray(X) @ np.swapaxes(np.asarray(product), -1, -2)
    return np.mean(np.argmax(scores, axis=-1) == np.asarray(labels), axis=-1)
