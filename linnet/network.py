r"""Weights of a depth-L linear network: shapes, initialisation, forward pass, loss, gradients.

A network is a tuple ``(W1, ..., WL)`` with ``Wl`` of shape (n_{l+1}, n_l), mapping
``x ↦ WL ⋯ W1 x``; a batch ``X`` (P, N) maps to ``X @ W1.T @ ... @ WL.T``. Every function
also accepts a leading ensemble axis, ``Wl`` of shape (K, n_{l+1}, n_l): K networks that
step together through numpy broadcasting (DESIGN.md, Conventions: Shapes).

The loss is :math:`\mathcal L = \frac{1}{2P}\sum_\mu \lVert y^\mu - W x^\mu\rVert^2` with
:math:`W = W_L\cdots W_1` (THEORY.md §0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_float_array, check_rng, positive_float, positive_int
from .stats import Modes, Statistics

__all__ = [
    "check_weights",
    "widths",
    "end_to_end",
    "forward",
    "loss",
    "loss_from_stats",
    "gradients",
    "gradients_from_data",
    "init_gaussian",
    "init_aligned",
    "random_orthogonal",
]

Weights = tuple[np.ndarray, ...]


# ---------------------------------------------------------------------------- shapes
def check_weights(weights, *, n_in: int | None = None, n_out: int | None = None) -> Weights:
    """Validate a tuple of weight matrices and return it as float64 arrays.

    Parameters
    ----------
    weights : sequence of array_like
        ``(W1, ..., WL)``, each of shape (..., n_{l+1}, n_l) with the same leading axes.
    n_in, n_out : int, optional
        Required input and output dimensions (N and M of the data).

    Raises
    ------
    ValueError
        When the widths do not chain, the ensemble axes differ or a matrix is not finite.
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise TypeError(
            "weights must be a non-empty tuple of matrices (W1, ..., WL); "
            f"got {type(weights).__name__}"
        )
    out = tuple(as_float_array(W, f"W{l + 1}", ndim=(2, 3)) for l, W in enumerate(weights))
    lead = out[0].shape[:-2]
    for l, W in enumerate(out):
        if W.shape[:-2] != lead:
            raise ValueError(
                f"W{l + 1} has ensemble axes {W.shape[:-2]} but W1 has {lead}; every layer "
                "needs the same leading axes"
            )
        if l and W.shape[-1] != out[l - 1].shape[-2]:
            raise ValueError(
                f"W{l + 1} must have shape (n_{l + 2}, {out[l - 1].shape[-2]}) to follow "
                f"W{l} of shape {out[l - 1].shape[-2:]}; got {W.shape[-2:]}"
            )
    if n_in is not None and out[0].shape[-1] != n_in:
        raise ValueError(
            f"W1 must have {n_in} columns to match the inputs (N = {n_in}); got shape "
            f"{out[0].shape[-2:]}"
        )
    if n_out is not None and out[-1].shape[-2] != n_out:
        raise ValueError(
            f"W{len(out)} must have {n_out} rows to match the targets (M = {n_out}); got "
            f"shape {out[-1].shape[-2:]}"
        )
    return out


def widths(weights) -> tuple[int, ...]:
    """Layer widths ``(n_1, ..., n_{L+1})`` = (N, hidden..., M) of a network."""
    return (weights[0].shape[-1],) + tuple(W.shape[-2] for W in weights)


def end_to_end(weights) -> np.ndarray:
    """The end-to-end map :math:`W = W_L \\cdots W_1`, shape (..., M, N)."""
    P = weights[-1]
    for W in reversed(weights[:-1]):
        P = P @ W
    return P


# ---------------------------------------------------------------------------- forward, loss
def forward(weights, X) -> np.ndarray:
    """Network outputs for inputs ``X`` (P, N): ``X @ W1.T @ ... @ WL.T``, shape (..., P, M)."""
    H = np.asarray(X, dtype=np.float64)
    for W in weights:
        H = H @ np.swapaxes(W, -1, -2)
    return H


def loss(weights, X, Y) -> np.ndarray:
    r"""Loss :math:`\frac{1}{2P}\sum_\mu\lVert y^\mu - W x^\mu\rVert^2` on samples ``X`` (P, N), ``Y`` (P, M)."""
    weights = check_weights(weights)
    X = as_float_array(X, "X", ndim=2)
    Y = as_float_array(Y, "Y", ndim=2)
    R = Y - forward(weights, X)
    return 0.5 * np.sum(R * R, axis=(-2, -1)) / X.shape[0]


def loss_from_stats(weights, stats: Statistics) -> np.ndarray:
    """The same loss computed from the statistics alone (no pass over the samples)."""
    return stats.loss(end_to_end(weights))


# ---------------------------------------------------------------------------- gradients
def _grads_from_error(weights: Weights, E: np.ndarray) -> list[np.ndarray]:
    r"""Layer gradients :math:`\partial\mathcal L/\partial W_l = -S_l^\top E\,(W_{l-1}\cdots W_1)^\top`.

    ``E`` is :math:`-\partial\mathcal L/\partial W` of shape (..., M, N). The output-side
    products :math:`S_l = W_L\cdots W_{l+1}` (M, n_{l+1}) are built from the top and
    :math:`R_l = E W_1^\top\cdots W_l^\top` (M, n_{l+1}) is carried upward, so every product is
    thin (M rows): O(L·M·n²) per step instead of the O(L·n³) of prefix products (DESIGN.md).
    """
    L = len(weights)
    S = [None] * L  # S[l] = W_L ... W_{l+2} in 0-based layers: the product above layer l
    for l in range(L - 2, -1, -1):
        S[l] = weights[l + 1] if S[l + 1] is None else S[l + 1] @ weights[l + 1]
    grads = []
    R = E
    for l, W in enumerate(weights):
        G = R if S[l] is None else np.swapaxes(S[l], -1, -2) @ R
        grads.append(-G)
        if l < L - 1:
            R = R @ np.swapaxes(W, -1, -2)
    return grads


def gradients(weights, stats: Statistics) -> list[np.ndarray]:
    r"""Gradients of the loss with respect to every layer, from the statistics.

    Parameters
    ----------
    weights : tuple of ndarray
        ``(W1, ..., WL)``, optional leading ensemble axes.
    stats : Statistics

    Returns
    -------
    list of ndarray
        ``[dL/dW1, ..., dL/dWL]``, shapes as the weights.

    Notes
    -----
    With :math:`E = \Sigma_{31} - W\Sigma_{11}` (THEORY.md §1.6, eq. 13),

    .. math:: \partial\mathcal L/\partial W_l = -(W_L\cdots W_{l+1})^\top E\,(W_{l-1}\cdots W_1)^\top.
    """
    weights = check_weights(weights, n_in=stats.n_in, n_out=stats.n_out)
    return _grads_from_error(weights, stats.sigma31 - _times_sigma11(end_to_end(weights), stats))


def _times_sigma11(W: np.ndarray, stats: Statistics) -> np.ndarray:
    return W if stats.is_white else W @ stats.sigma11


def gradients_from_data(weights, X, Y) -> list[np.ndarray]:
    r"""Layer gradients of the loss on the samples ``X`` (B, N), ``Y`` (B, M) by backpropagation.

    Used for minibatch SGD: costs O(B·Σ n_l n_{l+1}) and never forms (B, M, N) tensors.
    """
    weights = check_weights(weights)
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


# ---------------------------------------------------------------------------- initialisation
def _check_widths(widths_) -> tuple[int, ...]:
    if isinstance(widths_, (int, np.integer)) or len(widths_) < 2:
        raise ValueError(
            "widths must list at least the input and output sizes, e.g. (100, 20, 10); "
            f"got {widths_!r}"
        )
    return tuple(positive_int(n, f"widths[{i}]") for i, n in enumerate(widths_))


def init_gaussian(
    widths_: Sequence[int],
    scale: float,
    *,
    rng: np.random.Generator,
    fan_in: bool = False,
    ensemble: int | None = None,
) -> Weights:
    r"""I.i.d. Gaussian weights, :math:`(W_l)_{ij} \sim \mathcal N(0, \sigma^2)`.

    Parameters
    ----------
    widths_ : sequence of int
        ``(N, n_2, ..., M)``; L = len(widths_) − 1 weight matrices.
    scale : float
        σ, the standard deviation; with ``fan_in=True`` the std is σ/√n_l ("scaled Gaussian").
    rng : numpy.random.Generator
    ensemble : int, optional
        K: return weights with a leading axis of K independent draws.

    Notes
    -----
    Small σ starts every mode at strength :math:`\approx \sigma^2\sqrt{N_2}` with a random sign
    (THEORY.md §1.7): the regime where Saxe et al.'s sigmoids hold up to competition delays.
    """
    ws = _check_widths(widths_)
    scale = positive_float(scale, "scale")
    check_rng(rng)
    lead = () if ensemble is None else (positive_int(ensemble, "ensemble"),)
    return tuple(
        rng.standard_normal(lead + (n_out, n_in)) * (scale / np.sqrt(n_in) if fan_in else scale)
        for n_in, n_out in zip(ws[:-1], ws[1:])
    )


def random_orthogonal(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random orthogonal matrix of shape (n, n) (QR of a Gaussian with sign fix)."""
    check_rng(rng)
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def init_aligned(
    modes: Modes,
    widths_: Sequence[int],
    u0,
    *,
    rng: np.random.Generator | None = None,
) -> Weights:
    r"""Decoupled ("aligned", balanced) initial weights with mode strengths ``u0``.

    Mode α of the task is carried by hidden unit direction α of every layer, with per-layer
    strength :math:`a_\alpha = u_{0,\alpha}^{1/L}`, so that :math:`W_L\cdots W_1 =
    \sum_\alpha u_{0,\alpha}\,u_\alpha v_\alpha^\top` (THEORY.md §1.4, §1.6):

    .. math:: W_1 = R_2 D V^\top,\quad W_l = R_{l+1} D R_l^\top,\quad W_L = U D R_L^\top.

    Parameters
    ----------
    modes : Modes
        The task's SVD modes (``stats.modes``); inputs must be whitened for the dynamics to
        decouple.
    widths_ : sequence of int
        ``(N, n_2, ..., M)``; the number of modes carried is min(hidden widths, r).
    u0 : float or array_like of shape (k,)
        Initial end-to-end strength of each carried mode (> 0).
    rng : numpy.random.Generator, optional
        Draws the hidden rotations :math:`R_l`; ``None`` uses the identity.

    Returns
    -------
    tuple of ndarray
    """
    ws = _check_widths(widths_)
    N, M = ws[0], ws[-1]
    if modes.U.shape[0] != M or modes.V.shape[0] != N:
        raise ValueError(
            f"widths_ must start with N = {modes.V.shape[0]} and end with M = {modes.U.shape[0]} "
            f"to match the modes; got {ws}"
        )
    L = len(ws) - 1
    k = min([modes.rank, *ws[1:-1]])
    u0 = np.broadcast_to(np.asarray(u0, dtype=np.float64), (k,)) if np.ndim(u0) == 0 else \
        as_float_array(u0, "u0", ndim=1)
    if u0.shape != (k,):
        raise ValueError(f"u0 must be a scalar or have shape ({k},), one per carried mode; got {u0.shape}")
    if np.any(u0 <= 0):
        raise ValueError("u0 must be > 0 for every mode; a mode at 0 never grows (saddle)")
    a = u0 ** (1.0 / L)
    if rng is not None:
        check_rng(rng)
    R = [None] + [
        (random_orthogonal(n, rng=rng) if rng is not None else np.eye(n))[:, :k] for n in ws[1:-1]
    ] + [modes.U[:, :k]]
    R[0] = modes.V[:, :k]
    return tuple((R[l + 1] * a) @ R[l].T for l in range(L))
