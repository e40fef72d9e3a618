"""Smoke tests of the prior-knowledge scripts: the quick table with its schema, the figure, key numbers.

``analysis/prior_knowledge.py --quick`` (the depth-2 tree, 4 items) runs once; the figure draws
from that table; ``key_numbers`` gives 3–8 formatted rows (the gallery convention). Then the
table's own theory checks: exact and GD rows within the first-order gap, and the escape
times on the slopes the theory states.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import check_figure, checked_quick_table, load_script

from linnet import tables

NAME = "prior_knowledge"


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    from conftest import run_quick_analyses

    return run_quick_analyses([NAME], tmp_path_factory.mktemp("tables"))


def test_analysis_writes_table_with_schema(quick_tables):
    df = checked_quick_table(quick_tables, NAME)
    assert set(df.phase) == {"learn", "revise", "reverse", "reverse_learned", "escape"}
    assert set(df.source) == {"exact", "simulation"}


def test_figure_writes_png_and_pdf_and_key_numbers(quick_tables, tmp_path):
    check_figure(quick_tables, NAME, tmp_path)


def test_exact_and_gd_agree_to_first_order_in_the_step(quick_tables):
    # GD's gap to the closed form is O(η) (tests/test_prior_knowledge.py checks the order);
    # here its size. GD's discrete growth (1 + ηs)² per step instead of e^{2ηs} slows each
    # mode's rate by ηs/2 relative, so a transition reached after t* is late by δt = ηs·t*/2, and
    # the map is off by ≤ δt·max|u̇| on that mode. The reversal is the longest: t* = 2 ln(1/ε)/s
    # (docs/theory.md) and u runs from s to −s with |u̇| ≤ s², so the gap relative to
    # ‖Σ̃‖_F ≥ s_max is ≤ η·s_max·ln(1/ε). Learning from small init (t* = ln(s/u0)/(2s),
    # |u̇| ≤ s²/2) and revising (no plateau) stay below that.
    df = tables.read(quick_tables / f"{NAME}.csv")
    gap = df[df.source == "exact"].groupby("phase").error.max()
    lr, s_max = df.lr.iloc[0], df.s.max()
    eps = df[df.phase == "reverse"].eps.iloc[0]
    assert (gap[["learn", "revise", "reverse"]] < lr * s_max * np.log(1.0 / eps)).all()


def test_escape_times_follow_the_theory_slopes(quick_tables):
    # Exact escape times per decade of ε: ln(10)·slope (slope = 1/s_b for the sign change,
    # 2/s_b for the half reversal), for every block of equal s (its mean strength does not
    # depend on the basis inside the block). Corrections are O(ε²) relative with a constant
    # set by how G seeds the block, so only the smallest decade, ε = 1e-2 → 1e-3 (≈1e-4 times
    # that constant): 2e-2 admits constants up to ~200, while a wrong law (1/s_b for the half
    # reversal) would miss by 50 %.
    df = tables.read(quick_tables / f"{NAME}.csv")
    esc = df[(df.phase == "escape") & (df.source == "exact")].dropna(subset=["time"])
    assert esc["mode"].nunique() >= 3 and (esc.multiplicity > 1).any()
    for _, g in esc[esc.eps <= 1e-2].groupby(["event", "mode"]):
        g = g.sort_values("eps")
        assert len(g) == 2
        per_decade = np.diff(g.time.to_numpy()) / np.diff(np.log10(1.0 / g.eps.to_numpy()))
        np.testing.assert_allclose(per_decade, np.log(10.0) * g.slope.iloc[0], rtol=2e-2)


def test_crossing_times_are_nan_without_a_crossing():
    # A block that never falls below the level, or starts below it (index 0: nothing before it
    # to interpolate from), has no crossing time; argmax alone would give index 0 and wrap to −1.
    from types import SimpleNamespace

    from linnet.data import deterministic_tree

    script = load_script(f"analysis/{NAME}.py")
    st = deterministic_tree(2, 2).stats()  # blocks s = 1.22, 0.71, 0.5 (×2)
    scale = np.array([1.0, 0.5, -0.2, -0.6])[:, None, None]  # one map per step
    sim = SimpleNamespace(product=scale * st.sigma31)
    t = script.gd_crossings(sim, 0.1, st.modes, -0.5)
    # ū_b/s_b = 1, 0.5, −0.2, −0.6 in every block: below −1/2 between steps 2 and 3
    np.testing.assert_allclose(t, 0.1 * (2 + 0.3 / 0.4), rtol=1e-12)
    assert np.all(np.isnan(script.gd_crossings(sim, 0.1, st.modes, -0.9)))  # never below
    sim_low = SimpleNamespace(product=-scale * st.sigma31)  # starts at −1: below from index 0
    assert np.all(np.isnan(script.gd_crossings(sim_low, 0.1, st.modes, -0.5)))
