"""Tidy tables (linnet.tables): atomic writes, deterministic bytes, schemas, sort order, seeds."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pandas as pd
import pytest

from linnet import tables


def _table(rng, n=40):
    return pd.DataFrame({
        "experiment": rng.choice(["aligned", "random"], n),
        "init_scale": rng.choice([1e-3, 1e-2], n),
        "lr": 0.01,
        "seed": rng.integers(0, 12, n),
        "step": rng.integers(0, 1000, n),
        "time": 0.0,
        "mode": rng.integers(0, 3, n),
        "init": "small",
        "s": rng.random(n),
        "source": rng.choice(["simulation", "theory"], n),
        "strength": rng.standard_normal(n) / 3,
    }).assign(time=lambda d: d.step * d.lr)


DEMO = ["experiment", "init", "init_scale", "lr", "seed", "step", "time", "mode", "s", "source",
        "strength"]


@pytest.fixture(autouse=True)
def _demo_schema(monkeypatch):
    """A schema of our own, so these tests do not depend on the real tables' columns."""
    monkeypatch.setitem(tables.SCHEMAS, "demo", DEMO)


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_write_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "demo.csv"
    tables.write(_table(np.random.default_rng(0)), path)
    before = path.read_bytes()

    def half_then_fail(self, fh, *args, **kwargs):
        fh.write("experiment,init\nhalf,a row")  # a partial table reaches the disk...
        raise OSError("disk full")  # ...then the write fails

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        tables.write(_table(np.random.default_rng(1)), path)
    assert path.read_bytes() == before  # the old table survives intact
    assert _files(tmp_path) == ["demo.csv"]  # and no temporary file is left


def test_write_is_atomic_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "demo_loss.csv"
    df = _table(np.random.default_rng(2)).assign(loss=1.0)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        tables.write(df, path)
    assert not path.exists()  # never a half-written table under the final name
    assert _files(path.parent) == []


def test_same_input_gives_byte_identical_files(tmp_path):
    df = _table(np.random.default_rng(3))
    a = tables.write(df, tmp_path / "a.csv", schema="demo").read_bytes()
    # Row order of the input does not matter: rows are sorted by the key columns.
    shuffled = df.sample(frac=1.0, random_state=4)
    b = tables.write(shuffled, tmp_path / "b.csv", schema="demo").read_bytes()
    assert a == b
    c = tables.write(df.copy(), tmp_path / "c.csv", schema="demo").read_bytes()
    assert a == c
    assert b"\r\n" not in a


def test_fixed_float_format(tmp_path):
    df = pd.DataFrame({"step": [0, 1], "loss": [0.1 + 0.2, 1 / 3]})
    text = tables.write(df, tmp_path / "x.csv").read_text()
    assert text == "step,loss\n0,0.3\n1,0.3333333333\n"  # %.10g: round-off never shows


def test_missing_schema_columns_are_named(tmp_path):
    df = _table(np.random.default_rng(5)).drop(columns=["strength", "seed"])
    with pytest.raises(ValueError, match=r"missing columns \['seed', 'strength'\]"):
        tables.write(df, tmp_path / "demo.csv")
    with pytest.raises(ValueError, match="missing columns"):
        tables.write(df, tmp_path / "other.csv", schema="demo")
    assert _files(tmp_path) == []


def test_unknown_schema_and_bad_input_are_clear_errors(tmp_path):
    df = _table(np.random.default_rng(6))
    with pytest.raises(ValueError, match="schema"):
        tables.write(df, tmp_path / "x.csv", schema="no_such_table")
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        tables.write(df.to_dict(), tmp_path / "x.csv")
    with pytest.raises(ValueError, match="empty"):
        tables.write(df.iloc[:0], tmp_path / "x.csv")


def test_rows_sorted_by_key_columns_keys_first(tmp_path):
    df = _table(np.random.default_rng(7))
    df = df[["strength", "s"] + [c for c in df.columns if c not in ("strength", "s")]]
    out = tables.read(tables.write(df, tmp_path / "demo.csv"))
    keys = [c for c in tables.KEY_COLUMNS if c in df.columns]
    assert list(out.columns[: len(keys)]) == keys
    assert list(out.columns[len(keys):]) == ["strength", "s"]  # others keep their order
    # Numeric keys sort numerically (step 9 before step 10), lexicographically across keys.
    expected = df.sort_values(keys, kind="mergesort")[keys].reset_index(drop=True)
    pd.testing.assert_frame_equal(out[keys], expected, check_dtype=False)


def test_read_missing_table_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make"):
        tables.read(tmp_path / "nope.csv")


def test_seeds_are_derived_from_keys_only():
    assert tables.seed_for("teacher", 3) == [tables.BASE_SEED, zlib.crc32(b"teacher"), 3]
    a = tables.rng_for("teacher_modes", "init", 5).standard_normal(4)
    b = tables.rng_for("teacher_modes", "init", 5).standard_normal(4)
    c = tables.rng_for("teacher_modes", "init", 6).standard_normal(4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # Streams depend on the key, not on how many other streams were drawn before.
    tables.rng_for("other").standard_normal(100)
    np.testing.assert_array_equal(tables.rng_for("teacher_modes", "init", 5).standard_normal(4), a)


def test_keys_and_columns_given_by_the_caller(tmp_path):
    df = pd.DataFrame({"loss": [0.5, 0.25, 1.0], "seed": [1, 0, 0], "step": [0, 5, 0]})
    out = tables.read(tables.write(df, tmp_path / "t.csv", columns=["loss"], keys=["seed", "step"]))
    assert list(out.columns) == ["seed", "step", "loss"]
    assert out[["seed", "step"]].values.tolist() == [[0, 0], [0, 5], [1, 0]]
    with pytest.raises(ValueError, match=r"missing columns \['lr'\]"):
        tables.write(df, tmp_path / "u.csv", columns=["lr"])
    with pytest.raises(ValueError, match=r"keys \['lr'\] are not columns"):
        tables.write(df, tmp_path / "u.csv", keys=["lr"])


def test_member_frames_keep_rows_and_order():
    loss = np.array([[1.0, 2.0], [0.5, np.nan]])  # (T = 2 rows, K = 2 members)
    frames = tables.member_frames({"step": np.array([0, 10]), "lr": 0.1},
                                  {"loss": loss, "k": np.array([7, 8])},
                                  keep=np.isfinite(loss), trailing={"printed": np.array([True, False])})
    t = pd.concat(frames, ignore_index=True)
    assert list(t.columns) == ["step", "lr", "seed", "loss", "k", "printed"]
    assert t[["step", "seed", "loss", "k"]].values.tolist() == [[0, 0, 1.0, 7], [10, 0, 0.5, 7],
                                                                [0, 1, 2.0, 8]]
