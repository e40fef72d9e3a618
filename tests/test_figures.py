"""Figures drawn from small made-up tables, checked for what a reader would see (issue 8 §4).

Each test builds the case that went wrong (close values, no divergence on one panel, a loss
that falls below 1e-3) and measures the drawn figure: colours, axis limits, and the window
extents of texts, bars and arrows after a draw.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from conftest import ROOT, load_script  # noqa: E402


@pytest.fixture
def draw(tmp_path, monkeypatch):
    """``draw(name, tables)``: write the tables, run ``figures/<name>.py``, return its figure."""

    def run(name: str, tables: dict[str, pd.DataFrame]):
        for table, df in tables.items():
            df.to_csv(tmp_path / f"{table}.csv", index=False)
        module = load_script(f"figures/{name}.py")
        drawn = []
        monkeypatch.setattr(module._common, "save", lambda fig, out: drawn.append(fig))
        assert module.main(["--tables", str(tmp_path), "--out", str(tmp_path / "x.png")]) == 0
        fig = drawn[0]
        fig.canvas.draw()
        return fig

    yield run
    plt.close("all")


def _overlap(a, b) -> bool:
    """Whether two display-space boxes share any area (touching edges do not count)."""
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# ----------------------------------------------------------------------------- the colour cycle
def test_data_colours_hold_no_gray_or_black():
    # Theory lines are black (THEORY_STYLE); a data colour without hue (black, any gray) reads
    # as theory. Chroma max(rgb) - min(rgb) is 0 for every gray; 0.2 is a fifth of the range,
    # far from any gray and met by every colour of a qualitative palette.
    with plt.style.context(ROOT / "figures" / "linnet.mplstyle"):
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    assert len(colours) >= 9  # mnist_modes draws nine modes from the cycle
    for c in colours:
        rgb = np.array(mcolors.to_rgb(c if c.startswith("#") else "#" + c))
        assert rgb.max() - rgb.min() >= 0.2, f"data colour {c} is a gray (or black)"


# ----------------------------------------------------------------------------- mnist_seed_notebook
def _seed_notebook_table() -> pd.DataFrame:
    steps = np.array([0, 1, 10, 100, 1000])
    rows = []
    for experiment, lr, diverged in [("notebook_schedule", 0.01, False), ("double_lr", 0.02, True),
                                     ("below_bound", 0.001, False), ("labels_small_init", 0.01, False),
                                     ("labels_notebook_init", 0.01, False)]:
        for seed in range(2):
            for k, step in enumerate(steps):
                last = diverged and k == steps.size - 1
                rows.append(dict(dataset="mnist-embedded", n_train=1000, experiment=experiment,
                                 seed=seed, lr=lr, step=step, diverged=diverged,
                                 loss=1e300 if last else 10.0 ** (4 - k),
                                 dist_optimum=50.0 / (k + 1)))  # below 1e2 throughout
    return pd.DataFrame(rows)


def test_seed_notebook_axes_fit_their_data_and_titles_do_not_collide(draw):
    fig = draw("mnist_seed_notebook", {"mnist_seed_notebook": _seed_notebook_table()})
    left, right = fig.axes[:2]
    # Right panel: nothing diverged, data at most 50: its top stays within a decade of it
    # (log autoscale pads to the next decade), not at the divergence ceiling 1e9.
    assert right.get_ylim()[1] <= 1e3
    assert left.get_ylim()[1] >= 1e8  # left: the ceiling diverged runs are drawn up to
    r = fig.canvas.get_renderer()
    # Each title stays over its own panel: the left one ends before the right panel's y label
    # and tick labels begin (on one line it ran on over them into the right title).
    left_title, right_title = left.title.get_window_extent(r), right.title.get_window_extent(r)
    assert left_title.x1 < right.get_tightbbox(r).x0
    assert right_title.x0 > left.get_window_extent(r).x1


# ----------------------------------------------------------------------------- mnist_accuracy
def _accuracy_table() -> pd.DataFrame:
    # Rank-k optima's test accuracies with k = 6 and 7 only 0.005 apart (as on MNIST).
    acc = [0.20, 0.34, 0.50, 0.64, 0.73, 0.775, 0.78, 0.84, 0.86, 0.86]
    rows = [dict(dataset="d", source="optimum", experiment="optimum", test_accuracy=0.861,
                 train_accuracy=0.867, n_train=4000, n_test=1000)]
    rows += [dict(dataset="d", source="optimum_rank", experiment="optimum", rank=k + 1,
                  test_accuracy=a, train_accuracy=a, min_loss=4.9 - 0.1 * k)
             for k, a in enumerate(acc)]
    rows += [dict(dataset="d", source="simulation", experiment="training", seed=0, time=t, step=t,
                  loss=5 - t / 60, test_accuracy=0.8, train_accuracy=0.8) for t in range(0, 60, 10)]
    rows += [dict(dataset="d", source="simulation", experiment="bottleneck", width=k + 1, step=100,
                  time=300.0, test_accuracy=a) for k, a in enumerate(acc)]
    return pd.DataFrame(rows)


def test_accuracy_rank_labels_do_not_overlap(draw):
    fig = draw("mnist_accuracy", {"mnist_accuracy": _accuracy_table()})
    r = fig.canvas.get_renderer()
    for ax in fig.axes[:2]:  # the loss and the accuracy panels carry k = 1..9
        labels = [t for t in ax.texts if t.get_text().startswith("k=")]
        assert len(labels) == 9
        boxes = [t.get_window_extent(r) for t in labels]
        for i in range(len(boxes)):
            for j in range(i):
                assert not _overlap(boxes[i], boxes[j]), \
                    f"{labels[i].get_text()} overlaps {labels[j].get_text()}"


# ----------------------------------------------------------------------------- mnist_spectrum
def test_spectrum_arrow_misses_the_bars(draw):
    s = [0.56, 0.55, 0.54, 0.49, 0.48, 0.43, 0.43, 0.38, 0.34, 4e-15]
    t = pd.DataFrame(dict(dataset="d", source="simulation", seed=0, mode=np.arange(1, 11), s=s,
                          zero_by_construction=[False] * 9 + [True], trace33=10.0))
    fig = draw("mnist_spectrum", {"mnist_modes": t})
    ax = fig.axes[0]
    r = fig.canvas.get_renderer()
    (note,) = [a for a in ax.texts if "by construction" in a.get_text()]
    arrow = note.arrow_patch.get_window_extent(r)
    bars = [p.get_window_extent(r) for p in ax.patches if p.get_height() > 0.1]
    assert len(bars) == 9
    assert not any(_overlap(arrow, b) for b in bars)


# ----------------------------------------------------------------------------- teacher_loss
def test_teacher_loss_shows_the_whole_last_drop(draw):
    t = np.geomspace(0.01, 40, 30)
    rows = []
    for init in ("aligned", "random"):
        for source in ("simulation", "theory"):
            # Falls to 1e-12 by the end of the run, like a noiseless teacher's loss.
            loss = 10 * np.exp(-t * np.log(1e13) / 40)
            rows += [dict(init=init, init_scale=1e-3, lr=0.01, seed=0, source=source, time=ti,
                          loss=li) for ti, li in zip(t, loss)]
    df = pd.DataFrame(rows)
    fig = draw("teacher_loss", {"teacher_loss": df})
    for ax in fig.axes:
        assert ax.get_ylim()[0] <= df.loss.min()
