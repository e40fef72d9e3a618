"""Singular values of Σ31 on whitened MNIST, with the one that is zero by construction marked.

Reads ``mnist_modes`` (columns mode, s, zero_by_construction, trace33). On centred inputs with
targets 2e_c − 1 the class means sum to zero (weighted by class frequency), so rank(Σ31) ≤ 9
(docs/theory.md#data-sets): nine singular values and one at round-off, shown on a log axis.
"""

from __future__ import annotations

import sys

import numpy as np

import _common

NAME = "mnist_spectrum"


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    t = _common.read(args.tables, "mnist_modes")
    sim = t[t.source == "simulation"]
    spec = sim[sim.seed == sim.seed.min()].drop_duplicates("mode").sort_values("mode")
    mode, s = spec["mode"].to_numpy(), spec["s"].to_numpy()
    zero = spec["zero_by_construction"].astype(bool).to_numpy()
    dataset = spec["dataset"].iloc[0]
    fig, axes = _common.figure(2, 1, width=9.0, height=3.6)
    ax_lin, ax_log = axes[0]
    ax_lin.bar(mode[~zero], s[~zero], color="C0", label="s_α > 0")
    ax_lin.bar(mode[zero], s[zero], color="C1")
    for m in mode[zero]:
        # The arrow leaves the text's lower right corner, straight down onto the empty bar at
        # x = m: from the text's centre it ran diagonally across the bar before it.
        ax_lin.annotate("s₁₀ ≈ 0 by construction\n(rank Σ31 ≤ 9 on centred inputs)", (m, 0),
                        xytext=(m + 0.1, 1.15 * s.max()), ha="right", va="bottom",
                        arrowprops=dict(arrowstyle="->", color="C1", relpos=(1.0, 0.0)),
                        color="C1", fontsize=8)
    ax_lin.set_ylim(0, 1.35 * s.max())
    ax_lin.set(xlabel="mode α", ylabel="singular value s_α of Σ31", xticks=mode,
               title=f"{dataset}: spectrum of Σ31")
    floor = max(s[~zero].min() * 1e-18, 1e-300)
    ax_log.semilogy(mode[~zero], s[~zero], "o", color="C0", label="s_α")
    ax_log.semilogy(mode[zero], np.maximum(s[zero], floor), "X", color="C1", markersize=9,
                    label="zero by construction (round-off)")
    ax_log.set(xlabel="mode α", ylabel="s_α (log)", xticks=mode,
               title=f"Tr Σ33 = {spec['trace33'].iloc[0]:.4g}, Σ s² = {np.sum(s**2):.3f}")
    ax_log.legend(loc="center left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: the spectrum of Σ31 and the singular value that is zero by construction."""
    t = _common.read(folder, "mnist_modes")
    s = t.drop_duplicates("mode").sort_values("mode")
    zero = s[s.zero_by_construction.astype(bool)]
    return _common.key_table([
        ("data set", t.dataset.iloc[0]),
        ("s_1, s_9", f"{s.s.iloc[0]:.4f}, {s[~s.zero_by_construction.astype(bool)].s.iloc[-1]:.4f}"),
        ("zero by construction", ", ".join(f"s_{int(m)} = {v:.1e}" for m, v in zip(zero["mode"], zero.s)) or "none"),
        ("Tr Σ33", f"{t.trace33.iloc[0]:g}"),
    ])
