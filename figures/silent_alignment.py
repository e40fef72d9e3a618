"""Silent alignment on MNIST: the tangent kernel aligns with the task during the loss plateau when inputs are white, and while learning when they are not.

Reads ``silent_alignment.csv`` (``analysis/silent_alignment.py``). Left: the fraction of the loss
still to learn, (L − L_end)/(L0 − L_end); middle: the kernel–task alignment
⟨K, yyᵀ⟩/(‖K‖‖yyᵀ‖); right: the top eigenvalues of the kernel (K/P), over time, for whitened
(blue) and anisotropic PCA (orange) inputs, GD simulation in colour, the exact zero-balanced
solution's kernel as black dashes (white inputs only). The vertical lines mark where each run
has learned 10 % of its loss: on white inputs most of the alignment's rise comes before it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common

NAME = "silent_alignment"
COLORS = {"whitened": "C0", "pca": "C1"}
LABELS = {"whitened": "whitened inputs", "pca": "PCA inputs (anisotropic)"}


def learned(g: pd.DataFrame) -> np.ndarray:
    """Fraction of the loss learned, (L0 − L)/(L0 − L_end)."""
    L = g.loss.to_numpy()
    return (L[0] - L) / (L[0] - L[-1])


def time_at(g: pd.DataFrame, fraction: float) -> float:
    return float(np.interp(fraction, learned(g), g.time.to_numpy()))


def alignment_share(g: pd.DataFrame, fraction: float = 0.1) -> float:
    """Share of the alignment's total rise (start to maximum) reached when the loss has learned
    ``fraction``."""
    a = g.alignment.to_numpy()
    at = np.interp(time_at(g, fraction), g.time.to_numpy(), a)
    return float((at - a[0]) / (a.max() - a[0]))


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    fig, axes = _common.figure(3, 1, width=14.0, height=4.2)
    ax_loss, ax_align, ax_ev = axes[0]
    ev_cols = [c for c in df.columns if c.startswith("eigenvalue_")]
    for inputs, g in df.groupby("inputs"):
        color = COLORS.get(inputs, "C2")
        sim = g[g.source == "simulation"].sort_values("time")
        t10 = time_at(sim, 0.1)
        ax_loss.plot(sim.time, 1 - learned(sim), color=color, label=LABELS.get(inputs, inputs), **_common.SIM_STYLE)
        ax_align.plot(sim.time, sim.alignment, color=color, label=LABELS.get(inputs, inputs), **_common.SIM_STYLE)
        for i, c in enumerate(ev_cols):
            ax_ev.plot(sim.time, sim[c], color=color, alpha=1.0 - 0.18 * i, linewidth=1.3,
                       label=LABELS.get(inputs, inputs) if i == 0 else None)
        th = g[g.source == "theory"].sort_values("time")
        if len(th):
            ax_loss.plot(th.time, (th.loss - sim.loss.iloc[-1]) / (sim.loss.iloc[0] - sim.loss.iloc[-1]),
                         label="exact zero-balanced solution (whitened)", **_common.THEORY_STYLE)
            ax_align.plot(th.time, th.alignment, label=f"exact solution (max err {th.error.max():.1e})",
                          **_common.THEORY_STYLE)
            for c in ev_cols:
                ax_ev.plot(th.time, th[c], **{**_common.THEORY_STYLE, "linewidth": 0.9})
        for ax in axes[0]:
            ax.axvline(t10, color=color, linewidth=0.8, linestyle="-.")
    ax_loss.set(xlabel="time t = step · η", ylabel="(L − L_end)/(L0 − L_end)", title="loss still to learn")
    ax_align.set(xlabel="time t = step · η", ylabel="⟨K, yyᵀ⟩ / (‖K‖ ‖yyᵀ‖)", title="kernel–task alignment")
    ax_ev.set(xlabel="time t = step · η", ylabel="eigenvalues of K/P", yscale="log",
              title=f"top {len(ev_cols)} kernel eigenvalues")
    t10 = Line2D([], [], color="0.4", linewidth=0.8, linestyle="-.",
                 label="10 % of the loss learned (run's colour)")
    ax_loss.legend(handles=ax_loss.get_legend_handles_labels()[0] + [t10], fontsize=8)
    ax_align.legend(handles=ax_align.get_legend_handles_labels()[0] + [t10], fontsize=8)
    exact = Line2D([], [], **_common.THEORY_STYLE, label="exact solution's kernel (whitened)")
    ax_ev.legend(handles=ax_ev.get_legend_handles_labels()[0] + [exact, t10], fontsize=8, loc="lower right")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Where the alignment rises relative to learning, and the theory's agreement."""
    df = pd.read_csv(Path(folder) / f"{NAME}.csv")
    rows = []
    for inputs, g in df[df.source == "simulation"].groupby("inputs"):
        g = g.sort_values("time")
        rows.append((f"{inputs}: share of the alignment rise done at 10 % of the loss learned",
                     f"{alignment_share(g):.2f}"))
        rows.append((f"{inputs}: alignment at start / max", f"{g.alignment.iloc[0]:.4f} / {g.alignment.max():.4f}"))
    th = df[df.source == "theory"]
    if len(th):
        rows.append(("whitened: max |alignment exact solution − GD|", f"{th.error.max():.1e}"))
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
