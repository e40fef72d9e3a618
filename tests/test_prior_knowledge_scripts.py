"""Smoke tests of the prior-knowledge scripts: the quick table with its schema, the figure, key numbers.

``analysis/prior_knowledge.py --quick`` (the depth-2 tree, 4 items) runs once; the figure draws
from that table; ``key_numbers`` gives 3–8 formatted rows (the gallery convention). Then the
table's own theory checks: exact and GD rows within the first-order gap, and the escape
times on the slopes the theory states.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import load_script, script_spec

from linnet import tables

NAME = "prior_knowledge"


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    from conftest import run_quick_analyses

    return run_quick_analyses([NAME], tmp_path_factory.mktemp("tables"))


def test_analysis_writes_table_with_schema(quick_tables):
    df = tables.read(quick_tables / f"{NAME}.csv")
    assert set(script_spec(NAME).schema.required) <= set(df.columns)
    assert set(script_spec(NAME).quick().parameters()) <= set(df.columns)
    assert set(df.phase) == {"learn", "revise", "reverse", "reverse_learned", "escape"}
    assert set(df.source) == {"exact", "simulation"}


def test_figure_writes_png_and_pdf_and_key_numbers(quick_tables, run_script, tmp_path):
    out = tmp_path / f"{NAME}.png"
    assert run_script(f"figures/{NAME}.py", ["--tables", str(quick_tables), "--out", str(out)]) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".pdf").stat().st_size > 0
    k = load_script(f"figures/{NAME}.py").key_numbers(quick_tables)
    assert list(k.columns) == ["quantity", "value"] and 3 <= len(k) <= 8
    assert all(isinstance(v, str) for v in k.value)


def test_exact_and_gd_agree_to_first_order_in_the_step(quick_tables):
    # GD's gap to the closed form is O(η) (tests/test_prior_knowledge.py checks the order);
    # here only its size: η·s_max·(e-folds ≲ 5) relative to ‖Σ̃‖, at η = 0.02, is ≲ 0.15
    df = tables.read(quick_tables / f"{NAME}.csv")
    gap = df[df.source == "exact"].groupby("phase").error.max()
    lr, s_max = df.lr.iloc[0], df.s.max()
    assert (gap[["learn", "revise", "reverse"]] < lr * s_max * 5).all()


def test_escape_times_follow_the_theory_slopes(quick_tables):
    # Exact escape times per decade of ε: ln(10)·slope (slope = 1/s for the sign change,
    # 2/s for the half reversal), up to O(ε²) relative (ε ≤ 0.1: 2e-2, as in
    # tests/test_prior_knowledge.py). Only the modes of distinct s: within a degenerate pair
    # (s = 0.5 twice here) the perturbation mixes the two, and which combination escapes first
    # depends on G, not on the theory's per-mode picture.
    df = tables.read(quick_tables / f"{NAME}.csv")
    esc = df[(df.phase == "escape") & (df.source == "exact")].dropna(subset=["time"])
    counts = esc.groupby("s")["mode"].nunique()
    esc = esc[esc.s.map(counts) == 1]
    assert esc["mode"].nunique() >= 2
    for _, g in esc.groupby(["event", "mode"]):
        g = g.sort_values("eps")
        if len(g) < 2:
            continue
        per_decade = np.diff(g.time.to_numpy()) / np.diff(np.log10(1.0 / g.eps.to_numpy()))
        np.testing.assert_allclose(per_decade, np.log(10.0) * g.slope.iloc[0], rtol=2e-2)
