r"""Singular values of Σ31 on whitened MNIST and the mode strengths a two-layer network learns: simulation and Saxe theory.

Writes ``results/<dataset>/mnist_modes.csv``. Setting (docs/theory.md#data-sets): the training set of the
chosen data set (default: the embedded 4,000-digit MNIST sample), centred and PCA-whitened
to k = 100 components on the training set (Σ11 = I exactly), targets y = 2e_c − 1. Then

- ``s`` (every row): the singular values s_α of Σ31, α = 1..10. On centred inputs the class
  means weighted by the class frequencies sum to zero, so rank(Σ31) ≤ 9: the 10th singular
  value is zero by construction (round-off), flagged in ``zero_by_construction``;
  ``trace33`` is Tr Σ33 = 10 and ``min_loss`` the least-squares loss ½(Tr Σ33 − Σ s_α²).
- Mode strengths u_α(t) = u_αᵀ W2 W1 v_α of a 100 → 50 → 10 network trained by full-batch
  gradient descent from small i.i.d. Gaussian weights (σ = 1e-3, ``init_scale``), η = 0.02
  (η·s1 ≈ 0.01, far below the bound η < 1/s1), for 2,500 steps (t = 50), on a log grid;
  several seeds (8 full; ``--quick``: 2 seeds, 800 steps), all stepping together as one ensemble.

Sources (``source``): ``simulation``; ``theory`` (Saxe et al. eq. 12 at t = step·η from the
effective initial strength :func:`linnet.theory.effective_initial_strength` of each seed's
weights, column ``u0``); ``theory_discrete`` (the exact GD map u ← u(1 + η(s − u))², docs/theory.md
#discrete-gradient-descent). ``t_half_theory`` is t½ = ln(s/u0 − 1)/(2s). Theory rows exist only for the nine modes
with s > 0; the zero mode is never learned (its simulated strength stays at round-off of
the initial weights' overlap).

Where theory and simulation part: MNIST's nine singular values are close together (s ≈
0.34–0.56), so the modes are learned at similar times and compete for hidden directions
from random init; the decoupled theory ignores that competition (Saxe et al. 2014, Fig. 3).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, metrics, network, setups, tables, theory, train

NAME = "mnist_modes"
EXPERIMENT = "mnist_modes"


@dataclasses.dataclass(frozen=True)
class MnistModes(experiment.Spec):
    """Parameters: data set, hidden width, initial scale, η, steps, seeds and recorded steps."""

    dataset: str = "mnist"
    width: int = 50
    init_scale: float = 1e-3
    lr: float = 0.02
    steps: int = 2500
    seeds: int = 8
    records: int = 120

    schema = experiment.Schema(
        keys=("experiment", "dataset", "width", "init", "init_scale", "lr", "seed", "step", "time",
              "source", "mode"),
        columns=("n_train", "n_test", "split", "s", "zero_by_construction", "strength", "u0",
                 "t_half_theory", "trace33"))

    @classmethod
    def quick(cls):
        # 800 steps, t = 16: past most half-learning times; enough for a smoke test
        return cls(steps=800, seeds=2, records=30)


def zero_mode_mask(s: np.ndarray) -> np.ndarray:
    """Singular values that are zero by construction (round-off relative to s1)."""
    return s < 1e-10 * s[0]


def run(stats, spec: MnistModes, seeds, record_steps):
    """Train one 100 → width → 10 network per seed, all as one ensemble."""
    widths = (stats.n_in, spec.width, stats.n_out)
    inits = [network.init_gaussian(widths, spec.init_scale,
                                   rng=tables.rng_for(EXPERIMENT, "init", seed)) for seed in seeds]
    weights = network.stack(inits)
    traj = train.gradient_descent(weights, stats, spec.lr, int(record_steps[-1]),
                                  record_steps=record_steps)
    if np.any(traj.diverged):  # impossible at η·s1 ≈ 0.01; a table built on it would be wrong
        raise ValueError(traj.message)
    u0 = theory.effective_initial_strength(weights, stats.modes)  # (K, r)
    return traj, u0


def mode_table(stats, columns, spec: MnistModes) -> pd.DataFrame:
    seeds, lr = list(range(spec.seeds)), spec.lr
    modes = stats.modes
    s = modes.s
    r = s.size
    zero = zero_mode_mask(s)
    live = ~zero
    traj, u0 = run(stats, spec, seeds, train.log_steps(spec.steps, spec.records))
    step = traj.step
    T = step.size
    sim = metrics.mode_strength_diagonal(traj.product, modes)  # (T, K, r)
    frames = []
    for i, seed in enumerate(seeds):
        t_half = np.full(r, np.nan)
        t_half[live] = theory.half_learning_time(s[live], u0[i, live])
        curves = {"simulation": sim[:, i, :]}
        th = np.full((T, r), np.nan)
        th[:, live] = theory.mode_strength(step[:, None] * lr, s[live], u0[i, live])
        thd = np.full((T, r), np.nan)
        thd[:, live] = theory.mode_strength_discrete(step, s[live], u0[i, live], lr=lr)
        curves.update(theory=th, theory_discrete=thd)
        for source, u in curves.items():
            keep = np.ones(r, bool) if source == "simulation" else live
            n = int(keep.sum())
            frames.append(pd.DataFrame({
                "experiment": EXPERIMENT, **columns, "width": spec.width, "init": "random",
                "init_scale": spec.init_scale, "lr": lr, "seed": seed,
                "step": np.repeat(step, n), "time": np.repeat(step * lr, n),
                "source": source,
                "mode": np.tile(np.arange(1, r + 1)[keep], T),
                "s": np.tile(s[keep], T),
                "zero_by_construction": np.tile(zero[keep], T),
                "strength": u[:, keep].ravel(),
                "u0": np.tile(u0[i, keep], T),
                "t_half_theory": np.tile(t_half[keep], T),
                "trace33": stats.trace33,
                "min_loss": stats.min_loss(),
            }))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, MnistModes, argv, data=True)
    # A damaged file in the folder, or a --set value the run cannot use: one line, exit 2.
    with experiment.user_errors(args):
        task, stats, columns = setups.whitened_mnist(args.spec.dataset, args.data_dir)
        table = mode_table(stats, columns, args.spec)
    experiment.write(table, args.out, args.spec)
    s = stats.modes.s
    print(f"wrote {args.out} ({len(table)} rows); s = {np.array2string(s, precision=4)}; "
          f"rank(Σ31) = {int(np.sum(~zero_mode_mask(s)))}; Tr Σ33 = {stats.trace33:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
