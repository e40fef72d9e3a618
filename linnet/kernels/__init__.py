r"""Kernels of full-batch gradient descent on the statistics: the numpy kernel and the
compiled one (numba, ``linnet[fast]``), behind one entry point, :func:`run`.

Both run the step of :func:`linnet._reference.gradient_descent` (the executable spec, which
tests/test_kernels.py compares them with):

.. math:: G = (W - W_\star)\Sigma_{11},\quad
          \mathcal L = \mathcal L_\star + \tfrac12\operatorname{Tr}(G D^\top),\quad
          W_l \leftarrow W_l - \eta\,\partial\mathcal L/\partial W_l,

and freeze a member at its first non-finite loss: it keeps the weights of that step, its
records from that step on hold a NaN loss (the record of that step still holds its product
and weights), and later records stay NaN. Members never interact.

Names: a *member* is one network of an ensemble (row k of every buffer here); a *block* is
the set of members the numpy kernel steps together as one batched array (sized to a core's
cache); a *work unit* is what one thread takes at a time (a block, or one member for the
compiled kernel). Sweeps have their own *chunks* of configurations (linnet.sweep).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

__all__ = ["Layout", "Records", "choose", "size_independent_kernel", "run"]

#: Names of the kernels ``gradient_descent(kernel=...)`` accepts ("numba" is the compiled one).
KERNELS = ("auto", "numpy", "numba")


@dataclass(frozen=True)
class Layout:
    """Where each layer of a member lives in its flat weight vector.

    Attributes
    ----------
    widths : ndarray of int64, shape (L+1,)
        ``(n_1, ..., n_{L+1})`` = (N, hidden widths..., M).
    offsets : ndarray of int64, shape (L+1,)
        Layer l (0-based) occupies ``offsets[l]:offsets[l+1]``, row-major (n_{l+2}, n_{l+1}).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet.kernels import Layout
    >>> ws = (np.ones((2, 4, 3)), np.ones((2, 1, 4)))  # two members of a 3-4-1 network
    >>> layout = Layout.of(ws)
    >>> layout.widths.tolist(), layout.offsets.tolist()
    ([3, 4, 1], [0, 12, 16])
    >>> [W.shape for W in layout.layers(layout.flatten(ws, 2))]
    [(2, 4, 3), (2, 1, 4)]
    """

    widths: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, weights) -> "Layout":
        widths = np.array([weights[0].shape[-1], *(W.shape[-2] for W in weights)], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(widths[1:] * widths[:-1])]).astype(np.int64)
        return cls(widths, offsets)

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    def flatten(self, weights, K: int) -> np.ndarray:
        """Layers ``(..., n_{l+1}, n_l)`` of K members as one (K, size) array (a copy)."""
        return np.ascontiguousarray(np.concatenate([W.reshape(K, -1) for W in weights], axis=1))

    def layer(self, flat: np.ndarray, l: int) -> np.ndarray:
        """View of layer l in ``flat`` (..., size): shape (..., n_{l+2}, n_{l+1})."""
        a, b = self.offsets[l], self.offsets[l + 1]
        return flat[..., a:b].reshape(flat.shape[:-1] + (self.widths[l + 1], self.widths[l]))

    def layers(self, flat: np.ndarray) -> tuple:
        return tuple(self.layer(flat, l) for l in range(self.widths.size - 1))


@dataclass
class Records:
    """What a kernel writes, member-major (row k is member k), NaN where nothing was recorded.

    Attributes
    ----------
    loss : ndarray, shape (K, T)
        Loss at each record step; NaN from a member's divergence step on.
    product : ndarray, shape (K, T, M, N)
        End-to-end map at each record step (NaN after the divergence step).
    div_step : ndarray of int64, shape (K,)
        First step with a non-finite loss, −1 if none.
    final : ndarray, shape (K, size)
        Final weights, flat (:class:`Layout`): those of the divergence step for a diverged
        member. Kernels update it in place: it starts as the initial weights.
    history : ndarray, shape (K, T, size), or None
        Every layer at each record step, flat, when the weights are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet.kernels import Records
    >>> out = Records.start(np.zeros((3, 16)), T=5, M=1, N=3, keep_weights=False)
    >>> out.loss.shape, out.product.shape, out.div_step.tolist()
    ((3, 5), (3, 5, 1, 3), [-1, -1, -1])
    """

    loss: np.ndarray
    product: np.ndarray
    div_step: np.ndarray
    final: np.ndarray
    history: np.ndarray | None

    @classmethod
    def start(cls, flat: np.ndarray, T: int, M: int, N: int, keep_weights: bool) -> "Records":
        """Empty records of the members ``flat`` (K, size), which ``final`` starts from."""
        K, size = flat.shape
        history = np.full((K, T, size), np.nan) if keep_weights else None
        return cls(loss=np.full((K, T), np.nan), product=np.full((K, T, M, N), np.nan),
                   div_step=np.full(K, -1, dtype=np.int64), final=flat, history=history)


def _compiled_available() -> bool:
    try:
        from . import compiled  # noqa: F401  (the import compiles nothing: numba is lazy)
    except ImportError:
        return False
    return True


def choose(kernel: str) -> str:
    """The kernel that runs: "numba" (compiled) or "numpy".

    ``kernel="auto"`` picks the compiled kernel whenever numba is installed, for any depth,
    statistics and number of members: measured, it is never slower. Paired runs in one
    process (alternating the kernels, best of 4; Intel Xeon, AVX-512, 2
    cores shared with other jobs, load average 4.5-5.2), µs per step, numpy / compiled:

    ==========================  =======  ========
    100-20-10, one network         26.1       8.2
    100-20-10, 8 members          113.5     112.3
    100-20-10, 64 members         891.2     913.2   (2 threads each; equal within the noise)
    depth 32 × width 100         2000.9    1789.0
    100-400-100, one network     6396.6    1526.4
    ==========================  =======  ========

    So no rule on sizes is needed, and none on the CPU: on an AVX2 machine the compiled loops
    are vectorised for AVX2 while BLAS's small products lose as much (bench/run_all.py prints
    both code generations).

    Examples
    --------
    >>> from linnet import kernels
    >>> kernels.choose("numpy")
    'numpy'
    >>> kernels.choose("auto") in ("numba", "numpy")  # "numba" where numba is installed
    True
    """
    if kernel not in KERNELS:
        raise ValueError(f'kernel must be "auto", "numpy" or "numba"; got {kernel!r}')
    if kernel == "numpy":
        return "numpy"
    if _compiled_available():
        return "numba"
    if kernel == "numba":
        raise ImportError(
            'kernel="numba" needs numba: pip install "linnet[fast]" (or use kernel="auto")')
    return "numpy"


def size_independent_kernel() -> str:
    """The kernel ``kernel="auto"`` picks whatever the ensemble's size.

    For callers whose results must not depend on how runs are grouped into ensembles (sweeps
    cut configurations into chunks of varying size): two kernels agree only to round-off, so
    one kernel must serve every group for tables to be byte-identical. :func:`choose` depends
    on nothing but numba's presence, so this is ``choose("auto")``.
    """
    return choose("auto")


#: Members per thread below which splitting an ensemble over threads does not pay.
_MIN_MEMBERS_PER_THREAD = 8


def n_threads(members: int) -> int:
    """Threads for an ensemble: as many as BLAS may use here (respects threadpoolctl limits,
    and joblib/dask workers, which pin BLAS to one thread), at most one per 8 members.

    Examples
    --------
    >>> from linnet import kernels
    >>> kernels.n_threads(1)
    1
    """
    if members < 2 * _MIN_MEMBERS_PER_THREAD:
        return 1
    try:
        from threadpoolctl import threadpool_info

        blas = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    except Exception:  # threadpoolctl missing or unable to inspect: stay serial
        return 1
    n = min(blas) if blas else 1
    try:
        n = min(n, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        n = min(n, os.cpu_count() or 1)
    return max(1, min(n, members // _MIN_MEMBERS_PER_THREAD))


def run(weights, stats, lr, steps: int, rec: np.ndarray, *, keep_weights: bool,
        kernel: str, bar=None, threads: int | None = None) -> tuple[Records, Layout]:
    """Run K members (``weights`` layers (K, n_{l+1}, n_l), ``lr`` (K,)) with ``kernel``
    ("numpy" or "numba", from :func:`choose`) over ``threads`` threads (default
    :func:`n_threads`); return their records and the layout of their flat weights.

    ``rec`` (T,) are the sorted record steps in [0, steps]; ``bar`` an optional tqdm bar.
    :func:`linnet.train.gradient_descent` validates and calls this.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, kernels
    >>> stats = Statistics.from_data(np.eye(2) * np.sqrt(2), np.eye(2) * np.sqrt(2))
    >>> ws = (0.1 * np.eye(2)[None], 0.1 * np.eye(2)[None])  # one member
    >>> out, layout = kernels.run(ws, stats, np.array([0.2]), 500, np.array([0, 500]),
    ...                           keep_weights=False, kernel="numpy")
    >>> out.loss.round(4).tolist()
    [[0.9801, 0.0]]
    """
    layout = Layout.of(weights)
    K = weights[0].shape[0]
    out = Records.start(layout.flatten(weights, K), rec.size, stats.n_out, stats.n_in, keep_weights)
    n = n_threads(K) if threads is None else threads
    if kernel == "numba":
        from .compiled import run_members as work
        units = [np.array([k]) for k in range(K)]
    else:
        from .numpy_kernel import block_bounds, run_block as work
        units = [np.arange(a, b) for a, b in block_bounds(K, layout, stats, n)]
    lr = np.asarray(lr, dtype=np.float64)
    if bar is not None:
        bar.total = steps * len(units)  # unit-steps: the bar moves as each unit finishes
        bar.refresh()

    def one(members):
        work(layout, lr, stats, steps, rec, out, members)
        if bar is not None:
            bar.update(steps)

    _share(one, units, n)
    return out, layout


def _share(work, units, n: int) -> None:
    """Run ``work(unit)`` for every unit over ``n`` threads, each taking the next unit free.

    Units are independent (members never interact) and each writes only its own rows, so
    who runs which changes no number."""
    if n == 1:
        for u in units:
            work(u)
        return
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    # Our threads are the parallelism: BLAS must not start its own inside them (OpenBLAS
    # threads spin-wait, and two callers each asking for both cores ran 30x slower).
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(max_workers=n) as pool:
        for f in [pool.submit(work, u) for u in units]:
            f.result()
