"""Benchmark: the GD kernel's arithmetic rate on the issue's three workloads, as fractions of
a large matrix product's rate measured in the same process.

- seed network 100 → 20 → 10, one network, 10,001 steps: against one thread's large product
  (target ≥ 0.4);
- 64-member ensemble of the same network, 10,000 steps: against the large product on as many
  threads as the ensemble uses (two here; target ≥ 0.5);
- depth 32 × width 100, one network, 2,000 steps: the thin algorithm's FLOPs (3 products of
  M × n × n per layer) against one thread's large product (target ≥ 0.5).

FLOPs counted: the three products of a step per layer, 2·M·n_{l+1}·n_l each (the element-wise
passes are not counted: the rates are lower bounds). The kernel's run and the large product
alternate, ``--repeats`` times each, and each side's best counts (the least disturbed by other
work on the shared cores), so both sides see the same load; the load average is printed.

``kernel="auto"`` runs (the compiled kernel with numba installed); ``--kernel numpy`` for the
other. bench/run_all.py also runs this with numba compiling for Haswell (AVX2) and OpenBLAS on
its Haswell kernels: what an AVX2 machine gets, on both sides of each ratio.

What bounds the rates (Intel Xeon, AVX-512, 2 cores; bench/_kernel_profile.py): a step is
three products per layer, each at what its form allows in plain numba loops — the
back-propagation R_l W_lᵀ as 2 × 4 tiles of dot products at ~45 GFLOP/s, the forward
product and the gradient (applied at once) as axpy rows at ~30-35, where every pass over a
row of C loads and stores it again (per 8 fused multiply-adds of 4 doubles: 6 loads, 2 stores
and chains of 4 dependent multiply-adds) — plus ~10 % of a seed step in element-wise passes
(loss, D = P − W⋆, the top layer's update). LLVM compiles these loops with 256-bit vectors on
this CPU with numba's host target too (its default preference for Ice Lake-class CPUs;
adding ``-prefer-256-bit`` to NUMBA_CPU_FEATURES gives 512-bit code and a slower step,
measured). The arithmetic limit of 256-bit code is what OpenBLAS's Haswell kernels reach,
~58 GFLOP/s per core (the [haswell] run), against ~86-94 for the 512-bit SkylakeX kernels
that the host's ratios divide by: on the host's code generation no plain-loop kernel can pass
~0.65 of its large product, and the step's mix (~27-31 GFLOP/s) is at 0.27-0.34 of it,
below the 0.4 and 0.5 targets; on the AVX2 code generation both sides use 256-bit
multiply-adds and the same step is at 0.44-0.48 (measured 2026-12-01, load average 2.5-3.5):
the seed network's 0.4 is met, the 0.5 of the ensemble and of depth 32 is not.

Prints ``summary`` lines and ``ratio`` = the smallest fraction ÷ its target (≥ 1: all met).
Run: ``.venv/bin/python bench/kernel_rates.py [--kernel auto|numpy|numba] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from ensemble import large_product_rate  # bench/ is on sys.path: the script's folder
from threadpoolctl import threadpool_limits

from linnet import Statistics, kernels, network, train
from linnet.data import teacher_task
from linnet.tables import rng_for

N, M, P = 100, 10, 1000


def _best(f, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def thin_flops(widths, steps: int, members: int = 1) -> float:
    """FLOPs of the thin algorithm: three products of 2·M·n_{l+1}·n_l per layer and step."""
    M_ = widths[-1]
    return 3 * 2 * M_ * sum(a * b for a, b in zip(widths[:-1], widths[1:])) * steps * members


def _case(name, stats, widths, members, steps, *, threads, kernel, repeats, target):
    rng = rng_for("bench", "kernel_rates", name)
    scales = np.geomspace(1e-3, 0.1, members)
    ws = network.stack([network.init_gaussian(widths, s, rng=rng) for s in scales])
    if members == 1:
        ws = tuple(W[0] for W in ws)
    lr = 0.5 * train.stability_bound(float(stats.modes.s[0]), len(widths) - 1)
    rec = train.log_steps(steps)
    train.gradient_descent(ws, stats, lr, 2, kernel=kernel)  # compile or load the cache
    run = lambda: train.gradient_descent(ws, stats, lr, steps, record_steps=rec, kernel=kernel)
    # The two sides alternate, best of each: on shared cores a burst of other work then
    # slows one run of each side, not every run of one side.
    t, big = np.inf, 0.0
    for _ in range(repeats):
        t = min(t, _best(run, 1))
        with threadpool_limits(threads):
            big = max(big, large_product_rate(repeats=1))
    rate = thin_flops(widths, steps, members) / t
    frac = rate / big
    print(f"summary {name}: {t:.3f} s, {1e6 * t / steps:.2f} µs/step, {rate / 1e9:.1f} GFLOP/s "
          f"= {frac:.2f} of the {threads}-thread large product ({big / 1e9:.1f} GFLOP/s), "
          f"target >= {target}")
    return frac / target


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kernel", default="auto", choices=kernels.KERNELS)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    task = teacher_task(N, M, P, rng=rng_for("bench", "kernel_rates", "task"), whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    kernel = kernels.choose(args.kernel)
    two = min(2, len(os.sched_getaffinity(0)))
    print(f"kernel {kernel}, load average before {os.getloadavg()[0]:.2f}")
    r = min(
        _case("seed network 100-20-10", stats, (N, 20, M), 1, 10_001, threads=1, kernel=kernel,
              repeats=args.repeats, target=0.4),
        _case("64-member ensemble", stats, (N, 20, M), 64, 10_000, threads=two, kernel=kernel,
              repeats=args.repeats, target=0.5),
        _case("depth 32 x width 100", stats, (N,) + (100,) * 31 + (M,), 1, 2_000, threads=1,
              kernel=kernel, repeats=args.repeats, target=0.5),
    )
    print(f"summary load average after {os.getloadavg()[0]:.2f}")
    print("target >= 1 (each fraction / its target)")
    print(f"ratio {r:.2f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
