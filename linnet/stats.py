r"""Input-output statistics of a regression task, their SVD modes and closed-form optima.

Everything a full-batch linear network "sees" of a data set is in three numbers and two
matrices, computed once from the samples (DESIGN.md, Conventions; docs/theory.md#conventions):

.. math::

    \Sigma_{11} = X^\top X / P, \qquad \Sigma_{31} = Y^\top X / P, \qquad
    \operatorname{Tr}\Sigma_{33} = \lVert Y \rVert_F^2 / P,

with the rows of ``X`` (P, N) and ``Y`` (P, M) the samples. The loss of an end-to-end map
``W`` (M, N) is then

.. math::

    \mathcal L(W) = \tfrac12 \operatorname{Tr}\Sigma_{33} - \operatorname{Tr}(W^\top\Sigma_{31})
                  + \tfrac12 \operatorname{Tr}(W \Sigma_{11} W^\top)
                  = \mathcal L_\star + \tfrac12 \operatorname{Tr}\big((W - W_\star)\Sigma_{11}(W - W_\star)^\top\big),

where :math:`W_\star = \Sigma_{31}\Sigma_{11}^{+}` is the least-squares optimum and
:math:`\mathcal L_\star` its loss. linnet evaluates the second form: it has no cancellation
near the optimum, so losses stay accurate down to round-off of the data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from ._validation import DATA_FIX, as_float_array, check_samples, nonnegative_float, nonnegative_int, positive_int

__all__ = ["Modes", "Statistics"]


@dataclass(frozen=True)
class Modes:
    r"""SVD modes of the whitened correlation :math:`\Sigma_{31}\Sigma_{11}^{-1/2} = U S V^\top`.

    Attributes
    ----------
    U : ndarray, shape (M, r)
        Output singular vectors :math:`u_\alpha` (columns).
    s : ndarray, shape (r,)
        Singular values :math:`s_1 \ge s_2 \ge \dots \ge s_r \ge 0`.
    V : ndarray, shape (N, r)
        Input singular vectors :math:`v_\alpha` in whitened input coordinates.
    input_map : ndarray, shape (N, r)
        :math:`\Sigma_{11}^{1/2} V`: the strength of mode :math:`\alpha` in an end-to-end map
        ``W`` is :math:`u_\alpha^\top W \Sigma_{11}^{1/2} v_\alpha` = ``(U.T @ W @ input_map)[a, a]``.
        Equal to ``V`` when the inputs are whitened.

    Examples
    --------
    The modes of a teacher task are the teacher's SVD; keeping the first k of them is the best
    rank-k approximation, off by the discarded singular values (Eckart-Young):

    >>> from linnet.data import teacher_task
    >>> from linnet.stats import Statistics
    >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))  # s = 4, 2, 1
    >>> modes = Statistics.from_data(task.X, task.Y).modes
    >>> modes.rank, modes.U.shape, modes.V.shape
    (3, (3, 3), (4, 3))
    >>> np.round(modes.s, 6)
    array([4., 2., 1.])
    >>> print(f"{np.linalg.norm(task.teacher - modes.reconstruct(1)):.6f} {np.sqrt(2**2 + 1):.6f}")
    2.236068 2.236068
    """

    U: np.ndarray
    s: np.ndarray
    V: np.ndarray
    input_map: np.ndarray

    @property
    def rank(self) -> int:
        """Number of modes r = min(M, N) (some may have s = 0)."""
        return int(self.s.shape[0])

    def reconstruct(self, rank: int | None = None) -> np.ndarray:
        r"""Return :math:`\sum_{\alpha \le k} s_\alpha u_\alpha v_\alpha^\top`, shape (M, N).

        ``rank`` k: the number of leading modes kept (default: all r). With whitened inputs
        this is the rank-k optimum; otherwise it is in whitened input coordinates.

        Examples
        --------
        >>> from linnet.data import teacher_task
        >>> from linnet.stats import Statistics
        >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))  # s = 4, 2, 1
        >>> modes = Statistics.from_data(task.X, task.Y).modes
        >>> np.allclose(modes.reconstruct(), task.teacher)
        True
        >>> np.round(np.linalg.svd(modes.reconstruct(2), compute_uv=False), 6)
        array([4., 2., 0.])
        """
        k = self.rank if rank is None else rank
        return (self.U[:, :k] * self.s[:k]) @ self.V[:, :k].T


def _check_no_overflow(X, Y, sigma11, sigma31, trace33) -> None:
    """Raise naming the data when its finite samples overflowed in the statistics."""
    for name, value in (("X.T @ X / P", sigma11), ("Y.T @ X / P", sigma31), ("|Y|^2 / P", trace33)):
        if not np.all(np.isfinite(value)):
            big = max(float(np.abs(X).max()), float(np.abs(Y).max()))
            raise ValueError(
                f"{name} overflowed: X and Y are finite but their products exceed the float64 range "
                f"(largest |entry| {big:.3g}); rescale X and Y, e.g. divide each by its largest "
                "absolute value"
            )


@dataclass(frozen=True, eq=False)
class Statistics:
    r"""Second-order statistics of a regression data set (docs/theory.md#conventions).

    Build with :meth:`from_data`; construct directly only for analytic statistics (for example
    ``Statistics(np.eye(N), teacher, trace33)`` for a noiseless teacher on whitened inputs).

    Parameters
    ----------
    sigma11 : ndarray, shape (N, N)
        Input correlation :math:`X^\top X / P` (symmetric, positive semi-definite).
    sigma31 : ndarray, shape (M, N)
        Input-output correlation :math:`Y^\top X / P`.
    trace33 : float
        :math:`\operatorname{Tr}\Sigma_{33} = \lVert Y\rVert_F^2 / P`.
    n_samples : int, optional
        P, the number of samples the statistics came from (0 when analytic).
    residual_loss : float, optional
        :math:`\mathcal L_\star` measured on the samples; when omitted it is computed from the
        statistics as :math:`\tfrac12(\operatorname{Tr}\Sigma_{33} - \lVert\Sigma_{31}\Sigma_{11}^{-1/2}\rVert_F^2)`.

    Notes
    -----
    A singular :math:`\Sigma_{11}` (fewer samples than inputs, constant pixels) is handled by
    the pseudo-inverse: optima are the minimum-norm solutions, as ``scipy.linalg.lstsq``
    returns. Eigenvalues below ``rcond * max eigenvalue`` count as zero.

    Examples
    --------
    Analytic statistics of a noiseless teacher on whitened inputs, so
    :math:`\operatorname{Tr}\Sigma_{33} = \lVert\bar W\rVert_F^2 = 5`:

    >>> from linnet.stats import Statistics
    >>> teacher = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> stats = Statistics(np.eye(3), teacher, trace33=5.0)
    >>> stats.n_in, stats.n_out, stats.is_white, stats.is_singular
    (3, 2, True, False)
    >>> stats.modes.s
    array([2., 1.])
    >>> print(f"{stats.min_loss():.6f}")  # a noiseless teacher can be fitted exactly
    0.000000

    Fewer samples than inputs make :math:`\Sigma_{11}` singular; the optimum is then the
    minimum-norm one and still fits the samples:

    >>> X = np.random.default_rng(0).standard_normal((3, 5))
    >>> stats = Statistics.from_data(X, X[:, :2])
    >>> stats.is_singular, stats.n_samples
    (True, 3)
    >>> np.allclose(X @ stats.optimum().T, X[:, :2])
    True
    """

    sigma11: np.ndarray
    sigma31: np.ndarray
    trace33: float
    n_samples: int = 0
    residual_loss: float | None = None
    rcond: float = field(default=1e-10, repr=False)

    def __post_init__(self):
        s11 = as_float_array(self.sigma11, "sigma11", ndim=2, fix=DATA_FIX)
        s31 = as_float_array(self.sigma31, "sigma31", ndim=2, fix=DATA_FIX)
        n = s11.shape[0]
        if s11.shape != (n, n):
            raise ValueError(f"sigma11 must be square (N, N); got shape {s11.shape}")
        if s31.shape[1] != n:
            raise ValueError(
                f"sigma31 must have shape (M, {n}) to match sigma11 of shape {s11.shape}; "
                f"got {s31.shape}"
            )
        if not np.allclose(s11, s11.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(s11).max())):
            raise ValueError("sigma11 must be symmetric; pass X.T @ X / P or symmetrise it")
        object.__setattr__(self, "sigma11", s11)
        object.__setattr__(self, "sigma31", s31)
        t33 = self.trace33.item() if isinstance(self.trace33, np.ndarray) and self.trace33.ndim == 0 \
            else self.trace33
        object.__setattr__(self, "trace33", nonnegative_float(t33, "trace33"))
        object.__setattr__(self, "n_samples", nonnegative_int(self.n_samples, "n_samples"))
        lam = self._eig[0]
        if lam.min() < -1e-8 * max(lam.max(), 1e-300):
            raise ValueError(
                f"sigma11 must be positive semi-definite; its smallest eigenvalue is {lam.min():.3g}"
            )
        null = self._eig[1][:, ~self._keep]
        if null.size and np.linalg.norm(s31 @ null) > self._null_tolerance(null.shape[1]):
            raise ValueError(
                "sigma31 has a component along a null direction of sigma11, so the loss is "
                "unbounded below: statistics from data never do this; compute both from the same X"
            )

    def _null_tolerance(self, n_null: int) -> float:
        r"""Largest :math:`\lVert\Sigma_{31} Q_0\rVert_F` that data can give on the cut directions :math:`Q_0`.

        For a unit vector q with :math:`\Sigma_{11} q = \lambda q`, Cauchy-Schwarz on
        :math:`\Sigma_{31} q = Y^\top (Xq)/P` gives
        :math:`\lVert\Sigma_{31} q\rVert^2 \le (\lVert Y\rVert_F^2/P)(\lVert Xq\rVert^2/P)
        = \operatorname{Tr}\Sigma_{33}\,\lambda`. Every cut direction has
        :math:`\lambda \le` ``rcond`` · λ_max, so on the k cut directions data give at most
        :math:`\sqrt{k\,\operatorname{Tr}\Sigma_{33}\,\mathrm{rcond}\,\lambda_{\max}}`: the same
        relative cut as the pseudo-inverse, so nearly collinear columns pass. The second term is
        the round-off of the product :math:`\Sigma_{31} Q_0` itself (N terms per entry, each
        rounded to ε relative), which is all that exactly analytic statistics leave there.
        """
        lam_max = max(float(self._eig[0].max()), 0.0)
        data = np.sqrt(n_null * self.trace33 * self.rcond * lam_max)
        roundoff = self.n_in * np.finfo(np.float64).eps * np.sqrt(n_null) * np.linalg.norm(self.sigma31)
        return float(data + roundoff)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_data(cls, X, Y) -> "Statistics":
        r"""Statistics of samples ``X`` (P, N) and targets ``Y`` (P, M), in one pass.

        The least-squares residual :math:`\mathcal L_\star = \lVert Y - X W_\star^\top\rVert^2/2P`
        is measured on the samples, so the loss of a converged network is accurate even when it
        is near zero (a noiseless teacher). A 1-D ``Y`` (P,) counts as one output (P, 1).

        Examples
        --------
        With label noise of std σ on M outputs, the residual is about
        :math:`\tfrac12 M\sigma^2 (1 - N/P)` (here 0.0147):

        >>> from linnet.data import teacher_task
        >>> from linnet.stats import Statistics
        >>> task = teacher_task(4, 3, 200, rng=np.random.default_rng(0), noise=0.1)
        >>> stats = Statistics.from_data(task.X, task.Y)
        >>> stats.n_samples, stats.is_white, stats.sigma31.shape
        (200, True, (3, 4))
        >>> print(f"{stats.residual_loss:.4f}")
        0.0144
        """
        for name, value in (("X", X), ("Y", Y)):
            if np.iscomplexobj(value):
                raise TypeError(
                    f"{name} must be real; got complex values (dtype {np.asarray(value).dtype}). "
                    f"linnet's losses and statistics are for real data: pass {name}.real, or "
                    "stack the real and imaginary parts as separate columns"
                )
        X, Y = check_samples(X, Y, y_ndim=(1, 2))
        if Y.ndim == 1:
            Y = Y[:, None]
        P = X.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            # Finite data can still overflow here (entries beyond ~1e154 square past float64's
            # range): check and say so, rather than report NaN in data that has none.
            s11, s31, t33 = X.T @ X / P, Y.T @ X / P, float(np.sum(Y * Y)) / P
        _check_no_overflow(X, Y, s11, s31, t33)
        stats = cls(s11, s31, t33, n_samples=P)
        residual = Y - X @ stats.optimum().T
        object.__setattr__(stats, "residual_loss", float(np.sum(residual * residual)) / (2 * P))
        return stats

    # ------------------------------------------------------------------ shapes
    @property
    def n_in(self) -> int:
        """N, the input dimension."""
        return self.sigma11.shape[0]

    @property
    def n_out(self) -> int:
        """M, the output dimension."""
        return self.sigma31.shape[0]

    @functools.cached_property
    def is_white(self) -> bool:
        """True when :math:`\\Sigma_{11} = I` to 1e-12 (whitened inputs)."""
        return bool(np.allclose(self.sigma11, np.eye(self.n_in), rtol=0, atol=1e-12))

    # ------------------------------------------------------------------ linear algebra
    @functools.cached_property
    def _eig(self):
        lam, Q = np.linalg.eigh(self.sigma11)
        return lam, Q

    @functools.cached_property
    def _keep(self) -> np.ndarray:
        lam = self._eig[0]
        return lam > self.rcond * max(lam.max(), 0.0)

    @functools.cached_property
    def is_singular(self) -> bool:
        """True when :math:`\\Sigma_{11}` has eigenvalues below ``rcond`` times the largest."""
        return bool(not self._keep.all())

    def _sigma11_power(self, power: float) -> np.ndarray:
        lam, Q = self._eig
        Qk, lk = Q[:, self._keep], lam[self._keep]
        return (Qk * lk**power) @ Qk.T

    @functools.cached_property
    def modes(self) -> Modes:
        r"""SVD modes of :math:`\Sigma_{31}\Sigma_{11}^{+1/2}` (:class:`Modes`); r = min(M, N)."""
        if self.is_white:
            M, root = self.sigma31, np.eye(self.n_in)
        else:
            M, root = self.sigma31 @ self._sigma11_power(-0.5), self._sigma11_power(0.5)
        U, s, Vt = scipy.linalg.svd(M, full_matrices=False)
        for a in (U, s, Vt):
            a.setflags(write=False)
        return Modes(U=U, s=s, V=Vt.T, input_map=root @ Vt.T)

    # ------------------------------------------------------------------ optima
    def _check_rank(self, rank):
        r = min(self.n_in, self.n_out)
        if rank is None:
            return None
        rank = positive_int(rank, "rank")
        if rank > r:
            raise ValueError(
                f"rank must be at most min(N, M) = {r}; got {rank}. Pass rank=None for the "
                "unconstrained optimum"
            )
        return rank

    def optimum(self, rank: int | None = None) -> np.ndarray:
        r"""The least-squares end-to-end map, optionally of rank at most ``rank``.

        Parameters
        ----------
        rank : int, optional
            Bottleneck width k (a hidden layer of k units). ``None``: unconstrained.

        Returns
        -------
        W_star : ndarray, shape (M, N)

        Notes
        -----
        Unconstrained: :math:`W_\star = \Sigma_{31}\Sigma_{11}^{-1}`, solved with
        ``scipy.linalg.solve`` (minimum-norm ``lstsq`` when :math:`\Sigma_{11}` is singular).
        Rank k (reduced-rank regression, docs/theory.md#optima):
        :math:`W_k = [\Sigma_{31}\Sigma_{11}^{-1/2}]_k\,\Sigma_{11}^{-1/2}`, the truncated SVD
        of the whitened correlation mapped back; with whitened inputs this is Eckart-Young.

        References
        ----------
        Baldi & Hornik (1989), Neural Networks 2:53-58. Saxe et al. (2014), eq. (7).

        Examples
        --------
        A noiseless teacher is its own optimum; a bottleneck of one unit keeps its top mode:

        >>> from linnet.data import teacher_task
        >>> from linnet.stats import Statistics
        >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))  # s = 4, 2, 1
        >>> stats = Statistics.from_data(task.X, task.Y)
        >>> np.allclose(stats.optimum(), task.teacher)
        True
        >>> np.round(np.linalg.svd(stats.optimum(rank=1), compute_uv=False), 6)
        array([4., 0., 0.])
        """
        rank = self._check_rank(rank)
        if rank is None or rank >= min(self.n_in, self.n_out):
            return self.ols.copy()
        W = self.modes.reconstruct(rank)
        return W if self.is_white else W @ self._sigma11_power(-0.5)

    @functools.cached_property
    def ols(self) -> np.ndarray:
        r"""The least-squares map :math:`W_\star = \Sigma_{31}\Sigma_{11}^{-1}`, shape (M, N),
        read-only (:meth:`optimum` returns a writable copy, or the rank-constrained optimum).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics
        >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
        >>> stats = Statistics.from_data(X, X @ np.array([[2.0], [3.0]]))
        >>> stats.ols.round(6).tolist()
        [[2.0, 3.0]]
        """
        if self.is_white:
            W = self.sigma31.copy()
        elif not self.is_singular:
            W = scipy.linalg.solve(self.sigma11, self.sigma31.T, assume_a="pos").T
        else:
            W = scipy.linalg.lstsq(self.sigma11, self.sigma31.T, cond=self.rcond)[0].T
        W.setflags(write=False)
        return W

    def min_loss(self, rank: int | None = None) -> float:
        r"""Smallest loss reachable by an end-to-end map of rank at most ``rank``.

        :math:`\mathcal L_k = \mathcal L_\star + \tfrac12\sum_{\alpha > k} s_\alpha^2`, with
        :math:`\mathcal L_\star` the least-squares residual (docs/theory.md#optima).

        Examples
        --------
        For a noiseless teacher with s = 4, 2, 1, a bottleneck of k units leaves
        :math:`\tfrac12\sum_{\alpha>k} s_\alpha^2` unexplained:

        >>> from linnet.data import teacher_task
        >>> from linnet.stats import Statistics
        >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
        >>> stats = Statistics.from_data(task.X, task.Y)
        >>> print(", ".join(f"{stats.min_loss(k):.6f}" for k in (1, 2, None)))
        2.500000, 0.500000, 0.000000
        """
        rank = self._check_rank(rank)
        s = self.modes.s
        tail = 0.0 if rank is None else 0.5 * float(np.sum(s[rank:] ** 2))
        return self.residual + tail

    @functools.cached_property
    def residual(self) -> float:
        r"""The least-squares residual :math:`\mathcal L_\star`, the loss at :attr:`ols`
        (equal to ``min_loss()``).

        Examples
        --------
        >>> import numpy as np
        >>> from linnet import Statistics
        >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
        >>> Y = X @ np.array([[2.0], [3.0]]) + np.array([[0.5], [0.0], [0.5], [0.0]])
        >>> round(Statistics.from_data(X, Y).residual, 6)
        0.0625
        """
        if self.residual_loss is not None:
            return float(self.residual_loss)
        return max(0.0, 0.5 * (self.trace33 - float(np.sum(self.modes.s**2))))

    def loss(self, W) -> np.ndarray:
        r"""Loss of end-to-end map(s) ``W`` (..., M, N): :math:`\mathcal L_\star + \tfrac12\operatorname{Tr}(D\Sigma_{11}D^\top)`, D = W − W⋆.

        Returns shape (...), one loss per map.

        Examples
        --------
        The zero map of a noiseless teacher task loses :math:`\tfrac12\operatorname{Tr}\Sigma_{33}
        = \tfrac12(4^2 + 2^2 + 1^2)`:

        >>> from linnet.data import teacher_task
        >>> from linnet.stats import Statistics
        >>> task = teacher_task(4, 3, 50, rng=np.random.default_rng(0))
        >>> stats = Statistics.from_data(task.X, task.Y)
        >>> print(f"{stats.loss(np.zeros((3, 4))):.6f}")
        10.500000
        >>> np.round(stats.loss(np.stack([np.zeros((3, 4)), stats.optimum()])), 6)
        array([10.5,  0. ])
        """
        W = np.asarray(W, dtype=np.float64)
        if W.shape[-2:] != (self.n_out, self.n_in):
            raise ValueError(
                f"W must have shape (..., {self.n_out}, {self.n_in}) to match the statistics; "
                f"got {W.shape}"
            )
        D = W - self.ols
        G = D if self.is_white else D @ self.sigma11
        return self.residual + 0.5 * np.sum(D * G, axis=(-2, -1))
