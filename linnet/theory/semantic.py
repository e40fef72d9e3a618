r"""Semantic development (Saxe, McClelland & Ganguli, PNAS 2019): what a network predicts for every item.

The items are orthogonal inputs ``X`` (rows; :mod:`linnet.data.hierarchy` uses :math:`X = \sqrt P I`,
so :math:`\Sigma_{11} = I`), the task's SVD is :math:`\Sigma_{31} = \sum_\alpha s_\alpha u_\alpha
v_\alpha^\top` and, from small decoupled weights, every mode has its own strength
:math:`a_\alpha(t)` (docs/theory.md#semantic-development):

- a network of L ≥ 2 weight matrices follows the deep mode equation
  (:func:`linnet.theory.deep_mode_strength`; L = 2 is Saxe et al. eq. 12, a sigmoid at
  :math:`t \approx \ln(s/u_0)/2s`: strong modes first, in stages);
- a shallow network, one weight matrix W with :math:`\dot W = \Sigma_{31} - W`, relaxes every
  mode on the same timescale: :math:`a_\alpha(t) = s_\alpha(1 - e^{-t}) + a_\alpha^0 e^{-t}`.

From the strengths follow the prediction for item i, :math:`\hat y_i(t) = \sum_\alpha a_\alpha(t)
u_\alpha v_\alpha^\top x_i` (:func:`predicted_outputs`), the similarity of the items' first-layer
representations (:func:`hidden_similarity`), the items' typicality (:func:`typicality`) and the
categories' coherence (:func:`category_coherence`) with the learning times they predict, and the
transient errors ("illusions") on the way (:func:`transient_errors`). Time is τ = 1, t = step·η;
the papers' units are mapped in :mod:`linnet.data.hierarchy`.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array, check_broadcast, check_modes, positive_array, positive_float, step_array
from ..metrics import mode_strength_diagonal
from .deep import deep_learning_time, deep_mode_strength, deep_mode_strength_discrete
from .saxe import effective_initial_strength, mode_strength

__all__ = [
    "shallow_mode_strength",
    "shallow_mode_strength_discrete",
    "network_mode_strength",
    "ensemble_mode_strength",
    "predicted_outputs",
    "hidden_similarity",
    "typicality",
    "typicality_learning_time",
    "category_coherence",
    "coherence_learning_time",
    "transient_errors",
]


def _depth_any(depth) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an int >= 1 weight matrices (1: shallow, 2: one hidden layer); got {depth!r}")
    return int(depth)


def shallow_mode_strength(t, s, u0) -> np.ndarray:
    r"""Strength of mode α of a one-matrix network under gradient flow, :math:`s + (u_0 - s)e^{-t}`.

    Parameters
    ----------
    t : array_like, shape (T,)
        Times ≥ 0 (τ = 1).
    s : array_like, shape (r,)
        Singular values.
    u0 : array_like, broadcastable to ``s``
        Initial strengths (any sign).

    Returns
    -------
    ndarray, shape (T, r)
        Every mode relaxes with rate 1 whatever its s: no stages.

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.shallow_mode_strength([0.0, 1.0, 10.0], [2.0, 0.5], 0.0).round(4))
    [[0.     0.    ]
     [1.2642 0.3161]
     [1.9999 0.5   ]]
    """
    t = np.atleast_1d(as_float_array(t, "t", ndim=(0, 1)))
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0 (time since the start, t = step·η); got min {t.min():.3g}")
    s, u0 = _shallow_modes(s, u0)
    return s + (u0 - s) * np.exp(-t)[:, None]


def _shallow_modes(s, u0) -> tuple[np.ndarray, np.ndarray]:
    """``s`` as (r,) and ``u0`` broadcast to it, or a ValueError naming both shapes."""
    s = np.atleast_1d(as_float_array(s, "s", ndim=(0, 1)))
    u0 = np.atleast_1d(as_float_array(u0, "u0"))
    check_broadcast(s=s, u0=u0)  # u0 is one per mode, or one for all
    if u0.ndim > 1:
        raise ValueError(f"u0 must be one value or one per mode (shape {s.shape}); got shape {u0.shape}")
    return s, np.broadcast_to(u0, s.shape)


def shallow_mode_strength_discrete(steps, s, u0, *, lr) -> np.ndarray:
    r"""Strength after k gradient-descent steps of a one-matrix network, :math:`s + (u_0 - s)(1-\eta)^k`.

    Exact for matrix GD on whitened inputs: :math:`W \leftarrow W + \eta(\Sigma_{31} - W)` acts on
    each mode separately.

    Parameters
    ----------
    steps : array_like of int, shape (T,)
    s, u0 : array_like, shape (r,) (u0 broadcastable)
    lr : float
        η; below 2 for the iteration to converge.

    Returns
    -------
    ndarray, shape (T, r)

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.shallow_mode_strength_discrete([0, 1, 100], [2.0, 0.5], 0.0, lr=0.1).round(4))
    [[0.     0.    ]
     [0.2    0.05  ]
     [1.9999 0.5   ]]
    """
    steps = step_array(steps)
    lr = positive_float(lr, "lr")
    s, u0 = _shallow_modes(s, u0)
    return s + (u0 - s) * ((1.0 - lr) ** steps.astype(float))[:, None]


def network_mode_strength(t, s, u0, *, depth: int, lr: float | None = None) -> np.ndarray:
    r"""Mode strengths of a network of ``depth`` weight matrices, shallow (1) or deep (≥ 2).

    Parameters
    ----------
    t : array_like, shape (T,)
        Times ≥ 0 (gradient flow), or steps (ints) when ``lr`` is given (gradient descent).
    s : array_like, shape (r,)
        Singular values > 0.
    u0 : array_like, broadcastable to ``s``
        Initial strengths, > 0 for depth ≥ 2.
    depth : int
        1: :func:`shallow_mode_strength`; L ≥ 2: :func:`linnet.theory.deep_mode_strength`.
    lr : float, optional
        η: return the exact discrete map at steps ``t`` instead (the ``_discrete`` functions).

    Returns
    -------
    ndarray, shape (T, r)

    Examples
    --------
    The deep network learns its two modes in stages, the shallow one both at once:

    >>> from linnet import theory
    >>> t = [1.0, 3.0]
    >>> for L in (1, 2):
    ...     print(L, (theory.network_mode_strength(t, [2.0, 0.5], 1e-3, depth=L) / [2.0, 0.5]).round(3).tolist())
    1 [[0.632, 0.633], [0.95, 0.95]]
    2 [[0.027, 0.005], [0.988, 0.039]]
    """
    L = _depth_any(depth)
    if lr is None:
        if L == 1:
            return shallow_mode_strength(t, s, u0)
        return deep_mode_strength(t, s, u0, depth=L)
    if L == 1:
        return shallow_mode_strength_discrete(t, s, u0, lr=lr)
    return deep_mode_strength_discrete(t, s, u0, lr=lr, depth=L)


def ensemble_mode_strength(t, weights, modes) -> tuple[np.ndarray, np.ndarray]:
    r"""Initial strengths of small random networks and the theory's mode strengths from them.

    A shallow network (one matrix W) starts each mode at its diagonal strength
    :math:`u_\alpha^\top W v_\alpha` and relaxes by :func:`shallow_mode_strength`; a two-layer
    network starts at :func:`linnet.theory.effective_initial_strength` (with ``competition=True``)
    and follows the sigmoid :func:`linnet.theory.mode_strength`.

    Parameters
    ----------
    t : array_like, shape (T,)
        Times ≥ 0 (t = step·η).
    weights : tuple of ndarray
        ``(W,)`` or ``(W1, W2)``, each with any leading ensemble axes (..., n_{l+1}, n_l).
    modes : Modes
        The task's modes (``stats.modes``).

    Returns
    -------
    u0 : ndarray, shape (..., r)
        Initial strengths, one row per network.
    strengths : ndarray, shape (T, ..., r)
        The theory's strengths of every network's modes at times ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import data, network, theory
    >>> stats = data.pnas_toy().stats()
    >>> w = network.init_gaussian((4, 16, 7), 0.01, rng=np.random.default_rng(0), ensemble=3)
    >>> u0, a = theory.ensemble_mode_strength([0.0, 50.0], w, stats.modes)
    >>> u0.shape, a.shape, bool(np.allclose(a[0], u0)), bool(np.allclose(a[-1], stats.modes.s))
    ((3, 4), (2, 3, 4), True, True)
    """
    weights = tuple(weights)
    t = np.atleast_1d(as_float_array(t, "t", ndim=1))
    modes = check_modes(modes)
    if len(weights) == 1:
        u0 = mode_strength_diagonal(weights[0], modes)  # any sign
        curve = lambda u: shallow_mode_strength(t, modes.s, u)  # noqa: E731
    elif len(weights) == 2:
        u0 = effective_initial_strength(weights, modes, competition=True)
        curve = lambda u: mode_strength(t[:, None], modes.s, u)  # noqa: E731
    else:
        raise ValueError(f"weights must be (W,) or (W1, W2): a shallow or two-layer network; got "
                         f"{len(weights)} layers (for deeper ones use network_mode_strength)")
    flat = u0.reshape(-1, u0.shape[-1])
    strengths = np.stack([curve(u) for u in flat], axis=1)
    return u0, strengths.reshape((t.size,) + u0.shape)


def _modes_and_inputs(modes, X):
    modes = check_modes(modes)
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != modes.V.shape[0]:
        raise ValueError(f"X must have {modes.V.shape[0]} columns (the modes' inputs); got shape {X.shape}")
    return modes, X


def _strengths(strengths, r: int) -> np.ndarray:
    a = as_float_array(strengths, "strengths")
    if a.shape[-1] != r:
        raise ValueError(f"strengths must have the r = {r} modes on the last axis; got shape {a.shape}")
    return a


def predicted_outputs(strengths, modes, X) -> np.ndarray:
    r"""Every item's predicted properties, :math:`\hat y_i = \sum_\alpha a_\alpha u_\alpha v_\alpha^\top x_i`.

    Parameters
    ----------
    strengths : array_like, shape (..., r)
        Mode strengths :math:`a_\alpha`, e.g. (T, r) from :func:`network_mode_strength`.
    modes : Modes
        The task's modes (``stats.modes``), r of them; inputs whitened.
    X : array_like, shape (P, N)
        The items (rows), e.g. ``Hierarchy.X``.

    Returns
    -------
    ndarray, shape (..., P, M)
        Row i holds item i's predicted properties; at :math:`a = s` it is the least-squares fit.

    Examples
    --------
    >>> from linnet import data, theory
    >>> toy = data.pnas_toy()
    >>> stats = toy.stats()
    >>> y = theory.predicted_outputs(stats.modes.s, stats.modes, toy.X)  # every mode learned
    >>> bool(np.allclose(y, toy.Y))
    True
    >>> y = theory.predicted_outputs([stats.modes.s[0], 0, 0, 0], stats.modes, toy.X)  # mode 1 only
    >>> print(y[0].round(3))  # the canary: every property at the mean over items
    [1.   0.5  0.5  0.25 0.25 0.25 0.25]
    """
    modes, X = _modes_and_inputs(modes, X)
    a = _strengths(strengths, modes.s.size)
    XV = X @ modes.V  # (P, r): item i's coordinates on the object analyzers
    return np.einsum("pa,...a,ma->...pm", XV, a, modes.U)


def hidden_similarity(strengths, modes, X, *, depth: int = 2) -> np.ndarray:
    r"""Similarity of the items' first-hidden-layer representations, :math:`h_i^\top h_j`.

    From decoupled, balanced weights the first layer is :math:`W_1 = R\,\mathrm{diag}(a_\alpha^{1/L})
    V^\top` (R orthogonal), so

    .. math:: h_i^\top h_j = \sum_\alpha a_\alpha^{2/L}\,(v_\alpha^\top x_i)(v_\alpha^\top x_j),

    i.e. :math:`\sum_\alpha a_\alpha v_\alpha v_\alpha^\top` in item coordinates for one hidden layer
    (L = 2): broad distinctions (strong modes) appear first (progressive differentiation).

    Parameters
    ----------
    strengths : array_like, shape (..., r)
        End-to-end strengths ≥ 0.
    modes : Modes
    X : array_like, shape (P, N)
    depth : int
        L ≥ 2 weight matrices.

    Returns
    -------
    ndarray, shape (..., P, P)

    Examples
    --------
    >>> from linnet import data, theory
    >>> toy = data.pnas_toy()
    >>> m = toy.stats().modes
    >>> K = theory.hidden_similarity([m.s[0], m.s[1], 0, 0], m, toy.X)  # two modes learned
    >>> print((K / K[0, 0]).round(3))  # canary ~ salmon, oak ~ rose, not yet told apart
    [[1.    1.    0.209 0.209]
     [1.    1.    0.209 0.209]
     [0.209 0.209 1.    1.   ]
     [0.209 0.209 1.    1.   ]]
    """
    L = _depth_any(depth)
    if L < 2:
        raise ValueError("depth must be >= 2: a shallow network (depth 1) has no hidden layer")
    modes, X = _modes_and_inputs(modes, X)
    a = _strengths(strengths, modes.s.size)
    if np.any(a < 0):
        raise ValueError("strengths must be >= 0 (balanced decoupled weights carry a^(1/L) per layer)")
    XV = X @ modes.V
    return np.einsum("pa,...a,qa->...pq", XV, a ** (2.0 / L), XV)


def typicality(modes, X) -> np.ndarray:
    r"""Each item's loading on each object analyzer, :math:`v_\alpha^\top x_i` (PNAS 2019, Fig. 6).

    With :math:`X = \sqrt P I` this is :math:`\sqrt P\,v_\alpha(i)`: ±1 for every member of an
    even split of a clean tree; within a category, the more typical items (those that have more of
    the category's properties) load more strongly, and an item of neither side of a distinction sits
    near 0. Item i's prediction along the feature synthesizer :math:`u_\alpha` is
    :math:`a_\alpha(t)\,v_\alpha^\top x_i`, so typical items cross any fixed response threshold
    first (:func:`typicality_learning_time`).

    Parameters
    ----------
    modes : Modes
    X : array_like, shape (P, N)

    Returns
    -------
    ndarray, shape (P, r)
        Signs are those of the SVD's (arbitrary) vectors.

    Examples
    --------
    >>> from linnet import data, theory
    >>> toy = data.pnas_toy()
    >>> print(np.abs(theory.typicality(toy.stats().modes, toy.X)[:, :2]).round(3))
    [[1. 1.]
     [1. 1.]
     [1. 1.]
     [1. 1.]]
    """
    modes, X = _modes_and_inputs(modes, X)
    return X @ modes.V


def typicality_learning_time(s, u0, loading, threshold, *, depth: int = 2) -> np.ndarray:
    r"""Time at which an item's prediction along a mode, :math:`a(t)\,|v^\top x_i|`, reaches ``threshold``.

    The item reaches the threshold when the mode's strength reaches
    :math:`u_f = \theta/|v^\top x_i|`: :func:`linnet.theory.deep_learning_time` from u0 to uf,
    sooner for more typical items (larger loading); ∞ where :math:`u_f \ge s` (the item never
    gets there).

    Parameters
    ----------
    s, u0 : float
        The mode's singular value and initial strength, 0 < u0 < s.
    loading : array_like, shape (P,)
        Items' loadings (:func:`typicality`, one column).
    threshold : float
        θ > 0, in the units of the outputs' projection on :math:`u_\alpha`.
    depth : int
        L ≥ 2.

    Returns
    -------
    ndarray, shape (P,)

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.typicality_learning_time(2.0, 1e-3, [1.0, 0.5, 0.2], 0.5).round(4))
    [1.6254 1.9001    inf]
    """
    s = positive_float(s, "s")
    u0 = positive_float(u0, "u0")
    threshold = positive_float(threshold, "threshold")
    w = np.abs(as_float_array(loading, "loading"))
    with np.errstate(divide="ignore"):
        uf = threshold / w
    out = np.full(w.shape, np.inf)
    ok = (uf < s) & (uf > u0)
    if ok.any():  # none may: every item's loading too small (or θ beyond s)
        out[ok] = deep_learning_time(s, u0, uf[ok], depth=depth)
    out[uf <= u0] = 0.0
    return out


def category_coherence(stats, members) -> float:
    r"""A category's coherence: the strength :math:`\lVert\Sigma_{31} c\rVert` of its mode.

    The category's object analyzer is :math:`c \propto \sum_{i \in S} x_i` (unit length, whitened
    inputs): the direction of its members. Its input-output strength :math:`\lVert\Sigma_{31}c\rVert`
    is the singular value of the category's mode when c is a right singular vector (an isolated
    category: K_o items sharing K_f {0,1} properties and nothing else give
    :math:`\sqrt{K_o K_f / P}`), and otherwise the Rayleigh lower bound on the top singular value
    of :math:`\Sigma_{31}` restricted to c. Categories whose members share more properties more
    reliably are more coherent and, s setting the learning speed (t ≈ ln(s/u0)/2s), are learned
    sooner (:func:`coherence_learning_time`).

    Parameters
    ----------
    stats : Statistics
        The task, whitened inputs; columns of ``sigma31`` are input coordinates.
    members : array_like
        The members' input vectors as rows (K, N), e.g. ``Hierarchy.X[indices]``.

    Returns
    -------
    float

    Examples
    --------
    >>> from linnet import data, theory
    >>> toy = data.pnas_toy()
    >>> stats = toy.stats()
    >>> print(round(theory.category_coherence(stats, toy.X[:2]), 4))  # the animals: √10/(2√2)
    1.118
    >>> print(round(theory.category_coherence(stats, toy.X[:1]), 4))  # the canary alone
    0.866
    """
    from .._validation import check_stats

    check_stats(stats)
    S = as_float_array(members, "members", ndim=(1, 2))
    c = np.atleast_2d(S).sum(axis=0)
    if c.shape[0] != stats.n_in or np.linalg.norm(c) == 0:
        raise ValueError(f"members must be rows of {stats.n_in} input values with a non-zero sum; got shape {S.shape}")
    return float(np.linalg.norm(stats.sigma31 @ (c / np.linalg.norm(c))))


def coherence_learning_time(coherence, u0, *, depth: int = 2) -> np.ndarray:
    r"""Half-learning time a category's coherence predicts, :func:`linnet.theory.deep_learning_time` to s/2.

    For one hidden layer :math:`t_{1/2} = \ln(s/u_0 - 1)/2s` with s the coherence
    (:func:`category_coherence`): inversely proportional to it, up to the logarithm.

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.coherence_learning_time([2.0, 1.0, 0.5], 1e-3).round(3))
    [1.9   3.453 6.213]
    """
    s = positive_array(coherence, "coherence")
    return np.asarray(deep_learning_time(s, u0, 0.5 * s, depth=depth))


def transient_errors(t, predictions, targets) -> tuple[np.ndarray, np.ndarray]:
    r"""Largest transient error of every prediction, and when it happens (semantic "illusions").

    A prediction :math:`\hat y(t)` on its way from ≈ 0 to its final value :math:`y^\star` makes a
    transient error when it goes past :math:`y^\star` (overshoot) or, for :math:`y^\star = 0`, when
    it moves away from 0 at all (the item is credited with a property it lacks, e.g. the salmon
    "flies" once animals are told from plants but before fish from birds). The size is

    .. math:: e = \max_t\,\sigma(y^\star)\,(\hat y(t) - y^\star), \qquad \sigma(y^\star) = \operatorname{sign}(y^\star),

    and :math:`\max_t |\hat y(t)|` where :math:`y^\star = 0`; 0 when the prediction never passes its
    final value.

    Parameters
    ----------
    t : array_like, shape (T,)
        Times, increasing.
    predictions : array_like, shape (T, ...)
        E.g. (T, P, M) from :func:`predicted_outputs`.
    targets : array_like, shape (...)
        Final values :math:`y^\star` (the fit the network converges to), same trailing shape.

    Returns
    -------
    size, time : ndarray, shape (...)
        Size of the largest excursion (≥ 0) and the time of its extreme (the first time at which
        it is attained; t[0] where size = 0).

    Examples
    --------
    >>> from linnet import theory
    >>> t = np.array([0.0, 1.0, 2.0, 3.0])
    >>> y = np.array([[0.0, 0.0], [0.4, 0.6], [0.1, 1.2], [0.0, 1.0]])  # (T, 2)
    >>> size, when = theory.transient_errors(t, y, [0.0, 1.0])
    >>> print(size.round(3), when)
    [0.4 0.2] [1. 2.]
    """
    t = np.atleast_1d(as_float_array(t, "t", ndim=1))
    y = as_float_array(predictions, "predictions")
    target = as_float_array(targets, "targets")
    if y.shape[0] != t.size or y.shape[1:] != target.shape:
        raise ValueError(f"predictions must have shape (T, *targets.shape) = ({t.size}, *{target.shape}); "
                         f"got {y.shape}")
    zero = target == 0
    excess = np.where(zero, np.abs(y), np.sign(target) * (y - target))
    k = np.argmax(excess, axis=0)
    size = np.maximum(np.take_along_axis(excess, k[None], axis=0)[0], 0.0)
    return size, np.where(size > 0, t[k], t[0])
