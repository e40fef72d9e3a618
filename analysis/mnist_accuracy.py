r"""Loss and train/test accuracy of two-layer linear networks on whitened MNIST, beside the closed-form optima.

Writes ``results/<dataset>/mnist_accuracy.csv``. Task: the chosen data set's training set,
PCA-whitened to k = 100 components on the training set, targets 2e_c − 1 (docs/theory.md#data-sets);
accuracy is the fraction of samples whose largest output is the true class
(:func:`linnet.metrics.accuracy`), on the training set and on the held-out test set (whitened
with the training set's transform). ``loss`` is the training loss (½ per sample, linnet's
convention), ``test_loss`` the same average on the test set.

Rows (``experiment`` / ``source``):

- ``optima`` / ``optimum``: the least-squares map W* = Σ31 (``rank`` empty): the best any
  linear map without bias reaches on the training loss, and its accuracies.
- ``optima`` / ``optimum_rank``: the rank-k optima (truncated SVD of Σ31, Eckart–Young;
  docs/theory.md#optima), k = 1..10 (``rank``): what a network with a hidden layer of k units can reach.
- ``training`` / ``simulation``: a 100 → 50 → 10 network from small Gaussian weights
  (σ = 1e-3), full-batch gradient descent with η = 0.02 for 2,500 steps (t = 50), on a log grid,
  several seeds: accuracy climbs in steps as the modes are learned one after another, and
  after α modes it sits near the rank-α optimum.
- ``bottleneck`` / ``simulation``: 100 → k → 10 networks, k = 1..10 (``width``), same init,
  η = 0.05 for 6,000 steps (t = 300): does a width-k network reach the rank-k optimum? Modes
  with nearly equal singular values (MNIST's s6 ≈ s7) make the last step slow.

Every row records the data set, the train/test sizes and the split. ``--quick`` runs one seed,
800 training steps and 200-step bottleneck runs (a smoke test, not converged).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, metrics, network, setups, tables, train

NAME = "mnist_accuracy"


@dataclasses.dataclass(frozen=True)
class MnistAccuracy(experiment.Spec):
    """Parameters of the training run (width, init_scale, lr, steps) and of the bottleneck runs."""

    dataset: str = "mnist"
    width: int = 50
    init_scale: float = 1e-3
    lr: float = 0.02
    steps: int = 2500
    lr_bottleneck: float = 0.05
    steps_bottleneck: int = 6000
    seeds: int = 3
    records: int = 80

    schema = experiment.Schema(
        keys=("experiment", "dataset", "width", "init_scale", "lr", "seed", "step", "time", "source"),
        columns=("n_train", "n_test", "split", "rank", "loss", "test_loss", "train_accuracy",
                 "test_accuracy"))

    @classmethod
    def quick(cls):
        # 800 training steps, t = 16: the modes are half-learned; enough for a smoke test
        return cls(steps=800, steps_bottleneck=200, seeds=1, records=20)


def test_loss(products, X, Y) -> np.ndarray:
    """½ mean ‖y − W x‖² over samples, for maps ``products`` (..., M, N)."""
    products = np.asarray(products)
    lead, (M, N) = products.shape[:-2], products.shape[-2:]
    # One large product (P, N) @ (N, B·M), not B small broadcast ones (see metrics.accuracy).
    R = (X @ products.reshape(-1, N).T).reshape(X.shape[0], -1, M) - Y[:, None, :]
    return (0.5 * np.mean(np.sum(R * R, axis=-1), axis=0)).reshape(lead)


def evaluate(products, task, stats) -> dict:
    """Training loss, test loss and accuracies of end-to-end maps (..., M, N)."""
    products = np.asarray(products)
    return {
        "loss": stats.loss(products),
        "test_loss": test_loss(products, task.X_test, task.Y_test),
        "train_accuracy": metrics.accuracy(products, task.X, task.labels),
        "test_accuracy": metrics.accuracy(products, task.X_test, task.labels_test),
    }


def optima_rows(task, stats, columns) -> pd.DataFrame:
    r = min(stats.n_in, stats.n_out)
    maps = [stats.optimum()] + [stats.optimum(rank=k) for k in range(1, r + 1)]
    ev = evaluate(np.stack(maps), task, stats)
    return pd.DataFrame({
        "experiment": "optima", **columns, "width": np.nan, "seed": np.nan, "step": np.nan,
        "time": np.nan, "source": ["optimum"] + ["optimum_rank"] * r,
        "rank": [np.nan] + list(range(1, r + 1)),
        "min_loss": [stats.min_loss()] + [stats.min_loss(k) for k in range(1, r + 1)], **ev,
    })


def train_rows(experiment, task, stats, columns, *, width, seeds, lr, steps, n_record, scale):
    widths = (stats.n_in, width, stats.n_out)
    inits = [network.init_gaussian(widths, scale,
                                   rng=tables.rng_for("mnist_accuracy", experiment, width, seed))
             for seed in seeds]
    weights = network.stack(inits)
    traj = train.gradient_descent(weights, stats, lr, steps, record_steps=train.log_steps(steps, n_record))
    if np.any(traj.diverged):  # η far below 1/s1 ≈ 1.8: divergence would be a bug
        raise ValueError(traj.message)
    ev = evaluate(traj.product, task, stats)  # each (T, K)
    T, K = traj.loss.shape
    return pd.DataFrame({
        "experiment": experiment, **columns, "width": width, "init_scale": scale, "lr": lr,
        "seed": np.tile(seeds, T), "step": np.repeat(traj.step, K),
        "time": np.repeat(traj.step * lr, K), "source": "simulation", "rank": np.nan,
        **{k: np.ravel(v) for k, v in ev.items()},
    })


def accuracy_table(task, stats, columns, spec: MnistAccuracy) -> pd.DataFrame:
    seeds = np.arange(spec.seeds)
    common = {"n_record": spec.records, "scale": spec.init_scale}
    frames = [optima_rows(task, stats, columns),
              train_rows("training", task, stats, columns, width=spec.width, seeds=seeds,
                         lr=spec.lr, steps=spec.steps, **common)]
    for k in range(1, stats.n_out + 1):
        frames.append(train_rows("bottleneck", task, stats, columns, width=k, seeds=seeds[:1],
                                 lr=spec.lr_bottleneck, steps=spec.steps_bottleneck, **common))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, MnistAccuracy, argv, data=True)
    # A damaged file in the folder, or a --set value the run cannot use: one line, exit 2.
    with experiment.user_errors(args):
        task, stats, columns = setups.whitened_mnist(args.spec.dataset, args.data_dir)
        table = accuracy_table(task, stats, columns, args.spec)
    experiment.write(table, args.out, args.spec)
    opt = table[table.source == "optimum"].iloc[0]
    print(f"wrote {args.out} ({len(table)} rows); {columns['dataset']}: optimum W* = Σ31 has "
          f"train accuracy {opt.train_accuracy:.4f}, test accuracy {opt.test_accuracy:.4f}, "
          f"loss {opt.loss:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
