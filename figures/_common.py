"""What every figure script shares: the command line, the style, deterministic saving.

A figure script reads tables only (it never simulates), draws one figure and saves it as
PNG (for looking) and PDF (for papers) beside each other, with fixed size and no metadata
timestamps, so the same tables give byte-identical files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from linnet import tables  # noqa: E402

STYLE = Path(__file__).with_name("linnet.mplstyle")
SIM_STYLE = dict(linestyle="-", linewidth=1.6, alpha=0.85)
THEORY_STYLE = dict(linestyle="--", linewidth=1.4, color="black", alpha=0.9)


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """Options of every figure script: where the tables are and where the figure goes."""
    p = argparse.ArgumentParser(prog=f"figures/{name}.py", description=doc)
    p.add_argument("--tables", type=Path, default=Path("results"),
                   help="folder holding the input tables (default: %(default)s)")
    p.add_argument("--out", type=Path, default=Path("figures/out") / f"{name}.png",
                   help="output PNG; a PDF is written beside it (default: %(default)s)")
    return p


def read(folder: Path, name: str):
    """Read table ``<folder>/<name>.csv``."""
    return tables.read(Path(folder) / f"{name}.csv")


def half_times(sim: pd.DataFrame, by: tuple[str, ...], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Measured half-learning time of every group of simulated mode strengths.

    The time at which ``strength`` first reaches half of ``s``, interpolated linearly between
    the two recorded times around the crossing (the sigmoid's inflection point is at u = s/2,
    so linear interpolation is accurate there); NaN where it never does or starts above.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``s``, ``measured`` and the group's first value
        of each ``extra`` column (e.g. the predicted ``t_half_theory``).
    """
    rows = []
    for key, g in sim.sort_values("time").groupby(list(by)):
        frac = (g.strength / g.s).to_numpy()
        t = g.time.to_numpy()
        above = np.flatnonzero(frac >= 0.5)
        if above.size == 0 or above[0] == 0:
            measured = np.nan  # never reached half (or started above): no half-learning time
        else:
            i = above[0]
            measured = np.interp(0.5, frac[i - 1:i + 1], t[i - 1:i + 1])
        rows.append({**dict(zip(by, key)), "s": g.s.iloc[0], "measured": measured,
                     **{c: g[c].iloc[0] for c in extra}})
    return pd.DataFrame(rows)


def figure(ncols: int = 1, nrows: int = 1, *, width: float = 6.4, height: float = 4.2, **kw):
    """A figure of fixed size in the linnet style."""
    plt.style.use(STYLE)
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kw)


def save(fig, out: Path) -> Path:
    """Save ``fig`` to ``out`` (PNG) and ``out`` with suffix .pdf, deterministically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out.with_suffix(".png"), dpi=150, metadata={"Software": None})
    fig.savefig(out.with_suffix(".pdf"), metadata={"Creator": None, "Producer": None,
                                                   "CreationDate": None})
    plt.close(fig)
    return out


def key_table(rows) -> pd.DataFrame:
    """A figure's key numbers for the documentation's gallery (``key_numbers(folder)``).

    ``rows`` are ``(quantity, value)`` pairs, the value already formatted as text: the gallery
    prints them as they are (docs/gallery.py).
    """
    rows = list(rows)
    return pd.DataFrame({"quantity": [str(q) for q, _ in rows], "value": [str(v) for _, v in rows]})


def sim_theory_gap(df: pd.DataFrame, value: str, keys: list[str], theory: str = "theory") -> pd.Series:
    """|simulation − theory| of column ``value`` at equal ``keys`` (rows of both sources), one per key."""
    sim = df[df.source == "simulation"].set_index(keys)[value]
    th = df[df.source == theory].set_index(keys)[value]
    joined = pd.concat({"sim": sim, "theory": th}, axis=1, join="inner")
    return (joined.sim - joined.theory).abs()
