r"""Category coherence and item typicality set learning times: measured against predicted.

Writes ``results/hierarchy_coherence.csv``. Data (:func:`linnet.data.category_task`): four disjoint
categories of 4 items, each with 8 features of its own that a member has with probability
``share`` = 1, 0.85, 0.7, 0.55 (the first category's members share all of theirs, the last's barely
half), and 8 noise features present in any item with probability 0.2; items one-hot with Σ11 = I
(16 items, 40 properties). A network with one hidden layer of 24 units learns it by full-batch
gradient descent (η = 0.02, 1,500 steps, t = 30) from i.i.d. Gaussian weights (σ = 0.01, ``seeds``
draws, one data set each).

Rows (``kind``):

- ``category``: per category, its coherence :math:`s_c = \lVert\Sigma_{31} c\rVert`
  (:func:`linnet.theory.category_coherence`, c the unit vector of its members), the predicted
  half-learning time :math:`\ln(s_c/u_0 - 1)/2s_c` (``t_predicted``; u0 the draw's effective initial
  strength along the category, :math:`\tfrac14\lVert W_1 c + W_2^\top \hat u_c\rVert^2`,
  :math:`\hat u_c = \Sigma_{31}c/s_c`) and the measured time (``t_measured``) at which
  :math:`\hat u_c^\top W(t)\, c` first reaches :math:`s_c/2`;
- ``item``: per item, its typicality (loading :math:`v_\alpha^\top x_i` on the object analyzer α of
  its category, the SVD mode whose v_α is closest to the members' direction c; :func:`linnet.theory.typicality`),
  the time at which its output along :math:`u_\alpha` reaches θ = ``theta`` · s_α
  (``t_measured``), and the prediction :func:`linnet.theory.typicality_learning_time` from the mode's
  effective initial strength (``t_predicted``; ∞ where the item never reaches θ).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import data, experiment, network, tables, theory, train

NAME = "hierarchy_coherence"


@dataclasses.dataclass(frozen=True)
class HierarchyCoherence(experiment.Spec):
    """Parameters: the categories, the network and its training."""

    n_members: int = 4
    n_features: int = 8
    share: tuple[float, ...] = (1.0, 0.85, 0.7, 0.55)
    noise: float = 0.2
    n_noise: int = 8
    hidden: int = 24
    lr: float = 0.02
    steps: int = 1500
    init_scale: float = 0.01
    seeds: int = 4
    theta: float = 0.4

    schema = experiment.Schema(keys=("kind", "seed", "category", "item"),
                               columns=("share_c", "coherence", "typicality", "t_measured", "t_predicted"))

    @classmethod
    def quick(cls):
        return cls(steps=800, seeds=2)


def first_crossing(t, u, level):
    """First time u (T, n) reaches level (n,), linear between records; NaN where it never does."""
    above = u >= level
    k = np.argmax(above, axis=0)
    ok = above.any(axis=0) & (k > 0)
    k = np.where(ok, k, 1)
    idx = np.arange(u.shape[1])
    lo, hi = u[k - 1, idx], u[k, idx]
    frac = (level - lo) / np.where(hi > lo, hi - lo, 1.0)
    return np.where(ok, t[k - 1] + frac * (t[k] - t[k - 1]), np.nan)


def one_draw(spec: HierarchyCoherence, seed: int) -> list[pd.DataFrame]:
    h = data.category_task(spec.n_members, spec.n_features, spec.share, noise=spec.noise, n_noise=spec.n_noise,
                           rng=tables.rng_for(NAME, "data", seed))
    stats = h.stats()
    P, M = h.Y.shape
    w = network.init_gaussian((P, spec.hidden, M), spec.init_scale, rng=tables.rng_for(NAME, "init", seed))
    tr = train.gradient_descent(w, stats, spec.lr, spec.steps, record_steps=np.arange(spec.steps + 1), kernel="numpy")
    if np.any(tr.diverged):  # a table built on a diverged run would be meaningless
        raise ValueError(f"{tr.message}; lower lr (--set lr=...)")
    t = tr.step * spec.lr
    C, K = len(spec.share), spec.n_members
    cats, items = [], []
    modes = stats.modes
    load = theory.typicality(modes, h.X)  # (P, r)
    eff = theory.effective_initial_strength(w, modes, competition=True)
    for c in range(C):
        members = np.arange(c * K, (c + 1) * K)
        s_c = theory.category_coherence(stats, h.X[members])
        cvec = h.X[members].sum(axis=0)
        cvec /= np.linalg.norm(cvec)
        u_c = stats.sigma31 @ cvec / s_c
        u0 = 0.25 * np.sum((w[0] @ cvec + w[1].T @ u_c) ** 2)
        along = np.einsum("m,tmn,n->t", u_c, tr.product, cvec)
        cats.append({"kind": "category", "seed": seed, "category": c, "item": -1, "share_c": spec.share[c],
                     "coherence": s_c, "typicality": np.nan,
                     "t_measured": first_crossing(t, along[:, None], np.array([s_c / 2]))[0],
                     "t_predicted": float(theory.half_learning_time(s_c, u0))})
        a = int(np.argmax(np.abs(cvec @ modes.V)))  # the category's object analyzer: closest to c
        sign = np.sign(load[members, a].sum())
        out = np.einsum("m,tmn,pn->tp", modes.U[:, a], tr.product, h.X[members]) * sign  # (T, K)
        theta = spec.theta * modes.s[a]
        meas = first_crossing(t, out, np.full(K, theta))
        pred = theory.typicality_learning_time(modes.s[a], eff[a], load[members, a] * sign, theta)
        for j, i in enumerate(members):
            items.append({"kind": "item", "seed": seed, "category": c, "item": int(i), "share_c": spec.share[c],
                          "coherence": modes.s[a], "typicality": load[i, a] * sign, "t_measured": meas[j],
                          "t_predicted": pred[j]})
    return [pd.DataFrame(cats), pd.DataFrame(items)]


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, HierarchyCoherence, argv)
    with experiment.user_errors(args):
        out = pd.concat([f for seed in range(args.spec.seeds) for f in one_draw(args.spec, seed)], ignore_index=True)
    experiment.write(out, args.out, args.spec)
    print(f"wrote {args.out} ({len(out)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
