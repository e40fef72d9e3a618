r"""Learning from prior knowledge: retraining a learned network on a reversed and on a revised hierarchy.

Writes ``results/prior_knowledge.csv`` (Braun, Dominé, Fitzgerald & Saxe 2022, §5 of
/work/shared/EXPERIMENTS.md; docs/theory.md#learning-from-prior-knowledge). Task: the
binary tree of depth 3 (8 items, 15 {0, 1} properties, :func:`linnet.data.deterministic_tree`),
network 8 → 8 → 15, full-batch gradient descent (GD) at η = 0.02; time t = step · η. Phases
(column ``phase``), each GD (``source = simulation``) beside Braun et al.'s exact solution
(:class:`linnet.theory.ZeroBalancedSolution`, ``source = exact``) at the same times:

- ``learn``: from a small zero-balanced init (entries of std 0.03) for t = 25: the usual
  stage-like learning, exact from the init itself.
- ``revise``: from the GD-learned weights, on the hierarchy with item ``011`` moved to the
  branch of ``000`` (:func:`linnet.data.move_item`). GD keeps the balance only up to O(η), so
  the exact solution starts from :func:`linnet.theory.balanced_weights` of the learned map;
  GD continues from the learned weights themselves.
- ``reverse``: the sign-flipped task (:func:`linnet.data.reverse_properties`) from the learned
  state with a perturbation ε·G of its map into the outputs the task leaves unused (G of unit
  norm, ε = 1e-2), balanced; both sources start there. From the learned map itself B is
  singular to double precision (every mode sits at the saddle, see
  :class:`linnet.theory.SingularBError`), so the closed form has no start there.
- ``reverse_learned``: GD on the reversed task from the GD-learned weights themselves
  (simulation only). They are balanced only up to O(η): W2ᵀW2 − W1W1ᵀ ≈ λ_α ≠ 0 within each
  mode lets its strength pass through 0 instead of stalling (the λ-balanced mode equation
  τu̇ = √(λ² + 4u²)(s − u) has no fixed point at u = 0), so this reversal escapes *earlier*
  than the ε = 1e-2 one, after a delay that grows by ≈ ln 2/(2s_b) each time η halves
  (the table's own times: ``--set lr=...`` and the figure's key numbers).
- ``escape``: from the exact optimum plus ε·G for each ε of ``escape_eps``, the times each
  block's ū_b/s_b first passes 0 (``event = sign``, ``strength`` 0) and −1/2 (``half``, the
  escape from the plateau), exact (root of the closed form) and GD (interpolated between steps),
  over t ≤ ``t_escape``. Theory (docs/theory.md#learning-from-prior-knowledge): the seed of the
  escaping direction is ∝ ε² (B ∝ ε²) and grows at rate s_b, so t_sign ≈ ln(1/ε)/s_b and
  t_half ≈ 2 ln(1/ε)/s_b, up to constants (column ``slope``: 1/s_b and 2/s_b, the delay per
  e-fold of 1/ε).

Per row, ``mode`` b is a block of the k_b = ``multiplicity`` modes with one singular value
``s`` (:func:`linnet.theory.block_strengths`: the depth-3 tree's 8 modes form 4 blocks) and
``strength`` = ū_b = tr(Ũ_bᵀW2W1(t)Ṽ_b)/k_b along the modes of the original task (``learn``,
``reverse``, ``escape``) or of the revised one (``revise``): inside a block of repeated s the
SVD's basis is arbitrary (LAPACK's choice), its trace is not. G =
:func:`linnet.theory.unused_output_perturbation` (a seeded Gaussian projected off Σ̃'s
column space, no SVD basis involved). Further columns:
``loss`` and, in exact rows, ``error`` = ‖W2W1_exact − W2W1_sim‖_F / ‖Σ̃‖_F.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from tqdm import tqdm

from linnet import experiment, network, tables, theory, train
from linnet.data import deterministic_tree, move_item, reverse_properties

NAME = "prior_knowledge"
EXPERIMENT = "prior_knowledge"


@dataclasses.dataclass(frozen=True)
class PriorKnowledge(experiment.Spec):
    """Parameters: the tree, the network, the step, the phases' lengths and the perturbations."""

    branching: int = 2
    depth: int = 3
    init_scale: float = 0.03
    lr: float = 0.02
    t_learn: float = 25.0
    t_retrain: float = 50.0
    t_escape: float = 60.0
    move: str = "011"  # the item moved ...
    move_to: str = "000"  # ... to the branch of this one
    eps: float = 1e-2
    escape_eps: tuple[float, ...] = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3)
    records: int = 81

    schema = experiment.Schema(keys=("experiment", "phase", "event", "eps", "source", "mode", "step"),
                               columns=("time", "strength", "s", "multiplicity", "loss", "error", "slope"))

    @classmethod
    def quick(cls):
        # ε down to 1e-3 so that one decade has O(ε²) corrections ~1e-4 (the smoke test's slope check)
        return cls(depth=2, move="01", move_to="10", t_learn=20.0, t_retrain=30.0, t_escape=40.0,
                   escape_eps=(1e-1, 1e-2, 1e-3), records=21)

    def __post_init__(self):
        super().__post_init__()
        if min(self.init_scale, self.lr, self.t_learn, self.t_retrain, self.t_escape) <= 0:
            raise ValueError("init_scale, lr, t_learn, t_retrain and t_escape must be > 0 (--set lr=0.02)")
        if any(not 0 < e < 1 for e in (self.eps, *self.escape_eps)):
            raise ValueError("eps and escape_eps must lie in (0, 1): a small perturbation of the learned map "
                             "(--set escape_eps=0.1,0.01)")


def phase_rows(phase, eps, t, rec, sim, sol, modes, stats):
    """Long rows (one per time and mode block) of GD's trajectory ``sim`` and the exact one beside it."""
    P_ex = sol.product(t) if sol is not None else None
    norm = np.linalg.norm(stats.sigma31)
    frames = []
    for source, P in (("simulation", sim.product), ("exact", P_ex)):
        if P is None:
            continue
        err = np.zeros(t.size) if source == "simulation" else np.linalg.norm(P - sim.product, axis=(1, 2)) / norm
        u, s, k = theory.block_strengths(P, modes)
        loss = stats.loss(P)
        for a in range(u.shape[1]):
            frames.append(pd.DataFrame({"phase": phase, "event": "", "eps": eps, "source": source, "mode": a, "step": rec,
                                        "time": t, "strength": u[:, a], "s": s[a], "multiplicity": k[a],
                                        "loss": loss, "error": err, "slope": np.nan}))
    return frames


EVENTS = {"sign": 0.0, "half": -0.5}  # u_b/s_b passes 0 (the plateau's middle), −1/2 (the escape)


def _first_below(u, level):
    """Index of the first sample below ``level`` after one at or above it, per column; −1 if none.

    A column that starts below ``level`` (index 0) has no crossing to interpolate: −1 too.
    """
    below = u < level
    i = np.argmax(below, axis=0)
    return np.where(below[i, np.arange(u.shape[1])] & (i > 0), i, -1)


def exact_crossings(sol, modes, t_max, level):
    """First time every block's ū_b/s_b falls below ``level`` along the closed form (root finding); NaN if none."""
    grid = np.linspace(0.0, t_max, 2001)
    u, s, _ = theory.block_strengths(sol.product(grid), modes)
    first = _first_below(u / s, level)
    out = np.full(u.shape[1], np.nan)
    for a in np.flatnonzero(first > 0):
        f = lambda x: float(theory.block_strengths(sol.product([x]), modes)[0][0, a]) / s[a] - level  # noqa: E731
        out[a] = brentq(f, grid[first[a] - 1], grid[first[a]], xtol=1e-10)
    return out


def gd_crossings(sim, lr, modes, level):
    """First time every block's ū_b/s_b falls below ``level`` along GD, interpolated between steps; NaN if none."""
    u, s, _ = theory.block_strengths(sim.product, modes)
    u = u / s
    first = _first_below(u, level)
    out = np.full(u.shape[1], np.nan)
    for a in np.flatnonzero(first > 0):
        i = first[a]
        out[a] = lr * (i - 1 + (u[i - 1, a] - level) / (u[i - 1, a] - u[i, a]))
    return out


def escape_rows(spec, stats, reversed_, G, modes, progress):
    """Sign-change and half-reversal times of every mode for every ε of ``escape_eps``, exact and GD."""
    H = stats.n_in
    steps = int(round(spec.t_escape / spec.lr))
    rows = []
    for eps in tqdm(spec.escape_eps, disable=not (progress and sys.stderr.isatty()), desc=f"{NAME} escape",
                    leave=False):
        w = theory.balanced_weights(stats.sigma31 + eps * G, H)
        sol = theory.ZeroBalancedSolution.from_weights(w, reversed_)
        sim = train.gradient_descent(w, reversed_, spec.lr, steps, record_steps=np.arange(steps + 1))
        _, s, k = theory.block_strengths(stats.sigma31, modes)
        for event, level in EVENTS.items():
            # theory: the sign change at ln(1/ε)/s_b, the escape at 2 ln(1/ε)/s_b (+ constants)
            slope = (1.0 if event == "sign" else 2.0) / s
            for source, tx in (("exact", exact_crossings(sol, modes, spec.t_escape, level)),
                               ("simulation", gd_crossings(sim, spec.lr, modes, level))):
                rows += [{"phase": "escape", "event": event, "eps": eps, "source": source, "mode": a, "step": -1,
                          "time": t_cross, "strength": level * s[a], "s": s[a], "multiplicity": k[a], "loss": np.nan,
                          "error": np.nan, "slope": slope[a]} for a, t_cross in enumerate(tx)]
    return pd.DataFrame(rows)


def gd(weights, stats, spec, t_end):
    """GD recorded at ``records`` equally spaced steps up to t_end: (times, steps, trajectory)."""
    steps = int(round(t_end / spec.lr))
    rec = np.unique(np.linspace(0, steps, spec.records).round().astype(np.int64))
    tr = train.gradient_descent(weights, stats, spec.lr, steps, record_steps=rec, keep_weights=False)
    if np.any(tr.diverged):
        raise ValueError(tr.message)
    return rec * spec.lr, rec, tr


def table(spec: PriorKnowledge, progress: bool = False) -> pd.DataFrame:
    h = deterministic_tree(spec.branching, spec.depth)
    stats = h.stats()
    revised = move_item(h, spec.move, spec.move_to).stats()
    reversed_ = reverse_properties(h).stats()
    N, M, modes = stats.n_in, stats.n_out, stats.modes  # per-block quantities only: see block_strengths
    w0 = network.init_zero_balanced((N, N, M), spec.init_scale, rng=tables.rng_for(EXPERIMENT, "init"))
    G = theory.unused_output_perturbation(stats.sigma31, tables.rng_for(EXPERIMENT, "perturbation"))
    t, rec, learn = gd(w0, stats, spec, spec.t_learn)
    frames = phase_rows("learn", 0.0, t, rec, learn, theory.ZeroBalancedSolution.from_weights(w0, stats),
                        modes, stats)
    w1 = learn.weights
    P1 = w1[1] @ w1[0]
    start = theory.balanced_weights(P1, N, like=w1)
    t, rec, sim = gd(w1, revised, spec, spec.t_retrain)
    frames += phase_rows("revise", 0.0, t, rec, sim, theory.ZeroBalancedSolution.from_weights(start, revised),
                         revised.modes, revised)
    start = theory.balanced_weights(P1 + spec.eps * G, N, like=w1)
    t, rec, sim = gd(start, reversed_, spec, spec.t_retrain)
    frames += phase_rows("reverse", spec.eps, t, rec, sim,
                         theory.ZeroBalancedSolution.from_weights(start, reversed_), modes, reversed_)
    t, rec, sim = gd(w1, reversed_, spec, 2.0 * spec.t_retrain)
    frames += phase_rows("reverse_learned", 0.0, t, rec, sim, None, modes, reversed_)
    frames.append(escape_rows(spec, stats, reversed_, G, modes, progress))
    return pd.concat(frames, ignore_index=True).assign(experiment=EXPERIMENT, lr=spec.lr)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, PriorKnowledge, argv)
    with experiment.user_errors(args):  # e.g. a --set value the run cannot use: one line
        out = table(args.spec, progress=args.progress)
    experiment.write(out, args.out, args.spec)
    print(f"wrote {args.out} ({len(out)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
