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
    r"""Strength of each mode, :math:`u_\alpha^\top W \Sigma_{11}^{1/2} v_\alpha`, shape (..., r)."""
    check_modes(modes)
    product = _product(product, modes.U.shape[0], modes.input_map.shape[0], "the modes")
    # einsum avoids forming the r×r matrix when only its diagonal is needed.
    return np.einsum("ma,...mn,na->...a", modes.U, product, modes.input_map)


def max_offdiagonal(product, modes: Modes) -> np.ndarray:
    """Largest absolute off-diagonal mode strength, shape (...)."""
    S = mode_strengths(product, modes)
    r = S.shape[-1]
    return np.max(np.abs(S * (1 - np.eye(r))), axis=(-2, -1))


def distance_to_optimum(product, stats: Statistics, rank: int | None = None) -> np.ndarray:
    r"""Frobenius distance :math:`\lVert W - W_\star\rVert_F` to the (rank-k) optimum, shape (...)."""
    check_stats(stats)
    product = _product(product, stats.n_out, stats.n_in, "the statistics")
    return np.linalg.norm(product - stats.optimum(rank), axis=(-2, -1))


def weight_norms(weights) -> np.ndarray:
    """Frobenius norm of every layer, shape (L, ...)."""
    return np.stack([np.linalg.norm(W, axis=(-2, -1)) for W in layer_arrays(weights)])


def balancedness(weights) -> np.ndarray:
    r"""Imbalance :math:`\lVert W_l W_l^\top - W_{l+1}^\top W_{l+1}\rVert_F` of each adjacent pair, shape (L−1, ...).

    Conserved by gradient flow (docs/theory.md#conservation-laws); zero for balanced initialisations.
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
