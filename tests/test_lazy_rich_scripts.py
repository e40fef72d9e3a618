"""Smoke tests of the lazy–rich analyses (--quick), their figures and key numbers.

Beyond the schema, each table is checked for what it claims.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import check_figure, checked_quick_table

ANALYSES = ["lazy_rich_phase", "sharpness", "silent_alignment"]


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    from conftest import run_quick_analyses

    return run_quick_analyses(ANALYSES, tmp_path_factory.mktemp("lazy_rich_tables"))


@pytest.mark.parametrize("name", ANALYSES)
def test_table_has_its_schema(quick_tables, name):
    checked_quick_table(quick_tables, name)


@pytest.mark.parametrize("name", ANALYSES)
def test_figure_script_draws_and_gives_key_numbers(quick_tables, tmp_path, name):
    check_figure(quick_tables, name, tmp_path)


def test_phase_theory_tracks_gd_and_lambda_sign_orders_the_kernel_distance(quick_tables):
    """GD at η = 0.1/sharpness vs gradient flow: the kernel distance differs by O(η·sharpness·
    distance) ≲ 1e-2 (measured ≤ 3e-3). With N > M a negative λ (large W1) moves the kernel
    more than a positive one (large W2): W2W2ᵀ ⊗ I_N weighs N times in the kernel."""
    df = pd.read_csv(quick_tables / "lazy_rich_phase.csv")
    piv = df.pivot_table(index=["task", "init_scale", "lam", "seed"], columns="source",
                         values="kernel_distance")
    assert (piv.simulation - piv.theory).abs().max() < 1e-2
    sim = piv.simulation.groupby(level=["task", "init_scale", "lam"]).median()
    for (task, c), g in sim.groupby(level=["task", "init_scale"]):
        g = g.droplevel(["task", "init_scale"])
        assert g.loc[-1.0] > g.loc[1.0], (task, c)
    err = df[df.source == "theory"].error
    assert err.max() < 1e-2 and np.isfinite(err).all()


def test_sharpness_discrete_map_is_exact_and_the_edge_decides(quick_tables):
    """Aligned balanced GD stays on the decoupled manifold where the discrete map is exact:
    the closed-form sharpness equals Lanczos on the simulated weights to round-off (1e-12 of
    2·s1, Lanczos tolerance 1e-10 relative on O(1) values) at every η. Below the edge
    (η < 1/s1) the run settles at sharpness 2·s1 < 2/η; above, it never does."""
    df = pd.read_csv(quick_tables / "sharpness.csv")
    disc = df[df.theory == "discrete"]
    assert disc.error.max() < 1e-9
    sim = df[(df.source == "simulation") & (df.init == "aligned")]
    last = sim[sim.step == sim.step.max()].set_index("lr_factor")
    for f, r in last.iterrows():
        if f < 1.0:
            assert r.sharpness == pytest.approx(4.0, rel=1e-6) and r.sharpness < r.edge
        else:
            assert r.loss > 1e-3


def test_silent_alignment_exact_kernel_tracks_gd_on_white_inputs(quick_tables):
    """GD at η = 0.2/sharpness against gradient flow's exact kernel: the alignment (smooth in
    the weights) differs by O(η·s1·Δalignment) < 1e-3; anisotropic inputs have no theory rows."""
    df = pd.read_csv(quick_tables / "silent_alignment.csv")
    th = df[df.source == "theory"]
    assert set(th.inputs) == {"whitened"} and th.error.max() < 1e-3
    sim = df[df.source == "simulation"]
    assert set(sim.inputs) == {"whitened", "pca"} and sim.alignment.between(0, 1).all()
