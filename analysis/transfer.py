r"""Transfer benefit between two noisy rank-1 tasks against their input-mode overlap q: joint training vs Lampinen–Ganguli theory.

Writes ``results/transfer.csv``. Setting (Lampinen & Ganguli 2019, §6 and Fig. 5;
docs/theory.md#transfer-between-two-tasks): a target task of strength s_T and an auxiliary
task of strength s_A, each a rank-1 teacher with N3 = 50 outputs of its own, share N1 = 100
exactly whitened inputs (P = N1, the paper's orthonormal inputs) with input-mode overlap
q = v_T·v_A, label noise σ_z = 1 (entries σ_z²/N1 in Σ31; :func:`linnet.data.transfer.transfer_task`).
Two students from aligned weights (every mode at u0 = 1e-5), full-batch gradient descent on the
statistics: the *joint* one N1 → 50 → 2·N3 on both tasks, the *alone* one N1 → 50 → N3 on the
target's outputs only (the same data: the target's draw does not depend on s_A or q, so
each seed's benefit is a paired difference). ``benefit`` = ε_alone − ε_joint, each the
minimum over the recorded times of the target-head test error ‖W_T − W̄_T‖²/s_T²
(the paper's definition, a difference; > 0: the auxiliary task helps).

Rows: ``source = simulation`` (one per seed, target, aux, q) and ``source = theory``
(:func:`linnet.theory.transfer.transfer_benefit`, on a finer q grid, denser towards q = 1,
that contains the simulated q). Columns ``alone``, ``joint`` (the two optimal errors) and ``t_alone``,
``t_joint`` (their stopping times). Default: targets 0.84 (= A^{1/4}, the single task's
transition) and 3, auxiliary strengths 10, 3, 0.84, q = 0, 0.25, …, 1, 3 seeds, η = 1e-2
(η·ŝ ≤ 0.11) for 500 steps (t = 5, past every optimum of this grid), recorded every δt = 0.02. ``--paper``: the paper's grid (targets
0.84, 3, 100; auxiliary 100, 30, 10, 3, 0.84; q = 0, 0.1, …, 1; 10 seeds; η = 1e-3, 5,000 steps).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from linnet import Statistics, experiment, network, tables, train
from linnet.data.transfer import target_test_error, transfer_task
from linnet.theory import transfer as tr

NAME = "transfer"


@dataclasses.dataclass(frozen=True)
class Transfer(experiment.Spec):
    """Sizes, noise, strengths, overlaps, GD step and length, seeds."""

    n_in: int = 100
    n_out: int = 50
    width: int = 50
    noise: float = 1.0
    u0: float = 1e-5
    targets: tuple[float, ...] = (0.84, 3.0)
    auxes: tuple[float, ...] = (10.0, 3.0, 0.84)
    qs: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    theory_points: int = 21
    lr: float = 1e-2
    steps: int = 500
    record_every: int = 2
    seeds: int = 3

    schema = experiment.Schema(
        keys=("experiment", "source", "target", "aux", "q", "seed"),
        columns=("benefit", "alone", "joint", "t_alone", "t_joint"))

    @classmethod
    def quick(cls):
        return cls(targets=(3.0,), auxes=(10.0, 0.84), qs=(0.0, 1.0), theory_points=3, seeds=2)

    @classmethod
    def paper(cls):
        return cls(targets=(0.84, 3.0, 100.0), auxes=(100.0, 30.0, 10.0, 3.0, 0.84),
                   qs=tuple(np.round(np.linspace(0, 1, 11), 10)), lr=1e-3, steps=5000, record_every=10,
                   seeds=10)


def check(spec: Transfer) -> None:
    """Reject what the run cannot do, naming the ``--set`` key."""
    if 2 * spec.n_out > spec.n_in:
        raise ValueError("--set n_out must be <= n_in/2 (the joint task's 2·n_out outputs must not "
                         "outnumber the inputs)")
    for key in ("targets", "auxes", "qs"):  # an empty list would run nothing and draw a blank figure
        if not getattr(spec, key):
            raise ValueError(f"--set {key} is empty: pass at least one value, e.g. --set {key}=1.0")
    for key in ("noise", "u0"):  # both are scales (σ_z, the initial strength): checked before any run
        value = getattr(spec, key)
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"--set {key} must be a finite number > 0; got {value:g}")
    if any(abs(q) > 1 for q in spec.qs):
        raise ValueError("--set qs: every overlap must be in [-1, 1]")
    if min(spec.targets) <= 0 or min(spec.auxes) < 0:
        raise ValueError("--set targets must be > 0 and --set auxes >= 0 (teacher singular values)")
    if spec.theory_points < 2 or spec.record_every < 1 or spec.steps < spec.record_every:
        raise ValueError("--set theory_points must be >= 2, record_every >= 1 and steps >= record_every")
    top = float(np.hypot(max(spec.targets), max(spec.auxes))) + 2  # ≥ every data singular value
    if spec.lr * top >= 1:
        raise ValueError(f"--set lr = {spec.lr:g} is too large for strengths up to {top - 2:.3g}: "
                         f"pass lr < {1 / top:.3g} (lr times the top singular value must stay < 1)")


def optimum(spec: Transfer, X, Y, task, rng) -> tuple[float, float]:
    """Minimum over the recorded times of the target-head test error, and its time."""
    stats = Statistics.from_data(X, Y)
    w = network.init_aligned(stats.modes, (spec.n_in, spec.width, Y.shape[1]), spec.u0, rng=rng)
    run = train.gradient_descent(w, stats, spec.lr, spec.steps,
                                 record_steps=np.arange(0, spec.steps + 1, spec.record_every), kernel="numpy")
    if np.any(run.diverged):
        raise ValueError(run.message)
    e = target_test_error(run.product, task)
    k = int(np.argmin(e))
    return float(e[k]), float(run.time[k])


def simulation_rows(spec: Transfer, progress: bool) -> pd.DataFrame:
    """One row per seed, target, auxiliary strength and q."""
    rows = []
    grid = [(sT, seed) for sT in spec.targets for seed in range(spec.seeds)]
    for sT, seed in _bar(grid, progress):
        def draw(sA, q):  # the same seed for every (s_A, q): the target's data are shared
            return transfer_task(spec.n_in, spec.n_out, s_target=sT, s_aux=sA, q=q, noise=spec.noise,
                                 rng=tables.rng_for(NAME, "task", sT, seed))
        tg = draw(0.0, 0.0)
        alone, t_alone = optimum(spec, tg.X, tg.Y[:, :spec.n_out], tg, tables.rng_for(NAME, "alone", sT, seed))
        for sA in spec.auxes:
            for q in spec.qs:
                task = draw(sA, q)
                joint, t_joint = optimum(spec, task.X, task.Y, task, tables.rng_for(NAME, "joint", sT, seed))
                rows.append({"target": sT, "aux": sA, "q": q, "seed": seed, "benefit": alone - joint,
                             "alone": alone, "joint": joint, "t_alone": t_alone, "t_joint": t_joint})
    return pd.DataFrame(rows).assign(experiment="benefit", source="simulation")


def theory_rows(spec: Transfer) -> pd.DataFrame:
    """The theory at every target and auxiliary strength on a q grid holding the simulated q."""
    # q = sin(πx/2) on a uniform x grid: denser towards q = 1, where the benefit turns steeply
    dense = np.sin(np.pi / 2 * np.linspace(0, 1, spec.theory_points))
    qs = np.unique(np.round(np.concatenate([dense, spec.qs]), 10))
    rows = []
    for sT in spec.targets:
        for sA in spec.auxes:
            for q in qs:
                b = tr.transfer_benefit(sT, sA, q, n_in=spec.n_in, n_out=spec.n_out, u0=spec.u0,
                                        noise=spec.noise)
                rows.append({"target": sT, "aux": sA, "q": q, "benefit": b.benefit, "alone": b.alone,
                             "joint": b.joint, "t_alone": b.t_alone, "t_joint": b.t_joint})
    return pd.DataFrame(rows).assign(experiment="benefit", source="theory", seed=np.nan)


def _bar(items, progress):
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="transfer (target, seed)", leave=False)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, Transfer, argv)
    spec = args.spec
    with experiment.user_errors(args):
        check(spec)
        with threadpool_limits(1, user_api="blas"):  # 100×100 products and SVDs: one thread is fastest
            sim = simulation_rows(spec, args.progress)
        table = pd.concat([sim, theory_rows(spec)], ignore_index=True)
    experiment.write(table, args.out, spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
