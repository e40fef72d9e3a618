"""Transfer benefit ε_opt(target alone) − ε_opt(target head, trained jointly with an auxiliary task) against the two tasks' input-mode overlap q, one panel per target strength s̄_T and one colour per auxiliary strength s̄_A: Lampinen–Ganguli theory (lines) and joint gradient descent at N1 = 100, N3 = 50 per task (markers, mean ± standard error over seeds).

Reads ``transfer.csv`` (``analysis/transfer.py``). Above 0 the auxiliary task helps: a target
at its own transition (s̄_T = A^{1/4} = 0.84, which alone learns nothing) gains most from a
strong, well aligned task; a moderate target (s̄_T = 3) is hurt by every task not aligned
almost perfectly (q = 0 still costs: the auxiliary task's noise enters the shared hidden layer).
At s̄_T = 0.84 and small q the simulation sits below the theory's 0: at N1 = 100 the transition
is smeared over ~N^(-1/3), so the finite target alone still learns a little (ε ≈ 0.96, theory 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "transfer"
TRANSITION = 1.0  # targets below this are at or near the single task's transition A^{1/4} = 0.84


def sim_means(df: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard error and count of the simulated benefit per (target, aux, q), with the theory."""
    g = df[df.source == "simulation"].groupby(["target", "aux", "q"])
    m = g.benefit.agg(["mean", "std", "count"]).reset_index()
    m["se"] = m["std"] / np.sqrt(m["count"])
    th = df[df.source == "theory"][["target", "aux", "q", "benefit"]].rename(columns={"benefit": "theory"})
    return m.merge(th, on=["target", "aux", "q"], how="left")


def crossing(th: pd.DataFrame) -> float:
    """Smallest q above which the theory's benefit stays > 0 (linear interpolation); NaN if never."""
    th = th.sort_values("q")
    q, b = th.q.to_numpy(), th.benefit.to_numpy()
    if b[-1] <= 0:
        return np.nan
    neg = np.flatnonzero(b <= 0)
    if neg.size == 0:
        return float(q[0])
    i = neg[-1]
    return float(q[i] + (q[i + 1] - q[i]) * (0 - b[i]) / (b[i + 1] - b[i]))


def key_numbers(folder: Path) -> pd.DataFrame:
    """Largest benefit, the q = 0 interference, the overlap needed, and the theory-vs-simulation gaps."""
    df = _common.read(folder, NAME)
    th = df[df.source == "theory"]
    m = sim_means(df)
    rows = []
    best = th.loc[th.benefit.idxmax()]
    at = m[(m.target == best.target) & (m.aux == best.aux) & (m.q == best.q)]
    sim = f"; sim {at['mean'].iloc[0]:.3f} ± {at.se.iloc[0]:.3f}" if len(at) else ""
    rows.append((f"largest benefit (theory): s̄_T = {best.target:g}, s̄_A = {best.aux:g}, q = {best.q:g}",
                 f"{best.benefit:.3f}{sim}"))
    q0 = th[th.q == 0]
    rows.append(("q = 0, theory: largest and smallest benefit (interference only)",
                 f"{q0.benefit.max():.2g}, {q0.benefit.min():.3f}"))
    moderate = [t for t in sorted(th.target.unique()) if t >= TRANSITION]
    if moderate:
        t = moderate[0]
        qs = [crossing(th[(th.target == t) & (th.aux == a)]) for a in sorted(th.aux.unique(), reverse=True)]
        rows.append((f"s̄_T = {t:g}: overlap q above which the benefit is > 0, per s̄_A "
                     f"{', '.join(f'{a:g}' for a in sorted(th.aux.unique(), reverse=True))}",
                     ", ".join("never" if np.isnan(x) else f"{x:.2f}" for x in qs)))
    away, near = m[m.target >= TRANSITION], m[m.target < TRANSITION]
    if len(away):
        z = (away["mean"] - away.theory).abs() / away.se
        rows.append((f"s̄_T ≥ {TRANSITION:g}: max |sim − theory| (and in standard errors: median, max)",
                     f"{(away['mean'] - away.theory).abs().max():.4f} ({z.median():.2f}, {z.max():.2f} SE)"))
    if len(near):
        rows.append(("s̄_T at the transition (0.84): max |sim − theory| (finite-size smearing)",
                     f"{(near['mean'] - near.theory).abs().max():.3f}"))
    return _common.key_table(rows)


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    th, m = df[df.source == "theory"].sort_values("q"), sim_means(df)
    targets = sorted(th.target.unique())
    fig, axes = _common.figure(len(targets), 1, width=4.6 * len(targets), height=4.4)
    for ax, t in zip(axes[0], targets):
        for i, a in enumerate(sorted(th.aux.unique(), reverse=True)):
            g = th[(th.target == t) & (th.aux == a)]
            ax.plot(g.q, g.benefit, color=f"C{i}", linewidth=1.5, label=f"s̄_A = {a:g}")
            s = m[(m.target == t) & (m.aux == a)]
            ax.errorbar(s.q, s["mean"], yerr=s.se, fmt="o", color=f"C{i}", markersize=4, capsize=2)
        ax.axhline(0, color="grey", linewidth=0.8, linestyle=":")
        alone_th = th[th.target == t].alone.iloc[0]
        alone_sim = df[(df.source == "simulation") & (df.target == t)].groupby("seed").alone.first().mean()
        ax.set(xlabel="input-mode overlap q", ylabel="transfer benefit ε_T − ε_T←A",
               title=f"target s̄_T = {t:g} (alone: ε_opt {alone_th:.3g} theory, {alone_sim:.3g} sim)")
        ax.title.set_fontsize(9)
    axes[0][0].plot([], [], color="k", label="theory (lines)")
    axes[0][0].errorbar([], [], yerr=[], fmt="o", color="k", label="simulation (mean ± SE)")
    axes[0][0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
