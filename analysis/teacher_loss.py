r"""The loss staircase of a two-layer linear network learning a linear teacher: simulation and theory.

Writes ``results/teacher_loss.csv``: the training loss on a log-spaced grid of gradient-descent
steps for the runs of ``analysis/teacher_modes.py`` (same teacher, widths, initialisations,
seeds and η, :class:`linnet.setups.LinearTeacher`, whose fields ``--set`` changes; see its
docstring), beside the theory on the same grid.

Theory (docs/theory.md#two-layer-dynamics, whitened inputs, ½-per-sample loss):

.. math:: \mathcal L(t) = \mathcal L_\star + \tfrac12\sum_\alpha \big(s_\alpha - u_\alpha(t)\big)^2,

with :math:`\mathcal L_\star` = ``stats.min_loss()`` (the least-squares residual, ``residual``
column; round-off for this noiseless teacher) and :math:`u_\alpha(t)` from Saxe eq. 12
(``source="theory"``, :func:`linnet.theory.loss_curve`) or from the exact discrete map
u ← u(1 + η(s − u))² (``source="theory_discrete"``). Every mode is learned one after the other,
so the loss falls in steps of ½s_α²: 10.66 → 2.66 → 0.66 → 0.16 → 0.03 → 0.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from linnet import experiment, setups, theory
from linnet.setups import TeacherRun

NAME = "teacher_loss"


class TeacherLoss(setups.LinearTeacher):
    """The linear-teacher runs (:class:`linnet.setups.LinearTeacher`) and this table's columns."""

    schema = experiment.Schema(
        keys=("experiment", "width", "init", "init_scale", "lr", "seed", "step", "time", "source"),
        columns=("loss",))


def loss_table(runs: list[TeacherRun], spec: TeacherLoss) -> pd.DataFrame:
    """One row per (run, source, step)."""
    frames = []
    for run in runs:
        step = run.traj.step
        s = run.stats.modes.s
        residual = run.stats.min_loss()
        discrete = setups.theory_strengths(run, spec.lr)["theory_discrete"]
        losses = {
            "simulation": run.traj.loss,
            "theory": theory.loss_curve(step * spec.lr, s, run.u0, residual=residual, n_hidden=spec.width),
            # Every mode is carried (hidden width 32 > 5 modes), so no mode stays at u = 0.
            "theory_discrete": residual + 0.5 * np.sum((s - discrete) ** 2, axis=1),
        }
        for source, loss in losses.items():
            frames.append(pd.DataFrame({
                **run.columns(spec),
                "step": step,
                "time": step * spec.lr,
                "source": source,
                "loss": loss,
                "residual": residual,
            }))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, TeacherLoss, argv)
    with experiment.user_errors(args):  # e.g. a --set value the run cannot use: one line
        table = loss_table(setups.teacher_runs(args.spec), args.spec)
    experiment.write(table, args.out, args.spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
