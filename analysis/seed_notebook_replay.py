r"""The seed notebook replayed: its own draws, inputs and schedule, every number it printed beside linnet's.

Writes ``results/<dataset>/seed_notebook_replay.csv``: one row per number the notebook printed
(cells In[26]-In[33] of ``docs/seed-notebook.txt``), in cell order, with the notebook's
printed value (``notebook_value``), linnet's value of the same quantity in the notebook's
convention (``value``) and in linnet's (``linnet_value``), and the losses at that step in both
(``loss_nb`` = L_nb = 2 L, ``loss`` = L), followed by rows the notebook did not print
(``cell`` = ``replay``): the distances that say how far training got.

What is replayed, as the notebook did it:

- **Draws**, the legacy ``np.random`` stream in the notebook's cell order: ``np.random.seed(0)``
  (In[1]), ``Wstar = randn(10, 100)`` (In[4]), then ``Network(100, 20, 10)`` draws
  ``W21 = randn(20, 100)`` and ``W32 = randn(10, 20)`` (In[24]-In[25]).
- **Inputs**: PCA whitening fitted on the whole training set, its top 100 components each
  scaled to unit variance (In[2]: ``X = (X - mu_whiten) @ W_whiten[:, :100]``;
  :func:`linnet.data.fit_whitening`, variances divided by the set's size, each component's entry
  of largest magnitude positive), then the first 1,000 rows (In[5]), *not* whitened again:
  their Σ11 is not I.
- **Targets** Y = X W*ᵀ (In[4]-In[5]); P = 1000.
- **Schedule**: one step at lr 1 (In[29]), then In[31]'s 10,000 at lr 10. The notebook's loss
  has no ½ and its gradient a second 1/P, so its step is η = 2·lr/P: 0.002, then 0.02
  (docs/theory.md#other-conventions; ``analysis/seed_notebook.py``). linnet runs
  :func:`linnet.train.gradient_descent` on the statistics of (X, Y); tests/test_seed_notebook_replay.py
  runs the notebook's own code beside it (equal to 1e-12 relative over its first steps).
- **Printed lines**: In[26]'s loss and error per unit at step 0, In[27]'s gradient rms (the
  notebook's gradient is (2/P) × linnet's ∂L/∂W), In[29]'s losses before and after its step,
  In[31]'s initial loss and its lines "step k" at k = 1000, …, 10000 (global steps: its loop's
  iteration i is the net's step 1 + i), and In[33]'s norms after the run (step 10,001).

Differences that remain, and why:

- **Its data file is not available.** The notebook read ``mnist.pkl`` (whitening matrices, row
  order and size unknown); linnet replays on the MNIST-format folder given by ``--data-dir``
  (default: the embedded 4,000-digit training sample). Its Σ11, hence every loss, differs, and
  no number here can match its printout beyond the first digits: the initial loss depends on
  the draws (which match if the cell order is as printed) and on Σ11 of its 1,000 rows.
- **Its printed run followed cells executed out of order.** The cells are not in execution
  order (In[2]-In[3], which load the data, stand at the end) and the execution counters jump:
  In[6]-In[23] and In[32] ran but are not in the printout. Those hidden cells may have drawn
  from the stream before ``Network`` did, and changed ``X`` or ``Y``.
- **"The outcome" (In[33]) compares a teacher-trained net with MNIST's C31** (``C31 = Yᵀ X / P``
  of the ±1 labels on the whole whitened training set): the net was trained on Y = X W*ᵀ, so
  W32 W21 tends to W*, not to C31, and ‖C31 − W32 W21‖ ≈ ‖W*‖ ≈ 32 here. Its printed 0.54
  (with ‖W32‖ = 0.68, ‖W21‖ = 26.1) is what a run on the labels ends at
  (``analysis/mnist_seed_notebook.py``, ``labels_notebook_init``), another sign of a hidden
  cell. The replay prints In[33]'s norms as written and adds the meaningful distances:
  ‖W* − W32 W21‖ and ‖W_opt − W32 W21‖ to the least-squares optimum of the teacher data
  W_opt = Σ31 Σ11⁻¹ (= W* up to round-off: the targets are noiseless and Σ11 is invertible).

What the replay shows on the embedded sample (its first 1,000 of 4,000 rows, whose Σ11 has
eigenvalues 0.42-1.85; measured on an Intel Xeon with AVX-512 and again with the AVX2 code
generation emulated, the same to the table's 10 digits above the round-off floor), notebook →
replay in the notebook's convention: initial loss 22516.7 → 20422.4, error per unit 15.01 →
14.29, gradient rms 0.0423 → 0.0376 (W21) and 0.2300 → 0.2088 (W32), after one step 11344.6 →
11128.5: the same draws on similar data, different Σ11. From there the two part. The replay
goes through the catapult of ``analysis/seed_notebook.py``'s ``notebook_schedule`` (the loss
rises at step 3; this draw survives) and falls to the round-off floor: L_nb = 1.8e-9 at step
1000, ~1e-27 from step 3000, ending with ‖W* − W32 W21‖ ~ 5e-14 (round-off, whose digits differ
between CPUs), ‖W21‖ = 28.2, ‖W32‖ = 7.0. The notebook's loss instead creeps from 1.01 at step
1000 to 0.21 at step 10,000, each thousand steps taking off less (×0.76 … ×0.90). Gradient
descent shrinks the error along an eigenvector of Σ11 at a rate proportional to its
eigenvalue, so that is the signature of input directions with far smaller eigenvalues than
any of the replay's: its 1,000 rows were further from white than these. With the data gone,
which rows and which whitening stays open.

``--quick`` runs 2,000 loop steps instead of 10,000 (its In[33] rows are then at step 2,001).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import Statistics, data, experiment, network, notebook, setups, train

NAME = "seed_notebook_replay"
N_ROWS = 1000  # In[5]: X = Xall[:1000], P = 1000
N_IN, HIDDEN, N_OUT = 100, 20, 10  # the notebook's Network(100, 20, 10): its draws' shapes


@dataclasses.dataclass(frozen=True)
class Replay(experiment.Spec):
    """Parameters of the replay: the data set, In[31]'s number of steps and the two lr."""

    dataset: str = "mnist"
    steps: int = 10_000  # In[31]'s nsteps
    notebook_lr_first: float = 1.0  # In[29]
    notebook_lr_main: float = 10.0  # In[31]

    schema = experiment.Schema(
        keys=("dataset", "step", "time", "source"),
        columns=("n_train", "split", "cell", "quantity", "loss_nb", "loss", "value",
                 "linnet_value", "notebook_value"))

    @classmethod
    def quick(cls):
        return cls(steps=2_000)


#: What the notebook printed, in cell order: (cell, quantity, step or None for "after the run",
#: printed value). Steps are the net's global step count.
PRINTED = [
    ("In[26]", "loss", 0, 22516.691148140602),
    ("In[26]", "error_per_unit", 0, 15.005562684598203),
    ("In[27]", "grad_rms_W21", 0, 0.042313856308547684),
    ("In[27]", "grad_rms_W32", 0, 0.22997267355484222),
    ("In[29]", "loss_before", 0, 22516.691148140602),
    ("In[29]", "loss_after", 1, 11344.605325611119),
    ("In[31]", "initial_loss", 1, 11344.605326),
    *[("In[31]", "loss", k, v) for k, v in zip(range(1000, 10001, 1000), [
        1.009923, 0.764607, 0.593271, 0.475792, 0.393624, 0.335833, 0.293393, 0.260080,
        0.232293, 0.208130])],
    ("In[33]", "norm_C31", None, 1.3984750918285602),
    ("In[33]", "norm_W32", None, 0.6781734253106437),
    ("In[33]", "norm_W21", None, 26.073818835182475),
    ("In[33]", "dist_C31", None, 0.5357242405823567),
]
#: Rows the notebook did not print: how far training got (see the module docstring).
EXTRA = [("replay", "dist_teacher"), ("replay", "dist_optimum")]


def notebook_draws():
    """W* (10, 100), W21 (20, 100), W32 (10, 20) from the legacy stream ``np.random.seed(0)`` starts, in cell order."""
    legacy = np.random.RandomState(0)  # np.random.seed(0) seeds this same global generator
    teacher = legacy.randn(N_OUT, N_IN)  # In[4]
    W21 = legacy.randn(HIDDEN, N_IN)  # In[24]: Network.__init__ draws W21 first
    W32 = legacy.randn(N_OUT, HIDDEN)
    return teacher, W21, W32


def notebook_inputs(images: data.ImageDataset):
    """The notebook's inputs X (1000, 100), whitened on the whole training set, and C31 (10, 100).

    ``C31 = Yᵀ X / P`` of the ±1 labels over the whole whitened training set (In[2]-In[3]).
    """
    if images.n_train < N_ROWS:
        raise ValueError(f"the notebook uses the first {N_ROWS} training images; the data set "
                         f"has {images.n_train}. Pass --data-dir with a larger training set")
    whitener = data.fit_whitening(images.train_images, setups.N_COMPONENTS)
    X_all = whitener.transform(images.train_images)
    Y_all = data.targets(images.train_labels, images.n_classes)  # In[2]: data['Y'] * 2 - 1
    return X_all[:N_ROWS], Y_all.T @ X_all / len(Y_all)


def replay(weights, stats: Statistics, steps: int, lrs=(1.0, 10.0)) -> dict:
    r"""The notebook's run in linnet: one step at lr 1, then ``steps`` at lr 10, η = 2·lr/P.

    Parameters
    ----------
    weights : tuple (W21, W32)
        Shapes (H, N) and (M, H): the notebook's initial weights.
    stats : Statistics
        Of its inputs and targets (``Statistics.from_data``; P is ``stats.n_samples``).
    steps : int
        In[31]'s ``nsteps``.
    lrs : (float, float)
        The notebook's lr of its first step and of its loop.

    Returns
    -------
    dict
        ``step`` (T,), global steps: 0, 1, In[31]'s printed steps and the last, ``steps + 1``;
        ``time`` (T,), the sum of the η taken; ``loss`` (T,), linnet's L (the notebook's is 2 L);
        ``gradients``, linnet's :math:`\partial\mathcal L/\partial W` at step 0 (the notebook's
        are 2/P times these); ``weights``, the final (W21, W32).
    """
    P = stats.n_samples
    if P < 1:
        raise ValueError("stats must come from samples (Statistics.from_data): the notebook's "
                         "step η = 2·lr/P needs their number P")
    etas = [notebook.eta_from_notebook(lr, P) for lr in lrs]
    first = train.gradient_descent(weights, stats, etas[0], 1, record_steps=[0, 1])
    printed = notebook.printed_steps(steps + 1)
    record = np.union1d(printed[printed >= 1], [steps + 1]) - 1  # steps of the loop, from 0
    loop = train.gradient_descent(first.weights, stats, etas[1], steps, record_steps=record)
    if np.any(loop.diverged):
        raise ValueError(f"the replay diverged: {loop.message}")
    step = np.concatenate([[0], record + 1])
    return {"step": step, "time": np.where(step > 0, etas[0] + (step - 1) * etas[1], 0.0),
            "loss": np.concatenate([first.loss[:1], loop.loss]),
            "gradients": network.gradients(weights, stats), "weights": loop.weights}


def _values(quantity: str, loss: float, run: dict, targets: dict, P: int) -> tuple[float, float]:
    """A quantity in the notebook's convention and in linnet's (the same where they agree)."""
    rms = lambda A: float(np.sqrt(np.mean(A**2)))  # noqa: E731 (In[27]'s rms)
    if quantity in ("loss", "loss_before", "loss_after", "initial_loss"):
        return 2 * loss, loss
    if quantity == "error_per_unit":  # In[26]: sqrt(L_nb) / M
        value = float(np.sqrt(2 * loss)) / targets["teacher"].shape[0]
        return value, value
    if quantity.startswith("grad_rms_"):
        G = run["gradients"][0 if quantity.endswith("W21") else 1]
        return 2 / P * rms(G), rms(G)
    W21, W32 = run["weights"]
    value = {"norm_C31": lambda: np.linalg.norm(targets["C31"]),
             "norm_W32": lambda: np.linalg.norm(W32), "norm_W21": lambda: np.linalg.norm(W21),
             "dist_C31": lambda: np.linalg.norm(targets["C31"] - W32 @ W21),
             "dist_teacher": lambda: np.linalg.norm(targets["teacher"] - W32 @ W21),
             "dist_optimum": lambda: np.linalg.norm(targets["optimum"] - W32 @ W21)}[quantity]()
    return float(value), float(value)


def replay_rows(run: dict, targets: dict, P: int) -> pd.DataFrame:
    """One row per printed line (reached by the run) and the extra rows, in cell order."""
    last = int(run["step"][-1])
    at = {int(s): i for i, s in enumerate(run["step"])}
    rows = []
    for cell, quantity, step, printed in [*PRINTED, *[(c, q, None, np.nan) for c, q in EXTRA]]:
        step = last if step is None else step
        if step not in at:  # a line of the full run that --quick does not reach
            continue
        loss = float(run["loss"][at[step]])
        value, linnet_value = _values(quantity, loss, run, targets, P)
        rows.append({"cell": cell, "quantity": quantity, "step": step,
                     "time": run["time"][at[step]], "source": "replay", "loss_nb": 2 * loss,
                     "loss": loss, "value": value, "linnet_value": linnet_value,
                     "notebook_value": printed})
    return pd.DataFrame(rows)


def replay_table(args) -> pd.DataFrame:
    """The replay on the data set of the parsed ``args``, as one table."""
    spec = args.spec
    images = data.load(spec.dataset, args.data_dir)
    X, C31 = notebook_inputs(images)
    teacher, W21, W32 = notebook_draws()
    stats = Statistics.from_data(X, X @ teacher.T)  # In[5]: Y = f(X)
    run = replay((W21, W32), stats, spec.steps, (spec.notebook_lr_first, spec.notebook_lr_main))
    targets = {"teacher": teacher, "C31": C31, "optimum": stats.optimum()}
    return replay_rows(run, targets, X.shape[0]).assign(
        dataset=setups.dataset_label(images), n_train=X.shape[0], n_whitened=images.n_train,
        split=images.split)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, Replay, argv, data=True)
    with experiment.user_errors(args):  # the data set, or a --set value: one line, exit 2
        table = replay_table(args)
    experiment.write(table, args.out, args.spec)
    with pd.option_context("display.float_format", "{:.6g}".format, "display.width", 120):
        print(table[["cell", "quantity", "step", "notebook_value", "value", "linnet_value"]]
              .to_string(index=False))
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
