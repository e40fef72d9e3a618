"""Sharpness along gradient descent at several step sizes η, against the closed-form Hessian groups, with each run's edge 2/η.

Reads ``sharpness.csv`` (``analysis/sharpness.py``). One panel per η (first 80 steps): the top
Hessian eigenvalue of the simulated weights (Lanczos, colour), the closed form at GD's exact
discrete map (black dashed; aligned init only) and at gradient flow's u(t = kη) (black dotted),
2/η (dash-dot) and the optimum's 2·s1 (gray dots); rows: aligned and Gaussian init. The sharpness goes from s1 (the saddle at W ≈ 0) to 2·s1 at
the balanced optimum; a run whose 2/η lies below 2·s1 (η > 1/s1) cannot settle there and
oscillates about it at the edge of stability. Last column: the loss of the same runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "sharpness"


def sharpness_panel(ax, run, color, f, s1, shown):
    """One η: simulated sharpness, the two theories, 2/η and the optimum's 2·s1."""
    sim = run[(run.source == "simulation") & (run.step <= shown)]
    ax.plot(sim.step, sim.sharpness, color=color, label="simulation (Lanczos)", **_common.SIM_STYLE)
    for name, style in (("discrete", "--"), ("flow", ":")):
        th = run[(run.theory == name) & (run.step <= shown)]
        if len(th):
            ax.plot(th.step, th.sharpness, label=f"theory: {name}",
                    **{**_common.THEORY_STYLE, "linestyle": style})
    ax.axhline(sim.edge.iloc[0], color=color, linewidth=1.0, linestyle="-.", label="2/η")
    ax.axhline(2 * s1, color="0.5", linewidth=0.8, linestyle=(0, (1, 3)), label="2·s1 (optimum)")
    th = run[run.theory == "discrete"]
    err = f"\n|sim − discrete| ≤ {th.error.max():.0e} × 2s1" if len(th) else ""
    top = 1.15 * max(sim.sharpness.max(), 2 * s1)
    edge = sim.edge.iloc[0]
    off = f" (2/η = {edge:.3g}: off scale)" if edge > 1.6 * top else ""
    ax.set(xlabel="step k", title=f"η = {f:g}/s1{off}{err}")
    return edge if not off else 0.0


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    inits = list(dict.fromkeys(df.init))
    factors = sorted(df.lr_factor.unique())
    fig, axes = _common.figure(len(factors) + 1, len(inits), width=3.3 * (len(factors) + 1),
                               height=3.8 * len(inits), sharey=False)
    shown = min(80, int(df.step.max()))  # the approach and the first oscillations; later ones repeat
    s1 = float(df.lr_factor.iloc[0] / df.lr.iloc[0])  # η = factor / s1
    for row, init in zip(axes, inits):
        g = df[df.init == init]
        top = g[(g.source == "simulation") & (g.step <= shown)].sharpness.max()
        edges = [0.0]
        for k, (ax, f) in enumerate(zip(row, factors)):
            edges.append(sharpness_panel(ax, g[g.lr_factor == f], f"C{k}", f, s1, shown))
            sim = g[(g.lr_factor == f) & (g.source == "simulation")]
            row[-1].plot(sim.step, sim.loss, color=f"C{k}", label=f"η = {f:g}/s1", **_common.SIM_STYLE)
        for ax in row[:-1]:  # one scale per row, with headroom above the highest 2/η drawn
            ax.set(ylim=(0, 1.12 * max(top, 2 * s1, *edges)))
        row[0].set_ylabel(f"{init} init: sharpness")
        row[0].legend(fontsize=8, loc="lower right")
        row[-1].set(yscale="log", xlabel="step k", ylabel="loss", title=f"{init} init: loss")
        row[-1].legend(fontsize=8)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Agreement of the discrete-map sharpness, the sharpness at the end below/above the edge."""
    df = pd.read_csv(Path(folder) / f"{NAME}.csv")
    rows = []
    th = df[df.source == "theory"]
    for (init, name), g in th.groupby(["init", "theory"]):
        rows.append((f"{init}: max |{name} theory − sim| / 2s1", f"{g.error.max():.2e}"))
    sim = df[(df.source == "simulation") & (df.init == df.init.iloc[0])]
    last = sim[sim.step == sim.step.max()]
    for _, r in last.iterrows():
        rows.append((f"{r.init}, η = {r.lr_factor:g}/s1: final sharpness vs 2/η, loss",
                     f"{r.sharpness:.4f} vs {r.edge:.4f}, {r.loss:.2e}"))
    return pd.DataFrame(rows[:8], columns=["quantity", "value"])


if __name__ == "__main__":
    sys.exit(main())
