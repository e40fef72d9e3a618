"""Benchmark: full-batch time per step at P = 60,000 samples against P = 1,000.

Full-batch gradient descent needs only the statistics (Σ11, Σ31, Tr Σ33): after one
O(P·N²) pass a step costs O(N²·n) whatever P is (DESIGN.md, Performance). Same network
(100 → 20 → 10), same whitened linear-teacher task at both sizes; the one-off statistics pass
is timed separately. For scale, it also times one step of backpropagation over all 60,000
samples (what a step costs without the statistics).

Prints ``linnet_s`` (per step at P = 60,000), ``baseline_s`` (per step at P = 1,000) and last
``ratio`` = their quotient (target ≤ 1.2).

Run: ``.venv/bin/python bench/batch_size.py [--steps N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from linnet import Statistics, network, train
from linnet.data import teacher_task
from linnet.tables import rng_for

N, H, M = 100, 20, 10


def setup(P: int):
    """The task at P samples, its statistics, seconds of that pass, initial weights and step."""
    # The same teacher at both sizes (only the samples differ): with whitened inputs and no
    # noise the statistics then agree, so both runs do the same arithmetic on the same numbers.
    task = teacher_task(N, M, P, rng=rng_for("bench", "batch_size", "task"), whiten=True)
    t0 = time.perf_counter()
    stats = Statistics.from_data(task.X, task.Y)
    t_stats = time.perf_counter() - t0
    assert stats.is_white  # both sizes take the same (whitened) path
    ws = network.init_gaussian((N, H, M), 0.01, rng=rng_for("bench", "batch_size", "init"))
    # A step well below the bound: the run stays away from convergence to round-off, where
    # errors turn subnormal and each operation on them slows down many times over.
    return task, stats, t_stats, ws, 0.05 * train.stability_bound(float(stats.modes.s[0]), 2)


def time_steps(stats, ws, lr, steps) -> float:
    t0 = time.perf_counter()
    tr = train.gradient_descent(ws, stats, lr, steps)
    dt = time.perf_counter() - t0
    assert not tr.diverged
    return dt / steps


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=2_000, help="steps per timing (default 2,000)")
    args = p.parse_args(argv)
    sizes = (1_000, 60_000)
    runs = {P: setup(P) for P in sizes}
    best = {P: np.inf for P in sizes}
    for _ in range(5):  # interleaved, best of 5: the machine is shared and its load drifts
        for P in sizes:
            _, stats, _, ws, lr = runs[P]
            best[P] = min(best[P], time_steps(stats, ws, lr, args.steps))
    small, large = best[1_000], best[60_000]
    stats_small, stats_large = runs[1_000][2], runs[60_000][2]
    task, _, _, ws, _ = runs[60_000]
    t0 = time.perf_counter()
    for _ in range(5):
        network.gradients_from_data(ws, task.X, task.Y)
    backprop = (time.perf_counter() - t0) / 5
    print(f"statistics_pass_s P=1000 {stats_small:.4f}  P=60000 {stats_large:.4f}")
    print(f"step_us P=1000 {small * 1e6:.2f}  P=60000 {large * 1e6:.2f}")
    print(f"backprop_step_us P=60000 {backprop * 1e6:.1f}  (a step computed from the samples)")
    print(f"summary {large * 1e6:.1f} us per step at P = 60,000, {small * 1e6:.1f} us at P = 1,000 "
          f"(backprop over 60,000 samples: {backprop * 1e6:.0f} us)")
    print(f"linnet_s {large:.3g}")
    print(f"baseline_s {small:.3g}")
    print("target <= 1.2")
    print(f"ratio {large / small:.3f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
