r"""The seed notebook's training run, reproduced over many random draws, with its step mapped to linnet's η.

Writes ``results/seed_notebook.csv``: loss, ‖W32‖, ‖W21‖ (Frobenius) and ‖W* − W32 W21‖ (W* the
teacher) of every seed, at the steps the notebook printed (``printed`` column) and on a
log-spaced grid in between (for the figure), for three schedules: below the stability bound,
half the notebook's step and the notebook's own. The replay of the notebook itself, its own
draws and non-white MNIST inputs, is ``analysis/seed_notebook_replay.py``.

The notebook's run: N = 100 inputs, 20 hidden units, M = 10 outputs, P = 1000 samples, a teacher
W* with i.i.d. N(0, 1) entries, targets y = W* x (noiseless), standard-normal initial weights
(std 1, no fan-in scaling), one step at its lr = 1 (In[29]) and then 10,000 steps at its
lr = 10 (In[31]).
Inputs here are exactly whitened Gaussian samples (:func:`linnet.notebook.whitened_gaussian_inputs`;
``analysis/mnist_seed_notebook.py`` passes whitened MNIST to :func:`linnet.notebook.simulate`).
The setting, the step mapping and the schedules are :mod:`linnet.notebook`'s; ``--set`` changes
the fields of :class:`linnet.notebook.SeedNotebook` (``--help`` lists them).

**Step mapping** (docs/theory.md#other-conventions, the seed notebook). The notebook's loss has no ½,
:math:`\mathcal L_\text{nb} = \frac1P\sum_\mu\lVert y^\mu - g(x^\mu)\rVert^2 = 2\mathcal L` with
linnet's :math:`\mathcal L = \frac{1}{2P}\sum_\mu\lVert y^\mu - W_{32}W_{21}x^\mu\rVert^2`; its
hand gradient starts from :math:`\partial\mathcal L_\text{nb}/\partial g = -2E/P` (right for
:math:`\mathcal L_\text{nb}`) and then ``np.mean``\ s the per-sample outer products, a second
1/P. Its step ``W -= lr * grad`` is therefore :math:`W \leftarrow W - \text{lr}\cdot\frac2P\,
\partial\mathcal L/\partial W`:

.. math:: \eta = 2\,\text{lr}/P: \quad \text{lr } 1 \to \eta = 0.002, \quad
          \text{lr } 10 \to \eta = 0.02 \quad (P = 1000).

(An earlier version of this script read η = lr/P, half the notebook's step; that run is the
``half_notebook`` experiment below. tests/test_seed_notebook.py runs the notebook's own loop.)

Theory time (``time`` column) is the sum of the steps taken, 0.002 + (k − 1)·η at step k ≥ 1.
The ``printed`` rows are the steps the notebook printed: 0, 1 and 1000, 2000, …, 10000 (its
In[31] labels global steps; see :func:`linnet.notebook.printed_steps`); the run ends at step 10,001.

Experiments (``experiment`` column; ``lr`` is the η of the main phase, ``lr_first`` that of step 1):

- ``below_bound``: 10,001 steps at η = 0.002 (the notebook's lr = 1 throughout), below the
  stability bound 2/λ (η·λ = 0.40–0.50).
- ``half_notebook``: 1 step at η = 0.002, then 10,000 at η = 0.01 (the notebook's lr 5).
- ``notebook_schedule``: 1 step at η = 0.002, then 10,000 at η = 0.02 (the notebook's run).

**Stability.** With whitened inputs the top eigenvalue of the Gauss-Newton matrix is
λ = λ_max(W32 W32ᵀ) + λ_max(W21 W21ᵀ) (``sharpness_gn``, after step 1, per seed). For
standard-normal weights λ ≈ (√20 + √10)² + (√100 + √20)² ≈ 270 at init (221–278 over the
draws) and 201–249 after the first step, so the classical bound is 2/λ ≈ 0.008–0.010. What the
full run shows (50 seeds, whitened Gaussian inputs):

- η = 0.02, the notebook's step (η·λ = 4.0–5.0): **22/50 diverge**, at steps 10–16. The 28
  survivors all go through a catapult: the loss rises 1.2–2.0× at steps 2–4, ‖W21‖ shrinks
  from ≈ 44 to ≈ 26 and η·λ falls below 2, after which the loss falls to the round-off floor
  (~1e-26) by step 515–962. Which draws survive depends on the draw, mostly but not only
  through λ (survivors 201–232, diverged 213–249). Survivors end with ‖W21‖ = 23–27 and
  ‖W32‖ = 7.4–9.4.
- η = 0.01, half the notebook's step (η·λ = 2.0–2.5): 0/50 diverge. The loss falls at every
  recorded step (no visible catapult): the weights shrink (‖W32‖ 11 → 2.6 within five steps)
  and η·λ falls below 2 within one to four steps, before the unstable direction can grow;
  every draw reaches the round-off floor by step 3,400–5,400.
- η = 0.002: every draw converges, slowly (loss 5e-12 to 1e-6 after 10,001 steps).

A diverged run is data: ``diverged`` is True on all its rows, ``diverged_step`` is the first step with a non-finite loss, and rows after it are dropped.

``--quick`` runs 5 seeds for 2,000 steps instead of 50 seeds for 10,000.
"""

from __future__ import annotations

import sys

from linnet import experiment, notebook

NAME = "seed_notebook"


class SeedNotebookTable(notebook.SeedNotebook):
    """The notebook's run (:class:`linnet.notebook.SeedNotebook`) and this table's columns."""

    schema = experiment.Schema(
        keys=("experiment", "dataset", "width", "init", "init_scale", "lr", "seed", "step", "time",
              "source"),
        columns=("loss", "norm_W21", "norm_W32", "dist_teacher", "diverged", "diverged_step",
                 "printed"))


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, SeedNotebookTable, argv)
    with experiment.user_errors(args):  # e.g. a --set value the run cannot use: one line
        table = notebook.simulate(args.spec, progress=args.progress)
    experiment.write(table, args.out, args.spec)
    summary = table.groupby("experiment").agg(lr=("lr", "first"), seeds=("seed", "nunique"))
    summary["diverged"] = table.groupby(["experiment", "seed"]).diverged.first().groupby("experiment").sum()
    print(summary.to_string())
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
