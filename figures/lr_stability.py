"""Final state of gradient descent against η·s1 for depths 2-4, with the predicted stability boundary.

Reads ``lr_stability.csv`` (``analysis/lr_stability.py``). Each marker is one run (seeds offset
vertically); the black bar at each depth is the predicted boundary η·s1 = 2 s1^{2/L−1}/L, the
inverse half-sharpness of the balanced global minimum (docs/theory.md#stability). Below it runs converge;
above it they oscillate at the edge of stability and, further up, diverge. ``slow`` marks runs
that were still converging when the step budget ran out.
"""

from __future__ import annotations

import sys

import _common

NAME = "lr_stability"
STATES = {"converged": dict(color="C2", marker="o"), "slow": dict(color="C5", marker="v"),
          "oscillating": dict(color="C4", marker="D"), "diverged": dict(color="C1", marker="x")}


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    fig, axes = _common.figure(1, 1, width=7.0, height=3.8)
    ax = axes[0][0]
    seeds = sorted(df.seed.unique())
    offset = {s: 0.25 * (i - (len(seeds) - 1) / 2) / max(len(seeds), 1) for i, s in enumerate(seeds)}
    for state, style in STATES.items():
        g = df[df.state == state]
        if g.empty:
            continue
        y = g.depth + g.seed.map(offset)
        ax.plot(g.lr_s1, y, linestyle="none", markersize=5, alpha=0.8, label=state,
                markerfacecolor="none" if style["marker"] != "x" else None, **style)
    for depth, g in df.groupby("depth"):
        x = float(g.lr_bound.iloc[0] * g.s1.iloc[0])
        ax.plot([x, x], [depth - 0.35, depth + 0.35], **{**_common.THEORY_STYLE, "linestyle": "-",
                                                        "linewidth": 2.5})
    ax.plot([], [], **{**_common.THEORY_STYLE, "linestyle": "-", "linewidth": 2.5},
            label="predicted boundary 2/(L s1^(2-2/L))")
    depths = sorted(df.depth.unique())
    ax.set(xscale="log", xlabel="η · s1", ylabel="depth L (weight matrices)",
           yticks=depths, ylim=(min(depths) - 0.6, max(depths) + 0.6),
           title="final state of gradient descent")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: per depth the predicted boundary and how the runs on each side ended."""
    df = _common.read(folder, NAME)
    rows = [("runs (depths × rates × seeds)", f"{len(df)} ({df.depth.nunique()} × {df.groupby('depth').lr.nunique().max()} × {df.seed.nunique()})")]
    for depth, g in df.groupby("depth"):
        below, above = g[g.lr_ratio < 1], g[g.lr_ratio > 1]
        rows.append((f"depth {depth}: predicted boundary η·s1",
                     f"{g.lr_bound.iloc[0] * g.s1.iloc[0]:.3g}; below it {int((below.state == 'converged').sum())}/{len(below)} "
                     f"converged, above it {int((above.state != 'converged').sum())}/{len(above)} did not"))
    return _common.key_table(rows)
