r"""Weights of a depth-L linear network: shapes, initialisation, forward pass, loss, gradients.

A network is a tuple ``(W1, ..., WL)`` with ``Wl`` of shape (n_{l+1}, n_l), mapping
``x ↦ WL ⋯ W1 x``; a batch ``X`` (P, N) maps to ``X @ W1.T @ ... @ WL.T``. Every function
also accepts a leading ensemble axis, ``Wl`` of shape (K, n_{l+1}, n_l): K networks that
step together through numpy broadcasting (DESIGN.md, Conventions: Shapes).

The loss is :math:`\mathcal L = \frac{1}{2P}\sum_\mu \lVert y^\mu - W x^\mu\rVert^2` with
:math:`W = W_L\cdots W_1` (docs/theory.md#conventions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._random import random_orthogonal
from ._validation import (as_float_array, check_modes, check_rng, check_samples, check_stats,
                          layer_arrays, positive_float, positive_int)
from ._products import above as _above
from ._products import backprop, chain

if TYPE_CHECKING:  # annotations only: network needs nothing of linnet but validation (DESIGN.md)
    from .stats import Modes, Statistics

__all__ = [
    "check_weights",
    "widths",
    "stack",
    "end_to_end",
    "forward",
    "loss",
    "loss_from_stats",
    "gradients",
    "layer_gradients",
    "end_to_end_gradient",
    "gradients_from_data",
    "init_gaussian",
    "init_aligned",
    "random_orthogonal",
    "init_orthogonal",
    "init_zero_balanced",
    "init_lambda_balanced",
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

    Examples
    --------
    Nested lists become float64 arrays; layers that do not chain are named in the error:

    >>> from linnet.network import check_weights
    >>> W1, W2 = check_weights([[[1, 2]], [[3], [4]]])
    >>> W1.dtype, W2.shape
    (dtype('float64'), (2, 1))
    >>> check_weights([np.ones((3, 2)), np.ones((1, 4))])
    Traceback (most recent call last):
    ...
    ValueError: W2 must have shape (n_3, 3) to follow W1 of shape (3, 2); got (1, 4)
    """
    fix = "weights must be finite (a diverged run's weights cannot be trained further)"
    return layer_arrays(weights, n_in=n_in, n_out=n_out, fix=fix)


def stack(networks) -> Weights:
    """Stack networks of equal shapes into one ensemble along a new leading axis.

    Parameters
    ----------
    networks : sequence of tuple of ndarray
        K networks ``(W1, ..., WL)`` with the same widths.

    Returns
    -------
    tuple of ndarray
        ``(W1, ..., WL)`` with ``Wl`` of shape (K, n_{l+1}, n_l); member k is ``networks[k]``.

    Examples
    --------
    Five separately drawn networks 3 → 4 → 2 as one ensemble that trains in one call:

    >>> from linnet.network import init_gaussian, stack
    >>> rng = np.random.default_rng(0)
    >>> ensemble = stack([init_gaussian((3, 4, 2), 0.1, rng=rng) for _ in range(5)])
    >>> [W.shape for W in ensemble]
    [(5, 4, 3), (5, 2, 4)]
    """
    networks = list(networks)
    if not networks:
        raise ValueError("networks must hold at least one network (W1, ..., WL)")
    depths = {len(ws) for ws in networks}
    if len(depths) != 1:
        raise ValueError(f"networks must all have the same depth; got depths {sorted(depths)}")
    try:
        return tuple(np.stack(layer) for layer in zip(*networks))
    except ValueError as exc:
        raise ValueError(f"networks must all have the same widths to be stacked: {exc}") from None


def widths(weights) -> tuple[int, ...]:
    """Layer widths ``(n_1, ..., n_{L+1})`` = (N, hidden..., M) of a network.

    The inverse of the ``widths_`` argument of the initialisations; ensemble axes are ignored.

    Examples
    --------
    >>> from linnet.network import init_gaussian, widths
    >>> widths(init_gaussian((3, 4, 2), 0.1, rng=np.random.default_rng(0)))
    (3, 4, 2)
    >>> widths(init_gaussian((3, 4, 2), 0.1, rng=np.random.default_rng(0), ensemble=7))
    (3, 4, 2)
    """
    weights = layer_arrays(weights)
    return (weights[0].shape[-1],) + tuple(W.shape[-2] for W in weights)


def end_to_end(weights) -> np.ndarray:
    """The end-to-end map :math:`W = W_L \\cdots W_1`, shape (..., M, N).

    The layers' shapes are checked (they must chain); non-finite entries pass, so the map of a
    diverged run's weights can be inspected.

    Examples
    --------
    A network 2 → 3 → 1 computes one linear map of its input:

    >>> from linnet.network import end_to_end
    >>> W1 = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> W2 = np.array([[1.0, -1.0, 0.5]])
    >>> end_to_end((W1, W2))
    array([[ 1.5, -1.5]])
    """
    return chain(layer_arrays(weights))


# ---------------------------------------------------------------------------- forward, loss
def forward(weights, X) -> np.ndarray:
    r"""Network outputs for inputs ``X`` (P, N): ``X @ W1.T @ ... @ WL.T``, shape (..., P, M).

    Examples
    --------
    Rows of ``X`` are samples; each output row is :math:`W x^\mu` for the map of
    :func:`end_to_end`, here (1.5, −1.5):

    >>> from linnet.network import forward
    >>> W1 = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> W2 = np.array([[1.0, -1.0, 0.5]])
    >>> forward((W1, W2), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    array([[ 1.5],
           [-1.5],
           [ 0. ]])
    """
    weights = layer_arrays(weights)
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != weights[0].shape[-1]:
        raise ValueError(
            f"X must have N = {weights[0].shape[-1]} columns, the input width of W1 of shape "
            f"{weights[0].shape[-2:]}; got X of shape {X.shape}. Rows are samples: pass X of "
            "shape (P, N)"
        )
    return _forward(weights, X)


def _forward(weights, X) -> np.ndarray:
    H = X
    for W in weights:
        H = H @ np.swapaxes(W, -1, -2)
    return H


def loss(weights, X, Y) -> np.ndarray:
    r"""Loss :math:`\frac{1}{2P}\sum_\mu\lVert y^\mu - W x^\mu\rVert^2` on samples ``X`` (P, N), ``Y`` (P, M).

    Returns shape (...): one loss per ensemble member, a scalar for a single network.

    Examples
    --------
    The outputs (1.5, −1.5, 0) of the network in :func:`forward` miss the targets
    (0.5, −1, 0) by 1 and 0.5, so the loss is (1 + 0.25)/(2 · 3):

    >>> from linnet.network import loss
    >>> W1 = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> W2 = np.array([[1.0, -1.0, 0.5]])
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> Y = np.array([[0.5], [-1.0], [0.0]])
    >>> print(f"{loss((W1, W2), X, Y):.6f} {1.25 / 6:.6f}")
    0.208333 0.208333
    """
    weights, X, Y = _check_samples(weights, X, Y)
    R = Y - _forward(weights, X)
    return 0.5 * np.sum(R * R, axis=(-2, -1)) / X.shape[0]


def _check_samples(weights, X, Y):
    """Validate weights and samples ``X`` (P, N), ``Y`` (P, M) against each other."""
    X, Y = check_samples(X, Y)
    return check_weights(weights, n_in=X.shape[1], n_out=Y.shape[1]), X, Y


def loss_from_stats(weights, stats: Statistics) -> np.ndarray:
    """The same loss computed from the statistics alone (no pass over the samples).

    ``weights`` ``(W1, ..., WL)`` with optional ensemble axes; returns shape (...). It costs
    O(M·N²) per network whatever the number of samples P (:meth:`linnet.stats.Statistics.loss`).

    Examples
    --------
    >>> from linnet.data import teacher_task
    >>> from linnet.network import init_gaussian, loss, loss_from_stats
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
    >>> stats = Statistics.from_data(task.X, task.Y)
    >>> weights = init_gaussian((4, 5, 3), 0.3, rng=np.random.default_rng(1))
    >>> print(f"{loss(weights, task.X, task.Y):.6f} {loss_from_stats(weights, stats):.6f}")
    10.599516 10.599516
    """
    check_stats(stats)
    return stats.loss(end_to_end(weights))


# ---------------------------------------------------------------------------- gradients
def layer_gradients(weights, G, *, above=None) -> list[np.ndarray]:
    r"""Layer gradients from the end-to-end gradient: the chain rule of :math:`W = W_L\cdots W_1`.

    The one gradient of the package: :func:`gradients`, the training kernels, gradient flow
    and the reference of gradient descent (linnet._reference) all call it.

    Parameters
    ----------
    weights : tuple of ndarray
        ``(W1, ..., WL)``, shapes (..., n_{l+1}, n_l); unchecked (a diverging run may hold inf).
    G : ndarray, shape (..., M, N)
        :math:`\partial\mathcal L/\partial W`; from the statistics
        :math:`G = W\Sigma_{11} - \Sigma_{31} = (W - W_\star)\Sigma_{11}`.
    above : list, optional
        The products :math:`S_l` above each layer (``None`` for the last), as the training
        kernels build them on the way to W; computed here when omitted.

    Returns
    -------
    list of ndarray
        :math:`\partial\mathcal L/\partial W_l = S_l^\top G\,(W_{l-1}\cdots W_1)^\top`, shapes
        as the weights, with :math:`S_l = W_L\cdots W_{l+1}`.

    Notes
    -----
    The output-side products :math:`S_l` (M, n_{l+1}) are built from the top and
    :math:`R_l = G W_1^\top\cdots W_{l-1}^\top` (M, n_l) is carried upward, so every product
    is thin (M rows): O(L·M·n²) per step instead of the O(L·n³) of prefix products (DESIGN.md).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import network
    >>> W1, W2 = np.array([[1.0, 2.0]]), np.array([[3.0]])
    >>> [g.tolist() for g in network.layer_gradients((W1, W2), np.array([[1.0, 0.0]]))]
    [[[3.0, 0.0]], [[1.0]]]
    """
    L = len(weights)
    # S[l] = W_L ... W_{l+2} in 0-based layers: the product above layer l (given by a caller
    # that built the end-to-end map from it, so the products are not formed twice)
    S = _above(weights) if above is None else above
    grads = []
    R = G
    for l, W in enumerate(weights):
        grads.append(R if S[l] is None else np.swapaxes(S[l], -1, -2) @ R)
        if l < L - 1:
            R = R @ np.swapaxes(W, -1, -2)
    return grads


def end_to_end_gradient(P, stats: Statistics) -> np.ndarray:
    r""":math:`G = \partial\mathcal L/\partial W = (W - W_\star)\Sigma_{11}` at end-to-end
    map(s) ``P`` (..., M, N), unchecked (:math:`D = W - W_\star` itself for whitened inputs).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, network
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> stats = Statistics.from_data(X, X @ np.array([[2.0], [3.0]]))
    >>> network.end_to_end_gradient(np.zeros((1, 2)), stats).round(6).tolist()
    [[-1.0, -1.5]]
    """
    D = P - stats.ols
    return D if stats.is_white else D @ stats.sigma11


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
    With :math:`E = \Sigma_{31} - W\Sigma_{11}` (docs/theory.md#conventions; Saxe et al. 2014 eq. 13),

    .. math:: \partial\mathcal L/\partial W_l = -(W_L\cdots W_{l+1})^\top E\,(W_{l-1}\cdots W_1)^\top.

    Examples
    --------
    One small step against the gradients lowers the loss:

    >>> from linnet.data import teacher_task
    >>> from linnet.network import gradients, init_gaussian, loss_from_stats
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
    >>> stats = Statistics.from_data(task.X, task.Y)
    >>> weights = init_gaussian((4, 5, 3), 0.3, rng=np.random.default_rng(1))
    >>> grads = gradients(weights, stats)
    >>> [G.shape for G in grads]
    [(5, 4), (3, 5)]
    >>> stepped = [W - 0.01 * G for W, G in zip(weights, grads)]
    >>> print(f"{loss_from_stats(weights, stats):.4f} -> {loss_from_stats(stepped, stats):.4f}")
    10.5995 -> 10.3779
    """
    check_stats(stats)
    weights = check_weights(weights, n_in=stats.n_in, n_out=stats.n_out)
    return layer_gradients(weights, end_to_end_gradient(chain(weights), stats))


def gradients_from_data(weights, X, Y) -> list[np.ndarray]:
    r"""Layer gradients of the loss on the samples ``X`` (B, N), ``Y`` (B, M) by backpropagation.

    Used for minibatch SGD: costs O(B·Σ n_l n_{l+1}) and never forms (B, M, N) tensors.
    Returns ``[dL/dW1, ..., dL/dWL]``, shapes as the weights.

    Examples
    --------
    On the full batch it agrees with :func:`gradients` from the statistics (to round-off); on
    a minibatch it is that batch's gradient:

    >>> from linnet.data import teacher_task
    >>> from linnet.network import gradients, gradients_from_data, init_gaussian
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
    >>> weights = init_gaussian((4, 5, 3), 0.3, rng=np.random.default_rng(1))
    >>> full = gradients_from_data(weights, task.X, task.Y)
    >>> from_stats = gradients(weights, Statistics.from_data(task.X, task.Y))
    >>> all(np.allclose(a, b) for a, b in zip(full, from_stats))
    True
    >>> [G.shape for G in gradients_from_data(weights, task.X[:8], task.Y[:8])]
    [(5, 4), (3, 5)]
    """
    return backprop(*_check_samples(weights, X, Y))


# ---------------------------------------------------------------------------- initialisation
def _check_widths(widths_) -> tuple[int, ...]:
    if isinstance(widths_, (str, bytes)) or not isinstance(widths_, (Sequence, np.ndarray)):
        raise TypeError(
            "widths must be a sequence of layer sizes, e.g. (100, 20, 10); "
            f"got {type(widths_).__name__} {widths_!r}"
        )
    if len(widths_) < 2:
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

    fan_in : bool
        Divide the std of layer l by :math:`\sqrt{n_l}` (its fan-in).

    Returns
    -------
    tuple of ndarray
        ``(W1, ..., WL)``, ``Wl`` of shape (n_{l+1}, n_l), or (K, n_{l+1}, n_l) with ``ensemble``.

    Notes
    -----
    Small σ starts every mode at strength :math:`\approx \sigma^2\sqrt{N_2}` with a random sign
    (docs/theory.md#conservation-laws): the regime where Saxe et al.'s sigmoids hold up to competition delays.

    Examples
    --------
    >>> from linnet.network import init_gaussian
    >>> weights = init_gaussian((100, 200, 10), 0.1, rng=np.random.default_rng(0))
    >>> [W.shape for W in weights]
    [(200, 100), (10, 200)]
    >>> round(float(weights[0].std()), 3)
    0.1

    With ``fan_in=True`` the std of layer l is σ/√n_l: 1/√100 and 1/√200 here.

    >>> weights = init_gaussian((100, 200, 10), 1.0, fan_in=True, rng=np.random.default_rng(0))
    >>> [round(float(W.std()), 3) for W in weights]
    [0.1, 0.071]
    """
    ws = _check_widths(widths_)
    scale = positive_float(scale, "scale")
    check_rng(rng)
    lead = () if ensemble is None else (positive_int(ensemble, "ensemble"),)
    return tuple(
        rng.standard_normal(lead + (n_out, n_in)) * (scale / np.sqrt(n_in) if fan_in else scale)
        for n_in, n_out in zip(ws[:-1], ws[1:])
    )


def init_aligned(
    modes: Modes,
    widths_: Sequence[int],
    u0=None,
    *,
    rng: np.random.Generator | None = None,
    layer_strengths=None,
) -> Weights:
    r"""Decoupled ("aligned", balanced) initial weights with mode strengths ``u0``.

    Mode α of the task is carried by hidden unit direction α of every layer, with per-layer
    strength :math:`a_\alpha = u_{0,\alpha}^{1/L}`, so that :math:`W_L\cdots W_1 =
    \sum_\alpha u_{0,\alpha}\,u_\alpha v_\alpha^\top` (docs/theory.md#two-layer-dynamics, #deep-networks):

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
    layer_strengths : array_like of shape (L,) or (L, k), optional
        Per-layer strengths :math:`a_{l,\alpha} > 0` instead of ``u0`` (pass one or the other):
        layer l carries mode α with strength :math:`a_{l,\alpha}`, so
        :math:`u_{0,\alpha} = \prod_l a_{l,\alpha}`. Unequal strengths give an unbalanced
        (for two layers: λ-balanced per mode, :math:`\lambda_\alpha = a_{2,\alpha}^2 - a_{1,\alpha}^2`)
        decoupled init.

    Returns
    -------
    tuple of ndarray
        ``(W1, ..., WL)``, ``Wl`` of shape (n_{l+1}, n_l).

    Examples
    --------
    Each mode of a teacher task starts at its own strength, and the layers are balanced:

    >>> from linnet.data import teacher_task
    >>> from linnet.metrics import balancedness, mode_strength_diagonal
    >>> from linnet.network import end_to_end, init_aligned
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
    >>> modes = Statistics.from_data(task.X, task.Y).modes
    >>> weights = init_aligned(modes, (4, 5, 3), u0=[0.3, 0.2, 0.1], rng=np.random.default_rng(0))
    >>> np.round(mode_strength_diagonal(end_to_end(weights), modes), 6)
    array([0.3, 0.2, 0.1])
    >>> bool(balancedness(weights)[0] < 1e-12)
    True

    Per-layer strengths instead: two hidden units carry two modes, each at the product of its
    layers' strengths (0.5 · 0.6 and 0.4 · 0.5):

    >>> weights = init_aligned(modes, (4, 2, 3), layer_strengths=[[0.5, 0.4], [0.6, 0.5]])
    >>> np.round(mode_strength_diagonal(end_to_end(weights), modes)[:2], 6)
    array([0.3, 0.2])
    """
    check_modes(modes)
    ws = _check_widths(widths_)
    N, M = ws[0], ws[-1]
    if modes.U.shape[0] != M or modes.V.shape[0] != N:
        raise ValueError(
            f"widths_ must start with N = {modes.V.shape[0]} and end with M = {modes.U.shape[0]} "
            f"to match the modes; got {ws}"
        )
    L = len(ws) - 1
    k = min([modes.rank, *ws[1:-1]])
    if (u0 is None) == (layer_strengths is None):
        raise ValueError("pass exactly one of u0 (end-to-end strengths) or layer_strengths (per layer)")
    if layer_strengths is not None:
        a = as_float_array(layer_strengths, "layer_strengths", ndim=(1, 2), fix="pass finite strengths > 0")
        if a.shape[0] != L or (a.ndim == 2 and a.shape[1] != k):
            raise ValueError(
                f"layer_strengths must have shape ({L},) or ({L}, {k}): one row per layer, one "
                f"column per carried mode; got {a.shape}"
            )
        if np.any(a <= 0):
            raise ValueError("layer_strengths must be > 0; a layer at 0 freezes its mode (saddle)")
        a = np.broadcast_to(a.reshape(L, -1), (L, k))
        u0 = np.prod(a, axis=0)
    u0 = as_float_array(u0, "u0", ndim=(0, 1), fix="pass finite strengths > 0")  # scalars too
    if u0.ndim == 0:
        u0 = np.broadcast_to(u0, (k,))
    if u0.shape != (k,):
        raise ValueError(f"u0 must be a scalar or have shape ({k},), one per carried mode; got {u0.shape}")
    if np.any(u0 <= 0):
        raise ValueError("u0 must be > 0 for every mode; a mode at 0 never grows (saddle)")
    if layer_strengths is None:
        a = np.broadcast_to(u0 ** (1.0 / L), (L, k))
    if rng is not None:
        check_rng(rng)
    hidden = [(random_orthogonal(n, rng=rng) if rng is not None else np.eye(n))[:, :k] for n in ws[1:-1]]
    return _decoupled(modes.V[:, :k], hidden, modes.U[:, :k], a)


def _decoupled(V, hidden, U, a) -> Weights:
    r"""Weights :math:`W_l = R_{l+1}\,\mathrm{diag}(a_l)\,R_l^\top` with :math:`R_1 = V`, :math:`R_{L+1} = U`.

    ``V`` (N, k), ``U`` (M, k) and each of the L − 1 ``hidden`` (n_l, k) have orthonormal
    columns; ``a`` holds L rows of k per-layer strengths (an (L, k) array or a list of rows).
    """
    R = [V, *hidden, U]
    return tuple((R[l + 1] * a[l]) @ R[l].T for l in range(len(R) - 1))


def _ensemble(draw, ensemble) -> Weights:
    """``draw()`` once, or K = ``ensemble`` times stacked along a leading axis (members in draw order)."""
    if ensemble is None:
        return draw()
    return stack([draw() for _ in range(positive_int(ensemble, "ensemble"))])


def _partial_isometry(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random (n_out, n_in) matrix with orthonormal rows (n_out ≤ n_in) or columns."""
    big, small = max(n_out, n_in), min(n_out, n_in)
    Q = random_orthogonal(big, rng=rng)[:, :small]  # (big, small), orthonormal columns
    return Q if n_out >= n_in else Q.T


def init_orthogonal(
    widths_: Sequence[int],
    gain: float = 1.0,
    *,
    rng: np.random.Generator,
    ensemble: int | None = None,
) -> Weights:
    r"""Random orthogonal weights in every layer ("dynamical isometry", Saxe et al. 2014 §3).

    Each :math:`W_l` (n_{l+1}, n_l) is ``gain`` times a Haar-random partial isometry:
    :math:`W_lW_l^\top = g^2 I` when n_{l+1} ≤ n_l (orthonormal rows), :math:`W_l^\top W_l = g^2 I`
    otherwise. With gain 1 and square hidden layers, every singular value of the product
    :math:`W_L\cdots W_1` is exactly 1 at any depth, unlike a product of scaled Gaussians whose
    spectrum spreads with depth.

    Parameters
    ----------
    widths_ : sequence of int
        ``(N, n_2, ..., M)``.
    gain : float
        g > 0.
    rng : numpy.random.Generator
    ensemble : int, optional
        K independent draws along a leading axis.

    Returns
    -------
    tuple of ndarray

    References
    ----------
    Saxe, McClelland & Ganguli (2014), arXiv:1312.6120, §3 and Fig. 6.

    Examples
    --------
    At depth 4 every singular value of the product of square orthogonal layers is 1, while
    those of fan-in scaled Gaussian layers spread:

    >>> from linnet.network import end_to_end, init_gaussian, init_orthogonal
    >>> weights = init_orthogonal((5, 5, 5, 5, 5), rng=np.random.default_rng(0))
    >>> np.round(np.linalg.svd(end_to_end(weights), compute_uv=False), 6)
    array([1., 1., 1., 1., 1.])
    >>> gaussian = init_gaussian((5, 5, 5, 5, 5), 1.0, fan_in=True, rng=np.random.default_rng(0))
    >>> np.round(np.linalg.svd(end_to_end(gaussian), compute_uv=False), 3)
    array([2.015, 0.859, 0.093, 0.033, 0.   ])
    """
    ws = _check_widths(widths_)
    gain = positive_float(gain, "gain")
    check_rng(rng)
    K = None if ensemble is None else positive_int(ensemble, "ensemble")
    layers = []
    for n_in, n_out in zip(ws[:-1], ws[1:]):
        if K is None:
            layers.append(gain * _partial_isometry(n_out, n_in, rng))
        else:
            layers.append(gain * np.stack([_partial_isometry(n_out, n_in, rng) for _ in range(K)]))
    return tuple(layers)


def _one_zero_balanced(ws, scale, rng):
    L = len(ws) - 1
    k = min(ws)
    G = chain(tuple(rng.standard_normal((n_out, n_in)) * scale
                         for n_in, n_out in zip(ws[:-1], ws[1:])))
    U, S, Vt = np.linalg.svd(G, full_matrices=False)
    a = S[:k] ** (1.0 / L)
    hidden = [random_orthogonal(n, rng=rng)[:, :k] for n in ws[1:-1]]
    return _decoupled(Vt[:k].T, hidden, U[:, :k], [a] * L)


def init_zero_balanced(
    widths_: Sequence[int],
    scale: float,
    *,
    rng: np.random.Generator,
    ensemble: int | None = None,
) -> Weights:
    r"""Random zero-balanced weights: :math:`W_lW_l^\top = W_{l+1}^\top W_{l+1}` for every l.

    Draws i.i.d. Gaussian layers of std ``scale`` (as :func:`init_gaussian`), takes the SVD of
    their product :math:`USV^\top`, and re-factors it evenly (docs/theory.md#exact-solutions; Arora et al. 2019):

    .. math:: W_1 = R_2 S^{1/L} V^\top,\quad W_l = R_{l+1} S^{1/L} R_l^\top,\quad W_L = U S^{1/L} R_L^\top,

    with Haar-random :math:`R_l` (first k columns, k = the narrowest width). The end-to-end map
    is the Gaussian product's, so its typical size matches a Gaussian init of the same scale,
    but the balance identity holds to round-off and is conserved by gradient flow; this is the
    initial condition of the exact solution :func:`linnet.theory.zero_balanced_solution`.

    Parameters
    ----------
    widths_ : sequence of int
        ``(N, n_2, ..., M)``, any depth.
    scale : float
        Std of the Gaussian draw.
    rng : numpy.random.Generator
    ensemble : int, optional

    Returns
    -------
    tuple of ndarray

    References
    ----------
    Braun, Dominé, Fitzgerald & Saxe (2022), NeurIPS; Arora, Cohen, Golowich & Hu (2019), ICLR.

    Examples
    --------
    An ensemble of six depth-3 networks, each balanced to round-off:

    >>> from linnet.metrics import balancedness
    >>> from linnet.network import init_zero_balanced
    >>> weights = init_zero_balanced((4, 3, 3, 2), 0.5, rng=np.random.default_rng(0), ensemble=6)
    >>> [W.shape for W in weights]
    [(6, 3, 4), (6, 3, 3), (6, 2, 3)]
    >>> bool(np.all(balancedness(weights) < 1e-12))
    True
    """
    ws = _check_widths(widths_)
    scale = positive_float(scale, "scale")
    check_rng(rng)
    return _ensemble(lambda: _one_zero_balanced(ws, scale, rng), ensemble)


def _one_lambda_balanced(N, H, M, scale, lam, rng):
    # W1 = R S1 Vᵀ, W2 = U S2 Rᵀ with diagonal (H, N) and (M, H) blocks s1_i, s2_i such that
    # s2_i² − s1_i² = λ for every hidden unit i (docs/theory.md#exact-solutions). Units beyond min(H, N) have
    # s1 = 0 (so s2 = √λ) and units beyond min(H, M) have s2 = 0 (so s1 = √−λ).
    g = np.linalg.svd(rng.standard_normal((H, max(N, M))) * scale, compute_uv=False)  # H values
    g = np.concatenate([g, np.zeros(H - g.size)]) if g.size < H else g[:H]
    # Units beyond min(N, H, M) carry no product: with λ = 0 both layers are 0 there.
    reach = np.arange(H) < min(N, H, M)
    if lam >= 0:
        s1 = np.where(reach, g, 0.0)
        s2 = np.sqrt(s1**2 + lam)
    else:
        s2 = np.where(reach, g, 0.0)
        s1 = np.sqrt(s2**2 - lam)
    R = random_orthogonal(H, rng=rng)
    V = random_orthogonal(N, rng=rng)
    U = random_orthogonal(M, rng=rng)
    D1 = np.zeros((H, N))
    D2 = np.zeros((M, H))
    i1, i2 = np.arange(min(H, N)), np.arange(min(H, M))
    D1[i1, i1] = s1[i1]
    D2[i2, i2] = s2[i2]
    return (R @ D1 @ V.T, U @ D2 @ R.T)


def init_lambda_balanced(
    widths_: Sequence[int],
    scale: float,
    lam: float,
    *,
    rng: np.random.Generator,
    ensemble: int | None = None,
) -> Weights:
    r"""Random two-layer weights with :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I` (λ-balanced).

    Parameters
    ----------
    widths_ : (N, H, M)
        Two layers. λ > 0 needs H ≤ M and λ < 0 needs H ≤ N (a hidden unit that one layer
        cannot reach must carry all of ±λ in the other); λ = 0 is any shape.
    scale : float
        Std of a Gaussian whose singular values set the smaller layer's spectrum.
    lam : float
        λ; 0 gives zero-balanced weights, |λ| ≫ s the lazy regime.
    rng : numpy.random.Generator
    ensemble : int, optional

    Returns
    -------
    (W1, W2)

    Notes
    -----
    :math:`W_1 = RS_1V^\top`, :math:`W_2 = US_2R^\top` with Haar-random U, V, R and
    :math:`S_2^2 - S_1^2 = \lambda I` (docs/theory.md#exact-solutions): the smaller of the two layer spectra is
    that of a Gaussian (H, max(N, M)) matrix of std ``scale``, the other follows. The identity
    is conserved by gradient flow and is the initial condition of
    :func:`linnet.theory.lambda_balanced_solution`.

    References
    ----------
    Dominé et al. (2025), "From lazy to rich", ICLR, arXiv:2409.14623.

    Examples
    --------
    >>> from linnet.network import init_lambda_balanced
    >>> W1, W2 = init_lambda_balanced((3, 2, 3), 0.5, lam=0.25, rng=np.random.default_rng(0))
    >>> np.allclose(W2.T @ W2 - W1 @ W1.T, 0.25 * np.eye(2))
    True
    """
    ws = _check_widths(widths_)
    if len(ws) != 3:
        raise ValueError(
            f"init_lambda_balanced builds two-layer networks, widths (N, H, M); got {len(ws) - 1} "
            "layers. For deeper networks use init_zero_balanced (λ = 0) or init_aligned with "
            "layer_strengths"
        )
    N, H, M = ws
    scale = positive_float(scale, "scale")
    if isinstance(lam, bool) or not np.isscalar(lam) or not np.isfinite(lam):
        raise ValueError(f"lam must be a finite real number; got {lam!r}")
    lam = float(lam)
    if lam > 0 and H > M:
        raise ValueError(
            f"lam = {lam} > 0 needs H <= M: W2ᵀW2 has rank <= M = {M} but must exceed W1W1ᵀ by λI on "
            f"all H = {H} hidden units; use lam <= 0, or H <= {M}"
        )
    if lam < 0 and H > N:
        raise ValueError(
            f"lam = {lam} < 0 needs H <= N: W1W1ᵀ has rank <= N = {N} but must exceed W2ᵀW2 by |λ|I "
            f"on all H = {H} hidden units; use lam >= 0, or H <= {N}"
        )
    check_rng(rng)
    return _ensemble(lambda: _one_lambda_balanced(N, H, M, scale, lam, rng), ensemble)
