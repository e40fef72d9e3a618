r"""The hidden layer's view: representational similarity of the ten MNIST classes over training, simulation and theory.

Writes ``results/<dataset>/hidden_similarity.csv`` (``make``; ``--out`` chooses). A
100 → 50 → 10 linear network on whitened MNIST
(top-100 PCA components, Σ11 = I exactly, targets ±1) is trained by full-batch gradient
descent (η = 0.02, 2,000 steps, t = 40) from

- ``aligned``: decoupled balanced weights, every mode at u0 = 1e-3
  (:func:`linnet.network.init_aligned`, random hidden rotation);
- ``gaussian``: i.i.d. N(0, 1e-3²) entries (the small random init of ``mnist_modes``).

The hidden representation of class c is h_c = W1 μ_c, with μ_c the mean whitened input of the
class; the table holds the representational similarity matrix h_cᵀ h_d (``similarity``, one
row per pair c ≤ d) at 41 times.

Theory (``source = theory``; docs/theory.md#hidden-representations, Saxe et al. 2019): with W1(t) = R √A(t) Vᵀ the
hidden similarity is

    h_cᵀ h_d = Σ_α u_α(t) (v_αᵀ μ_c)(v_αᵀ μ_d),

where u_α(t) follows the two-layer mode equation τu̇ = 2u(s − u) (Saxe et al. 2014 eq. 12)
from u0 = 1e-3 (aligned) or from each seed's effective initial strength
(:func:`linnet.theory.effective_initial_strength`, gaussian). Modes are learned in order of
s_α, so the similarity structure differentiates progressively: first the distinction carried
by the strongest mode, then finer ones. For the aligned init the formula is exact up to the
GD-vs-flow difference O(η); from random init it ignores the competition between modes.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import experiment, network, setups, tables, theory, train

NAME = "hidden_similarity"
EXPERIMENT = "hidden_similarity"
INITS = ("aligned", "gaussian")


@dataclasses.dataclass(frozen=True)
class HiddenSimilarity(experiment.Spec):
    """Parameters: data set, hidden width, the two initial scales, η, steps, times and seeds."""

    dataset: str = "mnist"
    width: int = 50
    u0: float = 1e-3  # aligned init: every mode's strength
    scale: float = 1e-3  # gaussian init: the entries' std
    lr: float = 0.02
    steps: int = 2000
    times: int = 41
    seeds: int = 2

    schema = experiment.Schema(
        keys=("experiment", "dataset", "width", "init", "init_scale", "lr", "seed", "step", "time",
              "source"),
        columns=("class_i", "class_j", "similarity"))

    @classmethod
    def quick(cls):
        return cls(steps=200, seeds=1)


def class_means(X, labels, n_classes):
    return np.stack([X[labels == c].mean(axis=0) for c in range(n_classes)])  # (C, N)


def init_weights(init, stats, seed, spec: HiddenSimilarity):
    widths = (stats.n_in, spec.width, stats.n_out)
    rng = tables.rng_for(EXPERIMENT, init, seed)
    if init == "aligned":
        return network.init_aligned(stats.modes, widths, spec.u0, rng=rng)
    return network.init_gaussian(widths, spec.scale, rng=rng)


def similarity_table(task, stats, columns, spec: HiddenSimilarity) -> pd.DataFrame:
    steps, lr = spec.steps, spec.lr
    modes = stats.modes
    C = stats.n_out
    mu = class_means(task.X, task.labels, C)  # (C, N)
    proj = mu @ modes.V  # (C, r): v_αᵀ μ_c
    rec = np.unique(np.linspace(0, steps, spec.times).round().astype(np.int64))
    t = rec * lr
    iu, ju = np.triu_indices(C)
    frames = []
    members = [(init, seed) for init in INITS for seed in range(spec.seeds)]
    inits = [init_weights(init, stats, seed, spec) for init, seed in members]
    weights = network.stack(inits)
    tr = train.gradient_descent(weights, stats, lr, steps, record_steps=rec, keep_weights=True)
    if np.any(tr.diverged):  # η·s1 ≈ 0.01: impossible unless something is broken
        raise ValueError(tr.message)
    k = min(modes.rank, spec.width)
    for i, (init, seed) in enumerate(members):
        W1 = np.stack([h[0][i] for h in tr.history])  # (T, H, N)
        Hc = mu @ np.swapaxes(W1, -1, -2)  # (T, C, H)
        sim = Hc @ np.swapaxes(Hc, -1, -2)  # (T, C, C)
        u0 = np.full(k, spec.u0) if init == "aligned" else theory.effective_initial_strength(inits[i], modes)[:k]
        u = theory.deep_mode_strength(t, modes.s[:k], u0, depth=2)  # (T, k); the s ≈ 0 mode decays
        th = np.einsum("ca,ta,da->tcd", proj[:, :k], u, proj[:, :k])
        for source, M in (("simulation", sim), ("theory", th)):
            frames.append(pd.DataFrame({
                "experiment": EXPERIMENT, **columns, "width": spec.width, "init": init,
                "init_scale": spec.u0 if init == "aligned" else spec.scale, "lr": lr, "seed": seed,
                "step": np.repeat(rec, iu.size), "time": np.repeat(t, iu.size), "source": source,
                "class_i": np.tile(iu, rec.size), "class_j": np.tile(ju, rec.size),
                "similarity": M[:, iu, ju].ravel(),
            }))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, HiddenSimilarity, argv, data=True)
    # A damaged file in the folder, or a --set value the run cannot use: one line, exit 2.
    with experiment.user_errors(args):
        task, stats, columns = setups.whitened_mnist(args.spec.dataset, args.data_dir)
        table = similarity_table(task, stats, columns, args.spec)
    experiment.write(table, args.out, args.spec)
    last = table[table.step == table.step.max()]
    piv = last.pivot_table(index=["init", "seed", "class_i", "class_j"], columns="source",
                           values="similarity")
    rel = (piv.simulation - piv.theory).abs().groupby(level=["init", "seed"]).max() / \
        piv.theory.abs().groupby(level=["init", "seed"]).max()
    print(f"wrote {args.out} ({len(table)} rows); final max |sim − theory| / max |theory|:\n{rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
