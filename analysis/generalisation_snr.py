r"""Test error at the optimal early-stopping time and after long training against SNR at α = 1: Advani–Saxe theory and simulation.

Writes ``results/generalisation_snr.csv``. Advani, Saxe & Sompolinsky's second setting
(N = P, SNR = 2^(−4 : 0.02 : 4); docs/theory.md#generalisation-dynamics): a noisy linear
teacher with σ_w² + σ_ε² = 1, a linear student from w = 0, full-batch gradient descent on
linnet's loss with η = 0.01, computed exactly per step from the statistics
(:func:`linnet.data.stopped_errors`); time is linnet's t = step·η (= the theory's time at α = 1).

Sources: ``theory`` at every SNR of the grid (401 values): ``t_opt`` and ``E_test_stop`` are
the optimal stopping time and error of :func:`linnet.theory.generalisation.shallow_early_stopping`
(for GD at the same η), ``E_test_long`` the error at ``long_time``, ``E_test_final`` the
t → ∞ limit (:func:`~linnet.theory.generalisation.shallow_limits`: infinite at α = 1, where the
smallest eigenvalues of Σ11 reach 0). ``simulation`` at every ``sim_every``-th SNR of the grid,
``teachers`` draws (``seed``), each one draw of inputs, teacher direction and noise scaled to
every SNR (:func:`linnet.data.snr_family`, common random numbers across SNR): ``E_test_stop``
at the theory's optimal step, ``t_opt`` and ``E_test_oracle`` the minimum of the teacher's own
curve on a log grid of ``stop_grid`` steps from t*/4 to 4t*, ``E_test_long`` at ``long_time``,
``E_test_final`` the converged (least-squares) map: finite at finite N but of order N at α = 1
with an infinite mean over draws (E tr(XᵀX)⁻¹ = ∞ for a square Gaussian X), so not a
quantity to average; ``E_test_long`` is the long-training comparison (``long_time`` ≪ N²,
where the finite sample's smallest eigenvalue ~ 2.5/N² would start to matter).

Defaults (``make figures``, 1.6 s CPU): N = P = 500, 17 simulated SNRs (2^(−4 : 0.5 : 4)), 16 teachers.
``--paper`` (13 s CPU, half of it page faults on the (steps, SNRs, N) arrays): N = P = 1000, every
SNR of the grid simulated, 10 teachers (times: Intel Xeon, AVX-512, one process, one BLAS thread;
wall 2.4 s and 19 s on the shared 2-core machine). One eigendecomposition per teacher serves
every SNR and step.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from linnet import experiment, tables
from linnet.data import snr_family, stopped_errors
from linnet.theory import generalisation as gen

NAME = "generalisation_snr"


@dataclasses.dataclass(frozen=True)
class GeneralisationSNR(experiment.Spec):
    """Size, α, the log2 SNR grid, which SNRs are simulated, teachers, GD step and times."""

    n_in: int = 500
    alpha: float = 1.0
    log2_snr_min: float = -4.0
    log2_snr_max: float = 4.0
    log2_snr_step: float = 0.02
    sim_every: int = 25  # simulate every 25th SNR of the grid: 2^(−4 : 0.5 : 4)
    teachers: int = 16
    lr: float = 0.01
    long_time: float = 100.0
    stop_grid: int = 41  # log grid t*/4 .. 4t*: spacing ln(16)/40 = 0.07, E flat there to O(0.07²)

    schema = experiment.Schema(
        keys=("source", "snr", "seed"),
        columns=("n_in", "n_samples", "lr", "t_opt", "E_test_stop", "E_test_oracle", "E_test_long",
                 "E_test_final"))

    @classmethod
    def quick(cls):
        return cls(n_in=40, sim_every=100, teachers=2)

    @classmethod
    def paper(cls):
        return cls(n_in=1000, sim_every=1, teachers=10)


def check(spec: GeneralisationSNR) -> int:
    """The --set values parse_args cannot judge (it checks counts >= 1 and finiteness), before
    any work; returns P = round(α·N)."""
    for key in ("alpha", "lr", "long_time"):
        if not getattr(spec, key) > 0:
            raise ValueError(f"--set {key} must be > 0; got {getattr(spec, key):g}")
    P = int(round(spec.alpha * spec.n_in))
    if P < 1:
        raise ValueError(f"--set alpha={spec.alpha:g} with --set n_in={spec.n_in} gives P = round(alpha*n_in) = 0 "
                         f"samples; pass alpha >= {0.5 / spec.n_in:.3g} or a larger n_in")
    a = P / spec.n_in
    top = float(gen.marchenko_pastur_edges(a)[1]) / a  # Σ11's top eigenvalue (1 + √α)²/α as N → ∞
    if spec.lr * top >= 1:
        raise ValueError(f"--set lr={spec.lr:g} times Sigma11's top eigenvalue {top:.3g} (alpha = {a:g}) must be "
                         f"< 1 (monotone gradient descent, the theory's assumption); pass lr < {1 / top:.3g}")
    return P


def snr_grid(spec: GeneralisationSNR) -> np.ndarray:
    """2^(lo : step : hi), the end included (the count rounded, so 0.02 steps do not drift)."""
    ends = (spec.log2_snr_min, spec.log2_snr_max, spec.log2_snr_step)
    if not (np.all(np.isfinite(ends)) and spec.log2_snr_step > 0 and spec.log2_snr_max >= spec.log2_snr_min):
        raise ValueError("--set log2_snr_step must be > 0 and log2_snr_max >= log2_snr_min (finite), so that "
                         f"the SNR grid is not empty; got {ends}")
    n = int(round((spec.log2_snr_max - spec.log2_snr_min) / spec.log2_snr_step))
    return 2.0 ** (spec.log2_snr_min + spec.log2_snr_step * np.arange(n + 1))


def theory_rows(spec: GeneralisationSNR, snr: np.ndarray, a: float) -> pd.DataFrame:
    """Every SNR of the grid: GD's t*, E_g(t*), E_g(long_time), E_g(∞) (theory time = t / α)."""
    t_opt, E_opt = gen.shallow_early_stopping(a, snr, lr=spec.lr / a)
    E_long = gen.shallow_errors(spec.long_time / a, a, snr, lr=spec.lr / a)[1]
    return pd.DataFrame({
        "source": "theory", "snr": snr, "seed": np.nan, "n_in": np.nan, "n_samples": np.nan,
        "lr": spec.lr, "t_opt": t_opt * a, "E_test_stop": E_opt, "E_test_oracle": E_opt,
        "E_test_long": E_long, "E_test_final": gen.shallow_limits(a, snr)[1]})


def simulation_rows(spec: GeneralisationSNR, snr: np.ndarray, t_opt: np.ndarray, P: int,
                    seed: int) -> pd.DataFrame:
    """One teacher draw at every simulated SNR: stopped at the theory's t*, its own best, long, ∞."""
    task = snr_family(spec.n_in, P, snrs=snr, rng=tables.rng_for(NAME, spec.n_in, P, seed))
    step_opt = np.rint(t_opt / spec.lr).astype(np.int64)
    # each SNR's own log grid around the theory's t* (columns), for the teacher's own minimum;
    # centred on step 1 where t* < η/2 rounds to step 0 (a large --set lr), so the log is finite
    grid = np.rint(np.exp(np.log(np.maximum(step_opt, 1))[None, :]
                          + np.linspace(np.log(0.25), np.log(4.0), spec.stop_grid)[:, None])).astype(np.int64)
    long = np.full((1, snr.size), int(round(spec.long_time / spec.lr)), dtype=np.int64)
    E = stopped_errors(task, np.vstack([step_opt[None], long, grid]), lr=spec.lr, limit=True)[1]
    best = np.argmin(E[2:-1], axis=0)
    return pd.DataFrame({
        "source": "simulation", "snr": snr, "seed": seed, "n_in": spec.n_in, "n_samples": P,
        "lr": spec.lr, "t_opt": grid[best, np.arange(snr.size)] * spec.lr, "E_test_stop": E[0],
        "E_test_oracle": E[2:-1].min(axis=0), "E_test_long": E[1], "E_test_final": E[-1]})


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, GeneralisationSNR, argv)
    spec = args.spec
    with experiment.user_errors(args):
        P = check(spec)
        snr = snr_grid(spec)
        a = P / spec.n_in  # the α the simulation has (P rounded)
        theory = theory_rows(spec, snr, a)
        sim_snr = snr[::spec.sim_every]
        t_opt = theory.t_opt.to_numpy()[::spec.sim_every]
        frames = [theory]
        bar = tqdm(range(spec.teachers), disable=not (args.progress and sys.stderr.isatty()),
                   desc=NAME, unit="teacher", leave=False)
        for seed in bar:  # --paper: 10 teachers of ~1.3 s CPU each: show where it is
            frames.append(simulation_rows(spec, sim_snr, t_opt, P, seed))
        table = pd.concat(frames, ignore_index=True)
    experiment.write(table, args.out, spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
