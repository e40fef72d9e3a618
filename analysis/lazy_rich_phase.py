r"""The lazy–rich phase diagram of a two-layer linear network: kernel distance over initial scale and λ.

Writes ``results/<dataset>/lazy_rich_phase.csv`` (``make``; ``--out`` chooses). Kunin et al.'s
(2024) grid with a linear student: initial scale c log-spaced over 0.1–2 and the relative scale
λ (:math:`W_2^\top W_2 - W_1W_1^\top = \lambda I`) over −1…1, ``seeds`` random λ-balanced
initialisations per point (:func:`linnet.network.init_lambda_balanced` with entry std
c/(√H + √max(N, M)), so the smaller layer's top singular value is ≈ c). Two tasks:

- ``teacher``: a 20 → 5 → 5 student of a rank-5 teacher (singular values 3, 2.5, 2, 1.5, 1) from
  P = 100 exactly whitened Gaussian inputs with output noise of std 0.3; test loss is the
  population loss ½‖W − W̄‖² + ½Mσ² (inputs of identity covariance);
- ``mnist``: a 100 → 10 → 10 student on whitened MNIST (top-100 PCA, Σ11 = I on the training
  set, ±1 targets); test loss on the test set through the same whitening.

Both are rectangular (N > M) with H = M, so both signs of λ are λ-balanced. Each point's
members train by full-batch GD as one ensemble per scale, η = ``lr_factor`` / (an upper bound
of the sharpness: max(√(λ² + 4s1²), ‖W1‖₂² + ‖W2‖₂²)) and as many steps as reach t = ``t_max``
for the member of smallest η (the others run further in t: they have converged).

Columns (``source = simulation`` from the GD weights, ``source = theory`` from the exact
λ-balanced solution of the same initial weights, :class:`linnet.theory.RectangularLambdaBalancedSolution`,
at the member's final time):

- ``kernel_distance``: 1 − ⟨K0, KT⟩/(‖K0‖‖KT‖) of the tangent kernels on the training set
  (:mod:`linnet.tangent`);
- ``representation_distance``: the same for the hidden-similarity matrix W1ᵀW1 (inputs);
- ``steps_to_converge``: first recorded step (log-spaced records: an upper bound within a few
  %) with (L − L⋆)/(L0 − L⋆) < ``tol``, −1 when the run ends before; ``time_to_converge`` is it
  times η (NaN when not converged): η differs between members, so times compare, steps do not;
- ``test_loss`` at the end; ``error``: ‖W_theory − W_sim‖_F/‖Σ31‖_F at the end (0 in
  simulation rows).

GD differs from gradient flow by O(η·sharpness) = O(``lr_factor``) per unit time, which is what
the theory rows' errors measure.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from linnet import Statistics, experiment, network, setups, tables, tangent, theory, train
from linnet.data import teacher_matrix

NAME = "lazy_rich_phase"
EXPERIMENT = "lazy_rich_phase"


@dataclasses.dataclass(frozen=True)
class LazyRichPhase(experiment.Spec):
    """Parameters: the (scale, λ) grid, seeds, tasks, and the step and time budget."""

    dataset: str = "mnist"
    tasks: tuple[str, ...] = ("teacher", "mnist")
    init_scales: tuple[float, ...] = tuple(np.geomspace(0.1, 2.0, 9).round(6).tolist())
    lams: tuple[float, ...] = tuple(np.linspace(-1.0, 1.0, 9).round(6).tolist())
    seeds: int = 4
    teacher_s: tuple[float, ...] = (3.0, 2.5, 2.0, 1.5, 1.0)
    teacher_in: int = 20
    teacher_samples: int = 100
    noise: float = 0.3
    lr_factor: float = 0.1
    t_max: float = 25.0
    tol: float = 1e-4
    records: int = 40

    schema = experiment.Schema(
        keys=("experiment", "dataset", "task", "init_scale", "lam", "seed", "source"),
        columns=("kernel_distance", "representation_distance", "steps_to_converge",
                 "time_to_converge", "test_loss", "error", "lr", "time"))

    @classmethod
    def quick(cls):
        return cls(init_scales=(0.1, 2.0), lams=(-1.0, 0.0, 1.0), seeds=1, t_max=10.0)

    @classmethod
    def paper(cls):
        # Kunin et al. (2024): logspace(−1, 0.3, 17) × linspace(−1, 1, 17) × 16 seeds.
        return cls(init_scales=tuple(np.geomspace(0.1, 2.0, 17).round(6).tolist()),
                   lams=tuple(np.linspace(-1.0, 1.0, 17).round(6).tolist()), seeds=16)


def teacher_task(spec: LazyRichPhase):
    """Whitened training statistics of the noisy teacher and its test loss (population)."""
    rng = tables.rng_for(EXPERIMENT, "teacher")
    s = np.asarray(spec.teacher_s)
    M, N, P = s.size, spec.teacher_in, spec.teacher_samples
    W_bar = teacher_matrix(M, N, rng=rng, spectrum=s)
    X = rng.standard_normal((P, N))
    X = X @ np.linalg.inv(np.linalg.cholesky(X.T @ X / P)).T  # XᵀX/P = I exactly
    Y = X @ W_bar.T + spec.noise * rng.standard_normal((P, M))
    stats = Statistics.from_data(X, Y)

    def test_loss(W):
        return 0.5 * np.sum((W - W_bar) ** 2, axis=(-2, -1)) + 0.5 * M * spec.noise**2

    return stats, test_loss, (N, M, M)


def mnist_task(spec: LazyRichPhase, data_dir):
    task, stats, columns = setups.whitened_mnist(spec.dataset, data_dir)
    test = Statistics.from_data(task.X_test, task.Y_test)
    return stats, test.loss, (stats.n_in, stats.n_out, stats.n_out), columns["dataset"]


def init_member(widths, c, lam, seed, task):
    N, H, M = widths
    rng = tables.rng_for(EXPERIMENT, task, float(c), float(lam), seed)
    return network.init_lambda_balanced(widths, c / (np.sqrt(H) + np.sqrt(max(N, M))), lam, rng=rng)


def member_lr(w, lam, s1, factor):
    """η = factor / (a bound on the sharpness along the run: the larger of the balanced
    optimum's top curvature √(λ² + 4s1²) and the initial Gauss–Newton top ‖W1‖₂² + ‖W2‖₂²)."""
    init = sum(np.linalg.norm(W, 2) ** 2 for W in w)
    return factor / max(np.sqrt(lam**2 + 4 * s1**2), init)


def _gram_distance(G0, G1):
    num = np.einsum("...ij,...ij->...", G0, G1)
    return np.clip(1.0 - num / (np.linalg.norm(G0, axis=(-2, -1)) * np.linalg.norm(G1, axis=(-2, -1))),
                   0.0, 1.0)


def _converged_step(loss, rec, L_star, tol):
    """First recorded step with (L − L⋆)/(L0 − L⋆) < tol, per column; −1 when none."""
    rel = (loss - L_star) / (loss[:1] - L_star)
    hit = rel < tol
    return np.where(hit.any(axis=0), rec[np.argmax(hit, axis=0)], -1)


def scale_rows(spec, stats, test_loss, widths, task, c) -> pd.DataFrame:
    """Simulation and theory rows of every λ and seed at one scale c (one GD ensemble)."""
    s1 = float(stats.modes.s[0])
    members = [(lam, seed) for lam in spec.lams for seed in range(spec.seeds)]
    inits = [init_member(widths, c, lam, seed, task) for lam, seed in members]
    lr = np.array([member_lr(w, lam, s1, spec.lr_factor) for w, (lam, _) in zip(inits, members)])
    steps = int(np.ceil(spec.t_max / lr.min()))
    rec = np.unique(np.concatenate([[0], train.log_steps(steps, spec.records)]))
    w0 = network.stack(inits)
    tr = train.gradient_descent(w0, stats, lr, steps, record_steps=rec)
    if np.any(tr.diverged):  # η is a tenth of the stability bound: divergence would be a bug
        raise ValueError(tr.message)
    L_star, norm = stats.min_loss(), np.linalg.norm(stats.sigma31)
    K0 = tangent.tangent_kernel(w0)
    sim = {"kernel_distance": K0.distance(tangent.tangent_kernel(tr.weights)),
           "representation_distance": _gram_distance(_input_gram(w0), _input_gram(tr.weights)),
           "steps_to_converge": _converged_step(tr.loss, rec, L_star, spec.tol),
           "test_loss": test_loss(tr.product[-1]), "error": np.zeros(len(members))}
    th = _theory(inits, stats, test_loss, rec, lr, tr.product[-1], spec.tol)
    base = {"experiment": EXPERIMENT, "task": task, "init_scale": float(c),
            "lam": [m[0] for m in members], "seed": [m[1] for m in members], "lr": lr,
            "time": steps * lr, "steps": steps}
    out = pd.concat([pd.DataFrame({**base, "source": "simulation", **sim}),
                     pd.DataFrame({**base, "source": "theory", **th})], ignore_index=True)
    out["time_to_converge"] = np.where(out.steps_to_converge >= 0, out.steps_to_converge * out.lr, np.nan)
    return out


def _input_gram(w):
    return np.swapaxes(w[0], -1, -2) @ w[0]


def _theory(inits, stats, test_loss, rec, lr, sim_final, tol):
    """Kernel and representation distances, convergence step, test loss and error from the
    exact solution of each member, at its recorded times."""
    out = {k: [] for k in ("kernel_distance", "representation_distance", "steps_to_converge",
                           "test_loss", "error")}
    norm = np.linalg.norm(stats.sigma31)
    for i, w in enumerate(inits):
        sol = theory.RectangularLambdaBalancedSolution.from_weights(w, stats)
        t = rec * lr[i]
        K_end = tangent.exact_tangent_kernel(sol, t[-1:])
        b = sol.blocks(t)
        out["kernel_distance"].append(float(K_end.distance(tangent.exact_tangent_kernel(sol, [0.0]))[0]))
        out["representation_distance"].append(float(_gram_distance(b.input_gram[0], b.input_gram[-1])))
        out["steps_to_converge"].append(int(_converged_step(stats.loss(b.product)[:, None], rec,
                                                            stats.min_loss(), tol)[0]))
        out["test_loss"].append(float(test_loss(b.product[-1])))
        out["error"].append(float(np.linalg.norm(b.product[-1] - sim_final[i]) / norm))
    return out


def phase_table(spec: LazyRichPhase, data_dir=None, progress: bool = True) -> pd.DataFrame:
    frames = []
    for task in spec.tasks:
        if task == "teacher":
            stats, test_loss, widths = teacher_task(spec)
            label = "teacher"
        elif task == "mnist":
            stats, test_loss, widths, label = mnist_task(spec, data_dir)
        else:
            raise ValueError(f"tasks must be among teacher, mnist; got {task!r} (--set tasks=teacher,mnist)")
        for c in _bar(spec.init_scales, progress, task):
            f = scale_rows(spec, stats, test_loss, widths, task, c)
            f.insert(1, "dataset", label)
            frames.append(f)
    return pd.concat(frames, ignore_index=True)


def _bar(items, progress, desc):
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=f"{desc}: scales", leave=False)


def main(argv=None) -> int:
    args = experiment.parse_args(NAME, __doc__, LazyRichPhase, argv, data=True)
    with experiment.user_errors(args):
        table = phase_table(args.spec, args.data_dir, progress=args.progress)
    experiment.write(table, args.out, args.spec)
    piv = table.pivot_table(index=["task", "init_scale", "lam", "seed"], columns="source",
                            values="kernel_distance")
    err = (piv.simulation - piv.theory).abs().groupby(level="task").max()
    print(f"wrote {args.out} ({len(table)} rows); max |kernel distance sim − theory| per task:\n"
          f"{err.to_string(float_format=lambda x: f'{x:.2e}')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
