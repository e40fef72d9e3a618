"""Smoke tests of the generalisation scripts: quick tables with their schema, figures, key numbers.

Each analysis runs once with ``--quick`` (N = 40, 2 teachers); the figures draw from those
tables; ``key_numbers`` of each figure gives 3–8 formatted rows (the gallery convention).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import check_figure, checked_quick_table, load_script

from linnet import tables
from linnet.theory import generalisation as gen

ANALYSES = ["generalisation_time", "generalisation_alpha", "generalisation_mnist", "generalisation_deep",
            "generalisation_snr"]
FIGURES = {name: [name] for name in ANALYSES}


@pytest.fixture(scope="module")
def quick_tables(tmp_path_factory):
    from conftest import run_quick_analyses

    return run_quick_analyses(ANALYSES, tmp_path_factory.mktemp("tables"))


@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_writes_table_with_schema(quick_tables, name):
    df = checked_quick_table(quick_tables, name)
    if "source" in df:  # the teacher tables: simulation beside theory (MNIST has no theory)
        assert (df.source == "simulation").any() and (df.source == "theory").any()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_writes_png_and_pdf_and_key_numbers(quick_tables, tmp_path, name):
    check_figure(quick_tables, name, tmp_path)


def test_time_table_theory_is_the_integrals_at_theory_time(quick_tables):
    # The table's theory rows are shallow_errors at t/α with GD's step η/α (the mapping of
    # linnet's time to the theory's, docs/theory.md#generalisation-dynamics): recomputed here.
    df = tables.read(quick_tables / "generalisation_time.csv")
    th = df[df.source == "theory"]
    for (alpha, snr), g in th.groupby(["alpha", "snr"]):
        aa = float((g.n_samples / g.n_in).iloc[0])
        E_t, E_g = gen.shallow_errors(g.time.to_numpy() / aa, aa, snr, lr=float(g.lr.iloc[0]) / aa)
        # tables keep 10 significant digits (tables.FLOAT_FORMAT): time and errors are each
        # rounded by ≤ 5e-10 relative, and |d ln E/d ln t| ≤ 2 here, so 2e-9 covers both
        np.testing.assert_allclose(g.E_test, E_g, rtol=2e-9)
        np.testing.assert_allclose(g.E_train, E_t, rtol=2e-9)


def test_alpha_table_limits_are_the_closed_forms(quick_tables):
    df = tables.read(quick_tables / "generalisation_alpha.csv")
    th = df[df.source == "theory"]
    E = gen.shallow_limits(th.alpha.to_numpy(), th.snr.to_numpy(), init_var=th.init_var.to_numpy())[1]
    # α is stored to 10 digits (5e-10 relative) and |d ln E_g(∞)/d ln α| = α/|1 − α| ≤ 1/0.012 on
    # the grid (its point nearest α = 1 is 0.988), so the rounding of α moves E by ≤ 4.2e-8
    np.testing.assert_allclose(th.E_test_final, E, rtol=5e-8)
    # early stopping never does worse than training to convergence
    assert np.all(th.E_test_stop <= th.E_test_final * (1 + 1e-9))


def test_mnist_converged_test_loss_peaks_at_p_equals_n(quick_tables):
    # quick sizes 50, 100, 400 with N = 100 components: at P = N the subset's Σ11 has
    # eigenvalues near 0 and the minimum-norm fit amplifies the label noise most; stopping at the
    # best time keeps the test loss near the zero map's ½ Tr Σ33 = 5 (never above it by much).
    df = tables.read(quick_tables / "generalisation_mnist.csv")
    conv = df[df.experiment == "converged"].set_index("n_samples")
    assert conv.test_loss.idxmax() == 100
    assert np.all(conv.loss[conv.index < 100] < 1e-20)  # P < N: the samples are interpolated
    best = df[df.experiment == "curve"].groupby("n_samples").test_loss.min()
    assert np.all(best <= conv.test_loss) and best.max() <= 5.0


def test_deep_theory_rows_and_stopping_above_the_bound(quick_tables):
    df = tables.read(quick_tables / "generalisation_deep.csv")
    st = df[df.experiment == "stopping"]
    for name, g in st.groupby("teacher"):
        bound = g[g.source == "shrinkage_bound"].eps_test.iloc[0]
        # no stopping time beats the optimal shrinkage (theory; a single draw's minimum can, by
        # its own overlap's fluctuation, so it is not checked against the bound)
        assert g[g.source == "theory"].eps_test.iloc[0] >= bound - 1e-12
    m = df[df.experiment == "modes"]
    # the aligned student, trained to t = 20, holds the data's singular values: the slowest mode
    # (ŝ ≈ 1.8, u0 = 1e-5) is short of ŝ by ≈ (ŝ/u0) e^{-2ŝt} ≈ 1e-26; round-off is ~1e-13
    np.testing.assert_allclose(m.learned, m.s_hat, rtol=1e-9)


def test_tutorial_runs(tmp_path, monkeypatch, capsys):
    # docs/tutorials/04_generalisation.py runs as a plain script (the tutorial convention) and
    # prints its theory-vs-simulation comparison
    import runpy
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(root / "docs" / "tutorials" / "04_generalisation.py"), run_name="__main__")
    assert "theory: stop at t" in capsys.readouterr().out


def test_snr_table_theory_on_the_whole_grid_and_simulation_at_every_sim_every(quick_tables):
    # Advani & Saxe's grid 2^(−4 : 0.02 : 4) holds 401 SNRs, all of them in the theory rows; the
    # quick run simulates every 100th (5 SNRs) for 2 teachers
    df = tables.read(quick_tables / "generalisation_snr.csv")
    th, sim = df[df.source == "theory"], df[df.source == "simulation"]
    assert len(th) == 401 and np.allclose(np.log2(th.snr.sort_values()), np.linspace(-4, 4, 401))
    assert sim.snr.nunique() == 5 and sim.seed.nunique() == 2
    # the theory rows are shallow_early_stopping for GD at the table's η (α = 1: theory time =
    # linnet time); 10 stored digits (5e-10 relative) and E_g flat at its minimum, so 1e-9 covers it
    t_opt, E_opt = gen.shallow_early_stopping(1.0, th.snr.to_numpy(), lr=float(th.lr.iloc[0]))
    np.testing.assert_allclose(th.t_opt, t_opt, rtol=1e-9)
    np.testing.assert_allclose(th.E_test_stop, E_opt, rtol=1e-9)
    assert np.all(np.isinf(th.E_test_final))  # α = 1: E_g(∞) diverges (shallow_limits)
    # a teacher's own best time on its grid does at least as well as the theory's t*: the grid
    # (t*/4 .. 4t*, an odd number of log-spaced steps) has the step of t* as its middle point
    assert np.all(sim.E_test_oracle <= sim.E_test_stop)
    # early stopping beats long training beats nothing at every simulated point
    assert np.all(sim.E_test_stop < sim.E_test_long) and np.all(sim.E_test_long < sim.E_test_final)


@pytest.mark.parametrize("setting, message", [
    ("alpha=0", "--set alpha must be > 0"),
    ("alpha=0.001", "gives P = round(alpha*n_in) = 0 samples; pass alpha >= 0.0125"),  # quick N = 40
    ("lr=0.3", "pass lr < 0.25"),  # η·λ+ ≥ 1 at α = 1 (λ+ = 4): the theory's monotone GD fails
    ("long_time=0", "--set long_time must be > 0"),
    ("log2_snr_step=0", "the SNR grid is not empty"),
])
def test_snr_bad_set_value_is_one_line_before_any_work(tmp_path, capsys, setting, message):
    # alpha·n_in rounding to P = 0 divided by zero (a traceback) before the check
    main = load_script("analysis/generalisation_snr.py").main
    with pytest.raises(SystemExit) as exc:
        main(["--quick", "--set", setting, "--out", str(tmp_path / "t.csv"), "--no-progress"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "t.csv").exists()
