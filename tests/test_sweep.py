"""Sweeps: grids, byte-identical tables on every backend, resumable after a kill, cache checks.

Reproducibility is asserted on the bytes of the table that :func:`linnet.tables.write` writes,
because that is what a user compares: no tolerance is involved.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from linnet import sweep, tables

ROOT = Path(__file__).resolve().parents[1]

# Small but real: two-layer networks on the teacher task, every axis that an ensemble batches
# (seed, init_scale, lr) present, plus a second depth so that two groups exist. 16 configs.
GRID = dict(depth=[2, 3], init_scale=[1e-3, 1e-1], lr=[0.02, 0.3], seed=[0, 1], steps=150,
            records=12)

CALLS: list[int] = []  # sizes of the groups computed by counting_group (in this process)


def counting_group(configs, *, progress):
    """train_group that records what it was asked to compute (n_jobs=1 runs in-process)."""
    CALLS.append(len(configs))
    return sweep.train_group(configs, progress=progress)


def _table(df, path) -> bytes:
    return tables.write(df, path, schema="sweep").read_bytes()


@pytest.fixture
def configs():
    return sweep.grid(**GRID)


# ---------------------------------------------------------------------------- grid and configs
def test_grid_expands_every_combination_and_validates():
    cs = sweep.grid(lr=[0.01, 0.05], seed=range(3), dataset="teacher")
    assert len(cs) == 6 and len(set(cs)) == 6
    assert {(c.lr, c.seed) for c in cs} == {(a, b) for a in (0.01, 0.05) for b in range(3)}
    with pytest.raises(ValueError, match="no field"):
        sweep.grid(learning_rate=[0.1])
    with pytest.raises(ValueError, match="dataset must be one of"):
        sweep.RunConfig(dataset="cifar")
    with pytest.raises(ValueError, match="lr"):
        sweep.RunConfig(lr=-1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cs[0].lr = 1.0


def test_numpy_and_python_numbers_give_one_configuration():
    import numpy as np

    a = sweep.RunConfig(lr=np.float64(0.05), seed=np.int64(2))
    b = sweep.RunConfig(lr=0.05, seed=2)
    assert a == b and sweep.cache_key(a) == sweep.cache_key(b)


def test_cache_entries_of_the_single_module_sweep_stay_valid(monkeypatch):
    """Key and entry text of linnet 0.1's one-module sweep (computed with its code, version
    pinned): a cache filled before the sweep became a package is read, not recomputed."""
    import pandas as pd

    import linnet

    monkeypatch.setattr(linnet, "__version__", "0.1.0", raising=False)
    assert sweep.cache_key(sweep.RunConfig(lr=0.1, seed=3, depth=3)) == \
        "a0daa7988986ea8610abbd0fa65f7e2d0f69d39f"
    text = sweep.cache.entry(sweep.RunConfig(lr=0.1),
                             pd.DataFrame({"step": [0, 1], "loss": [1.0, 0.123456789012]}))
    assert text.partition("\n")[0] == \
        "# linnet-sweep-1 sha256=601da9590e388bbbea28cf711552f1222fd6721083b08b7a0a9780af5fe9e6dc"


def test_groups_are_cut_from_the_configurations_alone():
    configs = sweep.grid(depth=[2, 3], lr=[0.01, 0.02, 0.03], seed=range(2))
    cut = sweep.execution.groups(configs, 4)
    assert [len(g) for g in cut] == [4, 2, 4, 2]  # per depth: 6 runs in groups of at most 4
    assert all(len({c.group_key() for c in g}) == 1 for g in cut)
    assert [c for g in cut for c in g] == configs  # every configuration once, in order
    with pytest.raises(ValueError, match="batch_size"):
        sweep.execution.groups(configs, 0)


def test_run_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="configs is empty"):
        sweep.run([], cache_dir=tmp_path)
    with pytest.raises(TypeError, match="frozen dataclasses"):
        sweep.run([{"lr": 0.1}], cache_dir=tmp_path)
    with pytest.raises(ValueError, match="n_jobs"):
        sweep.run(sweep.grid(steps=1), n_jobs=0, cache_dir=tmp_path)


# ---------------------------------------------------------------------------- reproducibility
def test_same_table_with_one_worker_two_workers_and_dask(configs, tmp_path):
    one = _table(sweep.run(configs, cache_dir=None, n_jobs=1, progress=False), tmp_path / "1.csv")
    # batch_size=3 also changes how the groups are cut: the numbers must not move.
    two = _table(sweep.run(configs, cache_dir=None, n_jobs=2, batch_size=3, progress=False),
                 tmp_path / "2.csv")
    assert two == one
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        dask = _table(sweep.run(configs, cache_dir=tmp_path / "cache", batch_size=5,
                                scheduler=cluster.scheduler_address, progress=False),
                      tmp_path / "dask.csv")
    assert dask == one
    # ... and read back from the cache the Dask run filled, again the same bytes.
    cached = _table(sweep.run(configs, cache_dir=tmp_path / "cache", progress=False),
                    tmp_path / "cached.csv")
    assert cached == one


def test_finished_sweep_computes_nothing(configs, tmp_path):
    CALLS.clear()
    first = sweep.run(configs, counting_group, cache_dir=tmp_path, progress=False)
    assert sum(CALLS) == len(configs)
    assert len(list(tmp_path.glob("*.csv"))) == len(configs)
    CALLS.clear()
    again = sweep.run(configs, counting_group, cache_dir=tmp_path, progress=False)
    assert CALLS == []
    assert again.attrs["sweep"] == {"configurations": len(configs), "computed": 0,
                                    "cached": len(configs)}
    assert _table(again, tmp_path / "a.csv") == _table(first, tmp_path / "b.csv")


def test_ensemble_rows_equal_single_runs(configs, tmp_path):
    """batch_size=1 trains each network alone: the table must not change."""
    alone = sweep.run(configs[:8], cache_dir=None, batch_size=1, progress=False)
    together = sweep.run(configs[:8], cache_dir=None, batch_size=8, progress=False)
    assert _table(alone, tmp_path / "a.csv") == _table(together, tmp_path / "b.csv")


# ---------------------------------------------------------------------------- interruption
_CHILD = textwrap.dedent("""
    import pathlib
    import sys
    import time
    sys.path.insert(0, sys.argv[2])
    from test_sweep import INTERRUPT_GRID, counting_group  # the same function: the same cache keys
    from linnet import sweep

    computed = []
    train_group = sweep.train_group

    def stop_in_the_fourth(configs, *, progress):
        # One network at a time (batch_size=1): three entries are on disk when the fourth starts.
        # Say so, then wait inside it for the parent's signal, so the kill lands half-way on any
        # machine, however loaded (the signal handler raises out of the sleep).
        computed.append(configs)
        if len(computed) == 4:
            pathlib.Path(sys.argv[3]).touch()
            # Short sleeps, not one long one: the kernel may hand the signal to another thread
            # (OpenBLAS's), and Python runs its handler only when the main thread next executes
            # bytecode, so a single sleep(120) could outlast the parent's wait.
            for _ in range(1200):
                time.sleep(0.1)
        return train_group(configs, progress=progress)

    sweep.train_group = stop_in_the_fourth  # counting_group looks it up at call time
    sweep.run(sweep.grid(**INTERRUPT_GRID), counting_group, cache_dir=sys.argv[1], batch_size=1,
              progress=False)
""")
INTERRUPT_GRID = dict(lr=[0.01, 0.02, 0.03, 0.04], seed=range(6), steps=300, records=10)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_sweep_resumes_to_the_same_table(sig, tmp_path):
    cache = tmp_path / "cache"
    ready = tmp_path / "fourth_started"
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    configs = sweep.grid(**INTERRUPT_GRID)
    proc = subprocess.Popen([sys.executable, str(script), str(cache), str(Path(__file__).parent),
                             str(ready)],
                            cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # A guard against hanging, not a timing check: generous, because on a loaded two-core
        # machine (a CI run, the docs build beside it) the child's imports alone take seconds.
        deadline = time.monotonic() + 240
        while not ready.exists():  # wait until the child is inside its fourth network ...
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the child did not reach its fourth network in 240 s"
            time.sleep(0.02)
        proc.send_signal(sig)  # ... then kill it half-way
        proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()  # reap it and close its pipes (else a ResourceWarning in a later test)
    done = len(list(cache.glob("*.csv")))
    # Exactly the three finished entries: the fourth, interrupted, left none.
    assert proc.returncode != 0 and done == 3, (proc.returncode, done)
    CALLS.clear()
    resumed = sweep.run(configs, counting_group, cache_dir=cache, progress=False)
    assert sum(CALLS) == len(configs) - done  # only what was missing
    fresh = sweep.run(configs, cache_dir=None, progress=False)
    assert _table(resumed, tmp_path / "resumed.csv") == _table(fresh, tmp_path / "fresh.csv")


# ---------------------------------------------------------------------------- clean exit
_WORKERS_CHILD = textwrap.dedent("""
    import json
    import os
    from pathlib import Path

    from linnet import sweep

    def children(pid):
        \"\"\"(pid, command line) of every descendant of ``pid``: psutil, else a /proc scan.\"\"\"
        try:
            import psutil
        except ImportError:
            parents = {}
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                        cmd = (entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode()
                    except OSError:  # exited while we looked
                        continue
                    ppid = int(stat.rpartition(")")[2].split()[1])
                    parents.setdefault(ppid, []).append((int(entry.name), cmd))
            found, todo = [], [pid]
            while todo:
                for child in parents.get(todo.pop(), []):
                    found.append(child)
                    todo.append(child[0])
            return found
        return [(p.pid, " ".join(p.cmdline())) for p in psutil.Process(pid).children(recursive=True)]

    df = sweep.run(sweep.grid(lr=[0.01, 0.02, 0.03, 0.04], steps=20, records=3), cache_dir=None,
                   n_jobs=2, batch_size=1, progress=False)
    print(json.dumps({"runs": df["lr"].nunique(), "children": children(os.getpid())}))
""")


def test_finished_sweep_leaves_no_worker_processes(tmp_path):
    """After a 2-worker sweep returns, its process has no worker processes left.

    The resource trackers of multiprocessing and loky stay: one per process, started on first
    use, idle, they exit with it; stopping them early would unlink shared resources (semaphores,
    shared memory) that other code of the program may still hold.
    """
    script = tmp_path / "child.py"
    script.write_text(_WORKERS_CHILD)
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["runs"] == 4  # the sweep did run, in 4 groups over 2 workers
    left = [cmd for _, cmd in report["children"] if "resource_tracker" not in cmd]
    assert left == [], left


# ---------------------------------------------------------------------------- damaged entries
def _damage_digit(path: Path):
    text = path.read_text()
    i = text.rindex("0.")  # a digit in the last data line: the CSV still parses
    path.write_text(text[:i] + "9." + text[i + 2:])


def _truncate(path: Path):
    path.write_bytes(path.read_bytes()[:-40])


def _garbage(path: Path):
    path.write_bytes(b"\x00\xff not a table")


@pytest.mark.parametrize("damage", [_damage_digit, _truncate, _garbage])
def test_damaged_entry_is_reported_and_recomputed(damage, tmp_path):
    configs = sweep.grid(lr=[0.02, 0.05], seed=range(2), steps=100, records=8)
    cache = tmp_path / "cache"
    first = _table(sweep.run(configs, counting_group, cache_dir=cache, progress=False),
                   tmp_path / "a.csv")
    victim = cache / f"{sweep.cache_key(configs[1], counting_group)}.csv"
    damage(victim)
    CALLS.clear()
    with pytest.warns(sweep.CacheWarning, match="damaged"):
        again = sweep.run(configs, counting_group, cache_dir=cache, progress=False)
    assert CALLS == [1]  # exactly the damaged configuration, never the damaged numbers
    assert _table(again, tmp_path / "b.csv") == first
    # The entry was rewritten whole: a third run reads everything and warns about nothing.
    CALLS.clear()
    sweep.run(configs, counting_group, cache_dir=cache, progress=False)
    assert CALLS == []


def test_entry_of_another_configuration_is_not_used(tmp_path):
    configs = sweep.grid(lr=[0.02, 0.05], steps=50, records=5)
    cache = tmp_path / "cache"
    sweep.run(configs, counting_group, cache_dir=cache, progress=False)
    a, b = (cache / f"{sweep.cache_key(c, counting_group)}.csv" for c in configs)
    b.write_bytes(a.read_bytes())  # a valid checksum, but the rows of lr = 0.02
    CALLS.clear()
    with pytest.warns(sweep.CacheWarning, match="another configuration"):
        sweep.run(configs, counting_group, cache_dir=cache, progress=False)
    assert CALLS == [1]


def test_cli_sweep_writes_the_table(tmp_path, capsys):
    from linnet.cli import main

    out = tmp_path / "sweep.csv"
    argv = ["sweep", "--lr", "0.02", "0.05", "--seeds", "2", "--steps", "60", "--records", "6",
            "--cache", str(tmp_path / "cache"), "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    df = tables.read(out)
    assert set(tables.SCHEMAS["sweep"]) <= set(df.columns)
    assert len(df.groupby(["lr", "seed"])) == 4
    assert main(argv[:-3] + ["--out", str(tmp_path / "again.csv"), "--no-progress"]) == 0
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--lr", "-1", "--cache", "none", "--out", str(out)])
    assert exc.value.code == 2
    assert "argument --lr: must be a finite number > 0" in capsys.readouterr().err
