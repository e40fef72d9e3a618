r"""Test error after long training and at the optimal early-stopping time against α = P/N: Advani–Saxe theory and simulation at N = 100 and N = 400.

Writes ``results/generalisation_alpha.csv``. Task as ``analysis/generalisation_time.py``: a noisy
linear teacher (:func:`linnet.data.noisy_teacher`, SNR = 4, σ_w² + σ_ε² = 1), a linear student
from initial weights of variance σ0²/N per entry (σ0² = ``init_var``, in Advani & Saxe's units),
full-batch gradient descent with η = 0.01 computed exactly from the statistics.

Columns: ``E_test_final`` is the test error at t → ∞ (the simulation's converged map, the
minimum-norm least-squares solution plus the initial weights' part in the null space of Σ11;
the theory's closed form, infinite at α = 1), ``E_test_stop`` the test error at the theory's
optimal early-stopping time ``t_opt`` (linnet time; the theory's own minimum E_g(t*) in the
theory rows, the simulated student at that step in the simulation rows), ``E_test_oracle``
(simulation) the minimum over a log grid of 120 steps of each teacher's own curve.

Sources: ``theory`` on 200 log-spaced α from 0.1 to 10 (skipping α = 1 itself) for every
σ0²; ``simulation`` at N = 100 (10 teachers) and N = 400 (5 teachers: each fluctuates half as
much), at 13 values of α with σ0² = 0 and
at those below 1 with σ0² = 1 (above α = 1 the limit does not depend on σ0).
The overtraining peak: E_g(∞) diverges at α = 1 while early stopping stays finite; below α = 1
the frozen subspace keeps (1 − α)(σ_w² + σ0²) of the initial error for ever.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, tables, train
from linnet.data import descent_errors, noisy_teacher
from linnet.theory import generalisation as gen

NAME = "generalisation_alpha"


@dataclasses.dataclass(frozen=True)
class GeneralisationAlpha(experiment.Spec):
    """SNR, σ0² values, the theory and simulation α grids, sizes, teachers and GD step."""

    snr: float = 4.0
    init_vars: tuple[float, ...] = (0.0, 0.25, 1.0)
    sim_init_vars: tuple[float, ...] = (0.0, 1.0)
    theory_points: int = 200
    alphas: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 8.0)
    sizes: tuple[int, ...] = (100, 400)
    teachers: tuple[int, ...] = (10, 5)  # per size: N = 400 fluctuates half as much per teacher
    lr: float = 0.01

    schema = experiment.Schema(
        keys=("source", "n_in", "init_var", "alpha", "seed"),
        columns=("snr", "n_samples", "t_opt", "E_test_final", "E_test_stop"))

    @classmethod
    def quick(cls):
        return cls(theory_points=20, alphas=(0.5, 1.0, 2.0), sizes=(40,), teachers=(2,))


def theory_rows(spec: GeneralisationAlpha) -> pd.DataFrame:
    a = np.logspace(-1, 1, spec.theory_points)
    a = a[np.abs(a - 1) > 1e-9]
    frames = []
    for v in spec.init_vars:
        # gradient flow: the paper's curve (the simulation rows use GD's own t* at their η)
        t_opt, E_opt = gen.shallow_early_stopping(a, spec.snr, init_var=v, lr=None)
        frames.append(pd.DataFrame({
            "source": "theory", "n_in": np.nan, "init_var": v, "alpha": a, "seed": np.nan,
            "snr": spec.snr, "n_samples": np.nan, "t_opt": t_opt * a,  # linnet time = α · theory time
            "E_test_final": gen.shallow_limits(a, spec.snr, init_var=v)[1], "E_test_stop": E_opt}))
    return pd.concat(frames, ignore_index=True)


def simulation_rows(spec: GeneralisationAlpha, n_in: int, alpha: float, v: float,
                    teachers: int) -> pd.DataFrame:
    P = int(round(alpha * n_in))
    a = P / n_in
    t_opt = float(gen.shallow_early_stopping(a, spec.snr, init_var=v, lr=spec.lr / a)[0])
    step = int(round(t_opt * a / spec.lr))
    grid = np.unique(np.append(np.round(np.logspace(0, np.log10(50 * step), 120)).astype(int), step))
    rows = []
    for seed in range(teachers):
        rng = tables.rng_for(NAME, n_in, alpha, v, seed)
        task = noisy_teacher(n_in, P, snr=spec.snr, rng=rng)
        init = rng.standard_normal((1, n_in)) * np.sqrt(v / n_in)
        # the grid and the t → ∞ map (minimum norm on the row space of X, init on the rest)
        E = descent_errors(task, grid, lr=spec.lr, init=init, limit=True)[1][:, 0]
        E_grid, E_final = E[:-1], E[-1]
        E_stop = E_grid[np.searchsorted(grid, step)]
        rows.append({"source": "simulation", "n_in": n_in, "init_var": v, "alpha": alpha, "seed": seed,
                     "snr": spec.snr, "n_samples": P, "t_opt": step * spec.lr,
                     "E_test_final": E_final,
                     "E_test_stop": E_stop, "E_test_oracle": E_grid.min()})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, GeneralisationAlpha, argv)
    spec = args.spec
    with experiment.user_errors(args):
        if len(spec.teachers) != len(spec.sizes):
            raise ValueError(f"--set teachers: one count per size {spec.sizes}; got {spec.teachers}")
        frames = [theory_rows(spec)]
        for n_in, teachers in zip(spec.sizes, spec.teachers):
            for v in spec.sim_init_vars:
                # σ0 changes the limit only below α = 1 (the frozen subspace): simulate it there
                frames += [simulation_rows(spec, n_in, a, v, teachers) for a in spec.alphas
                           if v == 0 or a < 1]
        table = pd.concat(frames, ignore_index=True)
    experiment.write(table, args.out, spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
