r"""Training and test error of a two-layer linear student on a low-rank noisy teacher against time: simulation and Lampinen–Ganguli theory.

Writes ``results/generalisation_deep.csv``. Task (docs/theory.md#generalisation-dynamics;
Lampinen & Ganguli 2019, their simulation sizes): a teacher W̄ of N3 = 50 outputs and N1 = 100
inputs with rank 1 (s̄ = 3) or rank 3 (s̄ = 4, 2, 1.2) and random singular vectors
(:func:`linnet.data.teacher_task`), P = N1 = 100 exactly whitened inputs (Lampinen & Ganguli's
orthonormal inputs), label noise of std σ = 1, so the noise part of Σ31 has entries of variance
σ²/P = σ_z²/N1 with σ_z = 1 and aspect ratio A = N3/N1 = 0.5. Student: 100 → 50 → 50 from
small weights, full-batch gradient descent with η = 0.01 for 3,000 steps (t = 30, past every mode's
learning time; η·ŝ1 ≤ 0.05, far below
the bound 1), recorded
at 80 log-spaced steps; ``aligned``: decoupled on the data's modes with every strength u0 = 1e-5
(the theory's training-aligned student), ``random``: i.i.d. Gaussian entries of std 1e-3.

Columns: ``eps_train`` = ‖W − Σ31‖²/‖Σ31‖², ``eps_test`` = ‖W − W̄‖²/‖W̄‖² (exact, the teacher
is known); ``source``: ``simulation`` (6 seeds, each its own teacher vectors and noise),
``theory`` (:func:`linnet.theory.generalisation.two_layer_errors`). Mode rows (``experiment =
modes``, one per seed and teacher mode): ``s_hat`` the data's singular value and ``overlap`` the
measured |û·ū||v̂·v̄|, beside ``s_hat_theory`` = ŝ(s̄) and ``overlap_theory`` = O(s̄), and the
student's ``learned`` strength along the mode at the last step. Stopping rows (``experiment =
stopping``): each seed's minimum of ε_test over the recorded times, the theory's optimum and
the shrinkage bound Σ s̄²(1 − O²)/Σ s̄².
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import Statistics, experiment, metrics, network, tables, train
from linnet.data import teacher_task
from linnet.theory import generalisation as gen

NAME = "generalisation_deep"
TEACHERS = {"rank1": (3.0,), "rank3": (4.0, 2.0, 1.2)}


@dataclasses.dataclass(frozen=True)
class GeneralisationDeep(experiment.Spec):
    """Sizes, noise, initial scales, GD step and length, seeds."""

    n_in: int = 100
    n_out: int = 50
    width: int = 50
    noise: float = 1.0
    u0: float = 1e-5
    init_scale: float = 1e-3
    lr: float = 0.01
    steps: int = 3000
    records: int = 80
    seeds: int = 6

    schema = experiment.Schema(
        keys=("experiment", "teacher", "init", "source", "seed", "step", "mode"),
        columns=("time", "eps_train", "eps_test"))

    @classmethod
    def quick(cls):
        return cls(steps=2000, records=20, seeds=1)


def run(spec, name, s_bar, seed):
    rng = tables.rng_for(NAME, name, seed)
    spectrum = np.zeros(min(spec.n_in, spec.n_out))
    spectrum[:len(s_bar)] = s_bar
    task = teacher_task(spec.n_in, spec.n_out, spec.n_in, rng=rng, spectrum=spectrum, noise=spec.noise)
    stats = Statistics.from_data(task.X, task.Y)
    widths = (spec.n_in, spec.width, spec.n_out)
    inits = {"aligned": network.init_aligned(stats.modes, widths, spec.u0, rng=rng),
             "random": network.init_gaussian(widths, spec.init_scale, rng=rng)}
    rec = train.log_steps(spec.steps, spec.records)
    out = {}
    for init, w in inits.items():
        tr = train.gradient_descent(w, stats, spec.lr, spec.steps, record_steps=rec)
        if np.any(tr.diverged):
            raise ValueError(tr.message)
        W = tr.product
        e_tr = np.sum((W - stats.sigma31) ** 2, axis=(-2, -1)) / np.sum(stats.sigma31**2)
        e_te = np.sum((W - task.teacher) ** 2, axis=(-2, -1)) / np.sum(task.teacher**2)
        out[init] = (tr.step, e_tr, e_te, W[-1])
    return task, stats, out


def mode_rows(spec, name, s_bar, seed, task, stats, W_end) -> pd.DataFrame:
    U, s, Vt = np.linalg.svd(task.teacher)
    m = stats.modes
    k = len(s_bar)
    # the data's top-k modes against the teacher's: |û·ū||v̂·v̄| (signs free)
    overlap = np.abs(np.sum(m.U[:, :k] * U[:, :k], axis=0)) * np.abs(np.sum(m.V[:, :k] * Vt[:k].T, axis=0))
    learned = metrics.mode_strength_diagonal(W_end, m)[:k]
    return pd.DataFrame({"experiment": "modes", "teacher": name, "init": "aligned",
                         "source": "simulation", "seed": seed, "step": np.nan, "mode": np.arange(1, k + 1),
                         "s_bar": s_bar, "s_hat": m.s[:k], "overlap": overlap, "learned": learned,
                         "s_hat_theory": gen.outlier_singular_value(np.array(s_bar), spec.n_out / spec.n_in,
                                                                    noise=spec.noise),
                         "overlap_theory": gen.outlier_overlap(np.array(s_bar), spec.n_out / spec.n_in,
                                                               noise=spec.noise)})


def teacher_rows(spec, name, s_bar) -> list[pd.DataFrame]:
    A = spec.n_out / spec.n_in
    frames = []
    curve_cols = {"experiment": "curve", "teacher": name, "mode": np.nan}
    step = None
    for seed in range(spec.seeds):
        task, stats, out = run(spec, name, s_bar, seed)
        for init, (step, e_tr, e_te, W_end) in out.items():
            frames.append(pd.DataFrame({**curve_cols, "init": init, "source": "simulation", "seed": seed,
                                        "step": step, "eps_train": e_tr, "eps_test": e_te}))
            frames.append(pd.DataFrame({"experiment": "stopping", "teacher": name, "init": [init],
                                        "source": "simulation", "seed": seed, "step": [step[np.argmin(e_te)]],
                                        "mode": np.nan, "eps_test": [e_te.min()]}))
        frames.append(mode_rows(spec, name, s_bar, seed, task, stats, out["aligned"][3]))
    th_tr, th_te = gen.two_layer_errors(step * spec.lr, s_bar, aspect=A, n_out=spec.n_out, u0=spec.u0,
                                        noise=spec.noise)
    frames.append(pd.DataFrame({**curve_cols, "init": "aligned", "source": "theory", "seed": np.nan,
                                "step": step, "eps_train": th_tr, "eps_test": th_te}))
    t_opt, e_opt = gen.two_layer_optimal_stopping(s_bar, aspect=A, n_out=spec.n_out, u0=spec.u0,
                                                  noise=spec.noise)
    frames.append(pd.DataFrame({"experiment": "stopping", "teacher": name, "init": "aligned",
                                "source": ["theory", "shrinkage_bound"], "seed": np.nan,
                                "step": [t_opt / spec.lr, np.nan], "mode": np.nan,
                                "eps_test": [e_opt, gen.shrinkage_bound(s_bar, A, noise=spec.noise)]}))
    return frames


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, GeneralisationDeep, argv)
    spec = args.spec
    with experiment.user_errors(args):
        if spec.n_out > spec.n_in:
            raise ValueError("--set n_out must be <= n_in (aspect ratio A = N3/N1 <= 1)")
        frames = [f for name, s_bar in TEACHERS.items() for f in teacher_rows(spec, name, s_bar)]
        table = pd.concat(frames, ignore_index=True)
        table["time"] = table.step * spec.lr
    experiment.write(table, args.out, spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
