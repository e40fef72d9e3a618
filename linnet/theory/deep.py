r"""Mode dynamics of deep linear networks from decoupled, balanced initial weights.

With whitened inputs and every layer carrying mode α along the same hidden directions with the
same strength a (docs/theory.md#deep-networks; Saxe et al. 2014 eqs. 13-17; Arora et al. 2019), the
end-to-end strength :math:`u = a^L` of a network of L weight matrices obeys

.. math:: \tau\dot u = L\,u^{2-2/L}\,(s - u), \qquad\text{equivalently}\qquad \tau\dot a = a^{L-1}(s - a^L),

and gradient descent with step η follows the exact discrete map
:math:`a \leftarrow a + \eta\,a^{L-1}(s - a^L)` on the same manifold (docs/theory.md#discrete-gradient-descent). Time is in
units of τ = 1, t = step · η (DESIGN.md). L = 2 is the two-layer case of
:mod:`linnet.theory.saxe`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.integrate
import scipy.sparse.linalg

from .._validation import as_float_array, nonnegative_float, positive_array, positive_int, step_array
from ..stats import Statistics
from .saxe import mode_strength
# The stability bound is theory (the top Hessian eigenvalue at the balanced optimum); linnet.train
# imports it from here to quote it when a run diverges. Theory imports nothing from train.

__all__ = [
    "deep_mode_strength",
    "deep_mode_strength_discrete",
    "deep_learning_time",
    "deep_learning_step",
    "deep_loss_curve",
    "stability_bound",
    "optimum_sharpness",
]


def _deep_step(a, s, lr, L):
    """One gradient-descent step of the per-layer mode map, a ← a + η a^{L−1}(s − a^L)."""
    return a + lr * a ** (L - 1) * (s - a**L)


def _depth(depth) -> int:
    L = positive_int(depth, "depth")
    if L < 2:
        raise ValueError(
            f"depth must be >= 2 weight matrices (a single layer has no mode dynamics of this form; "
            f"its modes relax as s(1 - e^-t)); got {L}"
        )
    return L


def optimum_sharpness(stats: Statistics, depth: int) -> float:
    r"""Top Hessian eigenvalue of the loss at the balanced global minimum, any :math:`\Sigma_{11}`.

    Parameters
    ----------
    stats : Statistics
        The task; the minimum is :math:`W_\star = \Sigma_{31}\Sigma_{11}^{+}` (hidden layers at
        least as wide as the number of modes).
    depth : int
        L ≥ 1 weight matrices.

    Returns
    -------
    float
        :math:`\lambda_{\max}` ≥ 0; GD settles at that minimum only for η < 2/λ_max.

    Notes
    -----
    At a global minimum the gradient vanishes, so the Hessian is the Gauss-Newton term
    :math:`J^\top G J`: J maps layer perturbations to the change of the product, G is the loss's
    curvature :math:`\operatorname{Tr}(dW\,\Sigma_{11}\,dW^\top)`. Its non-zero spectrum is that
    of :math:`G^{1/2}JJ^\top G^{1/2}`, and on balanced layers (:math:`W_lW_l^\top = W_{l+1}^\top W_{l+1}`)
    :math:`JJ^\top` is Arora et al.'s (2018) end-to-end operator, so

    .. math:: \lambda_{\max} = \lambda_{\max}\Big(\Delta \mapsto \sum_{l=1}^{L}
              (W_\star W_\star^\top)^{(L-l)/L}\,\Delta\,\Sigma_{11}^{1/2}
              (W_\star^\top W_\star)^{(l-1)/L}\,\Sigma_{11}^{1/2}\Big)

    on M × N matrices Δ (with :math:`A^0 = I`). Whitened inputs: :math:`L s_1^{2-2/L}`.
    When :math:`\Sigma_{11} = V\Lambda V^\top` shares its eigenvectors with :math:`W_\star = U D V^\top`
    (singular values :math:`d_\alpha = s_\alpha/\sqrt{\lambda_\alpha}`), the operator is
    diagonal on :math:`u_\alpha v_\beta^\top`:
    :math:`\lambda_{\max} = \max_{\alpha,\beta} \lambda_\beta \sum_l d_\alpha^{2(L-l)/L} d_\beta^{2(l-1)/L}`
    (:math:`d = 0` beyond the rank). Otherwise it is computed: densely up to M·N = 2000,
    else by Lanczos (``scipy.sparse.linalg.eigsh``) on the operator.

    Gradient flow conserves balance, so small-init GD heads for this minimum. Where it is also
    the flattest minimum (white inputs; a shared eigenbasis with the maximum on a diagonal term
    α = β, e.g. Σ11 = diag(4, 1, 0.25), W⋆ = I) 2/λ_max is GD's convergence threshold. Otherwise
    unbalanced minima can be flatter, and GD above 2/λ_max may still converge after drifting off
    balance (measured up to 1.9 × 2/λ_max on a 3 × 3 task), so the bound is then sufficient for the
    balanced minimum, not necessary for convergence.

    References
    ----------
    Saxe, McClelland & Ganguli (2014), Appendix B (white inputs);
    Arora, Cohen & Hazan (2018), ICML (the end-to-end operator).

    Examples
    --------
    Whitened inputs give :math:`L s_1^{2-2/L}`; with :math:`\Sigma_{11} = \mathrm{diag}(4, 1)`
    and :math:`W_\star = I` (shared eigenbasis) the top of :math:`\lambda_\beta\sum_l 1` is 4L:

    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> print(theory.optimum_sharpness(Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0), 2))
    4.0
    >>> print(round(theory.optimum_sharpness(Statistics(np.diag([4.0, 1.0]), np.diag([4.0, 1.0]), 20.0), 3), 10))
    12.0
    """
    L = positive_int(depth, "depth")
    if not isinstance(stats, Statistics):
        raise TypeError(f"stats must be a linnet.Statistics; got {type(stats).__name__}. "
                        "Build it with Statistics.from_data(X, Y)")
    if stats.is_white:
        return L * float(stats.modes.s[0]) ** (2.0 - 2.0 / L)  # 0**0 = 1: depth 1 gives 1
    W = stats.optimum()
    M, N = W.shape
    lam, Q = np.linalg.eigh(stats.sigma11)
    root = (Q * np.sqrt(np.clip(lam, 0.0, None))) @ Q.T
    U, d, Vt = np.linalg.svd(W)  # full: U (M, M), Vt (N, N); d padded with zeros below
    dM, dN = np.zeros(M), np.zeros(N)
    dM[: d.size], dN[: d.size] = d, d
    with np.errstate(divide="ignore"):
        # d^0 = 1 also where d = 0 (the identity factors at l = L and l = 1).
        A = [(U * dM ** (2.0 * (L - l) / L)) @ U.T for l in range(1, L + 1)]
        C = [root @ (Vt.T * dN ** (2.0 * (l - 1) / L)) @ Vt @ root for l in range(1, L + 1)]
    if M * N <= 2000:
        T = sum(np.kron(a, c) for a, c in zip(A, C))  # row-major vec: vec(AΔC) = (A ⊗ C) vec(Δ)
        return float(max(np.linalg.eigvalsh(T)[-1], 0.0))

    def matvec(x):
        D = x.reshape(M, N)
        return sum(a @ D @ c for a, c in zip(A, C)).ravel()

    op = scipy.sparse.linalg.LinearOperator((M * N, M * N), matvec=matvec, dtype=np.float64)
    top = scipy.sparse.linalg.eigsh(op, k=1, which="LA", tol=1e-12, return_eigenvectors=False)
    return float(max(top[0], 0.0))


def stability_bound(s1, depth: int) -> float:
    r"""Largest stable step at the balanced optimum, :math:`\eta < 2/\lambda_{\max}`.

    Parameters
    ----------
    s1 : float or Statistics
        The top singular value :math:`s_1 \ge 0` of a task on whitened inputs, or the task's
        :class:`~linnet.Statistics` (any :math:`\Sigma_{11}`; see :func:`optimum_sharpness`).
    depth : int
        L ≥ 1 weight matrices.

    Returns
    -------
    float
        Whitened inputs: :math:`2/(L\,s_1^{2-2/L})`, i.e. 1/s1 for two layers (the top Hessian
        eigenvalue at the balanced minimum is :math:`L s_1^{2-2/L}`, Saxe et al. 2014 App. B).
        ``inf`` for s1 = 0 and L ≥ 2: the optimum is W = 0, where the Hessian vanishes, so no
        step is unstable *there* (large initial weights can still diverge). L = 1 is linear
        regression: 2/λ_max(Σ11), i.e. 2 for whitened inputs.

    Examples
    --------
    >>> from linnet import theory
    >>> theory.stability_bound(2.0, 2)  # 1/s1 for two layers
    0.5
    >>> print(round(theory.stability_bound(2.0, 4), 6))  # 2/(4·2^1.5)
    0.176777
    """
    L = positive_int(depth, "depth")
    if isinstance(s1, Statistics):
        top = optimum_sharpness(s1, L)
    else:
        s1 = nonnegative_float(s1, "s1")
        top = L * s1 ** (2.0 - 2.0 / L)  # 0**0 = 1: at L = 1 the bound is 2 whatever s1
    return 2.0 / top if top > 0 else math.inf


def deep_mode_strength(t, s, u0, *, depth: int, rtol: float = 1e-11) -> np.ndarray:
    r"""End-to-end strength u(t) of a mode of a depth-L network from balanced, decoupled init.

    Parameters
    ----------
    t : array_like, shape (T,)
        Non-negative times (τ = 1), increasing or not.
    s : array_like, shape (r,) or scalar
        Singular values of the task, ≥ 0 (a mode with s = 0 that starts above 0 decays).
    u0 : array_like, broadcastable to ``s``
        Initial end-to-end strengths, > 0 (above s: the mode shrinks towards s).
    depth : int
        L, the number of weight matrices (≥ 2).
    rtol : float
        Relative tolerance of the integrator (L ≠ 2).

    Returns
    -------
    ndarray, shape (T, r)

    Notes
    -----
    Solves :math:`\dot u = L u^{2-2/L}(s-u)` (Saxe et al. 2014 eq. 15 with L = N_l − 1). For
    L = 2 the logistic closed form (eq. 12) is used; otherwise ``scipy.integrate.solve_ivp``
    (DOP853) integrates the per-layer equation :math:`\dot a = a^{L-1}(s - a^L)`, whose right-hand
    side is smooth at a > 0, for all modes at once.

    References
    ----------
    Saxe, McClelland & Ganguli (2014), arXiv:1312.6120, eqs. (12), (15).

    Examples
    --------
    Deeper networks sit longer on the plateau, then switch faster:

    >>> from linnet import theory
    >>> t = [0.0, 1.0, 3.0, 10.0]
    >>> print(theory.deep_mode_strength(t, [2.0], 0.01, depth=2).round(4).ravel())
    [0.01   0.4306 1.9976 2.    ]
    >>> print(theory.deep_mode_strength(t, [2.0], 0.01, depth=4).round(4).ravel())
    [0.01   0.0275 1.9967 2.    ]
    """
    L = _depth(depth)
    t = np.atleast_1d(as_float_array(t, "t"))
    if t.ndim != 1 or np.any(t < 0):
        raise ValueError("t must be a 1-D array of times >= 0")
    s = np.atleast_1d(as_float_array(s, "s"))
    if np.any(s < 0):
        raise ValueError("s must be >= 0 (singular values); a mode with s = 0 decays towards 0")
    u0 = np.broadcast_to(np.atleast_1d(positive_array(u0, "u0")), s.shape).astype(np.float64)
    if L == 2 and np.all(s > 0):
        return mode_strength(t[:, None], s, u0)
    # solve_ivp wants strictly increasing evaluation times and a span of positive length:
    # integrate over the distinct times and map back (repeats and t = 0 are allowed here).
    ts, back = np.unique(t, return_inverse=True)
    a0 = u0 ** (1.0 / L)
    if ts[-1] == 0.0:
        return np.broadcast_to(u0, (t.size, s.size)).copy()

    def rhs(_t, a):
        return a ** (L - 1) * (s - a**L)

    # The fixed point a = s^{1/L} is attracting from either side, so the integration is stable.
    sol = scipy.integrate.solve_ivp(rhs, (0.0, float(ts[-1])), a0, t_eval=ts, method="DOP853",
                                    rtol=rtol, atol=1e-14)
    if not sol.success:  # pragma: no cover - DOP853 on this smooth ODE does not fail
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return (sol.y.T ** L)[back.ravel()]


def deep_mode_strength_discrete(steps, s, u0, *, lr, depth: int) -> np.ndarray:
    r"""Strength after k gradient-descent steps on the balanced decoupled manifold.

    Iterates the exact map :math:`a \leftarrow a + \eta\,a^{L-1}(s - a^L)` and returns
    :math:`u = a^L` (docs/theory.md#discrete-gradient-descent). Exact for matrix GD from :func:`linnet.network.init_aligned`
    weights on whitened inputs.

    Parameters
    ----------
    steps : array_like of int, shape (T,)
    s : array_like, shape (r,)
    u0 : array_like, broadcastable to ``s``
    lr : float or array_like broadcastable to ``s``
        Step η (one per mode allowed, e.g. to run several rates at once).
    depth : int

    Returns
    -------
    ndarray, shape (T, r)
        Non-finite once an iterate diverges (η beyond :func:`stability_bound`).

    Examples
    --------
    Two rates at once (one per entry of ``lr``), the second beyond the bound 1/s = 0.5:

    >>> import numpy as np
    >>> from linnet import theory
    >>> u = theory.deep_mode_strength_discrete([0, 50, 2000], 2.0, 0.01, lr=[0.1, 0.6], depth=2)
    >>> print(u[:, 0].round(4), bool(np.isfinite(u[-1, 1])) and abs(u[-1, 1] - 2.0) < 1e-3)
    [0.01 2.   2.  ] False
    """
    L = _depth(depth)
    steps = step_array(steps)
    s = np.atleast_1d(as_float_array(s, "s"))
    lr = np.atleast_1d(positive_array(lr, "lr"))
    shape = np.broadcast_shapes(s.shape, lr.shape, np.shape(u0))
    s = np.broadcast_to(s, shape)
    lr = np.broadcast_to(lr, shape)
    a = np.broadcast_to(positive_array(u0, "u0"), shape) ** (1.0 / L)
    out = np.empty((steps.size,) + shape)
    order = np.argsort(steps)
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for i in order:
            for _ in range(int(steps[i]) - k):
                a = _deep_step(a, s, lr, L)
            k = int(steps[i])
            out[i] = a**L
    return out


def _time_closed(u, s, L):
    """Antiderivative of 1/(L u^{2-2/L}(s-u)) for L = 2 and L = 4 (0 < u < s)."""
    if L == 2:
        return np.log(u / (s - u)) / (2.0 * s)
    # L = 4 (Lampinen & Ganguli's code; docs/theory.md#deep-networks): d/du of this is 1/(4 u^{3/2}(s-u)).
    return np.arctanh(np.sqrt(u / s)) / (2.0 * s**1.5) - 1.0 / (2.0 * s * np.sqrt(u))


def deep_learning_time(s, u0, uf, *, depth: int) -> np.ndarray:
    r"""Time for a mode of a depth-L network to grow from ``u0`` to ``uf`` under gradient flow.

    Parameters
    ----------
    s, u0, uf : array_like, broadcast together
        0 < u0 < s, 0 < uf < s (a mode approaches s but never reaches it).
    depth : int
        L ≥ 2 weight matrices.

    Returns
    -------
    ndarray
        :math:`t = \int_{u_0}^{u_f} \frac{du}{L\,u^{2-2/L}(s-u)}` (negative if uf < u0).

    Notes
    -----
    Closed forms: L = 2, :math:`t = \frac{1}{2s}\ln\frac{u_f(s-u_0)}{u_0(s-u_f)}` (Saxe et al.
    eq. 11); L = 4, :math:`t = \big[\operatorname{artanh}\sqrt{u/s}/(2s^{3/2}) - 1/(2s\sqrt u)\big]_{u_0}^{u_f}`
    (docs/theory.md#deep-networks). Other depths: ``scipy.integrate.quad`` of
    :math:`\int_{v_0}^{v_f} dv / (v^{L-1}(s - v^L))` with :math:`v = u^{1/L}` (the per-layer
    strength), whose integrand is smooth on the interval.

    References
    ----------
    Saxe, McClelland & Ganguli (2014), arXiv:1312.6120, eqs. (11), (15), (17).

    Examples
    --------
    >>> from linnet import theory
    >>> print(round(float(theory.deep_learning_time(2.0, 0.01, 1.0, depth=2)), 6))  # = learning_time
    1.323326
    >>> print([round(float(theory.deep_learning_time(2.0, 0.01, 1.0, depth=L)), 4) for L in (3, 4, 6)])
    [1.9776, 2.3933, 2.6888]
    """
    L = _depth(depth)
    s, u0, uf = np.broadcast_arrays(positive_array(s, "s"), positive_array(u0, "u0"), positive_array(uf, "uf"))
    if np.any(u0 >= s) or np.any(uf >= s):
        raise ValueError("u0 and uf must be below s: from below, a mode approaches s but never reaches it")
    if L in (2, 4):
        return np.asarray(_time_closed(uf, s, L) - _time_closed(u0, s, L))
    out = np.empty(s.shape)
    for idx in np.ndindex(s.shape):
        si = float(s[idx])
        vs = si ** (1.0 / L)
        v0, vf = float(u0[idx]) ** (1.0 / L), float(uf[idx]) ** (1.0 / L)
        # Near v_s = s^{1/L} the integrand has a simple pole, 1/(L v_s^{2L-2} (v_s − v)): integrate
        # that part analytically and leave quad the bounded remainder.
        c = 1.0 / (L * vs ** (2 * L - 2))

        def smooth(v, si=si, vs=vs, c=c):
            return 1.0 / (v ** (L - 1) * (si - v**L)) - c / (vs - v)

        val, _err = scipy.integrate.quad(smooth, v0, vf, epsabs=1e-14, epsrel=1e-12, limit=200)
        out[idx] = val + c * np.log((vs - v0) / (vs - vf))
    return out


def deep_learning_step(s, u0, uf, *, lr, depth: int, max_steps: int = 10_000_000) -> np.ndarray:
    r"""First gradient-descent step at which a mode's strength reaches ``uf`` (the discrete plateau).

    Iterates the exact discrete map :math:`a \leftarrow a + \eta a^{L-1}(s - a^L)` from
    :math:`a_0 = u_0^{1/L}`, vectorised over all entries. Compare with
    :func:`deep_learning_time` / η, the gradient-flow estimate, which is accurate only for
    :math:`\eta s^{2-2/L} \ll 1` (docs/theory.md#discrete-gradient-descent).

    Parameters
    ----------
    s, u0, uf, lr : array_like, broadcast together
        0 < u0 < uf < s and η > 0.
    depth : int
    max_steps : int
        Give up (RuntimeError) after this many steps.

    Returns
    -------
    ndarray of float
        The step counts (integers stored as float); NaN where the iterate diverged first.

    Examples
    --------
    >>> from linnet import theory
    >>> print(theory.deep_learning_step(2.0, 0.01, 1.0, lr=[0.01, 0.1, 0.6], depth=2))
    [134.  15.   4.]
    """
    L = _depth(depth)
    s, u0, uf, lr = (np.asarray(x, dtype=np.float64) for x in np.broadcast_arrays(
        positive_array(s, "s"), positive_array(u0, "u0"), positive_array(uf, "uf"), positive_array(lr, "lr")))
    if np.any(uf >= s) or np.any(u0 >= uf):
        raise ValueError("need 0 < u0 < uf < s; a mode grows from u0 towards s")
    af = uf ** (1.0 / L)
    a = u0 ** (1.0 / L)
    k = np.full(s.shape, np.nan)
    done = np.zeros(s.shape, dtype=bool)
    n = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while not done.all():
            n += 1
            if n > max_steps:
                raise RuntimeError(f"deep_learning_step: not reached within max_steps={max_steps}; lr too small")
            a = np.where(done, a, _deep_step(a, s, lr, L))
            hit = ~done & (a >= af)
            bad = ~done & ~np.isfinite(a)
            k[hit] = n
            done |= hit | bad
    return k


def deep_loss_curve(t, s, u0, *, depth: int, residual: float, n_hidden: int | None = None) -> np.ndarray:
    r"""Loss over time of a depth-L network from balanced decoupled init (whitened inputs).

    .. math:: \mathcal L(t) = \mathcal L_\star + \tfrac12\sum_\alpha (s_\alpha - u_\alpha(t))^2

    Parameters
    ----------
    t : array_like, shape (T,)
    s : array_like, shape (r,)
        All singular values (zeros allowed: carried ones decay from u0, others stay at 0).
    u0 : float or array_like, shape (k,)
        Initial strengths (> 0) of the first k = min(r, n_hidden) carried modes.
    depth : int
    residual : float
        Least-squares residual :math:`\mathcal L_\star`.
    n_hidden : int, optional
        The narrowest hidden width: the modes beyond it are never carried; default all.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    >>> from linnet import theory
    >>> L = theory.deep_loss_curve([0.0, 2.0, 40.0], [2.0, 1.0, 0.5], 0.01, depth=3,
    ...                            residual=0.1, n_hidden=2)
    >>> print(L.round(4))
    [2.6951 1.1092 0.225 ]
    """
    t = np.atleast_1d(as_float_array(t, "t"))
    s = np.atleast_1d(as_float_array(s, "s"))
    k = s.size if n_hidden is None else min(s.size, positive_int(n_hidden, "n_hidden"))
    u = np.zeros((t.size, s.size))
    # Carried modes with s = 0 start at u0 too and decay (τu̇ = −L u^{3−2/L}): include them.
    u0 = np.broadcast_to(np.asarray(u0, dtype=np.float64), (k,))
    u[:, :k] = deep_mode_strength(t, s[:k], u0, depth=depth)
    return float(residual) + 0.5 * np.sum((s - u) ** 2, axis=1)

