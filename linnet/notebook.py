r"""The seed notebook's setting and conventions (``docs/seed-notebook.txt``).

Shared by ``analysis/seed_notebook.py`` (its run over many draws, whitened Gaussian inputs),
``analysis/mnist_seed_notebook.py`` (the same run on whitened MNIST) and
``analysis/seed_notebook_replay.py`` (its own draws and inputs):

- its sizes: N = 100 inputs, 20 hidden units, M = 10 outputs, P = 1000 samples;
- **the step mapping** (docs/theory.md#other-conventions): its loss has no ½ and its hand
  gradient a second 1/P, so its ``W -= lr * grad`` is linnet's step at η = 2·lr/P
  (:func:`eta_from_notebook`): lr 1 → η = 0.002, lr 10 → η = 0.02;
- its schedule: one step at lr 1 (In[29]), then In[31]'s loop at lr 10, which printed the loss
  at global steps 1000, 2000, … (:func:`printed_steps`);
- :class:`SeedNotebook`, the spec of its run over many draws, and :func:`simulate`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from . import network, setups, tables, train
from .experiment import Schema, Spec
from .stats import Statistics

__all__ = ["PRINT_EVERY", "eta_from_notebook", "printed_steps", "recording_grid", "SeedNotebook",
           "schedules", "whitened_gaussian_inputs", "make_task", "gauss_newton_sharpness",
           "simulate"]

PRINT_EVERY = 1000  # In[31] printed the loss every 1000 steps of its loop


def eta_from_notebook(lr_notebook: float, n_samples: int = 1000) -> float:
    r"""linnet's step η for the notebook's ``lr``: its update is :math:`(2/P)\,\partial\mathcal L/\partial W`, so η = 2·lr / P.

    Examples
    --------
    >>> eta_from_notebook(1.0), eta_from_notebook(10.0), eta_from_notebook(3.0, 40)
    (0.002, 0.02, 0.15)
    """
    return 2.0 * lr_notebook / n_samples


def printed_steps(total_steps: int) -> np.ndarray:
    """Global steps at which the notebook printed its loss, up to ``total_steps``.

    Step 0 (In[26]), step 1 (In[29], after its one step at lr 1), then In[31]'s lines: its loop
    variable ``i`` counts the loop's own steps, so after iteration ``i`` the net has taken
    ``1 + i`` steps, and ``(i + 1) % 1000 == 0`` prints "step i + 1" at global steps 1000,
    2000, …, 10000. The loop's last step (global 10,001) prints nothing.

    Examples
    --------
    >>> printed_steps(3001).tolist()
    [0, 1, 1000, 2000, 3000]
    """
    return np.concatenate([[0, 1], np.arange(PRINT_EVERY, total_steps + 1, PRINT_EVERY)])


def recording_grid(total_steps: int, n_log: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Recorded steps (``n_log`` log-spaced, the last one and the printed ones) and which the notebook printed.

    Examples
    --------
    >>> grid, printed = recording_grid(2001, 4)
    >>> grid.tolist(), grid[printed].tolist()
    ([0, 1, 13, 159, 1000, 2000, 2001], [0, 1, 1000, 2000])
    """
    printed = printed_steps(total_steps)
    grid = np.union1d(train.log_steps(total_steps, n_log), printed)
    return grid, np.isin(grid, printed)


@dataclasses.dataclass(frozen=True)
class SeedNotebook(Spec):
    """The notebook's run over many random draws (see the module docstring).

    A teacher W* with i.i.d. N(0, 1) entries (``n_out`` × ``n_in``), ``n_samples`` inputs,
    targets y = W* x, a hidden layer of ``width`` units, initial weights of std ``init_scale``
    (no fan-in scaling), one step at the notebook's ``notebook_lr_first`` and ``steps`` at
    ``notebook_lr_main`` (η = 2·lr/P each), recorded at the printed steps and ``n_log``
    log-spaced ones, for seeds 0..``seeds``−1.

    Examples
    --------
    >>> spec = SeedNotebook()
    >>> (spec.n_in, spec.width, spec.n_out, spec.n_samples), spec.eta(spec.notebook_lr_main)
    ((100, 20, 10, 1000), 0.02)
    >>> spec.assign(["steps=500"]).steps
    500
    """

    n_in: int = 100
    width: int = 20
    n_out: int = 10
    n_samples: int = 1000
    init_scale: float = 1.0
    notebook_lr_first: float = 1.0  # In[29]
    notebook_lr_main: float = 10.0  # In[31]
    steps: int = 10_000  # of the main phase
    seeds: int = 50
    n_log: int = 60

    schema = Schema(keys=())  # each script that tabulates the run names its own

    @classmethod
    def quick(cls):
        """The notebook's sizes with 2,000 main steps and 5 seeds: the smoke tests' grid.

        Examples
        --------
        >>> q = SeedNotebook.quick()
        >>> q.steps, q.seeds, q.n_samples
        (2000, 5, 1000)
        """
        return cls(steps=2_000, seeds=5)

    def eta(self, lr_notebook: float) -> float:
        """η = 2·lr/P of a notebook ``lr`` at this spec's P = ``n_samples``.

        Examples
        --------
        >>> SeedNotebook().eta(10.0), SeedNotebook(n_samples=40).eta(1.0)
        (0.02, 0.05)
        """
        return eta_from_notebook(lr_notebook, self.n_samples)


def schedules(spec: SeedNotebook) -> dict[str, list[tuple[int, float]]]:
    """Each experiment's phases as (number of steps, η): below the bound, half and the notebook's.

    Examples
    --------
    >>> schedules(SeedNotebook(steps=100))["notebook_schedule"]
    [(1, 0.002), (100, 0.02)]
    """
    first = (1, spec.eta(spec.notebook_lr_first))
    return {
        "below_bound": [(spec.steps + 1, spec.eta(spec.notebook_lr_first))],
        "half_notebook": [first, (spec.steps, spec.eta(spec.notebook_lr_main / 2))],
        "notebook_schedule": [first, (spec.steps, spec.eta(spec.notebook_lr_main))],
    }


def whitened_gaussian_inputs(n_samples: int, n_in: int, *, rng: np.random.Generator) -> np.ndarray:
    """I.i.d. Gaussian inputs (P, N), exactly whitened on the sample (Σ11 = I).

    Examples
    --------
    >>> X = whitened_gaussian_inputs(50, 3, rng=np.random.default_rng(0))
    >>> X.shape, bool(np.allclose(X.T @ X / 50, np.eye(3), rtol=0, atol=1e-12))
    ((50, 3), True)
    """
    from .data.teacher import whiten_exactly

    return whiten_exactly(rng.standard_normal((n_samples, n_in)))


def make_task(spec: SeedNotebook, inputs: Callable[..., np.ndarray] = whitened_gaussian_inputs, *,
              rng: np.random.Generator):
    """Inputs X (P, N), targets Y = X W*ᵀ (P, M) and the Gaussian teacher W* (M, N).

    Examples
    --------
    >>> X, Y, W = make_task(SeedNotebook(n_samples=30, n_in=4, n_out=2), rng=np.random.default_rng(0))
    >>> X.shape, Y.shape, W.shape
    ((30, 4), (30, 2), (2, 4))
    """
    from .data.teacher import teacher_matrix

    teacher = teacher_matrix(spec.n_out, spec.n_in, rng=rng, spectrum="gaussian")
    X = inputs(spec.n_samples, spec.n_in, rng=rng)
    return X, X @ teacher.T, teacher


def gauss_newton_sharpness(weights) -> np.ndarray:
    r"""Top eigenvalue of the Gauss-Newton matrix of a two-layer net on whitened inputs, shape (...).

    The Jacobian of :math:`W_{32}W_{21}` maps :math:`(dW_{21}, dW_{32}) \mapsto W_{32}dW_{21} +
    dW_{32}W_{21}`, so :math:`JJ^\top F = W_{32}W_{32}^\top F + F W_{21}^\top W_{21}`, whose top
    eigenvalue is :math:`\lambda_{max}(W_{32}W_{32}^\top) + \lambda_{max}(W_{21}W_{21}^\top)`.

    Examples
    --------
    >>> float(gauss_newton_sharpness((2 * np.eye(2), 3 * np.eye(2))))
    13.0
    """
    W21, W32 = weights
    top = [np.linalg.eigvalsh(A @ np.swapaxes(A, -1, -2))[..., -1] for A in (W32, W21)]
    return top[0] + top[1]


def simulate(spec: SeedNotebook, inputs=whitened_gaussian_inputs, *,
             progress: bool = False) -> pd.DataFrame:
    """Every experiment of :func:`schedules` over every seed, as one long table.

    The task and the draws come from ``tables.rng_for("seed_notebook", …)``, whatever the
    ``inputs``: one draw per seed, the same in every experiment. Columns: experiment,
    dataset (``inputs``' name without ``_inputs``), width, init, init_scale, lr (η of the main
    phase), lr_first, seed, step, time, source, loss, norm_W21, norm_W32, dist_teacher,
    diverged, diverged_step, sharpness_gn (after step 1), printed. Rows after a member's
    divergence are dropped.

    Examples
    --------
    >>> t = simulate(SeedNotebook(n_in=6, width=3, n_out=2, n_samples=40, steps=5, seeds=2, n_log=2))
    >>> sorted(set(t.experiment)), sorted(set(t.seed)), int(t.step.max())
    (['below_bound', 'half_notebook', 'notebook_schedule'], [0, 1], 6)
    """
    X, Y, teacher = make_task(spec, inputs, rng=tables.rng_for("seed_notebook", "task"))
    stats = Statistics.from_data(X, Y)
    if not stats.is_white:
        raise ValueError("the notebook's sharpness formula assumes whitened inputs (Σ11 = I)")
    widths = (spec.n_in, spec.width, spec.n_out)
    weights = network.stack([network.init_gaussian(widths, spec.init_scale,
                                                   rng=tables.rng_for("seed_notebook", "init", seed))
                             for seed in range(spec.seeds)])
    after_first = train.gradient_descent(weights, stats, spec.eta(spec.notebook_lr_first), 1,
                                         record_steps=[1]).weights
    record, printed = recording_grid(spec.steps + 1, spec.n_log)
    columns = {"dataset": inputs.__name__.removesuffix("_inputs"), "width": spec.width,
               "init": "gaussian", "init_scale": spec.init_scale}
    frames = []
    for experiment, phases in schedules(spec).items():
        res = setups.run_phases(weights, stats, phases, record, teacher, progress=progress)
        frames += schedule_frames(res, record, printed, "dist_teacher",
                                  {"experiment": experiment, **columns, "lr": phases[-1][1],
                                   "lr_first": phases[0][1]},
                                  {"sharpness_gn": gauss_newton_sharpness(after_first)})
    return pd.concat(frames, ignore_index=True)


def schedule_frames(res: dict, record: np.ndarray, printed: np.ndarray, dist_column: str,
                    columns: dict, member_columns: dict | None = None) -> list[pd.DataFrame]:
    """One frame per member of a :func:`linnet.setups.run_phases` result, rows from the divergence step on (whose loss is NaN) dropped.

    ``columns`` are the same in every row; ``member_columns`` map a name to a (K,) array of
    one value per member. The member index is the ``seed``; ``dist`` is named ``dist_column``;
    ``printed`` (T,) marks the rows the notebook printed.

    Examples
    --------
    >>> res = {"loss": np.array([[1.0], [np.nan]]), "time": np.array([0.0, 0.1]),
    ...        "norm_W21": np.ones((2, 1)), "norm_W32": np.ones((2, 1)), "dist": np.ones((2, 1)),
    ...        "diverged": np.array([True]), "diverged_step": np.array([1])}
    >>> f = schedule_frames(res, np.array([0, 1]), np.array([True, True]), "dist", {"lr": 0.1})
    >>> f[0][["seed", "step", "loss", "diverged_step"]].to_dict("records")
    [{'seed': 0, 'step': 0, 'loss': 1.0, 'diverged_step': 1}]
    """
    per_member = {"loss": res["loss"], "norm_W21": res["norm_W21"], "norm_W32": res["norm_W32"],
                  dist_column: res["dist"], "diverged": res["diverged"],
                  "diverged_step": res["diverged_step"], **(member_columns or {})}
    return tables.member_frames(
        {**columns, "step": record, "time": res["time"], "source": "simulation"}, per_member,
        keep=np.isfinite(res["loss"]), trailing={"printed": printed})
