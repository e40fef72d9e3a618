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

__all__ = ["Layout", "Records", "choose", "largest_product", "size_independent_kernel", "run"]

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


#: Multiply-adds per member in a step's largest product from which ``kernel="auto"`` picks
#: the numpy kernel: there BLAS's blocked products beat the compiled row loops (measured in
#: :func:`choose`).
NUMPY_FROM_MULTIPLY_ADDS = 1_000_000


def largest_product(widths, white: bool = True) -> int:
    r"""Multiply-adds of the largest product in one step of one member.

    A step of a network with widths :math:`(n_1, \dots, n_{L+1})` = (N, ..., M) multiplies
    M-row matrices by each layer, :math:`M n_{l+1} n_l` multiply-adds, and, for correlated
    inputs, :math:`D\Sigma_{11}`, :math:`M N^2`.

    Examples
    --------
    >>> from linnet import kernels
    >>> kernels.largest_product((100, 20, 10)), kernels.largest_product((100, 20, 10), white=False)
    (20000, 100000)
    """
    w = [int(n) for n in widths]
    M = w[-1]
    layers = max(a * b for a, b in zip(w[:-1], w[1:]))
    return M * max(layers, 0 if white else w[0] * w[0])


def choose(kernel: str, *, widths=None, white: bool = True) -> str:
    """The kernel that runs: "numba" (compiled) or "numpy".

    ``kernel="auto"`` picks the compiled kernel where numba is installed, unless the network
    (``widths`` = (N, hidden..., M), ``white`` whether Σ11 = I) has a product of at least
    :data:`NUMPY_FROM_MULTIPLY_ADDS` multiply-adds per member and step
    (:func:`largest_product`): there BLAS is faster. Without ``widths`` it picks the compiled
    kernel. The number of members does not enter: the compiled kernel shares members over
    threads from four members on, two per thread (:func:`n_threads`), which keeps it ahead at
    every ensemble size where it is ahead alone.

    Measured by bench/_choose_probe.py on an Intel Xeon (AVX-512, 2 cores, load average
    2.5-3.3 from other work), the two kernels alternating in one process, best of 3, µs per
    step, numpy / compiled, with the host's code and with the AVX2 code of an AMD EPYC Zen 3
    (numba for Haswell, OpenBLAS's Haswell kernels; largest product in multiply-adds; K
    members; "corr." = correlated inputs):

    ====================  =========  ====  ===============  ===============
    network                 product  K     host             AVX2
    ====================  =========  ====  ===============  ===============
    100-20-10                 2·10⁴  1     17.7 / 5.1       18.5 / 5.1
    100-20-10                 2·10⁴  64    470 / 245        616 / 256
    100-20-10 corr.           1·10⁵  1     23.4 / 10.5      27.6 / 10.0
    depth 4 × width 100       1·10⁵  1     65.8 / 65.9      99.5 / 56.4
    depth 32 × width 100      1·10⁵  1     832 / 629        1238 / 629
    784-20-10               1.6·10⁵  1     41.9 / 36.8      59.3 / 32.6
    200-20-10 corr.           4·10⁵  1     41.5 / 25.3      56.5 / 27.1
    100-200-100               2·10⁶  1     274 / 327        283 / 385
    100-400-100               4·10⁶  1     475 / 792        571 / 753
    784-20-10 corr.         6.1·10⁶  1     404 / 898        452 / 901
    784-20-10 corr.         6.1·10⁶  8     3255 / 5071      3888 / 5158
    ====================  =========  ====  ===============  ===============

    (K = 64 with the compiled kernel on two threads.) Up to 4·10⁵ the compiled kernel is as
    fast or up to 3.6x faster; from 2·10⁶ numpy (BLAS's blocked products on 512- or 256-bit
    vectors) is 1.2-2.2x faster; the crossover lies between the two on both code generations,
    hence 10⁶. The rule is a fixed size, not a timing taken at run time: a timed choice could
    differ from one run to the next, and the two kernels' numbers differ by round-off, so the
    same call would not give the same table twice.

    Examples
    --------
    >>> from linnet import kernels
    >>> kernels.choose("numpy")
    'numpy'
    >>> kernels.choose("auto") in ("numba", "numpy")  # "numba" where numba is installed
    True
    >>> kernels.choose("auto", widths=(784, 20, 10), white=False)  # BLAS-sized products
    'numpy'
    """
    if kernel not in KERNELS:
        raise ValueError(f'kernel must be "auto", "numpy" or "numba"; got {kernel!r}')
    if kernel == "numpy":
        return "numpy"
    if kernel == "auto" and widths is not None and \
            largest_product(widths, white) >= NUMPY_FROM_MULTIPLY_ADDS:
        return "numpy"  # decided without importing numba
    if _compiled_available():
        return "numba"
    if kernel == "numba":
        raise ImportError(
            'kernel="numba" needs numba: pip install "linnet[fast]" (or use kernel="auto")')
    return "numpy"


def size_independent_kernel() -> str:
    """One kernel for every ensemble size and shape: the compiled kernel wherever numba is
    installed, else numpy (``choose("auto")`` without ``widths``; with them, ``choose`` may
    pick numpy for networks with very large products, which this never does).

    For callers whose results must not depend on how runs are grouped into ensembles (sweeps
    cut configurations into groups of varying size): two kernels agree only to round-off, so
    one kernel must serve every group for tables to be byte-identical. Without ``widths``,
    :func:`choose` depends on nothing but numba's presence, so this is ``choose("auto")``:
    the compiled kernel, whose members' numbers do not depend on their group (one member per
    work unit, every sum in a fixed order), wherever numba is installed.

    Examples
    --------
    >>> from linnet import kernels
    >>> kernels.size_independent_kernel() == kernels.choose("auto")
    True
    """
    return choose("auto")


#: Members per thread below which splitting an ensemble over threads does not pay, by
#: kernel: the numpy kernel's small products hold the GIL, so it needs blocks of 8; the
#: compiled kernel releases it, and two members per thread already run 1.6x faster on two
#: threads than on one (100-20-10, 4 members: 25.8 -> 15.9 µs per step; kernels.choose).
MIN_MEMBERS_PER_THREAD = {"numpy": 8, "numba": 2}


def n_threads(members: int, *, per_thread: int = MIN_MEMBERS_PER_THREAD["numpy"]) -> int:
    """Threads for an ensemble: as many as BLAS may use here (respects threadpoolctl limits,
    and joblib/dask workers, which pin BLAS to one thread), at most one per ``per_thread``
    members (:data:`MIN_MEMBERS_PER_THREAD` of the kernel).

    Examples
    --------
    >>> from linnet import kernels
    >>> kernels.n_threads(1)
    1
    """
    if members < 2 * per_thread:
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
    return max(1, min(n, members // per_thread))


def run(weights, stats, lr, steps: int, rec: np.ndarray, *, keep_weights: bool,
        kernel: str, bar=None, threads: int | None = None) -> tuple[Records, Layout]:
    """Run K members (``weights`` layers (K, n_{l+1}, n_l), ``lr`` (K,)) with ``kernel``
    ("numpy" or "numba", from :func:`choose`) over ``threads`` threads (default
    :func:`n_threads` for the kernel); return their records and the layout of their flat weights.

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
    n = n_threads(K, per_thread=MIN_MEMBERS_PER_THREAD[kernel]) if threads is None else threads
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
