r"""PCA whitening fit on a training set, with the 1/P convention that makes Σ11 = I exactly.

A :class:`Whitener` stores the training mean :math:`m` and a transform :math:`T` (D, k) so that

.. math:: z = T^\top (x - m), \qquad \frac1P \sum_{\mu\in\text{train}} z^\mu z^{\mu\top} = I_k

to round-off. It is fit on the training set only: test images go through the same :math:`m`
and :math:`T` and are *not* exactly white (docs/theory.md#other-conventions: whitening is exact only on the set
it was computed on). Because the transform is stored, a direction :math:`v` in whitened
coordinates (a singular vector of :math:`\Sigma_{31}`) maps back to pixels in two ways:

- :meth:`Whitener.pattern`: the pixel image :math:`T^{+\top} v` whose whitened coordinates
  are :math:`v` (what the mode "looks like": for :math:`v_\alpha \propto \Sigma_{13} u_\alpha`
  it is the class-mean contrast :math:`E[(x-m)\,u_\alpha^\top y]` restricted to the top k
  principal components);
- :meth:`Whitener.filter`: the pixel weights :math:`T v` that the network applies to
  :math:`x - m` (:math:`v^\top z = (T v)^\top (x - m)`), which up-weights low-variance
  components.

Convention
----------
Variances are divided by P (the number of training samples), never P − 1, matching linnet's
:math:`\Sigma_{11} = X^\top X / P` (DESIGN.md). ``sklearn.decomposition.PCA(whiten=True)``
divides by P − 1 and gives :math:`\Sigma_{11} = \tfrac{P-1}{P} I` instead (docs/theory.md#other-conventions).
Each principal axis (a row of ``components``) has its entry of largest magnitude positive.
An eigen-solver returns each eigenvector up to sign, and which sign depends on the solver and
its build; fixing it makes the whitened coordinates, hence every table and replay built on
them, the same on every machine (the whitened coordinates of component j flip with its sign).
After the eigen-decomposition of the covariance a second, k × k correction
:math:`T \leftarrow T\,S^{-1/2}` with :math:`S = T^\top C T` removes the round-off of the
eigen-solver, so Σ11 equals I to the round-off of the products themselves (about 1e-13 at P = 60,000)
rather than to eps times the condition number of the covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import threadpoolctl

from .._validation import DATA_FIX, as_float_array, positive_int

__all__ = ["Whitener", "fit_whitening", "targets"]


@dataclass(frozen=True, eq=False)
class Whitener:
    """PCA whitening fit on a training set (build it with :func:`fit_whitening`).

    Attributes
    ----------
    mean : ndarray, shape (D,)
        Training mean :math:`m` of the raw inputs (pixels).
    components : ndarray, shape (k, D)
        Principal axes (orthonormal rows), in order of decreasing variance.
    variances : ndarray, shape (k,)
        Their variances on the training set (1/P convention).
    transform_matrix : ndarray, shape (D, k)
        :math:`T`, with :math:`z = T^\\top (x - m)`.
    inverse_matrix : ndarray, shape (k, D)
        :math:`T^+`, with :math:`x - m \\approx z\\,T^+` inside the span of the components.
    n_samples : int
        P, the number of training samples it was fit on.
    n_nondegenerate : int
        Number of principal components of the training set with non-zero variance (the
        largest k that :func:`fit_whitening` accepts).

    Examples
    --------
    >>> from linnet.data import fit_whitening
    >>> scales = [3.0, 2.0, 1.0, 0.5, 0.1, 0.01]  # six "pixels" of decreasing variance
    >>> X = 1.0 + np.random.default_rng(0).standard_normal((200, 6)) * scales
    >>> whitener = fit_whitening(X, 3)
    >>> whitener.n_samples, whitener.n_features, whitener.n_components, whitener.n_nondegenerate
    (200, 6, 3, 6)
    >>> whitener.components.shape, whitener.transform_matrix.shape
    ((3, 6), (6, 3))
    >>> np.round(whitener.variances, 3)  # about 3², 2², 1²
    array([8.055, 3.58 , 1.022])
    """

    mean: np.ndarray
    components: np.ndarray
    variances: np.ndarray
    transform_matrix: np.ndarray
    inverse_matrix: np.ndarray
    n_samples: int
    n_nondegenerate: int

    @property
    def n_components(self) -> int:
        """k, the whitened dimension."""
        return int(self.components.shape[0])

    @property
    def n_features(self) -> int:
        """D, the raw input dimension (784 for MNIST)."""
        return int(self.mean.shape[0])

    def _rows(self, X, name) -> np.ndarray:
        X = as_float_array(X, name, ndim=(1, 2), fix=DATA_FIX)
        if X.shape[-1] != self.n_features:
            raise ValueError(
                f"{name} must have {self.n_features} columns (features) like the training set "
                f"the whitener was fit on; got shape {X.shape}. Flatten images to (P, "
                f"{self.n_features})"
            )
        return X

    def _directions(self, V) -> np.ndarray:
        """Check whitened directions ``V`` (k,) or (k, r), one per column."""
        V = as_float_array(V, "V", ndim=(1, 2))
        if V.shape[0] != self.n_components:
            raise ValueError(
                f"V must have {self.n_components} rows (whitened components; one direction per "
                f"column); got shape {V.shape}"
            )
        return V

    def transform(self, X) -> np.ndarray:
        r"""Whitened coordinates :math:`z = T^\top (x - m)` of rows ``X`` (P, D) → (P, k).

        Examples
        --------
        On the training set the coordinates are centred and white to round-off:

        >>> from linnet.data import fit_whitening
        >>> scales = [3.0, 2.0, 1.0, 0.5, 0.1, 0.01]  # six "pixels" of decreasing variance
        >>> X = 1.0 + np.random.default_rng(0).standard_normal((200, 6)) * scales
        >>> whitener = fit_whitening(X, 3)
        >>> Z = whitener.transform(X)
        >>> Z.shape
        (200, 3)
        >>> np.allclose(Z.T @ Z / 200, np.eye(3), rtol=0, atol=1e-12)
        True
        >>> np.allclose(Z.mean(axis=0), 0)
        True
        """
        X = self._rows(X, "X")
        return (X - self.mean) @ self.transform_matrix

    def inverse_transform(self, Z) -> np.ndarray:
        r"""Pixels :math:`m + T^{+\top} z` of whitened rows ``Z`` (P, k) → (P, D).

        Exact inverse of :meth:`transform` on the span of the k components; the rest of the
        image (the discarded low-variance components) is lost.

        Examples
        --------
        >>> from linnet.data import fit_whitening
        >>> scales = [3.0, 2.0, 1.0, 0.5, 0.1, 0.01]  # six "pixels" of decreasing variance
        >>> X = 1.0 + np.random.default_rng(0).standard_normal((200, 6)) * scales
        >>> whitener = fit_whitening(X, 3)
        >>> Z = whitener.transform(X)
        >>> np.allclose(whitener.transform(whitener.inverse_transform(Z)), Z)
        True

        With every component kept, the images come back whole:

        >>> full = fit_whitening(X, 6)
        >>> np.allclose(full.inverse_transform(full.transform(X)), X)
        True
        """
        Z = as_float_array(Z, "Z", ndim=(1, 2), fix=DATA_FIX)
        if Z.shape[-1] != self.n_components:
            raise ValueError(
                f"Z must have {self.n_components} columns (whitened components); got shape {Z.shape}"
            )
        return self.mean + Z @ self.inverse_matrix

    def pattern(self, V) -> np.ndarray:
        r"""Pixel image of whitened directions: columns of ``V`` (k, r) → rows (r, D).

        :math:`T^{+\top} v`: the image (relative to the mean) whose whitened coordinates are
        :math:`v`. For a singular vector :math:`v_\alpha` of :math:`\Sigma_{31}` this is the
        input pattern that drives mode α. Reshape rows to (28, 28) to look at them.

        Examples
        --------
        The patterns of the first two whitened axes, as offsets from the mean image, have
        exactly those whitened coordinates:

        >>> from linnet.data import fit_whitening
        >>> scales = [3.0, 2.0, 1.0, 0.5, 0.1, 0.01]  # six "pixels" of decreasing variance
        >>> X = 1.0 + np.random.default_rng(0).standard_normal((200, 6)) * scales
        >>> whitener = fit_whitening(X, 3)
        >>> V = np.eye(3)[:, :2]
        >>> patterns = whitener.pattern(V)
        >>> patterns.shape
        (2, 6)
        >>> np.allclose(whitener.transform(whitener.mean + patterns), V.T)
        True
        """
        return (self.inverse_matrix.T @ self._directions(V)).T

    def filter(self, V) -> np.ndarray:
        r"""Pixel weights of whitened directions: columns of ``V`` (k, r) → rows (r, D).

        :math:`T v`: the weights the network applies to :math:`x - m`, since
        :math:`v^\top z = (T v)^\top (x - m)`.

        Examples
        --------
        Applying the filters to centred pixels gives the whitened coordinates along ``V``:

        >>> from linnet.data import fit_whitening
        >>> scales = [3.0, 2.0, 1.0, 0.5, 0.1, 0.01]  # six "pixels" of decreasing variance
        >>> X = 1.0 + np.random.default_rng(0).standard_normal((200, 6)) * scales
        >>> whitener = fit_whitening(X, 3)
        >>> V = np.eye(3)[:, :2]
        >>> filters = whitener.filter(V)
        >>> filters.shape
        (2, 6)
        >>> np.allclose((X - whitener.mean) @ filters.T, whitener.transform(X) @ V)
        True
        """
        return (self.transform_matrix @ self._directions(V)).T


def fit_whitening(X, n_components: int, *, rtol: float = 1e-9) -> Whitener:
    r"""Fit PCA whitening to the top ``n_components`` principal components of training rows ``X``.

    Parameters
    ----------
    X : array_like, shape (P, D)
        Training inputs, rows are samples (uint8 pixels are fine: they are converted to
        float64 once).
    n_components : int
        k, the whitened dimension (100 in the project's MNIST setting).
    rtol : float
        A principal component counts as degenerate when its variance is at most ``rtol``
        times the largest (constant border pixels, fewer samples than pixels).

    Returns
    -------
    Whitener

    Raises
    ------
    ValueError
        If k exceeds the number of non-degenerate components: their whitened coordinates
        would be round-off noise blown up to unit variance.

    Notes
    -----
    With :math:`C = \tfrac1P \sum_\mu (x^\mu - m)(x^\mu - m)^\top = Q \Lambda Q^\top`, the
    transform is :math:`T = Q_k \Lambda_k^{-1/2} S^{-1/2}`, where :math:`S = \Lambda_k^{-1/2}
    Q_k^\top C Q_k \Lambda_k^{-1/2}` (equal to I up to the eigen-solver's round-off), so that
    :math:`T^\top C T = I` to machine precision. Each column of :math:`Q_k` is signed so that
    its entry of largest magnitude is positive (the module's sign convention). Costs one pass
    over X (the D × D covariance) and one symmetric eigen-decomposition.

    References
    ----------
    Saxe, McClelland & Ganguli (2014), arXiv:1312.6120, §2 (whitened inputs, Σ11 = I).

    Examples
    --------
    The top three principal axes of six features with standard deviations 3, 2, 1, 0.5,
    0.1, 0.01 are close to the first three features:

    >>> from linnet.data import fit_whitening
    >>> scales = [3.0, 2.0, 1.0, 0.5, 0.1, 0.01]  # six "pixels" of decreasing variance
    >>> X = 1.0 + np.random.default_rng(0).standard_normal((200, 6)) * scales
    >>> whitener = fit_whitening(X, 3)
    >>> np.round(np.abs(whitener.components[:, :3]), 1)
    array([[1. , 0.1, 0. ],
           [0.1, 1. , 0. ],
           [0. , 0. , 1. ]])

    Three samples span only two centred directions, so a third cannot be whitened:

    >>> fit_whitening(X[:3], 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n_components = 3 exceeds the 2 non-degenerate principal components ...
    """
    X = as_float_array(X, "X", ndim=2, fix=DATA_FIX)
    P, D = X.shape
    k = positive_int(n_components, "n_components")
    if P < 2:
        raise ValueError(f"X must have at least 2 samples (rows) to fit whitening; got shape {X.shape}")
    mean = X.mean(axis=0)
    Xc = X - mean
    C = Xc.T @ Xc / P  # the 1/P convention (not ddof=1), so Σ11 = I exactly on the training set
    # All eigenvalues (to count the non-degenerate ones), then eigenvectors of the top k only:
    # several times faster than one full eigen-decomposition of a 784 × 784 matrix.
    # One BLAS thread: the 784 × 784 eigen-solver gains nothing from threads, and loses about
    # 10× when the cores are oversubscribed (pytest -n 2 on two cores, several engineers).
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        lam = scipy.linalg.eigh(C, eigvals_only=True)[::-1]
    n_ok = int(np.count_nonzero(lam > rtol * max(lam[0], 0.0)))
    if k > n_ok:
        raise ValueError(
            f"n_components = {k} exceeds the {n_ok} non-degenerate principal components of the "
            f"training set (P = {P} samples, D = {D} features; variances below {rtol:g} times "
            f"the largest count as zero); whitening more would amplify round-off to unit "
            f"variance. Pass n_components <= {n_ok}, or use more training samples"
        )
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        lam_k, Q = scipy.linalg.eigh(C, subset_by_index=(D - k, D - 1))
    comps = Q[:, ::-1]
    # Deterministic sign: the largest-magnitude entry of each axis is positive.
    sign = np.sign(comps[np.argmax(np.abs(comps), axis=0), np.arange(k)])
    comps = comps * sign
    var = lam_k[::-1]
    T0 = comps / np.sqrt(var)
    S = T0.T @ C @ T0
    # S = I + O(eps·cond): fold its inverse square root in so that Tᵀ C T = I to round-off.
    w, E = scipy.linalg.eigh(S)
    T = T0 @ (E / np.sqrt(w)) @ E.T
    Tinv = (E * np.sqrt(w)) @ E.T @ (comps * np.sqrt(var)).T
    for a in (mean, comps, var, T, Tinv):
        a.setflags(write=False)
    return Whitener(mean=mean, components=comps.T.copy(), variances=var.copy(), transform_matrix=T,
                    inverse_matrix=Tinv, n_samples=P, n_nondegenerate=n_ok)


def targets(labels, n_classes: int = 10, *, kind: str = "pm1") -> np.ndarray:
    r"""Class labels as regression targets, shape (P, n_classes).

    Parameters
    ----------
    labels : array_like of int, shape (P,)
        Values in 0 .. n_classes − 1.
    n_classes : int
    kind : {"pm1", "onehot"}
        ``"pm1"`` (default): :math:`y = 2 e_c - 1` (+1 for the true class, −1 elsewhere), the
        project's MNIST setting (docs/theory.md#data-sets: Tr Σ33 = n_classes); ``"onehot"``: 0/1.

    Notes
    -----
    On centred inputs the constant −1 drops out of :math:`\Sigma_{31}`, so the singular values
    of the ±1 version are exactly twice those of the 0/1 version, and rank(Σ31) ≤ n_classes − 1
    (the class means of centred inputs sum to zero with weights p_c).

    Examples
    --------
    >>> from linnet.data import targets
    >>> targets([2, 0, 1], 3)
    array([[-1., -1.,  1.],
           [ 1., -1., -1.],
           [-1.,  1., -1.]])
    >>> targets([2, 0], 3, kind="onehot")
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D array of integers; got dtype {labels.dtype}, shape {labels.shape}")
    n_classes = positive_int(n_classes, "n_classes")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1}; got values from {labels.min()} to {labels.max()}"
        )
    onehot = (labels[:, None] == np.arange(n_classes)).astype(np.float64)
    if kind == "onehot":
        return onehot
    if kind == "pm1":
        return 2.0 * onehot - 1.0
    raise ValueError(f"kind must be 'pm1' (±1 targets) or 'onehot' (0/1 targets); got {kind!r}")
