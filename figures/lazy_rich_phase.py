"""The lazy–rich phase diagram of a two-layer linear network: how far the tangent kernel and the hidden representation move, over initial scale and λ.

Reads ``lazy_rich_phase.csv`` (``analysis/lazy_rich_phase.py``). One row per task (linear teacher,
whitened MNIST); columns: the kernel distance 1 − ⟨K0, KT⟩/(‖K0‖‖KT‖) at the end of training,
the same distance for the hidden similarity W1ᵀW1, the time to convergence and the final test
loss, each the median over seeds of the GD simulation (colours) with the exact λ-balanced
solution's value as black contours (same levels). With more inputs than outputs the sign of λ
matters: λ < 0 (large first layer) moves the kernel far (its W2W2ᵀ ⊗ I_N part weighs N times),
λ > 0 (large second layer) keeps it nearly fixed (lazy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common

NAME = "lazy_rich_phase"
PANELS = (("kernel_distance", "kernel distance K0 → KT", "viridis"),
          ("representation_distance", "distance of W1ᵀW1 (hidden similarity)", "magma"),
          ("time_to_converge", "time to converge t = step·η", "cividis"),
          ("test_loss", "final test loss", "plasma"))


def medians(df: pd.DataFrame, task: str, source: str, column: str) -> pd.DataFrame:
    """(λ × scale) grid of the median over seeds."""
    g = df[(df.task == task) & (df.source == source)]
    return g.pivot_table(index="lam", columns="init_scale", values=column, aggfunc="median")


def panel(ax, df, task, column, title, cmap):
    sim = medians(df, task, "simulation", column)
    th = medians(df, task, "theory", column)
    lines = []
    if column == "test_loss":  # differences of 1e-5 on 0.26: show the excess over the best cell
        base = float(np.nanmin(sim.to_numpy()))
        sim, th, title = sim - base, th - base, f"{title} − {base:.5g}"
        if np.nanmax(np.abs(sim.to_numpy())) < 1e-6 * abs(base):
            lines.append("all differences are round-off")
    x, y = sim.columns.to_numpy(), sim.index.to_numpy()
    mesh = ax.pcolormesh(x, y, sim.to_numpy(), shading="nearest", cmap=cmap)
    ax.figure.colorbar(mesh, ax=ax, fraction=0.05, format="%.3g")  # no offset text
    if column != "test_loss" and np.ptp(th.to_numpy()) > 0 and min(th.shape) > 1:
        if _roughness(th.to_numpy()) < 0.4:
            _contours(ax, x, y, th.to_numpy())
        else:
            lines.append("no contours: seed noise dominates the field")
    err = np.nanmax(np.abs(sim.to_numpy() - th.to_numpy()))
    missing = int(np.isnan(sim.to_numpy()).sum())
    if missing:
        lines.append(f"{missing} cells blank: not converged")
    ax.set(xscale="log", xlabel="initial scale c", ylabel="λ",
           title="\n".join([f"{task}: {title}", f"max |median sim − theory| = {err:.2g}", *lines]))


def _roughness(z: np.ndarray) -> float:
    """Share of the field's spread that a 3 × 3 local mean does not explain (≈ 1: noise, ≈ 0.15: smooth)."""
    from scipy.ndimage import uniform_filter
    if np.isnan(z).any():
        return 0.0  # converged-time fields with blanks: contoured as before
    return float(np.std(z - uniform_filter(z, 3, mode="nearest")) / np.std(z))


def _contours(ax, x, y, z, min_vertices: int = 5):
    """Labelled theory contours, without the short fragments that single noisy cells make."""
    from matplotlib.path import Path as MPath
    cs = ax.contour(x, y, z, levels=6, colors="black", linewidths=0.9)
    paths = []
    for path in cs.get_paths():
        starts = list(np.flatnonzero(path.codes == MPath.MOVETO)) + [len(path.vertices)] if path.codes is not None else []
        keep = [(a, b) for a, b in zip(starts[:-1], starts[1:]) if b - a >= min_vertices]
        verts = [path.vertices[a:b] for a, b in keep]
        codes = [path.codes[a:b] for a, b in keep]
        paths.append(MPath(np.concatenate(verts), np.concatenate(codes)) if keep else MPath(np.empty((0, 2))))
    cs.set_paths(paths)
    ax.clabel(cs, fontsize=6, fmt="%.3g")


def main(argv=None) -> int:
    args = _common.parser(NAME, __doc__).parse_args(argv)
    df = _common.read(args.tables, NAME)
    tasks = list(dict.fromkeys(df.task))
    fig, axes = _common.figure(len(PANELS), len(tasks), width=4.4 * len(PANELS), height=4.2 * len(tasks))
    for row, task in zip(axes, tasks):
        for ax, (column, title, cmap) in zip(row, PANELS):
            panel(ax, df, task, column, title, cmap)
    fig.text(0.5, 0.005, "converged: (L − L⋆)/(L0 − L⋆) < tol; colours: median GD simulation over seeds, "
             "black contours: the exact λ-balanced solution (same quantity)", ha="center", fontsize=9)
    fig.tight_layout(rect=(0, 0.025, 1, 1))
    _common.save(fig, args.out)
    return 0


def key_numbers(folder: Path) -> pd.DataFrame:
    """Headline numbers of the table in ``folder``: agreement and the corners of the phase grid."""
    df = pd.read_csv(Path(folder) / f"{NAME}.csv")
    rows = []
    piv = df.pivot_table(index=["task", "init_scale", "lam", "seed"], columns="source",
                         values="kernel_distance")
    for task, g in piv.groupby(level="task"):
        rows.append((f"{task}: max |kernel distance sim − theory| (all runs)",
                     f"{(g.simulation - g.theory).abs().max():.2e}"))
    for task in dict.fromkeys(df.task):
        sim = medians(df, task, "simulation", "kernel_distance")
        c0, c1 = sim.columns.min(), sim.columns.max()
        l0, l1 = sim.index.min(), sim.index.max()
        rows.append((f"{task}: kernel distance at c = {c0:g}, λ = {l0:g} / 0 / {l1:g}",
                     " / ".join(f"{sim.loc[lam, c0]:.3f}" for lam in (l0, _nearest(sim.index, 0.0), l1))))
    n = df[df.source == "simulation"].groupby("task").size()
    rows.append(("runs per task", ", ".join(f"{t}: {k}" for t, k in n.items())))
    return pd.DataFrame(rows, columns=["quantity", "value"])


def _nearest(index, value):
    return index[np.argmin(np.abs(index.to_numpy() - value))]


if __name__ == "__main__":
    sys.exit(main())
