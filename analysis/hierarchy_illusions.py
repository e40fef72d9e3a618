r"""Semantic illusions: every transient error of a deep network's predictions on hierarchical data, its time and size from theory and from simulation.

Writes ``results/hierarchy_illusions.csv``. Data sets (``dataset``), items one-hot with Σ11 = I:

- ``toy``: the PNAS toy (canary, salmon, oak, rose × grow, move, roots, fly, swim, leaves, petals);
- ``tree``: one {0, 1} property per node of a binary tree of depth 3
  (:func:`linnet.data.deterministic_tree`), named: items goldfish, tuna, robin, canary, rose, daisy,
  pine, oak; properties grows (all), can move / has roots (animals / plants), has gills / has wings /
  has petals / has bark (fish, birds, flowers, trees) and one of each item's own.

A network with one hidden layer of 16 units learns each by full-batch gradient descent (η = 0.05,
600 steps, t = 30) from i.i.d. Gaussian weights (σ = 0.005; ``seeds`` draws). Item i's predicted
value of property m is :math:`\hat y_{im}(t)` (simulation: the network's output; theory:
:func:`linnet.theory.predicted_outputs` with eq. 12 from each mode's effective initial strength,
with competition). A transient error (:func:`linnet.theory.transient_errors`) is the largest
excursion of :math:`\hat y_{im}` past its final value (or away from 0 for a property the item lacks):
an item credited with a property of its class before the finer mode that takes it away arrives
(the salmon "flies" once animals are told from plants), or a shared property overshooting.

Rows (``kind``): ``error``, one per dataset, seed, source, item and property: ``size`` and ``time``
of its largest transient error and ``target`` (its final value); ``curve``, the predictions of
seed 0 over time for the pairs whose theoretical error exceeds ``curve_threshold`` (``value``).
``threshold`` is the size from which the figure and its key numbers count an error (0.1: a tenth of
a property's {0, 1} range; smaller excursions mix degenerate modes of a level, whose split random
weights choose and the theory cannot).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import data, experiment, network, tables, theory, train

NAME = "hierarchy_illusions"
TREE_PROPERTIES = ("grows", "can move", "has roots", "has gills", "has wings", "has petals", "has bark",
                   "is orange", "is big", "has a red breast", "sings", "is red", "is white", "has needles",
                   "has acorns")


@dataclasses.dataclass(frozen=True)
class HierarchyIllusions(experiment.Spec):
    """Parameters: the network, its training and the size from which an error counts."""

    hidden: int = 16
    lr: float = 0.05
    steps: int = 600
    init_scale: float = 0.005
    seeds: int = 4
    threshold: float = 0.1
    curve_threshold: float = 0.25
    records: int = 601

    schema = experiment.Schema(keys=("kind", "dataset", "seed", "source", "item", "property", "step"),
                               columns=("time", "size", "target", "value"))

    @classmethod
    def quick(cls):
        return cls(steps=300, seeds=2, records=301)


def dataset(name: str) -> data.Hierarchy:
    if name == "toy":
        return data.pnas_toy()
    h = data.deterministic_tree(2, 3)
    return dataclasses.replace(h, items=data.TREE_ITEMS, properties=TREE_PROPERTIES)


def predictions(spec: HierarchyIllusions, h: data.Hierarchy, key: str):
    """Simulated and predicted outputs (T, K, P, M) of every draw, and the steps."""
    stats = h.stats()
    P, M = h.Y.shape
    w = network.init_gaussian((P, spec.hidden, M), spec.init_scale, rng=tables.rng_for(NAME, key), ensemble=spec.seeds)
    rec = np.unique(np.linspace(0, spec.steps, spec.records).round().astype(int))
    tr = train.gradient_descent(w, stats, spec.lr, spec.steps, record_steps=rec, kernel="numpy")
    if np.any(tr.diverged):  # a table built on a diverged run would be meaningless
        raise ValueError(f"{tr.message}; lower lr (--set lr=...)")
    sim = h.X @ np.swapaxes(tr.product, -1, -2)  # (T, K, P, M)
    u0 = theory.effective_initial_strength(w, stats.modes, competition=True)  # (K, r)
    t = rec * spec.lr
    a = theory.mode_strength(t[:, None, None], stats.modes.s, u0[None])  # (T, K, r)
    return rec, sim, theory.predicted_outputs(a, stats.modes, h.X)


def rows(spec: HierarchyIllusions, name: str) -> list[pd.DataFrame]:
    h = dataset(name)
    rec, sim, theo = predictions(spec, h, name)
    t = rec * spec.lr
    P, M = h.Y.shape
    target = h.Y  # every mode is learned (hidden ≥ rank): the fit is the data
    items, props = np.meshgrid(np.array(h.items), np.array(h.properties), indexing="ij")
    frames = []
    for source, y in (("simulation", sim), ("theory", theo)):
        for k in range(spec.seeds):
            size, when = theory.transient_errors(t, y[:, k], target)
            frames.append(pd.DataFrame({"kind": "error", "dataset": name, "seed": k, "source": source,
                                        "item": items.ravel(), "property": props.ravel(), "step": 0,
                                        "time": when.ravel(), "size": size.ravel(), "target": target.ravel(),
                                        "value": np.nan}))
    size0, _ = theory.transient_errors(t, theo[:, 0], target)
    for i, m in zip(*np.nonzero(size0 > spec.curve_threshold)):
        for source, y in (("simulation", sim), ("theory", theo)):
            frames.append(pd.DataFrame({"kind": "curve", "dataset": name, "seed": 0, "source": source,
                                        "item": h.items[i], "property": h.properties[m], "step": rec, "time": t,
                                        "size": size0[i, m], "target": target[i, m], "value": y[:, 0, i, m]}))
    return frames


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, HierarchyIllusions, argv)
    with experiment.user_errors(args):
        out = pd.concat(rows(args.spec, "toy") + rows(args.spec, "tree"), ignore_index=True)
    experiment.write(out, args.out, args.spec)
    print(f"wrote {args.out} ({len(out)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
