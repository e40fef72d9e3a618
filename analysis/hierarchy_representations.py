r"""Progressive differentiation: the hidden-layer similarity of eight items over training, simulation and theory.

Writes ``results/hierarchy_representations.csv``. Data as in ``hierarchy_modes``
(:func:`linnet.data.diffusion_tree`, B = 2, D = 3, 1,000 properties, ε = 0.15, items goldfish,
tuna, robin, canary, rose, daisy, pine, oak). One network with a hidden layer of 16 units is
trained by full-batch gradient descent (η = 0.002, 1,500 steps, t = 3) from i.i.d. Gaussian weights
(σ = 0.01). The hidden representation of item i is :math:`h_i = W_1 x_i`; the table holds
:math:`h_i^\top h_j` for every pair i ≤ j at every recorded step (``source = simulation``) beside
the theory (``source = theory``, :func:`linnet.theory.hidden_similarity`):

.. math:: h_i^\top h_j = \sum_\alpha a_\alpha(t)\,(v_\alpha^\top x_i)(v_\alpha^\top x_j),

with :math:`a_\alpha(t)` Saxe et al.'s eq. 12 from each mode's effective initial strength (with
competition). It assumes balanced layers (:math:`W_1^\top W_1 = V A V^\top`), which small random
weights are up to :math:`O(\sigma^2)`; the 1,000 outputs make :math:`W_2^\top W_2` start at
:math:`1000\sigma^2 = 0.1` rather than 0, which the theory ignores (a constant 0.1 on the diagonal
that the figure's normalised view hides).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import data, experiment, network, tables, theory, train

NAME = "hierarchy_representations"


@dataclasses.dataclass(frozen=True)
class HierarchyRepresentations(experiment.Spec):
    """Parameters: the diffusion data, the network and its training."""

    n_properties: int = 1000
    flip: float = 0.15
    hidden: int = 16
    lr: float = 0.002
    steps: int = 1500
    init_scale: float = 0.01
    records: int = 151

    schema = experiment.Schema(keys=("source", "step", "item_i", "item_j"),
                               columns=("time", "name_i", "name_j", "similarity"))

    def __post_init__(self):
        super().__post_init__()
        if self.flip > 0.5:
            raise ValueError(f"flip must be in [0, 0.5]; got {self.flip} (--set flip=0.15)")

    @classmethod
    def quick(cls):
        return cls(steps=300, records=31)  # 1,000 properties: the sample keeps the tree's order


def table(spec: HierarchyRepresentations) -> pd.DataFrame:
    h = data.diffusion_tree(2, 3, spec.n_properties, spec.flip, rng=tables.rng_for(NAME, "data"), items=data.TREE_ITEMS)
    stats = h.stats()
    modes = stats.modes
    w = network.init_gaussian((8, spec.hidden, spec.n_properties), spec.init_scale, rng=tables.rng_for(NAME, "init"))
    rec = np.unique(np.linspace(0, spec.steps, spec.records).round().astype(int))
    tr = train.gradient_descent(w, stats, spec.lr, spec.steps, record_steps=rec, keep_weights=True, kernel="numpy")
    if np.any(tr.diverged):  # a table built on a diverged run would be meaningless
        raise ValueError(f"{tr.message}; lower lr (--set lr=...)")
    W1 = np.stack([layers[0] for layers in tr.history])  # (T, hidden, 8)
    H = h.X @ np.swapaxes(W1, -1, -2)  # (T, 8, hidden): row i is item i's hidden representation
    sim = H @ np.swapaxes(H, -1, -2)
    u0 = theory.effective_initial_strength(w, modes, competition=True)
    t = rec * spec.lr
    theo = theory.hidden_similarity(theory.mode_strength(t[:, None], modes.s, u0), modes, h.X)
    i, j = np.triu_indices(8)
    names = np.array(h.items)
    frames = [pd.DataFrame({"source": source, "step": np.repeat(rec, i.size), "item_i": np.tile(i, rec.size),
                            "item_j": np.tile(j, rec.size), "time": np.repeat(t, i.size),
                            "name_i": np.tile(names[i], rec.size), "name_j": np.tile(names[j], rec.size),
                            "similarity": K[:, i, j].ravel()})
              for source, K in (("simulation", sim), ("theory", theo))]
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, HierarchyRepresentations, argv)
    with experiment.user_errors(args):
        out = table(args.spec)
    experiment.write(out, args.out, args.spec)
    print(f"wrote {args.out} ({len(out)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
