"""Loss and accuracy of two-layer linear networks on whitened MNIST over training, against the closed-form optima.

Reads ``mnist_accuracy``. Left: training loss of the 100 → 50 → 10 network from small random
init over time t = step·η (every seed), with the minimum loss of the rank-k
optima (k = 1..9) as marks on the right edge: the loss passes those levels as the modes are
learned. Middle: train (thin) and test (thick) accuracy, the least-squares optimum's test
accuracy as a dashed line and the rank-k optima's as marks. Accuracy depends only on the
direction of the outputs (an argmax), so it rises long before the mode strengths do: while
all nine modes grow from tiny values at similar rates (MNIST's s_α are close), the product is
already nearly proportional to Σ31. Right: final test accuracy of width-k bottleneck networks
against that of the rank-k optimum.
"""

from __future__ import annotations

import sys

import numpy as np

import _common

NAME = "mnist_accuracy"


def _rank_marks(ax, ranks, column: str, t_end: float) -> None:
    """Mark the rank-k optima's ``column`` (k = 1..9, s10 ≈ 0) beside the right edge of ``ax``."""
    for _, r in ranks[ranks["rank"] <= 9].iterrows():
        ax.plot(t_end * 1.02, r[column], marker="<", color="C3", markersize=5, clip_on=False)
        ax.annotate(f"k={int(r['rank'])}", (t_end * 1.03, r[column]), fontsize=6, va="center",
                    color="C3", annotation_clip=False)


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    t = _common.read(args.tables, "mnist_accuracy")
    dataset = t["dataset"].iloc[0]
    opt = t[t.source == "optimum"].iloc[0]
    ranks = t[t.source == "optimum_rank"].sort_values("rank")
    tr = t[t.experiment == "training"]
    fig, axes = _common.figure(3, 1, width=14.0, height=4.2)
    axl, ax, axb = axes[0]
    for i, (seed, g) in enumerate(tr.groupby("seed")):
        g = g.sort_values("time")
        first = i == 0
        axl.plot(g.time, g.loss, color="C0", **_common.SIM_STYLE,
                 label="training loss (simulation)" if first else None)
        ax.plot(g.time, g.test_accuracy, color="C0", **_common.SIM_STYLE,
                label="test (simulation)" if first else None)
        ax.plot(g.time, g.train_accuracy, color="C2", **{**_common.SIM_STYLE, "linewidth": 0.9},
                label="train (simulation)" if first else None)
    tmax = tr.time.max()
    _rank_marks(axl, ranks, "min_loss", tmax)
    axl.plot([], [], "<", color="C3", label="min. loss of rank-k optima")
    axl.set(xlabel="time t = step·η", ylabel="loss ½⟨‖y − Wx‖²⟩ (train)",
            title=f"{dataset}: training loss")
    axl.legend(loc="lower left", fontsize=7)
    ax.axhline(opt.test_accuracy, **_common.THEORY_STYLE,
               label=f"optimum W* = Σ31: test {opt.test_accuracy:.3f}")
    _rank_marks(ax, ranks, "test_accuracy", tmax)
    ax.plot([], [], "<", color="C3", label="rank-k optima (test)")
    ax.set(xlabel="time t = step·η", ylabel="accuracy",
           title=f"{dataset}: {int(opt.n_train)} train / {int(opt.n_test)} test", ylim=(0, 1))
    ax.legend(loc="lower right", fontsize=7)
    b = t[t.experiment == "bottleneck"]
    final = b[b.step == b.groupby("width").step.transform("max")].sort_values("width")
    axb.plot(ranks["rank"], ranks.test_accuracy, "o--", color="black", label="rank-k optimum (test)")
    axb.plot(final.width, final.test_accuracy, "s", color="C0", markerfacecolor="none",
             markersize=9, label=f"width-k network after t = {final.time.max():g} (test)")
    axb.plot(ranks["rank"], ranks.train_accuracy, "o:", color="gray", markersize=3,
             label="rank-k optimum (train)")
    axb.set(xlabel="bottleneck width k", ylabel="accuracy", xticks=np.arange(1, 11), ylim=(0, 1),
            title="what a hidden layer of k units can reach")
    axb.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
