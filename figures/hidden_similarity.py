"""The hidden layer's view of the ten MNIST classes over training: similarity matrices, simulation and theory.

Reads ``hidden_similarity.csv`` (``analysis/hidden_similarity.py``). Left, top row: the
simulated similarity h_cᵀh_d of the class-mean hidden representations (small random "gaussian"
init, first seed; both named in the row labels and title) at four times (where the theory's
matrix has grown to about 5, 30, 70 and 100 % of its final size); bottom row: the theory
Σ_α u_α(t)(v_αᵀμ_c)(v_αᵀμ_d) with Saxe's mode strengths (docs/theory.md#hidden-representations). Each column shares one
symmetric colour scale, drawn as the colour bar beneath it. The structure appears mode by mode,
strongest singular value first (progressive differentiation). Right, spanning both rows: the
relative deviation max|sim − theory| / max|theory| over time, for aligned (exact up to
GD-vs-flow) and random initial weights, every seed; dotted lines mark the times shown left.
"""

from __future__ import annotations

import sys

import numpy as np

import _common

NAME = "hidden_similarity"
N_PANELS = 4


def matrix(g, C):
    M = np.full((C, C), np.nan)
    i, j, v = g.class_i.to_numpy(), g.class_j.to_numpy(), g.similarity.to_numpy()
    M[i, j] = v
    M[j, i] = v
    return M


def build_up_times(g0):
    """Times at which the theory's matrix reaches about 5 %, 30 %, 70 % and 100 % of its final
    size (Frobenius norm): the build-up the heatmaps show. Returns (times, fractions)."""
    th0 = g0[g0.source == "theory"]
    size = th0.groupby("time").similarity.apply(lambda v: float(np.sqrt(np.sum(v**2))))
    frac = (size / size.iloc[-1]).to_numpy()
    times = size.index.to_numpy()
    idx = [int(np.argmin(np.abs(frac - f))) for f in (0.05, 0.3, 0.7, 1.0)][:N_PANELS]
    return [times[i] for i in idx], [frac[i] for i in idx]


def heatmap_column(fig, cell, g0, t, built, C, *, label, first):
    """Simulation above theory at time t in one grid column, with a shared colour bar beneath."""
    mats = {source: matrix(g0[(g0.time == t) & (g0.source == source)], C)
            for source in ("simulation", "theory")}
    vmax = max(np.nanmax(np.abs(m)) for m in mats.values())
    digits = [str(c) for c in range(C)]
    col = []
    for row, (source, M) in enumerate(mats.items()):
        ax = fig.add_subplot(cell(row))
        im = ax.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set(xticks=range(C), yticks=range(C), xticklabels=digits, yticklabels=digits)
        ax.tick_params(labelsize=7, length=2)
        ax.grid(False)
        if row == 0:
            ax.set_title(f"t = {t:.3g}  ({100 * built:.0f} % built)", fontsize=10)
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel("digit class d", fontsize=9)
        if first:
            ax.set_ylabel(f"{source}\n({label})\ndigit class c", fontsize=9)
        else:
            ax.tick_params(labelleft=False)
        col.append(ax)
    cb = fig.colorbar(im, ax=col, location="bottom", shrink=0.9, aspect=18, pad=0.01)
    cb.ax.tick_params(labelsize=7)
    cb.set_label(r"$h_c^\top h_d$", fontsize=8)


def deviation_panel(ax, df, seed, picks):
    """Relative deviation of simulation from theory over time, every init and seed."""
    piv = df.pivot_table(index=["init", "seed", "time", "class_i", "class_j"], columns="source",
                         values="similarity").reset_index()
    colors = {"aligned": "C2", "gaussian": "C1"}  # one colour per init, line style per seed
    for n, ((ini, sd), g) in enumerate(piv.groupby(["init", "seed"])):
        dev = g.groupby("time").apply(
            lambda d: np.abs(d.simulation - d.theory).max() / np.abs(d.theory).max(),
            include_groups=False)
        dev = dev[dev > 0]  # t = 0 from aligned weights: identical by construction
        style = dict(_common.SIM_STYLE, linestyle="-" if sd == seed else "--")
        ax.plot(dev.index, dev.to_numpy(), label=f"{ini}, seed {sd}",
                color=colors.get(ini, f"C{n % 10}"), **style)
    for t in picks:  # the times shown on the left
        ax.axvline(t, color="0.6", linewidth=0.8, linestyle=":", zorder=0)
    ax.set(yscale="log", xlabel="time t = step · η", ylabel="max|sim − theory| / max|theory|",
           title="deviation from theory\n(dotted: the times shown left)")
    ax.legend(loc="upper right")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    C = int(df.class_j.max()) + 1
    init = "gaussian" if "gaussian" in set(df.init) else sorted(df.init.unique())[0]
    seed = int(df.seed.min())
    g0 = df[(df.init == init) & (df.seed == seed)]
    picks, fracs = build_up_times(g0)
    # Heatmaps in a 2 × 4 grid (simulation above theory, one column per time, a colour bar
    # under each column, shared by its two panels); the deviation panel spans both rows on the
    # right, so the figure has no empty slots.
    fig, axes = _common.figure(1, 1, width=13.0, height=5.9, layout="constrained")
    axes[0, 0].remove()
    gs = fig.add_gridspec(2, N_PANELS + 1, width_ratios=[1.0] * N_PANELS + [1.7])
    label = f"{init} init, seed {seed}"
    for k, (t, built) in enumerate(zip(picks, fracs)):
        heatmap_column(fig, lambda row, k=k: gs[row, k], g0, t, built, C, label=label, first=k == 0)
    deviation_panel(fig.add_subplot(gs[:, N_PANELS]), df, seed, picks)
    fig.suptitle(r"Hidden-layer similarity of the class means, $h_c^\top h_d$ with $h_c = W_1\mu_c$: "
                 f"simulation vs theory, {label}", fontsize=11)
    _common.save(fig, args.out)
    return 0

if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the final relative deviation of the simulated similarity from its theory, per init."""
    df = _common.read(folder, NAME)
    piv = df.pivot_table(index=["init", "seed", "time", "class_i", "class_j"], columns="source",
                         values="similarity").reset_index()
    rows = [("data set, hidden width, seeds", f"{df.dataset.iloc[0]}, {int(df.width.iloc[0])}, {df.seed.nunique()}")]
    for init, g in piv.groupby("init"):
        dev = g.groupby(["seed", "time"]).apply(
            lambda d: np.abs(d.simulation - d.theory).max() / np.abs(d.theory).max(), include_groups=False)
        final = dev[dev.index.get_level_values("time") == g.time.max()]
        # Median over time, not the largest: near t = 0 the theory's matrix is ~0 and a random
        # init's own similarity dominates the ratio.
        rows.append((f"max|sim − theory| / max|theory|, {init} init: median over time; at the end",
                     f"{dev.median():.2g}; {final.max():.2g}"))
    return _common.key_table(rows)
