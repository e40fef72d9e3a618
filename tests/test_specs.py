"""Analyses as experiment specs (linnet.experiment): --set, its errors, and the parameters recorded.

Every analysis script declares a frozen dataclass of its parameters with a quick() variant
and its table's schema; ``--set key=value`` changes a field, parsed by the field's type, and
the table records every value used (a column of the field's name).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
from pathlib import Path

import pytest
from conftest import ROOT, load_script, script_spec

from linnet import experiment, tables

SCRIPTS = sorted(p.stem for p in (ROOT / "analysis").glob("[a-z]*.py"))


@dataclasses.dataclass(frozen=True)
class Demo(experiment.Spec):
    lr: float = 0.01
    seeds: int = 8
    name: str = "a"
    white: bool = True
    depths: tuple[int, ...] = (2, 3)
    scales: tuple[float, ...] = (0.1,)


def _error_line(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        experiment.parse_args("demo", None, Demo, argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line, no traceback or usage block
    return err


def test_set_parses_each_field_by_its_type(tmp_path):
    args = experiment.parse_args("demo", None, Demo, [
        "--set", "lr=5e-3", "--set", "seeds=3", "--set", "name=b", "--set", "white=false",
        "--set", "depths=2, 4,8", "--set", "scales=", "--out", str(tmp_path / "t.csv")])
    assert args.spec == Demo(lr=0.005, seeds=3, name="b", white=False, depths=(2, 4, 8), scales=())
    assert type(args.spec.seeds) is int and type(args.spec.lr) is float


def test_set_applies_on_top_of_quick_and_the_last_one_wins(tmp_path):
    spec = script_spec("teacher_modes")
    args = experiment.parse_args("teacher_modes", None, spec, [
        "--quick", "--set", "seeds=4", "--set", "seeds=3", "--out", str(tmp_path / "t.csv")])
    assert args.spec == dataclasses.replace(spec.quick(), seeds=3)


@dataclasses.dataclass(frozen=True)
class PaperDemo(Demo):
    @classmethod
    def paper(cls):
        return cls(seeds=100)


def test_paper_runs_the_paper_size_into_results_paper(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args = experiment.parse_args("demo", None, PaperDemo, ["--paper", "--set", "lr=0.1"])
    assert args.spec == PaperDemo(seeds=100, lr=0.1)
    assert args.out == Path("results/paper/set/demo.csv")
    assert experiment.parse_args("demo", None, PaperDemo, ["--paper"]).out == Path("results/paper/demo.csv")
    assert "seeds (int): 8, --paper 100" in experiment.parser("demo", None, PaperDemo).epilog


def test_quick_and_paper_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exc:
        experiment.parse_args("demo", None, PaperDemo, ["--quick", "--paper"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_unknown_key_names_it_and_the_valid_ones(capsys):
    err = _error_line(capsys, ["--set", "lrr=0.1"])
    assert "unknown parameter 'lrr'" in err
    assert "valid: lr, seeds, name, white, depths, scales" in err


@pytest.mark.parametrize("text, words", [
    ("seeds=3.5", ["seeds takes an int", "'3.5'"]),
    ("lr=fast", ["lr takes a float", "'fast'"]),
    ("white=maybe", ["white takes a bool", "true or false"]),
    ("depths=2,x", ["depths takes a comma list of int", "'2,x'"]),
    ("lr", ["KEY=VALUE"]),
    ("seeds=0", ["seeds is a count or a size", ">= 1", "got 0"]),  # parses, but not a count
    ("lr=nan", ["lr must be a finite number"]),
])
def test_bad_value_is_one_line_naming_field_and_type(capsys, text, words):
    err = _error_line(capsys, ["--set", text])
    assert all(w in err for w in words), err


def test_a_spec_field_of_an_unsupported_type_is_refused():
    with pytest.raises(TypeError, match="int, float, str, bool or tuple"):
        experiment.parse_value("1", list, "x")


@pytest.mark.parametrize("setting, message", [
    ("lr=-1", "lr must be finite and > 0"),       # a value the library refuses
    ("lr=1", "the loss became non-finite"),       # a step past the stability bound: divergence
    ("n_out=30", "must be below s"),              # a spectrum that falls below the initial u0
])
def test_a_set_value_the_run_cannot_use_is_one_line(tmp_path, setting, message):
    """Errors met during the run (not at parsing) are one line naming the --set values, exit 2."""
    proc = subprocess.run([sys.executable, "analysis/teacher_modes.py", "--quick", "--set", setting,
                           "--out", str(tmp_path / "t.csv"), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert message in proc.stderr and f"(with --set {setting})" in proc.stderr
    assert not (tmp_path / "t.csv").exists()  # nothing half-written


def test_a_set_value_the_mnist_notebook_cannot_use_is_one_line(tmp_path):
    """mnist_seed_notebook ran its simulations outside the error handler (a traceback)."""
    proc = subprocess.run([sys.executable, "analysis/mnist_seed_notebook.py", "--quick",
                           "--set", "n_out=5", "--out", str(tmp_path / "t.csv"), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "(with --set n_out=5)" in proc.stderr


def test_judging_command_records_lr_and_seeds(tmp_path):
    """analysis/teacher_modes.py --set lr=0.005 --set seeds=3 --out ... (the README's example)."""
    out = tmp_path / "teacher_modes_lr005.csv"
    proc = subprocess.run([sys.executable, "analysis/teacher_modes.py", "--set", "lr=0.005",
                           "--set", "seeds=3", "--out", str(out), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    t = tables.read(out)
    assert (t.lr == 0.005).all() and (t.seeds == 3).all()
    assert sorted(set(t.seed)) == [0, 1, 2]
    # time = step·η at the η that was set; the CSV keeps 10 significant digits: 1e-9 relative
    np.testing.assert_allclose(t.time, t.step * 0.005, rtol=1e-9, atol=0)
    assert (t.steps == 4000).all() and (t.inits == "aligned,random").all()  # the defaults, recorded


def test_changed_table_does_not_replace_makes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = experiment.parse_args("teacher_modes", None, script_spec("teacher_modes"),
                                 ["--set", "seeds=2"])
    assert str(args.out) == "results/set/teacher_modes.csv"


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_is_a_spec_with_a_quick_variant_and_help(name, capsys):
    spec = script_spec(name)
    assert dataclasses.is_dataclass(spec) and spec.__dataclass_params__.frozen
    quick, default = spec.quick(), spec()
    assert isinstance(quick, spec) and spec.schema.keys  # each table names its key columns
    # Every field survives a round trip through its recorded text (what --set KEY=<cell> reads).
    for key, value in default.parameters().items():
        text = str(experiment.format_value(value))
        assert default.assign([f"{key}={text}"]) == default, key
    with pytest.raises(SystemExit):
        load_script(f"analysis/{name}.py").main(["--help"])
    out = capsys.readouterr().out
    assert "--set KEY=VALUE" in out and all(f"  {k} (" in out for k in default.parameters())


def test_scripts_import_no_other_script():
    for name in SCRIPTS:
        text = (ROOT / "analysis" / f"{name}.py").read_text()
        others = [o for o in SCRIPTS if o != name and (f"import {o}" in text or f"from {o} " in text)]
        assert not others and "import _" not in text, (name, others)


def test_make_dependencies_follow_the_imports():
    """tools/deps.py: a table depends on the library modules its script's imports reach, only."""
    proc = subprocess.run([sys.executable, "tools/deps.py", "analysis"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    deps = {line.split(":")[0].split()[0]: set(line.split(":", 1)[1].split())
            for line in proc.stdout.splitlines()}
    assert set(deps) == {f"results/{n}.csv" for n in SCRIPTS}
    teacher, notebook = deps["results/teacher_modes.csv"], deps["results/seed_notebook.csv"]
    assert {"linnet/experiment.py", "linnet/setups.py", "linnet/train.py", "linnet/tables.py"} <= teacher
    assert "linnet/notebook.py" not in teacher and "linnet/notebook.py" in notebook
    assert not any(p.startswith(("analysis/", "bench/", "tools/")) for p in teacher | notebook)


def test_out_of_range_value_names_the_set_flag(capsys):
    err = _error_line(capsys, ["--set", "seeds=-1"])
    assert "--set seeds=-1: seeds is a count or a size" in err
