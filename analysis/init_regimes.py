r"""Two-layer networks from rich (small) to lazy (large) initial weights: simulation against three theories.

Writes ``results/init_regimes.csv``. Task: a linear teacher on exactly whitened inputs,
Σ31 of shape 4 × 4 with singular values s = (3, 2, 1, 0.5). Networks 4 → 4 → 4 (square, so
that the λ-balanced closed form applies) start from two families of random weights whose layer
singular values are of order c (``init_scale``), c from 0.01 (rich) to 10 (lazy):

- ``zero_balanced``: W1W1ᵀ = W2ᵀW2 (:func:`linnet.network.init_zero_balanced`, entries of
  std c/2 before re-balancing);
- ``lambda_balanced``: W2ᵀW2 − W1W1ᵀ = λI with λ = c² (:func:`linnet.network.init_lambda_balanced`):
  as unbalanced as the weights are large, the lazy regime of Dominé et al. (2025).

Each is trained by full-batch gradient descent with η = 1e-3/max(1, c²) (η times the sharpness
≈ 3 max(s1, c²) stays ≲ 1e-2) up to t = 15/max(1, c²), i.e. 15,000 steps, recorded at 61 times. A balanced
square network cannot change the sign of its determinant without passing a singular map, so
one row of W2 is flipped when det W2W1(0) and det Σ31 differ (else one mode stalls at a saddle
and no closed form applies, see :class:`linnet.theory.SingularBError`).

Theories (``source = theory``, column ``theory``), each evaluated at the simulation's times:

- ``saxe``: every mode on Saxe et al.'s logistic curve (eq. 12) from the effective initial
  strength :func:`linnet.theory.effective_initial_strength`, along the task's singular vectors
  (assumes small, decoupled weights);
- ``zero_balanced``: Braun et al.'s exact solution for the zero-balanced network with the same
  initial map W2W1(0) (exact for the zero-balanced family);
- ``lambda_balanced``: Dominé et al.'s exact solution with the weights' own λ (exact for both
  families; equal to ``zero_balanced`` when λ = 0).

Rectangular networks (issue 13), beside the square ones: the same spectrum as a teacher with
more inputs than outputs (6 → 4 → 4, ``init = lambda_balanced_6-4-4``) and fewer (4 → 4 → 6,
``lambda_balanced_4-4-6``), λ-balanced with λ = +c² and, suffixed ``_neg``, λ = −c² (both signs
are λ-balanced since H = min(N, M)), entry std c/(√H + √max(N, M)) so that the smaller layer's
top singular value is ≈ c. Their theories are ``saxe`` and ``lambda_balanced``, the
exact solution for any shape (:class:`linnet.theory.RectangularLambdaBalancedSolution`); no
determinant sign needs matching (the general form has no condition on B).

``error`` is ‖W_theory(t) − W_sim(t)‖_F / ‖Σ31‖_F (0 in simulation rows) and ``max_error``
its maximum over the run; ``loss`` is each source's loss. GD differs from gradient flow by
O(η·t·s²), so the exact theories sit at ~1e-3 and below, not at round-off; at c ≳ 3 the
initial map is ~c² ≫ ‖Σ31‖, and the same relative discretisation error is larger in units of
‖Σ31‖ (a few 1e-2 at c = 10).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import Statistics, experiment, metrics, network, setups, tables, theory, train
from linnet.data import teacher_matrix

NAME = "init_regimes"
EXPERIMENT = "init_regimes"
FAMILIES = ("zero_balanced", "lambda_balanced")


@dataclasses.dataclass(frozen=True)
class InitRegimes(experiment.Spec):
    """Parameters: the teacher's spectrum, the scales c, the seeds and the time budget."""

    s: tuple[float, ...] = (3.0, 2.0, 1.0, 0.5)
    init_scales: tuple[float, ...] = tuple(np.geomspace(0.01, 10.0, 7).tolist())
    seeds: int = 3
    lr_base: float = 1e-3  # η = lr_base / max(1, c²)
    t_max: float = 15.0  # trained up to t = t_max / max(1, c²)
    records: int = 61
    rect_shapes: tuple[str, ...] = ("6-4-4", "4-4-6")  # (N, H, M) of the rectangular families

    schema = experiment.Schema(
        keys=("experiment", "init", "init_scale", "lr", "seed", "step", "time", "source"),
        columns=("theory", "loss", "error", "lam"))

    @classmethod
    def quick(cls):
        return cls(init_scales=(0.01, 1.0, 10.0), seeds=1)


def init_weights(family, c, seed, stats):
    n = stats.n_in
    rng = tables.rng_for(EXPERIMENT, family, float(c), seed)
    if family == "zero_balanced":
        w = network.init_zero_balanced((n, n, n), c / np.sqrt(n), rng=rng)
    else:
        w = network.init_lambda_balanced((n, n, n), c / np.sqrt(n), c**2, rng=rng)
    return setups.match_determinant_sign(w, stats.sigma31)


def rect_families(spec) -> list[tuple[str, tuple[int, int, int], float]]:
    """(init name, widths, sign of λ) of every rectangular family."""
    out = []
    for shape in spec.rect_shapes:
        try:
            widths = tuple(int(v) for v in shape.split("-"))
        except ValueError:
            widths = ()
        if len(widths) != 3 or min(widths) < 1 or widths[1] > min(widths[0], widths[2]):
            raise ValueError(f"rect_shapes entries must be N-H-M with H <= min(N, M) (λ of both signs); "
                             f"got {shape!r} (--set rect_shapes=6-4-4,4-4-6)")
        out += [(f"lambda_balanced_{shape}", widths, 1.0), (f"lambda_balanced_{shape}_neg", widths, -1.0)]
    return out


def rect_rows(spec: InitRegimes, c: float) -> list[pd.DataFrame]:
    """Simulation, Saxe and exact λ-balanced rows of the rectangular families at scale c."""
    frames = []
    for family, (N, H, M), sign in rect_families(spec):
        rng = tables.rng_for(EXPERIMENT, "teacher", N, M)
        S31 = teacher_matrix(M, N, rng=rng, spectrum=np.array(spec.s))
        stats = Statistics(np.eye(N), S31, float(np.sum(np.square(spec.s))))
        lr = spec.lr_base / max(1.0, c**2)
        steps = int(round(spec.t_max / max(1.0, c**2) / lr))
        rec = np.unique(np.linspace(0, steps, spec.records).round().astype(np.int64))
        inits = [network.init_lambda_balanced((N, H, M), c / (np.sqrt(H) + np.sqrt(max(N, M))), sign * c**2,
                                              rng=tables.rng_for(EXPERIMENT, family, float(c), seed))
                 for seed in range(spec.seeds)]
        tr = train.gradient_descent(network.stack(inits), stats, lr, steps, record_steps=rec)
        if np.any(tr.diverged):
            raise ValueError(tr.message)
        t = rec * lr
        norm = np.linalg.norm(S31)
        for seed, w in enumerate(inits):
            sim = tr.product[:, seed]
            modes = stats.modes
            u = theory.mode_strength(t[:, None], modes.s, theory.effective_initial_strength(w, modes))
            products = {"saxe": np.einsum("mr,tr,nr->tmn", modes.U, u, modes.V),
                        "lambda_balanced": theory.lambda_balanced_solution(w, stats, t).product}
            base = {"experiment": EXPERIMENT, "init": family, "init_scale": float(c), "lr": lr,
                    "seed": seed, "step": rec, "time": t, "lam": sign * c**2,
                    "balance": float(metrics.lambda_balancedness(w)[0])}
            frames.append(pd.DataFrame({**base, "source": "simulation", "theory": "",
                                        "loss": tr.loss[:, seed], "error": 0.0, "max_error": 0.0}))
            for name, P in products.items():
                err = np.linalg.norm(P - sim, axis=(-2, -1)) / norm
                frames.append(pd.DataFrame({**base, "source": "theory", "theory": name,
                                            "loss": stats.loss(P), "error": err, "max_error": err.max()}))
    return frames


def same_map_zero_balanced(w):
    """The zero-balanced network with the same initial map W2W1(0) (no rotation freedom needed)."""
    U, s, Vt = np.linalg.svd(w[1] @ w[0])
    r = np.sqrt(s)
    return (r[:, None] * Vt, U * r)


def theory_products(w, stats, t):
    modes = stats.modes
    u0 = theory.effective_initial_strength(w, modes)
    u = theory.mode_strength(t[:, None], modes.s, u0)  # (T, r)
    saxe = np.einsum("mr,tr,nr->tmn", modes.U, u, modes.V)
    zb = theory.zero_balanced_solution(same_map_zero_balanced(w), stats, t).product
    lb = theory.lambda_balanced_solution(w, stats, t)
    return {"saxe": saxe, "zero_balanced": zb, "lambda_balanced": lb.product}, lb.lam


def scale_rows(spec: InitRegimes, stats, c: float) -> list[pd.DataFrame]:
    """Simulation and theory rows of every family and seed at one scale c."""
    norm = np.linalg.norm(stats.sigma31)
    lr = spec.lr_base / max(1.0, c**2)
    steps = int(round(spec.t_max / max(1.0, c**2) / lr))
    rec = np.unique(np.linspace(0, steps, spec.records).round().astype(np.int64))
    members = [(f, seed) for f in FAMILIES for seed in range(spec.seeds)]
    inits = [init_weights(f, c, seed, stats) for f, seed in members]
    tr = train.gradient_descent(network.stack(inits), stats, lr, steps, record_steps=rec)
    if np.any(tr.diverged):  # η is far below the bound; a diverged run would be a bug
        raise ValueError(tr.message)
    t = rec * lr
    frames = []
    for i, (family, seed) in enumerate(members):
        sim = tr.product[:, i]
        products, lam = theory_products(inits[i], stats, t)
        base = {"experiment": EXPERIMENT, "init": family, "init_scale": float(c), "lr": lr,
                "seed": seed, "step": rec, "time": t, "lam": lam,
                "balance": float(metrics.lambda_balancedness(inits[i])[0])}
        frames.append(pd.DataFrame({**base, "source": "simulation", "theory": "",
                                    "loss": tr.loss[:, i], "error": 0.0, "max_error": 0.0}))
        for name, P in products.items():
            err = np.linalg.norm(P - sim, axis=(-2, -1)) / norm
            frames.append(pd.DataFrame({**base, "source": "theory", "theory": name,
                                        "loss": stats.loss(P), "error": err,
                                        "max_error": err.max()}))
    return frames


def regimes_table(spec: InitRegimes) -> pd.DataFrame:
    stats = setups.whitened_teacher_stats(EXPERIMENT, np.array(spec.s))
    return pd.concat([f for c in spec.init_scales for f in scale_rows(spec, stats, c) + rect_rows(spec, c)],
                     ignore_index=True)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, InitRegimes, argv)
    with experiment.user_errors(args):  # e.g. a --set value the run cannot use: one line
        table = regimes_table(args.spec)
    experiment.write(table, args.out, args.spec)
    th = table[table.source == "theory"]
    summary = th.groupby(["init", "theory", "init_scale"]).max_error.median().unstack("init_scale")
    print(f"wrote {args.out} ({len(table)} rows); median max error (relative to ‖Σ31‖):\n"
          f"{summary.to_string(float_format=lambda x: f'{x:.2e}')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
