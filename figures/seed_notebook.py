"""The seed notebook's run over many random draws: loss against step, converged and diverged draws.

Reads ``seed_notebook.csv`` (``analysis/seed_notebook.py``). One panel per regime (below the
stability bound, half the notebook's step, the notebook's step), one line per seed, blue when
the run converged and red when its loss became non-finite (its last finite loss is marked ×).
η is linnet's step (η = 2 · notebook lr / P); the titles give the range of η·λ over
the draws, with λ the Gauss-Newton sharpness after the first step (2/λ is the classical
stability bound), and the fraction of draws that diverged. The step axis is logarithmic, so step 0 (the initial loss) is left out.
"""

from __future__ import annotations

import sys

import numpy as np
from matplotlib.lines import Line2D

import _common

NAME = "seed_notebook"
ORDER = ["below_bound", "half_notebook", "notebook_schedule"]
TITLES = {
    "below_bound": "below the bound: η = {lr:g} throughout",
    "half_notebook": "half the notebook's step: η = {first:g} once, then {lr:g}",
    "notebook_schedule": "the notebook's step: η = {first:g} once, then {lr:g}",
}
CONVERGED, DIVERGED = "C0", "C1"
YMAX = 1e12


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    experiments = [e for e in ORDER if e in set(df.experiment)] + \
        sorted(set(df.experiment) - set(ORDER))
    fig, axes = _common.figure(len(experiments), 1, width=4.6 * len(experiments), height=4.2,
                               sharey=True)
    total_div = total = 0
    for ax, exp in zip(axes[0], experiments):
        sub = df[(df.experiment == exp) & (df.step > 0)]
        n = sub.seed.nunique()
        n_div = int(sub.groupby("seed").diverged.first().sum())
        total_div, total = total_div + n_div, total + n
        for seed, g in sub.groupby("seed"):
            div = bool(g.diverged.iloc[0])
            color = DIVERGED if div else CONVERGED
            ax.plot(g.step, np.minimum(g.loss, YMAX), color=color, linewidth=0.9, alpha=0.6,
                    zorder=3 if div else 2)
            if div:
                last = g.iloc[-1]
                ax.plot(last.step, min(last.loss, YMAX), marker="x", color=color, markersize=5)
        fmt = dict(lr=sub.lr.iloc[0], first=sub.lr_first.iloc[0])
        title = TITLES.get(exp, exp + ": η = {lr:g}").format(**fmt)
        lam = sub.groupby("seed").sharpness_gn.first() * fmt["lr"]
        ax.set(xscale="log", yscale="log", xlabel="step",
               title=f"{title}\nη·λ = {lam.min():.2g}–{lam.max():.2g};  {n_div}/{n} diverged")
    axes[0, 0].set_ylabel("training loss (clipped at 1e12)")
    axes[0, 0].legend(handles=[Line2D([], [], color=CONVERGED, label="converged"),
                               Line2D([], [], color=DIVERGED, marker="x", label="diverged (last finite loss ×)")],
                      loc="lower left")
    fig.suptitle(f"The seed notebook's run (N = 100, hidden 20, M = 10, P = 1000, standard-normal "
                 f"init) over {df.seed.nunique()} draws: {total_div} of {total} runs diverged in all")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: per experiment its step η and how many of the draws diverged."""
    df = _common.read(folder, NAME)
    rows = [("draws (seeds) per experiment", f"{df.seed.nunique()}")]
    for exp in [e for e in ORDER if e in set(df.experiment)] + sorted(set(df.experiment) - set(ORDER)):
        sub = df[df.experiment == exp]
        n_div = int(sub.groupby("seed").diverged.first().sum())
        lam = sub.groupby("seed").sharpness_gn.first() * sub.lr.iloc[0]
        rows.append((f"{exp}: η, diverged, η·λ_GN at start",
                     f"{sub.lr.iloc[0]:g}; {n_div}/{sub.seed.nunique()}; {lam.min():.2g}–{lam.max():.2g}"))
    return _common.key_table(rows)
