r"""The PNAS toy (canary, salmon, oak, rose): four modes learned in stages by a deep network, at once by a shallow one.

Writes ``results/hierarchy_toy.csv``. Data (:func:`linnet.data.pnas_toy`; Saxe, McClelland &
Ganguli, PNAS 2019, Fig. 3): four items × seven properties (grow, move, roots, fly, swim, leaves,
petals) as a {0, 1} matrix with singular values √7, √3, 1, 1, presented as one-hot items scaled
so that Σ11 = I (:math:`X = 2I`; linnet's s are the raw values / √P = 1.32, 0.87, 0.5, 0.5).

Networks, trained by full-batch gradient descent (η = 0.05, 400 steps, t = 20) from small i.i.d.
Gaussian weights (std σ = 0.01, ``init_scale``; one draw per ``seed``):

- ``deep``: one hidden layer of 16 units (4 → 16 → 7). Theory (``source = theory``): Saxe et al.
  eq. 12 for each mode from its effective initial strength
  (:func:`linnet.theory.effective_initial_strength` with competition, column ``u0``);
- ``shallow``: one weight matrix (4 → 7). Theory: :math:`a(t) = s(1 - e^{-t}) + a_0 e^{-t}` from
  the draw's own initial strength :math:`a_0 = u_\alpha^\top W(0) v_\alpha` (exact up to the
  GD-vs-flow difference, O(η)).

``strength`` is :math:`u_\alpha^\top W(t) v_\alpha` (simulation) or the formula (theory), on
the same steps; ``time`` = step·η. The two modes with s = 1/2 are degenerate: their split within
the 2-D subspace is the SVD's choice; the figure shows their sum.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import data, experiment, metrics, network, tables, theory, train

NAME = "hierarchy_toy"


@dataclasses.dataclass(frozen=True)
class HierarchyToy(experiment.Spec):
    """Parameters: η, steps, the hidden width, the initial std and the number of draws."""

    lr: float = 0.05
    steps: int = 400
    hidden: int = 16
    init_scale: float = 0.01
    seeds: int = 5
    records: int = 121  # recorded steps, evenly spaced

    schema = experiment.Schema(keys=("network", "seed", "source", "step", "mode"),
                               columns=("time", "s", "strength", "u0", "lr", "init_scale"))

    @classmethod
    def quick(cls):
        return cls(steps=100, seeds=2, records=21)


def run(spec: HierarchyToy, depth: int) -> pd.DataFrame:
    """Every seed of one network (depth 1: shallow, 2: deep) as one ensemble, with its theory."""
    toy = data.pnas_toy()
    stats = toy.stats()
    modes = stats.modes
    widths = (4, 7) if depth == 1 else (4, spec.hidden, 7)
    w = network.init_gaussian(widths, spec.init_scale, rng=tables.rng_for(NAME, depth), ensemble=spec.seeds)
    rec = np.unique(np.linspace(0, spec.steps, spec.records).round().astype(int))
    tr = train.gradient_descent(w, stats, spec.lr, spec.steps, record_steps=rec, kernel="numpy")
    if np.any(tr.diverged):  # a table built on a diverged run would be meaningless
        raise ValueError(f"{tr.message}; lower lr (--set lr=...)")
    sim = metrics.mode_strength_diagonal(tr.product, modes)  # (T, K, r)
    t = rec * spec.lr
    u0, theo = theory.ensemble_mode_strength(t, w, modes)  # (K, r), (T, K, r)
    frames = tables.mode_frames(
        {"simulation": sim, "theory": theo}, u0, steps=rec, times=t,
        first={"network": "shallow" if depth == 1 else "deep"}, per_mode={"s": modes.s},
        last={"lr": spec.lr, "init_scale": spec.init_scale})
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, HierarchyToy, argv)
    with experiment.user_errors(args):
        table = pd.concat([run(args.spec, 2), run(args.spec, 1)], ignore_index=True)
    experiment.write(table, args.out, args.spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
