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
The parameters are those of :class:`linnet.setups.LinearTeacher` (``--help`` lists them), e.g.
``--set lr=0.005 --set seeds=3``; the table records every value used.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from linnet import experiment, metrics, setups, theory
from linnet.setups import TeacherRun

NAME = "teacher_modes"


class TeacherModes(setups.LinearTeacher):
    """The linear-teacher runs (:class:`linnet.setups.LinearTeacher`) and this table's columns."""

    schema = experiment.Schema(
        keys=("experiment", "width", "init", "init_scale", "lr", "seed", "step", "time",
              "source", "mode"),
        columns=("s", "strength", "u0", "t_half_theory"))


def half_learning_time_discrete(s: np.ndarray, u0: np.ndarray, lr: float) -> np.ndarray:
    """Time at which the exact GD map crosses s/2, interpolated linearly between the two steps.

    :func:`linnet.theory.half_learning_step` gives the first step k at or above s/2; the
    interpolation removes its rounding up of up to one step (η = 0.01, i.e. 1% of t½ = 1 for
    s = 4), which would otherwise bias a comparison with interpolated measurements.
    """
    k = theory.half_learning_step(s, u0, lr=lr).astype(np.int64)
    out = np.empty(s.shape)
    for a in range(s.size):
        if k[a] == 0:
            out[a] = 0.0
            continue
        u = theory.mode_strength_discrete(np.array([k[a] - 1, k[a]]), s[a], u0[a], lr=lr)[:, 0]
        out[a] = (k[a] - 1 + (s[a] / 2 - u[0]) / (u[1] - u[0])) * lr
    return out


def mode_table(runs: list[TeacherRun], spec: TeacherModes) -> pd.DataFrame:
    """The tidy table: one row per (run, source, step, mode)."""
    frames = []
    for run in runs:
        modes = run.stats.modes
        step = run.traj.step
        r = modes.rank
        t_half = theory.half_learning_time(modes.s, run.u0)
        t_half_d = half_learning_time_discrete(modes.s, run.u0, spec.lr)
        curves = {"simulation": metrics.mode_strength_diagonal(run.traj.product, modes)}
        curves.update(setups.theory_strengths(run, spec.lr))
        for source, u in curves.items():
            frames.append(pd.DataFrame({
                **run.columns(spec),
                "step": np.repeat(step, r),
                "time": np.repeat(step * spec.lr, r),
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
    args = experiment.parse_args(NAME, __doc__, TeacherModes, argv)
    with experiment.user_errors(args):  # e.g. a --set value the run cannot use: one line
        table = mode_table(setups.teacher_runs(args.spec), args.spec)
    experiment.write(table, args.out, args.spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
