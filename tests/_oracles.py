"""Independent oracles shared by the test modules."""

from __future__ import annotations

import numpy as np


def central_differences(loss, weights, h):
    """Central differences of ``loss(weights)`` for every entry of every layer.

    Parameters
    ----------
    loss : callable
        ``loss(weights) -> float`` for one network (no ensemble axis).
    weights : tuple of ndarray, shapes (n_{l+1}, n_l)
        The point at which to differentiate.
    h : float
        Step.

    Returns
    -------
    list of ndarray, shapes (n_{l+1}, n_l)
        ``(loss(W + h e_i) − loss(W − h e_i)) / 2h`` for each entry i of each layer.

    Notes
    -----
    The loss of a linear network is a quadratic polynomial in any single weight entry (the
    end-to-end map is linear in each layer), so the central difference has no truncation error
    for any h: what differs from the gradient is round-off, ~ε·|L|/h.
    """
    grads = []
    for l, W in enumerate(weights):
        G = np.empty_like(W)
        for idx in np.ndindex(W.shape):
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[l][idx] += h
            minus[l][idx] -= h
            G[idx] = (loss(plus) - loss(minus)) / (2 * h)
        grads.append(G)
    return grads
