"""Benchmark: 10,000 full-batch GD steps of a depth-32, width-100 linear network, against the naive per-layer loop.

Task: a whitened linear teacher, N = 100 inputs, M = 10 outputs, P = 1,000 samples; network
100 → 100 (×31) → 10 from random orthogonal weights, η = half the stability bound. linnet's
``train.gradient_descent`` keeps every product thin (M rows: the output-side products
W_L⋯W_{l+1} are built from the top and E W_1ᵀ⋯W_lᵀ is carried upward, DESIGN.md), O(L·M·n²)
per step. The baseline is the plain per-layer Python loop a reader would write first: all
prefix products W_l⋯W_1 (n × N, full n×n×N products, cumulated once per step), the suffix
products W_L⋯W_{l+1} from the top, then ∂L/∂W_l = −(suffixᵀ E) prefix_{l−1}ᵀ: O(L·n³) per
step (DESIGN.md, Performance). It computes the same gradients (checked to 1e-10 on the first step) and
runs ``--baseline-steps`` steps (default 500); its time is scaled to 10,000 steps
(per-step cost is constant). Target: linnet under 30 s. Prints ``ratio`` = baseline / linnet.

Run: ``.venv/bin/python bench/deep_gd.py [--steps N] [--baseline-steps N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from ensemble import large_product_rate  # bench/ is on sys.path: the script's folder

from linnet import Statistics, network, train
from linnet.data import teacher_task
from linnet.tables import rng_for

N, WIDTH, M, P, DEPTH = 100, 100, 10, 1000, 32


def naive_gradients(ws, stats):
    """∂L/∂W_l for every layer from prefix products W_{l−1}⋯W_1 (the usual way: full n×n×N products)."""
    L = len(ws)
    prefix = [np.eye(ws[0].shape[1])]  # prefix[l] = W_l ⋯ W_1 (identity for l = 0)
    for W in ws:
        prefix.append(W @ prefix[-1])
    E = stats.sigma31 - prefix[-1]  # whitened inputs: Σ11 = I
    grads = [None] * L
    suffix = np.eye(ws[-1].shape[0])  # W_L ⋯ W_{l+1}, built from the top
    for l in range(L - 1, -1, -1):
        grads[l] = -(suffix.T @ E) @ prefix[l].T
        suffix = suffix @ ws[l]
    return grads


def naive_gd(ws, stats, lr, steps):
    ws = [W.copy() for W in ws]
    for _ in range(steps):
        for W, g in zip(ws, naive_gradients(ws, stats)):
            W -= lr * g
    return ws


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--baseline-steps", type=int, default=500)
    args = p.parse_args(argv)
    task = teacher_task(N, M, P, rng=rng_for("bench", "deep_gd", "task"), whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    assert stats.is_white
    ws = network.init_orthogonal((N,) + (WIDTH,) * (DEPTH - 1) + (M,), rng=rng_for("bench", "deep_gd", "init"))
    lr = 0.5 * train.stability_bound(float(stats.modes.s[0]), DEPTH)

    # Same gradients, computed both ways.
    fast = network.gradients(ws, stats)
    slow = naive_gradients(ws, stats)
    err = max(float(np.abs(a - b).max()) for a, b in zip(fast, slow))
    assert err < 1e-10, f"gradients differ by {err}"

    t0 = time.perf_counter()
    tr = train.gradient_descent(ws, stats, lr, args.steps)
    t_linnet = time.perf_counter() - t0
    assert not tr.diverged

    b = args.baseline_steps
    t0 = time.perf_counter()
    wb = naive_gd(ws, stats, lr, b)
    t_base = (time.perf_counter() - t0) * args.steps / b
    ref = train.gradient_descent(ws, stats, lr, b, record_steps=[b])
    assert np.allclose(network.end_to_end(wb), ref.product[-1], rtol=1e-8, atol=1e-10)

    print(f"depth {DEPTH}, width {WIDTH}, N={N} M={M} P={P}, steps {args.steps}, lr {lr:.4g}, "
          f"final loss {tr.loss[-1]:.6g} (min {stats.min_loss():.6g})")
    big = large_product_rate()
    L, n = DEPTH, WIDTH
    # Multiply-adds counted: linnet 3 thin (M×n)(n×n) products per layer; baseline 2 n×n×n
    # products per layer (prefix, gradient) plus the thin ones (lower bounds on both).
    f_lin = 3 * 2 * M * n * n * L
    f_base = 2 * 2 * n**3 * L
    print(f"large_product_gflops {big / 1e9:.2f}")
    print(f"linnet_gflops {f_lin * args.steps / t_linnet / 1e9:.2f}  baseline_gflops "
          f"{f_base * args.steps / t_base / 1e9:.2f}")
    print(f"linnet_ms_per_step {1e3 * t_linnet / args.steps:.3f}")
    print(f"baseline_ms_per_step {1e3 * t_base / args.steps:.3f} (from {b} steps)")
    print(f"linnet_s {t_linnet:.3f}")
    print(f"baseline_s {t_base:.3f}")
    print("target linnet_s < 30 for 10,000 steps")
    print(f"ratio {t_base / t_linnet:.2f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
