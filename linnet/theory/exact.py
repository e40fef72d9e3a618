r"""Exact learning dynamics of two-layer linear networks beyond small initial weights.

Stack the weights as :math:`Q = [W_1^\top; W_2]` of shape (N + M, H). With whitened inputs and
an initialisation that is λ-balanced, :math:`W_2^\top W_2 - W_1 W_1^\top = \lambda I` (conserved
by gradient flow, docs/theory.md#conservation-laws), :math:`QQ^\top` obeys a matrix Riccati equation

.. math:: \frac{d}{dt}QQ^\top = F\,QQ^\top + QQ^\top F - (QQ^\top)^2, \qquad
          F = \begin{pmatrix} -\tfrac\lambda2 I & \tilde\Sigma^\top \\ \tilde\Sigma & \tfrac\lambda2 I\end{pmatrix},

whose solution is known in closed form (Fukumizu 1998; Braun et al. 2022 for λ = 0 and any
shape; Dominé et al. 2025 for any λ, square case). The network function is the lower-left
block, :math:`W_2W_1(t) = (QQ^\top)_{N:,\,:N}`. Time is in units of τ = 1, t = step · η.

Every function is vectorised over times: the per-time work is a batch of m×m solves
(m = min(N, M)) through numpy broadcasting, never a Python loop over times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array
from ..stats import Statistics

__all__ = [
    "ExactSolution",
    "SingularBError",
    "zero_balanced_solution",
    "lambda_balanced_solution",
    "lambda_balanced_time",
    "lambda_balanced_strength",
    "riccati_rhs",
]

#: Relative tolerance for "the weights satisfy the balance identity" (round-off of a product of
#: O(1) matrices is ~1e-15; 1e-8 leaves room for weights that went through a few operations).
BALANCE_RTOL = 1e-8
#: B counts as singular when its smallest singular value is below this (its entries are sums
#: of two inner products of unit vectors, so its scale is O(1)); Braun et al.'s code uses
#: |det B| > 1e-10.
B_TOL = 1e-10


class SingularBError(ValueError):
    r"""The matrix :math:`B = U^\top\tilde U + V^\top\tilde V` of the exact solution is singular.

    It happens when some direction of the initial network map is exactly anti-aligned with the
    task (:math:`u^\top\tilde u = -v^\top\tilde v`): in the scalar picture the mode starts at
    a = −b and the balanced flow runs into the saddle at 0, never learning it. The closed form
    does not apply; perturb the initial weights or integrate with
    :func:`linnet.train.gradient_flow`.

    In the square case (N = M) this is not rare: B is singular whenever
    :math:`\det W_2W_1(0)` and :math:`\det\tilde\Sigma` have opposite signs (then
    :math:`B = U^\top\tilde U\,(I + Q)` with Q orthogonal of determinant −1, which has an
    eigenvalue −1), i.e. for
    half of all random initialisations: a balanced square network cannot change the sign of its
    determinant without passing a singular map, so one mode stalls. Flip the sign of one row of
    W2 (which keeps :math:`W_2^\top W_2`, hence the balance) to match the signs.
    """


@dataclass(frozen=True)
class ExactSolution:
    """An exact solution evaluated at T times.

    Attributes
    ----------
    time : ndarray, shape (T,)
    product : ndarray, shape (T, M, N)
        The network function :math:`W_2W_1(t)`.
    qqt : ndarray, shape (T, N + M, N + M) or None
        The full :math:`QQ^\\top(t)` (blocks :math:`W_1^\\top W_1`, :math:`W_1^\\top W_2^\\top`,
        :math:`W_2 W_1`, :math:`W_2 W_2^\\top`) when asked for with ``full=True``.
    lam : float
        λ of the initialisation (0 for the zero-balanced solution).
    """

    time: np.ndarray
    product: np.ndarray
    qqt: np.ndarray | None
    lam: float


# ---------------------------------------------------------------------------- validation
def _sigma31(task) -> np.ndarray:
    if isinstance(task, Statistics):
        if not task.is_white:
            raise ValueError(
                "the exact solutions need whitened inputs (sigma11 = I); whiten the inputs or "
                "integrate with linnet.train.gradient_flow, which takes any sigma11"
            )
        return task.sigma31
    return as_float_array(task, "task", ndim=2)


def _two_layers(weights, S31):
    if isinstance(weights, np.ndarray) or len(weights) != 2:
        n = "an array" if isinstance(weights, np.ndarray) else f"{len(weights)} matrices"
        raise ValueError(
            f"weights must be two matrices (W1, W2) of a two-layer network; got {n}. For deeper "
            "networks use linnet.theory.deep (decoupled init) or linnet.train.gradient_flow"
        )
    W1 = as_float_array(weights[0], "W1", ndim=2)
    W2 = as_float_array(weights[1], "W2", ndim=2)
    M, N = S31.shape
    H = W1.shape[0]
    if W1.shape[1] != N:
        raise ValueError(f"W1 must have shape (H, {N}) to match the task's N = {N} inputs; got {W1.shape}")
    if W2.shape != (M, H):
        raise ValueError(
            f"W2 must have shape ({M}, {H}) to follow W1 of shape {W1.shape} and give the task's "
            f"M = {M} outputs; got {W2.shape}"
        )
    return W1, W2


def _times(times):
    t = np.atleast_1d(as_float_array(times, "times"))
    if t.ndim != 1 or np.any(t < 0):
        raise ValueError(f"times must be a 1-D array of times >= 0; got shape {t.shape}")
    return t


def _relax(rate, t):
    r""":math:`(1 - e^{-2\,\mathrm{rate}\,t})/\mathrm{rate}`, shape (T, m), with its limit 2t at rate 0."""
    rt = rate[None, :] * t[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -np.expm1(-2.0 * rt) / rate[None, :]
    return np.where(rate[None, :] > 0, out, 2.0 * t[:, None])


def _check_b(B):
    smin = np.linalg.svd(B, compute_uv=False).min()
    if smin < B_TOL:
        raise SingularBError(
            f"B = UᵀŨ + VᵀṼ is singular (smallest singular value {smin:.2e} < {B_TOL:g}): a "
            "direction of the initial map W2W1 is anti-aligned with the task, so the balanced flow "
            "stalls at a saddle there and the closed form does not apply. Perturb the initial "
            "weights slightly, or use linnet.train.gradient_flow"
        )
    return np.linalg.inv(B)


def _assemble(t, Ztop_fixed, Zbot_fixed, ZtopK, ZbotK, Ztop_lin, Zbot_lin, e, Mcore, Mlin, relax, Cmat,
              Binv, full):
    r"""QQᵀ(t) = Z A⁻¹ Zᵀ with Z and A built from time-independent pieces (batched over t).

    ``Z_top(t) = Ztop_fixed + ZtopK · (e K e) + Ztop_lin · e`` (and likewise the bottom), with
    K = Cᵀ B⁻ᵀ; ``A(t) = e ∘ (Mcore + t·Mlin + Binv C diag(relax) Cᵀ Binvᵀ) ∘ e + diag(relax)``.
    """
    K = Cmat.T @ Binv.T
    eKe = e[:, :, None] * K[None] * e[:, None, :]  # (T, m, m)
    Zbot = Zbot_fixed[None] + ZbotK[None] @ eKe  # (T, M, m): the thin block (M ≤ N or m = M)
    if Ztop_lin is not None:
        Zbot = Zbot + Zbot_lin[None] * e[:, None, :]
    G = Binv @ Cmat  # (m, m)
    mid = Mcore[None] + (G[None] * relax[:, None, :]) @ G.T  # Mcore + G diag(relax) Gᵀ
    if Mlin is not None:
        mid = mid + t[:, None, None] * Mlin[None]
    A = e[:, :, None] * mid * e[:, None, :]
    idx = np.arange(A.shape[-1])
    A[:, idx, idx] += relax
    # A is symmetric, so W2W1 = Z_bot A⁻¹ Z_topᵀ = (A⁻¹ Z_botᵀ)ᵀ Z_topᵀ: one batched m×m solve
    # with M right-hand sides per time, then Z_top's time-independent factors applied as single
    # (T·M, m) × (m, N) products, never forming the (T, N, m) stack.
    Y = np.swapaxes(np.linalg.solve(A, np.swapaxes(Zbot, -1, -2)), -1, -2)  # (T, M, m)
    T_, Mo, m = Y.shape

    def right(Yt, F):  # (T, M, m) @ (m, N) as one matrix product
        return (Yt.reshape(T_ * Mo, m) @ F).reshape(T_, Mo, F.shape[1])

    product = right(Y, Ztop_fixed.T) + right(Y @ np.swapaxes(eKe, -1, -2), ZtopK.T)
    if Ztop_lin is not None:
        product = product + right(Y * e[:, None, :], Ztop_lin.T)
    qqt = None
    if full:
        Ztop = Ztop_fixed[None] + ZtopK[None] @ eKe
        if Ztop_lin is not None:
            Ztop = Ztop + Ztop_lin[None] * e[:, None, :]
        Z = np.concatenate([Ztop, Zbot], axis=1)
        qqt = Z @ np.linalg.solve(A, np.swapaxes(Z, -1, -2))
        qqt = 0.5 * (qqt + np.swapaxes(qqt, -1, -2))  # symmetric by construction; remove round-off
    return product, qqt


# ---------------------------------------------------------------------------- zero-balanced
def zero_balanced_solution(weights, task, times, *, full: bool = False) -> ExactSolution:
    r"""Exact gradient-flow trajectory of a two-layer network from zero-balanced initial weights.

    Parameters
    ----------
    weights : tuple (W1, W2)
        Initial weights of shapes (H, N), (M, H) with :math:`W_1W_1^\top = W_2^\top W_2`
        (:func:`linnet.network.init_zero_balanced`) and hidden width H ≥ min(N, M).
    task : Statistics or ndarray of shape (M, N)
        Whitened statistics, or :math:`\tilde\Sigma = \Sigma_{31}` itself.
    times : array_like, shape (T,)
        Times t ≥ 0 (τ = 1; t = step · η).
    full : bool
        Also return the whole :math:`QQ^\top(t)`.

    Returns
    -------
    ExactSolution

    Raises
    ------
    ValueError
        Shapes that do not chain, a bottleneck H < min(N, M), weights that are not
        zero-balanced, a rank-deficient initial map.
    SingularBError
        When :math:`B = U^\top\tilde U + V^\top\tilde V` is singular (see its docstring).

    Notes
    -----
    With :math:`W_2W_1(0) = U S_0 V^\top` (compact SVD, rank m = min(N, M)), the full SVD
    :math:`\tilde\Sigma = \tilde U\tilde S\tilde V^\top`, :math:`B = U^\top\tilde U + V^\top\tilde V`,
    :math:`C = U^\top\tilde U - V^\top\tilde V` and :math:`e = e^{-\tilde S t}` (docs/theory.md#exact-solutions):

    .. math::

        Z &= \begin{pmatrix} \tilde V(I - eC^\top B^{-\top}e) + 2\hat V\hat V^\top V B^{-\top}e \\
                              \tilde U(I + eC^\top B^{-\top}e) + 2\hat U\hat U^\top U B^{-\top}e \end{pmatrix},\\
        A &= 4eB^{-1}S_0^{-1}B^{-\top}e + (I - e^2)\tilde S^{-1} - eB^{-1}C(e^2 - I)\tilde S^{-1}C^\top B^{-\top}e
             + 4t\,eB^{-1}(V^\top\hat V\hat V^\top V + U^\top\hat U\hat U^\top U)B^{-\top}e,\\
        QQ^\top(t) &= Z A^{-1} Z^\top,

    where :math:`\hat U` (:math:`\hat V`) spans the output (input) directions beyond m
    (zero in the square case). :math:`(1 - e^{-2\tilde s t})/\tilde s` is evaluated with
    ``expm1`` and taken as its limit 2t for a zero singular value (e.g. MNIST's tenth mode).

    References
    ----------
    Braun, Dominé, Fitzgerald & Saxe (2022), "Exact learning dynamics of deep linear networks
    with prior knowledge", NeurIPS; Fukumizu (1998), "Effect of batch learning in multilayer
    neural networks".
    """
    S31 = _sigma31(task)
    W1, W2 = _two_layers(weights, S31)
    t = _times(times)
    M, N = S31.shape
    H = W1.shape[0]
    m = min(N, M)
    if H < m:
        raise ValueError(
            f"the zero-balanced solution needs hidden width H >= min(N, M) = {m} (no bottleneck); "
            f"got H = {H}. Widen the hidden layer or use linnet.train.gradient_flow"
        )
    D = W1 @ W1.T - W2.T @ W2
    scale = max(np.linalg.norm(W1) ** 2, np.linalg.norm(W2) ** 2, 1e-300)
    if np.linalg.norm(D) > BALANCE_RTOL * scale:
        raise ValueError(
            "weights must be zero-balanced, W1 W1ᵀ = W2ᵀ W2; the imbalance is "
            f"{np.linalg.norm(D):.3g} (relative {np.linalg.norm(D) / scale:.2g}). Build them with "
            "linnet.network.init_zero_balanced, use lambda_balanced_solution for W2ᵀW2 − W1W1ᵀ = λI, "
            "or linnet.train.gradient_flow for any weights"
        )
    U, S0, Vt = np.linalg.svd(W2 @ W1, full_matrices=False)
    V = Vt.T
    if S0[-1] <= 1e-12 * max(S0[0], 1e-300):
        raise ValueError(
            f"the initial map W2 W1 must have full rank m = {m} (all singular values > 0); its "
            f"smallest is {S0[-1]:.3g}. A zero-balanced init from linnet.network.init_zero_balanced "
            "has full rank almost surely"
        )
    Ut, St, Vtt = np.linalg.svd(S31, full_matrices=True)
    Vtl = Vtt.T
    Uhat = Vhat = None
    if N < M:
        Uhat, Ut = Ut[:, N:], Ut[:, :N]
    elif N > M:
        Vhat, Vtl = Vtl[:, M:], Vtl[:, :M]
    B = U.T @ Ut + V.T @ Vtl
    C = U.T @ Ut - V.T @ Vtl
    Binv = _check_b(B)
    e = np.exp(-St[None, :] * t[:, None])  # (T, m); underflow to 0 at large t is the right limit
    relax = _relax(St, t)
    Mcore = 4.0 * (Binv / S0) @ Binv.T
    top_lin = bot_lin = Mlin = None
    if Uhat is not None or Vhat is not None:
        PV = np.zeros((m, m)) if Vhat is None else V.T @ Vhat @ Vhat.T @ V
        PU = np.zeros((m, m)) if Uhat is None else U.T @ Uhat @ Uhat.T @ U
        Mlin = 4.0 * Binv @ (PV + PU) @ Binv.T
        top_lin = np.zeros((N, m)) if Vhat is None else 2.0 * Vhat @ Vhat.T @ V @ Binv.T
        bot_lin = np.zeros((M, m)) if Uhat is None else 2.0 * Uhat @ Uhat.T @ U @ Binv.T
    product, qqt = _assemble(t, Vtl, Ut, -Vtl, Ut, top_lin, bot_lin, e, Mcore, Mlin, relax, C, Binv,
                             full)
    return ExactSolution(time=t, product=product, qqt=qqt, lam=0.0)


# ---------------------------------------------------------------------------- λ-balanced
def _estimate_lambda(W1, W2, lam):
    D = W2.T @ W2 - W1 @ W1.T
    H = D.shape[0]
    lam_w = float(np.trace(D)) / H
    scale = max(np.linalg.norm(W1) ** 2, np.linalg.norm(W2) ** 2, 1e-300)
    resid = np.linalg.norm(D - lam_w * np.eye(H))
    if resid > BALANCE_RTOL * scale:
        raise ValueError(
            "weights must be λ-balanced, W2ᵀW2 − W1W1ᵀ = λI; the deviation from the nearest λI "
            f"(λ = {lam_w:.4g}) is {resid:.3g}. Build them with linnet.network.init_lambda_balanced, "
            "or use linnet.train.gradient_flow for any weights"
        )
    if lam is not None and abs(float(lam) - lam_w) > 1e-8 * max(1.0, abs(lam_w), scale / H):
        raise ValueError(
            f"lam = {lam} is inconsistent with the weights, whose W2ᵀW2 − W1W1ᵀ = {lam_w:.6g}·I; "
            "pass lam=None to take it from the weights"
        )
    return lam_w


def lambda_balanced_solution(weights, task, times, *, lam: float | None = None,
                             full: bool = False) -> ExactSolution:
    r"""Exact gradient-flow trajectory of a square two-layer network from λ-balanced weights.

    Parameters
    ----------
    weights : tuple (W1, W2)
        Square initial weights (N = H = M) with :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I`
        (:func:`linnet.network.init_lambda_balanced`) and a full-rank product.
    task : Statistics or ndarray of shape (N, N)
        Whitened statistics or :math:`\tilde\Sigma`.
    times : array_like, shape (T,)
    lam : float, optional
        λ; taken from the weights when omitted (checked against them when given).
    full : bool
        Also return :math:`QQ^\top(t)`.

    Returns
    -------
    ExactSolution

    Raises
    ------
    ValueError
        Non-square shapes, weights that are not λ-balanced, ``lam`` inconsistent with them, a
        singular initial map.
    SingularBError
        When the matrix B below is singular.

    Notes
    -----
    With :math:`\Lambda = (\tilde S^2 + \lambda^2/4)^{1/2}`,
    :math:`X = (\sqrt{\lambda^2 + 4\tilde S^2} - 2\tilde S)/\lambda` (computed as
    :math:`\lambda/(\sqrt{\lambda^2+4\tilde S^2} + 2\tilde S)`, which is 0 at λ = 0),
    :math:`A_X = (I + X^2)^{-1/2}`, the initial SVDs :math:`W_1 = RS_1V^\top`,
    :math:`W_2 = US_2R^\top` and :math:`e = e^{-\Lambda t}` (docs/theory.md#exact-solutions):

    .. math::

        B &= S_2U^\top\tilde U(XA_X + A_X) + S_1V^\top\tilde V(A_X - XA_X), \quad
        C = S_2U^\top\tilde U(A_X - XA_X) - S_1V^\top\tilde V(XA_X + A_X),\\
        Z &= \begin{pmatrix}\tilde V\big((A_X - XA_X) - (A_X + XA_X)eC^\top B^{-\top}e\big)\\
                             \tilde U\big((A_X + XA_X) + (A_X - XA_X)eC^\top B^{-\top}e\big)\end{pmatrix},\\
        \bar A &= 4eB^{-1}B^{-\top}e + (I - e^2)\Lambda^{-1} - eB^{-1}C(e^2 - I)\Lambda^{-1}C^\top B^{-\top}e,
        \qquad QQ^\top = Z\bar A^{-1}Z^\top.

    At λ = 0 this is :func:`zero_balanced_solution` (square case).

    References
    ----------
    Dominé, Anguita, Proca, Braun, Kunin, Mediano & Saxe (2025), "From lazy to rich: exact
    learning dynamics in deep linear networks", ICLR, arXiv:2409.14623.
    """
    S31 = _sigma31(task)
    W1, W2 = _two_layers(weights, S31)
    t = _times(times)
    M, N = S31.shape
    H = W1.shape[0]
    if not (N == H == M):
        raise ValueError(
            f"the λ-balanced closed form is implemented for square networks N = H = M; got "
            f"N = {N}, H = {H}, M = {M}. Use lambda_balanced_strength for aligned modes of any "
            "shape, zero_balanced_solution when λ = 0, or linnet.train.gradient_flow"
        )
    lam_w = _estimate_lambda(W1, W2, lam)
    U, sig, Vt = np.linalg.svd(W2 @ W1)
    V = Vt.T
    if sig[-1] <= 1e-12 * max(sig[0], 1e-300):
        raise ValueError(
            f"the initial map W2 W1 must be invertible; its smallest singular value is {sig[-1]:.3g}"
        )
    # Layer singular values from σ = s1·s2 and s2² − s1² = λ, in cancellation-free form.
    sq = np.sqrt(lam_w**2 + 4.0 * sig**2)
    if lam_w >= 0:
        s2sq = 0.5 * (sq + lam_w)
        s1sq = sig**2 / s2sq
    else:
        s1sq = 0.5 * (sq - lam_w)
        s2sq = sig**2 / s1sq
    S1, S2 = np.sqrt(s1sq), np.sqrt(s2sq)
    Ut, St, Vtt = np.linalg.svd(S31)
    Vtl = Vtt.T
    Lam = np.sqrt(St**2 + 0.25 * lam_w**2)
    X = lam_w / (np.sqrt(lam_w**2 + 4.0 * St**2) + 2.0 * St) if lam_w != 0 else np.zeros_like(St)
    AX = 1.0 / np.sqrt(1.0 + X**2)
    P = X * AX + AX  # (XA + A), diagonal
    Mn = AX - X * AX  # (A − XA), diagonal
    UU = U.T @ Ut
    VV = V.T @ Vtl
    B = (S2[:, None] * UU) * P[None, :] + (S1[:, None] * VV) * Mn[None, :]
    C = (S2[:, None] * UU) * Mn[None, :] - (S1[:, None] * VV) * P[None, :]
    Binv = _check_b(B)
    e = np.exp(-Lam[None, :] * t[:, None])
    relax = _relax(Lam, t)
    Mcore = 4.0 * Binv @ Binv.T
    product, qqt = _assemble(t, Vtl * Mn, Ut * P, -(Vtl * P), Ut * Mn, None, None, e, Mcore, None,
                             relax, C, Binv, full)
    return ExactSolution(time=t, product=product, qqt=qqt, lam=lam_w)


def riccati_rhs(qqt, task, lam: float = 0.0) -> np.ndarray:
    r"""Right-hand side :math:`F\,QQ^\top + QQ^\top F - (QQ^\top)^2` of the Riccati equation.

    For checking a solution: along gradient flow from λ-balanced weights,
    :math:`\frac{d}{dt}QQ^\top` equals this (docs/theory.md#exact-solutions).

    Parameters
    ----------
    qqt : ndarray, shape (..., N + M, N + M)
    task : Statistics or ndarray of shape (M, N)
    lam : float
    """
    S31 = _sigma31(task)
    M, N = S31.shape
    F = np.zeros((N + M, N + M))
    F[:N, N:] = S31.T
    F[N:, :N] = S31
    F[:N, :N] = -0.5 * lam * np.eye(N)
    F[N:, N:] = 0.5 * lam * np.eye(M)
    Q = np.asarray(qqt, dtype=np.float64)
    return F @ Q + Q @ F - Q @ Q


# ---------------------------------------------------------------------------- scalar mode
def _scalar_args(s, u0, lam):
    s = as_float_array(s, "s")
    u0 = as_float_array(u0, "u0")
    lam = as_float_array(lam, "lam")
    if np.any(s <= 0):
        raise ValueError("s must be > 0 (a mode with s = 0 only decays)")
    if np.any((lam == 0) & (u0 <= 0)):
        raise ValueError(
            "u0 must be > 0 where lam = 0: a zero-balanced mode at u0 <= 0 sits on the saddle (a = -b) "
            "and never learns"
        )
    return s, u0, lam


def _t_antiderivative(u, s, lam):
    r = np.sqrt(4.0 * s**2 + lam**2)
    num = r * np.sqrt(4.0 * u**2 + lam**2) + 4.0 * s * u + lam**2
    return np.log(num / np.abs(s - u)) / r


def lambda_balanced_time(u, s, u0, lam) -> np.ndarray:
    r"""Time for an aligned λ-balanced mode to go from strength ``u0`` to ``u`` (closed form).

    Parameters
    ----------
    u, s, u0, lam : array_like, broadcast together
        Target strength u between u0 and s (not equal to s), singular value s > 0, initial
        strength u0 (> 0 when λ = 0), and :math:`\lambda = b^2 - a^2` of the mode's
        second- and first-layer strengths.

    Returns
    -------
    ndarray

    Notes
    -----
    The mode obeys :math:`\tau\dot u = \sqrt{\lambda^2 + 4u^2}\,(s - u)` (docs/theory.md#exact-solutions), so

    .. math:: t(u) = \frac{1}{r}\Big[\ln\frac{r\sqrt{4u^2+\lambda^2} + 4su + \lambda^2}{|s-u|}\Big]_{u_0}^{u},
              \qquad r = \sqrt{4s^2 + \lambda^2}.

    λ → 0 recovers Saxe et al. eq. (11); |λ| ≫ s gives the lazy, exponential
    :math:`\tau\dot u \approx |\lambda|(s-u)`.

    References
    ----------
    Dominé et al. (2025), arXiv:2409.14623; Kunin et al. (2024), "Get rich quick"; Saxe et al.
    (2014), Appendix A.
    """
    s, u0, lam = _scalar_args(s, u0, lam)
    u = as_float_array(u, "u")
    u, s, u0, lam = np.broadcast_arrays(u, s, u0, lam)
    if np.any((u - s) * (u0 - s) <= 0):
        raise ValueError("u must lie strictly on the same side of s as u0: a mode approaches s but never reaches it")
    return _t_antiderivative(u, s, lam) - _t_antiderivative(u0, s, lam)


def lambda_balanced_strength(t, s, u0, lam) -> np.ndarray:
    r"""Strength u(t) of an aligned λ-balanced mode, by inverting :func:`lambda_balanced_time`.

    Parameters
    ----------
    t : array_like
        Times ≥ 0, broadcast with ``s``, ``u0``, ``lam``.
    s, u0, lam : array_like

    Returns
    -------
    ndarray
        u(t), monotone from u0 towards s.

    Notes
    -----
    t(u) is strictly monotone between u0 and s, so a vectorised bisection (100 halvings of the
    interval, more than the 53 bits of a double) recovers u to round-off. At λ = 0 this equals
    Saxe's logistic curve; see :func:`lambda_balanced_time` for the equation.
    """
    s, u0, lam = _scalar_args(s, u0, lam)
    t = as_float_array(t, "t")
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    t, s, u0, lam = (np.array(x, dtype=np.float64) for x in np.broadcast_arrays(t, s, u0, lam))
    lo, hi = u0.copy(), s.copy()  # u(t) lies between u0 and s (either order)
    t0 = _t_antiderivative(u0, s, lam)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        with np.errstate(divide="ignore"):
            # |s − mid| = 0 only once the interval has collapsed onto s: t = inf, move towards s.
            tm = _t_antiderivative(mid, s, lam) - t0
        past = tm > t
        hi = np.where(past, mid, hi)
        lo = np.where(past, lo, mid)
    out = 0.5 * (lo + hi)
    return np.where(u0 == s, s, out)
