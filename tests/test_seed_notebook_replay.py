"""The replay of the seed notebook (analysis/seed_notebook_replay.py) against the notebook's own code.

- On a small set built the notebook's way (whitening fitted on a larger set, then its first
  rows, so Σ11 ≠ I), the replay's steps, losses and In[27] gradients equal those of the
  notebook's cells (tests/_oracles.py) to 1e-12 relative; at the old mapping η = lr/P they do not.
- Its table: one row per printed line, loss_nb = 2 loss, the notebook's printed values beside.
- The draws are the legacy stream in the notebook's cell order.
- Smoke tests: ``--quick`` on the embedded sample, ``--data-dir`` on a folder of IDX files,
  one-line errors, the figure.
"""

from __future__ import annotations

import numpy as np
import pytest
from _oracles import run_notebook
from conftest import load_script

from linnet import Statistics, data, tables, train

LRS = [1.0, 10.0, 10.0, 10.0]  # In[29]'s step, then three of In[31]'s
LOOP_STEPS = len(LRS) - 1


@pytest.fixture(scope="module")
def replay():
    return load_script("analysis/seed_notebook_replay.py")


def rel(a, b) -> float:
    """Frobenius-norm relative difference ‖a − b‖ / ‖b‖."""
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def small_notebook_task(seed: int):
    """The notebook's construction at a small size: N = 8 whitened components fitted on 400
    samples of 30 correlated features, the first P = 60 rows kept (not re-whitened), a
    standard-normal teacher (3, 8), Y = X W*ᵀ, weights of std 0.3 (H = 5)."""
    rng = np.random.default_rng([11, seed])
    raw = rng.standard_normal((400, 30)) @ rng.standard_normal((30, 30)) + 3.0
    X = data.fit_whitening(raw, 8).transform(raw)[:60]
    teacher = rng.standard_normal((3, 8))
    W21, W32 = 0.3 * rng.standard_normal((5, 8)), 0.3 * rng.standard_normal((3, 5))
    return X, X @ teacher.T, teacher, (W21, W32)


@pytest.mark.parametrize("seed", range(3))
def test_replay_is_the_notebook_code(replay, seed):
    X, Y, _, (W21, W32) = small_notebook_task(seed)
    P = X.shape[0]
    stats = Statistics.from_data(X, Y)
    assert not stats.is_white  # the notebook's rows of a whitened set are not white themselves
    run = replay.replay((W21, W32), stats, LOOP_STEPS)
    nb_weights, nb_loss, nb_grads = run_notebook(W21, W32, X, Y, LRS)
    np.testing.assert_array_equal(run["step"], [0, 1, len(LRS)])
    # The same arithmetic in two summation orders (per-sample outer products averaged, against
    # products of the statistics): relative round-off ~P·eps ≈ 1e-14 a step; η·λ ≤ 1.6 here (λ
    # at most the Gauss-Newton sharpness times λ_max(Σ11)), so four steps do not amplify it
    # (measured ≤ 3e-15). 1e-12 is the criterion.
    for mine, theirs in zip(run["weights"], nb_weights[-1]):
        assert rel(mine, theirs) < 1e-12
    for mine, theirs in zip(run["gradients"], nb_grads):
        assert rel(2 / P * mine, theirs) < 1e-12  # the notebook's gradient is (2/P) ∂L/∂W
    # Its loss has no ½: L_nb = 2 L, at every recorded step (round-off as above).
    np.testing.assert_allclose(2 * run["loss"], nb_loss[run["step"]], rtol=1e-12)


def test_old_mapping_lr_over_P_misses_the_notebook(replay):
    X, Y, _, (W21, W32) = small_notebook_task(0)
    P = X.shape[0]
    stats = Statistics.from_data(X, Y)
    nb_weights, _, _ = run_notebook(W21, W32, X, Y, LRS)
    ws = (W21, W32)
    for lr in LRS:
        ws = train.gradient_descent(ws, stats, lr / P, 1).weights
    # Half the notebook's step: after four steps the weights are off by a fraction of the
    # distance travelled (measured 0.3-0.9 of the weights): 1e-3 is still 1e9 times the 1e-12
    # the replay meets.
    assert min(rel(mine, theirs) for mine, theirs in zip(ws, nb_weights[-1])) > 1e-3
    run = replay.replay((W21, W32), stats, LOOP_STEPS)
    assert max(rel(mine, theirs) for mine, theirs in zip(run["weights"], nb_weights[-1])) < 1e-12


def test_replay_rows_carry_both_conventions(replay):
    X, Y, teacher, weights = small_notebook_task(1)
    stats = Statistics.from_data(X, Y)
    run = replay.replay(weights, stats, LOOP_STEPS)
    rows = replay.replay_rows(run, {"teacher": teacher, "C31": np.zeros_like(teacher),
                                    "optimum": stats.optimum()}, X.shape[0])
    # Doubling is exact in binary floating point.
    np.testing.assert_array_equal(rows.loss_nb, 2 * rows.loss)
    losses = rows[rows.quantity.isin(["loss", "loss_before", "loss_after", "initial_loss"])]
    np.testing.assert_array_equal(losses.value, losses.loss_nb)
    np.testing.assert_array_equal(losses.linnet_value, losses.loss)
    # Without the loop's printed steps (only 3 of them), the rows are those at steps 0 and 1,
    # In[33]'s and the extra distances, in cell order.
    assert list(rows.cell) == ["In[26]"] * 2 + ["In[27]"] * 2 + ["In[29]"] * 2 + ["In[31]"] + \
        ["In[33]"] * 4 + ["replay"] * 2
    assert (rows[rows.cell == "In[33]"].step == len(LRS)).all()
    # Noiseless targets and an invertible Σ11: the optimum is the teacher, up to round-off.
    d = rows.set_index("quantity").value
    assert d["dist_optimum"] == pytest.approx(d["dist_teacher"], rel=1e-9)


def test_draws_follow_the_notebook_cell_order(replay):
    teacher, W21, W32 = replay.notebook_draws()
    # One legacy stream: W* first (In[4]), then Network's W21 and W32 (In[24]-In[25]).
    stream = np.random.RandomState(0).randn(teacher.size + W21.size + W32.size)
    np.testing.assert_array_equal(np.concatenate([teacher.ravel(), W21.ravel(), W32.ravel()]), stream)
    assert (teacher.shape, W21.shape, W32.shape) == ((10, 100), (20, 100), (10, 20))


@pytest.fixture(scope="module")
def quick_table(tmp_path_factory, replay):
    from conftest import strict_floating_point

    out = tmp_path_factory.mktemp("replay") / "seed_notebook_replay.csv"
    with strict_floating_point():
        assert replay.main(["--quick", "--no-progress", "--out", str(out)]) == 0
    return out


def test_quick_replay_table(quick_table, replay):
    t = tables.read(quick_table)
    assert set(replay.Replay.schema.required) <= set(t.columns)
    assert (t.dataset == "mnist-embedded").all() and (t.n_train == 1000).all()
    assert (t.n_whitened == 4000).all()  # whitened on the whole training set
    # One row per printed line the quick run reaches (its loop: 2,000 steps), in cell order.
    steps = replay.Replay.quick().steps
    expected = [(c, q, s) for c, q, s, _ in replay.PRINTED if s is None or s <= steps]
    got = list(zip(t.cell, t.quantity, t.step))
    last = steps + 1
    assert got[:len(expected)] == [(c, q, last if s is None else s) for c, q, s in expected]
    assert [q for c, q, _ in got[len(expected):]] == [q for _, q in replay.EXTRA]
    printed = {(c, q, s): v for c, q, s, v in replay.PRINTED}
    for c, q, s, v in zip(t.cell, t.quantity, t.step, t.notebook_value):
        key = (c, q, None if c == "In[33]" else s)
        # The printed values as the notebook printed them (the CSV keeps 10 significant digits).
        assert v == pytest.approx(printed[key], rel=1e-9) if key in printed else np.isnan(v)
    # loss_nb = 2 loss, each written to 10 significant digits: at most 1e-9 relative apart.
    np.testing.assert_allclose(t.loss_nb, 2 * t.loss, rtol=1e-9)
    # The run itself: In[29]'s step lowers the loss, and the loop's rows are finite.
    s = t.set_index(["cell", "quantity"]).value
    assert s["In[29]", "loss_after"] < s["In[29]", "loss_before"]
    assert np.isfinite(t.value).all()


def test_replay_figure(quick_table, run_script, tmp_path):
    out = tmp_path / "seed_notebook_replay.png"
    assert run_script("figures/seed_notebook_replay.py",
                      ["--tables", str(quick_table.parent), "--out", str(out)]) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".pdf").stat().st_size > 0


def _idx_folder(folder, n_train: int):
    rng = np.random.default_rng(5)
    for part, n in (("train", n_train), ("t10k", 20)):
        data.write_idx(folder / f"{part}-images-idx3-ubyte.gz",
                       rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        data.write_idx(folder / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


def test_data_dir_option(tmp_path, run_script):
    folder = _idx_folder(tmp_path / "idx", 1100)
    out = tmp_path / "replay.csv"
    assert run_script("analysis/seed_notebook_replay.py",
                      ["--quick", "--data-dir", str(folder), "--out", str(out)]) == 0
    t = tables.read(out)
    assert (t.dataset == "mnist").all() and (t.n_whitened == 1100).all()


def test_too_few_images_is_a_one_line_error(tmp_path, run_script, capsys):
    folder = _idx_folder(tmp_path / "idx", 300)
    out = tmp_path / "replay.csv"
    with pytest.raises(SystemExit) as exc:  # experiment.user_errors: one line, exit 2
        run_script("analysis/seed_notebook_replay.py",
                   ["--quick", "--data-dir", str(folder), "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "first 1000 training images" in err and "300" in err
    assert not out.exists()
