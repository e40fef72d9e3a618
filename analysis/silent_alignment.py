r"""Silent alignment: the tangent kernel turns towards the task during the loss plateau (white inputs), or while learning (anisotropic inputs).

Writes ``results/<dataset>/silent_alignment.csv`` (``make``; ``--out`` chooses). Inputs: the top
``n_components`` PCA coordinates of MNIST, either whitened (``inputs = whitened``, Σ11 = I on the
training set) or not (``inputs = pca``: the same coordinates scaled to the same total variance,
Σ11 = diag of the PCA variances over their mean, anisotropic); ±1 targets. A two-layer
N → H → 10 network from small zero-balanced weights (:func:`linnet.network.init_zero_balanced`,
scale ``init_scale``) trains by full-batch GD at η = ``lr_factor`` / (sharpness of the balanced
optimum, :func:`linnet.theory.optimum_sharpness`) up to t = ``t_max``, recorded on a log grid.

Columns per recorded step: ``loss``, the kernel–task alignment ⟨K, yyᵀ⟩/(‖K‖‖yyᵀ‖) of the
tangent kernel on the training set (:mod:`linnet.tangent`) and its top eigenvalues
``eigenvalue_1..k`` (of K/P). ``source = theory`` (white inputs only): the exact solution of the
same zero-balanced initial weights (:class:`linnet.theory.RectangularLambdaBalancedSolution` at
λ = 0, which needs no condition on B), whose
kernel is :func:`linnet.tangent.exact_tangent_kernel`; ``error`` = |alignment theory − sim|.
With anisotropic inputs no closed form applies (simulation only).

Atanasov, Bordelon & Pehlevan (2022): with white inputs the kernel's top eigenspace aligns with
the task while the loss barely moves, then the kernel grows in scale; with anisotropic inputs
alignment and learning overlap.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import Statistics, experiment, network, setups, tables, tangent, theory, train
from linnet.data import load, whitened_task

NAME = "silent_alignment"
EXPERIMENT = "silent_alignment"


@dataclasses.dataclass(frozen=True)
class SilentAlignment(experiment.Spec):
    """Parameters: input dimension, width, init scale, step size and time budget."""

    dataset: str = "mnist"
    n_components: int = 30
    width: int = 30
    init_scale: float = 1e-3
    lr_factor: float = 0.2
    t_max: float = 40.0
    records: int = 80
    eigenvalues: int = 4
    seed: int = 1

    schema = experiment.Schema(
        keys=("experiment", "dataset", "inputs", "source", "step", "time"),
        columns=("loss", "alignment", "error", "lr"))

    @classmethod
    def quick(cls):
        return cls(n_components=10, width=10, records=20, t_max=10.0)


def input_sets(spec, data_dir):
    """(name, Statistics) of the whitened and the anisotropic PCA inputs, and the data label."""
    images = load(spec.dataset, data_dir)
    task = whitened_task(images, spec.n_components)
    v = task.whitener.variances
    X_pca = task.X * np.sqrt(v / v.mean())  # same total variance, Σ11 = diag(v / mean v)
    return [("whitened", Statistics.from_data(task.X, task.Y)),
            ("pca", Statistics.from_data(X_pca, task.Y))], setups.dataset_label(images)


def input_rows(spec, name, stats) -> pd.DataFrame:
    N, M = stats.n_in, stats.n_out
    rng = tables.rng_for(EXPERIMENT, spec.seed)  # the same weights for both input sets
    w0 = network.init_zero_balanced((N, spec.width, M), spec.init_scale, rng=rng)
    lr = spec.lr_factor / theory.optimum_sharpness(stats, 2)
    steps = int(np.ceil(spec.t_max / lr))
    rec = np.unique(np.concatenate([[0], train.log_steps(steps, spec.records)]))
    tr = train.gradient_descent(w0, stats, lr, steps, record_steps=rec, keep_weights=True)
    K = tangent.tangent_kernel(tuple(np.stack(layer) for layer in zip(*tr.history)))
    S11 = None if stats.is_white else stats.sigma11
    sim_align = K.alignment(stats)
    base = {"experiment": EXPERIMENT, "inputs": name, "step": rec, "time": rec * lr, "lr": lr}
    frames = [pd.DataFrame({**base, "source": "simulation", "loss": tr.loss, "alignment": sim_align,
                            "error": 0.0, **_eigen_columns(K, S11, spec.eigenvalues)})]
    if stats.is_white:
        # The any-shape form needs no condition on B (square shapes would, for half the seeds).
        sol = theory.RectangularLambdaBalancedSolution.from_weights(w0, stats)
        Kt = tangent.exact_tangent_kernel(sol, rec * lr)
        align = Kt.alignment(stats)
        frames.append(pd.DataFrame({**base, "source": "theory", "loss": sol.loss(rec * lr),
                                    "alignment": align, "error": np.abs(align - sim_align),
                                    **_eigen_columns(Kt, None, spec.eigenvalues)}))
    return pd.concat(frames, ignore_index=True)


def _eigen_columns(K, S11, k):
    ev = K.eigenvalues(sigma11=S11, k=k)
    return {f"eigenvalue_{i + 1}": ev[:, i] for i in range(k)}


def alignment_table(spec: SilentAlignment, data_dir=None) -> pd.DataFrame:
    sets, label = input_sets(spec, data_dir)
    table = pd.concat([input_rows(spec, name, stats) for name, stats in sets], ignore_index=True)
    table.insert(1, "dataset", label)
    return table


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, SilentAlignment, argv, data=True)
    with experiment.user_errors(args):
        table = alignment_table(args.spec, args.data_dir)
    experiment.write(table, args.out, args.spec)
    th = table[table.source == "theory"]
    print(f"wrote {args.out} ({len(table)} rows); max |alignment theory − sim| (white inputs): "
          f"{th.error.max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
