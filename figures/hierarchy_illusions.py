"""Semantic illusions: predictions that go wrong between stages (the salmon "flies", the goldfish "is big") and come right when a finer distinction is learned, simulation against theory, with every transient error's time and size.

Reads ``hierarchy_illusions.csv`` (``analysis/hierarchy_illusions.py``). Left: the four largest
transient errors of each data set (PNAS toy above, the named binary tree below), the network's
prediction of a property over time (solid) and the theory's (dashed), the peak marked. Right: every
transient error larger than the table's threshold, each draw: simulated against predicted time
(top) and size (bottom).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common

NAME = "hierarchy_illusions"
TITLES = {"toy": "PNAS toy", "tree": "binary tree (8 items)"}


def largest(df: pd.DataFrame, dataset: str, n: int = 4) -> list[tuple[str, str]]:
    """The largest error of each stage (errors peaking at the same time, to 0.5), then the next largest."""
    err = df[(df.kind == "error") & (df.dataset == dataset) & (df.source == "theory") & (df.seed == 0)]
    err = err[err["size"] > df.threshold.iloc[0]].sort_values(["size", "item", "property"], ascending=[False, True, True])
    stage = (2 * err.time).round()
    picks = err.groupby(stage, sort=False).head(1)
    rest = err.drop(picks.index)
    chosen = pd.concat([picks, rest]).head(n)
    return list(zip(chosen.item, chosen.property))


def cases(ax, df, dataset):
    cur = df[(df.kind == "curve") & (df.dataset == dataset)]
    shown = {(i, p) for i, p in zip(cur.item, cur.property)}
    for c, (item, prop) in enumerate(x for x in largest(df, dataset, 8) if x in shown):
        if c == 4:
            break
        g = cur[(cur.item == item) & (cur.property == prop)]
        for source, gg in g.groupby("source"):
            style = ({**_common.SIM_STYLE, "color": f"C{c}", "label": f"{item}: {prop} (target {int(gg.target.iloc[0])})"}
                     if source == "simulation" else {**_common.THEORY_STYLE, "linewidth": 1.0})
            ax.plot(gg.time, gg.value, **style)
        th = g[g.source == "theory"]
        k = int(np.argmax(np.abs(th.value.to_numpy() - th.target.to_numpy())))
        ax.plot(th.time.iloc[k], th.value.iloc[k], "v", color=f"C{c}", markersize=6)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set(ylabel="predicted value ŷ_im(t)", title=f"{TITLES[dataset]}: the largest transient error of each stage",
           xlim=(0, min(cur.time.max(), 22)))
    keys = [Line2D([], [], **{**_common.THEORY_STYLE, "linewidth": 1.0}, label="theory (eq. 12, mode strengths)"),
            Line2D([], [], marker="v", color="0.3", linestyle="none", markersize=6,
                   label="theory's peak: largest |ŷ − target|")]
    ax.legend(handles=ax.get_legend_handles_labels()[0] + keys, loc="upper right", fontsize=8)


def paired(df: pd.DataFrame) -> pd.DataFrame:
    """Errors above the threshold in theory, simulation beside theory, one row per draw and pair."""
    err = df[df.kind == "error"]
    p = err.pivot_table(index=["dataset", "seed", "item", "property"], columns="source", values=["size", "time"])
    p.columns = [f"{a}_{b}" for a, b in p.columns]
    return p[p.size_theory > df.threshold.iloc[0]].reset_index()


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    _common.plt.style.use(_common.STYLE)
    fig = _common.plt.figure(figsize=(13.0, 7.5), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(1.8, 1.0))
    for row, dataset in enumerate(TITLES):
        ax = fig.add_subplot(grid[row, 0])
        cases(ax, df, dataset)
        if row == 1:
            ax.set_xlabel("time t = step · η")
    p = paired(df)
    for row, (what, label) in enumerate((("time", "time of the error"), ("size", "size of the error"))):
        ax = fig.add_subplot(grid[row, 1])
        for c, (dataset, g) in enumerate(p.groupby("dataset")):
            ax.plot(g[f"{what}_theory"], g[f"{what}_simulation"], "o", color=f"C{c + 4}", markersize=3,
                    alpha=0.7, label=TITLES[dataset])
        lim = [0, 1.05 * max(p[f"{what}_theory"].max(), p[f"{what}_simulation"].max())]
        ax.plot(lim, lim, **{**_common.THEORY_STYLE, "linewidth": 0.8}, label="simulation = theory")
        ax.set(xlabel=f"theory: {label}", ylabel=f"simulation: {label}", title=f"every error > {df.threshold.iloc[0]:g}")
        ax.legend(loc="upper left")
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """How many illusions, the largest, and how well simulated times and sizes follow theory."""
    df = _common.read(folder, NAME)
    p = paired(df)
    n = p[p.seed == 0].groupby("dataset").size()
    dt = (p.time_simulation / p.time_theory - 1).abs()
    ds = (p.size_simulation / p.size_theory - 1).abs()
    top = df[(df.kind == "error") & (df.source == "theory") & (df.seed == 0)].sort_values("size").iloc[-1]
    rows = [("transient errors > threshold (theory, one draw): toy, tree", ", ".join(str(n.get(d, 0)) for d in TITLES)),
            ("largest (theory)", f"{top.dataset}: {top['item']} '{top.property}' {top['size']:.3f} at t = {top.time:.2f}"),
            ("max |t_sim / t_theory − 1| over draws and errors", f"{dt.max():.3f}"),
            ("median |t_sim / t_theory − 1|", f"{dt.median():.3f}"),
            ("max |size_sim / size_theory − 1|", f"{ds.max():.3f}")]
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
