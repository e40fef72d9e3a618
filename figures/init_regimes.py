"""From rich to lazy: two-layer trajectories and the error of three theories as the initial scale grows.

Reads ``init_regimes.csv`` (``analysis/init_regimes.py``). Left and middle: the loss of λ-balanced
networks (λ = c²) from small (c = smallest scale, rich: sigmoidal steps) and large (c = largest
scale, lazy: one fast exponential) initial weights, simulation against Saxe's sigmoids, the
exact zero-balanced solution with the same initial map (Braun et al. 2022) and the exact
λ-balanced solution (Dominé et al. 2025). Right: the largest deviation of each theory from the
simulated network map over the run, ‖W_theory − W_sim‖_F / ‖Σ31‖_F (median over seeds), against
the scale; solid: λ-balanced family, dotted: zero-balanced family (where the two exact
solutions coincide). Fourth panel (when the table has them): the same for rectangular networks,
6 → 4 → 4 and 4 → 4 → 6 with λ = ±c², against the exact λ-balanced solution for any shape. The exact solutions stay at the GD-versus-gradient-flow level O(η·t·s²)
at every scale; the small-weight theories fail as the weights grow.
"""

from __future__ import annotations

import sys

import _common

NAME = "init_regimes"
THEORIES = {"saxe": ("Saxe sigmoids", "C1"), "zero_balanced": ("exact zero-balanced", "C0"),
            "lambda_balanced": ("exact λ-balanced", "C2")}
FAMILY_STYLE = {"lambda_balanced": "-", "zero_balanced": ":"}


def rectangular_panel(ax, th, ylim):
    """Error of the exact any-shape λ-balanced solution and of Saxe's sigmoids, rectangular nets."""
    err = th.groupby(["init", "theory", "init_scale"], as_index=False).max_error.median()
    for k, ((family, name), g) in enumerate(err.groupby(["init", "theory"])):
        label, color = THEORIES[name]
        shape = family.removeprefix("lambda_balanced_").replace("_neg", ", λ = −c²")
        shape = shape if "λ" in shape else shape + ", λ = +c²"
        ax.plot(g.init_scale, g.max_error, color=color, marker="os^v"[k // 2 % 4], markersize=4,
                linestyle="-" if "−" not in shape else "--", label=f"{label} (N-H-M {shape})")
    ax.set(xscale="log", yscale="log", ylim=ylim, xlabel="initial scale c (smaller layer)",
           ylabel="max ‖W_theory − W_sim‖ / ‖Σ31‖", title="rectangular networks: error of each theory")
    ax.legend(fontsize=6, loc="upper left")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    rect = ~df.init.isin(FAMILY_STYLE)  # the rectangular families (issue 13), if the table has them
    fig, axes = _common.figure(3 + bool(rect.any()), 1, width=13.5 + 4.5 * bool(rect.any()), height=4.2)
    scales = sorted(df.init_scale.unique())
    seed = df.seed.min()
    for ax, c in zip(axes[0][:2], (scales[0], scales[-1])):
        g = df[(df.init == "lambda_balanced") & (df.init_scale == c) & (df.seed == seed)]
        sim = g[g.source == "simulation"]
        ax.plot(sim.time, sim.loss, color="0.2", label="simulation (GD)", **_common.SIM_STYLE)
        for name, (label, color) in THEORIES.items():
            th = g[g.theory == name]
            ax.plot(th.time, th.loss, label=label, **{**_common.THEORY_STYLE, "color": color})
        ax.set(yscale="log", xlabel="time t = step · η", ylabel="loss",
               title=f"λ-balanced init, scale c = {c:g} (λ = {g.lam.iloc[0]:.3g})")
    axes[0][0].legend()
    ax = axes[0][2]
    th = df[(df.source == "theory") & ~rect]
    err = th.groupby(["init", "theory", "init_scale"], as_index=False).max_error.median()
    for (family, name), g in err.groupby(["init", "theory"]):
        label, color = THEORIES[name]
        ax.plot(g.init_scale, g.max_error, color=color, linestyle=FAMILY_STYLE.get(family, "-"),
                marker="o", markersize=4, label=f"{label} ({family.replace('_', '-')} init)")
    ax.set(xscale="log", yscale="log", xlabel="initial scale c (layer singular values)",
           ylabel="max ‖W_theory − W_sim‖ / ‖Σ31‖", title="error of each theory")
    ax.legend(fontsize=7, loc="upper left")
    if rect.any():
        rectangular_panel(axes[0][3], df[rect & (df.source == "theory")], ax.get_ylim())
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the range of each theory's error over the initial scales (median over
    seeds), for each square initialisation's own exact solution and Saxe's sigmoids, and for the
    rectangular networks (every shape and sign of λ together)."""
    df = _common.read(folder, NAME)
    th = df[df.source == "theory"]
    rect = th.init.str.contains("-")  # rectangular families are named lambda_balanced_N-H-M[_neg]
    th = th.assign(family=th.init.where(~rect, "rectangular"))
    err = th.groupby(["family", "theory", "init_scale"]).max_error.median()
    scales = sorted(df.init_scale.unique())
    rows = [("initial scales c", f"{scales[0]:g} to {scales[-1]:g} ({len(scales)} values), {df.seed.nunique()} seeds")]
    cases = [("zero_balanced", "zero_balanced"), ("lambda_balanced", "lambda_balanced"),
             ("zero_balanced", "saxe"), ("lambda_balanced", "saxe"),
             ("rectangular", "lambda_balanced"), ("rectangular", "saxe")]
    for family, theory in cases:
        if (family, theory) in err.index.droplevel("init_scale"):
            g = err.loc[(family, theory)]
            rows.append((f"max error of {THEORIES[theory][0]}, {family.replace('_', '-')} init",
                         f"{g.min():.1e} to {g.max():.1e}"))
    return _common.key_table(rows)
