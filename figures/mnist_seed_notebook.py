"""The seed notebook on whitened MNIST inputs, and its setting done right (real ±1 labels, W32 W21 → C31).

Reads ``mnist_seed_notebook``. Left: loss against step of every seed under the notebook's
schedule (lr 1 then 10, i.e. η = 0.002 then 0.02), half its step and a step below the
stability bound, coloured by experiment; seeds that diverged are drawn to their last finite
step and counted in the legend. Right: on the real ±1 labels, ‖C31 − W32 W21‖ against step:
from small weights it falls to the floor set by the initial product's zero mode (≈ 3e-5); from
the notebook's standard-normal weights about half the draws diverge, and in the others the
catapult shrinks W32 but leaves ‖W21‖ ≈ 21–27, so the network barely moves from a fit
restricted to W21's random row space.
"""

from __future__ import annotations

import math
import sys

import _common

NAME = "mnist_seed_notebook"
LABELS = [("labels_small_init", "C0"), ("labels_notebook_init", "C3")]
CEILING = 1e8  # diverged runs are drawn up to here and marked ×; a panel without any keeps its own scale
# Legend names of the experiments (an experiment the table adds later is shown by its own name).
DESCRIPTIONS = {
    "notebook_schedule": "the notebook's step",
    "half_notebook": "half the notebook's step",
    "below_bound": "below the stability bound",
    "labels_small_init": "small init, σ = 1e-3,",
    "labels_notebook_init": "the notebook's N(0, 1) init,",
}


def _teacher_experiments(t):
    """Every random-teacher experiment of the table, one colour each: the notebook's schedule
    first, then the others by name (the analysis may add schedules; each gets drawn)."""
    names = sorted(set(t.experiment) - set(dict(LABELS)), key=lambda e: (e != "notebook_schedule", e))
    return [(e, f"C{i % 10}") for i, e in enumerate(names)]


def _panel(ax, t, experiments, column):
    any_diverged = False
    for experiment, color in experiments:
        g = t[t.experiment == experiment]
        if g.empty:
            continue
        n = g.seed.nunique()
        n_div = int(g.groupby("seed").diverged.first().sum())
        eta = g.lr.iloc[0]
        for i, (seed, gs) in enumerate(g.groupby("seed")):
            gs = gs[gs.step > 0].sort_values("step")
            # A diverging run's last finite values reach 1e300: clip at the top of the axis and
            # mark where it left the plot.
            y = gs[column].clip(upper=CEILING)
            ax.loglog(gs.step, y, color=color, linewidth=0.7, alpha=0.5,
                      label=f"{DESCRIPTIONS.get(experiment, experiment)} (η = {eta:g}): "
                            f"{n_div}/{n} diverged" if i == 0 else None)
            if gs.diverged.iloc[0]:
                any_diverged = True
                ax.plot(gs.step.iloc[-1], CEILING, "x", color=color, markersize=4)
    if any_diverged:  # room for the × marks above the clipped curves
        ax.set_ylim(top=CEILING * 10)
        ax.annotate(f"diverged runs clipped at 1e{round(math.log10(CEILING))}, × at their last step", (0.99, 0.99),
                    xycoords="axes fraction", ha="right", va="top", fontsize=7, color="0.35")
    ax.legend(fontsize=7, loc="lower left")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    t = _common.read(args.tables, "mnist_seed_notebook")
    dataset = t["dataset"].iloc[0]
    fig, axes = _common.figure(2, 1, width=11.0, height=4.3)
    ax, axr = axes[0]
    _panel(ax, t, _teacher_experiments(t), "loss")
    # Two-line titles: on one line each the two ran into each other over the gap.
    ax.set(xlabel="step", ylabel="loss (linnet's ½-per-sample convention)",
           title=f"notebook on whitened {dataset} (first {int(t.n_train.iloc[0])}):\nrandom teacher")
    _panel(axr, t, LABELS, "dist_optimum")
    axr.set(xlabel="step", ylabel="‖C31 − W32 W21‖_F",
            title="done right: real ±1 labels,\nW32 W21 → C31 = Σ31")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: divergences under the notebook's schedule, and the distance to C31 on the labels."""
    t = _common.read(folder, "mnist_seed_notebook")
    last = t.sort_values("step").groupby(["experiment", "seed"]).tail(1)
    rows = [("data set, draws", f"{t.dataset.iloc[0]}, {t.seed.nunique()}")]
    for exp, g in last.groupby("experiment"):
        ok = g[~g.diverged.astype(bool)]
        rng = f"{ok.dist_optimum.min():.2g}–{ok.dist_optimum.max():.2g}" if len(ok) else "—"
        rows.append((f"{exp} (η = {g.lr.iloc[0]:g}): diverged; final ‖W* − W32W21‖ of the rest",
                     f"{int(g.diverged.astype(bool).sum())}/{len(g)}; {rng}"))
    return _common.key_table(rows)
