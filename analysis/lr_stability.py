r"""Final state of gradient descent (converged, oscillating, diverged) against η·s1 for depths 2-4.

Writes ``results/lr_stability.csv``. A linear teacher on exactly whitened inputs with singular
values s = (2, 1.5, 1, 0.8, 0.6, 0.5) (so s1 = 2, Σ31 square 6 × 6), networks of L = 2, 3, 4
square layers from random zero-balanced weights with end-to-end gain ≈ 1
(:func:`linnet.network.init_zero_balanced`; balanced minima are the flattest, docs/theory.md#stability),
trained for 20,000 full-batch steps at 28 learning rates η·s1 from 0.05 to 3, all rates and
seeds of a depth stepping together as one ensemble.

Predicted boundary (``lr_bound``): η < 2/(L s1^{2−2/L}), the inverse half-sharpness of the
balanced global minimum (top Hessian eigenvalue L s1^{2−2/L}); in units of η·s1 it is
2 s1^{2/L−1}/L: 1 for L = 2, 0.529 for L = 3 and 0.354 for L = 4 (s1 = 2). ``lr_ratio`` is
η over the bound.

``state`` of each run after the last step:

- ``diverged``: the loss became non-finite (or exceeded 1e6 × its initial value);
- ``converged``: ‖W − Σ31‖_F / ‖Σ31‖_F < 1e-8;
- ``oscillating``: finite but not converged, with the loss still going up and down over the
  last 50 steps (edge of stability);
- ``slow``: finite, not converged, loss still decreasing monotonically (too few steps — it
  marks where the budget, not the bound, decided).

Square balanced networks cannot change the sign of their determinant without passing a singular
map, so each initialisation's sign is matched to the teacher's (one row of the last layer is
flipped when needed); otherwise one mode would stall at a saddle whatever the step size.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, metrics, network, setups, tables, train

NAME = "lr_stability"
EXPERIMENT = "lr_stability"


@dataclasses.dataclass(frozen=True)
class LrStability(experiment.Spec):
    """Parameters: the spectrum, depths, the grid of η·s1, steps and seeds."""

    s: tuple[float, ...] = (2.0, 1.5, 1.0, 0.8, 0.6, 0.5)
    gain: float = 1.0  # end-to-end gain of the initial weights
    depths: tuple[int, ...] = (2, 3, 4)
    steps: int = 20000
    lr_s1_min: float = 0.05
    lr_s1_max: float = 3.0
    n_lr: int = 28  # log-spaced η·s1 from lr_s1_min to lr_s1_max
    seeds: int = 3
    tail: int = 50  # last steps whose losses decide oscillating vs slow

    schema = experiment.Schema(
        keys=("experiment", "depth", "width", "init", "init_scale", "lr", "seed", "step"),
        columns=("lr_s1", "lr_bound", "lr_ratio", "state", "final_loss", "final_distance"))

    @classmethod
    def quick(cls):
        return cls(steps=400, n_lr=6, seeds=1)


def init_weights(stats, depth, seed, gain):
    n = stats.n_in
    w = network.init_zero_balanced((n,) * (depth + 1), gain ** (1 / depth) / np.sqrt(n),
                                   rng=tables.rng_for(EXPERIMENT, depth, seed))
    return setups.match_determinant_sign(w, stats.sigma31)


def classify(loss_tail, dist, loss0, diverged):
    """State of one run from its last losses (shape (tail + 1,)) and final relative distance."""
    if diverged or not np.all(np.isfinite(loss_tail)) or loss_tail[-1] > 1e6 * loss0:
        return "diverged"
    if dist < 1e-8:
        return "converged"
    if np.all(np.diff(loss_tail) <= 0):
        return "slow"
    return "oscillating"


def depth_rows(spec: LrStability, stats, depth: int, lr_s1: np.ndarray) -> pd.DataFrame:
    """Every rate and seed at one depth, stepping together as one ensemble."""
    s1, steps, seeds = spec.s[0], spec.steps, np.arange(spec.seeds)
    inits = [init_weights(stats, depth, seed, spec.gain) for seed in seeds]
    K = lr_s1.size
    # Ensemble axis: seed-major, then rate.
    weights = tuple(np.repeat(np.stack(layer), K, axis=0) for layer in zip(*inits))
    lrs = np.tile(lr_s1 / s1, len(seeds))
    rec = np.arange(steps - spec.tail, steps + 1)
    tr = train.gradient_descent(weights, stats, lrs, steps, record_steps=np.r_[0, rec])
    loss0 = tr.loss[0]
    with np.errstate(over="ignore", invalid="ignore"):
        dist = metrics.distance_to_optimum(tr.product[-1], stats) / np.linalg.norm(stats.sigma31)
    states = [classify(tr.loss[1:, i], dist[i], loss0[i], bool(tr.diverged[i]))
              for i in range(lrs.size)]
    bound = train.stability_bound(s1, depth)
    return pd.DataFrame({
        "experiment": EXPERIMENT, "depth": depth, "width": stats.n_in, "init": "zero_balanced",
        "init_scale": spec.gain, "lr": lrs, "seed": np.repeat(seeds, K), "step": steps,
        "lr_s1": lrs * s1, "lr_bound": bound, "lr_ratio": lrs / bound, "state": states,
        "final_loss": tr.loss[-1], "final_distance": dist,
        "diverged_step": tr.diverged_step, "s1": s1, "min_loss": stats.min_loss(),
    })


def stability_table(spec: LrStability) -> pd.DataFrame:
    stats = setups.whitened_teacher_stats(EXPERIMENT, np.array(spec.s))
    lr_s1 = np.geomspace(spec.lr_s1_min, spec.lr_s1_max, spec.n_lr)
    return pd.concat([depth_rows(spec, stats, depth, lr_s1) for depth in spec.depths],
                     ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, LrStability, argv)
    with experiment.user_errors(args):  # e.g. a --set value the run cannot use: one line
        table = stability_table(args.spec)
    experiment.write(table, args.out, args.spec)
    summary = table.groupby(["depth", "state"]).lr_ratio.agg(["min", "max", "count"])
    print(f"wrote {args.out} ({len(table)} rows); η/bound range of each state:\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
