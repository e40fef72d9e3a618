r"""Hierarchically structured items and properties: the data of semantic-development studies.

Items are the leaves of a tree with branching ``B`` and depth ``D`` (P = B^D items, leaf i's path
from the root is the base-B digits of i); each item is presented as an orthogonal, one-hot input
and its properties are the targets (Saxe, McClelland & Ganguli 2014, Fig. 3; PNAS 2019).

Input scaling and the papers' conventions (docs/theory.md#hierarchical-data)
----------------------------------------------------------------------------
linnet's statistics are means over the P samples, :math:`\Sigma_{11} = X^\top X/P` and
:math:`\Sigma_{31} = Y^\top X/P` (``Y`` of shape (P, M), rows = items). The inputs here are
:math:`X = \sqrt P\, I_P`: one-hot items scaled by √P so that :math:`\Sigma_{11} = I` exactly and
every formula of :mod:`linnet.theory` applies. Then :math:`\Sigma_{31} = Y^\top/\sqrt P`, and

.. math:: s_\alpha^{\text{linnet}} = s_\alpha^{\text{raw}} / \sqrt P,

with :math:`s^{\text{raw}}` the singular values of the raw items × properties matrix ``Y`` (the
values the functions below return, e.g. 3.873, 2.646, 1.732 ×2, 1 ×4 for the {0,1} tree with
B = 2, D = 3). The papers' time units map onto linnet's t = step·η (τ = 1) as follows:

- Saxe et al. 2014 use sums over the patterns (:math:`\Sigma_{31} = \sum_\mu y x^\top = Y^\top`
  for unscaled one-hot x, singular values :math:`s^{\text{raw}}`), a batch rate λ per iteration
  and τ = 1/λ. Their mode strength and singular values are :math:`\sqrt P` times linnet's, so
  their :math:`\dot u = 2\lambda u(s^{\text{raw}} - u)` per iteration is linnet's mode equation
  with n iterations = linnet time :math:`t = \sqrt P\lambda n`: gradient descent with
  η = √P·λ takes one of their iterations per step (exactly, on their weights divided by
  :math:`P^{1/4}`), and their initial strength u0 is :math:`u_0/\sqrt P` here.
- The PNAS paper uses expectations over the items and τ = 1/(Pλ), t in epochs; its t/τ is linnet's
  t, i.e. :math:`t = P\lambda n` (its expectations over whitened items are linnet's Σ's).

Examples
--------
>>> from linnet import data
>>> toy = data.pnas_toy()
>>> toy.items, toy.properties[:3]
(('canary', 'salmon', 'oak', 'rose'), ('grow', 'move', 'roots'))
>>> print(np.linalg.svd(toy.Y, compute_uv=False).round(4))  # √7, √3, 1, 1
[2.6458 1.7321 1.     1.    ]
>>> print(toy.stats().modes.s.round(4))  # linnet's s = raw / √P
[1.3229 0.866  0.5    0.5   ]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_rng, nonnegative_float, positive_int
from ..stats import Statistics

__all__ = ["Hierarchy", "TreeModes", "deterministic_tree", "diffusion_tree", "pnas_toy",
           "tree_modes", "diffusion_similarity", "diffusion_spectrum", "compress_outputs", "category_task", "PNAS_ITEMS",
           "PNAS_PROPERTIES", "reverse_properties", "move_item"]

#: Items and properties of the PNAS 2019 toy data set (its Fig. 3).
PNAS_ITEMS = ("canary", "salmon", "oak", "rose")
PNAS_PROPERTIES = ("grow", "move", "roots", "fly", "swim", "leaves", "petals")
# Names for the eight leaves of a binary tree of depth 3 (fish, birds, flowers, trees), in leaf
# order, as the PNAS paper labels its eight-item hierarchy; the analyses of such trees share them.
TREE_ITEMS = ("goldfish", "tuna", "robin", "canary", "rose", "daisy", "pine", "oak")
_MAX_ITEMS = 1 << 14  # a (P, P) input and SVD beyond this are no longer a quick data set


@dataclass(frozen=True)
class Hierarchy:
    r"""Items as orthogonal inputs and their properties as targets.

    Attributes
    ----------
    X : ndarray, shape (P, P)
        Inputs :math:`\sqrt P\,I` (rows are items): :math:`\Sigma_{11} = I` exactly.
    Y : ndarray, shape (P, M)
        Property values of each item (rows are items), unscaled ({0, 1} or ±1).
    items : tuple of str, length P
    properties : tuple of str, length M
    level : ndarray of int, shape (M,)
        Tree depth of each property's node (0 = root) where properties belong to nodes
        (:func:`deterministic_tree`, :func:`pnas_toy`); −1 for properties of the whole tree
        (:func:`diffusion_tree`).
    branching, depth : int
        The tree's B and D (0 and 0 for a data set given as a table).

    Examples
    --------
    >>> from linnet.data import deterministic_tree
    >>> h = deterministic_tree(2, 2)
    >>> h.items, h.properties
    (('00', '01', '10', '11'), ('root', '0', '1', '00', '01', '10', '11'))
    >>> h.Y.astype(int)[0].tolist(), h.level.tolist()  # item 00 has root, 0 and 00
    ([1, 1, 0, 1, 0, 0, 0], [0, 1, 1, 2, 2, 2, 2])
    >>> bool(h.stats().is_white)
    True
    """

    X: np.ndarray
    Y: np.ndarray
    items: tuple
    properties: tuple
    level: np.ndarray
    branching: int = 0
    depth: int = 0

    @property
    def n_items(self) -> int:
        """P, the number of items."""
        return self.Y.shape[0]

    def stats(self) -> Statistics:
        r"""The task's statistics, :math:`\Sigma_{11} = I`, :math:`\Sigma_{31} = Y^\top/\sqrt P`.

        Examples
        --------
        >>> from linnet.data import deterministic_tree
        >>> print(deterministic_tree(2, 3).stats().modes.s.round(4))  # raw / √8
        [1.3693 0.9354 0.6124 0.6124 0.3536 0.3536 0.3536 0.3536]
        """
        return Statistics.from_data(self.X, self.Y)


@dataclass(frozen=True)
class TreeModes:
    r"""Closed-form SVD modes of a tree data set, one per item, strongest first.

    Attributes
    ----------
    s : ndarray, shape (P,)
        Singular values of the raw items × properties matrix (deterministic tree) or the
        square roots of the expected :math:`\mathbb E\,\sigma^2` (branching diffusion); divide
        by √P for linnet's :math:`\Sigma_{31}`.
    V : ndarray, shape (P, P)
        Object analyzers: orthonormal Haar-like functions over the items (columns); the level-l
        ones are constant on the subtrees of depth l and sum to zero within each subtree of depth
        l − 1 (Helmert contrasts of the B children).
    level : ndarray of int, shape (P,)
        The tree level of each mode (0: all items; l: distinctions between the children of a
        depth-(l − 1) node), multiplicity 1 at level 0 and :math:`B^{l-1}(B-1)` at level l.

    Examples
    --------
    >>> from linnet.data import tree_modes
    >>> m = tree_modes(2, 3)
    >>> print(m.s.round(3), m.level.tolist())
    [3.873 2.646 1.732 1.732 1.    1.    1.    1.   ] [0, 1, 2, 2, 3, 3, 3, 3]
    >>> print((m.V[:, 1] * np.sqrt(8)).round(3))  # level 1: first half against second half
    [ 1.  1.  1.  1. -1. -1. -1. -1.]
    """

    s: np.ndarray
    V: np.ndarray
    level: np.ndarray


def _tree(branching, depth) -> tuple[int, int, int]:
    """Check B, D and the number of items; return (B, D, P)."""
    if isinstance(branching, (int, np.integer)) and not isinstance(branching, bool) and branching < 2:
        raise ValueError(f"branching must be >= 2 children per node (1 is a chain, not a tree); got {branching}")
    B = positive_int(branching, "branching")
    D = positive_int(depth, "depth")
    if B**D > _MAX_ITEMS:
        raise ValueError(f"branching**depth = {B**D} items is more than {_MAX_ITEMS}: pass a smaller "
                         "branching or depth")
    return B, D, B**D


def _flip(flip) -> float:
    eps = nonnegative_float(flip, "flip")
    if eps > 0.5:
        raise ValueError(f"flip must be a probability in [0, 0.5] (above 0.5 children anti-correlate "
                         f"with their parent; use 1 - flip); got {eps}")
    return eps


def _paths(B: int, D: int, k: int) -> list[str]:
    """Names of the B**k nodes at depth k: their paths from the root as base-B digits."""
    if k == 0:
        return ["root"]
    digits = np.indices((B,) * k).reshape(k, -1).T
    sep = "" if B <= 10 else "."
    return [sep.join(str(d) for d in row) for row in digits]


def deterministic_tree(branching: int, depth: int) -> Hierarchy:
    r"""One {0, 1} property per tree node; an item has the properties of its ancestors and its own.

    Parameters
    ----------
    branching : int
        B ≥ 2 children per node.
    depth : int
        D ≥ 1 levels below the root; P = B^D items.

    Returns
    -------
    Hierarchy
        ``Y`` of shape (P, M) with :math:`M = \sum_{k=0}^{D} B^k` (one column per node, root
        first, then depth by depth), ``level`` the node's depth. Item and property names are
        the nodes' paths (``"01"``: second child of the first child of the root).

    Notes
    -----
    :math:`(YY^\top)_{ij}` counts the common ancestors of items i and j, so the level-l
    object analyzers of :func:`tree_modes` are its eigenvectors with eigenvalue
    :math:`\sum_{k=l}^{D} P/B^k` (docs/theory.md#hierarchical-data).

    Examples
    --------
    >>> from linnet.data import deterministic_tree
    >>> h = deterministic_tree(3, 2)
    >>> h.Y.shape, h.items[:4]
    ((9, 13), ('00', '01', '02', '10'))
    >>> print(np.linalg.svd(h.Y, compute_uv=False).round(4)[:3])  # √13, 2 (×2), then 1 (×6)
    [3.6056 2.     2.    ]
    """
    B, D, P = _tree(branching, depth)
    item = np.arange(P)
    columns, names, levels = [], [], []
    for k in range(D + 1):
        block = item // B ** (D - k)  # node of depth k above each item
        columns.append(np.eye(B**k)[block])
        names += _paths(B, D, k)
        levels += [k] * B**k
    return Hierarchy(np.sqrt(P) * np.eye(P), np.hstack(columns), tuple(_paths(B, D, D)), tuple(names),
                     np.array(levels), B, D)


def _helmert(B: int) -> np.ndarray:
    """(B, B − 1) orthonormal contrasts: column j compares the first j children with child j + 1."""
    H = np.zeros((B, B - 1))
    for j in range(1, B):
        H[:j, j - 1] = 1.0
        H[j, j - 1] = -j
        H[:, j - 1] /= np.sqrt(j * (j + 1))
    return H


def _level_eigenvalues(B: int, D: int, weights: np.ndarray) -> np.ndarray:
    r"""Eigenvalue of each level's Haar functions for :math:`K = \sum_k w_k A_k`, (D + 1,).

    :math:`A_k` is the block-diagonal all-ones matrix of the depth-k subtrees (blocks of size
    :math:`B^{D-k}`); a level-l Haar function is constant on depth-k blocks for k ≥ l (eigenvalue
    the block size) and sums to zero on them for k < l (eigenvalue 0).
    """
    sizes = float(B) ** (D - np.arange(D + 1))
    return np.array([np.sum(weights[l:] * sizes[l:]) for l in range(D + 1)])


def _haar(B: int, D: int) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal Haar-like functions over the P items (columns) and the level of each."""
    P = B**D
    item = np.arange(P)
    cols, levels = [np.full(P, 1.0 / np.sqrt(P))], [0]
    H = _helmert(B)
    for l in range(1, D + 1):
        child = item // B ** (D - l)  # depth-l node of each item
        parent, which = child // B, child % B
        size = B ** (D - l)
        for node in range(B ** (l - 1)):
            inside = parent == node
            for j in range(B - 1):
                cols.append(np.where(inside, H[which, j], 0.0) / np.sqrt(size))
                levels.append(l)
    return np.column_stack(cols), np.array(levels)


def tree_modes(branching: int, depth: int, flip: float | None = None, n_properties: int = 1) -> TreeModes:
    r"""Closed-form modes of the deterministic tree, or the expected ones of branching diffusion.

    Parameters
    ----------
    branching, depth : int
        B ≥ 2 and D ≥ 1.
    flip : float, optional
        None (default): the deterministic tree (:func:`deterministic_tree`), with singular
        values :math:`s_l = \sqrt{\sum_{k=l}^{D} P/B^k}`. A probability ε in [0, 0.5]: branching
        diffusion (:func:`diffusion_tree`) with ``n_properties`` properties, whose expected
        :math:`YY^\top = M K` (:func:`diffusion_similarity`) gives
        :math:`s_l = \sqrt{M \lambda_l}`, :math:`\lambda_l = \sum_{k=l}^{D} w_k B^{D-k}` with
        :math:`q = (1-2\varepsilon)^2`, :math:`w_0 = q^D`, :math:`w_k = q^{D-k} - q^{D-k+1}`.
    n_properties : int
        M, for ``flip`` only.

    Returns
    -------
    TreeModes
        Raw singular values (divide by √P for linnet's :math:`\Sigma_{31}`), object analyzers
        and levels, in order of decreasing s (levels in order; within a level the Haar
        functions of node 0 first).

    Examples
    --------
    >>> from linnet.data import tree_modes
    >>> print(tree_modes(3, 2).s.round(4))
    [3.6056 2.     2.     1.     1.     1.     1.     1.     1.    ]
    >>> m = tree_modes(2, 3, flip=0.1, n_properties=1000)  # expected spectrum, one value per level
    >>> print(m.s[[0, 1, 2, 4]].round(3))
    [59.226 37.558 28.65  18.974]
    """
    B, D, P = _tree(branching, depth)
    if flip is None:
        weights = np.ones(D + 1)
        M = 1
    else:
        q = (1.0 - 2.0 * _flip(flip)) ** 2
        weights = q ** (D - np.arange(D + 1.0))
        weights[1:] -= q ** (D - np.arange(D + 1.0) + 1)[1:]
        M = positive_int(n_properties, "n_properties")
    V, levels = _haar(B, D)
    lam = _level_eigenvalues(B, D, weights)
    return TreeModes(np.sqrt(M * lam[levels]), V, levels)


def diffusion_similarity(branching: int, depth: int, flip: float) -> np.ndarray:
    r"""Expected similarity :math:`K = \mathbb E[YY^\top]/M` of the items under branching diffusion.

    Two items whose paths meet at depth m are 2(D − m) edges apart; each edge keeps a ±1 value
    with probability 1 − ε and flips it with ε, so :math:`K_{ij} = (1-2\varepsilon)^{2(D-m)}`.

    Parameters
    ----------
    branching, depth : int
    flip : float
        ε in [0, 0.5].

    Returns
    -------
    ndarray, shape (P, P)

    Examples
    --------
    >>> from linnet.data import diffusion_similarity
    >>> print(diffusion_similarity(2, 2, 0.1).round(4))
    [[1.     0.64   0.4096 0.4096]
     [0.64   1.     0.4096 0.4096]
     [0.4096 0.4096 1.     0.64  ]
     [0.4096 0.4096 0.64   1.    ]]
    """
    B, D, P = _tree(branching, depth)
    eps = _flip(flip)
    item = np.arange(P)
    meet = np.zeros((P, P), dtype=int)  # depth of the deepest common ancestor
    for k in range(1, D + 1):
        block = item // B ** (D - k)
        meet += block[:, None] == block[None, :]
    return (1.0 - 2.0 * eps) ** (2 * (D - meet))


def diffusion_spectrum(branching: int, depth: int, flip: float, n_properties: int) -> np.ndarray:
    r"""Expected raw singular values of branching-diffusion data, one per item, strongest first.

    :math:`\sqrt{\mathbb E\,\sigma_\alpha^2(Y)} = \sqrt{M\lambda_\alpha(K)}` (:func:`tree_modes`
    with ``flip``); for large M the sampled values of :func:`diffusion_tree` approach these with
    relative error :math:`O(1/\sqrt M)`. Divide by √P for linnet's :math:`\Sigma_{31}`.

    Examples
    --------
    >>> from linnet.data import diffusion_spectrum
    >>> print(diffusion_spectrum(2, 5, 0.1, 1000).round(2)[[0, 1, 2, 4, 8, 16]])  # one per level
    [81.04 55.96 46.54 37.56 28.65 18.97]
    """
    return tree_modes(branching, depth, flip, n_properties).s


def diffusion_tree(branching: int, depth: int, n_properties: int, flip: float, *,
                   rng: np.random.Generator, items=None) -> Hierarchy:
    r"""Properties generated by branching diffusion down a tree (Saxe et al. 2014, Fig. 3).

    Each property takes a value ±1 at the root with equal probability; each child copies its
    parent's value and flips it with probability ``flip``, independently along every edge and
    for every property, down to the P = B^D leaves (the items).

    Parameters
    ----------
    branching, depth : int
        B ≥ 2, D ≥ 1.
    n_properties : int
        M ≥ 1.
    flip : float
        ε in [0, 0.5]: 0 makes every item alike, 0.5 makes them independent.
    rng : numpy.random.Generator
    items : sequence of str, optional
        P item names (default: the leaves' paths).

    Returns
    -------
    Hierarchy
        ``Y`` (P, M) of ±1, ``level`` −1 (a property belongs to the whole tree).

    Examples
    --------
    >>> from linnet.data import diffusion_tree, diffusion_similarity
    >>> h = diffusion_tree(2, 3, 20000, 0.15, rng=np.random.default_rng(0))
    >>> h.Y.shape, h.items[:2]
    ((8, 20000), ('000', '001'))
    >>> K = h.Y @ h.Y.T / 20000  # near the expected similarity
    >>> bool(np.abs(K - diffusion_similarity(2, 3, 0.15)).max() < 0.03)
    True
    """
    B, D, P = _tree(branching, depth)
    M = _n_properties(n_properties)
    eps = _flip(flip)
    check_rng(rng)
    values = rng.choice(np.array([-1.0, 1.0]), size=(1, M))
    for _ in range(D):
        values = np.repeat(values, B, axis=0)  # each child starts as its parent
        values = np.where(rng.random(values.shape) < eps, -values, values)
    names = _paths(B, D, D) if items is None else tuple(str(n) for n in items)
    if len(names) != P:
        raise ValueError(f"items must name the {P} = branching**depth items; got {len(names)} names")
    props = tuple(f"p{j}" for j in range(M))
    return Hierarchy(np.sqrt(P) * np.eye(P), values, tuple(names), props, np.full(M, -1), B, D)


def _n_properties(n) -> int:
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n < 1:
        raise ValueError(f"n_properties must be >= 1 (a data set needs a property to learn); got {n}")
    return positive_int(n, "n_properties")


def pnas_toy() -> Hierarchy:
    r"""The four items and seven properties of Saxe et al.'s PNAS 2019 Fig. 3.

    Canary, salmon, oak and rose; all grow, the animals move, the plants have roots, the canary
    flies, the salmon swims, the oak has leaves and the rose petals. The {0, 1} matrix has
    singular values √7, √3, 1, 1: mode 1 is shared by all items, mode 2 separates animals from
    plants, modes 3 and 4 the two members of each class (docs/theory.md#hierarchical-data).

    Returns
    -------
    Hierarchy
        ``Y`` (4, 7), ``level`` 0 (grow), 1 (move, roots), 2 (the rest); B = 2, D = 2.

    Examples
    --------
    >>> from linnet.data import pnas_toy
    >>> toy = pnas_toy()
    >>> dict(zip(toy.properties, toy.Y[0].astype(int).tolist()))
    {'grow': 1, 'move': 1, 'roots': 0, 'fly': 1, 'swim': 0, 'leaves': 0, 'petals': 0}
    """
    Y = np.array([[1, 1, 0, 1, 0, 0, 0],
                  [1, 1, 0, 0, 1, 0, 0],
                  [1, 0, 1, 0, 0, 1, 0],
                  [1, 0, 1, 0, 0, 0, 1]], dtype=float)
    return Hierarchy(2.0 * np.eye(4), Y, PNAS_ITEMS, PNAS_PROPERTIES, np.array([0, 1, 1, 2, 2, 2, 2]), 2, 2)


def compress_outputs(stats: Statistics, weights) -> tuple[Statistics, tuple, np.ndarray]:
    r"""An exactly equivalent task and network with r + H outputs instead of M (r = rank Σ31).

    Gradient descent is equivariant under rotations of the output space, and the last layer's
    part :math:`B = Q_\perp^\top W_L` outside the targets' range :math:`Q` (M × r, orthonormal) enters
    every update only through its Gram matrix :math:`C = B^\top B` (H × H): the earlier layers see
    :math:`W_L^\top W_L = A^\top A + C` with :math:`A = Q^\top W_L`, and B's own update
    :math:`B \leftarrow B(I - \eta\,\Pi\Sigma_{11}\Pi^\top)` (Π the product of the layers below)
    maps C the same way for any B with that Gram. Replacing B by :math:`C^{1/2}` (H × H) therefore
    leaves every step of the other layers and of A unchanged, up to round-off: M = 1,000 properties
    of rank 32 with a hidden layer of 32 become 64 outputs (Saxe et al.'s Fig. 3 at 15× less work).

    Parameters
    ----------
    stats : Statistics
        The task (M outputs).
    weights : tuple of ndarray
        ``(W1, ..., WL)``, ``WL`` of shape ([K,] M, H), an ensemble allowed.

    Returns
    -------
    stats : Statistics
        :math:`\Sigma_{11}`, :math:`\Sigma_{31}' = [Q^\top\Sigma_{31}; 0]` (r + H outputs) and the same
        Tr Σ33, so losses are those of the full network.
    weights : tuple of ndarray
        The same layers but the last, which is :math:`[A; C^{1/2}]` of shape ([K,] r + H, H).
    Q : ndarray, shape (M, r)
        The full network's map inside the targets' range is ``Q @`` the first r rows of the
        compressed one's; outside it, the full map's part has the Gram matrix of the last H rows.

    Examples
    --------
    >>> from linnet import data, network, train
    >>> h = data.diffusion_tree(2, 2, 200, 0.1, rng=np.random.default_rng(0))
    >>> stats = h.stats()
    >>> w = network.init_gaussian((4, 3, 200), 0.1, rng=np.random.default_rng(1))
    >>> small, ws, Q = data.compress_outputs(stats, w)
    >>> small.n_out, ws[-1].shape
    (7, (7, 3))
    >>> full = train.gradient_descent(w, stats, 0.01, 50, record_steps=[50]).product[-1]
    >>> part = train.gradient_descent(ws, small, 0.01, 50, record_steps=[50]).product[-1]
    >>> bool(np.abs(Q.T @ full - part[:4]).max() < 1e-12)  # inside the targets' range: the same map
    True
    >>> null = full - Q @ (Q.T @ full)  # outside it: the same Gram, so the same loss
    >>> bool(np.abs(null.T @ null - part[4:].T @ part[4:]).max() < 1e-12)
    True
    """
    U, sv, _ = np.linalg.svd(stats.sigma31, full_matrices=False)
    r = int(np.sum(sv > sv[0] * 1e-12)) if sv.size and sv[0] > 0 else 0
    Q = U[:, :r]
    WL = np.asarray(weights[-1], dtype=np.float64)
    A = np.swapaxes(Q, 0, 1) @ WL  # ([K,] r, H)
    C = np.swapaxes(WL, -1, -2) @ WL - np.swapaxes(A, -1, -2) @ A
    lam, E = np.linalg.eigh(C)
    root = np.swapaxes(E * np.sqrt(np.clip(lam, 0.0, None))[..., None, :], -1, -2)  # (E √Λ)ᵀ: Gram C
    H = WL.shape[-1]
    s31 = np.vstack([Q.T @ stats.sigma31, np.zeros((H, stats.n_in))])
    small = Statistics(stats.sigma11, s31, stats.trace33, n_samples=stats.n_samples,
                       residual_loss=stats.residual_loss)
    return small, (*weights[:-1], np.concatenate([A, root], axis=-2)), Q


def category_task(n_members: int, n_features: int, share, *, rng: np.random.Generator, noise: float = 0.0,
                  n_noise: int = 0) -> Hierarchy:
    r"""Disjoint categories of different coherence: each has its own features, shared with probability ``share``.

    Category c has ``n_members`` items and ``n_features`` {0, 1} features; each member has each of its
    category's features independently with probability ``share[c]`` (1: every member has all of them,
    the most coherent category), and no item has another category's. ``n_noise`` further features
    are present in every item with probability ``noise``, whatever its category. Coherence and
    typicality follow from the statistics (:func:`linnet.theory.category_coherence`,
    :func:`linnet.theory.typicality`); an isolated category with share q has coherence
    :math:`\approx q\sqrt{K_o K_f/P}` (K_o members, K_f features, P items).

    Parameters
    ----------
    n_members, n_features : int
        K_o ≥ 1 items and K_f ≥ 1 features per category.
    share : sequence of float
        One probability in [0, 1] per category.
    rng : numpy.random.Generator
    noise : float
        Probability of each noise feature in each item, in [0, 1].
    n_noise : int
        Number of noise features (≥ 0).

    Returns
    -------
    Hierarchy
        ``items`` named ``c<category>.<member>``, ``properties`` ``c<category>.f<j>`` then ``noise<j>``;
        ``level`` holds each property's category (−1 for noise); B = D = 0 (not a tree).

    Examples
    --------
    >>> from linnet.data import category_task
    >>> h = category_task(3, 2, [1.0, 0.5], rng=np.random.default_rng(0))
    >>> h.items, h.properties
    (('c0.0', 'c0.1', 'c0.2', 'c1.0', 'c1.1', 'c1.2'), ('c0.f0', 'c0.f1', 'c1.f0', 'c1.f1'))
    >>> h.Y.astype(int).tolist()[:3]  # the coherent category: all members have both features
    [[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]]
    """
    K = positive_int(n_members, "n_members")
    F = positive_int(n_features, "n_features")
    q = np.atleast_1d(np.asarray(share, dtype=float))
    if q.ndim != 1 or q.size == 0 or np.any(~np.isfinite(q)) or np.any((q < 0) | (q > 1)):
        raise ValueError(f"share must be one probability in [0, 1] per category; got {share!r}")
    p_noise = nonnegative_float(noise, "noise")
    if p_noise > 1:
        raise ValueError(f"noise must be a probability in [0, 1]; got {noise}")
    n_noise = _nonnegative_count(n_noise)
    check_rng(rng)
    C = q.size
    P = C * K
    Y = np.zeros((P, C * F + n_noise))
    for c in range(C):
        Y[c * K:(c + 1) * K, c * F:(c + 1) * F] = rng.random((K, F)) < q[c]
    Y[:, C * F:] = rng.random((P, n_noise)) < p_noise
    items = tuple(f"c{c}.{i}" for c in range(C) for i in range(K))
    props = tuple(f"c{c}.f{j}" for c in range(C) for j in range(F)) + tuple(f"noise{j}" for j in range(n_noise))
    level = np.concatenate([np.repeat(np.arange(C), F), np.full(n_noise, -1)])
    return Hierarchy(np.sqrt(P) * np.eye(P), Y, items, props, level, 0, 0)


def _nonnegative_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n_noise must be an int >= 0; got {n!r}")
    return int(n)


# ---------------------------------------------------------------------------- revised tasks
def reverse_properties(hierarchy: Hierarchy) -> Hierarchy:
    r"""The sign-flipped task: every property value negated, :math:`Y \to -Y`.

    The reversal-learning task of Braun et al. (2022): :math:`\tilde\Sigma \to -\tilde\Sigma`,
    the same singular values and vectors with one side's signs flipped, so a network that has
    learned ``hierarchy`` starts exactly anti-aligned with the new task
    (docs/theory.md#learning-from-prior-knowledge).

    Parameters
    ----------
    hierarchy : Hierarchy

    Returns
    -------
    Hierarchy
        Same items, properties and levels; ``Y`` of shape (P, M) negated.

    Examples
    --------
    >>> from linnet.data import pnas_toy, reverse_properties
    >>> rev = reverse_properties(pnas_toy())
    >>> rev.Y[0].astype(int).tolist()
    [-1, -1, 0, -1, 0, 0, 0]
    >>> print(rev.stats().modes.s.round(4))  # the same singular values
    [1.3229 0.866  0.5    0.5   ]
    """
    if not isinstance(hierarchy, Hierarchy):
        raise ValueError(f"hierarchy must be a linnet.data.Hierarchy; got {type(hierarchy).__name__}")
    return Hierarchy(hierarchy.X, -hierarchy.Y, hierarchy.items, hierarchy.properties, hierarchy.level,
                     hierarchy.branching, hierarchy.depth)


def _item_index(hierarchy: Hierarchy, item, name: str) -> int:
    if isinstance(item, str):
        if item not in hierarchy.items:
            raise ValueError(f"{name} must be one of the items {hierarchy.items} or an index; got {item!r}")
        return hierarchy.items.index(item)
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= item < hierarchy.n_items:
        return int(item)
    raise ValueError(f"{name} must be an item name or an index in [0, {hierarchy.n_items}); got {item!r}")


def move_item(hierarchy: Hierarchy, item, to) -> Hierarchy:
    r"""The hierarchy with one item moved to another branch: it takes the shared properties of ``to``.

    Every property above the leaf level (``level`` < its maximum: the root's and the
    branches') of ``item`` becomes that of item ``to``; ``item`` keeps its own leaf-level
    properties. E.g. in :func:`deterministic_tree` (2, 3), item ``"011"`` moved to ``"000"``
    loses the property of node ``"01"`` and gains that of ``"00"`` (it keeps ``"root"``,
    ``"0"`` and its own ``"011"``): the revised hierarchy of Braun et al. (2022)'s retraining experiment.

    Parameters
    ----------
    hierarchy : Hierarchy
        With node levels (:func:`deterministic_tree`, :func:`pnas_toy`), not
        :func:`diffusion_tree` (level −1: no branches to move between).
    item, to : str or int
        The item to move and an item of the branch it joins (names or row indices), different.

    Returns
    -------
    Hierarchy
        ``Y`` (P, M) with row ``item`` replaced on the non-leaf properties; the rest unchanged.

    Examples
    --------
    >>> from linnet.data import deterministic_tree, move_item
    >>> h = deterministic_tree(2, 2)
    >>> moved = move_item(h, "01", "10")
    >>> dict(zip(moved.properties, moved.Y[1].astype(int).tolist()))
    {'root': 1, '0': 0, '1': 1, '00': 0, '01': 1, '10': 0, '11': 0}
    >>> print(moved.stats().modes.s.round(4))  # three items now share branch "1"
    [1.3825 0.7672 0.5    0.5   ]
    """
    if not isinstance(hierarchy, Hierarchy):
        raise ValueError(f"hierarchy must be a linnet.data.Hierarchy; got {type(hierarchy).__name__}")
    if np.any(hierarchy.level < 0):
        raise ValueError("hierarchy must have node levels (deterministic_tree or pnas_toy); a diffusion_tree's "
                         "properties (level -1) belong to no branch")
    i, j = _item_index(hierarchy, item, "item"), _item_index(hierarchy, to, "to")
    if i == j:
        raise ValueError(f"to must differ from item (both are {hierarchy.items[i]!r})")
    shared = hierarchy.level < hierarchy.level.max()
    Y = hierarchy.Y.copy()
    Y[i, shared] = hierarchy.Y[j, shared]
    return Hierarchy(hierarchy.X, Y, hierarchy.items, hierarchy.properties, hierarchy.level,
                     hierarchy.branching, hierarchy.depth)
