r"""Training: full-batch gradient descent on statistics, minibatch SGD on data, gradient flow.

Time convention (DESIGN.md, docs/theory.md#conventions): gradient descent with step η is the Euler step of
gradient flow :math:`\dot W_l = -\partial\mathcal L/\partial W_l` (τ = 1), so the theory time of
step k is t = k·η. Every :class:`Trajectory` carries both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._validation import (as_float_array, check_rng, check_samples, check_stats, nonnegative_int, positive_float,
                          positive_int, real_array)
from . import kernels
from ._products import backprop, chain
from .network import check_weights, end_to_end_gradient, layer_gradients
from .stats import Statistics
from .theory.deep import stability_bound  # re-exported: the bound names the step a run may take

__all__ = ["Trajectory", "log_steps", "stability_bound", "gradient_descent", "sgd", "gradient_flow"]


def log_steps(steps: int, n: int = 60) -> np.ndarray:
    """Recording grid: step 0 and about ``n`` log-spaced steps up to ``steps`` (unique ints).

    Examples
    --------
    >>> from linnet import train
    >>> train.log_steps(100, n=5).tolist()
    [0, 1, 3, 10, 32, 100]
    """
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
    lr : ndarray, shape () or (K,)
        The step size η of each member (NaN for gradient flow, which has none); ``time`` is
        ``step · lr``.
    message : str
        Empty, or why a run diverged with the stability bound.
    extra : dict
        What else the run knows of itself: ``method`` ("gradient descent", "SGD",
        "gradient flow"), ``kernel`` (which implementation ran) and ``steps`` (steps taken
        or asked for); :meth:`__repr__` shows them.

    Notes
    -----
    Divergence: a member is frozen at its first non-finite loss. Its record at that step holds
    the product and weights with a NaN loss; every later record is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, network, train
    >>> X = np.eye(3) * np.sqrt(3)
    >>> stats = Statistics.from_data(X, X[:, :2])
    >>> w = network.init_gaussian((3, 4, 2), 0.1, rng=np.random.default_rng(0))
    >>> tr = train.gradient_descent(w, stats, 0.1, 100, record_steps=[0, 50, 100])
    >>> tr.step.tolist(), tr.time.round(3).tolist(), tr.product.shape
    ([0, 50, 100], [0.0, 5.0, 10.0], (3, 2, 3))
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
        Initial ``(W1, ..., WL)``, shapes (n_{l+1}, n_l), or (K, n_{l+1}, n_l) to step K
        networks together (an ensemble).
    stats : Statistics
        The task (``Statistics.from_data(X, Y)``).
    lr : float or ndarray of the ensemble shape
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
        Which implementation runs the steps (linnet.kernels): ``"numpy"`` (batched numpy),
        ``"numba"`` (compiled loops, any depth and statistics; needs the optional extra
        ``linnet[fast]``), or ``"auto"``: numba when installed, except for networks with
        BLAS-sized products (10⁶ multiply-adds per member and step), else numpy (the rule and
        its measurements: :func:`linnet.kernels.choose`). Both compute the updates of
        ``linnet._reference.gradient_descent`` and agree up to round-off.

    Returns
    -------
    Trajectory

    Notes
    -----
    :math:`W_l \leftarrow W_l - \eta\,\partial\mathcal L/\partial W_l`, all layers from the same
    weights. A member whose loss becomes non-finite is marked diverged and frozen; the others go
    on. Floating-point overflow in a diverging member is expected data, not an error. A
    member's numbers do not depend on the ensemble it runs in, nor on the threads.

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, network, train
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 4))
    >>> stats = Statistics.from_data(X, X @ rng.standard_normal((4, 3)))
    >>> w = network.init_gaussian((4, 5, 3), 0.1, rng=rng)
    >>> tr = train.gradient_descent(w, stats, 0.05, 2000, kernel="numpy")
    >>> bool(tr.loss[-1] < 1e-6 + stats.min_loss()), tr.loss.shape == tr.step.shape
    (True, True)
    """
    check_stats(stats)
    weights = check_weights(weights, n_in=stats.n_in, n_out=stats.n_out)
    steps = nonnegative_int(steps, "steps")
    lead = weights[0].shape[:-2]
    lr = _check_lr(lr, lead)
    rec = _check_record(record_steps, steps)
    K = int(np.prod(lead, dtype=np.int64))
    widths = (weights[0].shape[-1],) + tuple(W.shape[-2] for W in weights)
    name = kernels.choose(kernel, widths=widths, white=stats.is_white)
    flat = [W.reshape((K,) + W.shape[-2:]) for W in weights]
    bar = _progress(steps, progress)
    try:
        out, layout = kernels.run(flat, stats, np.broadcast_to(lr, lead).reshape(K), steps, rec,
                                  keep_weights=keep_weights, kernel=name, bar=bar)
    finally:
        if bar is not None:
            bar.close()
    tr = _trajectory(stats, lr, rec, _records_by_step(out, layout, lead, rec.size))
    tr.extra.update(method="gradient descent", kernel=name, steps=steps)
    return tr


@dataclass
class _Recorded:
    """A run's records in the Trajectory's order: ``loss`` (T, *lead), ``product``
    (T, *lead, M, N), ``weights`` (final layers, (*lead, n_{l+1}, n_l)), ``div_step`` (*lead),
    ``history`` (T tuples of layers) or None."""

    loss: np.ndarray
    product: np.ndarray
    weights: tuple
    div_step: np.ndarray
    history: list | None


def _records_by_step(out: kernels.Records, layout: kernels.Layout, lead: tuple, T: int) -> _Recorded:
    """The kernels' member-major records (K first) as step-major arrays of the ensemble shape."""
    def shaped(a):  # (K, T, ...) -> (T, *lead, ...)
        return np.ascontiguousarray(np.moveaxis(a, 0, 1)).reshape((T,) + lead + a.shape[2:])

    def layers(flat):  # (K, size) -> layers (*lead, n_{l+1}, n_l)
        return tuple(np.ascontiguousarray(W).reshape(lead + W.shape[1:]) for W in layout.layers(flat))

    history = None
    if out.history is not None:
        history = [layers(out.history[:, r]) for r in range(T)]
    return _Recorded(loss=shaped(out.loss), product=shaped(out.product),
                     weights=layers(out.final), div_step=out.div_step.reshape(lead),
                     history=history)


def _trajectory(stats, lr, rec, got: _Recorded) -> Trajectory:
    """Assemble what a run recorded, with theory time t = step · η and the divergence message."""
    lr = np.asarray(lr)
    div_step = np.asarray(got.div_step)
    diverged = div_step >= 0
    msg = ""
    if np.any(diverged):
        msg = _divergence_message(lr, stats, len(got.weights), int(div_step[diverged].min()))
    time = rec.reshape((-1,) + (1,) * lr.ndim) * lr  # (T,) or (T, *ensemble)
    return Trajectory(
        step=rec, time=np.asarray(time, dtype=np.float64), loss=got.loss, product=got.product,
        weights=got.weights, diverged=np.asarray(diverged), diverged_step=div_step, lr=lr,
        history=got.history, message=msg,
    )


def _sgd_loop(ws, stats, lr, steps, rec, keep_weights, progress, grad_fn):
    """The loop of :func:`sgd`: evaluate on the full data, record, freeze, step.

    ``grad_fn(ws, k)`` returns the layer gradients of step k (from its batch). A member whose
    full-data loss turns non-finite is frozen where it is: its step is masked to zero (not
    η = 0 times its gradient, which is NaN when the gradient is infinite).
    """
    lead = ws[0].shape[:-2]
    eta = lr[..., None, None] if lead else lr
    alive = np.ones(lead, dtype=bool)
    div_step = np.full(lead, -1, dtype=np.int64)
    T = rec.size
    losses = np.full((T,) + lead, np.nan)
    products = np.full((T,) + lead + (stats.n_out, stats.n_in), np.nan)
    history = [] if keep_weights else None
    r = 0
    bar = _progress(steps, progress)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for k in range(steps + 1):
                P = chain(ws)
                loss = stats.loss(P)
                bad = alive & ~np.isfinite(loss)
                div_step = np.where(bad, k, div_step)
                alive = alive & ~bad
                if r < T and rec[r] == k:
                    # As the GD kernels: the divergence step's record holds its product and
                    # weights (with a NaN loss), later records are NaN.
                    shown = (alive | bad)[..., None, None]
                    losses[r] = np.where(alive, loss, np.nan)
                    products[r] = np.where(shown, P, np.nan)
                    if keep_weights:
                        history.append(tuple(np.where(shown, W, np.nan) for W in ws))
                    r += 1
                if k == steps or not np.any(alive):
                    break
                for W, g in zip(ws, grad_fn(ws, k)):
                    W -= eta * (np.where(alive[..., None, None], g, 0.0) if lead else g)
                if bar is not None:
                    bar.update(1)
    finally:  # an interrupt (Ctrl-C) or an error mid-run still closes the bar
        if bar is not None:
            bar.close()
    return _trajectory(stats, lr, rec, _Recorded(losses, products, tuple(ws), div_step, history))


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
    Divergence is judged on the full-data loss, as in :func:`gradient_descent` (records after
    a member's divergence step are NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import network, train
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3))
    >>> w = network.init_gaussian((3, 4, 2), 0.1, rng=rng)
    >>> tr = train.sgd(w, X, X[:, :2], 0.05, 3000, batch_size=10, rng=rng, record_steps=[3000])
    >>> bool(tr.loss[-1] < 1e-8)
    True
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

    def grad_fn(ws, k):
        nonlocal perm
        j = k % per_epoch
        if j == 0 and k:
            perm = rng.permutation(P)
        idx = perm[j * batch_size:(j + 1) * batch_size]
        return backprop(ws, X[idx], Y[idx])  # unchecked: a dead member may hold inf

    tr = _sgd_loop([W.copy() for W in weights], stats, lr, steps, rec, keep_weights, progress,
                   grad_fn)
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

    Examples
    --------
    >>> import numpy as np
    >>> from linnet import Statistics, network, train
    >>> X = np.eye(2) * np.sqrt(2)
    >>> stats = Statistics.from_data(X, X)
    >>> w = network.init_gaussian((2, 2, 2), 0.1, rng=np.random.default_rng(0))
    >>> tr = train.gradient_flow(w, stats, [0.0, 1.0, 30.0], progress=False)
    >>> tr.loss.shape, bool(tr.loss[-1] < 1e-8)
    ((3,), True)
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
        G = end_to_end_gradient(chain(ws), stats)
        return -np.concatenate([g.ravel() for g in layer_gradients(ws, G)])

    y0 = np.concatenate([W.ravel() for W in weights])
    from scipy.integrate import solve_ivp  # here: training by steps needs no scipy.integrate

    try:
        sol = solve_ivp(rhs, (0.0, float(t[-1])), y0, t_eval=t, rtol=rtol,
                                        atol=atol, method=method)
    finally:
        if bar is not None:
            bar.close()
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    hist = [unpack(sol.y[:, i]) for i in range(t.size)]
    products = np.stack([chain(ws) for ws in hist])
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
