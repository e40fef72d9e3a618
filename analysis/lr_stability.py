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

import sys

import numpy as np
import pandas as pd

import _analysis
from linnet import metrics, network, tables, train

NAME = "lr_stability"
EXPERIMENT = "lr_stability"
S = np.array([2.0, 1.5, 1.0, 0.8, 0.6, 0.5])
GAIN = 1.0
DEPTHS = (2, 3, 4)
STEPS_FULL, STEPS_QUICK = 20000, 400
N_LR_FULL, N_LR_QUICK = 28, 6
SEEDS_FULL, SEEDS_QUICK = (0, 1, 2), (0,)
TAIL = 50


def init_weights(stats, depth, seed):
    n = S.size
    w = network.init_zero_balanced((n,) * (depth + 1), GAIN ** (1 / depth) / np.sqrt(n),
                                   rng=tables.rng_for(EXPERIMENT, depth, seed))
    return _analysis.match_determinant_sign(w, stats.sigma31)


def classify(loss_tail, dist, loss0, diverged):
    """State of one run from its last losses (shape (TAIL + 1,)) and final relative distance."""
    if diverged or not np.all(np.isfinite(loss_tail)) or loss_tail[-1] > 1e6 * loss0:
        return "diverged"
    if dist < 1e-8:
        return "converged"
    if np.all(np.diff(loss_tail) <= 0):
        return "slow"
    return "oscillating"


def stability_table(lr_s1, steps, seeds) -> pd.DataFrame:
    stats = _analysis.whitened_teacher_stats(EXPERIMENT, S)
    s1 = S[0]
    frames = []
    norm = np.linalg.norm(stats.sigma31)
    for depth in DEPTHS:
        inits = [init_weights(stats, depth, seed) for seed in seeds]
        K = lr_s1.size
        # Ensemble axis: seed-major, then rate.
        weights = tuple(np.repeat(np.stack(layer), K, axis=0) for layer in zip(*inits))
        lrs = np.tile(lr_s1 / s1, len(seeds))
        rec = np.arange(steps - TAIL, steps + 1)
        tr = train.gradient_descent(weights, stats, lrs, steps, record_steps=np.r_[0, rec])
        loss0 = tr.loss[0]
        with np.errstate(over="ignore", invalid="ignore"):
            dist = metrics.distance_to_optimum(tr.product[-1], stats) / norm
        states = [classify(tr.loss[1:, i], dist[i], loss0[i], bool(tr.diverged[i]))
                  for i in range(lrs.size)]
        bound = train.stability_bound(s1, depth)
        frames.append(pd.DataFrame({
            "experiment": EXPERIMENT, "depth": depth, "width": S.size, "init": "zero_balanced",
            "init_scale": GAIN, "lr": lrs, "seed": np.repeat(seeds, K), "step": steps,
            "lr_s1": lrs * s1, "lr_bound": bound, "lr_ratio": lrs / bound, "state": states,
            "final_loss": tr.loss[-1], "final_distance": dist,
            "diverged_step": tr.diverged_step, "s1": s1, "min_loss": stats.min_loss(),
        }))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = _analysis.parser(NAME, __doc__).parse_args(argv)
    quick = args.quick
    lr_s1 = np.geomspace(0.05, 3.0, N_LR_QUICK if quick else N_LR_FULL)
    table = stability_table(lr_s1, STEPS_QUICK if quick else STEPS_FULL,
                            np.array(SEEDS_QUICK if quick else SEEDS_FULL))
    tables.write(table, args.out, schema=NAME)
    summary = table.groupby(["depth", "state"]).lr_ratio.agg(["min", "max", "count"])
    print(f"wrote {args.out} ({len(table)} rows); η/bound range of each state:\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
