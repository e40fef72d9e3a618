"""Coherent categories are learned first, and typical members before atypical ones: measured learning times against the times the coherence and the typicality predict.

Reads ``hierarchy_coherence.csv`` (``analysis/hierarchy_coherence.py``): four categories whose
members share their features with probability 1, 0.85, 0.7 and 0.55, several draws. Left: each
category's half-learning time against its coherence s_c = ‖Σ31 c‖, measured (dots) and predicted
by ln(s_c/u0 − 1)/2s_c (crosses). Right: the time each item's output along its category's feature
synthesizer reaches a fixed threshold, against the item's typicality (its loading on the category's
object analyzer), measured (dots; a line joins the members of one category in one draw) and
predicted (crosses).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common

NAME = "hierarchy_coherence"


def panel(ax, rows, x, xlabel, title, connect=False):
    for c, (share, g) in enumerate(rows.groupby("share_c", sort=False)):
        if connect:  # the members of one category in one draw: more typical, sooner
            for _, m in g.groupby("seed"):
                m = m.sort_values(x)
                ax.plot(m[x], m.t_measured, color=f"C{c}", linewidth=0.7, alpha=0.6)
        ax.plot(g[x], g.t_measured, "o", color=f"C{c}", markersize=5, alpha=0.8)
        ax.plot(g[x], g.t_predicted.replace(np.inf, np.nan), "x", color="black", markersize=5)
    ax.set(xlabel=xlabel, ylabel="learning time t", title=title)


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    fig, axes = _common.figure(2, 1, width=11.0, height=4.4)
    cats, items = df[df.kind == "category"], df[df.kind == "item"]
    panel(axes[0, 0], cats, "coherence", "coherence s_c = ‖Σ31 c‖", "categories: half-learning time")
    panel(axes[0, 1], items, "typicality", "typicality v_αᵀ x_i",
          f"items: time to θ = {df.theta.iloc[0]:g}·s_α along u_α", connect=True)
    shares = list(dict.fromkeys(cats.share_c))
    handles = [Line2D([], [], marker="o", linestyle="", color=f"C{c}", label=f"share {q:g}") for c, q in enumerate(shares)]
    handles.append(Line2D([], [], marker="x", linestyle="", color="black", label="predicted"))
    axes[0, 0].legend(handles=handles, loc="upper right")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Coherence by share, how learning time follows it, and the measured-vs-predicted gaps."""
    df = _common.read(folder, NAME)
    cats, items = df[df.kind == "category"], df[df.kind == "item"]
    by = cats.groupby("share_c", sort=False).agg(s=("coherence", "mean"), t=("t_measured", "mean"))
    rc = (cats.t_measured / cats.t_predicted - 1).abs()
    ok = items[np.isfinite(items.t_predicted) & items.t_measured.notna()]
    ri = (ok.t_measured / ok.t_predicted - 1).abs()
    rho = np.corrcoef(cats.coherence, cats.t_measured)[0, 1]
    rows = [("mean coherence by share (1, 0.85, 0.7, 0.55)", ", ".join(f"{v:.3f}" for v in by.s)),
            ("mean measured t½ by share", ", ".join(f"{v:.3f}" for v in by.t)),
            ("correlation of coherence with t½", f"{rho:.3f}"),
            ("max |t½ measured / predicted − 1| (categories)", f"{rc.max():.3f}"),
            ("median, max |t measured / predicted − 1| (items)", f"{ri.median():.3f}, {ri.max():.3f}")]
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
