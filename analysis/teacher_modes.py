r"""Mode strengths of a two-layer linear network learning a linear teacher: simulation and Saxe theory.

Writes ``results/teacher_modes.csv``: for every seed, every initialisation and every mode α of the
task, the mode strength :math:`u_\alpha = u_\alpha^\top W_2 W_1 v_\alpha` on a log-spaced grid of
gradient-descent steps, beside the theory on the same grid.

Setting (Saxe, McClelland & Ganguli 2014, Fig. 3; docs/theory.md#two-layer-dynamics, #data-sets): a linear teacher with
N = 20 inputs, M = 5 outputs and a geometric spectrum s = 4, 2, 1, 0.5, 0.25, P = 200 exactly
whitened Gaussian inputs (so Σ31 is the teacher and its singular values are the task's modes),
learned by a two-layer network with 32 hidden units (wider than the 5 modes, so competition
between modes for hidden directions stays small), full-batch gradient descent with η = 0.01
(η·s1 = 0.04, far below the stability bound η < 1/s1 = 0.25), for 4,000 steps (t = 40).

Initialisations (``init`` column):

- ``aligned``: decoupled, balanced weights (:func:`linnet.network.init_aligned`) with every mode
  at strength u0 = 1e-3 (``init_scale`` is u0). The dynamics then stay on the decoupled manifold.
- ``random``: i.i.d. Gaussian weights with std σ = 1e-3 (``init_scale`` is σ). The theory
  uses the effective initial strength :func:`linnet.theory.effective_initial_strength`
  (the linearised early flow), one per mode and seed, in the ``u0`` column.

Sources (``source`` column): ``simulation`` (gradient descent), ``theory`` (Saxe eq. 12,
gradient flow at t = step·η) and ``theory_discrete`` (the exact gradient-descent map
u ← u(1 + η(s − u))², docs/theory.md#discrete-gradient-descent, which is exact from aligned init and the discrete-time
counterpart of eq. 12 from random init). ``t_half_theory`` is the predicted half-learning time
t½ = ln(s/u0 − 1)/(2s) and ``t_half_discrete`` the time at which the discrete map crosses s/2
(interpolated between steps).

Every seed draws its own teacher (fixed spectrum, random singular vectors) and its own initial
weights from :func:`linnet.tables.rng_for`; ``--quick`` runs two seeds on a coarser grid.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import numpy as np
import pandas as pd

import _analysis
from linnet import Statistics, metrics, network, tables, theory, train
from linnet.data.teacher import teacher_task

NAME = "teacher_modes"
EXPERIMENT = "linear_teacher"
N_IN, N_OUT, N_SAMPLES, HIDDEN = 20, 5, 200, 32
S_MAX, RATIO = 4.0, 0.5  # s = 4, 2, 1, 0.5, 0.25
LR = 0.01
STEPS = 4000  # t = 40: twice the slowest predicted half-learning time from random init (≈ 19)
U0_ALIGNED = 1e-3
SCALE_RANDOM = 1e-3
INITS = ("aligned", "random")
SEEDS_FULL, SEEDS_QUICK = 8, 2
RECORD_FULL, RECORD_QUICK = 100, 40


class Run(NamedTuple):
    """One simulation with what its theory needs."""

    init: str
    init_scale: float
    seed: int
    stats: Statistics
    traj: train.Trajectory
    u0: np.ndarray  # (r,) initial strength the theory starts each mode from


def simulate(init: str, seed: int, *, record_steps) -> Run:
    """Train one network from ``init`` ("aligned" or "random") on the task of ``seed``."""
    task = teacher_task(N_IN, N_OUT, N_SAMPLES, rng=tables.rng_for(EXPERIMENT, "task", seed),
                        s_max=S_MAX, ratio=RATIO, whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    widths = (N_IN, HIDDEN, N_OUT)
    rng = tables.rng_for(EXPERIMENT, "init", init, seed)
    if init == "aligned":
        weights = network.init_aligned(stats.modes, widths, U0_ALIGNED, rng=rng)
        u0 = np.full(stats.modes.rank, U0_ALIGNED)
        scale = U0_ALIGNED
    elif init == "random":
        weights = network.init_gaussian(widths, SCALE_RANDOM, rng=rng)
        u0 = theory.effective_initial_strength(weights, stats.modes)
        scale = SCALE_RANDOM
    else:
        raise ValueError(f"init must be one of {INITS}; got {init!r}")
    traj = train.gradient_descent(weights, stats, LR, STEPS, record_steps=record_steps)
    if traj.diverged:  # cannot happen at η·s1 = 0.04; a table built on it would be meaningless
        raise RuntimeError(traj.message)
    return Run(init, scale, seed, stats, traj, u0)


def run_all(*, quick: bool) -> list[Run]:
    """Every (init, seed) simulation of the grid."""
    record = train.log_steps(STEPS, RECORD_QUICK if quick else RECORD_FULL)
    seeds = range(SEEDS_QUICK if quick else SEEDS_FULL)
    return [simulate(init, seed, record_steps=record) for init in INITS for seed in seeds]


def theory_strengths(run: Run) -> dict[str, np.ndarray]:
    """Theory mode strengths on the run's grid, shape (T, r) per source."""
    s, step = run.stats.modes.s, run.traj.step
    return {
        "theory": theory.mode_strength(step[:, None] * LR, s, run.u0),
        "theory_discrete": theory.mode_strength_discrete(step, s, run.u0, lr=LR),
    }


def half_learning_time_discrete(s: np.ndarray, u0: np.ndarray) -> np.ndarray:
    """Time at which the exact GD map crosses s/2, interpolated linearly between the two steps.

    :func:`linnet.theory.half_learning_step` gives the first step k at or above s/2; the
    interpolation removes its rounding up of up to one step (η = 0.01, i.e. 1% of t½ = 1 for
    s = 4), which would otherwise bias a comparison with interpolated measurements.
    """
    k = theory.half_learning_step(s, u0, lr=LR).astype(np.int64)
    out = np.empty(s.shape)
    for a in range(s.size):
        if k[a] == 0:
            out[a] = 0.0
            continue
        u = theory.mode_strength_discrete(np.array([k[a] - 1, k[a]]), s[a], u0[a], lr=LR)[:, 0]
        out[a] = (k[a] - 1 + (s[a] / 2 - u[0]) / (u[1] - u[0])) * LR
    return out


def _keys(run: Run) -> dict:
    return {"experiment": EXPERIMENT, "width": HIDDEN, "init": run.init,
            "init_scale": run.init_scale, "lr": LR, "seed": run.seed}


def mode_table(runs: list[Run]) -> pd.DataFrame:
    """The tidy table: one row per (run, source, step, mode)."""
    frames = []
    for run in runs:
        modes = run.stats.modes
        step = run.traj.step
        r = modes.rank
        t_half = theory.half_learning_time(modes.s, run.u0)
        t_half_d = half_learning_time_discrete(modes.s, run.u0)
        curves = {"simulation": metrics.mode_strength_diagonal(run.traj.product, modes)}
        curves.update(theory_strengths(run))
        for source, u in curves.items():
            frames.append(pd.DataFrame({
                **_keys(run),
                "step": np.repeat(step, r),
                "time": np.repeat(step * LR, r),
                "source": source,
                "mode": np.tile(np.arange(1, r + 1), step.size),
                "s": np.tile(modes.s, step.size),
                "strength": u.ravel(),
                "u0": np.tile(run.u0, step.size),
                "t_half_theory": np.tile(t_half, step.size),
                "t_half_discrete": np.tile(t_half_d, step.size),
            }))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = _analysis.parser(NAME, __doc__).parse_args(argv)
    table = mode_table(run_all(quick=args.quick))
    tables.write(table, args.out, schema=NAME)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
