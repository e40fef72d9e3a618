r"""Curvature of the two-layer loss along training: Hessian and Gauss–Newton spectra in closed form.

For :math:`\mathcal L = \tfrac12\lVert\tilde\Sigma - W_2W_1\rVert_F^2` (whitened inputs) the
second derivative along a direction :math:`(D_1, D_2)` is

.. math:: D^2\mathcal L = \lVert W_2D_1 + D_2W_1\rVert_F^2 - 2\langle R, D_2D_1\rangle,
          \qquad R = \tilde\Sigma - W_2W_1,

the first term the Gauss–Newton part (:math:`J^\top J`). :func:`hessian_top_eigenvalue` gives the
sharpness of any weights of any depth (exact Hessian-vector products); the groups below are the
two-layer closed form. When the weights are aligned with the
task's modes (:math:`W_1 = O\,\mathrm{diag}(a)\tilde V^\top`, :math:`W_2 = \tilde U\mathrm{diag}(b)O^\top`
on the first m = min(N, M) hidden units, zero elsewhere), the Hessian splits into small blocks
(docs/theory.md#curvature-along-training), with :math:`r_i = s_i - a_ib_i`:

=================  ====================================================================================  ===================
group              eigenvalues                                                                           count
=================  ====================================================================================  ===================
``aligned``        of :math:`\begin{pmatrix}b_i^2 & 2a_ib_i - s_i\\ 2a_ib_i - s_i & a_i^2\end{pmatrix}`  2m
``cross``          of a 4 × 4 block per pair i < j (below)                                               2m(m − 1)
``input_null``     :math:`b_i^2`, each N − m times                                                       m(N − m)
``output_null``    :math:`a_i^2`, each M − m times                                                       m(M − m)
``hidden_null``    :math:`\pm r_i`, each H − m times                                                     2m(H − m)
``zero``           0                                                                                     (H − m)(N + M − 2m)
=================  ====================================================================================  ===================

The counts sum to the number of parameters H(N + M). The Gauss–Newton spectrum is the same
with every :math:`r_i`-coupling set to 0 (aligned block :math:`a_i^2 + b_i^2` and 0; hidden-null 0).
Along a λ-balanced aligned trajectory (:func:`linnet.theory.lambda_balanced_mode_strength`,
or the exact discrete map of GD, :func:`linnet.theory.mode_strength_discrete`) this gives the
sharpness at every time. Balanced at the optimum (a = b = √s) the aligned block has
eigenvalues 2s and 0: the sharpness 2s1 of :func:`linnet.theory.optimum_sharpness`.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array, positive_int

__all__ = ["aligned_hessian_groups", "aligned_sharpness", "hessian_top_eigenvalue", "HESSIAN_GROUPS"]

#: The groups of :func:`aligned_hessian_groups`, in order.
HESSIAN_GROUPS = ("aligned", "cross", "input_null", "output_null", "hidden_null", "zero")


def _cross_blocks(a, b, r, gn):
    """The 4 × 4 blocks of the pairs i < j in (x_ij, y_ij, x_ji, y_ji), shape (..., P, 4, 4)."""
    i, j = np.triu_indices(a.shape[-1], k=1)
    ai, aj, bi, bj = a[..., i], a[..., j], b[..., i], b[..., j]
    ri, rj = (0.0 * r[..., i], 0.0 * r[..., j]) if gn else (r[..., i], r[..., j])
    z = np.zeros_like(ai)
    rows = [[bi**2, aj * bi, z, -rj],
            [aj * bi, aj**2, -ri, z],
            [z, -ri, bj**2, ai * bj],
            [-rj, z, ai * bj, ai**2]]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def aligned_hessian_groups(a, b, s, *, n_in: int, n_hidden: int, n_out: int,
                           gauss_newton: bool = False) -> dict[str, np.ndarray]:
    r"""Hessian (or Gauss–Newton) eigenvalues of the two-layer loss at aligned weights, by group.

    Parameters
    ----------
    a, b : array_like, shape (..., m)
        First- and second-layer strengths of the m = min(N, M) aligned modes.
    s : array_like, shape (m,)
        The task's singular values.
    n_in, n_hidden, n_out : int
        N, H ≥ m, M.
    gauss_newton : bool
        The Gauss–Newton part :math:`J^\top J` only.

    Returns
    -------
    dict of str to ndarray
        For each name of :data:`HESSIAN_GROUPS` the eigenvalues with multiplicity, shape
        (..., count); the counts sum to H(N + M).

    Examples
    --------
    At the balanced optimum (a = b = √s) the top eigenvalue is 2·s1:

    >>> import numpy as np
    >>> from linnet import theory
    >>> s = np.array([2.0, 1.0])
    >>> g = theory.aligned_hessian_groups(np.sqrt(s), np.sqrt(s), s, n_in=3, n_hidden=3, n_out=2)
    >>> {k: v.shape[-1] for k, v in g.items()}
    {'aligned': 4, 'cross': 4, 'input_null': 2, 'output_null': 0, 'hidden_null': 4, 'zero': 1}
    >>> print(np.sort(g["aligned"]).round(6) + 0.0, round(max(v.max() for v in g.values() if v.size), 12))
    [0. 0. 2. 4.] 4.0
    """
    s = np.atleast_1d(as_float_array(s, "s", ndim=(0, 1)))
    m = s.size
    N, H, M = (positive_int(v, k) for v, k in ((n_in, "n_in"), (n_hidden, "n_hidden"), (n_out, "n_out")))
    if m != min(N, M) or H < m:
        raise ValueError(f"s must hold m = min(n_in, n_out) = {min(N, M)} singular values and n_hidden "
                         f"must be >= m; got {m} values and n_hidden = {H}")
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    if a.shape != b.shape or a.shape[-1:] != (m,):
        raise ValueError(f"a and b must both have shape (..., {m}); got {a.shape} and {b.shape}")
    r = s - a * b
    c = a * b if gauss_newton else 2.0 * a * b - s  # off-diagonal of the aligned 2 × 2 block
    half, tr = 0.5 * (a**2 - b**2), 0.5 * (a**2 + b**2)
    root = np.sqrt(half**2 + c**2)
    lead = a.shape[:-1]
    out = {"aligned": np.concatenate([tr + root, tr - root], axis=-1),
           "cross": np.linalg.eigvalsh(_cross_blocks(a, b, r, gauss_newton)).reshape(*lead, -1),
           "input_null": np.repeat(b**2, N - m, axis=-1),
           "output_null": np.repeat(a**2, M - m, axis=-1)}
    hn = np.zeros_like(r) if gauss_newton else r
    out["hidden_null"] = np.repeat(np.concatenate([hn, -hn], axis=-1), H - m, axis=-1)
    out["zero"] = np.zeros((*lead, (H - m) * (N + M - 2 * m)))
    return out


def aligned_sharpness(a, b, s, *, n_in: int, n_hidden: int, n_out: int,
                      gauss_newton: bool = False) -> np.ndarray:
    r"""Top eigenvalue of the Hessian (or Gauss–Newton matrix) at aligned weights.

    Parameters
    ----------
    a, b, s, n_in, n_hidden, n_out, gauss_newton
        As :func:`aligned_hessian_groups`.

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    Along a balanced trajectory (a = b = √u) from small u the sharpness goes from s1 (the
    saddle at W = 0 curves by ±s) to 2·s1 at the optimum:

    >>> import numpy as np
    >>> from linnet import theory
    >>> s = np.array([2.0, 1.0])
    >>> u = theory.mode_strength(np.array([0.0, 2.0, 20.0])[:, None], s, 1e-3)
    >>> print(theory.aligned_sharpness(np.sqrt(u), np.sqrt(u), s, n_in=2, n_hidden=2, n_out=2).round(4))
    [2.     2.1918 4.    ]
    """
    groups = aligned_hessian_groups(a, b, s, n_in=n_in, n_hidden=n_hidden, n_out=n_out,
                                    gauss_newton=gauss_newton)
    return np.max(np.concatenate([g for g in groups.values()], axis=-1), axis=-1)


def _prods(ws):
    """below[l] = W_l⋯W_1 (below[0] = I), above[l] = W_L⋯W_{l+1} (above[L] = I)."""
    N, M, L = ws[0].shape[1], ws[-1].shape[0], len(ws)
    below, above = [np.eye(N)], [np.eye(M)]
    for W in ws:
        below.append(W @ below[-1])
    for W in reversed(ws):
        above.insert(0, above[0] @ W)
    return below, above  # above[l] = W_L⋯W_{l+1} for l = 0..L


def _hvp(ws, S11, S31, Ds):
    r"""Exact Hessian-vector product of the loss of any depth: the directional derivative of the
    layer gradients :math:`g_l = W_{>l}^\top G\,W_{<l}^\top`, :math:`G = W\Sigma_{11} - \Sigma_{31}`."""
    L = len(ws)
    below, above = _prods(ws)

    def d_chain(a, b):  # d(W_b⋯W_a), layers a..b (1-based, inclusive), by the product rule
        return sum(_chain(ws, k + 1, b) @ Ds[k - 1] @ _chain(ws, a, k - 1) for k in range(a, b + 1))

    G = below[L] @ S11 - S31
    dG = d_chain(1, L) @ S11
    grads = []
    for l in range(1, L + 1):
        up, lo = above[l], below[l - 1]  # W_{>l} (M, n_{l+1}), W_{<l} (n_l, N)
        d_up = d_chain(l + 1, L) if l < L else 0.0
        d_lo = d_chain(1, l - 1) if l > 1 else 0.0
        h = up.T @ dG @ lo.T
        if l < L:
            h = h + d_up.T @ G @ lo.T
        if l > 1:
            h = h + up.T @ G @ d_lo.T
        grads.append(h)
    return grads


def _chain(ws, a, b):
    """W_b⋯W_a (1-based, inclusive); the identity of the right size when b < a."""
    if b < a:
        return np.eye(ws[a - 1].shape[1]) if a - 1 < len(ws) else np.eye(ws[-1].shape[0])
    out = ws[a - 1]
    for W in ws[a:b]:
        out = W @ out
    return out


def hessian_top_eigenvalue(weights, stats, *, tol: float = 1e-10) -> float:
    r"""The top (algebraic) Hessian eigenvalue of a linear network's loss, any depth, by Lanczos on exact products.

    The Hessian-vector product is exact (no finite differences): the directional derivative of
    the layer gradients :math:`g_l = W_{>l}^\top G\,W_{<l}^\top`, :math:`G = W\Sigma_{11} - \Sigma_{31}`,
    by the product rule (two layers: :math:`(W_2^\top\,dG + D_2^\top G,\ dG\,W_1^\top + G D_1^\top)`,
    :math:`dG = (W_2D_1 + D_2W_1)\Sigma_{11}`); ``scipy.sparse.linalg.eigsh(which="LA")``
    iterates on it (a Krylov form of power iteration that converges to the largest eigenvalue,
    not the largest in modulus).

    Parameters
    ----------
    weights : tuple of ndarray
        ``(W1, ..., WL)``, shapes (n_{l+1}, n_l); a single network.
    stats : Statistics
        The task (any Σ11).
    tol : float
        Lanczos tolerance (relative).

    Returns
    -------
    float

    Examples
    --------
    At the balanced optimum the sharpness is :math:`L s_1^{2-2/L}` (2·s1 for two layers):

    >>> import numpy as np
    >>> from linnet import Statistics, theory
    >>> stats = Statistics(np.eye(2), np.diag([2.0, 1.0]), 6.0)
    >>> w = (np.diag(np.sqrt([2.0, 1.0])), np.diag(np.sqrt([2.0, 1.0])))
    >>> print(round(theory.hessian_top_eigenvalue(w, stats), 8))
    4.0
    >>> w3 = tuple(np.diag(np.cbrt([2.0, 1.0])) for _ in range(3))
    >>> print(round(theory.hessian_top_eigenvalue(w3, stats), 6), round(3 * 2 ** (4 / 3), 6))
    7.559526 7.559526
    """
    import scipy.sparse.linalg as sla

    from ..network import check_weights

    ws = _layers(weights)
    check_weights(ws, n_in=stats.n_in, n_out=stats.n_out)
    sizes = np.cumsum([0] + [W.size for W in ws])

    def matvec(x):
        Ds = [x[a:b].reshape(W.shape) for a, b, W in zip(sizes[:-1], sizes[1:], ws)]
        return np.concatenate([h.ravel() for h in _hvp(ws, stats.sigma11, stats.sigma31, Ds)])

    n = int(sizes[-1])
    if n <= 3:  # eigsh needs k < n; a dense matrix is as exact
        dense = np.stack([matvec(e) for e in np.eye(n)], axis=1)
        return float(np.linalg.eigvalsh(0.5 * (dense + dense.T))[-1])
    op = sla.LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    v0 = np.ones(n) / np.sqrt(n)  # fixed start: deterministic
    return float(sla.eigsh(op, k=1, which="LA", tol=tol, v0=v0, return_eigenvectors=False)[0])


def _layers(weights):
    if isinstance(weights, np.ndarray) or not len(weights):
        raise ValueError("weights must be a tuple of matrices (W1, ..., WL) of one network")
    ws = tuple(as_float_array(W, f"W{i + 1}", ndim=2) for i, W in enumerate(weights))
    return ws
