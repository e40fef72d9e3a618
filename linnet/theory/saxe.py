r"""Closed-form theory of learning in linear networks. No randomness in this module.

Two-layer networks from small, decoupled initial weights on whitened inputs (Saxe, McClelland
& Ganguli 2014; docs/theory.md#two-layer-dynamics): every mode α of :math:`\Sigma_{31} = \sum_\alpha s_\alpha
u_\alpha v_\alpha^\top` is learned independently along a logistic curve,

.. math:: \tau\dot u = 2u(s - u), \qquad u(t) = \frac{s}{1 + (s/u_0 - 1)\,e^{-2st/\tau}},

with τ = 1 and t = step · η (DESIGN.md). Gradient descent follows the exact discrete map
:math:`u \leftarrow u\,(1 + \eta(s - u))^2` on the same manifold (docs/theory.md#discrete-gradient-descent).

Argument convention of every function in :mod:`linnet.theory`: positional arguments are, in
this order, the grid a curve is evaluated on (``t`` or ``steps``), the mode (``s``, ``u0``) and,
for the time or step to reach a strength, the target ``uf`` ("from u0 to uf"); the parameters of
the dynamics (``lr``, ``depth``, ``lam``, ``residual``, ``n_hidden``) and numerical options are
keyword-only. The task-level functions take the task first (``stability_bound(s1, depth)``,
``optimum_sharpness(stats, depth)``, ``effective_initial_strength(weights, modes)``).
"""

from __future__ import annotations

import numpy as np
import scipy.special

from .._validation import (as_float_array, check_broadcast, check_modes, layer_arrays, nonnegative_int,
                           positive_array, positive_float, positive_int, step_array)

__all__ = [
    "mode_strength",
    "mode_strength_discrete",
    "learning_time",
    "half_learning_time",
    "half_learning_step",
    "half_learning_step_estimate",
    "loss_curve",
    "effective_initial_strength",
    "competition_delay",
]


def mode_strength(t, s, u0) -> np.ndarray:
    r"""Strength of a mode learned by gradient flow from decoupled init (Saxe et al. eq. 12).

    Parameters
    ----------
    t : array_like
        Times (τ = 1), broadcast against ``s`` and ``u0``.
    s : array_like
        Singular values :math:`s_\alpha > 0`.
    u0 : array_like
        Initial strengths, :math:`0 < u_0`.

    Returns
    -------
    ndarray
        :math:`u(t) = s / (1 + (s/u_0 - 1) e^{-2st})`, broadcast shape.

    References
    ----------
    Saxe, McClelland & Ganguli (2014), arXiv:1312.6120, eq. (12).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import theory
    >>> t = np.array([[0.0], [1.0], [5.0]])  # (T, 1) against two modes (2,)
    >>> print(theory.mode_strength(t, [2.0, 1.0], 0.01).round(4))
    [[0.01   0.01  ]
     [0.4306 0.0695]
     [2.     0.9955]]
    """
    t = as_float_array(t, "t")
    s = positive_array(s, "s")
    u0 = positive_array(u0, "u0")
    check_broadcast(t=t, s=s, u0=u0)
    with np.errstate(over="ignore"):
        # e^{-2st} underflows to 0 for large t: the limit u = s is then exact.
        return s / (1.0 + (s / u0 - 1.0) * np.exp(-2.0 * s * t))


def _saxe_step(u, s, lr):
    """One gradient-descent step of the two-layer mode map, u ← u(1 + η(s − u))²."""
    return u * (1.0 + lr * (s - u)) ** 2


def mode_strength_discrete(steps, s, u0, *, lr: float) -> np.ndarray:
    r"""Strength after k gradient-descent steps from decoupled init: iterate :math:`u \leftarrow u(1+\eta(s-u))^2`.

    Exact for matrix GD on two layers from aligned, balanced weights (docs/theory.md#discrete-gradient-descent).

    Parameters
    ----------
    steps : array_like of int, shape (T,)
        Steps at which to return u, in any order.
    s, u0 : array_like, shape (r,)
        Singular values and initial strengths (u0 may be one for all modes).
    lr : float
        Step η.

    Returns
    -------
    ndarray, shape (T, r)

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.mode_strength_discrete([0, 1, 100], [2.0, 1.0], 0.01, lr=0.01).round(4))
    [[0.01   0.01  ]
     [0.0104 0.0102]
     [0.4196 0.0689]]
    """
    steps = step_array(steps)
    lr = positive_float(lr, "lr")
    s = np.atleast_1d(as_float_array(s, "s"))
    u0 = np.atleast_1d(as_float_array(u0, "u0"))
    check_broadcast(s=s, u0=u0)  # u0 is one per mode, or one for all
    u = np.broadcast_to(u0, s.shape).copy()
    out = np.empty((steps.size, s.size))
    order = np.argsort(steps)
    k = 0
    for i in order:
        for _ in range(int(steps[i]) - k):
            u = _saxe_step(u, s, lr)
        k = int(steps[i])
        out[i] = u
    return out


def learning_time(s, u0, uf) -> np.ndarray:
    r"""Time for a mode to grow from ``u0`` to ``uf`` (Saxe et al. eq. 11).

    .. math:: t = \frac{1}{2s}\ln\frac{u_f(s-u_0)}{u_0(s-u_f)}, \qquad 0 < u_0, u_f < s.

    Parameters
    ----------
    s, u0, uf : array_like, broadcast together
        Singular value, initial and target strength, 0 < u0, uf < s.

    Returns
    -------
    ndarray
        Negative where uf < u0.

    Examples
    --------
    >>> from linnet import theory
    >>> t = theory.learning_time(2.0, 0.01, 1.0)  # ln(199)/4
    >>> print(round(float(t), 6), round(float(theory.mode_strength(t, 2.0, 0.01)), 12))
    1.323326 1.0
    """
    s = positive_array(s, "s")
    u0 = positive_array(u0, "u0")
    uf = positive_array(uf, "uf")
    if np.any(u0 >= s) or np.any(uf >= s):
        raise ValueError("u0 and uf must be below s: a mode never reaches or passes s")
    return np.log(uf * (s - u0) / (u0 * (s - uf))) / (2.0 * s)


def half_learning_time(s, u0) -> np.ndarray:
    r"""Time for a mode to reach half its final strength, :math:`t_{1/2} = \ln(s/u_0 - 1)/(2s)`.

    Parameters
    ----------
    s, u0 : array_like, broadcast together
        0 < u0 < s/2.

    Returns
    -------
    ndarray
        :func:`learning_time` to :math:`u_f = s/2`.

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.half_learning_time([2.0, 1.0], 0.01).round(4))
    [1.3233 2.2976]
    """
    return learning_time(s, u0, 0.5 * positive_array(s, "s"))


def half_learning_step(s, u0, *, lr: float, max_steps: int = 10_000_000) -> np.ndarray:
    r"""Gradient-descent step at which :math:`u = s/2`, from the exact discrete map.

    Early growth per step is :math:`(1+\eta s)^2`, less than :math:`e^{2\eta s}`, so the discrete
    plateau is longer than :math:`t_{1/2}/\eta` by a factor :math:`\approx \eta s/\ln(1+\eta s) > 1`
    (docs/theory.md#discrete-gradient-descent).

    Parameters
    ----------
    s, u0 : array_like, broadcast together
        Singular values > 0 and initial strengths > 0.
    lr : float
        Step η.
    max_steps : int
        Give up (RuntimeError) after this many steps.

    Returns
    -------
    ndarray of float, shape (r,)
        The first step k with :math:`u_k \ge s/2` (0 where u0 ≥ s/2 already).

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.half_learning_step([2.0, 1.0], 0.01, lr=0.01))
    [134. 231.]
    >>> print((theory.half_learning_time([2.0, 1.0], 0.01) / 0.01).round(1))  # gradient flow
    [132.3 229.8]
    """
    lr = positive_float(lr, "lr")
    max_steps = positive_int(max_steps, "max_steps")
    s = np.atleast_1d(positive_array(s, "s"))
    u = np.broadcast_to(np.atleast_1d(positive_array(u0, "u0")), s.shape).copy()
    k = np.zeros(s.shape)
    done = u >= s / 2
    n = 0
    while not done.all():
        n += 1
        u = np.where(done, u, _saxe_step(u, s, lr))
        newly = ~done & (u >= s / 2)
        k[newly] = n
        done |= newly
        if n > max_steps:
            raise RuntimeError(f"half_learning_step: s/2 not reached within max_steps={max_steps}; lr is far too small")
    return k


def half_learning_step_estimate(s, u0, *, lr) -> np.ndarray:
    r"""Two-layer discrete plateau: steps to half strength, :math:`k_{1/2} \approx \ln(s/u_0 - 1)/(2\ln(1+\eta s))`.

    Early growth per step is :math:`(1+\eta s)^2`, less than :math:`e^{2\eta s}`, so GD leaves
    the plateau after more steps than :math:`t_{1/2}/\eta` (docs/theory.md#discrete-gradient-descent: s = 2, η = 0.3 takes
    11 steps where gradient flow predicts 8.3). The exact count is :func:`half_learning_step`;
    for deeper networks early growth is not geometric, use :func:`deep_learning_step`.

    Parameters
    ----------
    s, u0, lr : array_like, broadcast together
        s > 0, 0 < u0 < s/2, η > 0.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.half_learning_step_estimate([2.0, 1.0], 0.01, lr=0.01).round(1))
    [133.7 230.9]
    """
    s, u0, lr = np.broadcast_arrays(positive_array(s, "s"), positive_array(u0, "u0"), positive_array(lr, "lr"))
    if np.any(u0 >= s / 2):
        raise ValueError("u0 must be below s/2 for a plateau before half strength")
    return np.log(s / u0 - 1.0) / (2.0 * np.log1p(lr * s))


def loss_curve(t, s, u0, *, residual: float, n_hidden: int | None = None) -> np.ndarray:
    r"""Loss over time of a two-layer network from decoupled init on whitened inputs.

    .. math:: \mathcal L(t) = \mathcal L_\star + \tfrac12\sum_\alpha \big(s_\alpha - u_\alpha(t)\big)^2

    where :math:`\mathcal L_\star = \tfrac12(\operatorname{Tr}\Sigma_{33} - \sum s_\alpha^2)` is
    the least-squares residual (``stats.min_loss()``) and modes beyond the hidden width keep
    :math:`u_\alpha = 0` (docs/theory.md#two-layer-dynamics).

    Parameters
    ----------
    t : array_like, shape (T,)
    s : array_like, shape (r,)
        All singular values of the task (zeros allowed: they add nothing).
    u0 : float or array_like, shape (k,)
        Initial strengths of the first k = min(r, n_hidden) modes.
    residual : float
        :math:`\mathcal L_\star`.
    n_hidden : int, optional
        Hidden width; modes beyond it are never learned.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    Three modes through a hidden layer of two: the third keeps its ½s² in the loss.

    >>> from linnet import theory
    >>> L = theory.loss_curve([0.0, 2.0, 40.0], [2.0, 1.0, 0.5], 0.01, residual=0.1, n_hidden=2)
    >>> print(L.round(4))
    [2.6951 0.4405 0.225 ]
    """
    t = np.atleast_1d(as_float_array(t, "t"))
    s = np.atleast_1d(as_float_array(s, "s"))
    k = s.size if n_hidden is None else min(s.size, nonnegative_int(n_hidden, "n_hidden"))
    learned = s[:k] > 0
    u = np.zeros((t.size, s.size))
    if np.any(learned):
        u0 = as_float_array(u0, "u0")
        # u0 is one per learned mode (the first k = min(r, n_hidden)), or one for all.
        check_broadcast(**{"u0": u0, "s[:n_hidden]": s[:k]})
        u0k = np.broadcast_to(u0, (k,))[learned]
        u[:, :k][:, learned] = mode_strength(t[:, None], s[:k][learned], u0k)
    return residual + 0.5 * np.sum((s - u) ** 2, axis=1)


def effective_initial_strength(weights, modes, *, competition: bool = False) -> np.ndarray:
    r"""Initial strength that a small random two-layer network effectively starts each mode from.

    Near zero the flow is linear: with :math:`a_\alpha = W_1 v_\alpha` and
    :math:`b_\alpha = W_2^\top u_\alpha` (hidden-space vectors), :math:`\dot a = s b`,
    :math:`\dot b = s a`, so :math:`a + b` grows as :math:`e^{st}` while :math:`a - b` decays,
    and the strength :math:`u = a\cdot b` approaches :math:`\lVert a_0 + b_0\rVert^2 e^{2st}/4`.
    The logistic curve (:func:`mode_strength`) with

    .. math:: u_{0,\text{eff}} = \tfrac14\,\lVert W_1(0) v_\alpha + W_2(0)^\top u_\alpha\rVert^2

    has the same early growth, so it predicts the sigmoid of each mode from random weights,
    up to the competition between modes whose hidden directions overlap (Saxe et al. 2014,
    Fig. 3 right). That is small only when the hidden layer is wide compared with the number of
    modes (hidden 64, five modes: ≤ 3 %); with hidden 12 and six modes the weaker modes reach
    s/2 up to 14 % later (σ = 1e-3; 27 % at σ = 1e-2).

    ``competition=True`` corrects for it. Once a stronger mode β is learned it holds the hidden
    direction :math:`c_\beta = a_\beta + b_\beta` along which it grew, and the cross-mode terms of
    the flow suppress any weaker mode's vector there; only the part of :math:`c_\alpha` orthogonal
    to :math:`c_1, \dots, c_{\alpha-1}` keeps growing, so

    .. math:: u_{0,\text{eff}} = \tfrac14\,\lVert P_{\perp\{c_1..c_{\alpha-1}\}}\, c_\alpha\rVert^2
              = \tfrac14 R_{\alpha\alpha}^2, \qquad [c_1 \cdots c_r] = QR.

    For isotropic random vectors this removes on average a fraction (α − 1)/H of
    :math:`\lVert c_\alpha\rVert^2`; :func:`competition_delay` is the mean delay that results. Modes beyond the hidden
    width get 0 (a bottleneck never learns them).

    Parameters
    ----------
    weights : tuple (W1, W2)
        Initial weights, shapes (..., N2, N) and (..., M, N2); inputs whitened.
    modes : Modes
        Modes in order of decreasing s (as :attr:`Statistics.modes` returns them).
    competition : bool, optional
        Project out the stronger modes' hidden directions (above). Default False: the
        linearised strength alone.

    Returns
    -------
    ndarray, shape (..., r)

    Examples
    --------
    Aligned, balanced weights start each mode exactly at its u0:

    >>> import numpy as np
    >>> from linnet import Statistics, network, theory
    >>> stats = Statistics(np.eye(3), np.diag([2.0, 1.0, 0.5]), 6.0)
    >>> w = network.init_aligned(stats.modes, (3, 4, 3), [0.01, 0.02, 0.03],
    ...                          rng=np.random.default_rng(0))
    >>> print(theory.effective_initial_strength(w, stats.modes).round(6))
    [0.01 0.02 0.03]
    """
    modes = check_modes(modes)
    weights = layer_arrays(weights, n_in=modes.V.shape[0], n_out=modes.U.shape[0],
                           fix="pass the finite initial weights")
    if len(weights) != 2:
        raise ValueError(
            f"effective_initial_strength needs a two-layer network (W1, W2); got {len(weights)} layers"
        )
    W1, W2 = weights
    a = W1 @ modes.V  # (..., N2, r): column α is W1 v_α
    b = np.swapaxes(W2, -1, -2) @ modes.U  # (..., N2, r): column α is W2ᵀ u_α
    if not competition:
        return 0.25 * np.sum((a + b) ** 2, axis=-2)
    # |R_αα| is the length of c_α's part orthogonal to c_1..c_{α-1} (Gram-Schmidt in s order).
    R = np.linalg.qr(a + b, mode="r")  # (..., min(N2, r), r)
    diag = np.diagonal(R, axis1=-2, axis2=-1)
    out = np.zeros(a.shape[:-2] + (a.shape[-1],))
    out[..., : diag.shape[-1]] = 0.25 * diag**2
    return out


def competition_delay(s, *, n_hidden: int) -> np.ndarray:
    r"""Mean delay of each mode's half-learning time from competition for hidden directions.

    With i.i.d. Gaussian initial weights the hidden vectors :math:`c_\alpha = W_1 v_\alpha +
    W_2^\top u_\alpha` are independent isotropic Gaussians in :math:`\mathbb R^H`. The k = α − 1
    stronger modes take k hidden directions before mode α leaves its plateau, and only the part
    of :math:`c_\alpha` orthogonal to them grows (:func:`effective_initial_strength` with
    ``competition=True``); its share of :math:`\lVert c_\alpha\rVert^2` is Beta((H − k)/2, k/2)
    distributed, so :math:`t_{1/2} \approx \ln(s/u_0)/2s` is delayed on average by

    .. math:: \Delta t_\alpha = \frac{\psi(H/2) - \psi((H-k)/2)}{2 s_\alpha}
              \approx \frac{1}{2 s_\alpha}\ln\frac{H}{H-k} \quad (H \gg k),

    ψ the digamma function, with variance :math:`(\psi_1((H-k)/2) - \psi_1(H/2))/(2s_\alpha)^2`
    across networks. Add it to :func:`half_learning_time`: relative to :math:`t_{1/2}` it is
    small only when H is large compared with the number of modes.

    Parameters
    ----------
    s : array_like, shape (r,)
        Singular values in decreasing order, > 0 (mode α is entry α − 1).
    n_hidden : int
        H, the hidden width; at least r (a bottleneck never learns the modes beyond it).

    Returns
    -------
    ndarray, shape (r,)
        0 for the strongest mode.

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.competition_delay([2.0, 1.0, 0.5], n_hidden=8).round(4))
    [0.     0.0765 0.3333]
    """
    s = np.atleast_1d(positive_array(s, "s"))
    H = nonnegative_int(n_hidden, "n_hidden")
    if s.ndim != 1 or H < s.size:
        raise ValueError(
            f"s must be 1-D with at most n_hidden = {H} modes; got shape {s.shape}. Pass the "
            "modes the hidden layer can carry, s[:n_hidden]"
        )
    taken = np.arange(s.size)
    return (scipy.special.digamma(H / 2) - scipy.special.digamma((H - taken) / 2)) / (2.0 * s)
