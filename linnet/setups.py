r"""Building blocks that several analyses share: tasks, initialisations, runs and η schedules.

- :func:`whitened_teacher_stats`: the statistics of a square teacher on exactly whitened inputs;
- :func:`match_determinant_sign`: a square balanced network started on the teacher's side of
  det = 0;
- :func:`whitened_mnist`: the project's MNIST setting (top-100 PCA-whitened inputs) with the
  columns every MNIST-family row records;
- :class:`LinearTeacher`: the spec of the two-layer linear-teacher runs (Saxe et al. 2014,
  Fig. 3) that ``analysis/teacher_modes.py`` and ``analysis/teacher_loss.py`` both tabulate,
  and :func:`teacher_runs`, :func:`theory_strengths`;
- :func:`run_phases`: gradient descent on an ensemble through phases of constant η.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from . import network, tables, theory, train
from .experiment import Schema, Spec
from .stats import Statistics

__all__ = ["N_COMPONENTS", "whitened_teacher_stats", "match_determinant_sign", "dataset_label",
           "whitened_mnist", "LinearTeacher", "TeacherRun", "teacher_runs", "theory_strengths",
           "run_phases"]

N_COMPONENTS = 100  # top-100 PCA-whitened inputs: the project's MNIST setting (docs/theory.md#data-sets)


def whitened_teacher_stats(experiment: str, s) -> Statistics:
    """Statistics of a square linear teacher with singular values ``s`` (n,) on exactly whitened inputs.

    Σ11 = I (n × n), Σ31 = the teacher (n × n, random singular vectors drawn from
    ``tables.rng_for(experiment, "teacher")``) and Tr Σ33 = Σ s_α² (noiseless targets), so the
    least-squares residual is zero.

    Examples
    --------
    >>> st = whitened_teacher_stats("demo", np.array([2.0, 1.0]))
    >>> np.round(st.modes.s, 12), round(st.min_loss(), 12)
    (array([2., 1.]), 0.0)
    """
    from .data import teacher_matrix

    s = np.asarray(s, dtype=float)
    n = s.size
    W = teacher_matrix(n, n, rng=tables.rng_for(experiment, "teacher"), spectrum=s)
    return Statistics(np.eye(n), W, float(np.sum(s**2)))


def match_determinant_sign(weights, sigma31: np.ndarray):
    """Flip the first row of the last layer when det(W_L⋯W_1) and det Σ31 differ in sign.

    A balanced square network cannot change the sign of its determinant without passing a
    singular map, so from the wrong sign one mode stalls at a saddle. Flipping a row of W_L
    keeps W_Lᵀ W_L, hence every balance identity (W_{l+1}ᵀW_{l+1} − W_l W_lᵀ).

    Parameters
    ----------
    weights : tuple of ndarray
        Square layers (n, n) of one network.
    sigma31 : ndarray, shape (n, n)

    Examples
    --------
    >>> w = (np.eye(2), np.diag([1.0, -1.0]))
    >>> out = match_determinant_sign(w, np.eye(2))
    >>> float(np.linalg.det(out[1] @ out[0]))
    1.0
    """
    if np.linalg.det(network.end_to_end(weights)) * np.linalg.det(sigma31) < 0:
        flip = np.ones(weights[-1].shape[0])
        flip[0] = -1.0
        weights = tuple(weights[:-1]) + (weights[-1] * flip[:, None],)
    return weights


def dataset_label(images) -> str:
    """``mnist-embedded`` for the embedded sample, else the data set's name.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> dataset_label(SimpleNamespace(name="mnist", source="embedded"))
    'mnist-embedded'
    """
    return f"{images.name}-embedded" if images.source == "embedded" else images.name


def whitened_mnist(dataset: str = "mnist", data_dir=None, *, n_train: int | None = None,
                   kind: str = "pm1"):
    """The project's MNIST setting: a whitened task, its training statistics and row columns.

    Parameters
    ----------
    dataset : {"mnist", "fashion"}
    data_dir : path, optional
        Folder with the four IDX files (default: what :func:`linnet.data.resolve` finds).
    n_train : int, optional
        Keep the first ``n_train`` training images (whitened on those).
    kind : str
        Targets (:func:`linnet.data.targets`), default ±1.

    Returns
    -------
    task : linnet.data.WhitenedTask
        Top-:data:`N_COMPONENTS` PCA-whitened inputs (Σ11 = I on the training set).
    stats : linnet.Statistics
        Of the whitened training set.
    columns : dict
        ``dataset`` (:func:`dataset_label`), ``n_train``, ``n_test``, ``split``: for every row.

    Examples
    --------
    >>> task, stats, columns = whitened_mnist(n_train=500)
    >>> task.X.shape, columns["dataset"], columns["n_train"]
    ((500, 100), 'mnist-embedded', 500)
    """
    from . import data

    images = data.load(dataset, data_dir)
    task = data.whitened_task(images, N_COMPONENTS, kind=kind, n_train=n_train)
    stats = Statistics.from_data(task.X, task.Y)
    columns = {"dataset": dataset_label(images), "n_train": task.X.shape[0],
               "n_test": task.X_test.shape[0], "split": task.data.split}
    return task, stats, columns


@dataclasses.dataclass(frozen=True)
class LinearTeacher(Spec):
    """Two-layer networks learning a linear teacher on whitened inputs, from aligned or random init.

    Saxe, McClelland & Ganguli (2014), Fig. 3 (docs/theory.md#two-layer-dynamics): a teacher
    with ``n_in`` inputs, ``n_out`` outputs and the geometric spectrum s_α = s_max·ratio^(α−1),
    ``n_samples`` exactly whitened Gaussian inputs, a hidden layer of ``width`` units, full-batch
    gradient descent at η = ``lr`` for ``steps`` steps, recorded at ``records`` log-spaced
    steps. Every seed 0..``seeds``−1 draws its own teacher and initial weights.

    ``aligned``: decoupled balanced weights with every mode at ``u0_aligned``
    (:func:`linnet.network.init_aligned`); ``random``: i.i.d. Gaussian entries of std
    ``scale_random``, whose theory starts from :func:`linnet.theory.effective_initial_strength`.

    Examples
    --------
    >>> spec = LinearTeacher(steps=50, seeds=1, records=3, inits=("aligned",))
    >>> [(r.init, r.seed, r.traj.step.tolist()) for r in teacher_runs(spec)]
    [('aligned', 0, [0, 1, 7, 50])]
    """

    n_in: int = 20
    n_out: int = 5
    n_samples: int = 200
    width: int = 32  # wider than the 5 modes: competition for hidden directions stays small
    s_max: float = 4.0
    ratio: float = 0.5  # s = 4, 2, 1, 0.5, 0.25
    lr: float = 0.01  # η·s1 = 0.04, far below the stability bound η < 1/s1 = 0.25
    steps: int = 4000  # t = 40: twice the slowest predicted t½ from random init (≈ 19)
    u0_aligned: float = 1e-3
    scale_random: float = 1e-3
    inits: tuple[str, ...] = ("aligned", "random")
    seeds: int = 8
    records: int = 100

    schema = Schema(keys=())  # each script that tabulates these runs names its own

    def __post_init__(self):
        super().__post_init__()
        bad = [i for i in self.inits if i not in ("aligned", "random")]
        if bad:
            raise ValueError(f"inits must be aligned and/or random; got {', '.join(bad)}")

    @classmethod
    def quick(cls):
        """Two seeds and 40 records, the full ``steps``: the smoke tests' grid.

        Examples
        --------
        >>> q = LinearTeacher.quick()
        >>> q.seeds, q.records, q.steps == LinearTeacher().steps
        (2, 40, True)
        """
        return cls(seeds=2, records=40)


class TeacherRun(NamedTuple):
    """One run of :func:`teacher_runs` with what its theory needs.

    ``stats`` are the statistics of the run's own teacher task, ``traj`` its gradient-descent
    trajectory and ``u0`` (r,) the initial strength of each of the r teacher modes.

    Examples
    --------
    >>> run = teacher_runs(LinearTeacher(steps=10, seeds=1, records=2, inits=("aligned",)))[0]
    >>> run.init, run.init_scale, run.seed, run.traj.step.tolist(), run.u0.tolist()
    ('aligned', 0.001, 0, [0, 1, 10], [0.001, 0.001, 0.001, 0.001, 0.001])
    """

    init: str
    init_scale: float
    seed: int
    stats: Statistics
    traj: train.Trajectory
    u0: np.ndarray  # (r,) initial strength the theory starts each mode from

    def columns(self, spec: LinearTeacher) -> dict:
        """The run's key columns: experiment, width, init, init_scale, lr, seed.

        Examples
        --------
        >>> spec = LinearTeacher(steps=10, seeds=1, records=2, inits=("random",))
        >>> teacher_runs(spec)[0].columns(spec)  # doctest: +NORMALIZE_WHITESPACE
        {'experiment': 'linear_teacher', 'width': 32, 'init': 'random', 'init_scale': 0.001,
         'lr': 0.01, 'seed': 0}
        """
        return {"experiment": "linear_teacher", "width": spec.width, "init": self.init,
                "init_scale": self.init_scale, "lr": spec.lr, "seed": self.seed}


def _teacher_run(spec: LinearTeacher, init: str, seed: int, record_steps) -> TeacherRun:
    from .data.teacher import teacher_task

    task = teacher_task(spec.n_in, spec.n_out, spec.n_samples,
                        rng=tables.rng_for("linear_teacher", "task", seed),
                        s_max=spec.s_max, ratio=spec.ratio, whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    widths = (spec.n_in, spec.width, spec.n_out)
    rng = tables.rng_for("linear_teacher", "init", init, seed)
    if init == "aligned":
        weights = network.init_aligned(stats.modes, widths, spec.u0_aligned, rng=rng)
        u0, scale = np.full(stats.modes.rank, spec.u0_aligned), spec.u0_aligned
    else:
        weights = network.init_gaussian(widths, spec.scale_random, rng=rng)
        u0, scale = theory.effective_initial_strength(weights, stats.modes), spec.scale_random
    traj = train.gradient_descent(weights, stats, spec.lr, spec.steps, record_steps=record_steps)
    if traj.diverged:  # a table of mode strengths built on a diverged run would be meaningless
        raise ValueError(f"{traj.message}; lower lr (η·s_max must stay below 1)")
    return TeacherRun(init, scale, seed, stats, traj, u0)


def teacher_runs(spec: LinearTeacher) -> list[TeacherRun]:
    """Every (init, seed) run of ``spec``, init-major; see :class:`LinearTeacher`.

    Each is recorded at the same ``spec.records`` log-spaced steps of 0..``spec.steps``
    (:func:`linnet.train.log_steps`).

    Examples
    --------
    >>> import dataclasses
    >>> spec = dataclasses.replace(LinearTeacher.quick(), steps=10, records=3)
    >>> runs = teacher_runs(spec)
    >>> [(r.init, r.seed) for r in runs], runs[0].traj.step.tolist()
    ([('aligned', 0), ('aligned', 1), ('random', 0), ('random', 1)], [0, 1, 3, 10])
    """
    record = train.log_steps(spec.steps, spec.records)
    return [_teacher_run(spec, init, seed, record) for init in spec.inits
            for seed in range(spec.seeds)]


def theory_strengths(run: TeacherRun, lr: float) -> dict[str, np.ndarray]:
    """Theory mode strengths on the run's grid, shape (T, r) per source.

    ``theory``: Saxe eq. 12 at t = step·η; ``theory_discrete``: the exact gradient-descent map
    u ← u(1 + η(s − u))² (docs/theory.md#discrete-gradient-descent). Both start from ``run.u0``.

    Examples
    --------
    >>> run = teacher_runs(LinearTeacher(steps=20, seeds=1, records=2, inits=("aligned",)))[0]
    >>> th = theory_strengths(run, 0.01)
    >>> sorted(th), th["theory"].shape
    (['theory', 'theory_discrete'], (3, 5))
    """
    s, step = run.stats.modes.s, run.traj.step
    return {
        "theory": theory.mode_strength(step[:, None] * lr, s, run.u0),
        "theory_discrete": theory.mode_strength_discrete(step, s, run.u0, lr=lr),
    }


def run_phases(weights, stats: Statistics, phases, record, target, *,
               progress: bool = False) -> dict[str, np.ndarray]:
    """Gradient descent on an ensemble of two-layer networks through phases of constant η.

    The step count continues across phases; a member that diverges is frozen (NaN from then
    on) and leaves the later phases.

    Parameters
    ----------
    weights : tuple (W21, W32)
        Shapes (K, H, N) and (K, M, H): K members.
    stats : Statistics
    phases : list of (int, float)
        Number of steps and η of each phase.
    record : ndarray of int, shape (T,)
        Global steps to record, increasing.
    target : ndarray, shape (M, N)
        The map ``dist`` measures the distance to.
    progress : bool
        Progress bars (:func:`linnet.train.gradient_descent`).

    Returns
    -------
    dict
        ``loss``, ``norm_W21``, ``norm_W32`` and ``dist`` (‖target − W32 W21‖_F), each (T, K)
        over (recorded step, member), NaN after a member diverged; ``time`` (T,), the sum of
        the steps η taken up to each recorded step; ``diverged`` and ``diverged_step`` (K,),
        the latter a global step (−1 if never).

    Examples
    --------
    >>> st = Statistics(np.eye(2), np.diag([2.0, 1.0]), 5.0)
    >>> w = network.stack([network.init_gaussian((2, 2, 2), 0.1, rng=np.random.default_rng(0))])
    >>> res = run_phases(w, st, [(1, 0.1), (100, 0.2)], np.array([0, 1, 101]), np.diag([2.0, 1.0]))
    >>> np.round(res["time"], 3), bool(res["diverged"][0]), bool(res["loss"][-1, 0] < 1e-6)
    (array([ 0. ,  0.1, 20.1]), False, True)
    """
    K, T = weights[0].shape[0], record.size
    out = {k: np.full((T, K), np.nan) for k in ("loss", "norm_W21", "norm_W32", "dist")}
    div_step = np.full(K, -1, dtype=np.int64)
    alive = np.arange(K)
    ws = tuple(W.copy() for W in weights)
    start = 0
    for n_steps, eta in phases:
        local = record[(record >= start) & (record <= start + n_steps)] - start
        if alive.size:
            # The phase's last step is always recorded (gradient_descent needs a step to record,
            # and a phase may hold none of the requested ones); only `local` is copied out.
            steps_run = np.union1d(local, [n_steps])
            traj = train.gradient_descent(tuple(W[alive] for W in ws), stats, eta, n_steps,
                                          record_steps=steps_run, keep_weights=True,
                                          progress=progress)
            _record_phase(out, np.searchsorted(record, local + start), alive, traj, target,
                          picks=np.searchsorted(steps_run, local))
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


def _record_phase(out: dict, rows, alive, traj, target, *, picks) -> None:
    """Copy the records ``picks`` of one phase's ``alive`` members into the rows ``rows`` of ``out``."""
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged member is inf/NaN
        for i, p in zip(rows, picks):
            hist = traj.history[p]
            out["norm_W21"][i, alive] = np.linalg.norm(hist[0], axis=(-2, -1))
            out["norm_W32"][i, alive] = np.linalg.norm(hist[1], axis=(-2, -1))
        out["dist"][rows[:, None], alive] = np.linalg.norm(target - traj.product[picks], axis=(-2, -1))
    out["loss"][rows[:, None], alive] = traj.loss[picks]
