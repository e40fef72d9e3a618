"""Early stopping against SNR at α = 1: the test error at the optimal stopping time and after long training, and the optimal time itself, Advani–Saxe theory (lines, every SNR of 2^(−4 : 0.02 : 4)) against simulated students (markers, mean ± standard error over teachers).

Reads ``generalisation_snr.csv`` (``analysis/generalisation_snr.py``). Left: E_g(t*) (the
theory's optimal stopping time; the simulation stopped there) falls from σ_w² + σ_ε² = 1 at
low SNR, while E_g at a long training time (t = 100 here) sits far above it; at t → ∞ the
theory diverges at α = 1 for every SNR (the finite sample's converged error, of order N, is
given in the title). Markers: at most 25 of the simulated SNRs. Middle: t* grows with SNR (more signal is worth more fitting), theory
against each teacher's own best time. Right: simulation − theory in units of its standard
error at both times: finite N leaves no visible bias.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "generalisation_snr"
COLUMNS = ["t_opt", "E_test_stop", "E_test_oracle", "E_test_long", "E_test_final"]


def sim_means(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over teachers at each simulated SNR, with the theory beside it."""
    sim = df[df.source == "simulation"]
    g = sim.groupby("snr")[COLUMNS]
    m = g.mean().join(g.sem().add_suffix("_se"))
    th = df[df.source == "theory"].set_index("snr")[COLUMNS].add_suffix("_theory")
    return m.join(th, how="left").reset_index()


def seed_gaps(df: pd.DataFrame, column: str) -> pd.Series:
    """Per teacher, the mean over simulated SNRs of (simulation − theory)/theory for ``column``.

    One draw serves every SNR (common random numbers), so the SNRs are not independent: the
    spread is taken over teachers, one number each.
    """
    th = df[df.source == "theory"].set_index("snr")[column]
    sim = df[df.source == "simulation"]
    rel = (sim[column].to_numpy() - th.loc[sim.snr].to_numpy()) / th.loc[sim.snr].to_numpy()
    return pd.Series(rel, index=sim.index).groupby(sim.seed.to_numpy()).mean()


def key_numbers(folder: Path) -> pd.DataFrame:
    """Sizes, the optimum at SNR = 1, and the measured simulation − theory gaps with their SE."""
    df = _common.read(folder, NAME)
    sim = df[df.source == "simulation"]
    th = df[df.source == "theory"]
    one = th.iloc[[int(np.argmin(np.abs(np.log(th.snr))))]]
    rows = [("N = P, teachers, simulated SNRs",
             f"{int(sim.n_in.iloc[0])}, {sim.seed.nunique()}, {sim.snr.nunique()}"),
            (f"theory t*, E_g(t*) at SNR = {one.snr.iloc[0]:g}",
             f"{one.t_opt.iloc[0]:.3f}, {one.E_test_stop.iloc[0]:.4f}")]
    for col, what in (("E_test_stop", "E_g(t*)"), ("E_test_long", f"E_g(t = {df.long_time.iloc[0]:g})"),
                      ("t_opt", "own best t vs t*")):
        g = seed_gaps(df, col)
        rows.append((f"{what}: mean (sim − theory)/theory ± SE over teachers",
                     f"{100 * g.mean():+.2f} % ± {100 * g.sem():.2f} %"))
    rows.append(("t → ∞: theory; simulated median (finite N)",
                 f"{th.E_test_final.iloc[0]:g}; {sim.E_test_final.median():.3g}"))
    return _common.key_table(rows)


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    th, m = df[df.source == "theory"].sort_values("snr"), sim_means(df)
    dense = m.iloc[:: max(1, int(np.ceil(len(m) / 25)))]  # --paper simulates all 401: ≤ 25 markers
    long_time = float(df.long_time.iloc[0])
    fig, axes = _common.figure(3, 1, width=15.0, height=4.6)
    left, mid, right = axes[0]
    left.plot(th.snr, th.E_test_stop, color="C0", label="theory E_g(t*)")
    left.plot(th.snr, th.E_test_long, color="C1", label=f"theory E_g(t = {long_time:g})")
    for col, c, what in (("E_test_stop", "C0", "stopped at t*"), ("E_test_long", "C1", f"t = {long_time:g}")):
        left.errorbar(dense.snr, dense[col], yerr=dense[f"{col}_se"], fmt="o", color=c, mfc="none",
                      markersize=5, capsize=2, label=f"simulation, {what}")
    sim = df[df.source == "simulation"]
    left.set(xscale="log", yscale="log", xlabel="SNR = σ_w² / σ_ε²", ylabel="test error E_g",
             title=f"N = P = {int(sim.n_in.iloc[0])}; t → ∞: theory ∞, "
                   f"simulated median {sim.E_test_final.median():.3g}")
    left.legend(fontsize=8)
    mid.plot(th.snr, th.t_opt, color="k", label="theory t*")
    mid.errorbar(dense.snr, dense.t_opt, yerr=dense.t_opt_se, fmt="o", color="C2", mfc="none", markersize=5,
                 capsize=2, label="simulation: each teacher's best t")
    mid.set(xscale="log", yscale="log", xlabel="SNR", ylabel="optimal stopping time t* (= step · η)",
            title="optimal stopping time")
    mid.legend(fontsize=8)
    for col, c, what in (("E_test_stop", "C0", "E_g(t*)"), ("E_test_long", "C1", f"E_g(t = {long_time:g})")):
        right.plot(m.snr, (m[col] - m[f"{col}_theory"]) / m[f"{col}_se"], "o-" if len(m) <= 25 else "-",
                   color=c, mfc="none", markersize=4, label=what)
    right.axhspan(-2, 2, color="grey", alpha=0.15, linewidth=0)
    right.axhline(0, color="k", linewidth=0.8)
    right.set(xscale="log", xlabel="SNR", ylabel="(simulation − theory) / SE",
              title="gap in standard errors (one draw serves all SNRs)")
    right.legend(fontsize=8)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
