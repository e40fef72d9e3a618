r"""The neural tangent kernel of a deep linear network, and the quantities built on it.

For a network :math:`W = W_L\cdots W_1` trained by gradient flow on its layers, the end-to-end map
moves as :math:`\dot W = -\mathcal K(\partial\mathcal L/\partial W)` with the *tangent kernel*,
an operator on (M × N) matrices,

.. math:: \mathcal K(D) = \sum_{l=1}^{L} A_l\,D\,B_l, \qquad
          A_l = W_{>l}W_{>l}^\top \ (M\times M), \quad B_l = W_{<l}^\top W_{<l} \ (N\times N),

:math:`W_{>l} = W_L\cdots W_{l+1}` and :math:`W_{<l} = W_{l-1}\cdots W_1` (identities for
l = L and l = 1). As a matrix on row-major ``vec(D)`` it is :math:`\sum_l A_l\otimes B_l`. On
a data set X (P, N) the kernel of the outputs :math:`f_i(x^\mu)` is the (P·M × P·M) matrix
:math:`K_{(\mu i),(\nu j)} = \sum_l (A_l)_{ij}\,x^{\mu\top}B_l x^\nu = JJ^\top` (J the Jacobian
of the outputs in the parameters; no 1/P, so :math:`\dot f = -\tfrac1P K(f - y)`). Its Frobenius
inner products need only the factors and :math:`\Sigma_{11} = X^\top X/P`:

.. math:: \langle K, K'\rangle = P^2\sum_{l,l'}\operatorname{tr}(A_lA'_{l'})\,
          \operatorname{tr}(B_l\Sigma_{11}B'_{l'}\Sigma_{11}),

so kernel distance :math:`1 - \langle K_0, K_t\rangle/(\lVert K_0\rVert\lVert K_t\rVert)`,
kernel–task alignment :math:`\langle K, yy^\top\rangle/(\lVert K\rVert\lVert yy^\top\rVert)` and
the kernel's eigenvalues (those of :math:`K/P`, which are the nonzero eigenvalues of the
Gauss–Newton matrix) are computed for whole ensembles without forming any P·M matrix
(docs/theory.md#the-tangent-kernel).

"Tangent kernel" is the neural tangent kernel; :mod:`linnet.kernels` holds the compute kernels
of gradient descent, a different thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, layer_arrays, positive_int

__all__ = [
    "TangentKernel",
    "tangent_kernel",
    "tangent_kernel_distance",
    "tangent_kernel_alignment",
    "exact_tangent_kernel",
    "aligned_tangent_kernel",
]


def _swap(a):
    return np.swapaxes(a, -1, -2)


def _sigma(sigma11, N: int):
    if sigma11 is None:
        return None
    S = as_float_array(sigma11, "sigma11", ndim=2)
    if S.shape != (N, N):
        raise ValueError(
            f"sigma11 must have shape ({N}, {N}), the input covariance X.T @ X / P of the N = {N} "
            f"inputs the kernel acts on; got {S.shape}. Pass stats.sigma11, or None for white inputs"
        )
    return S


def _tr_prod(X, Y):
    """tr(X Y) over the last two axes for symmetric X, Y (broadcast over leading axes)."""
    return np.einsum("...ij,...ij->...", X, Y)


@dataclass(frozen=True, eq=False)  # array fields: identity, not elementwise ==
class TangentKernel:
    r"""The tangent kernel :math:`\mathcal K(D) = \sum_l A_l D B_l` of a linear network, by its factors.

    Build it with :func:`tangent_kernel` (from weights) or :func:`exact_tangent_kernel` (from an
    exact solution at times t). All methods broadcast over the leading (ensemble, time) axes.

    Attributes
    ----------
    outer : tuple of ndarray, each (..., M, M)
        :math:`A_l = W_{>l}W_{>l}^\top`, one per layer.
    inner : tuple of ndarray, each (..., N, N)
        :math:`B_l = W_{<l}^\top W_{<l}`, one per layer.

    Examples
    --------
    A one-layer network's kernel is the identity, whatever its weights:

    >>> import numpy as np
    >>> from linnet import tangent
    >>> K = tangent.tangent_kernel((np.array([[1.0, 2.0]]),))
    >>> K.matrix()
    array([[1., 0.],
           [0., 1.]])
    """

    outer: tuple
    inner: tuple

    @property
    def shape(self) -> tuple[int, int]:
        """(M, N): the shape of the matrices the kernel acts on.

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> tangent.tangent_kernel((np.ones((4, 3)), np.ones((2, 4)))).shape
        (2, 3)
        """
        return self.outer[0].shape[-1], self.inner[0].shape[-1]

    def apply(self, D) -> np.ndarray:
        r""":math:`\mathcal K(D) = \sum_l A_l D B_l`.

        Parameters
        ----------
        D : array_like, shape (..., M, N)
            Broadcast against the kernel's leading axes.

        Returns
        -------
        ndarray, shape (..., M, N)

        Examples
        --------
        Two layers: :math:`\mathcal K(D) = W_2W_2^\top D + D\,W_1^\top W_1`:

        >>> import numpy as np
        >>> from linnet import tangent
        >>> W1, W2 = np.array([[1.0, 0.0]]), np.array([[2.0], [0.0]])
        >>> tangent.tangent_kernel((W1, W2)).apply(np.ones((2, 2)))
        array([[5., 4.],
               [1., 0.]])
        """
        M, N = self.shape
        D = as_float_array(D, "D")
        if D.ndim < 2 or D.shape[-2:] != (M, N):
            raise ValueError(f"D must have shape (..., {M}, {N}), matrices the shape of the "
                             f"end-to-end map W; got {D.shape}")
        return sum(A @ D @ B for A, B in zip(self.outer, self.inner))

    def matrix(self) -> np.ndarray:
        r"""The kernel as a matrix :math:`\sum_l A_l\otimes B_l` on row-major ``vec(D)``.

        Returns
        -------
        ndarray, shape (..., M·N, M·N)
            Symmetric positive semi-definite; ``matrix() @ D.reshape(-1)`` is
            ``apply(D).reshape(-1)``.

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> K = tangent.tangent_kernel((np.array([[1.0, 0.0]]), np.array([[2.0], [0.0]])))
        >>> D = np.arange(4.0).reshape(2, 2)
        >>> bool(np.allclose(K.matrix() @ D.ravel(), K.apply(D).ravel()))
        True
        """
        M, N = self.shape
        out = 0.0
        for A, B in zip(self.outer, self.inner):
            out = out + (A[..., :, None, :, None] * B[..., None, :, None, :])
        return out.reshape(*out.shape[:-4], M * N, M * N)

    def on_data(self, X) -> np.ndarray:
        r"""The empirical tangent kernel :math:`K = JJ^\top` of the outputs on the samples ``X``.

        Parameters
        ----------
        X : array_like, shape (P, N)
            Samples in rows (as :func:`linnet.network.forward`).

        Returns
        -------
        ndarray, shape (..., P·M, P·M)
            Sample-major: entry :math:`(\mu M + i, \nu M + j)` is
            :math:`\sum_l (A_l)_{ij}\,x^{\mu\top}B_lx^\nu`.

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> K = tangent.tangent_kernel((np.array([[1.0, 0.0]]), np.array([[2.0], [0.0]])))
        >>> K.on_data(np.eye(2)).shape
        (4, 4)
        """
        M, N = self.shape
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != N:
            raise ValueError(f"X must have shape (P, {N}), samples in rows with the network's N = {N} "
                             f"inputs; got {X.shape}")
        P = X.shape[0]
        out = 0.0
        for A, B in zip(self.outer, self.inner):
            G = X @ B @ X.T  # (..., P, P)
            out = out + G[..., :, None, :, None] * A[..., None, :, None, :]
        return out.reshape(*out.shape[:-4], P * M, P * M)

    def inner_product(self, other: "TangentKernel", *, sigma11=None) -> np.ndarray:
        r""":math:`\langle K, K'\rangle / P^2` of the two kernels on data with input covariance ``sigma11``.

        Parameters
        ----------
        other : TangentKernel
            Of the same (M, N); leading axes broadcast.
        sigma11 : array_like, shape (N, N), optional
            :math:`\Sigma_{11} = X^\top X/P`; None means white inputs (Σ11 = I), where this is
            also the inner product of the two :meth:`matrix` forms.

        Returns
        -------
        ndarray, shape (...)
            :math:`\sum_{l,l'}\operatorname{tr}(A_lA'_{l'})\operatorname{tr}(B_l\Sigma_{11}B'_{l'}\Sigma_{11})`.

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> K = tangent.tangent_kernel((np.array([[1.0, 0.0]]), np.array([[2.0], [0.0]])))
        >>> print(K.inner_product(K), np.sum(K.matrix() ** 2))
        42.0 42.0
        """
        if not isinstance(other, TangentKernel) or other.shape != self.shape:
            raise ValueError(f"other must be a TangentKernel acting on {self.shape} matrices; got "
                             f"{getattr(other, 'shape', type(other).__name__)}")
        S = _sigma(sigma11, self.shape[1])
        total = 0.0
        for A, B in zip(self.outer, self.inner):
            BS = B if S is None else B @ S
            for A2, B2 in zip(other.outer, other.inner):
                B2S = B2 if S is None else B2 @ S
                total = total + _tr_prod(A, A2) * np.einsum("...ij,...ji->...", BS, B2S)
        return np.asarray(total)

    def norm(self, *, sigma11=None) -> np.ndarray:
        r""":math:`\lVert K\rVert_F / P` on data with input covariance ``sigma11`` (None: white).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> K = tangent.tangent_kernel((np.eye(2),))  # one layer: the identity on 2 × 2 matrices
        >>> print(K.norm())
        2.0
        """
        return np.sqrt(self.inner_product(self, sigma11=sigma11))

    def distance(self, other: "TangentKernel", *, sigma11=None) -> np.ndarray:
        r"""Kernel distance :math:`1 - \langle K, K'\rangle/(\lVert K\rVert\lVert K'\rVert)`, in [0, 1].

        Parameters
        ----------
        other : TangentKernel
        sigma11 : array_like, shape (N, N), optional
            Input covariance of the data set the kernels are taken on (None: white).

        Returns
        -------
        ndarray, shape (...)
            0 when the kernels are proportional (lazy), up to 1 (rich).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> K0 = tangent.tangent_kernel((0.1 * np.eye(2), 0.1 * np.eye(2)))
        >>> K1 = tangent.tangent_kernel((np.diag([2.0, 0.1]), np.diag([2.0, 0.1])))
        >>> print(K0.distance(K0).round(12), K0.distance(K1).round(4))
        0.0 0.1821
        """
        ab = self.inner_product(other, sigma11=sigma11)
        na, nb = self.norm(sigma11=sigma11), other.norm(sigma11=sigma11)
        # Clip: round-off can take a cosine of proportional kernels a few ulp above 1.
        return np.clip(1.0 - ab / (na * nb), 0.0, 1.0)

    def alignment(self, stats) -> np.ndarray:
        r"""Kernel–task alignment :math:`\langle K, yy^\top\rangle/(\lVert K\rVert\lVert yy^\top\rVert)` on the training set.

        Parameters
        ----------
        stats : Statistics
            Of the training set: :math:`\Sigma_{11}`, :math:`\Sigma_{31}` and
            :math:`\operatorname{tr}\Sigma_{33}` fix every term, since
            :math:`y^\top Ky = P^2\sum_l\operatorname{tr}(A_l\Sigma_{31}B_l\Sigma_{31}^\top)` and
            :math:`\lVert yy^\top\rVert = P\operatorname{tr}\Sigma_{33}`.

        Returns
        -------
        ndarray, shape (...)
            In [0, 1].

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics, tangent
        >>> stats = Statistics(np.eye(2), np.diag([2.0, 0.0]), 4.0)  # the task lives in one direction
        >>> K = tangent.tangent_kernel((np.diag([1.0, 0.01]), np.diag([1.0, 0.01])))
        >>> print(K.alignment(stats).round(4))  # a kernel grown along it
        0.8165
        """
        from ._validation import check_stats

        check_stats(stats)
        if (stats.n_out, stats.n_in) != self.shape:
            raise ValueError(f"stats must be of a task with (M, N) = {self.shape}; got "
                             f"({stats.n_out}, {stats.n_in})")
        S31 = stats.sigma31
        yky = sum(_tr_prod(A @ S31, S31 @ B) for A, B in zip(self.outer, self.inner))
        return np.asarray(yky / (self.norm(sigma11=stats.sigma11) * stats.trace33))

    def eigenvalues(self, *, sigma11=None, k: int | None = None) -> np.ndarray:
        r"""Eigenvalues of :math:`K/P` on data with input covariance ``sigma11``, largest first.

        They are those of :math:`\sum_l A_l\otimes\Sigma_{11}^{1/2}B_l\Sigma_{11}^{1/2}` (M·N of
        them; the other P·M − M·N eigenvalues of K are 0) and equal the nonzero eigenvalues of
        the Gauss–Newton matrix :math:`J^\top J/P` of the loss.

        Parameters
        ----------
        sigma11 : array_like, shape (N, N), optional
            None: white inputs; then a two-layer kernel's eigenvalues are :math:`a_i + b_j`
            (eigenvalues of :math:`W_2W_2^\top` and :math:`W_1^\top W_1`), computed without the
            M·N matrix.
        k : int, optional
            Keep the k largest (default: all M·N).

        Returns
        -------
        ndarray, shape (..., k)

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import tangent
        >>> K = tangent.tangent_kernel((np.diag([1.0, 2.0]), np.diag([3.0, 1.0])))
        >>> print(K.eigenvalues(k=3))  # W2W2ᵀ has 9, 1 and W1ᵀW1 has 1, 4
        [13. 10.  5.]
        """
        M, N = self.shape
        k = M * N if k is None else positive_int(k, "k")
        if k > M * N:
            raise ValueError(f"k must be <= M·N = {M * N}, the number of nonzero eigenvalues; got {k}")
        S = _sigma(sigma11, N)
        if S is None and len(self.outer) == 2 and np.array_equal(self.inner[0], np.broadcast_to(
                np.eye(N), self.inner[0].shape)) and np.array_equal(self.outer[1], np.broadcast_to(
                np.eye(M), self.outer[1].shape)):
            a = np.linalg.eigvalsh(self.outer[0])  # W2W2ᵀ
            b = np.linalg.eigvalsh(self.inner[1])  # W1ᵀW1
            ev = (a[..., :, None] + b[..., None, :]).reshape(*a.shape[:-1], M * N)
        else:
            K = self if S is None else self._whitened(S)
            ev = np.linalg.eigvalsh(K.matrix())
        return np.sort(ev, axis=-1)[..., ::-1][..., :k]

    def _whitened(self, S):
        w, Q = np.linalg.eigh(S)
        R = (Q * np.sqrt(np.clip(w, 0.0, None))) @ Q.T  # Σ11^{1/2}
        return TangentKernel(outer=self.outer, inner=tuple(R @ B @ R for B in self.inner))


def tangent_kernel(weights) -> TangentKernel:
    r"""The tangent kernel of the network ``weights`` (any depth, ensembles too).

    Parameters
    ----------
    weights : tuple of ndarray
        ``(W1, ..., WL)``, shapes (..., n_{l+1}, n_l).

    Returns
    -------
    TangentKernel
        Factors :math:`A_l = W_{>l}W_{>l}^\top` and :math:`B_l = W_{<l}^\top W_{<l}`.

    Examples
    --------
    The empirical kernel :math:`JJ^\top` on data equals :meth:`TangentKernel.on_data`:

    >>> import numpy as np
    >>> from linnet import network, tangent
    >>> w = network.init_gaussian((3, 4, 2), 0.5, rng=np.random.default_rng(0))
    >>> K = tangent.tangent_kernel(w)
    >>> K.shape, K.on_data(np.eye(3)).shape, len(K.outer)
    ((2, 3), (6, 6), 2)
    """
    ws = layer_arrays(weights, fix="tangent kernels of diverged weights are not defined")
    L = len(ws)
    lead = ws[0].shape[:-2]
    N, M = ws[0].shape[-1], ws[-1].shape[-2]
    below = [np.broadcast_to(np.eye(N), (*lead, N, N))]  # W_{<l}: (n_l, N)
    for W in ws[:-1]:
        below.append(W @ below[-1])
    over = [None] * L  # W_{>l}: (M, n_{l+1})
    over[-1] = np.broadcast_to(np.eye(M), (*lead, M, M))
    for l in range(L - 2, -1, -1):
        over[l] = over[l + 1] @ ws[l + 1]
    return TangentKernel(outer=tuple(O @ _swap(O) for O in over),
                         inner=tuple(_swap(Bl) @ Bl for Bl in below))


def tangent_kernel_distance(weights_0, weights_t, *, sigma11=None) -> np.ndarray:
    r"""Kernel distance :math:`1 - \langle K_0, K_t\rangle/(\lVert K_0\rVert\lVert K_t\rVert)` between two networks.

    Parameters
    ----------
    weights_0, weights_t : tuple of ndarray
        Two networks of the same widths; leading axes broadcast (e.g. an ensemble at init and
        the same ensemble later).
    sigma11 : array_like, shape (N, N), optional
        Input covariance of the data set (None: white inputs).

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import network, tangent
    >>> w = network.init_gaussian((3, 4, 2), 0.5, rng=np.random.default_rng(0))
    >>> print(tangent.tangent_kernel_distance(w, tuple(3.0 * W for W in w)).round(12))  # rescaled
    0.0
    """
    return tangent_kernel(weights_0).distance(tangent_kernel(weights_t), sigma11=sigma11)


def tangent_kernel_alignment(weights, stats) -> np.ndarray:
    r"""Kernel–task alignment :math:`\langle K, yy^\top\rangle/(\lVert K\rVert\lVert yy^\top\rVert)` of a network on a task.

    Parameters
    ----------
    weights : tuple of ndarray
        ``(W1, ..., WL)``, shapes (..., n_{l+1}, n_l).
    stats : Statistics
        The training set's statistics (see :meth:`TangentKernel.alignment`).

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, tangent
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 0.0]), 4.0)
    >>> print(tangent.tangent_kernel_alignment((np.eye(2), np.eye(2)), stats).round(4))
    0.5
    """
    return tangent_kernel(weights).alignment(stats)


def exact_tangent_kernel(solution, t) -> TangentKernel:
    r"""The tangent kernel along an exact two-layer solution, in closed form at the times ``t``.

    A two-layer kernel needs only :math:`A_1 = W_2W_2^\top` and :math:`B_2 = W_1^\top W_1`,
    the diagonal blocks of :math:`QQ^\top(t)`, which the exact solutions give
    (docs/theory.md#the-tangent-kernel): :math:`\mathcal K_t(D) = W_2W_2^\top(t)\,D + D\,W_1^\top W_1(t)`.

    Parameters
    ----------
    solution : ZeroBalancedSolution, LambdaBalancedSolution or RectangularLambdaBalancedSolution
        Anything with a ``blocks(t)`` method (:class:`linnet.theory.QQtBlocks`).
    t : array_like, shape (T,)
        Times ≥ 0 (τ = 1).

    Returns
    -------
    TangentKernel
        Leading axis T.

    Examples
    --------
    Kernel distance from t = 0 along a small-init (rich) solution:

    >>> import numpy as np
    >>> from linnet import Statistics, tangent, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> sol = theory.ZeroBalancedSolution.from_weights((0.1 * np.eye(2), 0.1 * np.eye(2)), stats)
    >>> K = tangent.exact_tangent_kernel(sol, [0.0, 1.0, 40.0])
    >>> print(K.distance(tangent.exact_tangent_kernel(sol, [0.0])).round(4))
    [0.     0.1094 0.0267]
    """
    if not hasattr(solution, "blocks"):
        raise ValueError("solution must be an exact solution of linnet.theory (with blocks(t)); got "
                         f"{type(solution).__name__}")
    b = solution.blocks(t)
    T, M, N = b.product.shape
    # Layer 1: (W2W2ᵀ, I); layer 2: (I, W1ᵀW1), the order tangent_kernel gives.
    return TangentKernel(outer=(b.output_gram, np.broadcast_to(np.eye(M), (T, M, M))),
                         inner=(np.broadcast_to(np.eye(N), (T, N, N)), b.input_gram))


def aligned_tangent_kernel(t, s, u0, *, lam) -> TangentKernel:
    r"""The tangent kernel of a square two-layer network whose modes are aligned and λ-balanced, in the task's mode basis.

    Each mode i has layer strengths :math:`a_i` (first), :math:`b_i` (second) with
    :math:`b_i^2 - a_i^2 = \lambda` and :math:`u_i = a_ib_i` following
    :func:`linnet.theory.lambda_balanced_mode_strength`, so
    :math:`a_i^2 = (\sqrt{\lambda^2 + 4u_i^2} - \lambda)/2` and
    :math:`b_i^2 = (\sqrt{\lambda^2 + 4u_i^2} + \lambda)/2`, and the kernel has the diagonal
    factors :math:`W_2W_2^\top = \mathrm{diag}(b^2)`, :math:`W_1^\top W_1 = \mathrm{diag}(a^2)`
    (eigenvalues :math:`b_i^2 + a_j^2`).

    Limits (docs/theory.md#the-tangent-kernel): |λ| → ∞ at fixed u: the larger layer's
    :math:`|\lambda|` dominates every eigenvalue and the rest moves by :math:`O(u^2/|\lambda|)`, a
    relative change :math:`O(u^2/\lambda^2)`; 1 − cos is quadratic in it, so the kernel distance
    vanishes like :math:`\lambda^{-4}` (lazy); λ = 0 and u0 → 0: the kernel
    starts at ~0·I and ends at :math:`\mathrm{diag}(s)\otimes I + I\otimes\mathrm{diag}(s)`
    (rich), the largest distance the task allows.

    Parameters
    ----------
    t : array_like, shape (T,)
        Times ≥ 0 (τ = 1).
    s : array_like, shape (m,)
        The task's singular values (> 0).
    u0 : array_like, shape (m,) or scalar
        Initial mode strengths (> 0 when λ = 0).
    lam : float
        λ.

    Returns
    -------
    TangentKernel
        Leading axis T, acting on (m, m) matrices in the modes' basis.

    Examples
    --------
    The kernel distance from t = 0 to late times shrinks as |λ| grows:

    >>> import numpy as np
    >>> from linnet import tangent
    >>> for lam in (0.0, 1.0, 10.0):
    ...     K = tangent.aligned_tangent_kernel([0.0, 50.0], [3.0, 1.0], 0.01, lam=lam)
    ...     print(lam, K.distance(tangent.aligned_tangent_kernel([0.0], [3.0, 1.0], 0.01, lam=lam))[1].round(5))
    0.0 0.05719
    1.0 0.04952
    10.0 0.00112
    """
    from .theory import lambda_balanced_mode_strength

    s = np.atleast_1d(as_float_array(s, "s", ndim=(0, 1)))
    lam = float(as_float_array(lam, "lam", ndim=0))
    t = np.atleast_1d(as_float_array(t, "t", ndim=(0, 1)))
    u = lambda_balanced_mode_strength(t[:, None], s[None, :], u0, lam=lam)  # (T, m)
    root = np.sqrt(lam**2 + 4.0 * u**2)
    # Each layer's square in the cancellation-free form (as theory.exact's _layer_spectra).
    big = 0.5 * (root + abs(lam))
    small = u**2 / big
    a2, b2 = (small, big) if lam >= 0 else (big, small)
    m = s.size
    eye = np.broadcast_to(np.eye(m), (t.size, m, m))
    diag = np.eye(m)[None] * 1.0
    return TangentKernel(outer=(diag * b2[:, None, :], eye), inner=(eye, diag * a2[:, None, :]))
