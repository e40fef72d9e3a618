r"""What each mode of whitened MNIST is: input singular vectors as 28 × 28 images, output vectors over the classes.

Writes ``results/<dataset>/mnist_vectors.csv`` (long format). For each mode α = 1..10 of
Σ31 = Σ_α s_α u_α v_αᵀ on the whitened training set (k = 100 components, targets 2e_c − 1):

- ``kind = "u"``: the output singular vector u_α, ``index`` = class 0..9;
- ``kind = "pattern"``: v_α mapped back to pixels through the whitening,
  :meth:`linnet.data.Whitener.pattern` — the image (relative to the mean digit) whose whitened
  coordinates are v_α; ``index`` = pixel 0..783 (row-major 28 × 28);
- ``kind = "filter"``: the pixel weights T v_α that the trained network applies to x − m
  (:meth:`linnet.data.Whitener.filter`).

Signs: an SVD fixes each pair (u_α, v_α) only up to a common sign; here the largest-magnitude
entry of u_α is made positive, so the pattern reads "what makes the network vote for that
class". The 10th mode has s ≈ 0 (rank(Σ31) = 9 on centred inputs); its vectors span the
leftover direction (u_10 ∝ the all-ones vector: the constant offset the network cannot fit
without a bias) and are kept for completeness. ``--quick`` writes the same table (it is one SVD).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, setups

NAME = "mnist_vectors"


@dataclasses.dataclass(frozen=True)
class MnistVectors(experiment.Spec):
    """Parameters: the data set (the table is one SVD, the same with --quick)."""

    dataset: str = "mnist"

    schema = experiment.Schema(keys=("dataset", "mode"),
                               columns=("n_train", "split", "s", "kind", "index", "value"))


def oriented_modes(stats):
    """U (M, r), s (r,), V (N, r) with the largest-magnitude entry of each u_α positive."""
    m = stats.modes
    U, V = np.array(m.U), np.array(m.V)
    sign = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
    sign[sign == 0] = 1.0
    return U * sign, np.array(m.s), V * sign


def vector_table(task, stats, columns) -> pd.DataFrame:
    U, s, V = oriented_modes(stats)
    w = task.whitener
    base = {"dataset": columns["dataset"], "n_train": columns["n_train"], "split": columns["split"]}
    frames = []
    for a in range(s.size):
        for kind, values in (("u", U[:, a]), ("pattern", w.pattern(V[:, a])),
                             ("filter", w.filter(V[:, a]))):
            values = np.ravel(values)
            frames.append(pd.DataFrame({**base, "mode": a + 1, "s": s[a], "kind": kind,
                                        "index": np.arange(values.size), "value": values}))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, MnistVectors, argv, data=True)
    # A damaged file in the folder, or a --set value the run cannot use: one line, exit 2.
    with experiment.user_errors(args):
        task, stats, columns = setups.whitened_mnist(args.spec.dataset, args.data_dir)
        table = vector_table(task, stats, columns)
    experiment.write(table, args.out, args.spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
