"""Smoke tests of the transfer scripts: the quick table with its schema, the figure, key numbers.

``analysis/transfer.py --quick`` runs one target (s̄_T = 3), two auxiliary strengths and
q ∈ {0, 1} with 2 seeds; the figure draws from that table and ``key_numbers`` gives 3–8
formatted rows (the gallery convention).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import check_figure, checked_quick_table, script_spec

from linnet import tables
from linnet.theory import transfer as tr

NAME = "transfer"


@pytest.fixture(scope="module")
def quick_table(tmp_path_factory):
    from conftest import run_quick_analyses

    return run_quick_analyses([NAME], tmp_path_factory.mktemp("tables"))


def test_analysis_writes_table_with_schema(quick_table):
    df = checked_quick_table(quick_table, NAME)
    spec = script_spec(NAME).quick()
    sim, th = df[df.source == "simulation"], df[df.source == "theory"]
    assert len(sim) == len(spec.targets) * len(spec.auxes) * len(spec.qs) * spec.seeds
    # every simulated (target, aux, q) has its theory row; the benefit is the difference of the
    # two optima in every row, simulated or not (tables keep 10 significant digits: 1e-9 covers
    # the rounding of three numbers of size ≤ 1)
    assert set(map(tuple, sim[["target", "aux", "q"]].to_numpy())) <= set(map(tuple, th[["target", "aux", "q"]].to_numpy()))
    np.testing.assert_allclose(df.benefit, df.alone - df.joint, atol=1e-9)
    # the simulated optima lie inside the recorded times (t = steps·lr): the theory's do too
    assert th.t_joint.max() < spec.steps * spec.lr and th.t_alone.max() < spec.steps * spec.lr


def test_theory_rows_are_the_library_function(quick_table):
    df = tables.read(quick_table / f"{NAME}.csv")
    row = df[df.source == "theory"].iloc[-1]
    b = tr.transfer_benefit(row.target, row.aux, row.q, n_in=int(row.n_in), n_out=int(row.n_out), u0=row.u0)
    assert row.benefit == pytest.approx(b.benefit, abs=1e-9)  # 10 significant digits in the table


def test_figure_writes_png_and_pdf_and_key_numbers(quick_table, tmp_path):
    check_figure(quick_table, NAME, tmp_path)


def test_bad_settings_are_one_line(run_script, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run_script("analysis/transfer.py", ["--quick", "--set", "n_out=80", "--out", str(tmp_path / "t.csv")])
    assert exc.value.code == 2
    assert "--set n_out must be <= n_in/2" in capsys.readouterr().err


@pytest.mark.parametrize("setting,message", [
    ("noise=0", "--set noise must be a finite number > 0; got 0"),
    ("u0=-1e-5", "--set u0 must be a finite number > 0; got -1e-05"),
    ("qs=", "--set qs is empty: pass at least one value"),
    ("auxes=", "--set auxes is empty"),
])
def test_bad_scales_and_empty_lists_are_refused_before_any_run(run_script, tmp_path, capsys, setting, message):
    # check() runs before the first simulation, so the error comes at once and no table is written
    with pytest.raises(SystemExit) as exc:
        run_script("analysis/transfer.py", ["--quick", "--set", setting, "--out", str(tmp_path / "t.csv")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "t.csv").exists()
