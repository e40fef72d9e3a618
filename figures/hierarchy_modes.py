"""Branching diffusion on a tree of eight items: singular values by level (closed form vs sampled), the Haar-like object analyzers, and the modes learned level by level by a deep network and all at once by a shallow one.

Reads ``hierarchy_modes.csv`` (``analysis/hierarchy_modes.py``). Left: each mode's sampled
singular value (dots) against the closed-form expectation of its tree level (bars); middle: the
closed-form object analyzers (:func:`linnet.data.tree_modes`) over the named items, which the
sampled ones match up to the overlap in the table; right: the fraction learned u_α(t)/s_α of every
mode, coloured by level, for one hidden layer (top) and one weight matrix (bottom), simulation
solid, theory dashed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common
from linnet import data

NAME = "hierarchy_modes"
LEVELS = {0: "all items", 1: "animals | plants", 2: "fish | birds, flowers | trees", 3: "within pairs"}


def spectrum(ax, modes):
    for lvl, g in modes.groupby("level"):
        ax.bar(g["mode"], g.s_expected, color=f"C{lvl}", alpha=0.35, width=0.8)
        ax.plot(g["mode"], g.s, "o", color=f"C{lvl}", label=f"level {lvl}: {LEVELS.get(lvl, '')}")
    ax.set(xlabel="mode α", ylabel="singular value s_α (linnet)", title="spectrum: sampled (dots), expected (bars)")
    ax.legend(loc="upper right")


def analyzers(ax, B, D, n_items):
    V = data.tree_modes(B, D).V * np.sqrt(n_items)
    names = data.TREE_ITEMS if (B, D) == (2, 3) else [str(i) for i in range(n_items)]
    ax.imshow(V.T, cmap="RdBu_r", vmin=-3, vmax=3, aspect="auto")
    ax.set_xticks(range(n_items), names, rotation=60, ha="right")
    ax.set_yticks(range(n_items), [f"mode {a + 1}" for a in range(n_items)])
    ax.grid(False)
    ax.set_title("object analyzers √P v_α (closed form)")


def fractions(ax, df, network, title):
    sub = df[df.network == network]
    for (mode, seed, source), g in sub.groupby(["mode", "seed", "source"]):
        lvl = int(g.level.iloc[0])
        style = ({**_common.SIM_STYLE, "color": f"C{lvl}", "linewidth": 1.0} if source == "simulation"
                 else {**_common.THEORY_STYLE, "linewidth": 0.7})
        ax.plot(g.time, g.strength / g.s, **style)
    ax.set(ylabel="fraction learned u_α/s_α", title=title)
    ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle=":")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    fig = _common.plt.figure(figsize=(13.0, 6.5))
    _common.plt.style.use(_common.STYLE)
    grid = fig.add_gridspec(2, 3, width_ratios=(1.0, 0.9, 1.3))
    first = df[(df.step == 0) & (df.source == "simulation") & (df.seed == 0) & (df.network == "deep")]
    spectrum(fig.add_subplot(grid[:, 0]), first)
    B, D = int(df.branching.iloc[0]), int(df.depth.iloc[0])
    analyzers(fig.add_subplot(grid[:, 1]), B, D, len(first))
    top = fig.add_subplot(grid[0, 2])
    bottom = fig.add_subplot(grid[1, 2])
    fractions(top, df, "deep", "one hidden layer: stages, broad distinctions first")
    deep = df[(df.network == "deep") & (df.source == "theory")]
    last_half = np.nanmax(_common.half_times(deep, ("seed", "mode")).measured.to_numpy(), initial=0.0)
    top.set_xlim(0, min(2.2 * last_half, df.time.max()) if last_half > 0 else df.time.max())  # the stages
    fractions(bottom, df, "shallow", "one weight matrix: one timescale")
    top.set_xlabel("time t = step · η")
    bottom.set_xlabel("time t = step · η")
    handles = [Line2D([], [], color=f"C{lvl}", **_common.SIM_STYLE, label=f"level {lvl}")
               for lvl in sorted(first.level.unique())]
    handles.append(Line2D([], [], **_common.THEORY_STYLE, label="theory"))
    bottom.legend(handles=handles, loc="lower right", ncol=2)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Sampled vs expected spectrum, analyzer overlap, and the deep/shallow half-learning times."""
    df = _common.read(folder, NAME)
    first = df[(df.step == 0) & (df.source == "simulation") & (df.seed == 0) & (df.network == "deep")]
    rel = (first.s / first.s_expected - 1).abs()
    half = _common.half_times(df, ("network", "source", "seed", "mode"), extra=("level",))
    sim = half[half.source == "simulation"].groupby(["network", "level"]).measured.mean()
    p = half.pivot(index=["network", "seed", "mode"], columns="source", values="measured")  # keeps NaN
    gap = (p["simulation"] / p["theory"] - 1).abs().groupby("network").max()  # NaN: not half-learned
    rows = [("expected s by level (linnet)", ", ".join(f"{v:.3f}" for v in first.groupby("level").s_expected.first())),
            ("max |sampled/expected − 1| of s", f"{rel.max():.3f}"),
            ("min overlap of a sampled analyzer with its level", f"{first.analyzer_overlap.min():.3f}"),
            ("deep: mean t½ by level", ", ".join(f"{v:.3f}" for v in sim["deep"])),
            ("shallow: mean t½ by level", ", ".join(f"{v:.3f}" for v in sim["shallow"])),
            ("max |t½ sim / theory − 1| deep, shallow", f"{gap['deep']:.3f}, {gap['shallow']:.3f}")]
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
