"""Smoke tests of the depth and init-regime analyses (--quick) and their figures.

Beyond the schema, each table is checked for what it claims.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import check_figure, checked_quick_table

from linnet import tables

ANALYSES = ["depth_isometry", "lr_stability", "init_regimes", "hidden_similarity"]


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    """Run every analysis once with --quick; the tests below read the tables."""
    from conftest import run_quick_analyses

    return run_quick_analyses(ANALYSES, tmp_path_factory.mktemp("depth_tables"))


@pytest.mark.parametrize("name", ANALYSES)
def test_table_has_its_schema(quick_tables, name):
    checked_quick_table(quick_tables, name)


@pytest.mark.parametrize("name", ANALYSES)
def test_figure_script_draws_from_the_table(quick_tables, tmp_path, name):
    check_figure(quick_tables, name, tmp_path)


def test_depth_isometry_theory_is_exact_for_aligned_weights(quick_tables):
    df = pd.read_csv(quick_tables / "depth_isometry.csv")
    sim = df[(df.source == "simulation") & (df.init == "aligned")].set_index(["depth", "lr_factor"])
    th = df[df.source == "theory"].set_index(["depth", "lr_factor"])
    # Matrix GD from aligned balanced weights follows the deep mode map exactly (to round-off),
    # so both cross the loss threshold at the same step wherever the simulation was not stopped
    # early (it stops slower rates once the fastest has crossed).
    both = sim.reached & th.loc[sim.index].reached
    assert both.any()
    np.testing.assert_array_equal(sim.learning_step[both], th.loc[sim.index].learning_step[both])
    # lr, lr_factor and lr_bound are each written to 10 significant digits (tables.write), so
    # the product of two of them matches the third to ~3 half-units of the 10th digit.
    np.testing.assert_allclose(df.lr, df.lr_factor * df.lr_bound, rtol=2e-9, atol=0)


def test_lr_stability_states_respect_the_bound(quick_tables):
    df = pd.read_csv(quick_tables / "lr_stability.csv")
    below = df[(df.lr_ratio < 0.9) & (df.state != "slow")]
    above = df[df.lr_ratio > 1.1]
    # Below the bound the balanced minimum is stable: every run that had time to converge did.
    assert len(below) and (below.state == "converged").all()
    # Above it no minimum is stable: nothing converges.
    assert len(above) and (above.state != "converged").all()


def test_init_regimes_exact_theories_track_the_simulation(quick_tables):
    df = pd.read_csv(quick_tables / "init_regimes.csv")
    th = df[df.source == "theory"]
    lb = th[th.theory == "lambda_balanced"]
    # Exact for both families at every scale: only GD's O(η·t·s²) discretisation remains, a few
    # 1e-3 of ‖Σ31‖ with η·s1 ≤ 3e-3 (3e-2 of ‖Σ31‖ at c = 10 where the map itself is ~c² ≫ ‖Σ31‖).
    assert (lb.max_error < 0.05).all()
    big = th.init_scale == th.init_scale.max()
    # Saxe's small-weight sigmoids are far off in the lazy regime.
    assert (th[big & (th.theory == "saxe")].max_error > 1.0).all()


def test_hidden_similarity_matches_theory_for_aligned_weights(quick_tables):
    df = pd.read_csv(quick_tables / "hidden_similarity.csv")
    a = df[df.init == "aligned"].pivot_table(index=["seed", "time", "class_i", "class_j"],
                                             columns="source", values="similarity")
    scale = a.theory.abs().groupby(level="time").max()
    dev = (a.simulation - a.theory).abs().groupby(level="time").max() / scale
    # Exact up to GD vs flow: the clock error ≈ η·s/2 per unit time (η·s1 ≈ 0.01) shifts the
    # sigmoids by ~1 %, which moves the fast-changing entries by a few %.
    assert (dev < 0.05).all()


def test_init_regimes_rectangular_families_follow_the_any_shape_solution(quick_tables):
    """Issue 13: 6-4-4 and 4-4-6 networks, λ = ±c², against the exact λ-balanced solution for
    any shape: GD's O(η·t·s²) error only, as for the square families (< 0.05 of ‖Σ31‖ up to
    c = 10, measured ≤ 2.1e-2), while Saxe's sigmoids fail at large scale."""
    df = pd.read_csv(quick_tables / "init_regimes.csv")
    th = df[(df.source == "theory") & df.init.str.contains("-")]
    assert {"lambda_balanced_6-4-4", "lambda_balanced_6-4-4_neg", "lambda_balanced_4-4-6",
            "lambda_balanced_4-4-6_neg"} <= set(th.init)
    assert (th[th.theory == "lambda_balanced"].max_error < 0.05).all()
    assert (np.sign(th.groupby("init").lam.first()) == [1 if not i.endswith("_neg") else -1
                                                       for i in th.groupby("init").lam.first().index]).all()
    big = th.init_scale == th.init_scale.max()
    assert (th[big & (th.theory == "saxe")].max_error > 1.0).all()
