"""What each mode of whitened MNIST learns: v_α as a 28 × 28 image beside u_α over the ten classes.

Reads ``mnist_vectors``. Top row: each input singular vector v_α mapped back to pixels through
the whitening (the image, relative to the mean digit, whose whitened coordinates are v_α; red
positive, blue negative, each on its own symmetric scale). Bottom row: the output singular
vector u_α as bars over the classes (signs chosen so the largest entry is positive). Mode 10
has s ≈ 0 (rank Σ31 ≤ 9): its u is the all-ones direction, the offset no bias-free map fits.
"""

from __future__ import annotations

import sys

import numpy as np

import _common

NAME = "mnist_singular_vectors"
CLASS_LABELS = {
    "fashion": ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Boot"],
}


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    t = _common.read(args.tables, "mnist_vectors")
    dataset = t["dataset"].iloc[0]
    modes = np.sort(t["mode"].unique())
    fig, axes = _common.figure(len(modes), 2, width=1.45 * len(modes) + 0.6, height=3.9)
    classes = CLASS_LABELS.get(dataset, [str(c) for c in range(10)])
    for j, mode in enumerate(modes):
        g = t[t["mode"] == mode]
        s = g["s"].iloc[0]
        img = g[g.kind == "pattern"].sort_values("index")["value"].to_numpy()
        side = int(round(np.sqrt(img.size)))
        lim = np.abs(img).max() or 1.0
        ax = axes[0, j]
        ax.imshow(img.reshape(side, side), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
        ax.set_title(f"α={mode}\ns={s:.3f}" if s > 1e-8 else f"α={mode}\ns≈0", fontsize=8)
        u = g[g.kind == "u"].sort_values("index")["value"].to_numpy()
        axb = axes[1, j]
        axb.bar(np.arange(u.size), u, color=np.where(u >= 0, "C1", "C0"))
        axb.set_ylim(-1, 1)
        axb.set_xticks(np.arange(u.size))
        axb.set_xticklabels(classes[: u.size], fontsize=5 if dataset == "fashion" else 6,
                            rotation=90 if dataset == "fashion" else 0)
        axb.tick_params(axis="y", labelsize=6)
        if j:
            axb.set_yticklabels([])
    axes[0, 0].set_ylabel("v_α in pixels", fontsize=8)
    axes[1, 0].set_ylabel("u_α over classes", fontsize=8)
    fig.suptitle(f"{dataset}: singular vectors of Σ31 (whitened inputs, targets 2e_c − 1)", fontsize=10)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the modes drawn and, per mode, the class its output vector weighs most."""
    t = _common.read(folder, "mnist_vectors")
    u = t[t.kind == "u"].assign(size=lambda d: d.value.abs())
    # A singular pair's sign is arbitrary (u, v → −u, −v): name the class of the largest |u| entry.
    top = u.loc[u.groupby("mode")["size"].idxmax()]
    return _common.key_table([
        ("data set, training digits", f"{t.dataset.iloc[0]}, {int(t.n_train.iloc[0])}"),
        ("modes drawn, s_1 … s_last", f"{t['mode'].nunique()}, {t.s.max():.3f} … {t.s.min():.1e}"),
        ("class of the largest |u_α| entry, modes 1–9",
         ", ".join(f"{int(m)}: {int(c)}" for m, c in zip(top["mode"], top["index"]) if m <= 9)),
    ])
