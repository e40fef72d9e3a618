r"""The loss staircase of a two-layer linear network learning a linear teacher: simulation and theory.

Writes ``results/teacher_loss.csv``: the training loss on a log-spaced grid of gradient-descent
steps for the runs of ``analysis/teacher_modes.py`` (same teacher, widths, initialisations,
seeds and η; see its docstring), beside the theory on the same grid.

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

import _analysis
import teacher_modes as tm
from linnet import tables, theory

NAME = "teacher_loss"


def loss_table(runs: list[tm.Run]) -> pd.DataFrame:
    """One row per (run, source, step)."""
    frames = []
    for run in runs:
        step = run.traj.step
        s = run.stats.modes.s
        residual = run.stats.min_loss()
        discrete = tm.theory_strengths(run)["theory_discrete"]
        losses = {
            "simulation": run.traj.loss,
            "theory": theory.loss_curve(step * tm.LR, s, run.u0, residual=residual, n_hidden=tm.HIDDEN),
            # Every mode is carried (hidden width 32 > 5 modes), so no mode stays at u = 0.
            "theory_discrete": residual + 0.5 * np.sum((s - discrete) ** 2, axis=1),
        }
        for source, loss in losses.items():
            frames.append(pd.DataFrame({
                **tm._keys(run),
                "step": step,
                "time": step * tm.LR,
                "source": source,
                "loss": loss,
                "residual": residual,
            }))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = _analysis.parser(NAME, __doc__).parse_args(argv)
    table = loss_table(tm.run_all(quick=args.quick))
    tables.write(table, args.out, schema=NAME)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
