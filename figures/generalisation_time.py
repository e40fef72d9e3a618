"""Test and training error of a linear student on a noisy teacher against time: simulation (mean and spread over 10 teachers) against Advani–Saxe theory, the early-stopping minimum marked.

Reads ``generalisation_time.csv`` (``analysis/generalisation_time.py``). Left: the test error
E_g for α = P/N ∈ {0.5, 1, 2, 4} at SNR = 4; middle: the training error E_t for the same runs;
right: E_g (solid) and E_t (dotted) at α = 1 for SNR ∈ {0.05, 4, 100}, Advani & Saxe's
N = P = 100 setting. Coloured lines are the simulation means, the bands the range over the
teachers, black dashes the theory for gradient descent at the same η (the integrals of
docs/theory.md#generalisation-dynamics); the star is the theory's optimal early-stopping point
and the open circle the simulation mean's minimum. Test error falls, reaches its minimum and
rises again (overtraining), most at α = 1; training error falls monotonically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

import _common

NAME = "generalisation_time"


def mean_curves(df: pd.DataFrame) -> pd.DataFrame:
    """Simulation mean, min and max over teachers, beside the theory, per (experiment, α, SNR, step)."""
    sim = df[df.source == "simulation"].groupby(["experiment", "alpha", "snr", "step"])
    out = sim[["E_train", "E_test"]].agg(["mean", "min", "max", "std", "count"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    th = df[df.source == "theory"].set_index(["experiment", "alpha", "snr", "step"])
    out = out.join(th[["E_train", "E_test", "time"]]).reset_index()
    return out


def key_numbers(folder: Path) -> pd.DataFrame:
    """Headline numbers: agreement of simulation means with theory and the early-stopping optimum."""
    df = _common.read(folder, NAME)
    m = mean_curves(df)
    m = m[m.step > 0]
    rel = np.abs(m.E_test_mean - m.E_test) / m.E_test
    z = np.abs(m.E_test_mean - m.E_test) / (m.E_test_std / np.sqrt(m.E_test_count))
    opt = df[(df.source == "optimum") & (df.experiment == "snr") & (df.snr == 4)].iloc[0]
    one = m[(m.experiment == "snr") & (m.snr == 4)]
    best = one.loc[one.E_test_mean.idxmin()]
    rows = [
        ("N (inputs), teachers", f"{int(df.n_in.iloc[0])}, {int(df.seed.max()) + 1}"),
        ("max |sim mean − theory| / theory, E_g", f"{rel.max():.3f}"),
        ("median |sim mean − theory| in standard errors, E_g", f"{np.median(z):.2f}"),
        ("α = 1, SNR = 4: theory optimal stop t* (linnet time), E_g(t*)",
         f"{opt.time:.3g}, {opt.E_test:.4f}"),
        ("α = 1, SNR = 4: simulation mean minimum t, E_g", f"{best.time:.3g}, {best.E_test_mean:.4f}"),
        ("α = 1, SNR = 4: E_g at the last time (sim mean / theory)",
         f"{one.E_test_mean.iloc[-1]:.3f} / {one.E_test.iloc[-1]:.3f}"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def panel(ax, m, opt, key, by, what, label_fmt, style="-"):
    for i, (val, g) in enumerate(m.groupby(by)):
        c = f"C{i}"
        ax.plot(g.time, g[f"{what}_mean"], color=c, linestyle=style, linewidth=1.6,
                label=label_fmt.format(val))
        ax.fill_between(g.time, g[f"{what}_min"], g[f"{what}_max"], color=c, alpha=0.15, linewidth=0)
        ax.plot(g.time, g[what], **{**_common.THEORY_STYLE, "linewidth": 1.0})
        if what == "E_test":
            o = opt[opt[by] == val].iloc[0]
            ax.plot(o.time, o.E_test, marker="*", color=c, markersize=11, markeredgecolor="k",
                    linestyle="none", zorder=5)
            b = g.loc[g.E_test_mean.idxmin()]
            ax.plot(b.time, b.E_test_mean, marker="o", mfc="none", color=c, markersize=8,
                    linestyle="none", zorder=5)


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    m = mean_curves(df)
    m = m[m.time > 0]
    opt = df[df.source == "optimum"]
    fig, axes = _common.figure(3, 1, width=16.5, height=4.4)
    a, b, c = axes[0]
    ma, oa = m[m.experiment == "alpha"], opt[opt.experiment == "alpha"]
    panel(a, ma, oa, "alpha", "alpha", "E_test", "α = {:g}")
    panel(b, ma, oa, "alpha", "alpha", "E_train", "α = {:g}")
    ms, os_ = m[m.experiment == "snr"], opt[opt.experiment == "snr"]
    panel(c, ms, os_, "snr", "snr", "E_test", "SNR = {:g}")
    panel(c, ms, os_, "snr", "snr", "E_train", "_", style=":")
    snr = df[df.experiment == "alpha"].snr.iloc[0]
    a.set(title=f"test error E_g, SNR = {snr:g}", ylabel="error (mean squared, no ½)")
    # α < 1 interpolates: its E_t falls to round-off; the axis stops at 1e-3 so the others show.
    b.set(title=f"training error E_t, SNR = {snr:g}", ylim=(1e-3, 2))
    c.set(title="α = 1 (N = P): E_g solid, E_t dotted", ylim=(1e-3, None))
    for ax in (a, b, c):
        ax.set(xscale="log", yscale="log", xlabel="time t = step · η")
    handles = [Line2D([], [], **_common.THEORY_STYLE, label="theory (GD, same η)"),
               Line2D([], [], marker="*", color="grey", markeredgecolor="k", linestyle="none",
                      markersize=10, label="theory optimal stop"),
               Line2D([], [], marker="o", mfc="none", color="grey", linestyle="none",
                      label="simulation minimum")]
    a.legend(handles=a.get_legend_handles_labels()[0] + handles, fontsize=8, loc="lower left")
    b.legend(handles=b.get_legend_handles_labels()[0] + handles[:1], fontsize=8, loc="lower left")
    styles = [Line2D([], [], color="grey", linestyle=ls, linewidth=1.6, label=lab)
              for ls, lab in (("-", "E_g (test): solid"), (":", "E_t (training): dotted"))]
    c.legend(handles=c.get_legend_handles_labels()[0] + styles + handles, fontsize=8,
             loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: the curves fill the panel
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
