"""The overtraining peak on real data: test loss and accuracy of the least-squares readout of whitened MNIST against the number of training digits P, after training to convergence and at the best stopping time.

Reads ``generalisation_mnist.csv`` (``analysis/generalisation_mnist.py``). Left: test loss
(½ per sample) of the converged map (filled) and its minimum over training time (open)
against P, the training loss at convergence (grey), the zero map's test loss ½ Tr Σ33 = 5 as
a line; the converged test loss peaks at P = N = 100 (as many samples as input components),
where the subset's Σ11 has eigenvalues near 0, exactly as the Marchenko–Pastur theory's α = 1.
Middle: test accuracy, converged and best over time. Right: test loss against time for a few
P: near P = N it turns up after its minimum (overtraining), far from it much less.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "generalisation_mnist"
SHOWN = (50, 100, 200, 1000)  # curves in the right panel (those the table holds)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    c = df[df.experiment == "curve"]
    best = c.groupby("n_samples").agg(best_test_loss=("test_loss", "min"),
                                      best_accuracy=("test_accuracy", "max"))
    conv = df[df.experiment == "converged"].set_index("n_samples")[["loss", "test_loss", "test_accuracy"]]
    return best.join(conv).reset_index()


def key_numbers(folder: Path) -> pd.DataFrame:
    """Where the converged test loss peaks, its height, and what early stopping keeps."""
    s = summary(_common.read(folder, NAME))
    peak = s.loc[s.test_loss.idxmax()]
    big = s.loc[s.n_samples.idxmax()]
    rows = [
        ("P of the converged test-loss peak (N = 100 components)", f"{int(peak.n_samples)}"),
        ("converged test loss there / best over time", f"{peak.test_loss:.4g} / {peak.best_test_loss:.3f}"),
        ("converged test accuracy there / best over time", f"{peak.test_accuracy:.3f} / {peak.best_accuracy:.3f}"),
        (f"P = {int(big.n_samples)}: converged test loss, accuracy", f"{big.test_loss:.3f}, {big.test_accuracy:.3f}"),
        ("smallest converged test accuracy over P", f"{s.test_accuracy.min():.3f}"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    s = summary(df).sort_values("n_samples")
    fig, axes = _common.figure(3, 1, width=15.0, height=4.4)
    a, b, c = axes[0]
    a.plot(s.n_samples, s.test_loss, "o-", color="C0", label="test, converged (t → ∞)")
    a.plot(s.n_samples, s.best_test_loss, "o--", color="C1", mfc="none", label="test, best stopping time")
    a.plot(s.n_samples, np.clip(s.loss, 1e-3, None), "s:", color="grey", markersize=4,
           label="training, converged (clipped at 1e-3)")
    a.axhline(5.0, color="k", linewidth=0.8, linestyle="-.", label="zero map: ½ Tr Σ33 = 5")
    a.set(xscale="log", yscale="log", xlabel="training digits P", ylabel="loss (½ per sample)",
          title=f"{df.dataset.iloc[0]}: readout of 100 whitened components")
    b.plot(s.n_samples, s.test_accuracy, "o-", color="C0", label="converged")
    b.plot(s.n_samples, s.best_accuracy, "o--", color="C1", mfc="none", label="best over time")
    b.set(xscale="log", xlabel="training digits P", ylabel="test accuracy", title="test accuracy")
    for ax in (a, b):
        ax.axvline(100, color="grey", linewidth=0.8, linestyle=":")
        ax.legend(fontsize=8)
    curves = df[(df.experiment == "curve") & (df.time > 0)]
    for i, p in enumerate(q for q in SHOWN if q in set(curves.n_samples)):
        g = curves[curves.n_samples == p]
        c.plot(g.time, g.test_loss, color=f"C{i}", label=f"P = {p}")
        k = g.test_loss.idxmin()
        c.plot(g.time[k], g.test_loss[k], "o", mfc="none", color=f"C{i}")
    c.set(xscale="log", yscale="log", xlabel="time t = step · η", ylabel="test loss",
          title="test loss over training (circle: minimum)")
    c.legend(fontsize=8)
    fig.tight_layout()
    _common.save(fig, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
