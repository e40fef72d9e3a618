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


def measured_half_times(sim):
    """First time each (seed, mode) reaches half its singular value (linear interpolation)."""
    rows = []
    for (seed, mode), g in sim.groupby(["seed", "mode"]):
        g = g.sort_values("time")
        s = g["s"].iloc[0]
        u, t = g["strength"].to_numpy(), g["time"].to_numpy()
        above = np.flatnonzero(u >= s / 2)
        if above.size == 0 or above[0] == 0:
            continue
        i = above[0]
        t_half = np.interp(s / 2, [u[i - 1], u[i]], [t[i - 1], t[i]])
        rows.append((seed, mode, t_half, g["t_half_theory"].iloc[0]))
    return np.array(rows)


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
    half = measured_half_times(sim)
    if half.size:
        sc = ax_t.scatter(half[:, 3], half[:, 2], c=half[:, 1], cmap="viridis", s=18)
        lo, hi = np.min(half[:, 2:]), np.max(half[:, 2:])
        ax_t.plot([lo, hi], [lo, hi], **_common.THEORY_STYLE, label="measured = predicted")
        fig.colorbar(sc, ax=ax_t, label="mode α")
        rel = np.median(np.abs(half[:, 2] / half[:, 3] - 1))
        ax_t.set_title(f"half-learning times (median |rel. error| {rel:.0%})")
    ax_t.set(xlabel="predicted t½ = ln(s/u0 − 1)/(2s)", ylabel="measured t½ (simulation)")
    ax_t.legend(loc="upper left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
