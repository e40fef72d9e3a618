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

import sys

import numpy as np
import pandas as pd

import _mnist
from linnet import network, tables, theory, train

NAME = "depth_isometry"
EXPERIMENT = "depth_isometry"
WIDTH = 100
U0 = 0.1
INITS = ("gaussian", "orthogonal", "aligned")
FRACTION = 0.99  # of the loss reduction from the zero map to the optimum (Saxe: 'nearly complete')
DEPTHS_FULL, DEPTHS_QUICK = (2, 3, 4, 6, 8, 12, 16, 24, 32), (2, 4)
FACTORS_FULL = np.geomspace(0.003, 2.0, 12)
FACTORS_QUICK = np.geomspace(0.1, 1.0, 3)
MAX_STEPS_FULL, MAX_STEPS_QUICK = 2000, 200
CHUNK = 50
SEEDS_FULL, SEEDS_QUICK = (0,), (0,)


def init_weights(init: str, stats, depth: int, seed: int):
    widths = (stats.n_in,) + (WIDTH,) * (depth - 1) + (stats.n_out,)
    rng = tables.rng_for(EXPERIMENT, init, depth, seed)
    if init == "gaussian":
        return network.init_gaussian(widths, 1.0, rng=rng, fan_in=True)
    if init == "orthogonal":
        return network.init_orthogonal(widths, 1.0, rng=rng)
    return network.init_aligned(stats.modes, widths, U0, rng=rng)


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


def theory_steps(stats, depth, lrs, threshold, max_steps):
    """Steps to the threshold of the exact discrete deep-mode map from aligned init (u0 per mode)."""
    s = stats.modes.s
    k = min(s.size, WIDTH)
    steps = np.arange(max_steps + 1)
    u = theory.deep_mode_strength_discrete(steps, np.broadcast_to(s[:k], (lrs.size, k)), U0,
                                           lr=lrs[:, None], depth=depth)  # (T, K, k)
    # Modes beyond the k carried ones stay at u = 0 and keep their ½s² in the loss.
    loss = stats.min_loss() + 0.5 * np.sum((s[:k] - u) ** 2, axis=-1) \
        + 0.5 * np.sum(s[k:] ** 2)  # (T, K)
    below = loss <= threshold
    hit = below.any(axis=0)
    first = np.argmax(below, axis=0)
    out = np.where(hit, first, np.nan).astype(float)
    diverged = ~np.isfinite(loss[-1]) & ~hit
    stopped = np.where(hit, out, np.where(diverged, np.nan, max_steps))
    # As in first_crossing: the loss at the crossing step, else the last one.
    final = np.where(hit, loss[first, np.arange(lrs.size)], loss[-1])
    return out, diverged, final, stopped


def depth_table(stats, columns, depths, factors, max_steps, seeds) -> pd.DataFrame:
    s = stats.modes.s
    L_star = stats.min_loss()
    threshold = L_star + (1 - FRACTION) * 0.5 * float(np.sum(s**2))
    frames = []
    for depth in depths:
        bound = train.stability_bound(s[0], depth)
        lrs = bound * factors
        for seed in seeds:
            for init in INITS:
                w = init_weights(init, stats, depth, seed)
                res = first_crossing(w, stats, lrs, threshold, max_steps)
                frames.append(_rows(columns, depth, init, seed, "simulation", lrs, factors, bound,
                                    *res, network.loss_from_stats(w, stats)))
        res = theory_steps(stats, depth, lrs, threshold, max_steps)
        frames.append(_rows(columns, depth, "aligned", 0, "theory", lrs, factors, bound, *res, np.nan))
    table = pd.concat(frames, ignore_index=True)
    table["threshold"] = threshold
    table["min_loss"] = L_star
    table["s1"] = s[0]
    return table


def _rows(columns, depth, init, seed, source, lrs, factors, bound, step, div, final, stopped, loss0):
    reached = np.isfinite(step)
    best = np.zeros(lrs.size, dtype=bool)
    if reached.any():
        best[np.nanargmin(np.where(reached, step, np.inf))] = True
    return pd.DataFrame({
        "experiment": EXPERIMENT, **columns, "depth": depth, "width": WIDTH, "init": init,
        "init_scale": U0 if init == "aligned" else 1.0, "lr": lrs, "seed": seed, "source": source,
        "lr_factor": factors, "lr_bound": bound, "learning_step": step,
        "learning_time": step * lrs, "reached": reached, "diverged": div, "best": best,
        "final_loss": final, "stopped_step": stopped, "initial_loss": loss0,
    })


def main(argv=None) -> int:
    args = _mnist.parser(NAME, __doc__).parse_args(argv)
    task, stats, columns = _mnist.load_task(args)
    quick = args.quick
    table = depth_table(stats, columns, DEPTHS_QUICK if quick else DEPTHS_FULL,
                        FACTORS_QUICK if quick else FACTORS_FULL,
                        MAX_STEPS_QUICK if quick else MAX_STEPS_FULL,
                        SEEDS_QUICK if quick else SEEDS_FULL)
    tables.write(table, args.out, schema=NAME)
    best = table[table.best & (table.source == "simulation")]
    summary = best.pivot_table(index="depth", columns="init", values="learning_step")
    print(f"wrote {args.out} ({len(table)} rows); best learning step per depth:\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
