"""Mode strengths on whitened MNIST: simulation (solid, every seed) against Saxe theory (dashed).

Reads ``mnist_modes``. Left: each mode's strength u_α(t) over time t = step·η; simulation from
small random weights (one thin line per seed), the theory of eq. 12 from each seed's effective
initial strength (dashed, seed 0). Right: measured against predicted half-learning time of
every mode and seed (the time a simulated strength first reaches s_α/2), with the identity line.
"""

from __future__ import annotations

import sys

import numpy as np

import _common

NAME = "mnist_modes"


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    t = _common.read(args.tables, "mnist_modes")
    dataset = t["dataset"].iloc[0]
    sim = t[(t.source == "simulation") & ~t.zero_by_construction.astype(bool)]
    th = t[t.source == "theory"]
    fig, axes = _common.figure(2, 1, width=10.0, height=4.2)
    ax, ax_t = axes[0]
    seed0 = sim.seed.min()
    for k, (mode, g) in enumerate(sim.groupby("mode")):
        color = f"C{k % 10}"
        for seed, gs in g.groupby("seed"):
            ax.plot(gs.time, gs.strength, color=color, **{**_common.SIM_STYLE, "linewidth": 1.0},
                    label=f"α={mode}, s={gs.s.iloc[0]:.3f}" if seed == seed0 else None)
        gt = th[(th["mode"] == mode) & (th.seed == seed0)]
        ax.plot(gt.time, gt.strength, **{**_common.THEORY_STYLE, "color": color, "linewidth": 1.2})
    ax.plot([], [], **_common.THEORY_STYLE, label="theory (eq. 12)")
    ax.set(xlabel="time t = step·η", ylabel="mode strength u_α = u_αᵀ W2W1 v_α",
           title=f"{dataset}: modes from small random init ({sim.seed.nunique()} seeds)")
    ax.legend(ncol=2, fontsize=7, loc="lower right")
    half = _common.half_times(sim, ("seed", "mode"), ("t_half_theory",)).dropna(subset="measured")
    if len(half):
        sc = ax_t.scatter(half.t_half_theory, half.measured, c=half["mode"], cmap="viridis", s=18)
        both = half[["measured", "t_half_theory"]].to_numpy()
        ax_t.plot([both.min(), both.max()], [both.min(), both.max()], **_common.THEORY_STYLE,
                  label="measured = predicted")
        fig.colorbar(sc, ax=ax_t, label="mode α")
        rel = np.median(np.abs(half.measured / half.t_half_theory - 1))
        ax_t.set_title(f"half-learning times (median |rel. error| {rel:.0%})")
    ax_t.set(xlabel="predicted t½ = ln(s/u0 − 1)/(2s)", ylabel="measured t½ (simulation)")
    ax_t.legend(loc="upper left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the singular values, and measured against predicted half-learning times."""
    t = _common.read(folder, "mnist_modes")
    sim = t[(t.source == "simulation") & ~t.zero_by_construction.astype(bool)]
    half = _common.half_times(sim, ("seed", "mode"), ("t_half_theory",)).dropna(subset="measured")
    rel = half.measured / half.t_half_theory - 1
    s = sim.groupby("mode").s.first()
    return _common.key_table([
        ("data set", t.dataset.iloc[0]),
        ("singular values s_1 … s_9", f"{s.max():.3f} … {s.min():.3f}"),
        ("seeds, step η", f"{sim.seed.nunique()}, {sim.lr.iloc[0]:g}"),
        ("half-learning times measured", f"{len(half)} of {sim.groupby(['seed', 'mode']).ngroups}"),
        ("measured / predicted t½ − 1 (median, range)", f"{rel.median():+.1%} ({rel.min():+.1%} to {rel.max():+.1%})"),
    ])
