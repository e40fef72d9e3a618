r"""Measurements on weights: mode strengths, balancedness, distance to the optimum, accuracy."""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_modes, check_stats, layer_arrays, positive_float, real_array
from .stats import Modes, Statistics

__all__ = [
    "mode_strengths",
    "mode_strength_diagonal",
    "max_offdiagonal",
    "distance_to_optimum",
    "weight_norms",
    "balancedness",
    "accuracy",
    "orthogonality_error",
    "balance_lambda",
    "lambda_balancedness",
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

    Examples
    --------
    Decoupled (aligned) weights carry each mode of a teacher task on its own, with no
    cross-talk; small Gaussian weights mix the modes:

    >>> from linnet.data import teacher_task
    >>> from linnet.metrics import mode_strengths
    >>> from linnet.network import end_to_end, init_aligned, init_gaussian
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
    >>> modes = Statistics.from_data(task.X, task.Y).modes
    >>> S = mode_strengths(end_to_end(init_aligned(modes, (4, 5, 3), u0=[0.3, 0.2, 0.1])), modes)
    >>> np.round(np.diag(S), 6)
    array([0.3, 0.2, 0.1])
    >>> bool(np.max(np.abs(S - np.diag(np.diag(S)))) < 1e-12)
    True
    >>> W = end_to_end(init_gaussian((4, 5, 3), 0.1, rng=np.random.default_rng(0)))
    >>> np.round(mode_strengths(W, modes), 4)
    array([[ 0.0078, -0.0012, -0.0155],
           [-0.0092,  0.0142,  0.0148],
           [ 0.0238, -0.0002,  0.0157]])
    """
    check_modes(modes)
    return modes.U.T @ _product(product, modes.U.shape[0], modes.input_map.shape[0], "the modes") \
        @ modes.input_map


def _product(product, M: int, N: int, what: str) -> np.ndarray:
    """``product`` as a float array of shape (..., M, N), or raise naming ``what`` it must match.

    Non-finite entries pass: the recorded maps of a diverged member are NaN by design.
    """
    arr = real_array(product, "product", fix="Pass end-to-end maps W = WL ... W1 (Trajectory.product)")
    if arr.ndim < 2 or arr.shape[-2:] != (M, N):
        raise ValueError(
            f"product must have shape (..., {M}, {N}) (M outputs, N inputs) to match {what}; got "
            f"shape {arr.shape}. Pass end-to-end maps W = WL ... W1, e.g. Trajectory.product"
        )
    return arr


def mode_strength_diagonal(product, modes: Modes) -> np.ndarray:
    r"""Strength of each mode, :math:`u_\alpha^\top W \Sigma_{11}^{1/2} v_\alpha`, shape (..., r).

    The diagonal of :func:`mode_strengths`, for ``product`` (..., M, N) and ``modes`` with r
    modes; use it to follow each mode's learning curve along a trajectory.

    Examples
    --------
    The least-squares optimum of a teacher task carries every mode at its singular value:

    >>> from linnet.data import teacher_task
    >>> from linnet.metrics import mode_strength_diagonal
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))  # s = 4, 2, 1
    >>> stats = Statistics.from_data(task.X, task.Y)
    >>> np.round(mode_strength_diagonal(stats.optimum(), stats.modes), 6)
    array([4., 2., 1.])

    A stack of maps (here the optimum scaled by 1/4, 1/2 and 1) gives one row per map:

    >>> maps = np.array([0.25, 0.5, 1.0])[:, None, None] * stats.optimum()
    >>> np.round(mode_strength_diagonal(maps, stats.modes), 6)
    array([[1.  , 0.5 , 0.25],
           [2.  , 1.  , 0.5 ],
           [4.  , 2.  , 1.  ]])
    """
    check_modes(modes)
    product = _product(product, modes.U.shape[0], modes.input_map.shape[0], "the modes")
    # einsum avoids forming the r×r matrix when only its diagonal is needed.
    return np.einsum("ma,...mn,na->...a", modes.U, product, modes.input_map)


def max_offdiagonal(product, modes: Modes) -> np.ndarray:
    r"""Largest absolute off-diagonal mode strength, shape (...).

    For ``product`` (..., M, N): :math:`\max_{\alpha\ne\beta}|S_{\alpha\beta}|` with S from
    :func:`mode_strengths`; zero while the modes stay decoupled.

    Examples
    --------
    >>> from linnet.data import teacher_task
    >>> from linnet.metrics import max_offdiagonal
    >>> from linnet.network import end_to_end, init_aligned, init_gaussian
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
    >>> modes = Statistics.from_data(task.X, task.Y).modes
    >>> aligned = end_to_end(init_aligned(modes, (4, 5, 3), u0=0.1))
    >>> bool(max_offdiagonal(aligned, modes) < 1e-12)
    True
    >>> gaussian = end_to_end(init_gaussian((4, 5, 3), 0.1, rng=np.random.default_rng(0)))
    >>> print(f"{max_offdiagonal(gaussian, modes):.4f}")
    0.0238
    """
    S = mode_strengths(product, modes)
    r = S.shape[-1]
    return np.max(np.abs(S * (1 - np.eye(r))), axis=(-2, -1))


def distance_to_optimum(product, stats: Statistics, rank: int | None = None) -> np.ndarray:
    r"""Frobenius distance :math:`\lVert W - W_\star\rVert_F` to the (rank-k) optimum, shape (...).

    ``product`` (..., M, N); ``rank`` k selects the rank-k optimum
    (:meth:`linnet.stats.Statistics.optimum`), ``None`` the unconstrained one.

    Examples
    --------
    With whitened inputs the distance from decoupled weights is that of the mode strengths,
    here :math:`\sqrt{(4-0.3)^2 + (2-0.2)^2 + (1-0.1)^2}`; the unconstrained optimum lies
    :math:`\sqrt{2^2 + 1^2}` from the rank-1 one:

    >>> from linnet.data import teacher_task
    >>> from linnet.metrics import distance_to_optimum
    >>> from linnet.network import end_to_end, init_aligned
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))  # s = 4, 2, 1
    >>> stats = Statistics.from_data(task.X, task.Y)
    >>> W = end_to_end(init_aligned(stats.modes, (4, 5, 3), u0=[0.3, 0.2, 0.1]))
    >>> print(f"{distance_to_optimum(W, stats):.6f} {np.sqrt(3.7**2 + 1.8**2 + 0.9**2):.6f}")
    4.211888 4.211888
    >>> print(f"{distance_to_optimum(stats.optimum(), stats, rank=1):.6f}")
    2.236068
    """
    check_stats(stats)
    product = _product(product, stats.n_out, stats.n_in, "the statistics")
    return np.linalg.norm(product - stats.optimum(rank), axis=(-2, -1))


def weight_norms(weights) -> np.ndarray:
    """Frobenius norm of every layer, shape (L, ...).

    ``weights`` ``(W1, ..., WL)``, each of shape (..., n_{l+1}, n_l); the ensemble axes follow
    the layer axis.

    Examples
    --------
    An orthogonal n × n layer has norm √n:

    >>> from linnet.metrics import weight_norms
    >>> from linnet.network import init_orthogonal
    >>> weights = init_orthogonal((4, 4, 4), rng=np.random.default_rng(0))
    >>> np.round(weight_norms(weights), 6)
    array([2., 2.])
    >>> weight_norms(init_orthogonal((4, 4, 4), rng=np.random.default_rng(0), ensemble=3)).shape
    (2, 3)
    """
    return np.stack([np.linalg.norm(W, axis=(-2, -1)) for W in layer_arrays(weights)])


def balancedness(weights) -> np.ndarray:
    r"""Imbalance :math:`\lVert W_l W_l^\top - W_{l+1}^\top W_{l+1}\rVert_F` of each adjacent pair, shape (L−1, ...).

    Conserved by gradient flow (docs/theory.md#conservation-laws); zero for balanced initialisations.

    Examples
    --------
    >>> from linnet.metrics import balancedness
    >>> from linnet.network import init_gaussian, init_zero_balanced
    >>> balanced = init_zero_balanced((4, 3, 2), 0.5, rng=np.random.default_rng(0))
    >>> bool(balancedness(balanced)[0] < 1e-12)
    True
    >>> np.round(balancedness(init_gaussian((4, 3, 2), 0.5, rng=np.random.default_rng(0))), 4)
    array([2.0165])
    >>> ensemble = init_gaussian((4, 3, 3, 2), 0.5, rng=np.random.default_rng(0), ensemble=5)
    >>> balancedness(ensemble).shape  # (L - 1 pairs, K members)
    (2, 5)
    """
    # The norm of W_{l+1}ᵀW_{l+1} − W_lW_lᵀ: the same number (IEEE subtraction is sign-symmetric).
    return np.stack([np.linalg.norm(D, axis=(-2, -1)) for D in _gram_gaps(weights)])


def _gram_gaps(weights) -> list[np.ndarray]:
    r""":math:`W_{l+1}^\top W_{l+1} - W_lW_l^\top` of each adjacent pair, shapes (..., n_{l+1}, n_{l+1})."""
    weights = layer_arrays(weights)
    return [np.swapaxes(Wn, -1, -2) @ Wn - Wl @ np.swapaxes(Wl, -1, -2)
            for Wl, Wn in zip(weights[:-1], weights[1:])]


def _trace_lambdas(gaps) -> np.ndarray:
    """λ = Tr(D)/n of each gap D from :func:`_gram_gaps`, shape (L−1, ...)."""
    return np.stack([np.trace(D, axis1=-2, axis2=-1) / D.shape[-1] for D in gaps])


def accuracy(product, X, labels) -> np.ndarray:
    """Fraction of samples whose largest output is the true class.

    Parameters
    ----------
    product : ndarray, shape (..., M, N)
    X : ndarray, shape (P, N)
    labels : ndarray of int, shape (P,)
        Class of each sample, in [0, M).

    Returns
    -------
    float or ndarray, shape (...)
        One accuracy per map in ``product``.

    Examples
    --------
    The identity map on two-feature inputs predicts the larger feature's class:

    >>> from linnet.metrics import accuracy
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])
    >>> labels = np.array([0, 1, 0, 0])
    >>> float(accuracy(np.eye(2), X, labels))
    0.75
    >>> accuracy(np.stack([np.eye(2), np.eye(2)[::-1]]), X, labels)  # two maps at once
    array([0.75, 0.25])
    """
    X = as_float_array(X, "X", ndim=2)
    product = real_array(product, "product", fix="Pass end-to-end maps W (..., M, N)")
    if product.ndim < 2:
        raise ValueError(f"product must have shape (..., M, N); got shape {product.shape}")
    product = _product(product, product.shape[-2], X.shape[1], f"X of shape {X.shape} (N inputs)")
    labels = _labels(labels, X.shape[0], product.shape[-2])
    lead, (M, N) = product.shape[:-2], product.shape[-2:]
    # One (P, N) @ (N, B·M) product: broadcasting X against a stack of B maps runs B small
    # products and is ~20x slower (0.3 s for 21 maps on 4,000 MNIST digits).
    scores = (X @ product.reshape(-1, N).T).reshape(X.shape[0], -1, M)
    correct = np.argmax(scores, axis=-1) == labels[:, None]
    return np.mean(correct, axis=0).reshape(lead)[()]


def _labels(labels, P: int, M: int) -> np.ndarray:
    """Class labels as a (P,) integer array with values in [0, M), or raise."""
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != P or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"labels must be a 1-D integer array with one class per row of X (P = {P}); got dtype "
            f"{arr.dtype} and shape {arr.shape}"
        )
    if arr.min() < 0 or arr.max() >= M:
        raise ValueError(
            f"labels must lie in [0, {M}), one per output unit (M = {M}); got values from "
            f"{arr.min()} to {arr.max()}"
        )
    return arr


def orthogonality_error(weights, gain: float = 1.0) -> np.ndarray:
    r"""Deviation of each layer from a scaled partial isometry, shape (L, ...).

    :math:`\max_{ij}|W_lW_l^\top/g^2 - I|` when n_{l+1} ≤ n_l (orthonormal rows), else
    :math:`\max_{ij}|W_l^\top W_l/g^2 - I|`: zero for :func:`linnet.network.init_orthogonal`.

    Examples
    --------
    >>> from linnet.metrics import orthogonality_error
    >>> from linnet.network import init_gaussian, init_orthogonal
    >>> weights = init_orthogonal((6, 3, 2), gain=2.0, rng=np.random.default_rng(0))
    >>> bool(np.all(orthogonality_error(weights, gain=2.0) < 1e-12))
    True

    Gaussian layers of variance 1/n_l are orthogonal only on average, far from it when narrow:

    >>> weights = init_gaussian((6, 3, 2), 1.0, fan_in=True, rng=np.random.default_rng(0))
    >>> np.round(orthogonality_error(weights), 3)
    array([0.855, 0.576])
    """
    gain = positive_float(gain, "gain")
    out = []
    for W in layer_arrays(weights):
        n_out, n_in = W.shape[-2:]
        Wt = np.swapaxes(W, -1, -2)
        G = (W @ Wt if n_out <= n_in else Wt @ W) / gain**2
        out.append(np.max(np.abs(G - np.eye(G.shape[-1])), axis=(-2, -1)))
    return np.stack(out)


def balance_lambda(weights) -> np.ndarray:
    r"""λ of each adjacent pair, :math:`\operatorname{Tr}(W_{l+1}^\top W_{l+1} - W_lW_l^\top)/n_{l+1}`, shape (L−1, ...).

    The λ of the nearest λ-balanced state (docs/theory.md#exact-solutions); 0 for zero-balanced weights.

    Examples
    --------
    >>> from linnet.metrics import balance_lambda
    >>> from linnet.network import init_lambda_balanced
    >>> weights = init_lambda_balanced((3, 2, 3), 0.5, lam=0.25, rng=np.random.default_rng(0))
    >>> np.round(balance_lambda(weights), 6)
    array([0.25])
    """
    return _trace_lambdas(_gram_gaps(weights))


def lambda_balancedness(weights, lam=None) -> np.ndarray:
    r"""Deviation :math:`\max_{ij}|W_{l+1}^\top W_{l+1} - W_lW_l^\top - \lambda I|` of each pair, shape (L−1, ...).

    Parameters
    ----------
    weights : tuple of ndarray
    lam : float or array_like, optional
        λ; default: :func:`balance_lambda` of the weights (so only the λI structure is checked).

    Zero for :func:`linnet.network.init_lambda_balanced` (and, with λ = 0, for
    :func:`linnet.network.init_zero_balanced`); conserved by gradient flow.

    Examples
    --------
    λ-balanced weights have the λI structure; measured against λ = 0 they are off by λ:

    >>> from linnet.metrics import lambda_balancedness
    >>> from linnet.network import init_lambda_balanced
    >>> weights = init_lambda_balanced((3, 2, 3), 0.5, lam=0.25, rng=np.random.default_rng(0))
    >>> bool(lambda_balancedness(weights)[0] < 1e-12)
    True
    >>> np.round(lambda_balancedness(weights, lam=0.0), 6)
    array([0.25])
    """
    gaps = _gram_gaps(weights)  # formed once, also for the default λ
    lams = _trace_lambdas(gaps) if lam is None else _lambdas(lam, (len(gaps),) + gaps[0].shape[:-2])
    return np.stack([
        np.max(np.abs(D - np.asarray(lams[l])[..., None, None] * np.eye(D.shape[-1])), axis=(-2, -1))
        for l, D in enumerate(gaps)
    ])


def _lambdas(lam, shape: tuple[int, ...]) -> np.ndarray:
    """``lam`` broadcast to one λ per adjacent pair and member, ``shape`` (L−1, ...), or raise."""
    lam = as_float_array(lam, "lam", fix="pass finite λ values")
    try:
        return np.broadcast_to(lam, shape)
    except ValueError:
        raise ValueError(
            f"lam must be a scalar or broadcast to (L-1, ...) = {shape}, one λ per adjacent pair "
            f"of layers (and ensemble member); got shape {lam.shape}"
        ) from None
