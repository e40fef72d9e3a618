r"""Exact learning dynamics of two-layer linear networks beyond small initial weights.

Stack the weights as :math:`Q = [W_1^\top; W_2]` of shape (N + M, H). With whitened inputs and
an initialisation that is λ-balanced, :math:`W_2^\top W_2 - W_1 W_1^\top = \lambda I` (conserved
by gradient flow, docs/theory.md#conservation-laws), :math:`QQ^\top` obeys a matrix Riccati equation

.. math:: \frac{d}{dt}QQ^\top = F\,QQ^\top + QQ^\top F - (QQ^\top)^2, \qquad
          F = \begin{pmatrix} -\tfrac\lambda2 I & \tilde\Sigma^\top \\ \tilde\Sigma & \tfrac\lambda2 I\end{pmatrix},

whose solution is known in closed form (Fukumizu 1998; Braun et al. 2022 for λ = 0 and any
shape; Dominé et al. 2025 for any λ, square case). The network function is the lower-left
block, :math:`W_2W_1(t) = (QQ^\top)_{N:,\,:N}`. Time is in units of τ = 1, t = step · η.

A solution is an object built once from the initial weights and the task
(:meth:`ZeroBalancedSolution.from_weights`, :meth:`LambdaBalancedSolution.from_weights`), which
holds the time-independent quantities of its formula under the names of its Notes and answers
``product(t)``, ``qqt(t)``, ``blocks(t)`` and ``loss(t)`` at any times (neural-tangents'
``predict_fn`` closures are the model). :func:`zero_balanced_solution` and
:func:`lambda_balanced_solution` build one and evaluate it in one call.

Every evaluation is vectorised over times: the per-time work is a batch of m×m solves
(m = min(N, M)) through numpy broadcasting, never a Python loop over times.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .._validation import as_float_array
from ..stats import Statistics

__all__ = [
    "ZeroBalancedSolution",
    "LambdaBalancedSolution",
    "QQtBlocks",
    "ExactSolution",
    "SingularBError",
    "zero_balanced_solution",
    "lambda_balanced_solution",
    "lambda_balanced_learning_time",
    "lambda_balanced_mode_strength",
    "riccati_rhs",
    "RectangularLambdaBalancedSolution",
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

    Examples
    --------
    A square network whose map has the opposite determinant sign to the task's:

    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> W1, W2 = np.diag([0.1, 0.1]), np.diag([0.1, -0.1])  # zero-balanced, det W2W1 < 0
    >>> try:
    ...     theory.ZeroBalancedSolution.from_weights((W1, W2), stats)
    ... except theory.SingularBError:
    ...     print("singular B: flip a row of W2")
    singular B: flip a row of W2
    >>> issubclass(theory.SingularBError, ValueError)
    True
    """


class QQtBlocks(NamedTuple):
    r"""The blocks of :math:`QQ^\top(t)` that do not depend on the hidden layer's basis.

    The weights themselves are fixed by :math:`QQ^\top` only up to an orthogonal rotation R of
    the hidden layer (:math:`W_1 \to RW_1`, :math:`W_2 \to W_2R^\top` leaves the flow's
    solution unchanged), so a solution gives these instead of weights; the upper-right block
    :math:`W_1^\top W_2^\top` is ``product`` transposed.

    Attributes
    ----------
    input_gram : ndarray, shape (T, N, N)
        :math:`W_1^\top W_1(t)`: inner products of the hidden representations of the inputs.
    product : ndarray, shape (T, M, N)
        :math:`W_2 W_1(t)`: the network function.
    output_gram : ndarray, shape (T, M, M)
        :math:`W_2 W_2^\top(t)`.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> W = np.diag([0.1, 0.1])
    >>> blocks = theory.ZeroBalancedSolution.from_weights((W, W), stats).blocks([0.0, 40.0])
    >>> [b.shape for b in blocks]
    [(2, 2, 2), (2, 2, 2), (2, 2, 2)]
    >>> print(np.diag(blocks.input_gram[-1]).round(6))  # balanced: W1ᵀW1 → |Σ̃| at the optimum
    [2. 1.]
    """

    input_gram: np.ndarray
    product: np.ndarray
    output_gram: np.ndarray


@dataclass(frozen=True)
class ExactSolution:
    r"""An exact solution evaluated at T times (what :func:`zero_balanced_solution` returns).

    Attributes
    ----------
    time : ndarray, shape (T,)
    product : ndarray, shape (T, M, N)
        The network function :math:`W_2W_1(t)`.
    qqt : ndarray, shape (T, N + M, N + M) or None
        The full :math:`QQ^\top(t)` (blocks :math:`W_1^\top W_1`, :math:`W_1^\top W_2^\top`,
        :math:`W_2 W_1`, :math:`W_2 W_2^\top`) when asked for with ``full=True``.
    lam : float
        λ of the initialisation (0 for the zero-balanced solution).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> W = np.diag([0.1, 0.1])
    >>> ex = theory.zero_balanced_solution((W, W), stats, [0.0, 1.0], full=True)
    >>> ex.time, ex.product.shape, ex.qqt.shape, ex.lam
    (array([0., 1.]), (2, 2, 2), (2, 4, 4), 0.0)
    """

    time: np.ndarray
    product: np.ndarray
    qqt: np.ndarray | None
    lam: float


# ---------------------------------------------------------------------------- validation
def _sigma31(stats) -> np.ndarray:
    if isinstance(stats, Statistics):
        if not stats.is_white:
            raise ValueError(
                "the exact solutions need whitened inputs (sigma11 = I); whiten the inputs or "
                "integrate with linnet.train.gradient_flow, which takes any sigma11"
            )
        return stats.sigma31
    return as_float_array(stats, "stats", ndim=2)


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


def _times(t):
    t = np.atleast_1d(as_float_array(t, "t"))
    if t.ndim != 1 or np.any(t < 0):
        raise ValueError(f"t must be a 1-D array of times >= 0; got shape {t.shape}")
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


def _swap(a):
    return np.swapaxes(a, -1, -2)


def _right(Y, F):
    """(T, M, m) @ (m, N) as one (T·M, m) × (m, N) matrix product."""
    T, M, m = Y.shape
    return (Y.reshape(T * M, m) @ F).reshape(T, M, F.shape[1])


# ---------------------------------------------------------------------------- the shared closed form
@dataclass(frozen=True, eq=False)  # array fields: identity, not elementwise ==
class _ClosedForm:
    r"""Time-independent pieces of :math:`QQ^\top(t) = Z(t)A(t)^{-1}Z(t)^\top`, both solutions.

    With the diagonal :math:`e = e^{-\rho t}` and :math:`R = (I - e^2)\rho^{-1}` (m entries),
    :math:`K = C^\top B^{-\top}` and :math:`G = B^{-1}C`, both Notes' formulas read

    .. math:: Z = \begin{pmatrix} Z_V^0 + Z_V^K\,eKe + \hat Z_V\,e \\ Z_U^0 + Z_U^K\,eKe + \hat Z_U\,e\end{pmatrix},
              \qquad A = e\,(A_0 + t A_1 + G R G^\top)\,e + R.

    Zero-balanced: ρ = S̃, :math:`Z_V^0 = \tilde V`, :math:`Z_V^K = -\tilde V`,
    :math:`Z_U^0 = Z_U^K = \tilde U`, :math:`A_0 = 4B^{-1}S_0^{-1}B^{-\top}`, and for N ≠ M
    :math:`\hat Z_V = 2\hat V\hat V^\top VB^{-\top}`, :math:`\hat Z_U = 2\hat U\hat U^\top UB^{-\top}`,
    :math:`A_1 = 4B^{-1}(V^\top\hat V\hat V^\top V + U^\top\hat U\hat U^\top U)B^{-\top}`.
    λ-balanced: ρ = Λ, :math:`Z_V^0 = \tilde V D_-`, :math:`Z_V^K = -\tilde V D_+`,
    :math:`Z_U^0 = \tilde U D_+`, :math:`Z_U^K = \tilde U D_-` with :math:`D_\pm = A_X \pm XA_X`,
    :math:`A_0 = 4B^{-1}B^{-\top}`, no hatted terms (None) and no :math:`A_1`.
    """

    rate: np.ndarray  # ρ, (m,)
    K: np.ndarray  # CᵀB⁻ᵀ, (m, m)
    G: np.ndarray  # B⁻¹C, (m, m)
    A0: np.ndarray  # (m, m)
    ZV0: np.ndarray  # (N, m)
    ZVK: np.ndarray  # (N, m)
    ZU0: np.ndarray  # (M, m)
    ZUK: np.ndarray  # (M, m)
    ZV_hat: np.ndarray | None = None  # (N, m)
    ZU_hat: np.ndarray | None = None  # (M, m)
    A1: np.ndarray | None = None  # (m, m)

    @property
    def n_in(self) -> int:
        """N, the number of inputs (rows of the upper blocks of QQᵀ)."""
        return self.ZV0.shape[0]

    def at(self, t):
        """e (T, m), eKe (T, m, m) and A(t) (T, m, m) at the times t (T,)."""
        e = np.exp(-self.rate[None, :] * t[:, None])  # underflow to 0 at large t is the right limit
        relax = _relax(self.rate, t)
        eKe = e[:, :, None] * self.K[None] * e[:, None, :]
        mid = self.A0[None] + (self.G[None] * relax[:, None, :]) @ self.G.T  # A0 + G R Gᵀ
        if self.A1 is not None:
            mid = mid + t[:, None, None] * self.A1[None]
        A = e[:, :, None] * mid * e[:, None, :]
        idx = np.arange(A.shape[-1])
        A[:, idx, idx] += relax
        return e, eKe, A

    @staticmethod
    def _z(fixed, coupled, hat, e, eKe):
        Z = fixed[None] + coupled[None] @ eKe
        if hat is not None:
            Z = Z + hat[None] * e[:, None, :]
        return Z

    def product(self, t):
        """W2W1(t) = Z_U A⁻¹ Z_Vᵀ, shape (T, M, N)."""
        e, eKe, A = self.at(t)
        ZU = self._z(self.ZU0, self.ZUK, self.ZU_hat, e, eKe)  # (T, M, m)
        # A is symmetric, so W2W1 = (A⁻¹ Z_Uᵀ)ᵀ Z_Vᵀ: one batched m×m solve with M right-hand
        # sides per time, then Z_V's time-independent factors applied as single (T·M, m) × (m, N)
        # products, never forming the (T, N, m) stack.
        Y = _swap(np.linalg.solve(A, _swap(ZU)))  # (T, M, m)
        out = _right(Y, self.ZV0.T) + _right(Y @ _swap(eKe), self.ZVK.T)
        if self.ZV_hat is not None:
            out = out + _right(Y * e[:, None, :], self.ZV_hat.T)
        return out

    def qqt(self, t):
        """QQᵀ(t) = Z A⁻¹ Zᵀ, shape (T, N + M, N + M)."""
        e, eKe, A = self.at(t)
        Z = np.concatenate([self._z(self.ZV0, self.ZVK, self.ZV_hat, e, eKe),
                            self._z(self.ZU0, self.ZUK, self.ZU_hat, e, eKe)], axis=1)
        qqt = Z @ np.linalg.solve(A, _swap(Z))
        return 0.5 * (qqt + _swap(qqt))  # symmetric by construction; remove round-off


class _Evaluate:
    """What both solution classes answer, from their ``_form`` and ``stats``."""

    def product(self, t) -> np.ndarray:
        r"""The network function :math:`W_2W_1(t)`.

        Parameters
        ----------
        t : array_like, shape (T,)
            Times t ≥ 0 (τ = 1; t = step · η).

        Returns
        -------
        ndarray, shape (T, M, N)

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, theory
        >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
        >>> W = np.diag([0.1, 0.1])
        >>> sol = theory.ZeroBalancedSolution.from_weights((W, W), stats)
        >>> print(np.diagonal(sol.product([0.0, 1.0, 40.0]), axis1=1, axis2=2).round(4))
        [[0.01   0.01  ]
         [0.4306 0.0695]
         [2.     1.    ]]
        """
        return self._form.product(_times(t))

    def qqt(self, t) -> np.ndarray:
        r"""The whole :math:`QQ^\top(t)`, :math:`Q = [W_1^\top; W_2]`.

        Parameters
        ----------
        t : array_like, shape (T,)

        Returns
        -------
        ndarray, shape (T, N + M, N + M)
            Blocks :math:`W_1^\top W_1`, :math:`W_1^\top W_2^\top` (top), :math:`W_2W_1`,
            :math:`W_2W_2^\top` (bottom); symmetric.

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, theory
        >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
        >>> W = np.diag([0.1, 0.1])
        >>> q = theory.ZeroBalancedSolution.from_weights((W, W), stats).qqt([0.0])[0]
        >>> Q = np.concatenate([W.T, W])
        >>> bool(np.allclose(q, Q @ Q.T, atol=1e-15))
        True
        """
        return self._form.qqt(_times(t))

    def blocks(self, t) -> QQtBlocks:
        r"""The rotation-invariant blocks of :math:`QQ^\top(t)` (see :class:`QQtBlocks`).

        Parameters
        ----------
        t : array_like, shape (T,)

        Returns
        -------
        QQtBlocks
            ``input_gram`` (T, N, N), ``product`` (T, M, N), ``output_gram`` (T, M, M).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, theory
        >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
        >>> W = np.diag([0.1, 0.1])
        >>> b = theory.ZeroBalancedSolution.from_weights((W, W), stats).blocks([1.0])
        >>> print(np.diag(b.output_gram[0]).round(4))  # W2W2ᵀ = W1ᵀW1 = |W2W1| when balanced
        [0.4306 0.0695]
        """
        q = self.qqt(t)
        N = self._form.n_in
        return QQtBlocks(input_gram=q[:, :N, :N], product=q[:, N:, :N], output_gram=q[:, N:, N:])

    def loss(self, t) -> np.ndarray:
        r"""Loss :math:`\mathcal L_\star + \tfrac12\lVert W_2W_1(t) - \tilde\Sigma\rVert_F^2` along the solution.

        Parameters
        ----------
        t : array_like, shape (T,)

        Returns
        -------
        ndarray, shape (T,)
            ``stats.loss`` of :meth:`product`.

        Raises
        ------
        ValueError
            When the solution was built from a bare :math:`\tilde\Sigma` (no Σ33, so no L⋆).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, theory
        >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)  # L⋆ = ½(6 − 2² − 1²)
        >>> W = np.diag([0.1, 0.1])
        >>> sol = theory.ZeroBalancedSolution.from_weights((W, W), stats)
        >>> print(sol.loss([0.0, 40.0]).round(4))
        [2.9701 0.5   ]
        """
        if self.stats is None:
            raise ValueError(
                "loss needs the task's Statistics (Σ33 gives L⋆); build the solution with "
                "from_weights(weights, stats) from a linnet.Statistics, not a bare Σ31"
            )
        return self.stats.loss(self.product(t))


# ---------------------------------------------------------------------------- zero-balanced
def _check_zero_balanced(W1, W2, m):
    H = W1.shape[0]
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


@dataclass(frozen=True, eq=False)  # array fields: identity, not elementwise ==
class ZeroBalancedSolution(_Evaluate):
    r"""Exact gradient-flow solution of a two-layer network from zero-balanced initial weights.

    Build it with :meth:`from_weights`; it holds the quantities of the formula below, computed
    once, and evaluates :meth:`product`, :meth:`qqt`, :meth:`blocks` and :meth:`loss` at any
    times. Shapes: N inputs, M outputs, m = min(N, M).

    Attributes
    ----------
    U, S0, V : ndarray, shapes (M, m), (m,), (N, m)
        Compact SVD :math:`W_2W_1(0) = US_0V^\top` of the initial map (rank m).
    U_tilde, S_tilde, V_tilde : ndarray, shapes (M, m), (m,), (N, m)
        :math:`\tilde U, \tilde S, \tilde V`: the task's SVD :math:`\tilde\Sigma = \tilde U\tilde S\tilde V^\top`.
    U_hat, V_hat : ndarray, shapes (M, M − m), (N, N − m)
        :math:`\hat U, \hat V`: the task's output (input) directions beyond m (no columns when
        N = M).
    B, C : ndarray, shape (m, m)
        :math:`B = U^\top\tilde U + V^\top\tilde V`, :math:`C = U^\top\tilde U - V^\top\tilde V`.
    stats : Statistics or None
        The task, for :meth:`loss` (None when built from a bare :math:`\tilde\Sigma`).

    Notes
    -----
    With :math:`e = e^{-\tilde S t}` (docs/theory.md#exact-solutions):

    .. math::

        Z &= \begin{pmatrix} \tilde V(I - eC^\top B^{-\top}e) + 2\hat V\hat V^\top V B^{-\top}e \\
                              \tilde U(I + eC^\top B^{-\top}e) + 2\hat U\hat U^\top U B^{-\top}e \end{pmatrix},\\
        A &= 4eB^{-1}S_0^{-1}B^{-\top}e + (I - e^2)\tilde S^{-1} - eB^{-1}C(e^2 - I)\tilde S^{-1}C^\top B^{-\top}e
             + 4t\,eB^{-1}(V^\top\hat V\hat V^\top V + U^\top\hat U\hat U^\top U)B^{-\top}e,\\
        QQ^\top(t) &= Z A^{-1} Z^\top.

    :math:`(1 - e^{-2\tilde s t})/\tilde s` is evaluated with ``expm1`` and taken as its limit
    2t for a zero singular value (e.g. MNIST's tenth mode).

    References
    ----------
    Braun, Dominé, Fitzgerald & Saxe (2022), "Exact learning dynamics of deep linear networks
    with prior knowledge", NeurIPS; Fukumizu (1998), "Effect of batch learning in multilayer
    neural networks".

    Examples
    --------
    Aligned weights learn each mode along Saxe's logistic with :math:`u_0 = s_0`:

    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> W = np.diag([0.1, 0.1])  # W1 = W2: zero-balanced, W2W1(0) = 0.01 I
    >>> sol = theory.ZeroBalancedSolution.from_weights((W, W), stats)
    >>> print(sol.S0, sol.S_tilde)
    [0.01 0.01] [2. 1.]
    >>> print(np.diag(sol.product([1.0])[0]).round(6))
    [0.430588 0.069453]
    >>> print(theory.mode_strength(1.0, sol.S_tilde, 0.01).round(6))
    [0.430588 0.069453]
    """

    U: np.ndarray
    S0: np.ndarray
    V: np.ndarray
    U_tilde: np.ndarray
    S_tilde: np.ndarray
    V_tilde: np.ndarray
    U_hat: np.ndarray
    V_hat: np.ndarray
    B: np.ndarray
    C: np.ndarray
    stats: Statistics | None = field(default=None, repr=False)
    _form: _ClosedForm = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        B_inv = _check_b(self.B)
        U, V, Uh, Vh = self.U, self.V, self.U_hat, self.V_hat
        hats = {}
        if Uh.shape[1] or Vh.shape[1]:  # N ≠ M: the directions beyond m grow linearly in t
            m = self.S0.size
            PV = np.zeros((m, m)) if not Vh.shape[1] else V.T @ Vh @ Vh.T @ V
            PU = np.zeros((m, m)) if not Uh.shape[1] else U.T @ Uh @ Uh.T @ U
            hats = dict(
                A1=4.0 * B_inv @ (PV + PU) @ B_inv.T,
                ZV_hat=np.zeros((V.shape[0], m)) if not Vh.shape[1] else 2.0 * Vh @ Vh.T @ V @ B_inv.T,
                ZU_hat=np.zeros((U.shape[0], m)) if not Uh.shape[1] else 2.0 * Uh @ Uh.T @ U @ B_inv.T,
            )
        form = _ClosedForm(rate=self.S_tilde, K=self.C.T @ B_inv.T, G=B_inv @ self.C,
                           A0=4.0 * (B_inv / self.S0) @ B_inv.T,
                           ZV0=self.V_tilde, ZVK=-self.V_tilde, ZU0=self.U_tilde, ZUK=self.U_tilde,
                           **hats)
        object.__setattr__(self, "_form", form)  # frozen: set once, here

    @property
    def lam(self) -> float:
        """λ = 0: zero-balanced weights (for symmetry with :class:`LambdaBalancedSolution`).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, theory
        >>> W = np.diag([0.1, 0.1])
        >>> theory.ZeroBalancedSolution.from_weights((W, W), np.diag([2.0, 1.0])).lam
        0.0
        """
        return 0.0

    @classmethod
    def from_weights(cls, weights, stats) -> "ZeroBalancedSolution":
        r"""The solution from zero-balanced initial weights: validate, decompose, precompute.

        Parameters
        ----------
        weights : tuple (W1, W2)
            Initial weights of shapes (H, N), (M, H) with :math:`W_1W_1^\top = W_2^\top W_2`
            (:func:`linnet.network.init_zero_balanced`) and hidden width H ≥ min(N, M).
        stats : Statistics or ndarray of shape (M, N)
            Whitened statistics, or :math:`\tilde\Sigma = \Sigma_{31}` itself (then no :meth:`loss`).

        Returns
        -------
        ZeroBalancedSolution

        Raises
        ------
        ValueError
            Shapes that do not chain, a bottleneck H < min(N, M), weights that are not
            zero-balanced, a rank-deficient initial map, inputs that are not white.
        SingularBError
            When :math:`B = U^\top\tilde U + V^\top\tilde V` is singular (see its docstring).

        Examples
        --------
        A task with more inputs than outputs (N = 3, M = 2) has one input direction beyond m:

        >>> import numpy as np
        >>> from linnet import Statistics, network, theory
        >>> stats = Statistics(np.eye(3), np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), 6.0)
        >>> w = network.init_zero_balanced((3, 4, 2), 0.3, rng=np.random.default_rng(1))
        >>> sol = theory.ZeroBalancedSolution.from_weights(w, stats)
        >>> sol.V_hat.shape, sol.U_hat.shape
        ((3, 1), (2, 0))
        >>> print(np.abs(sol.product([60.0])[0] - stats.sigma31).max() < 1e-12)  # reaches Σ̃
        True
        """
        S31 = _sigma31(stats)
        W1, W2 = _two_layers(weights, S31)
        M, N = S31.shape
        m = min(N, M)
        _check_zero_balanced(W1, W2, m)
        U, S0, Vt = np.linalg.svd(W2 @ W1, full_matrices=False)
        if S0[-1] <= 1e-12 * max(S0[0], 1e-300):
            raise ValueError(
                f"the initial map W2 W1 must have full rank m = {m} (all singular values > 0); its "
                f"smallest is {S0[-1]:.3g}. A zero-balanced init from linnet.network.init_zero_balanced "
                "has full rank almost surely"
            )
        Ut, St, Vtt = np.linalg.svd(S31, full_matrices=True)
        V, Vtl = Vt.T, Vtt.T
        Uh, Ut = Ut[:, m:], Ut[:, :m]
        Vh, Vtl = Vtl[:, m:], Vtl[:, :m]
        return cls(U=U, S0=S0, V=V, U_tilde=Ut, S_tilde=St, V_tilde=Vtl, U_hat=Uh, V_hat=Vh,
                   B=U.T @ Ut + V.T @ Vtl, C=U.T @ Ut - V.T @ Vtl,
                   stats=stats if isinstance(stats, Statistics) else None)


def zero_balanced_solution(weights, stats, t, *, full: bool = False) -> ExactSolution:
    r"""Exact gradient-flow trajectory from zero-balanced weights, evaluated at the times ``t``.

    A thin wrapper: ``ZeroBalancedSolution.from_weights(weights, stats)`` evaluated with
    :meth:`~ZeroBalancedSolution.product` (and :meth:`~ZeroBalancedSolution.qqt` when
    ``full``); build the object yourself to evaluate one solution at several sets of times.

    Parameters
    ----------
    weights : tuple (W1, W2)
        Shapes (H, N), (M, H), :math:`W_1W_1^\top = W_2^\top W_2`, H ≥ min(N, M).
    stats : Statistics or ndarray of shape (M, N)
        Whitened statistics, or :math:`\tilde\Sigma = \Sigma_{31}` itself.
    t : array_like, shape (T,)
        Times t ≥ 0 (τ = 1; t = step · η).
    full : bool
        Also return the whole :math:`QQ^\top(t)`.

    Returns
    -------
    ExactSolution

    Raises
    ------
    ValueError, SingularBError
        As :meth:`ZeroBalancedSolution.from_weights`.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> W = np.diag([0.1, 0.1])
    >>> ex = theory.zero_balanced_solution((W, W), stats, [0.0, 1.0])
    >>> print(np.diagonal(ex.product, axis1=1, axis2=2).round(4))
    [[0.01   0.01  ]
     [0.4306 0.0695]]
    """
    sol = ZeroBalancedSolution.from_weights(weights, stats)
    return _evaluated(sol, t, full)


def _evaluated(sol, t, full):
    t = _times(t)
    return ExactSolution(time=t, product=sol.product(t), qqt=sol.qqt(t) if full else None, lam=sol.lam)


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


def _layer_spectra(sig, lam):
    """Layer singular values S1, S2 from σ = s1·s2 and s2² − s1² = λ, in cancellation-free form."""
    sq = np.sqrt(lam**2 + 4.0 * sig**2)
    if lam >= 0:
        s2sq = 0.5 * (sq + lam)
        s1sq = sig**2 / s2sq
    else:
        s1sq = 0.5 * (sq - lam)
        s2sq = sig**2 / s1sq
    return np.sqrt(s1sq), np.sqrt(s2sq)


@dataclass(frozen=True, eq=False)  # array fields: identity, not elementwise ==
class LambdaBalancedSolution(_Evaluate):
    r"""Exact gradient-flow solution of a square two-layer network from λ-balanced weights.

    Build it with :meth:`from_weights`; it holds the quantities of the formula below, computed
    once, and evaluates :meth:`product`, :meth:`qqt`, :meth:`blocks` and :meth:`loss` at any
    times. Shapes: N = H = M.

    Attributes
    ----------
    lam : float
        λ of :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I`.
    U, V : ndarray, shape (N, N)
        Singular vectors of the initial layers :math:`W_1 = RS_1V^\top`, :math:`W_2 = US_2R^\top`.
    S1, S2 : ndarray, shape (N,)
        Their singular values (:math:`S_2^2 - S_1^2 = \lambda`).
    U_tilde, S_tilde, V_tilde : ndarray, shapes (N, N), (N,), (N, N)
        The task's SVD :math:`\tilde\Sigma = \tilde U\tilde S\tilde V^\top`.
    Lambda, X, A_X : ndarray, shape (N,)
        The diagonals of Λ, X and :math:`A_X` below.
    B, C : ndarray, shape (N, N)
    stats : Statistics or None
        The task, for :meth:`loss` (None when built from a bare :math:`\tilde\Sigma`).

    Notes
    -----
    With :math:`\Lambda = (\tilde S^2 + \lambda^2/4)^{1/2}`,
    :math:`X = (\sqrt{\lambda^2 + 4\tilde S^2} - 2\tilde S)/\lambda` (computed as
    :math:`\lambda/(\sqrt{\lambda^2+4\tilde S^2} + 2\tilde S)`, which is 0 at λ = 0),
    :math:`A_X = (I + X^2)^{-1/2}` and :math:`e = e^{-\Lambda t}` (docs/theory.md#exact-solutions):

    .. math::

        B &= S_2U^\top\tilde U(XA_X + A_X) + S_1V^\top\tilde V(A_X - XA_X), \quad
        C = S_2U^\top\tilde U(A_X - XA_X) - S_1V^\top\tilde V(XA_X + A_X),\\
        Z &= \begin{pmatrix}\tilde V\big((A_X - XA_X) - (A_X + XA_X)eC^\top B^{-\top}e\big)\\
                             \tilde U\big((A_X + XA_X) + (A_X - XA_X)eC^\top B^{-\top}e\big)\end{pmatrix},\\
        \bar A &= 4eB^{-1}B^{-\top}e + (I - e^2)\Lambda^{-1} - eB^{-1}C(e^2 - I)\Lambda^{-1}C^\top B^{-\top}e,
        \qquad QQ^\top = Z\bar A^{-1}Z^\top.

    At λ = 0 this is :class:`ZeroBalancedSolution` (square case).

    References
    ----------
    Dominé, Anguita, Proca, Braun, Kunin, Mediano & Saxe (2025), "From lazy to rich: exact
    learning dynamics in deep linear networks", ICLR, arXiv:2409.14623.

    Examples
    --------
    Aligned layers a = 0.1, b = √(a² + λ): each mode follows the scalar λ-balanced curve from
    u0 = ab:

    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> a, lam = 0.1, 0.5
    >>> b = np.sqrt(a**2 + lam)
    >>> sol = theory.LambdaBalancedSolution.from_weights((a * np.eye(2), b * np.eye(2)), stats)
    >>> print(round(sol.lam, 12), sol.Lambda.round(4))
    0.5 [2.0156 1.0308]
    >>> print(np.diag(sol.product([1.0])[0]).round(6))
    [1.678835 0.605227]
    >>> print(theory.lambda_balanced_mode_strength(1.0, sol.S_tilde, a * b, lam=lam).round(6))
    [1.678835 0.605227]
    """

    lam: float
    U: np.ndarray
    S1: np.ndarray
    S2: np.ndarray
    V: np.ndarray
    U_tilde: np.ndarray
    S_tilde: np.ndarray
    V_tilde: np.ndarray
    Lambda: np.ndarray
    X: np.ndarray
    A_X: np.ndarray
    B: np.ndarray
    C: np.ndarray
    stats: Statistics | None = field(default=None, repr=False)
    _form: _ClosedForm = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        B_inv = _check_b(self.B)
        plus = self.X * self.A_X + self.A_X  # the diagonal XA_X + A_X
        minus = self.A_X - self.X * self.A_X  # the diagonal A_X − XA_X
        form = _ClosedForm(rate=self.Lambda, K=self.C.T @ B_inv.T, G=B_inv @ self.C,
                           A0=4.0 * B_inv @ B_inv.T,
                           ZV0=self.V_tilde * minus, ZVK=-(self.V_tilde * plus),
                           ZU0=self.U_tilde * plus, ZUK=self.U_tilde * minus)
        object.__setattr__(self, "_form", form)  # frozen: set once, here

    @classmethod
    def from_weights(cls, weights, stats, *, lam: float | None = None) -> "LambdaBalancedSolution":
        r"""The solution from square λ-balanced initial weights: validate, decompose, precompute.

        Parameters
        ----------
        weights : tuple (W1, W2)
            Square initial weights (N = H = M) with :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I`
            (:func:`linnet.network.init_lambda_balanced`) and a full-rank product.
        stats : Statistics or ndarray of shape (N, N)
            Whitened statistics or :math:`\tilde\Sigma` (then no :meth:`loss`).
        lam : float, optional
            λ; taken from the weights when omitted (checked against them when given).

        Returns
        -------
        LambdaBalancedSolution

        Raises
        ------
        ValueError
            Non-square shapes, weights that are not λ-balanced, ``lam`` inconsistent with them, a
            singular initial map.
        SingularBError
            When the matrix B is singular.

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, network, theory
        >>> stats = Statistics(np.eye(3), np.diag([3.0, 2.0, 1.0]), 20.0)
        >>> w = network.init_lambda_balanced((3, 3, 3), 0.3, 2.0, rng=np.random.default_rng(0))
        >>> if np.linalg.det(w[1] @ w[0]) < 0:  # B is singular for opposite determinant signs
        ...     w = (w[0], w[1] * np.array([[-1.0], [1.0], [1.0]]))
        >>> sol = theory.LambdaBalancedSolution.from_weights(w, stats, lam=2.0)
        >>> print(round(sol.lam, 10), (sol.S2**2 - sol.S1**2).round(10))
        2.0 [2. 2. 2.]
        >>> print(sol.loss([0.0, 30.0]).round(4))  # from the initial loss down to L⋆ = 3
        [10.4889  3.    ]
        """
        S31 = _sigma31(stats)
        W1, W2 = _two_layers(weights, S31)
        M, N = S31.shape
        H = W1.shape[0]
        if not (N == H == M):
            raise ValueError(
                f"the λ-balanced closed form is implemented for square networks N = H = M; got "
                f"N = {N}, H = {H}, M = {M}. Use lambda_balanced_mode_strength for aligned modes, "
                "RectangularLambdaBalancedSolution (or lambda_balanced_solution) for any shape, or "
                "linnet.train.gradient_flow"
            )
        lam_w = _estimate_lambda(W1, W2, _check_lam_value(lam))
        U, sig, Vt = np.linalg.svd(W2 @ W1)
        V = Vt.T
        if sig[-1] <= 1e-12 * max(sig[0], 1e-300):
            raise ValueError(
                f"the initial map W2 W1 must be invertible; its smallest singular value is {sig[-1]:.3g}"
            )
        S1, S2 = _layer_spectra(sig, lam_w)
        Ut, St, Vtt = np.linalg.svd(S31)
        Vtl = Vtt.T
        X = lam_w / (np.sqrt(lam_w**2 + 4.0 * St**2) + 2.0 * St) if lam_w != 0 else np.zeros_like(St)
        AX = 1.0 / np.sqrt(1.0 + X**2)
        P, Mn = X * AX + AX, AX - X * AX  # the diagonals XA_X + A_X and A_X − XA_X
        UU, VV = U.T @ Ut, V.T @ Vtl
        return cls(lam=lam_w, U=U, S1=S1, S2=S2, V=V, U_tilde=Ut, S_tilde=St, V_tilde=Vtl,
                   Lambda=np.sqrt(St**2 + 0.25 * lam_w**2), X=X, A_X=AX,
                   B=(S2[:, None] * UU) * P[None, :] + (S1[:, None] * VV) * Mn[None, :],
                   C=(S2[:, None] * UU) * Mn[None, :] - (S1[:, None] * VV) * P[None, :],
                   stats=stats if isinstance(stats, Statistics) else None)


def lambda_balanced_solution(weights, stats, t, *, lam: float | None = None,
                             full: bool = False) -> ExactSolution:
    r"""Exact gradient-flow trajectory of a square network from λ-balanced weights, at the times ``t``.

    A thin wrapper: ``LambdaBalancedSolution.from_weights(weights, stats, lam=lam)`` evaluated
    with :meth:`~LambdaBalancedSolution.product` (and :meth:`~LambdaBalancedSolution.qqt` when
    ``full``).

    Parameters
    ----------
    weights : tuple (W1, W2)
        Square (N = H = M), :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I`, full-rank product.
    stats : Statistics or ndarray of shape (N, N)
        Whitened statistics or :math:`\tilde\Sigma`.
    t : array_like, shape (T,)
        Times t ≥ 0.
    lam : float, optional
        λ; taken from the weights when omitted (checked against them when given).
    full : bool
        Also return :math:`QQ^\top(t)`.

    Returns
    -------
    ExactSolution

    Raises
    ------
    ValueError, SingularBError
        As :meth:`LambdaBalancedSolution.from_weights`.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> w = (0.1 * np.eye(2), np.sqrt(0.51) * np.eye(2))  # b² − a² = 0.5
    >>> ex = theory.lambda_balanced_solution(w, stats, [0.0, 1.0])
    >>> print(round(ex.lam, 12), np.diag(ex.product[-1]).round(6))
    0.5 [1.678835 0.605227]
    """
    S31 = _sigma31(stats)
    W1, W2 = _two_layers(weights, S31)
    square = S31.shape[0] == S31.shape[1] == W1.shape[0]
    cls = LambdaBalancedSolution if square else RectangularLambdaBalancedSolution
    return _evaluated(cls.from_weights(weights, stats, lam=lam), t, full)


# ---------------------------------------------------------------------------- λ-balanced, any shape
#: Largest |μ|·Δ of one step of :class:`_RiccatiForm`: e^{2} bounds the growth of a factor
#: within a step, so the Cholesky factor of I + OᵀGO is as well conditioned as e^{2}·‖O‖².
_RICCATI_STEP = 1.0


def _growth(mu, dt):
    r""":math:`\int_0^{dt} e^{2\mu s}ds = (e^{2\mu dt} - 1)/(2\mu)`, with its limit dt at μ = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.expm1(2.0 * mu * dt) / (2.0 * mu)
    return np.where(mu != 0, g, dt)


@dataclass(frozen=True, eq=False)  # array fields: identity, not elementwise ==
class _RiccatiForm:
    r""":math:`QQ^\top(t) = e^{Ft}Q_0\,(I + Q_0^\top G(t)Q_0)^{-1}Q_0^\top e^{Ft}`, :math:`G(t) = \int_0^t e^{2Fs}ds`.

    Held in the eigenbasis of the symmetric F (eigenvalues ``mu``, vectors ``basis``) as the
    factor ``O0`` = basisᵀ Q0. Evaluated by the solution's semigroup property: the factor
    :math:`O \to e^{\mu\Delta}O\,L^{-\top}` (:math:`LL^\top = I + O^\top G(\Delta)O`) over steps
    with :math:`\max|\mu|\,\Delta \le 1`, each one the closed form itself; a single step to a
    large t would form :math:`e^{\mu t}` beyond the range of a double.
    """

    mu: np.ndarray  # (N + M,)
    basis: np.ndarray  # (N + M, N + M)
    O0: np.ndarray  # (N + M, H)
    n_in: int

    def _advance(self, O, dt):
        steps = max(1, int(np.ceil(np.abs(self.mu).max() * dt / _RICCATI_STEP)))
        h = dt / steps
        grow, g = np.exp(self.mu * h)[:, None], _growth(self.mu, h)[:, None]
        for _ in range(steps):
            L = np.linalg.cholesky(np.eye(O.shape[1]) + O.T @ (g * O))
            O = np.linalg.solve(L, (grow * O).T).T  # (e^{μh} O) L^{-T}
        return O

    def factors(self, t):
        """The factor Q(t) with Q(t)Q(t)ᵀ = QQᵀ(t), in F's eigenbasis, shape (T, N + M, H)."""
        order = np.argsort(t, kind="stable")
        out = np.empty((t.size, *self.O0.shape))
        O, now = self.O0, 0.0
        for i in order:
            if t[i] > now:
                O, now = self._advance(O, t[i] - now), t[i]
            out[i] = O
        return out

    def qqt(self, t):
        Z = self.basis @ self.factors(t)  # (T, N + M, H)
        return Z @ _swap(Z)

    def product(self, t):
        Z = self.basis @ self.factors(t)
        N = self.n_in
        return Z[:, N:] @ _swap(Z[:, :N])


@functools.lru_cache(maxsize=64)
def _f_eigen(s31_bytes: bytes, shape: tuple[int, int], lam: float):
    """Eigen-decomposition of F for Σ̃ (given by its bytes) and λ: a grid of initialisations
    shares one task and a few λ, and the (N + M)² eigh costs more than the rest of a solution."""
    M, N = shape
    S31 = np.frombuffer(s31_bytes, dtype=np.float64).reshape(shape)
    F = np.zeros((N + M, N + M))
    F[:N, N:], F[N:, :N] = S31.T, S31
    F[:N, :N] = -0.5 * lam * np.eye(N)
    F[N:, N:] = 0.5 * lam * np.eye(M)
    mu, basis = np.linalg.eigh(F)
    mu.setflags(write=False)
    basis.setflags(write=False)
    return mu, basis


def _check_lam_value(lam):
    if lam is None:
        return None
    if isinstance(lam, bool) or not np.isscalar(lam) or not np.isfinite(lam):
        raise ValueError(f"lam must be a finite real number or None (taken from the weights); got {lam!r}")
    return float(lam)


@dataclass(frozen=True, eq=False)  # array fields: identity, not elementwise ==
class RectangularLambdaBalancedSolution(_Evaluate):
    r"""Exact gradient-flow solution of a two-layer network from λ-balanced weights of any shape.

    Build it with :meth:`from_weights`. Shapes: N inputs, H hidden, M outputs with
    :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I_H` (so H ≤ M when λ > 0 and H ≤ N when
    λ < 0; :func:`linnet.network.init_lambda_balanced`). Square shapes give
    :class:`LambdaBalancedSolution`'s numbers (tested), without its condition on B.

    Attributes
    ----------
    lam : float
    F_eigenvalues : ndarray, shape (N + M,)
        The rates μ of :math:`F = \begin{pmatrix}-\tfrac\lambda2 I_N & \tilde\Sigma^\top\\ \tilde\Sigma & \tfrac\lambda2 I_M\end{pmatrix}`:
        :math:`\pm\sqrt{\tilde s_i^2 + \lambda^2/4}` for the m = min(N, M) task modes,
        −λ/2 for the N − m input directions the task does not use and +λ/2 for the M − m
        such output directions.
    F_eigenvectors : ndarray, shape (N + M, N + M)
    Q0 : ndarray, shape (N + M, H)
        :math:`Q(0) = [W_1^\top; W_2]`.
    n_in : int
        N.
    stats : Statistics or None

    Notes
    -----
    The Riccati equation of the module docstring holds for λ-balanced weights of any shape,
    and its solution is (docs/theory.md#exact-solutions)

    .. math:: QQ^\top(t) = e^{Ft}Q_0\big(I_H + Q_0^\top G(t)\,Q_0\big)^{-1}Q_0^\top e^{Ft},
              \qquad G(t) = \int_0^t e^{2Fs}\,ds = \sum_k \frac{e^{2\mu_kt}-1}{2\mu_k}f_kf_k^\top.

    (Differentiate: the product rule gives :math:`FQQ^\top + QQ^\top F` and the derivative of the
    inverse gives :math:`-(QQ^\top)^2`.) In the eigenbasis of F this is Dominé et al.'s form
    with the null-space terms: the N − m unused input directions evolve at the rate −λ/2 and
    the M − m unused output directions at +λ/2. At λ = 0 those rates are 0 and the terms
    grow linearly in t (Braun et al.'s :math:`4tB^{-1}\cdots` term). Balance fixes
    :math:`\Delta(W_2^\top W_2) = \Delta(W_1W_1^\top)`, so the sign of λ decides which layer
    moves *relative to its size*: from a small product with |λ| = 1.5 on shapes (5, 3, 3) and
    (3, 3, 5), :math:`W_1^\top W_1` changes by ~150× its initial norm and :math:`W_2W_2^\top`
    by < 1.2× when λ > 0, and the other way round when λ < 0.

    References
    ----------
    Dominé, Anguita, Proca, Braun, Kunin, Mediano & Saxe (2025), "From lazy to rich", ICLR,
    arXiv:2409.14623; Fukumizu (1998).

    Examples
    --------
    More inputs than outputs (N = 4, H = M = 2), λ of either sign (the same initial product, as
    :func:`~linnet.network.init_lambda_balanced` draws it, and the same optimum):

    >>> import numpy as np
    >>> from linnet import Statistics, network, theory
    >>> S = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    >>> stats = Statistics(np.eye(4), S, 6.0)
    >>> for lam in (-1.0, 1.0):
    ...     w = network.init_lambda_balanced((4, 2, 2), 0.3, lam, rng=np.random.default_rng(0))
    ...     sol = theory.RectangularLambdaBalancedSolution.from_weights(w, stats)
    ...     print(lam, sol.loss([0.0, 60.0]).round(4))
    -1.0 [2.6082 0.5   ]
    1.0 [2.6082 0.5   ]
    """

    lam: float
    F_eigenvalues: np.ndarray
    F_eigenvectors: np.ndarray
    Q0: np.ndarray
    n_in: int
    stats: Statistics | None = field(default=None, repr=False)
    _form: _RiccatiForm = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        form = _RiccatiForm(mu=self.F_eigenvalues, basis=self.F_eigenvectors,
                            O0=self.F_eigenvectors.T @ self.Q0, n_in=self.n_in)
        object.__setattr__(self, "_form", form)  # frozen: set once, here

    @classmethod
    def from_weights(cls, weights, stats, *, lam: float | None = None) -> "RectangularLambdaBalancedSolution":
        r"""The solution from λ-balanced initial weights of any shape: validate, decompose F.

        Parameters
        ----------
        weights : tuple (W1, W2)
            Shapes (H, N), (M, H) with :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I_H`.
        stats : Statistics or ndarray of shape (M, N)
            Whitened statistics or :math:`\tilde\Sigma` (then no :meth:`loss`).
        lam : float, optional
            λ; taken from the weights when omitted (checked against them when given).

        Returns
        -------
        RectangularLambdaBalancedSolution

        Raises
        ------
        ValueError
            Shapes that do not chain, weights that are not λ-balanced, ``lam`` not finite or
            inconsistent with the weights, inputs that are not white.

        Examples
        --------
        Fewer inputs than outputs (N = 2, M = 3): the product reaches Σ̃:

        >>> import numpy as np
        >>> from linnet import Statistics, network, theory
        >>> stats = Statistics(np.eye(2), np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), 6.0)
        >>> w = network.init_lambda_balanced((2, 2, 3), 0.2, -0.5, rng=np.random.default_rng(1))
        >>> sol = theory.RectangularLambdaBalancedSolution.from_weights(w, stats)
        >>> print(round(sol.lam, 10), np.abs(sol.product([80.0])[0] - stats.sigma31).max() < 1e-10)
        -0.5 True
        """
        S31 = _sigma31(stats)
        W1, W2 = _two_layers(weights, S31)
        lam_w = _estimate_lambda(W1, W2, _check_lam_value(lam))
        M, N = S31.shape
        # λ read from weights carries round-off (~1e-16 relative) that differs between members
        # drawn with the same λ; 12 digits keep it far below the balance check's 1e-8 and let
        # them share one decomposition of F.
        mu, basis = _f_eigen(S31.tobytes(), S31.shape, float(f"{lam_w:.12g}"))
        return cls(lam=lam_w, F_eigenvalues=mu, F_eigenvectors=basis, Q0=np.concatenate([W1.T, W2]),
                   n_in=N, stats=stats if isinstance(stats, Statistics) else None)


def riccati_rhs(qqt, stats, *, lam: float = 0.0) -> np.ndarray:
    r"""Right-hand side :math:`F\,QQ^\top + QQ^\top F - (QQ^\top)^2` of the Riccati equation.

    For checking a solution: along gradient flow from λ-balanced weights,
    :math:`\frac{d}{dt}QQ^\top` equals this (docs/theory.md#exact-solutions).

    Parameters
    ----------
    qqt : ndarray, shape (..., N + M, N + M)
    stats : Statistics or ndarray of shape (M, N)
        Whitened statistics or :math:`\tilde\Sigma`.
    lam : float
        λ of the weights.

    Returns
    -------
    ndarray, shape (..., N + M, N + M)

    Examples
    --------
    The derivative of a solution, by central differences, is the right-hand side:

    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> w = (0.1 * np.eye(2), np.sqrt(0.51) * np.eye(2))
    >>> sol = theory.LambdaBalancedSolution.from_weights(w, stats)
    >>> q = sol.qqt([0.999, 1.0, 1.001])
    >>> rhs = theory.riccati_rhs(q[1], stats, lam=sol.lam)
    >>> bool(np.allclose((q[2] - q[0]) / 0.002, rhs, atol=1e-5))
    True
    """
    S31 = _sigma31(stats)
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


def lambda_balanced_learning_time(s, u0, uf, *, lam) -> np.ndarray:
    r"""Time for an aligned λ-balanced mode to go from strength ``u0`` to ``uf`` (closed form).

    Parameters
    ----------
    s, u0, uf : array_like, broadcast together with ``lam``
        Singular value s > 0, initial strength u0 (> 0 when λ = 0) and target strength uf
        between u0 and s (not equal to s).
    lam : array_like
        :math:`\lambda = b^2 - a^2` of the mode's second- and first-layer strengths.

    Returns
    -------
    ndarray

    Notes
    -----
    The mode obeys :math:`\tau\dot u = \sqrt{\lambda^2 + 4u^2}\,(s - u)` (docs/theory.md#exact-solutions), so

    .. math:: t(u) = \frac{1}{r}\Big[\ln\frac{r\sqrt{4u^2+\lambda^2} + 4su + \lambda^2}{|s-u|}\Big]_{u_0}^{u_f},
              \qquad r = \sqrt{4s^2 + \lambda^2}.

    λ → 0 recovers Saxe et al. eq. (11) (:func:`learning_time`); |λ| ≫ s gives the lazy,
    exponential :math:`\tau\dot u \approx |\lambda|(s-u)`.

    References
    ----------
    Dominé et al. (2025), arXiv:2409.14623; Kunin et al. (2024), "Get rich quick"; Saxe et al.
    (2014), Appendix A.

    Examples
    --------
    >>> from linnet import theory
    >>> print(round(float(theory.lambda_balanced_learning_time(2.0, 0.01, 1.0, lam=1e-12)), 6))
    1.323326
    >>> print(round(float(theory.learning_time(2.0, 0.01, 1.0)), 6))  # λ → 0: Saxe's eq. 11
    1.323326
    >>> print(round(float(theory.lambda_balanced_learning_time(2.0, 0.01, 1.0, lam=4.0)), 6))  # lazier
    0.1644
    """
    s, u0, lam = _scalar_args(s, u0, lam)
    uf = as_float_array(uf, "uf")
    uf, s, u0, lam = np.broadcast_arrays(uf, s, u0, lam)
    if np.any((uf - s) * (u0 - s) <= 0):
        raise ValueError("uf must lie strictly on the same side of s as u0: a mode approaches s but never reaches it")
    return _t_antiderivative(uf, s, lam) - _t_antiderivative(u0, s, lam)


def lambda_balanced_mode_strength(t, s, u0, *, lam) -> np.ndarray:
    r"""Strength u(t) of an aligned λ-balanced mode, by inverting :func:`lambda_balanced_learning_time`.

    Parameters
    ----------
    t : array_like
        Times ≥ 0, broadcast with ``s``, ``u0``, ``lam``.
    s, u0 : array_like
        Singular value > 0 and initial strength (> 0 when λ = 0).
    lam : array_like
        :math:`\lambda = b^2 - a^2`.

    Returns
    -------
    ndarray
        u(t), monotone from u0 towards s.

    Notes
    -----
    t(u) is strictly monotone between u0 and s, so a vectorised bisection (100 halvings of the
    interval, more than the 53 bits of a double) recovers u to round-off. At λ = 0 this equals
    Saxe's logistic curve; see :func:`lambda_balanced_learning_time` for the equation.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import theory
    >>> t = np.array([0.0, 1.0, 3.0])
    >>> print(theory.lambda_balanced_mode_strength(t, 2.0, 0.01, lam=0.0).round(6))
    [0.01     0.430588 1.997558]
    >>> print(theory.mode_strength(t, 2.0, 0.01).round(6))
    [0.01     0.430588 1.997558]
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
