r"""Benchmark: the seed notebook's training run, its own loop against linnet's gradient descent.

Workload (issue 2): N = 100 inputs, 20 hidden units, M = 10 outputs, P = 1000 whitened Gaussian
inputs, a teacher with i.i.d. N(0, 1) entries, standard-normal initial weights, one step at the
notebook's lr = 1 and then 10,000 steps at its lr = 10.

- **Baseline** (:func:`notebook_train`): the notebook's loop written out as it was — every step
  runs the forward pass over all P samples and forms its gradient by broadcasting per-sample
  outer products, errors (P, M, 1) × inputs (P, 1, N) and errors (P, M, 1) × hidden (P, 1, 20),
  averaged over the samples and divided by P once more, W21's through W32ᵀ.
- **linnet**: :func:`linnet.train.gradient_descent` from the statistics (a step costs the same
  whatever P is), with the notebook's lr mapped to η = lr / P (its gradient is (1/P) × the
  gradient of linnet's loss; see ``analysis/seed_notebook.py``): η = 0.001 once, then 0.01.

Both start from the same data and weights. The check: the two final losses agree to 1e-9
relative. Why label noise (σ = 0.5): with the notebook's noiseless teacher both runs converge to
the round-off floor (loss ~1e-26), where the two losses are different round-off and relative
agreement means nothing. With noise the minimum loss is L* = ½·(1 − N/P)·M·σ² ≈ 1.1, far above
round-off, and both runs reach it to ~1e-15 relative (the draw is one that converges at η = 0.01;
every one of analysis/seed_notebook.py's 50 draws does).

What limits linnet here: nothing is proportional to P. A step is three small matrix products
(10×20 @ 20×100, 20×10 @ 10×100, 10×100 @ 100×20: 0.12 MFLOP) and about ten element-wise numpy
calls on 10×100 and 20×100 arrays; each call costs a few µs of fixed overhead, comparable to its
arithmetic, so a step takes ~15-20 µs and runs at a fraction of the rate of one large product
(printed beside it). Going faster would need fewer, fused calls (a compiled loop), not
better arithmetic.

The baseline costs 7-30 ms a step here (forming and reducing the 8 MB (P, M, N) tensor; the
range is the load on the two shared cores), so its full 10,001 steps take 1-5 minutes. By
default both run in full and the loss check compares their final losses;
``--baseline-steps 1000`` runs a shorter baseline whose time is extrapolated linearly (its
per-step cost does not change along the run) and compares the losses at that step. Measured
numbers are in the README (``make bench``).

Prints ``linnet_s``, ``baseline_s`` and last ``ratio`` = baseline_s / linnet_s (target ≥ 100).
Run: ``.venv/bin/python bench/seed_workload.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from ensemble import large_product_rate  # bench/ is on sys.path: the script's folder

from linnet import Statistics, network, train
from linnet.data.teacher import teacher_matrix, whiten_exactly
from linnet.tables import rng_for

N, H, M, P = 100, 20, 10, 1000
LR_FIRST, LR_MAIN = 1.0, 10.0  # the notebook's learning rates
STEPS = 10_000
BASELINE_STEPS = STEPS  # the full run (~70 s on a quiet machine); --baseline-steps 1000 for a quick look
NOISE = 0.5
RTOL = 1e-9


def task():
    """Whitened Gaussian inputs X (P, N), noisy targets Y (P, M) of a Gaussian teacher."""
    rng = rng_for("bench", "seed_workload", "task")
    W = teacher_matrix(M, N, rng=rng, spectrum="gaussian")
    X = whiten_exactly(rng.standard_normal((P, N)))
    return X, X @ W.T + NOISE * rng.standard_normal((P, M))


def notebook_train(W21, W32, X, Y, lr, steps):
    """The notebook's loop: per-sample outer products broadcast to (P, M, N), extra 1/P, lr."""
    n = X.shape[0]
    for _ in range(steps):
        h = X @ W21.T  # (P, 20)
        err = Y - h @ W32.T  # (P, M)
        dW = np.mean(err[:, :, None] * X[:, None, :], axis=0)  # (P, M, N) -> (M, N)
        dW32 = np.mean(err[:, :, None] * h[:, None, :], axis=0)  # (P, M, 20) -> (M, 20)
        W21 = W21 + lr * (W32.T @ dW) / n
        W32 = W32 + lr * dW32 / n
    return W21, W32


def notebook_loss(W21, W32, X, Y) -> float:
    """Loss in linnet's convention, ½ mean over samples of the squared error."""
    err = Y - X @ W21.T @ W32.T
    return 0.5 * float(np.mean(np.sum(err * err, axis=1)))


def run_linnet(weights, stats, steps):
    first = train.gradient_descent(weights, stats, LR_FIRST / P, 1, record_steps=[1])
    main = train.gradient_descent(first.weights, stats, LR_MAIN / P, steps, record_steps=[steps])
    if np.any(main.diverged):
        raise RuntimeError(main.message)
    return float(main.loss[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline-steps", type=int, default=BASELINE_STEPS,
                   help="main-phase steps of the baseline (default %(default)s, its time "
                        f"extrapolated linearly to {STEPS}; {STEPS} runs it in full)")
    args = p.parse_args(argv)
    X, Y = task()
    W21, W32 = network.init_gaussian((N, H, M), 1.0, rng=rng_for("bench", "seed_workload", "init"))

    # linnet: best of 3, statistics included (the one O(P·N²) pass is part of its cost).
    linnet_s = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        stats = Statistics.from_data(X, Y)
        loss_linnet = run_linnet((W21, W32), stats, STEPS)
        linnet_s = min(linnet_s, time.perf_counter() - t0)

    n_base = min(args.baseline_steps, STEPS)
    t0 = time.perf_counter()
    V21, V32 = notebook_train(W21, W32, X, Y, LR_FIRST, 1)
    V21, V32 = notebook_train(V21, V32, X, Y, LR_MAIN, n_base)
    measured = time.perf_counter() - t0
    baseline_s = measured * (STEPS + 1) / (n_base + 1)
    loss_base = notebook_loss(V21, V32, X, Y)
    if n_base < STEPS:  # compare at the step the baseline reached
        loss_linnet = run_linnet((W21, W32), Statistics.from_data(X, Y), n_base)
        print(f"baseline ran {n_base + 1} of {STEPS + 1} steps in {measured:.2f} s; time extrapolated")

    rel = abs(loss_linnet - loss_base) / abs(loss_base)
    print(f"final loss linnet   {loss_linnet:.15g}")
    print(f"final loss baseline {loss_base:.15g}")
    print(f"relative difference {rel:.2e} (required < {RTOL:g})")
    if not rel < RTOL:
        raise SystemExit(f"final losses disagree: relative difference {rel:.3g} >= {RTOL:g}")
    flop_per_step = 2 * (M * H * N + 2 * H * M * N)  # end-to-end product and the two layer gradients
    per_step = linnet_s / (STEPS + 1)
    print(f"linnet per step {per_step * 1e6:.1f} µs = {flop_per_step / per_step * 1e-9:.2f} GFLOP/s "
          f"(one 1000×1000 product: {large_product_rate(1000) * 1e-9:.1f} GFLOP/s)")
    print(f"linnet_s {linnet_s:.4f}")
    print(f"baseline_s {baseline_s:.4f}")
    print(f"ratio {baseline_s / linnet_s:.1f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
