"""Saxe et al. (2014) Fig. 3 at the paper's size: modes 1, 2, 3, 5, 12, 18 and 31 of hierarchical data learned from small random weights against eq. 12, and every mode's relative delay over 100 initial draws.

Reads ``hierarchy_saxe2014.csv`` (``analysis/hierarchy_saxe2014.py``). Left: mode strength in the
paper's units (√P × linnet's) against the paper's iterations (one GD step each), simulation (blue,
three draws) and eq. 12 from u0 = 1e-6 (red dashed), as in the paper. Middle: histograms of the
relative delay (t½,sim − t½,eq.12)/t½,eq.12 of the plotted modes over the draws. Right: the mean
delay of all 32 modes with the two parts the theory predicts: the step size alone (the exact GD
map from u0) and step size plus the mean competition for hidden directions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common

NAME = "hierarchy_saxe2014"


def curves(ax, df):
    cur = df[df.kind == "curve"]
    P = int(df.branching.iloc[0]) ** int(df.depth.iloc[0])
    lr = df.lr.iloc[0]
    for (mode, seed, source), g in cur.groupby(["mode", "seed", "source"]):
        y = g.strength * np.sqrt(P)
        if source == "simulation":
            ax.plot(g.step, y, color="#0072B2", linewidth=1.0, alpha=0.8)
        else:
            ax.plot(g.step, y, color="#D55E00", linestyle="--", linewidth=1.3)
            last = g.sort_values("step").iloc[-1]
            ax.annotate(f"{mode}", (last.step, last.strength * np.sqrt(P)), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=8)
    ax.set(xlabel=f"t (iterations; linnet time = {lr:g} × iterations)", ylabel="mode strength (paper's units)",
           title="modes 1, 2, 3, 5, 12, 18, 31")
    ax.legend(handles=[Line2D([], [], color="#0072B2", label="simulation (linear net)"),
                       Line2D([], [], color="#D55E00", linestyle="--", label="eq. 12 (u0 = 1e-6)")],
              loc="upper left")


def histograms(ax, half, plotted):
    shown = half[half["mode"].isin(plotted)].delay
    bins = np.linspace(min(shown.min(), 0), shown.max(), 30)
    for i, mode in enumerate(plotted):
        ax.hist(half[half["mode"] == mode].delay, bins=bins, histtype="step", color=f"C{i}", linewidth=1.4,
                label=f"mode {mode}")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel="relative delay (t½,sim − t½,eq.12) / t½,eq.12", ylabel="initial draws",
           title=f"delays over {half.seed.nunique()} draws")
    ax.legend(loc="upper right")


def mean_delays(ax, half):
    g = half.groupby("mode")
    t12 = g.t_half_theory.first()
    ax.errorbar(g.delay.mean().index, g.delay.mean(), yerr=g.delay.std(), fmt="o", color="#0072B2", markersize=3,
                linewidth=0.8, label="simulation: mean ± sd")
    ax.plot(t12.index, g.t_half_discrete.first() / t12 - 1, **{**_common.THEORY_STYLE, "linestyle": ":"},
            label="step size alone (GD map)")
    ax.plot(t12.index, g.t_half_mean_competition.first() / t12 - 1, **_common.THEORY_STYLE,
            label="+ mean competition delay")
    ax.set(xlabel="mode α", ylabel="mean relative delay", title="why: step size, then competition")
    ax.legend(loc="upper left")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    half = df[df.kind == "half_time"]
    plotted = sorted(df[df.kind == "curve"]["mode"].unique())
    fig, axes = _common.figure(3, 1, width=15.0, height=4.6)
    curves(axes[0, 0], df)
    histograms(axes[0, 1], half, plotted)
    mean_delays(axes[0, 2], half)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Half-learning times of the plotted modes against eq. 12, and the delays' sign and size."""
    df = _common.read(folder, NAME)
    half = df[df.kind == "half_time"]
    plotted = sorted(df[df.kind == "curve"]["mode"].unique())
    g = half.groupby("mode")
    sim, eq12 = g.time.mean(), g.t_half_theory.first()
    pred = (half.time / half.t_half_predicted - 1).abs()
    rows = [("modes plotted", ", ".join(map(str, plotted))),
            ("t½ eq. 12 of those modes", ", ".join(f"{eq12[m]:.3f}" for m in plotted)),
            ("mean t½ simulated", ", ".join(f"{sim[m]:.3f}" for m in plotted)),
            ("mean relative delay of those modes", ", ".join(f"{g.delay.mean()[m]:+.3f}" for m in plotted)),
            ("range of mean delays over all modes", f"{g.delay.mean().min():+.3f} … {g.delay.mean().max():+.3f}"),
            ("share of draws × modes delayed (> 0)", f"{(half.delay > 0).mean():.3f}"),
            ("median |t½ sim / predicted − 1| (GD map + competition, per draw)", f"{pred.median():.4f}")]
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
