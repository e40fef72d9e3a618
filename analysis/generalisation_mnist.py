r"""Test loss and accuracy of the least-squares readout of whitened MNIST against the number of training digits P, at convergence and at the best stopping time.

Writes ``results/<dataset>/generalisation_mnist.csv``. Task (docs/theory.md#generalisation-dynamics,
#data-sets): the project's MNIST setting, the 100 PCA-whitened components fitted **once on the
whole training set** (:func:`linnet.setups.whitened_mnist`), targets 2e_c − 1; a linear student
W (10 × 100) from W = 0 is trained on the first P training digits (balanced by class: the
split interleaves the classes), P from 20 to 4,000, so each subset's Σ11 = XᵀX/P ≠ I (its
spectrum spreads like Marchenko–Pastur with α = P/100). Full-batch gradient descent on linnet's
loss with η = 0.5 / (the largest eigenvalue of any subset's Σ11), computed exactly from each
subset's statistics, all subsets in one stacked call (:func:`linnet.theory.generalisation.linear_descent`),
recorded at 120 log-spaced steps up to 10⁶.

Rows: ``curve`` (``step``, ``time`` = step·η): ``loss`` (training, ½ per sample), ``test_loss``
(the same on the 1,000 held-out digits), ``test_accuracy``; ``converged`` (no step): the same
for the t → ∞ map, the minimum-norm least-squares solution :meth:`linnet.Statistics.optimum`.
Near P = N = 100 the converged test loss peaks (the smallest eigenvalues of Σ11 approach 0, as
in the theory's α = 1), while the best stopping time keeps it finite: the real-data version of
the overtraining peak.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import Statistics, experiment, metrics, setups, train
from linnet.theory.generalisation import linear_descent

NAME = "generalisation_mnist"


@dataclasses.dataclass(frozen=True)
class GeneralisationMnist(experiment.Spec):
    """Data set, the P grid, step (as a fraction of the stability bound), steps and records."""

    dataset: str = "mnist"
    sizes: tuple[int, ...] = (20, 30, 50, 70, 85, 100, 115, 130, 150, 200, 300, 500, 1000, 2000, 4000)
    lr_fraction: float = 0.5
    steps: int = 1000000
    records: int = 120

    schema = experiment.Schema(
        keys=("experiment", "dataset", "n_samples", "step"),
        columns=("n_train", "n_test", "split", "lr", "time", "loss", "test_loss", "test_accuracy"))

    @classmethod
    def quick(cls):
        return cls(sizes=(50, 100, 400), steps=10000, records=20)


def half_test_loss(W, X, Y) -> np.ndarray:
    """½ mean ‖y − Wx‖² over the samples, for maps (..., M, N)."""
    R = X @ np.swapaxes(W, -1, -2) - Y  # (..., P, M)
    return 0.5 * np.mean(np.sum(R * R, axis=-1), axis=-1)


def sweep_table(task, columns, spec: GeneralisationMnist) -> pd.DataFrame:
    sizes = [p for p in spec.sizes if p <= task.X.shape[0]]
    if not sizes:
        raise ValueError(f"--set sizes: none is <= the {task.X.shape[0]} training digits")
    stats = [Statistics.from_data(task.X[:p], task.Y[:p]) for p in sizes]
    s11 = np.stack([s.sigma11 for s in stats])
    s31 = np.stack([s.sigma31 for s in stats])
    lr = spec.lr_fraction / float(np.linalg.eigvalsh(s11)[:, -1].max())
    steps = train.log_steps(spec.steps, spec.records)
    W = linear_descent(steps, s11, s31, lr=lr)  # (T, B, 10, 100)
    final = np.stack([s.optimum() for s in stats])  # (B, 10, 100)
    frames = []
    for b, (p, st) in enumerate(zip(sizes, stats)):
        maps = np.concatenate([W[:, b], final[b][None]])
        frames.append(pd.DataFrame({
            "experiment": ["curve"] * steps.size + ["converged"], **columns, "n_samples": p,
            "step": np.append(steps.astype(float), np.nan), "lr": lr,
            "time": np.append(steps * lr, np.nan), "loss": st.loss(maps),
            "test_loss": half_test_loss(maps, task.X_test, task.Y_test),
            "test_accuracy": metrics.accuracy(maps, task.X_test, task.labels_test)}))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, GeneralisationMnist, argv, data=True)
    with experiment.user_errors(args):
        task, _, columns = setups.whitened_mnist(args.spec.dataset, args.data_dir)
        table = sweep_table(task, columns, args.spec)
    experiment.write(table, args.out, args.spec)
    conv = table[table.experiment == "converged"]
    worst = conv.loc[conv.test_loss.idxmax()]
    print(f"wrote {args.out} ({len(table)} rows); converged test loss peaks at P = "
          f"{int(worst.n_samples)}: {worst.test_loss:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
