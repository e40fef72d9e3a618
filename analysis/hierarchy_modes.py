r"""Branching-diffusion data on a tree: its spectrum by level (closed form vs sampled) and its modes learned by deep and shallow networks.

Writes ``results/hierarchy_modes.csv``. Data (:func:`linnet.data.diffusion_tree`): P = B^D = 8
items (B = 2, D = 3, named goldfish, tuna, robin, canary, rose, daisy, pine, oak as in the
Neuromatch course: fish and birds are animals, flowers and trees plants), M = 1,000 properties, each
±1 at the root and flipped with probability ε = 0.15 along every edge; items are one-hot inputs
scaled so that Σ11 = I (linnet's s = raw singular value / √P).

Columns per mode α: ``s`` (the sampled data's singular value), ``s_expected`` (the closed form
:math:`\sqrt{M\lambda_l/P}` of its level, :func:`linnet.data.diffusion_spectrum`), ``level``
(0: all items; 1: animals vs plants; 2: fish vs birds, flowers vs trees; 3: within each pair) and
``analyzer_overlap``, the length of the projection of the sampled object analyzer onto the
closed-form Haar functions of its level (1: the sample's analyzer is Haar-like; sampling noise
mixes levels at order 1/√M).

Networks: ``deep`` (one hidden layer of 16) and ``shallow`` (one matrix), full-batch gradient
descent with η = 0.002 for 1,500 steps (t = 3; η·s1 = 0.035) from i.i.d. Gaussian weights (σ = 0.01 deep, one draw
per seed; the shallow network starts from 0-mean weights of the same σ). ``strength`` is
:math:`u_\alpha^\top W(t) v_\alpha`; theory (``source = theory``): eq. 12 from each mode's effective
initial strength with competition (deep), :math:`s + (a_0 - s)e^{-t}` from the draw's own initial
strength (shallow).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import data, experiment, metrics, network, tables, theory, train

NAME = "hierarchy_modes"


@dataclasses.dataclass(frozen=True)
class HierarchyModes(experiment.Spec):
    """Parameters: the tree, the diffusion, the networks and their training."""

    branching: int = 2
    depth: int = 3
    n_properties: int = 1000
    flip: float = 0.15
    hidden: int = 16
    lr: float = 0.002
    steps: int = 1500
    init_scale: float = 0.01
    seeds: int = 4
    records: int = 151

    schema = experiment.Schema(keys=("network", "seed", "source", "step", "mode"),
                               columns=("time", "level", "s", "s_expected", "analyzer_overlap", "strength", "u0"))

    def __post_init__(self):
        super().__post_init__()
        if self.flip > 0.5:
            raise ValueError(f"flip must be in [0, 0.5]; got {self.flip} (--set flip=0.15)")

    @classmethod
    def quick(cls):
        return cls(n_properties=50, steps=100, seeds=2, records=21)


def task(spec: HierarchyModes):
    """The sampled data, its statistics, and per-mode level, expected s and analyzer overlap."""
    names = data.TREE_ITEMS if (spec.branching, spec.depth) == (2, 3) else None
    h = data.diffusion_tree(spec.branching, spec.depth, spec.n_properties, spec.flip,
                            rng=tables.rng_for(NAME, "data"), items=names)
    stats = h.stats()
    closed = data.tree_modes(spec.branching, spec.depth, spec.flip, spec.n_properties)
    V = stats.modes.V
    r = stats.modes.s.size
    level = closed.level[:r]  # both in decreasing order of s, the levels in order
    overlap = np.array([np.linalg.norm(closed.V[:, closed.level == level[a]].T @ V[:, a]) for a in range(r)])
    return h, stats, level, closed.s[:r] / np.sqrt(h.n_items), overlap


def run(spec: HierarchyModes, depth: int) -> pd.DataFrame:
    """Every seed of one network (depth 1 shallow, 2 deep) as one ensemble, beside its theory."""
    h, stats, level, s_expected, overlap = task(spec)
    modes = stats.modes
    P, M = h.n_items, spec.n_properties
    widths = (P, M) if depth == 1 else (P, spec.hidden, M)
    w = network.init_gaussian(widths, spec.init_scale, rng=tables.rng_for(NAME, "init", depth), ensemble=spec.seeds)
    rec = np.unique(np.linspace(0, spec.steps, spec.records).round().astype(int))
    tr = train.gradient_descent(w, stats, spec.lr, spec.steps, record_steps=rec, kernel="numpy")
    if np.any(tr.diverged):  # a table built on a diverged run would be meaningless
        raise ValueError(f"{tr.message}; lower lr (--set lr=...)")
    t = rec * spec.lr
    sim = metrics.mode_strength_diagonal(tr.product, modes)  # (T, K, r)
    u0, theo = theory.ensemble_mode_strength(t, w, modes)  # (K, r), (T, K, r)
    frames = tables.mode_frames(
        {"simulation": sim, "theory": theo}, u0, steps=rec, times=t,
        first={"network": "shallow" if depth == 1 else "deep"},
        per_mode={"level": level, "s": modes.s, "s_expected": s_expected, "analyzer_overlap": overlap})
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, HierarchyModes, argv)
    with experiment.user_errors(args):
        table = pd.concat([run(args.spec, 2), run(args.spec, 1)], ignore_index=True)
    experiment.write(table, args.out, args.spec)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
