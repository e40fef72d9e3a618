r"""Generalisation dynamics of linear students on a noisy linear teacher. No randomness here.

Two theories (docs/theory.md#generalisation-dynamics):

**Shallow student** (Advani, Saxe & Sompolinsky 2020). A teacher :math:`y = \bar w\cdot x + \varepsilon`
with :math:`\bar w_i \sim N(0, \sigma_w^2)`, :math:`\varepsilon \sim N(0, \sigma_\varepsilon^2)`, inputs
:math:`x \sim N(0, I/N)`, P = αN samples, a student :math:`w(0)` with entries
:math:`N(0, \sigma_0^2)` trained by gradient flow :math:`\dot w = \sum_\mu (y^\mu - w\cdot x^\mu)x^\mu`
(a *sum* over samples, τ = 1). The eigenvalues of :math:`C = \sum_\mu x^\mu x^{\mu\top}` follow
Marchenko–Pastur (:func:`marchenko_pastur_density`), and for N → ∞

.. math::

    E_g(t) &= \int\!\rho(\lambda)\Big[S e^{-2\lambda t}
              + \tfrac{\sigma_\varepsilon^2}{\lambda}(1 - e^{-\lambda t})^2\Big]d\lambda
              + (1-\alpha)_+ S + \sigma_\varepsilon^2, \qquad S = \sigma_w^2 + \sigma_0^2,\\
    E_t(t) &= \frac1\alpha\int\!\rho(\lambda)\,[\lambda S + \sigma_\varepsilon^2]\,e^{-2\lambda t}d\lambda
              + (1 - 1/\alpha)_+\,\sigma_\varepsilon^2 ,

the integrals over the bulk only (the atom at λ = 0 for α < 1 is the frozen subspace, the
:math:`(1-\alpha)_+S` term; it holds no training sample). :math:`E_g = \lVert w - \bar w\rVert^2/N +
\sigma_\varepsilon^2` is the error on a fresh sample, :math:`E_t = \frac1P\sum_\mu(y^\mu - w\cdot x^\mu)^2`
the training error: both are mean squared errors **without** the ½ of linnet's loss, so
:math:`E_t = 2\mathcal L` and :math:`E_g = 2\mathcal L_{test}`.

**In linnet's units** (docs/theory.md#conventions: :math:`\mathcal L = \frac1{2P}\sum_\mu\lVert y - Wx\rVert^2`,
GD step η, t = step·η): take unit-variance inputs :math:`x' = \sqrt N x` (what
:func:`linnet.data.noisy_teacher` draws), teacher and student :math:`\bar w' = \bar w/\sqrt N`,
:math:`w' = w/\sqrt N` (entries of variance :math:`\sigma_w^2/N`, :math:`\sigma_0^2/N`). Then
:math:`\Sigma_{11} = C/\alpha` and linnet's flow is this one slowed by α: **theory time = linnet time / α**
(:func:`theory_time`); at α = 1 (N = P) the two agree. Gradient descent is the exact map
:math:`e^{-\lambda t} \to (1 - \eta\lambda)^{t/\eta}` per eigenvalue (``lr`` of the functions
below, η in theory units = linnet's η / α).

**Two-layer student** (Lampinen & Ganguli 2019): :func:`outlier_singular_value`,
:func:`outlier_overlap`, :func:`noise_singular_density`, :func:`two_layer_errors`,
:func:`two_layer_optimal_stopping` in their convention (orthonormal inputs, sums over samples,
noise entries of variance :math:`\sigma_z^2/N_1`).

Quadrature. Every bulk integral is taken in the variable θ of
:math:`\lambda = \lambda_- + (\lambda_+ - \lambda_-)\sin^2\theta`, θ ∈ [0, π/2], which removes both
square-root edges and, at α = 1, the 1/√λ of the density; what is left is smooth except for the
near-pole of 1/λ at θ ≈ i√(λ₋/Δ) when α → 1 and the narrow layer e^{-2λt} of large t, both at
small θ. ``method="fixed"`` (default, vectorised): composite Gauss–Legendre, 10 nodes per panel,
on panels [0, θ₀], [θ₀, 2θ₀], … (θ₀ = 1e-9) doubling up to π/2: every length scale from 1e-9 up
gets panels of its own size, so each panel sees a smooth integrand and its error is below 1e-13
relative (tests/test_generalisation.py checks it against ``"quad"``). ``method="quad"``:
:func:`scipy.integrate.quad` per point on the same θ integrand with the panel edges as break
points, ``epsabs = 0``, ``epsrel = 1e-11``: the reference (slow, one point at a time).
"""

from __future__ import annotations

import numpy as np
import scipy.integrate

from .._validation import as_float_array, nonnegative_float, positive_float, positive_int

__all__ = [
    "noise_split",
    "theory_time",
    "marchenko_pastur_edges",
    "marchenko_pastur_density",
    "marchenko_pastur_atom",
    "marchenko_pastur_integral",
    "shallow_errors",
    "shallow_limits",
    "shallow_early_stopping",
    "descent_filter",
    "linear_descent",
    "outlier_singular_value",
    "outlier_vector_overlaps",
    "outlier_overlap",
    "noise_singular_density",
    "noise_singular_mean",
    "noise_singular_means",
    "two_layer_errors",
    "two_layer_optimal_stopping",
    "minimum_over_time",
    "shrinkage_bound",
]

_THETA0 = 1e-9  # smallest panel: below it the integrand is bounded, so its share is < 1e-9·Δ
_NODES = 10  # Gauss–Legendre nodes per panel


def _panels() -> np.ndarray:
    """Panel edges 0, θ₀, 2θ₀, 4θ₀, …, π/2 (the last one shortened to end at π/2)."""
    n = int(np.ceil(np.log2((np.pi / 2) / _THETA0)))
    return np.concatenate([[0.0], _THETA0 * 2.0 ** np.arange(n), [np.pi / 2]])


def _nodes() -> tuple[np.ndarray, np.ndarray]:
    """θ nodes and weights of the composite rule on :func:`_panels`."""
    x, w = np.polynomial.legendre.leggauss(_NODES)
    edges = _panels()
    a, b = edges[:-1, None], edges[1:, None]
    return ((a + b) / 2 + (b - a) / 2 * x).ravel(), ((b - a) / 2 * w).ravel()


_THETA, _WEIGHT = _nodes()


def _check_alpha(alpha) -> np.ndarray:
    alpha = as_float_array(alpha, "alpha", fix="pass alpha = P/N, the samples per input, > 0")
    if np.any(alpha <= 0):
        raise ValueError(f"alpha must be > 0 (alpha = P/N, samples per input); got min {alpha.min():.3g}")
    return alpha


def _check_snr(snr) -> np.ndarray:
    snr = as_float_array(snr, "snr", fix="pass a signal-to-noise ratio sigma_w^2/sigma_eps^2 > 0")
    if np.any(snr <= 0):
        raise ValueError(f"snr must be > 0 (snr = sigma_w^2/sigma_eps^2; snr = 0 is a teacher of "
                         f"pure noise); got min {snr.min():.3g}")
    return snr


def _check_init_var(init_var) -> np.ndarray:
    init_var = as_float_array(init_var, "init_var", fix="pass the initial weights' variance >= 0")
    if np.any(init_var < 0):
        raise ValueError(f"init_var must be >= 0 (sigma_0^2, the variance of the student's initial "
                         f"weights); got min {init_var.min():.3g}")
    return init_var


def noise_split(snr):
    r"""Teacher and noise variances of Advani & Saxe's normalisation :math:`\sigma_w^2 + \sigma_\varepsilon^2 = 1`.

    Parameters
    ----------
    snr : array_like
        :math:`\mathrm{SNR} = \sigma_w^2/\sigma_\varepsilon^2 > 0`.

    Returns
    -------
    sigma_w2, sigma_eps2 : ndarray
        :math:`\sigma_w^2 = \mathrm{SNR}/(1 + \mathrm{SNR})`, :math:`\sigma_\varepsilon^2 = 1/(1 + \mathrm{SNR})`.

    Examples
    --------
    >>> from linnet.theory.generalisation import noise_split
    >>> print(*noise_split([4.0, 1.0]))
    [0.8 0.5] [0.2 0.5]
    >>> noise_split(0.0)
    Traceback (most recent call last):
    ValueError: snr must be > 0 (snr = sigma_w^2/sigma_eps^2; snr = 0 is a teacher of pure noise); got min 0
    """
    snr = _check_snr(snr)
    return snr / (1 + snr), 1 / (1 + snr)


def theory_time(t, alpha) -> np.ndarray:
    """Theory time of linnet's time t = step·η on unit-variance inputs: t / α (module docstring).

    Examples
    --------
    >>> from linnet.theory.generalisation import theory_time
    >>> theory_time(10.0, [0.5, 1.0, 2.0])
    array([20., 10.,  5.])
    """
    return as_float_array(t, "t") / _check_alpha(alpha)


def marchenko_pastur_edges(alpha):
    r"""Edges :math:`\lambda_\pm = (1 \pm \sqrt\alpha)^2` of the bulk of :math:`C = \sum_\mu x^\mu x^{\mu\top}`.

    :math:`\lambda_-` is computed as :math:`((1-\alpha)/(1+\sqrt\alpha))^2`, without the
    cancellation of :math:`1 - \sqrt\alpha` near α = 1.

    Examples
    --------
    >>> from linnet.theory.generalisation import marchenko_pastur_edges
    >>> lo, hi = marchenko_pastur_edges([0.25, 1.0, 4.0])
    >>> lo, hi
    (array([0.25, 0.  , 1.  ]), array([2.25, 4.  , 9.  ]))
    """
    alpha = _check_alpha(alpha)
    r = np.sqrt(alpha)
    return ((1 - alpha) / (1 + r)) ** 2, (1 + r) ** 2


def marchenko_pastur_density(lam, alpha) -> np.ndarray:
    r"""Bulk density :math:`\rho(\lambda) = \sqrt{(\lambda_+-\lambda)(\lambda-\lambda_-)}/(2\pi\lambda)`, 0 outside.

    Normalised per eigenvalue of the N × N matrix C: the bulk holds mass min(1, α), the
    atom at 0 (:func:`marchenko_pastur_atom`) the rest.

    Examples
    --------
    >>> from linnet.theory.generalisation import marchenko_pastur_density
    >>> print(marchenko_pastur_density([0.5, 2.0, 5.0], 1.0).round(4))
    [0.4211 0.1592 0.    ]
    """
    lam = as_float_array(lam, "lam")
    lo, hi = marchenko_pastur_edges(alpha)
    inside = (lam > lo) & (lam < hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.sqrt(np.clip((hi - lam) * (lam - lo), 0, None)) / (2 * np.pi * lam)
    return np.where(inside, rho, 0.0)


def marchenko_pastur_atom(alpha) -> np.ndarray:
    """Mass (1 − α)₊ of the eigenvalue 0 of C: the directions no sample reaches.

    Examples
    --------
    >>> from linnet.theory.generalisation import marchenko_pastur_atom
    >>> marchenko_pastur_atom([0.25, 1.0, 4.0])
    array([0.75, 0.  , 0.  ])
    """
    return np.clip(1 - _check_alpha(alpha), 0, None)


def _bulk_nodes(alpha: np.ndarray, theta: np.ndarray):
    """λ(θ) and ρ(λ) dλ/dθ on the bulk, shapes alpha.shape + theta.shape."""
    lo, hi = marchenko_pastur_edges(alpha)
    lo, delta = lo[..., None], (hi - lo)[..., None]
    s2 = np.sin(theta) ** 2
    lam = lo + delta * s2
    # ρ dλ = Δ² sin²(2θ) / (4π λ) dθ: smooth in θ, also at α = 1 where λ₋ = 0.
    return lam, delta**2 * np.sin(2 * theta) ** 2 / (4 * np.pi * lam)


def marchenko_pastur_integral(f, alpha, *, method: str = "fixed", chunk: int = 2048) -> np.ndarray:
    r"""Bulk integral :math:`\int \rho(\lambda) f(\lambda)\,d\lambda` (the atom at 0 excluded).

    Parameters
    ----------
    f : callable
        ``f(lam, i)``: values on nodes ``lam`` of shape (n, q) for the points ``i`` (an int
        array of n flat indices into the broadcast shape of ``alpha``), shape (n, q).
    alpha : array_like
        α = P/N > 0, any shape.
    method : {"fixed", "quad"}
        Vectorised graded Gauss–Legendre rule or :func:`scipy.integrate.quad` per point (module
        docstring: both tolerances).
    chunk : int
        Points per vectorised block (bounds the memory to chunk × 320 nodes).

    Returns
    -------
    ndarray, shape of ``alpha``

    Examples
    --------
    The bulk mass is min(1, α) and the mean of all N eigenvalues is α:

    >>> from linnet.theory.generalisation import marchenko_pastur_integral
    >>> a = np.array([0.5, 1.0, 3.0])
    >>> print(marchenko_pastur_integral(lambda lam, i: np.ones_like(lam), a).round(12))
    [0.5 1.  1. ]
    >>> print(marchenko_pastur_integral(lambda lam, i: lam, a, method="quad").round(10))
    [0.5 1.  3. ]
    """
    alpha = _check_alpha(alpha)
    flat = alpha.ravel()
    out = np.empty(flat.size)
    if method == "fixed":
        for start in range(0, flat.size, chunk):
            i = np.arange(start, min(start + chunk, flat.size))
            lam, dens = _bulk_nodes(flat[i], _THETA)
            out[i] = (f(lam, i) * dens) @ _WEIGHT
    elif method == "quad":
        edges = _panels()
        for k in range(flat.size):
            def g(th, k=k):
                lam, dens = _bulk_nodes(flat[k:k + 1], np.array([th]))
                return float(f(lam, np.array([k]))[0, 0] * dens[0, 0])
            out[k] = scipy.integrate.quad(g, 0.0, np.pi / 2, points=edges[1:-1:3], epsabs=0.0,
                                          epsrel=1e-11, limit=1000)[0]
    else:
        raise ValueError(f"method must be 'fixed' or 'quad'; got {method!r}")
    return out.reshape(alpha.shape)


def _decay(lam, t, lr):
    """Per-eigenvalue decay e^{-λt} (flow) or (1 − ηλ)^{t/η} (gradient descent, ``lr`` = η)."""
    if lr is None:
        return np.exp(-lam * t)
    return np.exp(t / lr * np.log1p(-lr * lam))


def _broadcast(t, alpha, snr, init_var, lr):
    t = as_float_array(t, "t")
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0 (theory time, t = step·lr); got min {t.min():.3g}")
    t, alpha, snr, init_var = np.broadcast_arrays(t, _check_alpha(alpha), _check_snr(snr),
                                                  _check_init_var(init_var))
    if lr is not None:
        lr = positive_float(lr, "lr")
        top = float(np.max(marchenko_pastur_edges(alpha)[1]))
        if lr * top >= 1:
            raise ValueError(f"lr = {lr:g} times the top eigenvalue {top:.3g} must be < 1 (monotone "
                             f"gradient descent); pass lr < {1 / top:.3g} (theory units)")
    return t, alpha, snr, init_var, lr


def shallow_errors(t, alpha, snr, *, init_var=0.0, lr=None, method: str = "fixed"):
    r"""Training and test error :math:`E_t(t), E_g(t)` of the shallow student (module docstring).

    Parameters
    ----------
    t : array_like
        Theory time (τ = 1, sums over samples; linnet's time / α, :func:`theory_time`), ≥ 0.
    alpha : array_like
        α = P/N > 0.
    snr : array_like
        :math:`\sigma_w^2/\sigma_\varepsilon^2 > 0`, with :math:`\sigma_w^2 + \sigma_\varepsilon^2 = 1`
        (:func:`noise_split`).
    init_var : array_like
        :math:`\sigma_0^2 \ge 0`, the variance of the initial weights (same units as :math:`\sigma_w^2`).
    lr : float, optional
        Gradient descent with this step (theory units) instead of gradient flow: exact in
        discrete time, needs lr·λ₊ < 1.
    method : {"fixed", "quad"}
        Quadrature (:func:`marchenko_pastur_integral`).

    Returns
    -------
    E_t, E_g : ndarray
        Broadcast shape of ``t``, ``alpha``, ``snr``, ``init_var``; mean squared errors
        without ½ (:math:`E = 2\mathcal L`).

    Examples
    --------
    >>> from linnet.theory.generalisation import shallow_errors
    >>> E_t, E_g = shallow_errors([0.0, 2.0, 1e6], 2.0, 4.0)
    >>> print(E_t.round(4), E_g.round(4))
    [1.    0.113 0.1  ] [1.     0.3457 0.4   ]
    """
    t, alpha, snr, init_var, lr = _broadcast(t, alpha, snr, init_var, lr)
    sw2, se2 = noise_split(snr)
    S, tf, se2f = (sw2 + init_var).ravel(), t.ravel(), se2.ravel()
    # d = 1 at t = 0 exactly: (1 − d)²/λ is then 0, and for λt ≪ 1 it is ≈ λt², no cancellation
    # that matters (relative error ε/(λt) of a term of size λt², absolute ε·t).
    if method == "quad":
        def train(lam, i):
            d = _decay(lam, tf[i, None], lr)
            return (lam * S[i, None] + se2f[i, None]) * d * d

        def test(lam, i):
            d = _decay(lam, tf[i, None], lr)
            return S[i, None] * d * d + se2f[i, None] * (1 - d) ** 2 / lam

        I_t = marchenko_pastur_integral(train, alpha, method=method)
        I_g = marchenko_pastur_integral(test, alpha, method=method)
    elif method == "fixed":
        I_t, I_g = _both_integrals(tf, alpha.ravel(), S, se2f, lr)
        I_t, I_g = I_t.reshape(alpha.shape), I_g.reshape(alpha.shape)
    else:
        raise ValueError(f"method must be 'fixed' or 'quad'; got {method!r}")
    E_t = I_t / alpha + np.clip(1 - 1 / alpha, 0, None) * se2
    E_g = I_g + marchenko_pastur_atom(alpha) * (sw2 + init_var) + se2
    return E_t, E_g


def _both_integrals(t, alpha, S, se2, lr, chunk: int = 2048):
    """The bulk integrals of E_t and E_g in one pass of the fixed rule (one decay per node), flat."""
    I_t, I_g = np.empty(t.size), np.empty(t.size)
    for start in range(0, t.size, chunk):
        i = slice(start, start + chunk)
        lam, dens = _bulk_nodes(alpha[i], _THETA)
        d = _decay(lam, t[i, None], lr)
        d2w = d * d * (dens * _WEIGHT)
        decay = d2w.sum(axis=1)  # ∫ρ d², shared by both errors
        I_t[i] = np.einsum("ij,ij->i", lam, d2w) * S[i] + decay * se2[i]
        I_g[i] = decay * S[i] + np.einsum("ij,ij->i", (1 - d) ** 2 / lam, dens * _WEIGHT) * se2[i]
    return I_t, I_g


def shallow_limits(alpha, snr, *, init_var=0.0):
    r"""Closed forms of :math:`E_t(\infty)` and :math:`E_g(\infty)` (module docstring).

    With :math:`\int\rho/\lambda = 1/(\alpha-1)` (α > 1) or :math:`\alpha/(1-\alpha)` (α < 1):
    :math:`E_g(\infty) = \sigma_\varepsilon^2\alpha/(\alpha-1)` for α > 1,
    :math:`(1-\alpha)(\sigma_w^2+\sigma_0^2) + \sigma_\varepsilon^2/(1-\alpha)` for α < 1, ∞ at α = 1;
    :math:`E_t(\infty) = (1 - 1/\alpha)_+\sigma_\varepsilon^2`.

    Examples
    --------
    >>> from linnet.theory.generalisation import shallow_limits
    >>> E_t, E_g = shallow_limits([0.5, 1.0, 2.0], 4.0)
    >>> print(E_t.round(4), E_g.round(4))
    [0.  0.  0.1] [0.8 inf 0.4]
    """
    alpha, snr, init_var = np.broadcast_arrays(_check_alpha(alpha), _check_snr(snr),
                                               _check_init_var(init_var))
    sw2, se2 = noise_split(snr)
    with np.errstate(divide="ignore", invalid="ignore"):
        over = se2 * alpha / (alpha - 1)
        under = (1 - alpha) * (sw2 + init_var) + se2 / (1 - alpha)
    E_g = np.where(alpha > 1, over, np.where(alpha < 1, under, np.inf))
    return np.clip(1 - 1 / alpha, 0, None) * se2, E_g


def _slopes(t, alpha, snr, init_var, lr):
    """dE_g/dt and d²E_g/dt² (the same bulk integrals; κ = −log(1 − ηλ)/η, or λ for the flow)."""
    sw2, se2 = noise_split(snr)
    S, tf, se2f = (sw2 + init_var).ravel(), t.ravel(), se2.ravel()

    def rate(lam):
        return lam if lr is None else -np.log1p(-lr * lam) / lr

    def first(lam, i):
        d, k = _decay(lam, tf[i, None], lr), rate(lam)
        return -2 * k * S[i, None] * d * d + 2 * se2f[i, None] * k * (1 - d) * d / lam

    def second(lam, i):
        d, k = _decay(lam, tf[i, None], lr), rate(lam)
        return 4 * k * k * S[i, None] * d * d + 2 * se2f[i, None] * k * k * (2 * d * d - d) / lam

    return (marchenko_pastur_integral(first, alpha).reshape(t.shape),
            marchenko_pastur_integral(second, alpha).reshape(t.shape))


def shallow_early_stopping(alpha, snr, *, init_var=0.0, lr=None, iterations: int = 30):
    r"""Optimal early-stopping time :math:`t^* = \arg\min_t E_g(t)` and :math:`E_g(t^*)`.

    :math:`dE_g/dt = 2\int\rho\,\lambda e^{-\lambda t}[\sigma_\varepsilon^2(1-e^{-\lambda t})/\lambda - S e^{-\lambda t}]`
    is negative at t = 0 and positive for large t whenever :math:`\sigma_\varepsilon^2 > 0`, so the
    minimum is interior. Found by a log-spaced grid (t from 1e-3 to 1e6, 8 points per decade),
    then Newton steps on log t with the analytic first and second derivatives, each step
    clipped to one grid spacing, until the step is below 1e-12; vectorised over the points.

    Parameters
    ----------
    alpha, snr, init_var, lr
        As :func:`shallow_errors`.
    iterations : int
        Newton steps at most.

    Returns
    -------
    t_opt, E_opt : ndarray
        Broadcast shape of ``alpha``, ``snr``, ``init_var``.

    Examples
    --------
    At α = 1 the error after long training diverges; early stopping keeps it finite:

    >>> from linnet.theory.generalisation import shallow_early_stopping
    >>> t_opt, E_opt = shallow_early_stopping(1.0, 4.0)
    >>> print(round(float(t_opt), 4), round(float(E_opt), 4))
    2.4651 0.52
    """
    _, alpha, snr, init_var, lr = _broadcast(0.0, alpha, snr, init_var, lr)
    grid = np.logspace(-3, 6, 73)
    flat = [a.ravel()[:, None] for a in (alpha, snr, init_var)]
    E = shallow_errors(grid[None, :], flat[0], flat[1], init_var=flat[2], lr=lr)[1]
    u = np.log(grid[np.argmin(E, axis=1)])
    a, s, v = (x[:, 0] for x in flat)
    spacing = np.log(grid[1] / grid[0])
    for _ in range(iterations):
        t = np.exp(u)
        d1, d2 = _slopes(t, a, s, v, lr)
        g, h = t * d1, t * d1 + t * t * d2  # derivatives in u = log t
        step = np.clip(-g / np.where(h > 0, h, np.inf), -spacing, spacing)
        u = u + step
        if np.all(np.abs(step) < 1e-12):
            break
    t = np.exp(u)
    E_opt = shallow_errors(t, a, s, init_var=v, lr=lr)[1]
    return t.reshape(alpha.shape), E_opt.reshape(alpha.shape)


def descent_filter(steps, lam, *, lr, limit: bool = False, rcond: float = 1e-10):
    r"""Gradient descent's filters on the eigenvalues of Σ11: the one formula behind exact GD.

    :math:`W \leftarrow W - \eta(W\Sigma_{11} - \Sigma_{31})` from :math:`W_0` is, in the
    eigenbasis of :math:`\Sigma_{11}` (eigenvalue λ), :math:`\tilde W_k = \tilde W_0 D^k + \tilde\Sigma_{31} G_k` with

    .. math:: D^k = (1 - \eta\lambda)^k, \qquad G_k = \frac{1 - D^k}{\lambda}\ (\lambda > 0), \qquad G_k = k\eta\ (\lambda \le 0).

    λ ≤ 0 is the null space: Σ11 is positive semi-definite, so a negative eigenvalue is
    round-off of 0 (eigh returns ±1e-17 there when N > P), where the sum
    :math:`\sum_{j<k}(1-\eta\lambda)^j` is kη. :math:`D^k = \exp(k\log(1 - \eta\lambda))`
    (``log1p``: accurate for small ηλ; complex for ηλ > 1, then the real part, exact for integer k).

    Parameters
    ----------
    steps : array_like of int
        Steps k ≥ 0, shape (T, ...) broadcasting against ``lam``: (T, 1) against (N,) for one
        step per row, (T, M, 1) against (N,) for a step per row and output (teacher).
    lam : ndarray, shape (..., N)
        Eigenvalues of Σ11 (a stack on the leading axes).
    lr : float
        η > 0.
    limit : bool
        Append the k → ∞ filters as one more row on axis 0: :math:`G = 1/\lambda`, :math:`D^k = 0`
        on the eigenvalues above ``rcond`` · the largest, :math:`G = 0`, :math:`D^k = 1` on the others
        (the minimum-norm least-squares map).
    rcond : float
        Relative cut below which an eigenvalue counts as 0 for ``limit``.

    Returns
    -------
    G, Dk : ndarray, the broadcast shape of ``steps`` and ``lam`` (one more row on axis 0 with ``limit``)

    Examples
    --------
    >>> from linnet.theory.generalisation import descent_filter
    >>> G, Dk = descent_filter(np.array([[0], [1], [2]]), np.array([0.0, 0.5, 1.0]), lr=0.5, limit=True)
    >>> print(G)
    [[0.    0.    0.   ]
     [0.5   0.5   0.5  ]
     [1.    0.875 0.75 ]
     [0.    2.    1.   ]]
    >>> print(Dk[2], Dk[3])
    [1.     0.5625 0.25  ] [1. 0. 0.]
    """
    k = np.asarray(steps)
    if k.ndim == 0 or k.size == 0 or not np.issubdtype(k.dtype, np.integer) or k.min() < 0:
        raise ValueError(f"steps must be integers >= 0 with a leading step axis; got {steps!r}")
    lam = as_float_array(lam, "lam")
    lr = positive_float(lr, "lr")
    D = np.log1p(-lr * lam.astype(complex)) if np.any(lr * lam >= 1) else np.log1p(-lr * lam)
    Dk = np.exp(k * D)
    if np.iscomplexobj(Dk):  # 1 − ηλ < 0: (1 − ηλ)^k is real for integer k
        Dk = Dk.real
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.where(lam > 0, (1 - Dk) / lam, k * lr)
    if limit:  # k → ∞: D^k → 0 and G → 1/λ on the kept eigenvalues, D^k = 1 and G = 0 on the rest
        keep = lam > rcond * lam.max(axis=-1, keepdims=True)
        with np.errstate(divide="ignore"):
            G = np.concatenate([G, np.broadcast_to(np.where(keep, 1 / lam, 0.0), G.shape[1:])[None]])
        Dk = np.concatenate([Dk, np.broadcast_to(np.where(keep, 0.0, 1.0), Dk.shape[1:])[None]])
    return G, Dk


def linear_descent(steps, sigma11, sigma31, *, lr, init=None, limit: bool = False,
                   rcond: float = 1e-10) -> np.ndarray:
    r"""Exact gradient descent of a linear student :math:`W` on linnet's loss, from the statistics.

    :math:`W \leftarrow W - \eta(W\Sigma_{11} - \Sigma_{31})` has the closed form, with
    :math:`\Sigma_{11} = Q\,\mathrm{diag}(\lambda)Q^\top`,

    .. math:: W_k = W_0 Q D^k Q^\top + \Sigma_{31} Q\,\frac{1 - D^k}{\lambda} Q^\top, \qquad D = 1 - \eta\lambda,

    (:math:`(1-D^k)/\lambda \to k\eta` on the null space of Σ11, where data give Σ31 no
    component; :func:`descent_filter`): the iterate of the plain loop at every step at once, for a stack of tasks.

    Parameters
    ----------
    steps : array_like of int
        Steps k ≥ 0 to return, shape (T,).
    sigma11 : ndarray, shape (..., N, N)
        Input correlations (a stack of tasks on the leading axes).
    sigma31 : ndarray, shape (..., M, N)
    lr : float
        η > 0.
    init : ndarray, shape (..., M, N), optional
        :math:`W_0` (default 0).
    limit : bool
        Append the k → ∞ map (the minimum-norm least-squares solution on the eigenvalues
        above ``rcond`` · the largest, :math:`W_0` on the others): the same decomposition.
    rcond : float
        Relative cut below which an eigenvalue of Σ11 counts as 0 for ``limit``.

    Returns
    -------
    ndarray, shape (T, ..., M, N), or (T + 1, ..., M, N) with ``limit``

    Examples
    --------
    Against the loop it solves:

    >>> from linnet.theory.generalisation import linear_descent
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 3)); Y = rng.standard_normal((20, 2))
    >>> s11, s31 = X.T @ X / 20, Y.T @ X / 20
    >>> W = np.zeros((2, 3))
    >>> for _ in range(7):
    ...     W = W - 0.1 * (W @ s11 - s31)
    >>> np.allclose(linear_descent([7], s11, s31, lr=0.1)[0], W, rtol=0, atol=1e-14)
    True
    >>> np.allclose(linear_descent([7], s11, s31, lr=0.1, limit=True)[-1], np.linalg.lstsq(X, Y, rcond=None)[0].T)
    True
    """
    k = np.asarray(steps)
    if k.ndim != 1 or k.size == 0 or not np.issubdtype(k.dtype, np.integer) or k.min() < 0:
        raise ValueError(f"steps must be a 1-D array of integers >= 0; got {steps!r}")
    s11 = as_float_array(sigma11, "sigma11")
    s31 = as_float_array(sigma31, "sigma31")
    if s11.ndim < 2 or s11.shape[-1] != s11.shape[-2] or s31.shape[-1] != s11.shape[-1]:
        raise ValueError(f"sigma11 must be (..., N, N) and sigma31 (..., M, N); got {s11.shape}, {s31.shape}")
    lam, Q = np.linalg.eigh(s11)
    G, Dk = descent_filter(k.reshape((-1,) + (1,) * lam.ndim), lam, lr=lr, limit=limit, rcond=rcond)
    B = s31 @ Q  # (..., M, N): the targets' correlation in the eigenbasis
    W = (B * G[..., None, :]) @ np.swapaxes(Q, -1, -2)
    if init is not None:
        A = as_float_array(init, "init") @ Q
        W = W + (A * Dk[..., None, :]) @ np.swapaxes(Q, -1, -2)
    return W


def _check_aspect(aspect) -> float:
    aspect = positive_float(aspect, "aspect")
    if aspect > 1:
        raise ValueError(f"aspect must be in (0, 1] (A = N3/N1, outputs per input; transpose the "
                         f"task for more outputs than inputs); got {aspect}")
    return aspect


def outlier_singular_value(s_bar, aspect, *, noise: float = 1.0) -> np.ndarray:
    r"""Top singular value ŝ of :math:`\Sigma_{31} = \bar W + \text{noise}` for a teacher mode s̄ (Lampinen & Ganguli).

    Spiked rectangular model: noise entries of variance :math:`\sigma_z^2/N_1`, aspect ratio
    A = N3/N1 ≤ 1. In units of σ_z (``noise``):
    :math:`\hat s = \sqrt{(1+\bar s^2)(A+\bar s^2)}/\bar s` above the transition
    :math:`\bar s > A^{1/4}`, else the bulk edge :math:`1 + \sqrt A`.
    In linnet's units (whitened inputs, P samples, label-noise std σ): σ_z = σ√(N1/P).

    Examples
    --------
    >>> from linnet.theory.generalisation import outlier_singular_value
    >>> print(outlier_singular_value([0.5, 3.0], 0.5).round(4))
    [1.7071 3.2489]
    """
    s = as_float_array(s_bar, "s_bar") / positive_float(noise, "noise")
    A = _check_aspect(aspect)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt((1 + s**2) * (A + s**2)) / s
    return noise * np.where(s > A**0.25, out, 1 + np.sqrt(A))


def outlier_vector_overlaps(s_bar, aspect, *, noise: float = 1.0):
    r"""Squared overlaps of the data's outlier vectors with the teacher's, output and input side.

    For an N3 × N1 teacher mode of strength s̄ (units of σ_z) under noise of aspect
    A = N3/N1 ≤ 1, above the transition :math:`\bar s > A^{1/4}`:

    .. math::

        c^2 = (\hat u\cdot\bar u)^2 = 1 - \frac{A + \bar s^2}{\bar s^2(1+\bar s^2)},\qquad
        d^2 = (\hat v\cdot\bar v)^2 = 1 - \frac{A(1+\bar s^2)}{\bar s^2(A+\bar s^2)},

    both 0 below; :math:`cd` is :func:`outlier_overlap`.

    Parameters
    ----------
    s_bar : array_like
    aspect : float
        A ∈ (0, 1].
    noise : float
        σ_z.

    Returns
    -------
    output, input : ndarray, shape of ``s_bar``
        :math:`c^2` and :math:`d^2`.

    Examples
    --------
    >>> from linnet.theory.generalisation import outlier_vector_overlaps
    >>> c2, d2 = outlier_vector_overlaps([0.5, 3.0], 0.5)
    >>> print(c2.round(4), d2.round(4))
    [0.     0.8944] [0.     0.9415]
    """
    s = as_float_array(s_bar, "s_bar") / positive_float(noise, "noise")
    A = _check_aspect(aspect)
    above = s > A**0.25
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = 1 - (A + s**2) / (s**2 * (1 + s**2))
        d2 = 1 - A * (1 + s**2) / (s**2 * (A + s**2))
    # both are 1 minus a positive ratio, so only the lower clip can act (at the transition)
    return np.where(above, np.clip(c2, 0, 1), 0.0), np.where(above, np.clip(d2, 0, 1), 0.0)


def outlier_overlap(s_bar, aspect, *, noise: float = 1.0) -> np.ndarray:
    r"""Overlap :math:`O = |\hat u\cdot\bar u|\,|\hat v\cdot\bar v|` of the data's and the teacher's mode.

    :math:`O = [1 - A(1+\bar s^2)/(\bar s^2(A+\bar s^2))]^{1/2}[1 - (A+\bar s^2)/(\bar s^2(1+\bar s^2))]^{1/2}`
    above the transition :math:`\bar s > A^{1/4}` (s̄ in units of σ_z), 0 below: the square
    root of the product of :func:`outlier_vector_overlaps`.

    Examples
    --------
    >>> from linnet.theory.generalisation import outlier_overlap
    >>> print(outlier_overlap([0.5, 1.5, 3.0], 0.5).round(4))
    [0.     0.6783 0.9177]
    """
    c2, d2 = outlier_vector_overlaps(s_bar, aspect, noise=noise)
    return np.sqrt(d2 * c2)


def noise_singular_density(s, aspect, *, noise: float = 1.0) -> np.ndarray:
    r"""Density :math:`\sqrt{4A - (s^2 - (1+A))^2}/(\pi A s)` of the noise's singular values (σ_z = 1).

    On :math:`[1-\sqrt A, 1+\sqrt A]\,\sigma_z`, 0 outside; integrates to 1 (one of the
    N3 singular values of an N3 × N1 noise matrix).

    Examples
    --------
    >>> from linnet.theory.generalisation import noise_singular_density
    >>> print(noise_singular_density([1.0, 1.5], 0.5).round(4))
    [0.8422 0.5089]
    """
    noise = positive_float(noise, "noise")
    x = as_float_array(s, "s") / noise
    A = _check_aspect(aspect)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.sqrt(np.clip(4 * A - (x**2 - (1 + A)) ** 2, 0, None)) / (np.pi * A * x)
    inside = (x > 1 - np.sqrt(A)) & (x < 1 + np.sqrt(A))
    return np.where(inside, d, 0.0) / noise


def noise_singular_mean(f, aspect, *, noise: float = 1.0) -> float:
    r"""Mean :math:`\int P(\hat s) f(\hat s)\,d\hat s` over the noise's singular values.

    The squares :math:`\hat s^2/\sigma_z^2` are A times a Marchenko–Pastur variable of ratio
    α = 1/A (:func:`marchenko_pastur_density`), so this is :func:`marchenko_pastur_integral`
    (the fixed rule) in that variable. ``f`` maps an array of singular values to values;
    :func:`noise_singular_means` does many integrands at once.

    Examples
    --------
    The mean square singular value is 1 (a noise entry's variance 1/N1 summed over N1 inputs):

    >>> from linnet.theory.generalisation import noise_singular_mean
    >>> round(noise_singular_mean(lambda s: s**2, 0.5), 12)
    1.0
    """
    return float(noise_singular_means(lambda x, i: f(x), aspect, 1, noise=noise)[0])


def noise_singular_means(f, aspect, size: int, *, noise: float = 1.0) -> np.ndarray:
    r"""``size`` means :math:`\int P(\hat s) f_i(\hat s)\,d\hat s` at once (:func:`noise_singular_mean`).

    Parameters
    ----------
    f : callable
        ``f(s, i)``: values on singular values ``s`` of shape (n, q) for the integrands ``i``
        (int array of n indices in range(size)), shape (n, q).
    aspect : float
        A = N3/N1 ∈ (0, 1].
    size : int
        Number of integrands.
    noise : float
        σ_z.

    Returns
    -------
    ndarray, shape (size,)

    Examples
    --------
    The mean of ŝ^{2k}, k = 1, 2, is 1 and 1 + A:

    >>> from linnet.theory.generalisation import noise_singular_means
    >>> k = np.array([1, 2])
    >>> print(noise_singular_means(lambda s, i: s ** (2 * k[i, None]), 0.5, 2).round(12))
    [1.  1.5]
    """
    A = _check_aspect(aspect)
    noise = positive_float(noise, "noise")
    alpha = np.full(positive_int(size, "size"), 1 / A)
    return marchenko_pastur_integral(lambda lam, i: f(noise * np.sqrt(A * lam), i), alpha)


def _student(t, s_hat, u0):
    from .saxe import mode_strength

    return mode_strength(t, s_hat, u0)


def two_layer_errors(t, s_bar, *, aspect: float, n_out: int, u0: float, noise: float = 1.0):
    r"""ε_train(t) and ε_test(t) of a two-layer student from small aligned init (Lampinen & Ganguli).

    The student (hidden width ≥ N3) follows the *training* data's modes: every singular value
    ŝ of :math:`\Sigma_{31}` (the R teacher outliers :func:`outlier_singular_value` and the
    N3 − R noise values, :func:`noise_singular_density`) is learned along Saxe's sigmoid
    :math:`s(t) = \hat s/(1 + (\hat s/u_0 - 1)e^{-2\hat st})` (:func:`linnet.theory.mode_strength`;
    linnet's time with Σ11 = I). Then

    .. math::

        \varepsilon_{test} &= \frac{(N_3-R)\langle s(t)^2\rangle + \sum_\alpha[(s_\alpha - \bar s_\alpha)^2
            + 2 s_\alpha\bar s_\alpha(1 - O_\alpha)]}{\sum_\alpha \bar s_\alpha^2},\\
        \varepsilon_{train} &= \frac{(N_3-R)\langle (s(t) - \hat s)^2\rangle + \sum_\alpha(s_\alpha - \hat s_\alpha)^2}
            {(N_3-R)\langle\hat s^2\rangle + \sum_\alpha\hat s_\alpha^2},

    :math:`\varepsilon_{train} = \lVert W - \Sigma_{31}\rVert_F^2/\lVert\Sigma_{31}\rVert_F^2`,
    :math:`\varepsilon_{test} = \lVert W - \bar W\rVert_F^2/\lVert\bar W\rVert_F^2`, ⟨·⟩ over the noise density.

    Parameters
    ----------
    t : array_like
        Times, shape (T,).
    s_bar : array_like
        The teacher's singular values, shape (R,).
    aspect : float
        A = N3/N1 ∈ (0, 1].
    n_out : int
        N3 (> R).
    u0 : float
        Initial strength of every mode (> 0, below the smallest ŝ).
    noise : float
        σ_z.

    Returns
    -------
    eps_train, eps_test : ndarray, shape (T,)

    Examples
    --------
    >>> from linnet.theory.generalisation import two_layer_errors
    >>> tr, te = two_layer_errors([0.0, 3.0, 50.0], [3.0], aspect=0.5, n_out=50, u0=1e-5)
    >>> print(tr.round(3), te.round(3))
    [1.    0.782 0.   ] [1.    0.193 5.63 ]
    """
    t = as_float_array(t, "t", ndim=1)
    s_bar = as_float_array(s_bar, "s_bar", ndim=1)
    n_noise = int(n_out) - s_bar.size
    if n_noise < 0:
        raise ValueError(f"n_out must be >= the teacher's rank {s_bar.size}; got {n_out}")
    u0 = positive_float(u0, "u0")
    s_hat = outlier_singular_value(s_bar, aspect, noise=noise)
    O = outlier_overlap(s_bar, aspect, noise=noise)
    s = _student(t[:, None], s_hat, u0)  # (T, R)
    test = np.sum((s - s_bar) ** 2 + 2 * s * s_bar * (1 - O), axis=1)
    train = np.sum((s - s_hat) ** 2, axis=1)
    if n_noise:
        nl = np.array([noise_singular_mean(lambda x, tt=tt: _student(tt, x, u0) ** 2, aspect, noise=noise)
                       for tt in t])
        nr = np.array([noise_singular_mean(lambda x, tt=tt: (_student(tt, x, u0) - x) ** 2, aspect,
                                           noise=noise) for tt in t])
        test, train = test + n_noise * nl, train + n_noise * nr
    norm = np.sum(s_hat**2) + n_noise * noise**2 * noise_singular_mean(lambda x: x**2, aspect)
    return train / norm, test / np.sum(s_bar**2)


def two_layer_optimal_stopping(s_bar, *, aspect: float, n_out: int, u0: float, noise: float = 1.0):
    """Time and value of the minimum of ε_test(t) (:func:`two_layer_errors`).

    A log grid of 400 times from 1e-2 to 1e3 over the learning times ln(ŝ/u0)/(2ŝ) of every
    mode, refined by :func:`scipy.optimize.minimize_scalar` (bounded, xatol 1e-10 on log t)
    between the grid neighbours of the smallest value (:func:`minimum_over_time`).

    Returns
    -------
    t_opt, eps_opt : float

    Examples
    --------
    >>> from linnet.theory.generalisation import two_layer_optimal_stopping
    >>> t, e = two_layer_optimal_stopping([3.0], aspect=0.5, n_out=50, u0=1e-5)
    >>> print(round(t, 4), round(e, 4))
    2.2167 0.1579
    """
    return minimum_over_time(
        lambda t: two_layer_errors(t, s_bar, aspect=aspect, n_out=n_out, u0=u0, noise=noise)[1])


def minimum_over_time(errors) -> tuple[float, float]:
    """Time and value of the minimum of a test error ``errors(t)``, the optimal stopping rule.

    A log grid of 400 times from 1e-2 to 1e3, refined by :func:`scipy.optimize.minimize_scalar`
    (bounded, xatol 1e-10 on log t) between the grid neighbours of the smallest value.

    Parameters
    ----------
    errors : callable
        Maps times, shape (T,), to errors, shape (T,).

    Returns
    -------
    t_opt, eps_opt : float

    Examples
    --------
    >>> from linnet.theory.generalisation import minimum_over_time
    >>> t, e = minimum_over_time(lambda t: (np.log(t) - 1) ** 2 + 0.5)
    >>> print(round(t, 6), round(e, 6))
    2.718282 0.5
    """
    import scipy.optimize

    grid = np.logspace(-2, 3, 400)
    k = int(np.argmin(errors(grid)))
    lo, hi = np.log(grid[max(k - 1, 0)]), np.log(grid[min(k + 1, grid.size - 1)])
    r = scipy.optimize.minimize_scalar(lambda u: float(errors(np.array([np.exp(u)]))[0]), bounds=(lo, hi),
                                       method="bounded", options={"xatol": 1e-10})
    return float(np.exp(r.x)), float(r.fun)


def shrinkage_bound(s_bar, aspect, *, noise: float = 1.0) -> float:
    r"""Test error of the optimal shrinkage of the outliers, :math:`\sum\bar s^2(1 - O^2)/\sum\bar s^2`.

    Setting each outlier of Σ31 to :math:`\bar s_\alpha O_\alpha` along its data direction
    and the noise to 0: a lower bound on what early-stopped gradient descent reaches.

    Examples
    --------
    >>> from linnet.theory.generalisation import shrinkage_bound
    >>> round(shrinkage_bound([3.0], 0.5), 4)
    0.1579
    """
    s_bar = as_float_array(s_bar, "s_bar", ndim=1)
    O = outlier_overlap(s_bar, aspect, noise=noise)
    return float(np.sum(s_bar**2 * (1 - O**2)) / np.sum(s_bar**2))
