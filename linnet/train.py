r"""Training: full-batch gradient descent on statistics, minibatch SGD on data, gradient flow.

Time convention (DESIGN.md, docs/theory.md#conventions): gradient descent with step η is the Euler step of
gradient flow :math:`\dot W_l = -\partial\mathcal L/\partial W_l` (τ = 1), so the theory time of
step k is t = k·η. Every :class:`Trajectory` carries both.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.integrate

from ._validation import (as_float_array, check_rng, check_samples, check_stats, nonnegative_int, positive_float,
                          positive_int, real_array)
from .network import _backprop, _end_to_end, _grads_from_error, check_weights
from .stats import Statistics
from .theory.deep import stability_bound  # re-exported: the bound names the step a run may take

__all__ = ["Trajectory", "log_steps", "stability_bound", "gradient_descent", "sgd", "gradient_flow"]


def log_steps(steps: int, n: int = 60) -> np.ndarray:
    """Recording grid: step 0 and about ``n`` log-spaced steps up to ``steps`` (unique ints)."""
    steps = nonnegative_int(steps, "steps")
    if steps == 0:
        return np.zeros(1, dtype=np.int64)
    grid = np.unique(np.round(np.geomspace(1, steps, n)).astype(np.int64))
    return np.concatenate([[0], grid])


@dataclass
class Trajectory:
    """What a training run recorded.

    Attributes
    ----------
    step : ndarray, shape (T,)
        Recorded steps.
    time : ndarray, shape (T,) or (T, K)
        Theory time t = step · η (per member when η differs across the ensemble).
    loss : ndarray, shape (T,) or (T, K)
        Loss at each recorded step; NaN after a member diverged.
    product : ndarray, shape (T, [K,] M, N)
        End-to-end map :math:`W_L\\cdots W_1` at each recorded step.
    weights : tuple of ndarray
        Final weights (of a diverged member: those at which its loss became non-finite).
    history : list of tuple of ndarray or None
        All layers at each recorded step, when ``keep_weights=True``.
    diverged : ndarray of bool, shape () or (K,)
        Whether the loss became non-finite.
    diverged_step : ndarray of int, shape () or (K,)
        First step with a non-finite loss (−1 if none).
    message : str
        Empty, or why a run diverged with the stability bound.
    extra : dict
        What else the run knows of itself: ``method`` ("gradient descent", "SGD",
        "gradient flow"), ``kernel`` (which implementation ran) and ``steps`` (steps taken
        or asked for); :meth:`__repr__` shows them.
    """

    step: np.ndarray
    time: np.ndarray
    loss: np.ndarray
    product: np.ndarray
    weights: tuple
    diverged: np.ndarray
    diverged_step: np.ndarray
    lr: np.ndarray
    history: list | None = None
    message: str = ""
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        """One line: what ran, the network, how far, and how it ended (never the arrays)."""
        parts = [self.extra.get("method", "training run")]
        if "kernel" in self.extra:
            parts[0] += f" [{self.extra['kernel']}]"
        W1 = self.weights[0] if self.weights else None
        if W1 is not None:
            widths = [W1.shape[-1], *(W.shape[-2] for W in self.weights)]
            parts.append(f"depth {len(self.weights)} ({'-'.join(map(str, widths))})")
            if W1.ndim > 2:
                parts.append(f"{int(np.prod(W1.shape[:-2]))} members")
        if "steps" in self.extra:
            parts.append(f"{self.extra['steps']} steps")
        elif np.size(self.time):
            parts.append(f"t from {np.min(self.time):.4g} to {np.max(self.time):.4g}")
        parts.append(f"{np.size(self.step)} recorded")
        parts.append(_final_loss_text(self.loss))
        n_div = int(np.count_nonzero(self.diverged))
        if n_div:
            parts.append(f"{n_div} diverged")
        return f"Trajectory({', '.join(parts)})"


def _final_loss_text(loss) -> str:
    """``final loss 0.0123`` for one run, ``final loss 0.001 to 0.2`` for an ensemble."""
    last = np.asarray(loss)
    if last.ndim == 0 or last.shape[0] == 0:
        return "no loss recorded"
    last = last[-1]
    finite = last[np.isfinite(last)]
    if finite.size == 0:
        return "final loss non-finite"
    lo, hi = finite.min(), finite.max()
    return f"final loss {lo:.4g}" if lo == hi else f"final loss {lo:.4g} to {hi:.4g}"


def _check_record(record_steps, steps: int) -> np.ndarray:
    if record_steps is None:
        return log_steps(steps)
    rec = np.asarray(record_steps)
    if rec.ndim != 1 or rec.size == 0 or not np.issubdtype(rec.dtype, np.integer):
        raise ValueError(f"record_steps must be a 1-D array of integers; got {record_steps!r}")
    if rec.min() < 0 or rec.max() > steps:
        raise ValueError(
            f"record_steps must lie in [0, steps={steps}]; got values from {rec.min()} to {rec.max()}"
        )
    return np.unique(rec.astype(np.int64))


def _check_lr(lr, lead: tuple) -> np.ndarray:
    lr = real_array(lr, "lr", fix="Pass the step size η as a float, e.g. lr=0.1, or one per member")
    if lr.ndim > len(lead) or (lr.ndim and lr.shape != lead[: lr.ndim] and lr.shape != lead):
        raise ValueError(
            f"lr must be a scalar or have the ensemble shape {lead}; got shape {lr.shape}"
        )
    if not np.all(np.isfinite(lr)) or np.any(lr <= 0):
        raise ValueError(
            f"lr must be finite and > 0; got {lr if lr.ndim else float(lr)}. Pass a step size "
            "below the stability bound (train.stability_bound), e.g. lr=0.1"
        )
    return np.broadcast_to(lr, lead).copy() if lead else lr


def _divergence_message(lr, stats: Statistics, depth: int, step) -> str:
    """Why a run diverged, with the stability bound of its task (white or not)."""
    s1 = float(stats.modes.s[0])
    start = f"the loss became non-finite (first at step {step}) with lr = {np.max(lr):.4g}; "
    head = start + (f"gradient descent on a depth-{depth} linear network is stable near the "
                    "optimum only for ")
    tail = "and large initial weights need smaller steps still"
    bound = stability_bound(stats, depth)
    if not np.isfinite(bound):
        return start + ("the task has no signal (s1 = 0), so every step is stable at its optimum "
                        "W = 0: the initial weights are too large for this step")
    if stats.is_white:
        return head + (f"lr < 2/(L·s1^(2-2/L)) = {bound:.4g} (lr < 1/s1 for two layers, s1 = {s1:.4g}), " + tail)
    return head + (
        f"lr < 2/λ_max = {bound:.4g}, λ_max the top Hessian eigenvalue at the balanced optimum "
        f"(inputs are not white, so 2/(L·s1^(2-2/L)) = {stability_bound(s1, depth):.4g} does not "
        "apply; theory.optimum_sharpness), " + tail
    )


def gradient_descent(
    weights,
    stats: Statistics,
    lr,
    steps: int,
    *,
    record_steps=None,
    keep_weights: bool = False,
    progress: bool = False,
    kernel: str = "auto",
) -> Trajectory:
    r"""Full-batch gradient descent computed from the statistics.

    Each step costs O(L·M·n²) whatever the number of samples P (DESIGN.md, Performance).

    Parameters
    ----------
    weights : tuple of ndarray
        Initial ``(W1, ..., WL)``, shapes (..., n_{l+1}, n_l); a leading axis K steps K
        networks together.
    stats : Statistics
        The task (``Statistics.from_data(X, Y)``).
    lr : float or ndarray of shape (K,)
        Step η > 0 (one per ensemble member if an array).
    steps : int
        Number of steps.
    record_steps : array_like of int, optional
        Steps at which to record (default: :func:`log_steps`).
    keep_weights : bool
        Also keep every layer at each recorded step (``Trajectory.history``).
    progress : bool
        Show a tqdm progress bar (only when output is a terminal).
    kernel : {"auto", "numpy", "numba"}
        Which implementation runs the steps: ``"numpy"`` (any depth and statistics),
        ``"numba"`` (compiled, two layers on whitened statistics only; needs the optional
        extra ``linnet[fast]``), or ``"auto"``: numba where it applies and is installed,
        for ensembles of at least 4 members (a single network runs faster with numpy).
        Both compute the same updates and divergence steps, up to round-off.

    Returns
    -------
    Trajectory

    Notes
    -----
    :math:`W_l \leftarrow W_l - \eta\,\partial\mathcal L/\partial W_l`, all layers from the same
    weights. A member whose loss becomes non-finite is marked diverged and frozen; the others go
    on. Floating-point overflow in a diverging member is expected data, not an error.
    """
    check_stats(stats)
    weights = check_weights(weights, n_in=stats.n_in, n_out=stats.n_out)
    steps = nonnegative_int(steps, "steps")
    lead = weights[0].shape[:-2]
    lr = _check_lr(lr, lead)
    rec = _check_record(record_steps, steps)
    use_numba = _use_numba(kernel, len(weights), stats, int(np.prod(lead, dtype=np.int64)))
    tr = _run_gd([W.copy() for W in weights], stats, lr, steps, rec, keep_weights, progress,
                 use_numba)
    tr.extra.update(method="gradient descent", kernel="numba" if use_numba else "numpy",
                    steps=steps)
    return tr


#: Members from which ``kernel="auto"`` prefers the numba kernel: it steps members 8 at a time
#: (one per SIMD lane), so fewer waste most of a chunk (100-20-10, µs per step, numpy/numba:
#: K = 1: 11/21, 2: 15/23, 4: 21/19, 8: 36/23, 16: 79/35).
_NUMBA_MIN_MEMBERS = 4


def _use_numba(kernel, depth: int, stats: Statistics, members: int = _NUMBA_MIN_MEMBERS) -> bool:
    """Resolve ``kernel`` of :func:`gradient_descent` to whether the numba kernel runs."""
    if kernel not in ("auto", "numpy", "numba"):
        raise ValueError(f'kernel must be "auto", "numpy" or "numba"; got {kernel!r}')
    if kernel == "numpy":
        return False
    applies = depth == 2 and stats.is_white
    if kernel == "numba" and not applies:
        raise ValueError(
            'kernel="numba" runs two-layer networks on whitened statistics only; got depth '
            f'{depth}{"" if stats.is_white else " and non-whitened inputs"}: use kernel="auto"'
        )
    if kernel == "auto" and not (applies and members >= _NUMBA_MIN_MEMBERS):
        return False  # decided without importing numba (its import alone costs ~0.1 s)
    try:
        from . import _numba_gd  # noqa: F401
    except ImportError:
        if kernel == "numba":
            raise ImportError(
                'kernel="numba" needs numba: pip install "linnet[fast]" (or use kernel="auto")'
            ) from None
        return False
    return applies and (kernel == "numba" or members >= _NUMBA_MIN_MEMBERS)


def size_independent_kernel(depth: int, stats: Statistics) -> str:
    """The kernel that ``kernel="auto"`` would pick for a large ensemble, whatever its size.

    For callers whose results must not depend on how runs are grouped into ensembles (sweeps
    cut configurations into chunks of varying size): the numba and numpy kernels agree only to
    round-off, so one kernel must serve every chunk for tables to be byte-identical.
    """
    return "numba" if _use_numba("auto", depth, stats) else "numpy"


def _run(ws, stats, lr, steps, rec, keep_weights, progress, grad_fn=None):
    """The training loop shared by GD and SGD: update, check divergence, record.

    ``grad_fn(ws, k, G)`` returns the layer gradients of step k, given ``G`` = W Σ11 − Σ31,
    the full-batch end-to-end gradient that the loop computes anyway for the loss.
    ``grad_fn=None`` is full-batch gradient descent on the statistics, run by the buffered
    kernel :func:`_run_gd` (same updates, fewer passes over memory).
    """
    if grad_fn is None:
        return _run_gd(ws, stats, lr, steps, rec, keep_weights, progress)
    lead = ws[0].shape[:-2]
    eta = lr[..., None, None] if lead else lr
    alive = np.ones(lead, dtype=bool)
    div_step = np.full(lead, -1, dtype=np.int64)
    T = rec.size
    losses = np.full((T,) + lead, np.nan)
    products = np.full((T,) + lead + (stats.n_out, stats.n_in), np.nan)
    history = [] if keep_weights else None
    Wopt = stats._ols
    white = stats.is_white
    s11 = stats.sigma11
    r = 0
    bar = _progress(steps, progress)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(steps + 1):
            P = _end_to_end(ws)
            D = P - Wopt
            G = D if white else D @ s11  # -E: the end-to-end gradient of the full-batch loss
            loss = stats._residual + 0.5 * np.sum(D * G, axis=(-2, -1))
            bad = alive & ~np.isfinite(loss)
            if np.any(bad):
                div_step = np.where(bad, k, div_step)
                alive = alive & ~bad
                if lead:
                    eta = np.where(alive[..., None, None], eta, 0.0)
            if r < T and rec[r] == k:
                losses[r] = np.where(alive, loss, np.nan)
                products[r] = P
                if keep_weights:
                    history.append(tuple(W.copy() for W in ws))
                r += 1
            if k == steps or not np.any(alive):
                break
            grads = grad_fn(ws, k, G)
            frozen = bool(lead) and not np.all(alive)
            for W, g in zip(ws, grads):
                if frozen:
                    # eta is 0 for a dead member, but 0 * inf is NaN: mask its update so its
                    # weights stay exactly those at which the loss turned non-finite.
                    g = np.where(alive[..., None, None], g, 0.0)
                W -= eta * g
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return _trajectory(stats, lr, rec, losses, products, tuple(ws), div_step, history)


def _trajectory(stats, lr, rec, loss, product, weights, div_step, history) -> Trajectory:
    """Assemble what a run recorded, with theory time t = step · η and the divergence message."""
    lr = np.asarray(lr)
    div_step = np.asarray(div_step)
    diverged = div_step >= 0
    msg = ""
    if np.any(diverged):
        msg = _divergence_message(lr, stats, len(weights), int(div_step[diverged].min()))
    time = rec.reshape((-1,) + (1,) * lr.ndim) * lr  # (T,) or (T, *ensemble)
    return Trajectory(
        step=rec, time=np.asarray(time, dtype=np.float64), loss=loss, product=product,
        weights=weights, diverged=np.asarray(diverged), diverged_step=div_step, lr=lr,
        history=history, message=msg,
    )


# ---------------------------------------------------------------------------- fast GD kernel
#: Members per thread below which splitting an ensemble over threads does not pay: each
#: thread's per-step Python overhead (~20 µs) must stay small beside its share of products.
_MIN_MEMBERS_PER_THREAD = 8

#: Divergence screen interval of the GD kernel (whitened inputs): a screen is one dot product
#: over all members (~10% of a step at the notebook's sizes), a saved copy of the weights
#: costs about two steps' element-wise work, and a failed screen replays at most this many.
_SCREEN_EVERY = 16

#: Working-set budget of one block of ensemble members: about a core's L2 cache here
#: (2 MiB; the estimate counts the main arrays only), so a block stays in cache between steps.
_BLOCK_BYTES = 2 << 20


def _n_threads(members: int) -> int:
    """Threads for an ensemble: as many as BLAS may use here (respects threadpoolctl limits,
    and joblib/dask workers, which pin BLAS to one thread), at most one per 8 members."""
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


def _run_gd(ws, stats, lr, steps, rec, keep_weights, progress, use_numba=False):
    """Full-batch gradient descent on the statistics for any depth and ensemble shape.

    The members are flattened to one leading axis of K (a single network is K = 1, so a
    member of an ensemble and the same network run alone take the same code path) and split
    into contiguous blocks run by threads: each small batched product is bound by call
    overhead, so one thread per core is what fills the machine, and the members never
    interact, so the split changes no number.
    """
    lead = ws[0].shape[:-2]
    K = int(np.prod(lead, dtype=np.int64))
    M, N = stats.n_out, stats.n_in
    T = rec.size
    flat = [np.ascontiguousarray(W.reshape((K,) + W.shape[-2:])) for W in ws]
    lr_flat = np.broadcast_to(np.asarray(lr, dtype=np.float64), lead).reshape(K)
    out = {
        "loss": np.full((T, K), np.nan),
        "product": np.full((T, K, M, N), np.nan),
        "div_step": np.full(K, -1, dtype=np.int64),
        "final": [W.copy() for W in flat],
        "history": [np.full((T,) + W.shape, np.nan) for W in flat] if keep_weights else None,
    }
    # Members run in blocks small enough that a block's weights, gradients and buffers stay
    # in a core's L2 cache (the element-wise passes then run from cache), and blocks are
    # shared out over threads, each thread running its blocks one after the other.
    n = _n_threads(K)
    if use_numba:
        from . import _numba_gd

        bar = _progress(steps, progress)
        _numba_gd.run(flat, lr_flat, stats, steps, rec, out, n, bar)
        if bar is not None:
            bar.close()
    else:
        _run_gd_blocks(flat, lr_flat, stats, steps, rec, out, n, progress)
    return _gd_trajectory(out, ws, lr, stats, rec, keep_weights, lead)


def _run_gd_blocks(flat, lr_flat, stats, steps, rec, out, n, progress):
    """The numpy kernel: blocks of members over ``n`` threads, each block by :func:`_gd_chunk`."""
    K = flat[0].shape[0]
    M, N = stats.n_out, stats.n_in
    per_member = 8 * (2 * sum(W[0].size for W in flat) + 3 * M * N
                      + 3 * M * sum(W.shape[-2] for W in flat))
    # With threads, every numpy call is a hand-off of the GIL, so fewer, larger blocks win
    # (measured at 64 members of 100-20-10: one block per thread 15% faster than two).
    budget = _BLOCK_BYTES * (2 if n > 1 else 1)
    n_blocks = max(n, -(-K // max(1, budget // per_member)))
    n_blocks = -(-n_blocks // n) * n  # a multiple of the threads, so they finish together
    bounds = np.linspace(0, K, n_blocks + 1).astype(np.int64)
    blocks = [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    mine = [blocks[i::n] for i in range(n)]
    bar = _progress(steps * len(mine[0]), progress)

    def work(my_blocks, bar):
        for a, b in my_blocks:
            _gd_chunk([W[a:b] for W in flat], np.arange(a, b), lr_flat, stats, steps, rec, out, bar)

    if n == 1:
        work(mine[0], bar)
    else:
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        # Our threads are the parallelism: BLAS must not start its own inside them (OpenBLAS
        # threads spin-wait, and two callers each asking for both cores ran 30x slower).
        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(work, m, bar if i == 0 else None) for i, m in enumerate(mine)]
            for f in futures:
                f.result()
    if bar is not None:
        bar.close()


def _gd_trajectory(out, ws, lr, stats, rec, keep_weights, lead):
    T, M, N = rec.size, stats.n_out, stats.n_in
    history = None
    if keep_weights:
        history = [tuple(h[r].reshape(W.shape) for h, W in zip(out["history"], ws)) for r in range(T)]
    return _trajectory(
        stats, lr, rec, out["loss"].reshape((T,) + lead),
        out["product"].reshape((T,) + lead + (M, N)),
        tuple(F.reshape(W.shape) for F, W in zip(out["final"], ws)),
        out["div_step"].reshape(lead), history,
    )


def _gd_chunk(ws, idx, lr_all, stats, steps, rec, out, bar):
    r"""Run the members ``idx`` (weights ``ws``, each (k, n_{l+1}, n_l), owned) and write their
    records into ``out`` at ``idx``.

    One step, with :math:`S_l = W_L\cdots W_{l+1}` built once from the top and reused for the
    end-to-end map :math:`W = S_1 W_1` (the association order of :func:`end_to_end`):

    .. math:: G = (W - W_\star)\Sigma_{11},\quad W_l \leftarrow W_l - (\eta S_l)^\top G\,(W_{l-1}\cdots W_1)^\top,

    so η multiplies the thin (M-row) :math:`S_l`, never a full layer. Every product writes
    into a buffer allocated once.

    Divergence is found at its exact first step. For whitened inputs the loss is
    :math:`\mathcal L_\star + \tfrac12\lVert D\rVert^2`, and one dot product of all members'
    D screens them all (a finite sum of non-negative terms means every member's loss is
    finite); it runs every ``_SCREEN_EVERY`` steps and at record steps, each passing screen
    saving the weights. A failed screen replays from the last saved weights with a screen at
    every step — the same operations on the same numbers, so the same results — and there the
    per-member losses name the members and the step. For correlated inputs the exact loss is
    checked every step. A member whose loss turns non-finite keeps its weights of that step
    and leaves the working set; the others go on, unaffected.
    """
    L = len(ws)
    M, N = stats.n_out, stats.n_in
    Wopt, s11, white, res = stats._ols, stats.sigma11, stats.is_white, stats._residual
    T = rec.size
    losses, products, div_step, final, hist = (out["loss"], out["product"], out["div_step"],
                                               out["final"], out["history"])
    lr = lr_all[idx]
    every = _SCREEN_EVERY if white else 1

    def buffers(k):
        b = {
            "S": [np.empty((k, M, W.shape[-1])) for W in ws[1:-1]],  # S_l for l < L-1
            "Se": [np.empty((k, M, W.shape[-2])) for W in ws[:-1]],
            "R": [np.empty((k, M, W.shape[-2])) for W in ws[:-1]],
            "g": [np.empty_like(W) for W in ws],
            "D": np.empty((k, M, N)),  # holds W = W_L ... W_1, then D = W - W_star in place
            # W_star tiled per member: a same-shape in-place subtraction runs ~3x faster than
            # a broadcast one at these sizes (measured; the arrays sit in cache).
            "Wopt": np.ascontiguousarray(np.broadcast_to(Wopt, (k, M, N))),
            "G": None if white else np.empty((k, M, N)),
            "WT": [np.swapaxes(W, -1, -2) for W in ws[:-1]],  # views: valid while ws lives
        }
        b["SeT"] = [np.swapaxes(x, -1, -2) for x in b["Se"]]
        # One scalar step for all members multiplies fastest; otherwise broadcast per member.
        b["eta"] = float(lr[0]) if np.all(lr == lr[0]) else lr[:, None, None]
        return b

    def product(ws, b):
        # Output-side products S_l = W_L ... W_{l+1} (S[L-1] unused), then W = S_1 W_1.
        S = [None] * L
        if L == 1:
            np.copyto(b["D"], ws[0])
            return S, b["D"]
        S[L - 2] = ws[L - 1]
        for l in range(L - 3, -1, -1):
            S[l] = np.matmul(S[l + 1], ws[l + 1], out=b["S"][l])
        return S, np.matmul(S[0], ws[0], out=b["D"])

    def error(P, b):
        D = np.subtract(P, b["Wopt"], out=P)
        return D, (D if white else np.matmul(D, s11, out=b["G"]))

    def exact_loss(D, G):
        return res + 0.5 * np.sum(D * G, axis=(-2, -1))

    matmul, multiply, subtract = np.matmul, np.multiply, np.subtract
    two = L == 2
    b = buffers(len(idx))
    k = r = 0
    replay_until = -1  # steps up to this one are screened one by one (after a failed screen)
    saved, saved_k, saved_r = [W.copy() for W in ws], 0, 0
    shown = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while True:
            if two:  # the common two-layer case, written out: fewer Python operations
                S, P = (ws[1], None), matmul(ws[1], ws[0], out=b["D"])
            else:
                S, P = product(ws, b)
            r0 = r
            recording = r < T and rec[r] == k
            if recording:
                products[r, idx] = P
            D, G = error(P, b)
            loss = None
            screened = recording or k % every == 0 or k == steps or k <= replay_until
            if screened:
                if white:
                    Df = D.reshape(-1)
                    check = np.dot(Df, Df)
                else:
                    loss = exact_loss(D, G)
                    check = np.sum(loss)
                if not np.isfinite(check) and every > 1 and k > replay_until:
                    # Some member went non-finite in (saved_k, k]: replay those steps.
                    for W, Wsaved in zip(ws, saved):
                        np.copyto(W, Wsaved)
                    replay_until, k, r = k, saved_k, saved_r
                    continue
            bad = None
            if screened and not np.isfinite(check):
                loss = exact_loss(D, G) if loss is None else loss
                bad = ~np.isfinite(loss)
            if recording:
                loss = exact_loss(D, G) if loss is None else loss
                losses[r, idx] = np.where(np.isfinite(loss), loss, np.nan)
                if hist is not None:
                    for h, W in zip(hist, ws):
                        h[r, idx] = W
                r += 1
            if bad is not None and np.any(bad):
                dead = idx[bad]
                div_step[dead] = k
                for F, W in zip(final, ws):
                    F[dead] = W[bad]
                # Records after this step that a first pass (before a replay) wrote are void.
                losses[r:, dead] = np.nan
                products[r:, dead] = np.nan
                if hist is not None:
                    for h in hist:
                        h[r:, dead] = np.nan
                keep = ~bad
                idx, lr = idx[keep], lr[keep]
                ws = [np.ascontiguousarray(W[keep]) for W in ws]
                if not idx.size or k == steps:
                    break
                b = buffers(idx.size)
                S, P = product(ws, b)  # the survivors' own (unchanged) numbers
                D, G = error(P, b)
                if every > 1:
                    saved, saved_k, saved_r = [W.copy() for W in ws], k, r0
            elif screened and every > 1 and k > replay_until:
                for W, Wsaved in zip(ws, saved):
                    np.copyto(Wsaved, W)
                saved_k, saved_r = k, r0
            if k == steps:
                break
            eta, g, R = b["eta"], b["g"], G
            if two:
                multiply(ws[1], eta, out=b["Se"][0])
                matmul(b["SeT"][0], G, out=g[0])
                multiply(matmul(G, b["WT"][0], out=g[1]), eta, out=g[1])
                subtract(ws[0], g[0], out=ws[0])
                subtract(ws[1], g[1], out=ws[1])
            else:
                for l in range(L):
                    if l < L - 1:
                        multiply(S[l], eta, out=b["Se"][l])
                        matmul(b["SeT"][l], R, out=g[l])
                        R = matmul(R, b["WT"][l], out=b["R"][l])
                    else:
                        multiply(R, eta, out=g[l])
                for W, gl in zip(ws, g):
                    subtract(W, gl, out=W)
            k += 1
            if bar is not None and k > shown:
                bar.update(k - shown)
                shown = k
    for F, W in zip(final, ws):
        F[idx] = W


def _progress(total, enabled: bool, **options):
    """A tqdm bar over ``total`` steps, shown only on a terminal; None when not ``enabled``.

    ``options`` go to tqdm (e.g. ``unit``, ``unit_scale``, ``delay``).
    """
    if not enabled:
        return None
    import sys

    from tqdm.auto import tqdm

    options = {"unit": "step", **options}
    return tqdm(total=total, disable=not sys.stderr.isatty(), leave=False, **options)


def sgd(
    weights,
    X,
    Y,
    lr,
    steps: int,
    *,
    batch_size: int,
    rng: np.random.Generator,
    record_steps=None,
    keep_weights: bool = False,
    progress: bool = False,
) -> Trajectory:
    r"""Minibatch stochastic gradient descent on samples ``X`` (P, N), ``Y`` (P, M).

    Batches are drawn without replacement within each epoch (a new permutation every epoch,
    from ``rng``). Losses are recorded on the full data set, computed from its statistics.
    With ``batch_size = P`` this is full-batch gradient descent.

    Parameters
    ----------
    batch_size : int
        B, samples per step (1 ≤ B ≤ P).
    rng : numpy.random.Generator
        Draws the batches.

    Notes
    -----
    Each step's gradient is the full-batch formula applied to the batch statistics, at the
    same 1/2B normalisation, so the expected step equals the GD step and t = k·η holds.
    """
    X, Y = check_samples(X, Y)
    stats = Statistics.from_data(X, Y)
    weights = check_weights(weights, n_in=stats.n_in, n_out=stats.n_out)
    steps = nonnegative_int(steps, "steps")
    P = X.shape[0]
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > P:
        raise ValueError(f"batch_size must be at most P = {P}; got {batch_size}")
    check_rng(rng)
    lead = weights[0].shape[:-2]
    lr = _check_lr(lr, lead)
    rec = _check_record(record_steps, steps)
    per_epoch = P // batch_size
    perm = rng.permutation(P)

    def grad_fn(ws, k, _G):
        nonlocal perm
        j = k % per_epoch
        if j == 0 and k:
            perm = rng.permutation(P)
        idx = perm[j * batch_size:(j + 1) * batch_size]
        return _backprop(ws, X[idx], Y[idx])  # unchecked: a dead member may hold inf

    tr = _run([W.copy() for W in weights], stats, lr, steps, rec, keep_weights, progress,
              grad_fn=grad_fn)
    tr.extra.update(method=f"SGD (batch {batch_size} of {P})", steps=steps)
    return tr


def gradient_flow(
    weights,
    stats: Statistics,
    times: Sequence[float],
    *,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "DOP853",
    progress: bool = True,
) -> Trajectory:
    r"""Integrate gradient flow :math:`\dot W_l = -\partial\mathcal L/\partial W_l` with ``scipy.integrate.solve_ivp``.

    The reference where no closed form applies: any initial weights, any depth, non-whitened
    inputs. Accepts no ensemble axis.

    Parameters
    ----------
    weights : tuple of ndarray
        Initial ``(W1, ..., WL)``, shapes (n_{l+1}, n_l).
    stats : Statistics
        The task (``Statistics.from_data(X, Y)``).
    times : array_like of float, shape (T,)
        Increasing times t ≥ 0 at which to record (t = 0 is the initial state).
    rtol, atol : float
        Integrator tolerances (> 0).
    method : str
        A ``solve_ivp`` method.
    progress : bool
        Show a tqdm bar of the integrated time t / times[-1] when stderr is a terminal (it
        appears only for runs longer than a second). Reading the bar changes no number.

    Returns
    -------
    Trajectory
        ``step`` counts the recorded points 0..T−1; ``history`` holds every layer at each.
    """
    check_stats(stats)
    weights = check_weights(weights, n_in=stats.n_in, n_out=stats.n_out)
    if weights[0].ndim != 2:
        raise ValueError("gradient_flow takes a single network (no ensemble axis); loop over members")
    t = _check_times(times)
    rtol, atol = positive_float(rtol, "rtol"), positive_float(atol, "atol")
    shapes = [W.shape for W in weights]
    sizes = np.cumsum([0] + [W.size for W in weights])

    def unpack(y):
        return tuple(y[a:b].reshape(s) for a, b, s in zip(sizes[:-1], sizes[1:], shapes))

    # The bar follows the time at which the solver evaluates the flow: it only reads the
    # solver's progress, so the integration is the same with or without it.
    bar = _progress(float(t[-1]), progress, unit="t", unit_scale=True, delay=_FLOW_BAR_DELAY)

    def rhs(t_, y):
        if bar is not None and t_ > bar.n:
            bar.update(t_ - bar.n)
        ws = unpack(y)
        E = stats.sigma31 - _end_to_end_times_s11(ws, stats)
        return -np.concatenate([g.ravel() for g in _grads_from_error(ws, E)])

    y0 = np.concatenate([W.ravel() for W in weights])
    try:
        sol = scipy.integrate.solve_ivp(rhs, (0.0, float(t[-1])), y0, t_eval=t, rtol=rtol,
                                        atol=atol, method=method)
    finally:
        if bar is not None:
            bar.close()
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    hist = [unpack(sol.y[:, i]) for i in range(t.size)]
    products = np.stack([_end_to_end(ws) for ws in hist])
    return Trajectory(
        step=np.arange(t.size), time=t, loss=stats.loss(products), product=products,
        weights=hist[-1], diverged=np.asarray(False), diverged_step=np.asarray(-1),
        lr=np.asarray(np.nan), history=hist,
        extra={"method": "gradient flow", "kernel": f"solve_ivp {method}"},
    )


#: Seconds before :func:`gradient_flow` shows its bar: most flows take well under a second,
#: and a bar that flashes for each of them is noise.
_FLOW_BAR_DELAY = 1.0


def _check_times(times) -> np.ndarray:
    """Recording times of :func:`gradient_flow`: 1-D, increasing, >= 0."""
    t = as_float_array(times, "times", ndim=1, fix="pass finite times, e.g. np.linspace(0, 10, 101)")
    if t.min() < 0 or np.any(np.diff(t) <= 0):
        shown = np.array2string(t, threshold=6, precision=4)
        raise ValueError(
            f"times must be increasing and >= 0; got {shown}. Pass e.g. np.linspace(0, 10, 101) "
            "(np.unique sorts and removes repeats)"
        )
    return t


def _end_to_end_times_s11(ws, stats):
    P = _end_to_end(ws)
    return P if stats.is_white else P @ stats.sigma11
