"""The real command lines, run as a user runs them (subprocesses): bad input is one line on
standard error naming the option and the fix, exit 2, never a traceback; output places are
checked before any work; help text is plain; the Makefile keys tables on their data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from linnet import cli, sweep, tables
from linnet.data import FASHION_DIR, write_idx

ROOT = Path(__file__).resolve().parents[1]


def _run(*argv, cwd=ROOT, env=None, script=None):
    cmd = [sys.executable, *(["-m", "linnet"] if script is None else [str(ROOT / script)]), *argv]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def _one_line_error(proc, *needles):
    """Exit 2, exactly one line on stderr, no traceback, and every needle in that line."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _fake_idx_folder(folder: Path, n_train: int = 30, seed: int = 0) -> Path:
    """The four IDX files of a tiny MNIST-format data set (random pixels, labels 0..9)."""
    rng = np.random.default_rng(seed)
    for part, n in (("train", n_train), ("t10k", 20)):
        write_idx(folder / f"{part}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


# ---------------------------------------------------------------------------- one-line errors
def test_no_command_prints_help_and_exits_2():
    proc = _run()
    assert proc.returncode == 2 and "usage: linnet" in proc.stderr and "sweep" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1] == "linnet: error: a command is required (download or sweep)"


def test_sweep_out_is_a_directory(tmp_path):
    _one_line_error(_run("sweep", "--steps", "5", "--cache", "none", "--out", str(tmp_path)),
                    "--out", "is a directory", "give a file name")


def test_sweep_cache_is_a_file(tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    _one_line_error(_run("sweep", "--steps", "5", "--cache", str(tmp_path / "cache"),
                         "--out", str(tmp_path / "t.csv")),
                    "--cache", "is a file, not a folder")


def test_sweep_unwritable_out_fails_before_any_work(tmp_path):
    """The folder of --out cannot exist (its 'parent' is a file): found before the sweep runs,
    so no configuration was computed into the cache."""
    (tmp_path / "plain").write_text("")
    cache = tmp_path / "cache"
    _one_line_error(_run("sweep", "--steps", "100000", "--cache", str(cache),
                         "--out", str(tmp_path / "plain" / "t.csv")), "--out", "cannot create")
    assert not list(cache.glob("*.csv"))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permission bits do not stop root (the probe file test above covers it)")
def test_sweep_read_only_out_folder_fails_before_any_work(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        _one_line_error(_run("sweep", "--steps", "100000", "--cache", "none",
                             "--out", str(ro / "t.csv")), "--out", "cannot write")
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("argv, needles", [
    (["download", "--base-url", "notaurl"], ["--base-url", "must be a URL"]),
    (["download", "--timeout", "-1"], ["--timeout", "must be a finite number > 0"]),
    (["sweep", "--jobs", "0"], ["--jobs", "-1: every core"]),
    (["sweep", "--jobs", "-100000"], ["--jobs", "-1: every core"]),
    (["sweep", "--steps", "x"], ["--steps", "an integer >= 0"]),
    (["sweep", "--dataset", "teacher", "--data-dir", "."], ["--data-dir", "one image --dataset"]),
], ids=["base-url", "timeout", "jobs-0", "jobs-too-negative", "steps", "data-dir-teacher"])
def test_bad_option_is_one_line_naming_the_flag(tmp_path, argv, needles):
    _one_line_error(_run(*argv, "--dest" if argv[0] == "download" else "--out",
                         str(tmp_path / ("dest" if argv[0] == "download" else "t.csv"))), *needles)


def test_jobs_minus_one_means_every_core():
    """joblib's rule, one rule for both signs: -1 is every core, 0 is refused."""
    assert sweep.worker_count(-1) == os.cpu_count()
    assert sweep.worker_count(3) == 3
    with pytest.raises(ValueError, match=r"--jobs must be N > 0 workers.*got 0"):
        sweep.worker_count(0, "--jobs")


@pytest.mark.skipif(FASHION_DIR.is_dir(), reason="Fashion-MNIST is installed here")
def test_sweep_fashion_missing_names_data_dir_and_it_works(tmp_path):
    line = _one_line_error(_run("sweep", "--dataset", "fashion", "--cache", "none",
                                "--out", str(tmp_path / "t.csv")), "--data-dir DIR", "download")
    assert "DATA_DIR" not in line
    folder = _fake_idx_folder(tmp_path / "fashion", n_train=150)  # > 100 components to whiten
    proc = _run("sweep", "--dataset", "fashion", "--data-dir", str(folder), "--steps", "3",
                "--records", "2", "--cache", "none", "--out", str(tmp_path / "t.csv"), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    t = tables.read(tmp_path / "t.csv")
    assert (t["dataset"] == "fashion").all() and (t["data_source"] == str(folder)).all()


def test_analysis_bad_data_dir_is_one_line(tmp_path):
    folder = _fake_idx_folder(tmp_path / "idx")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    _one_line_error(_run("--quick", "--data-dir", str(folder), "--out", str(tmp_path / "t.csv"),
                         script="analysis/mnist_vectors.py"),
                    "--data-dir", "t10k-labels-idx1-ubyte", "linnet download")
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")  # present but damaged
    _one_line_error(_run("--quick", "--data-dir", str(folder), "--out", str(tmp_path / "t.csv"),
                         script="analysis/mnist_vectors.py"),
                    "t10k-labels-idx1-ubyte.gz", "not gzip")


def test_analysis_unwritable_out_is_one_line(tmp_path):
    (tmp_path / "plain").write_text("")
    _one_line_error(_run("--quick", "--out", str(tmp_path / "plain" / "t.csv"),
                         script="analysis/lr_stability.py"), "--out", "cannot create")


# ---------------------------------------------------------------------------- quick tables
def test_quick_tables_do_not_replace_the_real_ones(tmp_path, monkeypatch):
    from conftest import load_script

    spec = load_script("analysis/teacher_loss.py").TeacherLoss
    monkeypatch.chdir(tmp_path)
    from linnet import experiment

    def out(argv):
        return experiment.parse_args("teacher_loss", None, spec, argv).out

    assert out([]) == Path("results/teacher_loss.csv")
    assert out(["--quick"]) == Path("results/quick/teacher_loss.csv")
    assert out(["--quick", "--out", "x.csv"]) == Path("x.csv")  # asked for
    assert out(["--set", "lr=0.005"]) == Path("results/set/teacher_loss.csv")  # changed


# ---------------------------------------------------------------------------- summary, warnings
def test_sweep_summary_counts_diverged_runs(tmp_path, capsys):
    # η = 50 on the teacher (s1 = 4, bound 2/(2·4) = 0.25) diverges; η = 0.01 does not.
    assert cli.main(["sweep", "--lr", "0.01", "50", "--steps", "40", "--records", "4",
                     "--cache", "none", "--out", str(tmp_path / "t.csv"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 configurations" in out and "1 diverged (at lr 50;" in out


def test_damaged_cache_entry_is_reported_once(tmp_path):
    argv = ["sweep", "--steps", "20", "--records", "3", "--cache", str(tmp_path / "cache"),
            "--out", str(tmp_path / "t.csv"), "--no-progress"]
    assert _run(*argv).returncode == 0
    (entry,) = (tmp_path / "cache").glob("*.csv")
    entry.write_text("garbage")
    proc = _run(*argv)
    assert proc.returncode == 0 and proc.stderr.count("is damaged") == 1, proc.stderr


# ---------------------------------------------------------------------------- help text
def test_help_is_plain_text_with_defaults():
    sweep_help = _run("sweep", "--help").stdout
    options = sweep_help.split("\noptions:", 1)[1]
    for option, default in (("--lr", "0.05"), ("--steps", "1000"), ("--jobs", "1"),
                            ("--batch-size", "32"), ("--records", "30"), ("--depth", "2")):
        block = options.split(f"\n  {option} ", 1)[1].split("\n  --", 1)[0]
        assert f"(default: {default})" in " ".join(block.split()), (option, block)
    analysis_help = _run("--help", script="analysis/teacher_loss.py").stdout
    for markup in ("``", ":math:", ":func:", ".. math::", "\\mathcal"):
        assert markup not in analysis_help and markup not in sweep_help, markup


def test_help_text_converts_markup():
    doc = "See ``x`` and :func:`~linnet.train.sgd`, :math:`\\eta \\to \\alpha` `site <https://a.b>`_."
    assert cli.help_text(doc) == "See x and sgd, η → α site (https://a.b)."
    # \to is not the start of \top; \, needs no letter boundary; \frac as a quotient.
    assert cli.help_text(":math:`W^\\top e\\,x \\to \\frac{1}{2P}`") == "W^ᵀ e x → 1/(2P)"


# ---------------------------------------------------------------------------- the Makefile
def _make_n(tmp_path, **variables):
    env = {**os.environ, "LINNET_DATA": str(tmp_path / "no-cache")}
    # -B: print every table's command even where the checkout already has the table (after
    # `make figures` the embedded sample's tables are up to date and -n alone prints nothing).
    proc = subprocess.run(["make", "-n", "-B", "tables", *(f"{k}={v}" for k, v in variables.items())],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if "analysis/mnist_modes.py" in line]


@pytest.mark.skipif(subprocess.run(["make", "--version"], capture_output=True).returncode != 0,
                    reason="GNU make is not installed")
def test_make_keys_tables_on_their_data(tmp_path):
    """Two DATA_DIR folders never share a results folder; the same folder always gets the same one."""
    a = _fake_idx_folder(tmp_path / "a", n_train=30)
    b = _fake_idx_folder(tmp_path / "b", n_train=40)
    (line_a,), (line_b,), (again,) = _make_n(tmp_path, DATA_DIR=a), _make_n(tmp_path, DATA_DIR=b), \
        _make_n(tmp_path, DATA_DIR=a)
    out_a, out_b = (line.split("--out ")[1].split("/")[1] for line in (line_a, line_b))
    assert out_a.startswith("mnist-idx-") and out_b.startswith("mnist-idx-") and out_a != out_b
    assert again == line_a and f"--data-dir {a}" in line_a and f"--data-dir {b}" in line_b
    (embedded,) = _make_n(tmp_path)
    assert "--out results/mnist/mnist_modes.csv" in embedded and "--data-dir" not in embedded


@pytest.mark.skipif(FASHION_DIR.is_dir() or subprocess.run(["make", "--version"],
                                                            capture_output=True).returncode != 0,
                    reason="Fashion-MNIST is installed here, or GNU make is not")
def test_make_missing_data_tells_a_make_user_data_dir(tmp_path):
    env = {**os.environ, "LINNET_DATA": str(tmp_path / "no-cache")}
    proc = subprocess.run(["make", "tables", "DATA=fashion"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode != 0 and "DATA_DIR=DIR" in proc.stderr and "--data-dir" not in proc.stderr
    assert "Traceback" not in proc.stderr
