"""Mode strengths against time from aligned and from small random init: simulation (solid) and Saxe's sigmoid (dashed).

Reads ``teacher_modes.csv`` (``analysis/teacher_modes.py``). Each mode's strength is shown as the
fraction learned, u_α(t)/s_α, so that the five modes (s = 4 … 0.25) share one axis; every seed is
drawn (thin lines). Theory: Saxe et al. (2014) eq. 12 from u0 = 1e-3 (aligned) or from each
seed's effective initial strength (random init).
"""

from __future__ import annotations

import sys

from matplotlib.lines import Line2D

import _common

NAME = "teacher_modes"
TITLES = {"aligned": "aligned init", "random": "small random init"}


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    df = df[df.time > 0]  # log time axis
    inits = [i for i in TITLES if i in set(df.init)]
    fig, axes = _common.figure(len(inits), 1, width=5.0 * len(inits), height=4.0, sharey=True)
    modes = sorted(df["mode"].unique())
    for ax, init in zip(axes[0], inits):
        sub = df[df.init == init]
        scale = sub.init_scale.iloc[0]
        for (mode, seed, source), g in sub.groupby(["mode", "seed", "source"]):
            frac = g.strength / g.s
            if source == "simulation":
                ax.plot(g.time, frac, color=f"C{modes.index(mode)}", **{**_common.SIM_STYLE, "linewidth": 1.2})
            elif source == "theory":
                ax.plot(g.time, frac, **{**_common.THEORY_STYLE, "linewidth": 1.0})
        label = "u0" if init == "aligned" else "σ"
        ax.set(xscale="log", xlabel="time t = step · η", title=f"{TITLES[init]} ({label} = {scale:g})")
        ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle=":")
        ax.set_xlim(left=0.1)  # nothing moves before t ≈ 0.3: the plateau is the story
    axes[0, 0].set_ylabel("fraction learned  u_α(t) / s_α")
    s_of = df.groupby("mode").s.first()
    handles = [Line2D([], [], color=f"C{i}", **_common.SIM_STYLE, label=f"mode {m}: s = {s_of[m]:g}")
               for i, m in enumerate(modes)]
    handles.append(Line2D([], [], **_common.THEORY_STYLE, label="theory (Saxe eq. 12)"))
    axes[0, 0].legend(handles=handles, loc="upper left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the modes, and how far the simulated strengths lie from Saxe's sigmoid."""
    df = _common.read(folder, NAME)
    gap = _common.sim_theory_gap(df, "strength", ["init", "seed", "mode", "step"])
    s = df.groupby("mode").s.first()
    frac = gap / df[df.source == "simulation"].set_index(["init", "seed", "mode", "step"]).s.reindex(gap.index)
    rows = [("singular values s_α", ", ".join(f"{v:g}" for v in s)),
            ("seeds × initialisations", f"{df.seed.nunique()} × {df.init.nunique()} ({', '.join(sorted(set(df.init)))})"),
            ("step η, steps", f"{df.lr.iloc[0]:g}, {int(df.step.max())}")]
    for init, g in frac.groupby(level="init"):
        rows.append((f"max |u_sim − u_theory| / s_α, {init} init", f"{g.max():.3f}"))
    return _common.key_table(rows)
