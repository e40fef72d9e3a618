"""The overtraining peak: test error after long training and at the optimal early-stopping time against α = P/N, Advani–Saxe theory (lines) and simulations at N = 100 and N = 400 (markers, mean ± standard error over 10 teachers at N = 100, 5 at N = 400).

Reads ``generalisation_alpha.csv`` (``analysis/generalisation_alpha.py``). Left (σ0 = 0):
E_g(∞) (solid) diverges at α = 1, where there are as many samples as parameters, while the
early-stopped error E_g(t*) (dashed) stays finite; the simulated students at N = 100 and 400
follow, their finite value at α = 1 growing with N. Right: below α = 1 the frozen subspace
keeps (1 − α)(σ_w² + σ0²) of the initial error for ever: larger initial weights σ0² give
larger limits (theory for σ0² ∈ {0, 0.25, 1}, simulation for 0 and 1 at N = 400).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "generalisation_alpha"


def sim_means(df: pd.DataFrame) -> pd.DataFrame:
    sim = df[df.source == "simulation"]
    g = sim.groupby(["n_in", "init_var", "alpha"])[["E_test_final", "E_test_stop"]]
    m = g.mean().join(g.std().add_suffix("_std")).join(g.count()[["E_test_final"]].rename(
        columns={"E_test_final": "count"}))
    return m.reset_index()


def key_numbers(folder: Path) -> pd.DataFrame:
    """Peak height, early stopping's value there and the simulation's agreement with theory."""
    df = _common.read(folder, NAME)
    m = sim_means(df)
    th = df[df.source == "theory"]
    rows = []
    for n in sorted(m.n_in.unique()):
        one = m[(m.n_in == n) & (m.init_var == 0) & (m.alpha == 1.0)]
        if len(one):
            rows.append((f"N = {int(n)}, α = 1: simulated E_g(∞), E_g(t*)",
                         f"{one.E_test_final.iloc[0]:.3g}, {one.E_test_stop.iloc[0]:.3f}"))
    t0 = th[th.init_var == 0]
    near = t0.iloc[(t0.alpha - 1).abs().argsort()[:1]]
    rows.append(("theory E_g(t*) next to α = 1", f"{near.E_test_stop.iloc[0]:.3f} (α = {near.alpha.iloc[0]:.3f})"))
    big = m[m.n_in == m.n_in.max()]
    sub = big[np.abs(big.alpha - 1) > 0.15]
    lim = np.array([gen_limit(df, r.alpha, r.init_var) for r in sub.itertuples()])
    rel = np.abs(sub.E_test_final - lim) / lim
    rows.append((f"N = {int(big.n_in.iloc[0])}, |α − 1| > 0.15: max |sim − theory|/theory of E_g(∞)",
                 f"{rel.max():.3f}"))
    return pd.DataFrame(rows, columns=["quantity", "value"])


def gen_limit(df, alpha, init_var) -> float:
    """E_g(∞) of the theory rows, interpolated in log α (the rows' grid does not hold every α)."""
    th = df[(df.source == "theory") & (df.init_var == init_var)].sort_values("alpha")
    side = th[(th.alpha > 1) == (alpha > 1)]
    return float(np.interp(np.log(alpha), np.log(side.alpha), side.E_test_final))


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    th, m = df[df.source == "theory"].sort_values("alpha"), sim_means(df)
    fig, axes = _common.figure(2, 1, width=12.0, height=4.6)
    left, right = axes[0]
    t0 = th[th.init_var == 0]
    for side in (t0[t0.alpha < 1], t0[t0.alpha > 1]):
        left.plot(side.alpha, side.E_test_final, color="k", linewidth=1.5)
    left.plot(t0.alpha, t0.E_test_stop, color="k", linestyle="--", linewidth=1.5)
    for i, (n, marker) in enumerate(zip(sorted(m.n_in.unique()), "os^")):
        g = m[(m.n_in == n) & (m.init_var == 0)]
        for col, fill in (("E_test_final", f"C{i}"), ("E_test_stop", "none")):
            left.errorbar(g.alpha, g[col], yerr=g[f"{col}_std"] / np.sqrt(g["count"]), fmt=marker,
                          color=f"C{i}", mfc=fill, markersize=6, capsize=2,
                          label=f"N = {int(n)}, {'t → ∞' if col == 'E_test_final' else 'stopped at t*'}")
    left.plot([], [], color="k", label="theory E_g(∞)")
    left.plot([], [], color="k", linestyle="--", label="theory E_g(t*)")
    left.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    at1 = m[(m.alpha == 1.0) & (m.init_var == 0)]
    if len(at1):  # finite N keeps E_g(∞) finite at α = 1, but far above the axis: say how far
        left.annotate("simulated at α = 1, t → ∞:\n" + "\n".join(
                          f"N = {int(r.n_in)}: {r.E_test_final:.3g}" for r in at1.itertuples()),
                      xy=(1.0, 29), xytext=(0.11, 8), fontsize=8, arrowprops={"arrowstyle": "->"})
    left.set(xscale="log", yscale="log", ylim=(0.15, 30), xlabel="α = P / N",
             ylabel="test error E_g", title=f"overtraining peak (SNR = {df.snr.iloc[0]:g}, σ0² = 0)")
    left.legend(fontsize=8, loc="upper right")
    n_big = m.n_in.max()
    for i, v in enumerate(sorted(th.init_var.unique())):
        g = th[(th.init_var == v) & (th.alpha < 1)]
        right.plot(g.alpha, g.E_test_final, color=f"C{i}", label=f"theory σ0² = {v:g}")
        s = m[(m.n_in == n_big) & (m.init_var == v) & (m.alpha < 1)]
        if len(s):
            right.errorbar(s.alpha, s.E_test_final, yerr=s.E_test_final_std / np.sqrt(s["count"]),
                           fmt="o", color=f"C{i}", capsize=2, label=f"N = {int(n_big)}, σ0² = {v:g}")
    right.set(yscale="log", xlabel="α = P / N", ylabel="E_g(∞)", ylim=(0.3, 30),
              title="frozen subspace: the initial weights' share stays (α < 1)")
    right.legend(fontsize=8)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
