"""The seed notebook replayed: linnet's numbers beside the ones the notebook printed.

Reads ``seed_notebook_replay`` (``analysis/seed_notebook_replay.py``). Left: the loss in the
notebook's convention (L_nb = 2 L) at every step it printed, the replay's and the notebook's.
Right: every printed number, the replay's value (in the notebook's convention) against the
notebook's, on log axes with the line of equality; the replay's distances ‖W* − W32 W21‖ and to
the teacher data's optimum, which the notebook did not print, are listed in the title.
"""

from __future__ import annotations

import sys

import numpy as np

import _common

NAME = "seed_notebook_replay"
LOSS_ROWS = ("loss", "loss_before", "loss_after", "initial_loss")
MARKERS = {"In[26]": "o", "In[27]": "s", "In[29]": "D", "In[31]": "^", "In[33]": "v"}


def _losses(ax, t):
    rows = t[t.quantity.isin(LOSS_ROWS)].drop_duplicates("step").sort_values("step")
    ax.plot(rows.step, rows.value, "o-", color="C0", label="linnet's replay")
    ax.plot(rows.step, rows.notebook_value, "x--", color="C3", label="the notebook's printout")
    ax.set(xscale="symlog", yscale="log", xlabel="step (symmetric log: 0, 1, 1000, …)",
           ylabel="loss L_nb = (1/P) Σ‖y − g(x)‖²  (= 2 L)",
           title="loss at the steps the notebook printed")
    ax.legend(loc="lower left")


def _scatter(ax, t):
    rows = t[t.notebook_value.notna()]
    for cell, g in rows.groupby("cell"):
        ax.plot(g.notebook_value, g.value, MARKERS.get(cell, "o"), linestyle="none",
                label=f"{cell}: {', '.join(dict.fromkeys(g.quantity))}")
    both = np.concatenate([rows.notebook_value, rows.value])
    lim = [both[both > 0].min() / 3, both.max() * 3]
    ax.plot(lim, lim, color="black", linewidth=0.8, label="equal")
    ax.set(xscale="log", yscale="log", xlim=lim, ylim=lim, xlabel="the notebook's printed value",
           ylabel="linnet's replay (the notebook's convention)")
    ax.legend(fontsize=7, loc="upper left")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    t = _common.read(args.tables, NAME)
    fig, axes = _common.figure(2, 1, width=11.5, height=4.6)
    _losses(axes[0, 0], t)
    _scatter(axes[0, 1], t)
    extra = t[t.cell == "replay"].set_index("quantity").value
    axes[0, 1].set_title(f"every printed number; after step {int(t.step.max())}: ‖W* − W32W21‖ = "
                         f"{extra.get('dist_teacher', np.nan):.2g},\n‖W_opt − W32W21‖ = "
                         f"{extra.get('dist_optimum', np.nan):.2g} (the notebook printed ‖C31 − W32W21‖)",
                         fontsize=9)
    # The steps from the time column: t = η1 at step 1, then η per step.
    time = t.drop_duplicates("step").set_index("step").time
    eta1, eta = time[1], (time.iloc[-1] - time[1]) / (time.index[-1] - 1)
    fig.suptitle(f"The seed notebook replayed on {t.dataset.iloc[0]} (its draws, first "
                 f"{int(t.n_train.iloc[0])} of {int(t.n_whitened.iloc[0])} whitened rows; "
                 f"η = {eta1:.3g} once, then {eta:.3g})")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: how the replay's printed numbers compare with the notebook's."""
    t = _common.read(folder, NAME)
    rows = t[t.notebook_value.notna()]
    ratio = rows.value / rows.notebook_value
    first = rows[rows.step <= 1]
    extra = t[t.cell == "replay"].set_index("quantity").value
    return _common.key_table([
        ("numbers the notebook printed", f"{len(rows)}"),
        ("replay / printout at steps 0 and 1", f"{(first.value / first.notebook_value).min():.3g} to "
                                               f"{(first.value / first.notebook_value).max():.3g}"),
        ("replay / printout, all printed numbers", f"{ratio.min():.2g} to {ratio.max():.2g}"),
        (f"replay after step {int(t.step.max())}: ‖W* − W32W21‖", f"{extra.get('dist_teacher', float('nan')):.2g}"),
    ])
