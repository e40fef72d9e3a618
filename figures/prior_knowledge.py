"""Retraining a learned network: learning a hierarchy, revising it, reversing it, exact solution (lines) against gradient descent (points).

Reads ``prior_knowledge.csv`` (``analysis/prior_knowledge.py``; Braun et al. 2022). Columns:
learning the depth-3 tree from a small init; retraining the learned network on the tree with
one item moved to another branch; retraining it on the sign-flipped task from the learned map
plus a perturbation ε·G into the unused outputs (the learned map itself is a saddle of the
reversed task: B singular, no closed form); top row the loss, bottom row the mean strength ū_b/s_b of
each block of modes with equal s_b (colour: its tree level; averaging over a block of repeated
singular values makes the curve independent of the basis an SVD picks inside it). The grey curves of the reversal column are GD
from the learned weights themselves, whose O(η) imbalance lets the modes pass through zero
earlier. Right column: the time each block is half reversed against ε (the delay grows by
2 ln(10)/s_b per decade: dotted slopes) and the exact–GD gap ‖ΔW2W1‖/‖Σ̃‖ of each phase.
"""

from __future__ import annotations

import sys

import numpy as np
from matplotlib.lines import Line2D

import _common

NAME = "prior_knowledge"
PHASES = {"learn": "learning from small init", "revise": "revising: one item moved",
          "reverse": "reversal (learned map + ε·G)"}


def _colour(s, levels):
    return f"C{int(np.argmin(np.abs(levels - s)))}"


def _phase_columns(axes, df, levels):
    for col, (phase, title) in enumerate(PHASES.items()):
        sub = df[df.phase == phase]
        ex, sim = sub[sub.source == "exact"], sub[sub.source == "simulation"]
        loss_ex = ex.groupby("step")[["time", "loss"]].first()
        loss_sim = sim.groupby("step")[["time", "loss"]].first()
        ax = axes[0, col]
        ax.plot(loss_ex.time, loss_ex.loss, color="black", linewidth=1.4)
        ax.plot(loss_sim.time, loss_sim.loss, "o", color="C3", markersize=3)
        if phase == "reverse":
            learned = df[df.phase == "reverse_learned"].groupby("step")[["time", "loss"]].first()
            learned = learned[learned.time <= loss_ex.time.max()]
            ax.plot(learned.time, learned.loss, color="0.6", linewidth=1.2)
        ax.set(title=title, xlabel="time t = step · η", ylabel="loss" if col == 0 else None)
        ax = axes[1, col]
        for mode, g in ex.groupby("mode"):
            ax.plot(g.time, g.strength / g.s, color=_colour(g.s.iloc[0], levels), linewidth=1.3)
        for mode, g in sim.groupby("mode"):
            ax.plot(g.time.iloc[::2], (g.strength / g.s).iloc[::2], "o", color=_colour(g.s.iloc[0], levels),
                    markersize=2.5, alpha=0.8)
        if phase == "reverse":
            for mode, g in df[df.phase == "reverse_learned"].groupby("mode"):
                g = g[g.time <= ex.time.max()]
                ax.plot(g.time, g.strength / g.s, color="0.6", linewidth=0.8, alpha=0.7)
        ax.axhline(0.0, color="0.7", linewidth=0.6, linestyle=":")
        ax.set(xlabel="time t = step · η", ylabel="ū_b(t) / s_b" if col == 0 else None)


def _escape_column(ax, df, levels):
    esc = df[(df.phase == "escape") & (df.event == "half")]
    for (source, mode), g in esc.groupby(["source", "mode"]):
        g = g.sort_values("eps").dropna(subset=["time"])
        colour = _colour(g.s.iloc[0], levels)
        if source == "exact":
            ax.plot(g.eps, g.time, color=colour, linewidth=1.2)
            e0, t0 = g.eps.iloc[-1], g.time.iloc[-1]  # the slope 2 ln(1/ε)/s through the largest ε
            ax.plot(g.eps, t0 + g.slope * np.log(e0 / g.eps), color=colour, linewidth=0.8, linestyle=":")
        else:
            ax.plot(g.eps, g.time, "o", color=colour, markersize=3)
    ax.set(xscale="log", xlabel="perturbation ε of the learned map", ylabel="half-reversal time (ū_b = −s_b/2)",
           title="reversal delay ≈ 2 ln(1/ε)/s_b")


def _gap_column(ax, df):
    for i, phase in enumerate(PHASES):
        g = df[(df.phase == phase) & (df.source == "exact")].groupby("step")[["time", "error"]].first()
        ax.plot(g.time, g.error, color=f"C{i}", label=phase)
    ax.set(yscale="log", xlabel="time since the phase began", ylabel="‖W2W1 exact − GD‖ / ‖Σ̃‖",
           title=f"exact − GD (η = {df.lr.iloc[0]:g})")
    ax.legend(loc="lower right", fontsize=8)


def _slopes(esc):
    """Least-squares slope of each block's time against ln(1/ε) over its theory slope, per source (theory: 1)."""
    out = {}
    for source, g in esc.groupby("source"):
        vals = []
        for _, m in g.dropna(subset=["time"]).groupby("mode"):
            if len(m) >= 2:
                vals.append(np.polyfit(np.log(1.0 / m.eps), m.time, 1)[0] / m.slope.iloc[0])
        out[source] = (min(vals), max(vals))
    return out


def key_numbers(folder):
    """The gallery's numbers: exact–GD gaps per phase, the escape-delay slope, the reversal times."""
    df = _common.read(folder, NAME)
    gap = df[df.source == "exact"].groupby("phase").error.max()
    sl = _slopes(df[(df.phase == "escape") & (df.event == "half")])
    first = df[(df.phase.isin(["reverse", "reverse_learned"])) & (df.source == "simulation")
               & (df.strength < -0.5 * df.s)]
    cross = first.groupby(["phase", "mode"]).time.min().groupby("phase").agg(["min", "max"])
    n_items = int(df[df.phase == "learn"].groupby("mode").multiplicity.first().sum())  # modes = items
    rows = [("task, step", f"depth-{int(df.depth.iloc[0])} tree ({n_items} items), η = {df.lr.iloc[0]:g}"),
            ("max ‖ΔW2W1‖/‖Σ̃‖ learn / revise / reverse",
             " / ".join(f"{gap.get(p, np.nan):.2g}" for p in PHASES)),
            ("escape delay slope dt/dln(1/ε) ÷ (2/s_b), exact (theory 1)",
             f"{sl['exact'][0]:.3f} – {sl['exact'][1]:.3f}"),
            ("escape delay slope ÷ (2/s_b), GD", f"{sl['simulation'][0]:.3f} – {sl['simulation'][1]:.3f}")]
    for phase, label in (("reverse", f"ε = {df[df.phase == 'reverse'].eps.iloc[0]:g}"),
                         ("reverse_learned", "GD-learned weights")):
        if phase in cross.index:
            rows.append((f"reversal half-times (ū_b = −s_b/2), {label}", f"t = {cross.loc[phase, 'min']:.1f} – "
                                                              f"{cross.loc[phase, 'max']:.1f}"))
    return _common.key_table(rows)


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    levels = np.sort(df[df.phase == "learn"].s.unique())[::-1]  # the tree's; revised modes take the nearest
    fig, axes = _common.figure(4, 2, width=17.0, height=7.5)
    _phase_columns(axes, df, levels)
    _escape_column(axes[0, 3], df, levels)
    _gap_column(axes[1, 3], df)
    handles = [Line2D([], [], color=_colour(s, levels), label=f"s = {s:.3g}") for s in levels]
    handles += [Line2D([], [], color="black", label="exact (Braun et al.)"),
                Line2D([], [], marker="o", linestyle="", color="C3", label="gradient descent"),
                Line2D([], [], color="0.6", label="GD from the learned weights")]
    axes[1, 0].legend(handles=handles, loc="center right", fontsize=7)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

