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


# ---------------------------------------------------------------------- the seed notebook
# Its cells as written in docs/seed-notebook.txt (In[24]-In[31]), the reference that
# linnet's step mapping and replay are tested against (tests/test_seed_notebook*.py).
def notebook_code(P: int):
    """The notebook's cells In[24], In[26], In[27] and In[28], as written (``P`` is its global).

    Returns its ``Network`` class, its loss ``L``, its ``grads`` and its ``update``.
    """
    class Network:
        def __init__(self, W21, W32):  # In[24] draws randn(N2, N1), randn(N3, N2); passed in here
            self.W21 = W21.copy()
            self.W32 = W32.copy()
            self.g1 = None
            self.g2 = None
            self.g3 = None

        def __call__(self, X):
            self.g1 = X
            self.g2 = self.g1 @ self.W21.T
            self.g3 = self.g2 @ self.W32.T
            return self.g3

    E = lambda fX, gX: fX - gX  # noqa: E731 (the notebook's lambdas, kept as written)
    L = lambda fX, gX: np.sum(E(fX, gX) ** 2) / P  # noqa: E731
    dgdW = lambda X: X[:, np.newaxis, :]  # noqa: E731
    dgdX = lambda W: W[np.newaxis, :, :]  # noqa: E731
    dLdW = lambda dLdg, X: np.mean(dLdg[:, :, np.newaxis] * dgdW(X), axis=0)  # noqa: E731
    dLdX = lambda dLdg, W: np.sum(dLdg[:, :, np.newaxis] * dgdX(W), axis=1)  # noqa: E731

    def grads(fX, g):
        dLdg3 = -2 * E(fX, g.g3) / P
        dLdW32 = dLdW(dLdg3, g.g2)
        dLdg2 = dLdX(dLdg3, g.W32)
        dLdW21 = dLdW(dLdg2, g.g1)
        return dLdW21, dLdW32

    def update(g, Y, lr=1):
        dLdW21, dLdW32 = grads(Y, g)
        g.W21 -= lr * dLdW21
        g.W32 -= lr * dLdW32

    return Network, L, grads, update


def run_notebook(W21, W32, X, Y, lrs):
    """The notebook's training: for each lr one forward pass and one update (In[29], In[31]).

    Returns the weights after every step, the notebook's loss L_nb before the first and after
    every step, and its gradients (dLdW21, dLdW32) at the start (In[27]).
    """
    Network, L, grads, update = notebook_code(X.shape[0])
    g = Network(W21, W32)
    losses, weights = [L(Y, g(X))], []
    first_grads = grads(Y, g)
    for lr in lrs:
        g(X)
        update(g, Y, lr=lr)
        weights.append((g.W21.copy(), g.W32.copy()))
        losses.append(L(Y, g(X)))
    return weights, np.array(losses), first_grads
