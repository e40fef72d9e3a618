r"""Learning time against depth on whitened MNIST for scaled-Gaussian, orthogonal and decoupled initial weights.

Writes ``results/<dataset>/depth_isometry.csv`` (``make``; ``--out`` chooses): the Saxe et al.
(2014) Fig. 6 experiment (docs/theory.md#deep-networks) on the project's MNIST setting (top-100 PCA-whitened inputs, ±1 targets, Σ11 = I exactly).

Networks of L = 2 … 32 weight matrices, hidden layers of width 100 (100 → 100 → … → 10),
trained by full-batch gradient descent from

- ``gaussian``: i.i.d. N(0, 1/n_l) entries (:func:`linnet.network.init_gaussian`, fan-in
  scaled, "scaled Gaussian");
- ``orthogonal``: a Haar-random orthogonal (partial isometry) matrix in every layer
  (:func:`linnet.network.init_orthogonal`, gain 1): the product is exactly isometric at any
  depth ("dynamical isometry");
- ``aligned``: decoupled, balanced weights carrying every mode of Σ31 with end-to-end
  strength u0 = 0.1 (:func:`linnet.network.init_aligned`), where the deep mode equation
  τu̇ = L u^{2−2/L}(s − u) is exact.

**Learning time** (``learning_step``) is the first step at which the loss falls below the
fixed threshold L* + 0.01·(L(0-map) − L*) = L* + 0.005·Σ s_α²: 99 % of the loss reduction
from the zero map to the optimum (Saxe et al. used a fixed training-error threshold). For each
depth and init, all learning rates of a log grid, η = factor × 2/(L s1^{2−2/L}) (the stability
bound at the optimum) with 12 factors from 0.003 to 2, run together as one ensemble; the fastest
rate that reaches the threshold is marked ``best`` (as Saxe et al. picked the best of twenty
rates per depth). A member stops when it reaches the threshold, diverges, reaches
``max_steps`` (2,000), or is still running at 1.25× the best learning step of its ensemble
(it is then slower than the best, which is all the experiment needs): ``reached = False`` and
``stopped_step`` says when it was stopped.

Theory rows (``source = theory``, init ``aligned``) iterate the exact discrete map of the
deep mode equation, a ← a + η a^{L−1}(s − a^L) per mode (docs/theory.md#discrete-gradient-descent), at the same rates
and with the same threshold: for the aligned init they are exact, and they show what depth
costs a decoupled network whose modes start at O(1)·s.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, network, setups, tables, theory, train

NAME = "depth_isometry"
EXPERIMENT = "depth_isometry"
INITS = ("gaussian", "orthogonal", "aligned")
CHUNK = 50  # steps between checks of which members are done


@dataclasses.dataclass(frozen=True)
class DepthIsometry(experiment.Spec):
    """Parameters: data set, width, depths, the grid of η/bound, the step budget, seeds."""

    dataset: str = "mnist"
    width: int = 100
    u0: float = 0.1  # aligned init: every mode's end-to-end strength
    fraction: float = 0.99  # of the loss reduction zero map → optimum (Saxe: 'nearly complete')
    depths: tuple[int, ...] = (2, 3, 4, 6, 8, 12, 16, 24, 32)
    factor_min: float = 0.003
    factor_max: float = 2.0
    n_factors: int = 12  # log-spaced η/bound from factor_min to factor_max
    max_steps: int = 2000
    seeds: int = 1

    schema = experiment.Schema(
        keys=("experiment", "dataset", "depth", "width", "init", "init_scale", "lr", "seed",
              "source"),
        columns=("lr_factor", "lr_bound", "learning_step", "learning_time", "reached", "diverged",
                 "best", "threshold"))

    @classmethod
    def quick(cls):
        return cls(depths=(2, 4), factor_min=0.1, factor_max=1.0, n_factors=3, max_steps=200)


def init_weights(init: str, stats, depth: int, seed: int, spec: DepthIsometry):
    widths = (stats.n_in,) + (spec.width,) * (depth - 1) + (stats.n_out,)
    rng = tables.rng_for(EXPERIMENT, init, depth, seed)
    if init == "gaussian":
        return network.init_gaussian(widths, 1.0, rng=rng, fan_in=True)
    if init == "orthogonal":
        return network.init_orthogonal(widths, 1.0, rng=rng)
    return network.init_aligned(stats.modes, widths, spec.u0, rng=rng)


def first_crossing(weights, stats, lrs, threshold, max_steps):
    """Run one ensemble (one member per rate) until each member crosses ``threshold`` or diverges.

    Members leave the ensemble as soon as they are done, so the cost falls as they finish.

    Returns
    -------
    step : ndarray of float, shape (K,)
        First step with loss ≤ threshold (NaN if never).
    diverged : ndarray of bool, shape (K,)
    final_loss : ndarray, shape (K,)
        Loss when the member stopped (NaN if diverged).
    stopped : ndarray of float, shape (K,)
        Step at which the member left the ensemble: its crossing step, else the step at which
        it was stopped unfinished (``max_steps`` or 1.25× the best crossing), NaN if diverged.
    """
    K = lrs.size
    step = np.full(K, np.nan)
    diverged = np.zeros(K, dtype=bool)
    final = np.full(K, np.nan)
    active = np.arange(K)
    w = tuple(np.broadcast_to(W, (K,) + W.shape).copy() for W in weights)
    done = 0
    limit = max_steps
    while active.size and done < limit:
        n = min(CHUNK, limit - done)
        tr = train.gradient_descent(w, stats, lrs[active], n, record_steps=np.arange(n + 1))
        below = tr.loss <= threshold  # NaN (diverged) compares False
        hit = below.any(axis=0)
        step[active[hit]] = done + np.argmax(below, axis=0)[hit]
        bad = np.asarray(tr.diverged) & ~hit
        diverged[active[bad]] = True
        final[active] = tr.loss[-1]
        final[active[hit]] = tr.loss[np.argmax(below, axis=0)[hit], np.flatnonzero(hit)]
        keep = ~hit & ~bad
        w = tuple(W[keep] for W in tr.weights)
        active = active[keep]
        done += n
        if np.isfinite(step).any():
            # Only the fastest rate matters (as in Saxe et al.); members still running at 1.25×
            # the best learning step are slower than it and are stopped (``stopped_step``).
            best = int(np.nanmin(step))
            limit = min(max_steps, best + max(best // 4, 1))
    stopped = np.where(np.isfinite(step), step, np.where(diverged, np.nan, done))
    return step, diverged, final, stopped


def theory_steps(stats, depth, lrs, threshold, spec: DepthIsometry):
    """Steps to the threshold of the exact discrete deep-mode map from aligned init (u0 per mode)."""
    s = stats.modes.s
    k = min(s.size, spec.width)
    steps = np.arange(spec.max_steps + 1)
    u = theory.deep_mode_strength_discrete(steps, np.broadcast_to(s[:k], (lrs.size, k)), spec.u0,
                                           lr=lrs[:, None], depth=depth)  # (T, K, k)
    # Modes beyond the k carried ones stay at u = 0 and keep their ½s² in the loss.
    loss = stats.min_loss() + 0.5 * np.sum((s[:k] - u) ** 2, axis=-1) \
        + 0.5 * np.sum(s[k:] ** 2)  # (T, K)
    below = loss <= threshold
    hit = below.any(axis=0)
    first = np.argmax(below, axis=0)
    out = np.where(hit, first, np.nan).astype(float)
    diverged = ~np.isfinite(loss[-1]) & ~hit
    stopped = np.where(hit, out, np.where(diverged, np.nan, spec.max_steps))
    # As in first_crossing: the loss at the crossing step, else the last one.
    final = np.where(hit, loss[first, np.arange(lrs.size)], loss[-1])
    return out, diverged, final, stopped


def depth_table(stats, columns, spec: DepthIsometry) -> pd.DataFrame:
    s = stats.modes.s
    L_star = stats.min_loss()
    threshold = L_star + (1 - spec.fraction) * 0.5 * float(np.sum(s**2))
    factors = np.geomspace(spec.factor_min, spec.factor_max, spec.n_factors)
    frames = []
    for depth in spec.depths:
        bound = train.stability_bound(s[0], depth)
        grid = {"columns": columns, "depth": depth, "lrs": bound * factors, "factors": factors,
                "bound": bound, "spec": spec}
        for seed in range(spec.seeds):
            for init in INITS:
                w = init_weights(init, stats, depth, seed, spec)
                res = first_crossing(w, stats, grid["lrs"], threshold, spec.max_steps)
                frames.append(_rows(**grid, init=init, seed=seed, source="simulation", result=res,
                                    loss0=network.loss_from_stats(w, stats)))
        res = theory_steps(stats, depth, grid["lrs"], threshold, spec)
        frames.append(_rows(**grid, init="aligned", seed=0, source="theory", result=res,
                            loss0=np.nan))
    table = pd.concat(frames, ignore_index=True)
    table["threshold"] = threshold
    table["min_loss"] = L_star
    table["s1"] = s[0]
    return table


def _rows(*, columns, depth, lrs, factors, bound, spec, init, seed, source, result, loss0):
    """Rows of one ensemble: ``result`` is (step, diverged, final_loss, stopped) per rate."""
    step, div, final, stopped = result
    reached = np.isfinite(step)
    best = np.zeros(lrs.size, dtype=bool)
    if reached.any():
        best[np.nanargmin(np.where(reached, step, np.inf))] = True
    return pd.DataFrame({
        "experiment": EXPERIMENT, **columns, "depth": depth, "width": spec.width, "init": init,
        "init_scale": spec.u0 if init == "aligned" else 1.0, "lr": lrs, "seed": seed,
        "source": source, "lr_factor": factors, "lr_bound": bound, "learning_step": step,
        "learning_time": step * lrs, "reached": reached, "diverged": div, "best": best,
        "final_loss": final, "stopped_step": stopped, "initial_loss": loss0,
    })


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, DepthIsometry, argv, data=True)
    # A damaged file in the folder, or a --set value the run cannot use: one line, exit 2.
    with experiment.user_errors(args):
        task, stats, columns = setups.whitened_mnist(args.spec.dataset, args.data_dir)
        table = depth_table(stats, columns, args.spec)
    experiment.write(table, args.out, args.spec)
    best = table[table.best & (table.source == "simulation")]
    summary = best.pivot_table(index="depth", columns="init", values="learning_step")
    print(f"wrote {args.out} ({len(table)} rows); best learning step per depth:\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
