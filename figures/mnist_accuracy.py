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


#: Least vertical distance between two k = ... labels, as a fraction of the y range: about the
#: height of a 6-pt label on a 4.2-inch axis, so neighbours never overlap.
LABEL_GAP = 0.04


def _spread(y: np.ndarray, gap: float) -> np.ndarray:
    """Label positions near ``y`` (any order), at least ``gap`` apart: a run of labels too close
    together is spread evenly around its mean."""
    order = np.argsort(y)
    ys = y[order].astype(float)
    pos = _push_up(ys, gap)
    # Centre each cluster of pushed labels on its marks instead of only pushing upward, then
    # push once more: a centred cluster may have come down onto the one below it.
    start = 0
    for i in range(1, pos.size + 1):
        if i == pos.size or pos[i] > pos[i - 1] + gap * (1 + 1e-9):
            pos[start:i] += np.mean(ys[start:i]) - np.mean(pos[start:i])
            start = i
    pos = _push_up(pos, gap)
    out = np.empty_like(pos)
    out[order] = pos
    return out


def _push_up(pos: np.ndarray, gap: float) -> np.ndarray:
    """Sorted positions moved up where needed so that neighbours are at least ``gap`` apart."""
    pos = pos.copy()
    for i in range(1, pos.size):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    return pos


def _rank_marks(ax, ranks, column: str, t_end: float) -> None:
    """Mark the rank-k optima's ``column`` (k = 1..9, s10 ≈ 0) beside the right edge of ``ax``.

    The marks sit at the true values; their labels are spread apart where values are close
    (k = 6 and 7 on MNIST differ by 0.5 % in accuracy).
    """
    ranks = ranks[ranks["rank"] <= 9]
    y = ranks[column].to_numpy(dtype=float)
    lo, hi = ax.get_ylim()
    label_y = _spread(y, LABEL_GAP * (hi - lo))
    for k, yk, yl in zip(ranks["rank"], y, label_y):
        ax.plot(t_end * 1.02, yk, marker="<", color="C3", markersize=5, clip_on=False)
        ax.annotate(f"k={int(k)}", (t_end * 1.02, yk), xytext=(t_end * 1.045, yl), fontsize=6,
                    va="center", color="C3", annotation_clip=False,
                    arrowprops=dict(arrowstyle="-", color="C3", linewidth=0.4, shrinkA=0, shrinkB=2))


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
    axl.legend(loc="center right", fontsize=7)  # the loss runs along the bottom from t ≈ 15
    ax.axhline(opt.test_accuracy, **_common.THEORY_STYLE,
               label=f"optimum W* = Σ31: test {opt.test_accuracy:.3f}")
    ax.set_ylim(0, 1)  # before the marks: their labels are spaced in units of this range
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


def key_numbers(folder):
    """The gallery's numbers: the optimum's accuracy, the trained network's, and the bottleneck gap."""
    t = _common.read(folder, "mnist_accuracy")
    opt = t[t.source == "optimum"].iloc[0]
    ranks = t[t.source == "optimum_rank"].set_index("rank")
    train = t[t.experiment == "training"]
    end = train[train.step == train.step.max()]
    neck = t[t.experiment == "bottleneck"]
    neck = neck[neck.step == neck.groupby("width").step.transform("max")].groupby("width").test_accuracy.mean()
    gap = neck - ranks.test_accuracy.reindex(neck.index)
    return _common.key_table([
        ("data set", t.dataset.iloc[0]),
        ("test accuracy of the optimum C31 C11⁻¹ (train)", f"{opt.test_accuracy:.3f} ({opt.train_accuracy:.3f})"),
        ("trained network at the last step: test accuracy, loss − L*",
         f"{end.test_accuracy.mean():.3f}, {(end.loss - opt.min_loss).max():.1e}"),
        ("width-k network − rank-k optimum, test accuracy (k = 1…9)",
         f"{gap.loc[gap.index <= 9].min():+.3f} to {gap.loc[gap.index <= 9].max():+.3f}"),
    ])
