"""Learning time against depth for scaled-Gaussian, orthogonal and decoupled initial weights (Saxe et al. 2014, Fig. 6).

Reads ``depth_isometry.csv`` (``analysis/depth_isometry.py``). Left: the learning step (first
step with 99 % of the optimal loss reduction) at the fastest learning rate of the log grid,
against depth; dashed: the deep mode equation's exact discrete map for the aligned init, at
its own fastest rate of the same grid. Right: that fastest rate, as a fraction of the
stability bound 2/(L s1^{2−2/L}). Orthogonal weights keep every singular value of the product at
1 whatever the depth; a product of scaled Gaussians does not, and its learning time grows.
"""

from __future__ import annotations

import sys

import _common

NAME = "depth_isometry"
STYLE = {"gaussian": dict(color="C1", marker="s"), "orthogonal": dict(color="C0", marker="o"),
         "aligned": dict(color="C2", marker="^")}
LABEL = {"gaussian": "scaled Gaussian", "orthogonal": "orthogonal", "aligned": "decoupled (aligned)"}


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    best = df[df.best]
    fig, axes = _common.figure(2, 1, width=10.0, height=4.2)
    ax, axr = axes[0]
    for init, style in STYLE.items():
        g = best[(best.source == "simulation") & (best.init == init)]
        g = g.groupby("depth", as_index=False)[["learning_step", "lr_factor"]].median()
        if g.empty:
            continue
        ax.plot(g.depth, g.learning_step, label=LABEL[init], **style, **_common.SIM_STYLE)
        axr.plot(g.depth, g.lr_factor, label=LABEL[init], **style, **_common.SIM_STYLE)
    th = best[best.source == "theory"].sort_values("depth")
    if not th.empty:
        ax.plot(th.depth, th.learning_step, label="theory: deep mode map (aligned)", **_common.THEORY_STYLE)
    ax.set(xscale="log", yscale="log", xlabel="depth L (weight matrices)",
           ylabel="learning step (best rate)", title="steps to 99% of the loss reduction")
    axr.set(xscale="log", yscale="log", xlabel="depth L (weight matrices)",
            ylabel="best η / (2 / (L s1^(2-2/L)))", title="fastest learning rate of the grid")
    for a in (ax, axr):
        a.set_xticks(sorted(df.depth.unique()), labels=[str(d) for d in sorted(df.depth.unique())])
        a.minorticks_off()
    # The bound is for iterates near the optimum: a run from aligned init can reach 99 % of
    # the loss reduction in a few steps, before the instability there has grown (it stops at
    # the crossing), so the fastest rate of the grid may lie above the bound.
    axr.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":",
                label="stability bound (a run may reach 99 %\nbefore it oscillates above it)")
    ax.legend()
    axr.legend(loc="lower left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: learning steps at the shallowest and deepest depth per init, and the theory's."""
    df = _common.read(folder, NAME)
    best = df[df.best]
    depths = sorted(df.depth.unique())
    lo, hi = depths[0], depths[-1]
    rows = [("depths, data set", f"{lo}–{hi} ({len(depths)} values), {df.dataset.iloc[0]}")]
    sim = best[best.source == "simulation"].groupby(["init", "depth"]).learning_step.median()
    for init in [i for i in STYLE if i in sim.index.get_level_values("init")]:
        rows.append((f"learning step at L = {lo} → {hi}, {LABEL[init]}",
                     f"{sim[init].get(lo, float('nan')):g} → {sim[init].get(hi, float('nan')):g}"))
    th = best[best.source == "theory"].set_index("depth").learning_step
    if len(th):
        aligned = sim.get("aligned")
        gap = (aligned.reindex(th.index) - th).abs().max() if aligned is not None else float("nan")
        rows.append(("theory (deep mode map, aligned): steps at L = " f"{lo} → {hi}; max |sim − theory|",
                     f"{th.get(lo, float('nan')):g} → {th.get(hi, float('nan')):g}; {gap:g} steps"))
    return _common.key_table(rows)
