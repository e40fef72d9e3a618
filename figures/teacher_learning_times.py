"""Measured against predicted half-learning time of every mode and seed, with the identity line.

Reads ``teacher_modes.csv`` (``analysis/teacher_modes.py``). The measured half-learning time is
the time at which a simulated mode first reaches half its final strength, u_α = s_α/2, linearly
interpolated between recorded steps (the sigmoid's inflection point is at u = s/2, so linear
interpolation is accurate there). Prediction: t½ = ln(s/u0 − 1)/(2s) (Saxe et al. 2014, eq. 11)
with u0 = 1e-3 (aligned) or each seed's effective initial strength (random init).

Right panel: the relative deviation against s. Gradient descent lags gradient flow by a factor
≈ ηs/ln(1 + ηs) (docs/theory.md#discrete-gradient-descent); the crosses show the exact discrete map's prediction
(``t_half_discrete``), which accounts for it.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

import _common

NAME = "teacher_learning_times"
TABLE = "teacher_modes"
MARKERS = {"aligned": "o", "random": "^"}


def half_times(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (init, seed, mode) of the simulation: measured and predicted t½."""
    h = _common.half_times(df[df.source == "simulation"], ("init", "seed", "mode"),
                           ("t_half_theory", "t_half_discrete"))
    return h.rename(columns={"t_half_theory": "theory", "t_half_discrete": "discrete"})


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    h = half_times(_common.read(args.tables, TABLE))
    fig, axes = _common.figure(2, 1, width=10.0, height=4.4)
    ax, dev = axes[0]
    modes = sorted(h["mode"].unique())
    for (init, mode), g in h.groupby(["init", "mode"]):
        style = dict(marker=MARKERS.get(init, "s"), color=f"C{modes.index(mode)}", linestyle="none")
        ax.plot(g.theory, g.measured, markersize=6, alpha=0.75, markerfacecolor="none", **style)
        dev.plot(g.s, g.measured / g.theory - 1, markersize=6, alpha=0.75, markerfacecolor="none", **style)
        dev.plot(g.s, g.measured / g.discrete - 1, marker="x", color="0.3", linestyle="none",
                 markersize=4, alpha=0.6)
    lo, hi = np.nanmin(h[["theory", "measured"]].to_numpy()), np.nanmax(h[["theory", "measured"]].to_numpy())
    line = np.array([lo / 1.3, hi * 1.3])
    ax.plot(line, line, **_common.THEORY_STYLE, label="identity")
    ax.set(xscale="log", yscale="log", xlabel="predicted t½ = ln(s/u0 − 1)/(2s)",
           ylabel="measured t½ (gradient descent)", title="half-learning time of every mode and seed")
    s_of = h.groupby("mode").s.first()
    handles = [Line2D([], [], color=f"C{i}", marker="o", linestyle="none", label=f"mode {m}: s = {s_of[m]:g}")
               for i, m in enumerate(modes)]
    handles += [Line2D([], [], color="0.3", marker=mk, markerfacecolor="none", linestyle="none",
                       label=f"{init} init") for init, mk in MARKERS.items() if init in set(h.init)]
    handles.append(Line2D([], [], **_common.THEORY_STYLE, label="identity"))
    ax.legend(handles=handles, loc="upper left")
    dev.axhline(0, **_common.THEORY_STYLE)
    dev.set(xscale="log", xlabel="singular value s", ylabel="measured / predicted − 1",
            title="relative deviation")
    dev.xaxis.set_major_locator(FixedLocator(sorted(h.s.unique())))
    dev.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    dev.xaxis.set_minor_locator(NullLocator())
    dev.legend(handles=[Line2D([], [], color="0.3", marker="o", markerfacecolor="none", linestyle="none",
                               label="vs gradient flow (Saxe eq. 11)"),
                        Line2D([], [], color="0.3", marker="x", linestyle="none",
                               label="vs exact discrete map")], loc="upper left")
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def key_numbers(folder):
    """The gallery's numbers: measured against predicted half-learning times, per initialisation."""
    h = half_times(_common.read(folder, TABLE))
    rows = [("modes × seeds measured", f"{h['mode'].nunique()} × {h.seed.nunique()} ({int(h.measured.notna().sum())} times)")]
    for init, g in h.groupby("init"):
        dev = g.measured / g.theory - 1
        rows.append((f"measured / Saxe eq. 11 − 1, {init} init", f"{dev.min():+.2%} to {dev.max():+.2%}"))
        rows.append((f"measured / exact discrete map − 1, {init} init",
                     f"{(g.measured / g.discrete - 1).abs().max():.2%} at most"))
    return _common.key_table(rows)
