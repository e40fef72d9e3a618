"""Unchecked products of a network's layers, shared by :mod:`linnet.network` (which checks
its arguments first) and the training loops and kernels (which call these every step, on
arguments checked once, and where a diverged member may hold inf or NaN).

The public, checked forms are :func:`linnet.network.end_to_end` and
:func:`linnet.network.gradients_from_data`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["chain", "above", "backprop"]


def chain(weights) -> np.ndarray:
    """The end-to-end map :math:`W_L \\cdots W_1` of layers (..., n_{l+1}, n_l), unchecked."""
    P = weights[-1]
    for W in reversed(weights[:-1]):
        P = P @ W
    return P


def above(weights) -> list:
    """``S[l]`` = :math:`W_L \\cdots W_{l+2}` (0-based l), the product above layer l; ``None``
    for the last layer. ``S[0] @ W1`` is :func:`chain` to the bit (the same association)."""
    L = len(weights)
    S = [None] * L
    for l in range(L - 2, -1, -1):
        S[l] = weights[l + 1] if S[l + 1] is None else S[l + 1] @ weights[l + 1]
    return S


def backprop(weights, X, Y) -> list[np.ndarray]:
    """Layer gradients of the loss (1/2B)Σ‖y − W x‖² on samples X (B, N), Y (B, M), unchecked;
    the weights may carry leading ensemble axes (..., n_{l+1}, n_l)."""
    B = X.shape[0]
    H = [X]
    for W in weights[:-1]:
        H.append(H[-1] @ np.swapaxes(W, -1, -2))
    delta = (H[-1] @ np.swapaxes(weights[-1], -1, -2) - Y) / B  # dL/d(output), (..., B, M)
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = np.swapaxes(delta, -1, -2) @ H[l]
        if l:
            delta = delta @ weights[l]
    return grads
