"""The loss staircase: training loss against time, simulation (solid) and theory (dashed), log-log.

Reads ``teacher_loss.csv`` (``analysis/teacher_loss.py``). Theory: L(t) = L* + ½ Σ_α (s_α − u_α(t))²
with Saxe's sigmoid u_α(t) (docs/theory.md#two-layer-dynamics). Every mode learned removes ½s_α² from the loss, so the
curve falls in steps; every seed is drawn. The noiseless teacher's residual L* is round-off, so the
last drop goes on towards zero until the run ends: the axis reaches below the smallest loss of the
table, so the whole of that drop is shown.
"""

from __future__ import annotations

import sys

from matplotlib.lines import Line2D

import _common

NAME = "teacher_loss"
TITLES = {"aligned": "aligned init", "random": "small random init"}


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    df = df[df.time > 0]  # log time axis
    inits = [i for i in TITLES if i in set(df.init)]
    fig, axes = _common.figure(len(inits), 1, width=5.0 * len(inits), height=4.0, sharey=True)
    positive = df.loss[df.loss > 0]
    floor = positive.min() / 3 if len(positive) else None  # a third of a decade of room below
    for ax, init in zip(axes[0], inits):
        sub = df[df.init == init]
        for (seed, source), g in sub.groupby(["seed", "source"]):
            if source == "simulation":
                ax.plot(g.time, g.loss, color="C0", **_common.SIM_STYLE)
            elif source == "theory":
                ax.plot(g.time, g.loss, **_common.THEORY_STYLE)
        label = "u0" if init == "aligned" else "σ"
        ax.set(xscale="log", yscale="log", xlabel="time t = step · η", ylim=(floor, None),
               title=f"{TITLES[init]} ({label} = {sub.init_scale.iloc[0]:g}, η = {sub.lr.iloc[0]:g})")
        ax.set_xlim(left=0.1)  # nothing is learned before t ≈ 0.3
    axes[0, 0].set_ylabel("training loss")
    axes[0, 0].legend(handles=[
        Line2D([], [], color="C0", **_common.SIM_STYLE, label="simulation (every seed)"),
        Line2D([], [], **_common.THEORY_STYLE, label="theory: L* + ½Σ(s − u(t))²"),
    ], loc="lower left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the loss from start to end, and its gap to the theory's staircase."""
    df = _common.read(folder, NAME)
    keys = ["init", "seed", "step"]
    gap = _common.sim_theory_gap(df, "loss", keys)
    sim = df[df.source == "simulation"].set_index(keys).loss
    rows = [("initial loss (median over seeds)", f"{sim[sim.index.get_level_values('step') == 0].median():.3g}"),
            ("final loss (largest)", f"{sim[sim.index.get_level_values('step') == df.step.max()].max():.2g}")]
    for init, g in gap.groupby(level="init"):
        start = sim.xs(0, level="step").xs(init, level="init").median()
        rows.append((f"max |L_sim − L_theory| / L(0), {init} init", f"{g.max() / start:.2g}"))
    return _common.key_table(rows)
