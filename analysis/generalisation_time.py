r"""Training and test error of a linear student on a noisy teacher against time: simulation and Advani–Saxe theory.

Writes ``results/generalisation_time.csv``. Task (docs/theory.md#generalisation-dynamics;
Advani, Saxe & Sompolinsky 2020): a noisy linear teacher y = w̄·x + ε with N = 100 i.i.d.
unit-variance Gaussian inputs, P = αN samples, σ_w² + σ_ε² = 1 and SNR = σ_w²/σ_ε²
(:func:`linnet.data.noisy_teacher`); a linear student from w = 0 trained by full-batch gradient
descent on linnet's loss with η = 0.005 (computed exactly from the statistics,
:func:`linnet.data.descent_errors`), recorded on a log grid of steps up to 20,000 (t = 100).
``E_train`` = (1/P)Σ(y − w·x)², ``E_test`` = ‖w − w̄‖² + σ_ε² (the exact error on fresh
samples); both without the ½ of linnet's loss.

Experiments: ``alpha``: α ∈ {0.5, 1, 2, 4} at SNR = 4; ``snr``: SNR ∈ {0.05, 4, 100} at α = 1
(Advani & Saxe's N = P = 100). Every ``seed`` is one teacher with its own inputs, weights and
noise (10 teachers).

Sources: ``simulation``; ``theory`` (the Marchenko–Pastur integrals of
:func:`linnet.theory.generalisation.shallow_errors` for gradient descent at the same η: exact in
discrete time, so the only difference left is finite N); ``theory_flow`` (gradient flow, the
paper's curves); ``optimum`` (the theory's optimal early-stopping time and error,
:func:`linnet.theory.generalisation.shallow_early_stopping`, one row). ``time`` is linnet's
t = step·η, ``theory_time`` = t/α the theory's (sums over samples, inputs of variance 1/N).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, tables, train
from linnet.data import descent_errors, noisy_teacher
from linnet.theory import generalisation as gen

NAME = "generalisation_time"


@dataclasses.dataclass(frozen=True)
class GeneralisationTime(experiment.Spec):
    """Teacher size, the α and SNR grids, GD step, length and number of teachers."""

    n_in: int = 100
    alphas: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    snr_alphas: float = 4.0
    snrs: tuple[float, ...] = (0.05, 4.0, 100.0)
    lr: float = 0.005
    steps: int = 20000
    records: int = 80
    teachers: int = 10

    schema = experiment.Schema(
        keys=("experiment", "alpha", "snr", "source", "seed", "step"),
        columns=("n_in", "n_samples", "lr", "time", "theory_time", "E_train", "E_test"))

    @classmethod
    def quick(cls):
        return cls(n_in=40, steps=2000, records=20, teachers=2)


def settings(spec: GeneralisationTime) -> list[tuple[str, float, float]]:
    return ([("alpha", a, spec.snr_alphas) for a in spec.alphas]
            + [("snr", 1.0, s) for s in spec.snrs])


def rows(name, alpha, snr, spec, steps) -> pd.DataFrame:
    P = int(round(alpha * spec.n_in))
    common = {"experiment": name, "alpha": alpha, "snr": snr, "n_in": spec.n_in, "n_samples": P,
              "lr": spec.lr}
    a = P / spec.n_in  # the α the simulation has (P rounded)
    frames = []
    for seed in range(spec.teachers):
        task = noisy_teacher(spec.n_in, P, snr=snr, rng=tables.rng_for(NAME, name, alpha, snr, seed))
        E_t, E_g = descent_errors(task, steps, lr=spec.lr)
        frames.append(pd.DataFrame({**common, "source": "simulation", "seed": seed, "step": steps,
                                    "E_train": E_t[:, 0], "E_test": E_g[:, 0]}))
    t = steps * spec.lr / a
    for source, lr in (("theory", spec.lr / a), ("theory_flow", None)):
        E_t, E_g = gen.shallow_errors(t, a, snr, lr=lr)
        frames.append(pd.DataFrame({**common, "source": source, "seed": np.nan, "step": steps,
                                    "E_train": E_t, "E_test": E_g}))
    t_opt, E_opt = gen.shallow_early_stopping(a, snr, lr=spec.lr / a)
    frames.append(pd.DataFrame({**common, "source": "optimum", "seed": [np.nan],
                                "step": [float(t_opt) * a / spec.lr], "E_train": [np.nan],
                                "E_test": [float(E_opt)]}))
    out = pd.concat(frames, ignore_index=True)
    out["time"] = out.step * spec.lr
    out["theory_time"] = out.time / a
    return out


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, GeneralisationTime, argv)
    spec = args.spec
    with experiment.user_errors(args):
        steps = train.log_steps(spec.steps, spec.records)
        table = pd.concat([rows(*s, spec, steps) for s in settings(spec)], ignore_index=True)
    experiment.write(table, args.out, spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
