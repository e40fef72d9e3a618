"""Benchmark: a 64-member ensemble against a Python loop over the 64 single runs.

The notebook's sizes (N = 100 → 20 → M = 10), a whitened linear-teacher task of P = 1,000
samples, 10,000 full-batch gradient-descent steps, every member a different seed, initial
scale and learning rate (all stable). Prints the ensemble's arithmetic rate beside the rate
of one large matrix product (2000 × 2000, this machine's BLAS with its default threads),
measured in the same process (and both again on one core), and last the ratio loop time /
ensemble time.

The ensemble runs with ``kernel="auto"``: the compiled numba kernel (``linnet[fast]``) when
numba is installed, else the numpy kernel; the output names the one used.

FLOPs counted: the three products of each step (W2·W1, (ηW2)ᵀ·D, D·W1ᵀ), 2·M·H·N each per
member; the element-wise passes (≈ 5% more) are not counted, so the rate is a lower bound.

Run: ``.venv/bin/python bench/ensemble.py [--steps N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from linnet import Statistics, kernels, network, train
from linnet.data import teacher_task
from linnet.tables import rng_for

N, H, M, P, K = 100, 20, 10, 1000, 64


def large_product_rate(n: int = 2000, repeats: int = 3) -> float:
    """FLOP/s of one n×n by n×n product (best of ``repeats``)."""
    rng = rng_for("bench", "large product")
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    A @ B  # warm-up: thread pool start, page faults
    best = min(_timed(lambda: A @ B) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def _setup():
    """The whitened task, the K members' initial weights and their (stable) learning rates."""
    task = teacher_task(N, M, P, rng=rng_for("bench", "ensemble", "task"), whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    assert stats.is_white
    rng = rng_for("bench", "ensemble", "init")
    inits = [network.init_gaussian((N, H, M), s, rng=rng) for s in np.geomspace(1e-3, 0.1, K)]
    lr = np.geomspace(0.1, 0.6, K) * train.stability_bound(float(stats.modes.s[0]), 2)
    return stats, network.stack(inits), lr


def _time_ensemble(ws, stats, lr, steps):
    """Median and best of three runs of the ensemble, and the last run (for its numbers).

    The rate is measured as the large product's is: best of three runs, the one least
    disturbed by whatever else shares the cores. The speed-up over the loop uses the median."""
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        ens = train.gradient_descent(ws, stats, lr, steps)
        runs.append(time.perf_counter() - t0)
    assert not ens.diverged.any(), "the benchmark's members must all be stable"
    return float(np.median(runs)), min(runs), ens


def _time_loop(ws, stats, lr, steps, ens):
    """The same K networks trained one after another, checked against the ensemble's numbers."""
    t0 = time.perf_counter()
    for k in range(K):
        one = train.gradient_descent(tuple(W[k] for W in ws), stats, lr[k], steps)
        if k == K - 1:  # the loop computes the same numbers (tests/test_ensemble.py)
            assert np.allclose(one.loss, ens.loss[:, k], rtol=1e-10, atol=1e-12)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    steps = p.parse_args(argv).steps
    stats, ws, lr = _setup()
    blas = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    # "auto": the compiled numba kernel when numba is installed (linnet[fast]), else numpy.
    kernel = kernels.choose("auto")
    threads = kernels.n_threads(K, per_thread=kernels.MIN_MEMBERS_PER_THREAD[kernel])
    print(f"sizes N={N} H={H} M={M} P={P}, members K={K}, steps {steps}, BLAS threads {blas}, "
          f"ensemble threads {threads}, kernel {kernel}")
    if kernel == "numba":  # compile (or load the cache) outside the timings
        train.gradient_descent(ws, stats, lr, 1)
    big = large_product_rate()
    t_ens, t_best, ens = _time_ensemble(ws, stats, lr, steps)
    # The same on one core (BLAS and the ensemble both limited to one thread), for the rate
    # per core: small batched products are bound by per-call work, not by arithmetic.
    with threadpool_limits(1):
        big1 = large_product_rate()
        t0 = time.perf_counter()
        one_core = train.gradient_descent(ws, stats, lr, steps)
        t_ens1 = time.perf_counter() - t0
    assert np.array_equal(one_core.loss, ens.loss)  # threads change no number
    t_loop = _time_loop(ws, stats, lr, steps, ens)

    flops = 3 * 2 * M * H * N * K * steps
    rate, rate1 = flops / t_best, flops / t_ens1
    for name, value in (("ensemble_s", f"{t_ens:.3f}"), ("loop_s", f"{t_loop:.3f}"),
                        ("ensemble_gflops", f"{rate / 1e9:.2f}"),
                        ("large_product_gflops", f"{big / 1e9:.2f}"),
                        ("rate_fraction", f"{rate / big:.3f}  (target >= 0.5)"),
                        ("one_core_ensemble_gflops", f"{rate1 / 1e9:.2f}"),
                        ("one_core_large_product_gflops", f"{big1 / 1e9:.2f}"), ("kernel", kernel)):
        print(name, value)
    print(f"summary [{kernel} kernel] {rate / 1e9:.1f} GFLOP/s = {rate / big:.2f} of one large product "
          f"({big / 1e9:.1f} GFLOP/s, target >= 0.5); on one core {rate1 / 1e9:.1f} "
          f"= {rate1 / big1:.2f} of {big1 / 1e9:.1f}")
    print(f"linnet_s {t_ens:.3f}")
    print(f"baseline_s {t_loop:.3f}")
    print("target >= 2")
    print(f"ratio {t_loop / t_ens:.2f}")
    return 0

if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
