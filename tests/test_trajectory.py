"""What a Trajectory shows of itself, and the gradient-flow progress bar (issue 8 §4).

- ``repr`` is one line: method and kernel, depth and widths, members, steps, recorded points,
  final loss (a range for an ensemble) and how many members diverged; never the arrays.
- ``gradient_flow(progress=True)`` shows a bar over integrated time on a terminal, and the
  bar only reads the solver's time: the integration is identical with and without it.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from linnet import Statistics, network, train
from linnet.data import teacher_task


@pytest.fixture
def task():
    return teacher_task(6, 4, 30, rng=np.random.default_rng(0))


@pytest.fixture
def stats(task):
    return Statistics.from_data(task.X, task.Y)


def _one_line_without_arrays(text):
    assert "\n" not in text and "array(" not in text
    assert len(text) < 200  # a summary, whatever the number of recorded steps


def test_repr_of_one_network(stats):
    ws = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(1))
    tr = train.gradient_descent(ws, stats, 0.1, 500, kernel="numpy")
    text = repr(tr)
    _one_line_without_arrays(text)
    assert text.startswith("Trajectory(gradient descent [numpy], depth 2 (6-5-4), 500 steps, ")
    assert f"{tr.step.size} recorded" in text
    assert f"final loss {tr.loss[-1]:.4g}" in text
    assert "members" not in text and "diverged" not in text


def test_repr_of_an_ensemble_with_diverged_members(stats):
    ws = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(1), ensemble=3)
    s1 = float(stats.modes.s[0])
    # Two members at 3x the two-layer bound 1/s1 diverge; one at a tenth of it converges.
    lr = np.array([0.1, 3.0, 3.0]) / s1
    tr = train.gradient_descent(ws, stats, lr, 300, kernel="numpy")
    assert int(tr.diverged.sum()) == 2
    text = repr(tr)
    _one_line_without_arrays(text)
    assert "3 members" in text and text.endswith(", 2 diverged)")
    assert f"final loss {np.nanmin(tr.loss[-1]):.4g}" in text


def test_repr_of_an_ensemble_gives_the_range_of_final_losses(stats):
    ws = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(1), ensemble=2)
    tr = train.gradient_descent(ws, stats, np.array([0.01, 0.1]), 50, kernel="numpy")
    lo, hi = np.min(tr.loss[-1]), np.max(tr.loss[-1])
    assert lo < hi
    assert f"final loss {lo:.4g} to {hi:.4g}" in repr(tr)


def test_repr_of_sgd_and_gradient_flow(task, stats):
    ws = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(1))
    tr = train.sgd(ws, task.X, task.Y, 0.1, 20, batch_size=5, rng=np.random.default_rng(0))
    text = repr(tr)
    _one_line_without_arrays(text)
    assert text.startswith("Trajectory(SGD (batch 5 of 30), depth 2 (6-5-4), 20 steps")
    fl = train.gradient_flow(ws, stats, np.linspace(0, 5, 40))
    text = repr(fl)
    _one_line_without_arrays(text)
    assert text.startswith("Trajectory(gradient flow [solve_ivp DOP853], depth 2 (6-5-4), t from 0 to 5, "
                           "40 recorded")


def test_gradient_flow_progress_bar_changes_nothing(stats, capsys, monkeypatch):
    ws = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(1))
    times = np.concatenate([[0.0], np.geomspace(1e-2, 1e3, 30)])
    off = train.gradient_flow(ws, stats, times, progress=False)
    # Pretend stderr is a terminal, and show the bar at once, so that it is really drawn.
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(train, "_FLOW_BAR_DELAY", 0.0)
    on = train.gradient_flow(ws, stats, times, progress=True)
    assert "/1.00k" in capsys.readouterr().err  # the bar ran over t up to times[-1] = 1e3
    # The bar reads the solver's time but changes none of its numbers: equal to the last bit.
    np.testing.assert_array_equal(on.product, off.product)
    np.testing.assert_array_equal(on.loss, off.loss)
    for a, b in zip(on.weights, off.weights):
        np.testing.assert_array_equal(a, b)
