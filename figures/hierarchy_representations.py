"""Progressive differentiation: the hidden-layer similarity of eight items at four moments of training (simulation above, theory below) and the items' 2-D embedding (MDS) over training: animals split from plants first, then fish from birds and flowers from trees, then the pairs.

Reads ``hierarchy_representations.csv`` (``analysis/hierarchy_representations.py``). The four
moments are where the theory's trace of the similarity, Σ_α a_α(t)·P, reaches 15 %, 45 %, 75 % and
97 % of its final value. Each heatmap is scaled by its own largest entry (what matters is the
structure). The embedding is classical MDS of the centred similarity at each recorded step,
rotated onto the final one (orthogonal Procrustes); simulation solid, theory dashed, the final
position named.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "hierarchy_representations"
FRACTIONS = (0.15, 0.45, 0.75, 0.97)
GROUP_COLOURS = ("C0", "C0", "C1", "C1", "C2", "C2", "C3", "C3")  # fish, birds, flowers, trees


def matrices(df: pd.DataFrame, source: str):
    """Steps, times, item names and the (T, P, P) similarity of one source."""
    sub = df[df.source == source]
    steps = np.sort(sub.step.unique())
    P = int(sub.item_j.max()) + 1
    K = np.zeros((steps.size, P, P))
    pos = np.searchsorted(steps, sub.step.to_numpy())
    K[pos, sub.item_i.to_numpy(), sub.item_j.to_numpy()] = sub.similarity.to_numpy()
    K[pos, sub.item_j.to_numpy(), sub.item_i.to_numpy()] = sub.similarity.to_numpy()
    names = sub.drop_duplicates("item_i").sort_values("item_i").name_i.tolist()
    times = sub.drop_duplicates("step").sort_values("step").time.to_numpy()
    return steps, times, names, K


def moments(K_theory: np.ndarray) -> list[int]:
    trace = np.trace(K_theory, axis1=1, axis2=2)
    frac = (trace - trace[0]) / (trace[-1] - trace[0])
    return [int(np.argmax(frac >= f)) for f in FRACTIONS]


def mds(K: np.ndarray) -> np.ndarray:
    """Classical MDS: the top two coordinates of each centred Gram matrix, (T, P, 2), aligned to the last."""
    P = K.shape[-1]
    J = np.eye(P) - 1.0 / P
    out = np.zeros(K.shape[:-1] + (2,))
    for k in range(K.shape[0]):
        lam, E = np.linalg.eigh(J @ K[k] @ J)
        out[k] = E[:, -2:][:, ::-1] * np.sqrt(np.clip(lam[-2:][::-1], 0, None))
    ref = out[-1]
    for k in range(K.shape[0]):  # Procrustes: the rotation R minimising |X R − ref|
        u, _, vt = np.linalg.svd(out[k].T @ ref)
        out[k] = out[k] @ (u @ vt)
    return out


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    _, t, names, Ks = matrices(df, "simulation")
    _, _, _, Kt = matrices(df, "theory")
    picks = moments(Kt)
    _common.plt.style.use(_common.STYLE)
    fig = _common.plt.figure(figsize=(14.0, 6.0), layout="constrained")
    grid = fig.add_gridspec(2, 6, width_ratios=(1, 1, 1, 1, 0.06, 1.5))
    for col, k in enumerate(picks):
        for row, (K, label) in enumerate(((Ks, "simulation"), (Kt, "theory"))):
            ax = fig.add_subplot(grid[row, col])
            im = ax.imshow(K[k] / np.abs(K[k]).max(), cmap="RdBu_r", vmin=-1, vmax=1)
            ax.set_xticks(range(len(names)), names if row == 1 else [], rotation=60, ha="right", fontsize=7)
            ax.set_yticks(range(len(names)), names if col == 0 else [], fontsize=7)
            ax.grid(False)
            ax.set_title(f"{label}, t = {t[k]:.2f}", fontsize=9)
    fig.colorbar(im, cax=fig.add_subplot(grid[:, 4]), label="h_iᵀh_j / max")
    ax = fig.add_subplot(grid[:, 5])
    for K, style in ((Ks, dict(linestyle="-", linewidth=1.4)), (Kt, dict(linestyle="--", linewidth=1.0))):
        xy = mds(K)
        for i, name in enumerate(names):
            ax.plot(xy[:, i, 0], xy[:, i, 1], color=GROUP_COLOURS[i % 8], **style)
    final = mds(Ks)[-1]
    for i, name in enumerate(names):
        ax.annotate(name, final[i], xytext=(4, 2), textcoords="offset points", fontsize=8)
        ax.plot(*final[i], "o", color=GROUP_COLOURS[i % 8], markersize=4)
    ax.set(xlabel="MDS 1 (animals | plants)", ylabel="MDS 2",
           title="MDS: simulation solid, theory dashed")
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """The four moments and how close simulated and predicted similarities are there and at the end."""
    df = _common.read(folder, NAME)
    _, t, names, Ks = matrices(df, "simulation")
    _, _, _, Kt = matrices(df, "theory")
    picks = moments(Kt)
    rel = [np.abs(Ks[k] - Kt[k]).max() / np.abs(Kt[k]).max() for k in picks]
    corr = [np.corrcoef(Ks[k].ravel(), Kt[k].ravel())[0, 1] for k in picks]
    a = names.index("goldfish") if "goldfish" in names else 0
    rows = [("times shown (15/45/75/97 % of the trace)", ", ".join(f"{t[k]:.3f}" for k in picks)),
            ("max |K_sim − K_theory| / max K_theory at those times", ", ".join(f"{v:.3f}" for v in rel)),
            ("correlation of K_sim with K_theory there", ", ".join(f"{v:.4f}" for v in corr)),
            ("final max |K_sim − K_theory| / max K", f"{np.abs(Ks[-1] - Kt[-1]).max() / np.abs(Kt[-1]).max():.4f}"),
            (f"{names[a]}'s similarity to {names[-1]} / to itself, first moment vs final",
             f"{Ks[picks[0]][a, -1] / Ks[picks[0]][a, a]:.3f} → {Ks[-1][a, -1] / Ks[-1][a, a]:.3f}")]
    return pd.DataFrame(rows, columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
