"""The PNAS toy: the items × properties matrix, its SVD, and its four modes learned by a deep network in stages and by a shallow one all at once.

Reads ``hierarchy_toy.csv`` (``analysis/hierarchy_toy.py``). Top: the {0, 1} matrix of canary,
salmon, oak and rose × seven properties, the object analyzers v_α (modes over items) and the
feature synthesizers u_α (properties over modes), as in Saxe, McClelland & Ganguli (PNAS 2019,
Fig. 3); the SVD is of the toy itself (:func:`linnet.data.pnas_toy`). Bottom: mode strengths
u_αᵀ W(t) v_α of a network with one hidden layer (left) and of a single weight matrix (right),
simulation (solid, one draw per thin line) and theory (dashed black).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common
from linnet import data

NAME = "hierarchy_toy"
NETWORKS = {"deep": "deep (one hidden layer): stages", "shallow": "shallow (one weight matrix): one timescale"}


def toy_svd():
    """The toy's raw matrix (properties × items) and its SVD, signs chosen for reading."""
    toy = data.pnas_toy()
    U, s, Vt = np.linalg.svd(toy.Y.T, full_matrices=False)
    flip = np.sign(Vt[:, 0] + Vt[:, 1] + 1e-9 * np.arange(1, 5))  # mode 1 positive, mode 2: animals +
    return toy, U * flip, s, Vt * flip[:, None]


def heat(ax, M, xlabels, ylabels, title, cmap="RdBu_r"):
    lim = np.abs(M).max()
    ax.imshow(M, cmap=cmap, vmin=0 if cmap == "Greys" else -lim, vmax=lim * (1.6 if cmap == "Greys" else 1.2),
              aspect="auto")  # vmax beyond the data keeps the darkest cells light enough for their numbers
    ax.set_xticks(range(len(xlabels)), xlabels, rotation=45, ha="right")
    ax.set_yticks(range(len(ylabels)), ylabels)
    ax.grid(False)
    ax.set_title(title)
    for (i, j), v in np.ndenumerate(M):
        ax.text(j, i, f"{v:.2g}" if abs(v) > 1e-9 else "0", ha="center", va="center", fontsize=7)


def strengths(ax, df, network):
    sub = df[df.network == network]
    for (mode, seed, source), g in sub.groupby(["mode", "seed", "source"]):
        if source == "simulation":
            ax.plot(g.time, g.strength, color=f"C{mode - 1}", **{**_common.SIM_STYLE, "linewidth": 1.0})
        else:
            ax.plot(g.time, g.strength, **{**_common.THEORY_STYLE, "linewidth": 0.8})
    ax.set(xlabel="time t = step · η", title=NETWORKS[network])


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    toy, U, s, Vt = toy_svd()
    fig = _common.plt.figure(figsize=(12.0, 8.0))
    _common.plt.style.use(_common.STYLE)
    grid = fig.add_gridspec(2, 6, height_ratios=(1.0, 1.1))
    modes = [f"mode {a + 1}" for a in range(4)]
    heat(fig.add_subplot(grid[0, 0:2]), toy.Y.T, toy.items, toy.properties, "properties × items  Y", cmap="Greys")
    heat(fig.add_subplot(grid[0, 2:4]), Vt, toy.items, [f"{m} (raw s = {v:.3g})" for m, v in zip(modes, s)],
         "object analyzers v_α (over items)")
    heat(fig.add_subplot(grid[0, 4:6]), U, modes, toy.properties, "feature synthesizers u_α")
    bottom = [fig.add_subplot(grid[1, 0:3]), None]
    bottom[1] = fig.add_subplot(grid[1, 3:6], sharey=bottom[0])
    for ax, network in zip(bottom, NETWORKS):
        strengths(ax, df, network)
    bottom[0].set_ylabel("mode strength u_αᵀ W(t) v_α")
    s_of = df.groupby("mode").s.first()
    handles = [Line2D([], [], color=f"C{m - 1}", **_common.SIM_STYLE, label=f"mode {m}: s = {s_of[m]:.3g} (linnet)")
               for m in s_of.index]
    handles.append(Line2D([], [], **_common.THEORY_STYLE, label="theory"))
    bottom[0].legend(handles=handles, loc="lower right")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Singular values (raw and linnet's), the theory's largest gap, half-learning times by mode."""
    df = _common.read(folder, NAME)
    s = df.groupby("mode").s.first()
    rows = [("raw singular values (√7, √3, 1, 1)", ", ".join(f"{v * 2:.4f}" for v in s)),
            ("linnet's s = raw / √P", ", ".join(f"{v:.4f}" for v in s))]
    p = df.pivot(index=["network", "seed", "step", "mode"], columns="source", values="strength")
    gap = (p.simulation - p.theory).abs().groupby("network").max()
    for network in ("deep", "shallow"):
        rows.append((f"{network}: max |simulation − theory| of a strength", f"{gap[network]:.3f}"))
    half = _common.half_times(df[df.source == "simulation"], ("network", "seed", "mode"))
    by = half.groupby(["network", "mode"]).measured.mean()
    rows.append(("deep: mean t½ of modes 1, 2, 3, 4", ", ".join(f"{by['deep'][m]:.2f}" for m in s.index)))
    rows.append(("shallow: mean t½ of modes 1, 2, 3, 4", ", ".join(f"{by['shallow'][m]:.2f}" for m in s.index)))
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
