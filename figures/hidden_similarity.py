"""The hidden layer's view of the ten MNIST classes over training: similarity matrices, simulation and theory.

Reads ``hidden_similarity.csv`` (``analysis/hidden_similarity.py``). Top row: the simulated
similarity h_cᵀh_d of the class-mean hidden representations (small random init, first seed) at
four times (where the theory's matrix has grown to about 5, 30, 70 and 100 % of its final
size; each column has its own colour scale); middle row: the theory
Σ_α u_α(t)(v_αᵀμ_c)(v_αᵀμ_d) with Saxe's mode strengths (THEORY.md §2). The structure appears mode by mode, strongest singular value first
(progressive differentiation). Bottom: the relative deviation max|sim − theory| / max|theory|
over time, for aligned (exact up to GD-vs-flow) and random initial weights.
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


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    C = int(df.class_j.max()) + 1
    init = "gaussian" if "gaussian" in set(df.init) else sorted(df.init.unique())[0]
    seed = df.seed.min()
    g0 = df[(df.init == init) & (df.seed == seed)]
    # Show the build-up: the times at which the theory's matrix reaches about 5 %, 30 %, 70 %
    # and 100 % of its final size (Frobenius norm), each column on its own colour scale.
    th0 = g0[g0.source == "theory"]
    size = th0.groupby("time").similarity.apply(lambda v: float(np.sqrt(np.sum(v**2))))
    frac = (size / size.iloc[-1]).to_numpy()
    times = size.index.to_numpy()
    picks = [times[int(np.argmin(np.abs(frac - f)))] for f in (0.05, 0.3, 0.7, 1.0)][:N_PANELS]
    fig, axes = _common.figure(N_PANELS, 3, width=11.0, height=9.0)
    for k, t in enumerate(picks):
        mats = {source: matrix(g0[(g0.time == t) & (g0.source == source)], C)
                for source in ("simulation", "theory")}
        vmax = max(np.nanmax(np.abs(m)) for m in mats.values())
        for row, (source, M) in enumerate(mats.items()):
            ax = axes[row][k]
            ax.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set(xticks=range(C), yticks=range(C), title=f"{source}, t = {t:.3g}\n(colour ±{vmax:.2g})")
            ax.tick_params(labelsize=6)
            ax.grid(False)
    ax = axes[2][0]
    piv = df.pivot_table(index=["init", "seed", "time", "class_i", "class_j"], columns="source",
                         values="similarity").reset_index()
    for (ini, sd), g in piv.groupby(["init", "seed"]):
        dev = g.groupby("time").apply(
            lambda d: np.abs(d.simulation - d.theory).max() / np.abs(d.theory).max(),
            include_groups=False)
        dev = dev[dev > 0]  # t = 0 from aligned weights: identical by construction
        ax.plot(dev.index, dev.to_numpy(), label=f"{ini}, seed {sd}",
                color="C2" if ini == "aligned" else "C1", **_common.SIM_STYLE)
    ax.set(yscale="log", xlabel="time t = step · η", ylabel="max|sim − theory| / max|theory|",
           title="deviation from theory")
    ax.legend()
    for ax in axes[2][1:]:
        ax.set_visible(False)
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
