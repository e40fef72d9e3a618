"""Smoke tests of the linear-teacher and seed-notebook scripts (issue 2, items 8-10).

Each analysis script runs with ``--quick`` and writes a table with its schema; each figure script
then draws from those quick tables a PNG and a PDF. The quick tables are computed once per module.
A few behavioural checks ride along where the quick table already holds the answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import script_spec

from linnet import tables

ANALYSES = ["teacher_modes", "teacher_loss", "seed_notebook"]
FIGURES = {
    "teacher_modes": ["teacher_modes"],
    "teacher_loss": ["teacher_loss"],
    "teacher_learning_times": ["teacher_modes"],
    "seed_notebook": ["seed_notebook"],
}


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    """Run every analysis script once with --quick into one folder."""
    from conftest import run_quick_analyses

    return run_quick_analyses(ANALYSES, tmp_path_factory.mktemp("tables"))


@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_writes_table_with_schema(quick_tables, name):
    df = tables.read(quick_tables / f"{name}.csv")
    assert set(script_spec(name).schema.required) <= set(df.columns)
    # Every parameter is recorded: a column of its name (its own, or a parameter column).
    assert set(script_spec(name).quick().parameters()) <= set(df.columns)
    assert len(df) > 0
    assert (df.source == "simulation").any()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_writes_png_and_pdf(quick_tables, run_script, tmp_path, name):
    out = tmp_path / f"{name}.png"
    assert run_script(f"figures/{name}.py", ["--tables", str(quick_tables), "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert out.with_suffix(".pdf").stat().st_size > 0


def test_teacher_tables_have_theory_on_the_simulation_grid(quick_tables):
    for name in ("teacher_modes", "teacher_loss"):
        df = tables.read(quick_tables / f"{name}.csv")
        keys = ["init", "seed", "step"]
        grids = {src: set(map(tuple, g[keys].drop_duplicates().to_numpy()))
                 for src, g in df.groupby("source")}
        assert set(grids) == {"simulation", "theory", "theory_discrete"}
        assert grids["theory"] == grids["simulation"] == grids["theory_discrete"]
        assert set(df.seed) == {0, 1}  # --quick: two seeds, each with its own row key


def test_aligned_init_follows_the_exact_discrete_map(quick_tables):
    """From aligned init, GD is the discrete map u ← u(1 + η(s − u))² (docs/theory.md#discrete-gradient-descent)."""
    df = tables.read(quick_tables / "teacher_modes.csv")
    a = df[df.init == "aligned"].pivot_table(index=["seed", "step", "mode"], columns="source",
                                             values="strength")
    # Exact up to round-off accumulated over 4,000 steps of 32×20 products and the 10-digit CSV
    # format (relative 5e-10 of strengths up to s = 4): 1e-8 absolute leaves a margin of 5.
    np.testing.assert_allclose(a.simulation, a.theory_discrete, rtol=0, atol=1e-8)


def test_random_init_half_learning_times_match_theory(quick_tables):
    """Every mode's measured half-learning time from random init is within 10% of Saxe's t½.

    Observed deviations are up to about 3%: the linearised effective u0 ignores competition
    between modes for hidden directions (small at hidden width 32 > 5 modes), and GD's early
    growth (1 + ηs)² lags gradient flow's e^{2ηs} by ≈ ηs/2 = 2% for s = 4. 10% is the issue's
    criterion.
    """
    from conftest import load_script

    h = load_script("figures/teacher_learning_times.py").half_times(
        tables.read(quick_tables / "teacher_modes.csv"))
    assert len(h) == 2 * 2 * 5  # two inits, two seeds, five modes: every one reached s/2
    assert np.all(np.abs(h.measured / h.theory - 1) < 0.10)


def test_teacher_loss_starts_and_ends_where_theory_says(quick_tables):
    df = tables.read(quick_tables / "teacher_loss.csv")
    sim = df[df.source == "simulation"]
    first = sim[sim.step == 0]
    # ½ Σ s² = ½(16 + 4 + 1 + 0.25 + 0.0625) for the geometric teacher; the initial product
    # (strength ≤ 1e-3 per mode, u0 ≈ 1e-5 for random init) moves it by at most Σ s·u0 ≈ 0.01.
    np.testing.assert_allclose(first.loss, 0.5 * (16 + 4 + 1 + 0.25 + 0.0625), atol=0.02)
    last = sim[sim.step == sim.step.max()]
    # By t = 40 the slowest mode (s = 0.25) is ≥ 5 time constants 1/(2s) = 2 past its t½ ≈ 19.
    assert np.all(last.loss < 1e-6)


def test_seed_notebook_schedule_and_divergence_bookkeeping(quick_tables):
    from conftest import load_script

    from linnet import notebook
    df = tables.read(quick_tables / "seed_notebook.csv")
    assert set(df.experiment) == {"below_bound", "half_notebook", "notebook_schedule"}
    nb = df[df.experiment == "notebook_schedule"]
    # The η mapping: the notebook's lr 1 and 10 are η = 2·lr/P (P = 1000), written to 10
    # significant digits: round-off only.
    P = notebook.SeedNotebook().n_samples
    eta1, eta10 = 2 * 1.0 / P, 2 * 10.0 / P
    np.testing.assert_allclose(nb.lr_first, eta1, rtol=1e-12, atol=0)
    np.testing.assert_allclose(nb.lr, eta10, rtol=1e-12, atol=0)
    # Time and printed rows on half_notebook (η = η10/2 after step 1), where no draw diverges.
    one = df[(df.experiment == "half_notebook") & (df.seed == 0)].set_index("step")
    np.testing.assert_allclose(one.loc[1, "time"], eta1, rtol=1e-12)
    np.testing.assert_allclose(one.loc[1000, "time"], eta1 + 999 * eta10 / 2, rtol=1e-12)
    # The notebook printed steps 0 and 1, then global steps 1000, 2000, ... (quick: 2,001 steps).
    assert sorted(one.index[one.printed]) == [0, 1, 1000, 2000]
    # Three regimes: η·λ (λ the Gauss-Newton sharpness after step 1) below the classical
    # bound 2 for below_bound, above it for the other two.
    first = df.groupby(["experiment", "seed"])[["lr", "sharpness_gn"]].first()
    prod = first.lr * first.sharpness_gn
    assert (prod["below_bound"] < 2).all() and (prod["half_notebook"] > 2).all()
    assert (prod["notebook_schedule"] > 2).all()
    for (_, _), g in df.groupby(["experiment", "seed"]):
        assert g.diverged.nunique() == 1 and g.diverged_step.nunique() == 1
        if g.diverged.iloc[0]:
            # Rows stop before the first non-finite loss.
            assert g.step.max() < g.diverged_step.iloc[0]
        else:
            assert g.diverged_step.iloc[0] == -1
        assert np.all(np.isfinite(g[["loss", "norm_W21", "norm_W32", "dist_teacher"]]))
    # The same draws start every schedule: identical initial rows (the same weights, statistics
    # and arithmetic before any step, so the same written digits).
    start = df[df.step == 0].set_index(["seed", "experiment"]).loss.unstack()
    np.testing.assert_array_equal(start.to_numpy(), np.broadcast_to(start.to_numpy()[:, :1], start.shape))


def test_seed_notebook_distance_to_teacher_equals_the_loss(quick_tables):
    """With whitened inputs and a noiseless teacher, L = ½‖W* − W32 W21‖²_F exactly."""
    df = tables.read(quick_tables / "seed_notebook.csv")
    big = df[df.loss > 1e-6]  # below, round-off in the loss (~1e-26) dominates the check
    # Both columns are written with 10 significant digits: 1e-8 relative is the format's limit.
    np.testing.assert_allclose(big.loss, 0.5 * big.dist_teacher**2, rtol=1e-8)
