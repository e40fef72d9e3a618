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
Inputs here are exactly whitened Gaussian samples (:func:`whitened_gaussian_inputs`; pass another
``inputs`` function to :func:`make_task`, e.g. whitened MNIST, to switch them).

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
In[31] labels global steps; see :func:`printed_steps`); the run ends at step 10,001.

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
from collections.abc import Callable

import numpy as np
import pandas as pd

import _analysis
from linnet import Statistics, network, tables, train
from linnet.data.teacher import teacher_matrix, whiten_exactly

NAME = "seed_notebook"
N_IN, HIDDEN, N_OUT, N_SAMPLES = 100, 20, 10, 1000
INIT_SCALE = 1.0
STEPS_FULL, STEPS_QUICK = 10_000, 2_000  # steps of the main phase
SEEDS_FULL, SEEDS_QUICK = 50, 5
PRINT_EVERY = 1000
LR_FIRST, LR_MAIN = 1.0, 10.0  # the notebook's lr of its first step (In[29]) and of its loop (In[31])
N_LOG = 60  # log-spaced recording points between the printed ones, for the figure


def eta_from_notebook(lr_notebook: float, n_samples: int = N_SAMPLES) -> float:
    r"""linnet's step η for the notebook's ``lr``: its update is :math:`(2/P)\,\partial\mathcal L/\partial W`, so η = 2·lr / P."""
    return 2.0 * lr_notebook / n_samples


def schedules(steps: int) -> dict[str, list[tuple[int, float]]]:
    """Each experiment's phases as (number of steps, η)."""
    first = (1, eta_from_notebook(LR_FIRST))
    return {
        "below_bound": [(steps + 1, eta_from_notebook(LR_FIRST))],
        "half_notebook": [first, (steps, eta_from_notebook(LR_MAIN / 2))],
        "notebook_schedule": [first, (steps, eta_from_notebook(LR_MAIN))],
    }


def whitened_gaussian_inputs(n_samples: int, n_in: int, *, rng: np.random.Generator) -> np.ndarray:
    """I.i.d. Gaussian inputs (P, N), exactly whitened on the sample (Σ11 = I)."""
    return whiten_exactly(rng.standard_normal((n_samples, n_in)))


def make_task(inputs: Callable[..., np.ndarray] = whitened_gaussian_inputs, *,
              rng: np.random.Generator):
    """Inputs X (P, N), targets Y = X W*ᵀ (P, M) and the Gaussian teacher W* (M, N)."""
    teacher = teacher_matrix(N_OUT, N_IN, rng=rng, spectrum="gaussian")
    X = inputs(N_SAMPLES, N_IN, rng=rng)
    return X, X @ teacher.T, teacher


def gauss_newton_sharpness(weights) -> np.ndarray:
    r"""Top eigenvalue of the Gauss-Newton matrix of a two-layer net on whitened inputs, shape (...).

    The Jacobian of :math:`W_{32}W_{21}` maps :math:`(dW_{21}, dW_{32}) \mapsto W_{32}dW_{21} +
    dW_{32}W_{21}`, so :math:`JJ^\top F = W_{32}W_{32}^\top F + F W_{21}^\top W_{21}`, whose top
    eigenvalue is :math:`\lambda_{max}(W_{32}W_{32}^\top) + \lambda_{max}(W_{21}W_{21}^\top)`.
    """
    W21, W32 = weights
    top = [np.linalg.eigvalsh(A @ np.swapaxes(A, -1, -2))[..., -1] for A in (W32, W21)]
    return top[0] + top[1]


def run_schedule(weights, stats: Statistics, phases, record: np.ndarray, target: np.ndarray, *,
                 progress: bool = False) -> dict[str, np.ndarray]:
    """Run the phases one after the other on an ensemble; step counts continue across phases.

    Parameters
    ----------
    weights : tuple (W21, W32)
        Shapes (K, H, N) and (K, M, H): K members.
    phases : list of (int, float)
        Number of steps and η of each phase.
    record : ndarray of int, shape (T,)
        Global steps to record.
    target : ndarray, shape (M, N)
        The map ``dist`` measures the distance to.

    Returns
    -------
    dict
        ``loss``, ``norm_W21``, ``norm_W32`` and ``dist`` (‖target − W32 W21‖_F), each (T, K)
        over (recorded step, member), NaN after a member diverged; ``time`` (T,), the sum of
        the steps η taken up to each recorded step; ``diverged`` and ``diverged_step`` (K,),
        the latter a global step (−1 if never).
    """
    K = weights[0].shape[0]
    T = record.size
    out = {k: np.full((T, K), np.nan) for k in ("loss", "norm_W21", "norm_W32", "dist")}
    div_step = np.full(K, -1, dtype=np.int64)
    alive = np.arange(K)
    ws = tuple(W.copy() for W in weights)
    start = 0
    for n_steps, eta in phases:
        local = record[(record >= start) & (record <= start + n_steps)] - start
        if alive.size:
            traj = train.gradient_descent(tuple(W[alive] for W in ws), stats, eta, n_steps,
                                          record_steps=local, keep_weights=True,
                                          progress=progress)
            rows = np.searchsorted(record, local + start)
            with np.errstate(over="ignore", invalid="ignore"):  # a diverged member is inf/NaN
                for i, hist in zip(rows, traj.history):
                    out["norm_W21"][i, alive] = np.linalg.norm(hist[0], axis=(-2, -1))
                    out["norm_W32"][i, alive] = np.linalg.norm(hist[1], axis=(-2, -1))
                out["dist"][rows[:, None], alive] = np.linalg.norm(target - traj.product,
                                                                   axis=(-2, -1))
            out["loss"][rows[:, None], alive] = traj.loss
            bad = np.asarray(traj.diverged)
            div_step[alive[bad]] = traj.diverged_step[bad] + start
            for W, Wn in zip(ws, traj.weights):
                W[alive] = Wn
            alive = alive[~bad]
        start += n_steps
    etas = np.concatenate([np.full(n, eta) for n, eta in phases])
    out["time"] = np.concatenate([[0.0], np.cumsum(etas)])[record]
    out["diverged"] = div_step >= 0
    out["diverged_step"] = div_step
    return out


def member_rows(res: dict, record: np.ndarray, printed: np.ndarray, dist_column: str,
                columns: dict, member_columns: dict | None = None) -> list[pd.DataFrame]:
    """One frame per member of a :func:`run_schedule` result, its rows after a divergence dropped.

    ``columns`` are the same in every row; ``member_columns`` map a name to a (K,) array of
    one value per member. The member index is the ``seed``; ``dist`` is named ``dist_column``.
    """
    member_columns = member_columns or {}
    frames = []
    for seed in range(res["loss"].shape[1]):
        keep = np.isfinite(res["loss"][:, seed])
        frames.append(pd.DataFrame({
            **columns,
            "seed": seed,
            "step": record[keep],
            "time": res["time"][keep],
            "source": "simulation",
            "loss": res["loss"][keep, seed],
            "norm_W21": res["norm_W21"][keep, seed],
            "norm_W32": res["norm_W32"][keep, seed],
            dist_column: res["dist"][keep, seed],
            "diverged": bool(res["diverged"][seed]),
            "diverged_step": int(res["diverged_step"][seed]),
            **{name: values[seed] for name, values in member_columns.items()},
            "printed": printed[keep],
        }))
    return frames


def printed_steps(total_steps: int) -> np.ndarray:
    """Global steps at which the notebook printed its loss, up to ``total_steps``.

    Step 0 (In[26]), step 1 (In[29], after its one step at lr 1), then In[31]'s lines: its loop
    variable ``i`` counts the loop's own steps, so after iteration ``i`` the net has taken
    ``1 + i`` steps, and ``(i + 1) % 1000 == 0`` prints "step i + 1" at global steps 1000,
    2000, …, 10000. The loop's last step (global 10,001) prints nothing.
    """
    return np.concatenate([[0, 1], np.arange(PRINT_EVERY, total_steps + 1, PRINT_EVERY)])


def recording_grid(total_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Recorded steps (log-spaced, the last one and the printed ones) and which the notebook printed."""
    printed = printed_steps(total_steps)
    grid = np.union1d(train.log_steps(total_steps, N_LOG), printed)
    return grid, np.isin(grid, printed)


def simulate(*, quick: bool, inputs=whitened_gaussian_inputs, progress: bool = False) -> pd.DataFrame:
    """Every experiment over every seed, as one tidy table."""
    steps = STEPS_QUICK if quick else STEPS_FULL
    n_seeds = SEEDS_QUICK if quick else SEEDS_FULL
    X, Y, teacher = make_task(inputs, rng=tables.rng_for(NAME, "task"))
    stats = Statistics.from_data(X, Y)
    if not stats.is_white:
        raise ValueError("seed_notebook's sharpness formula assumes whitened inputs (Σ11 = I)")
    # One draw per seed, the same in every experiment: the schedules differ, the draws do not.
    draws = [network.init_gaussian((N_IN, HIDDEN, N_OUT), INIT_SCALE, rng=tables.rng_for(NAME, "init", seed))
             for seed in range(n_seeds)]
    weights = tuple(np.stack([d[l] for d in draws]) for l in range(2))
    after_first = train.gradient_descent(weights, stats, eta_from_notebook(LR_FIRST), 1,
                                         record_steps=[1]).weights
    sharpness = gauss_newton_sharpness(after_first)
    record, printed = recording_grid(steps + 1)
    dataset = inputs.__name__.removesuffix("_inputs")
    frames = []
    for experiment, phases in schedules(steps).items():
        res = run_schedule(weights, stats, phases, record, teacher, progress=progress)
        frames += member_rows(res, record, printed, "dist_teacher",
                              {"experiment": experiment, "dataset": dataset, "width": HIDDEN,
                               "init": "gaussian", "init_scale": INIT_SCALE, "lr": phases[-1][1],
                               "lr_first": phases[0][1]},
                              {"sharpness_gn": sharpness})
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = _analysis.parser(NAME, __doc__).parse_args(argv)
    table = simulate(quick=args.quick, progress=args.progress)
    tables.write(table, args.out, schema=NAME)
    summary = table.groupby("experiment").agg(lr=("lr", "first"), seeds=("seed", "nunique"))
    summary["diverged"] = table.groupby(["experiment", "seed"]).diverged.first().groupby("experiment").sum()
    print(summary.to_string())
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
