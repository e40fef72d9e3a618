r"""Sharpness (top Hessian eigenvalue) along gradient descent at several η, against the closed form, with the edge 2/η.

Writes ``results/sharpness.csv``. Extends ``lr_stability`` (which reports only the final state)
to the whole run. A linear teacher on exactly whitened inputs, Σ31 square 3 × 3 with singular
values s = (2, 1, 0.5); 3 → 3 → 3 networks from two inits:

- ``aligned``: decoupled balanced weights in the task's modes, every mode at u0 = 1e-3
  (:func:`linnet.network.init_aligned`); GD keeps them aligned and balanced;
- ``gaussian``: i.i.d. N(0, 0.03²) entries (not aligned, not balanced).

Each trains by full-batch GD for ``steps`` steps at η = f/s1 for f in ``lr_factors``; the
balanced optimum's sharpness is 2·s1, so f > 1 means η > 2/sharpness(optimum): no minimum of
the top mode is stable (unbalanced minima are sharper still, a² + b² ≥ 2ab) and GD cannot
converge. Sharpness of the simulated weights (``source = simulation``): Lanczos on exact
Hessian-vector products (:func:`linnet.theory.hessian_top_eigenvalue`) at every recorded step.

Theory (``source = theory``, :func:`linnet.theory.aligned_sharpness`, the closed-form groups at
a = b = √u):

- ``discrete``: u_k from GD's exact discrete map on the decoupled manifold,
  u_{k+1} = u_k(1 + η(s − u_k))² (:func:`linnet.theory.mode_strength_discrete`): exact for the
  aligned init at any η, also past the edge (period-2 oscillation of the top mode);
- ``flow``: u(t) of gradient flow at t = kη (:func:`linnet.theory.mode_strength`), from u0 =
  1e-3 (aligned) or each run's effective initial strength
  (:func:`linnet.theory.effective_initial_strength`, gaussian): the small-η limit.

``error`` = |theory − simulation| / (2 s1) per step; ``edge`` = 2/η.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, network, setups, tables, theory, train

NAME = "sharpness"
EXPERIMENT = "sharpness"


@dataclasses.dataclass(frozen=True)
class Sharpness(experiment.Spec):
    """Parameters: the teacher's spectrum, the step sizes (in units of 1/s1) and the run length."""

    s: tuple[float, ...] = (2.0, 1.0, 0.5)
    lr_factors: tuple[float, ...] = (0.25, 0.6, 0.95, 1.05, 1.2)
    inits: tuple[str, ...] = ("aligned", "gaussian")
    u0: float = 1e-3
    gaussian_std: float = 0.03
    steps: int = 200
    seed: int = 1

    schema = experiment.Schema(
        keys=("experiment", "init", "lr_factor", "lr", "step", "source", "theory"),
        columns=("time", "sharpness", "loss", "edge", "error"))

    @classmethod
    def quick(cls):
        return cls(lr_factors=(0.6, 1.1), steps=40)


def initial_weights(init, stats, spec):
    n = stats.n_in
    rng = tables.rng_for(EXPERIMENT, init, spec.seed)
    if init == "aligned":
        return network.init_aligned(stats.modes, (n, n, n), spec.u0, rng=rng)
    if init == "gaussian":
        w = network.init_gaussian((n, n, n), spec.gaussian_std, rng=rng)
        return setups.match_determinant_sign(w, stats.sigma31)
    raise ValueError(f"inits must be among aligned, gaussian; got {init!r} (--set inits=aligned,gaussian)")


def run_rows(spec, stats, init, f) -> pd.DataFrame:
    s = np.asarray(spec.s)
    n = s.size
    lr = f / s[0]
    w0 = initial_weights(init, stats, spec)
    steps = np.arange(spec.steps + 1)
    tr = train.gradient_descent(w0, stats, lr, spec.steps, record_steps=steps, keep_weights=True,
                                kernel="numpy")
    sim = np.array([theory.hessian_top_eigenvalue(ws, stats) if np.isfinite(l) else np.nan
                    for ws, l in zip(tr.history, tr.loss)])
    u0 = spec.u0 if init == "aligned" else theory.effective_initial_strength(w0, stats.modes)
    curves = {"flow": theory.mode_strength(steps[:, None] * lr, s, u0)}
    if init == "aligned":
        curves["discrete"] = theory.mode_strength_discrete(steps, s, spec.u0, lr=lr)
    base = {"experiment": EXPERIMENT, "init": init, "lr_factor": f, "lr": lr, "step": steps,
            "time": steps * lr, "edge": 2.0 / lr}
    frames = [pd.DataFrame({**base, "source": "simulation", "theory": "", "sharpness": sim,
                            "loss": tr.loss, "error": 0.0})]
    for name, u in curves.items():
        a = np.sqrt(np.clip(u, 0.0, None))
        sh = theory.aligned_sharpness(a, a, s, n_in=n, n_hidden=n, n_out=n)
        frames.append(pd.DataFrame({**base, "source": "theory", "theory": name, "sharpness": sh,
                                    "loss": stats.loss(np.einsum("mr,tr,nr->tmn", stats.modes.U, u,
                                                                 stats.modes.V)),
                                    "error": np.abs(sh - sim) / (2 * s[0])}))
    return pd.concat(frames, ignore_index=True)


def sharpness_table(spec: Sharpness) -> pd.DataFrame:
    stats = setups.whitened_teacher_stats(EXPERIMENT, np.array(spec.s))
    return pd.concat([run_rows(spec, stats, init, f) for init in spec.inits for f in spec.lr_factors],
                     ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, Sharpness, argv)
    with experiment.user_errors(args):
        table = sharpness_table(args.spec)
    experiment.write(table, args.out, args.spec)
    th = table[table.source == "theory"]
    summary = th.groupby(["init", "theory", "lr_factor"]).error.max().unstack("lr_factor")
    print(f"wrote {args.out} ({len(table)} rows); max |sharpness theory − sim| / (2 s1):\n"
          f"{summary.to_string(float_format=lambda x: f'{x:.2e}')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
