r"""Probe (not part of ``make bench``): the measurement behind ``kernels.choose``'s rule.

For networks whose largest product (multiply-adds per member and step,
:func:`linnet.kernels.largest_product`) spans 2·10⁴ to 6·10⁶, runs the numpy and the compiled
kernel alternately in one process (best of ``--repeats`` each) and prints µs per step of
each and which is faster, so the size from which numpy wins can be read off on the machine
it runs on (and, with the Haswell settings of bench/run_all.py, for AVX2 code).

Run: ``.venv/bin/python bench/_choose_probe.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from linnet import Statistics, kernels, network, train
from linnet.data import teacher_task
from linnet.tables import rng_for

#: (label, widths, members, whitened inputs?, steps)
CASES = [("100-20-10", (100, 20, 10), 1, True, 4000),
         ("100-20-10", (100, 20, 10), 64, True, 200),
         ("100-20-10 corr.", (100, 20, 10), 1, False, 4000),
         ("depth 4 x 100", (100, 100, 100, 100, 10), 1, True, 1000),
         ("depth 32 x 100", (100,) + (100,) * 31 + (10,), 1, True, 100),
         ("784-20-10", (784, 20, 10), 1, True, 1000),
         ("200-20-10 corr.", (200, 20, 10), 1, False, 1000),
         ("100-200-100", (100, 200, 100), 1, True, 300),
         ("100-400-100", (100, 400, 100), 1, True, 200),
         ("784-20-10 corr.", (784, 20, 10), 1, False, 200),
         ("784-20-10 corr.", (784, 20, 10), 8, False, 30)]


def _stats(n_in: int, n_out: int, white: bool) -> Statistics:
    rng = rng_for("bench", "choose_probe", n_in, n_out)
    task = teacher_task(n_in, n_out, 2 * n_in, rng=rng, whiten=white)
    X = task.X if white else task.X * np.linspace(0.5, 1.5, n_in)  # correlated: Σ11 ≠ I
    return Statistics.from_data(X, task.Y)


def measure(widths, members, white, steps, repeats):
    """µs per step of (numpy, compiled) for the network, alternating, best of each."""
    stats = _stats(widths[0], widths[-1], white)
    rng = rng_for("bench", "choose_probe", "init")
    ws = network.stack([network.init_gaussian(widths, 1e-2, rng=rng) for _ in range(members)])
    lr = 0.3 * train.stability_bound(float(stats.modes.s[0]), len(widths) - 1)
    best = {"numpy": np.inf, "numba": np.inf}
    for kernel in best:
        train.gradient_descent(ws, stats, lr, 2, kernel=kernel)  # compile or load the cache
    for _ in range(repeats):
        for kernel in best:
            t0 = time.perf_counter()
            train.gradient_descent(ws, stats, lr, steps, kernel=kernel)
            best[kernel] = min(best[kernel], time.perf_counter() - t0)
    return 1e6 * best["numpy"] / steps, 1e6 * best["numba"] / steps


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    print(f"{'network':<18}{'product':>10}{'K':>4}{'numpy':>10}{'compiled':>10}  faster")
    for label, widths, members, white, steps in CASES:
        a, b = measure(widths, members, white, steps, args.repeats)
        size = kernels.largest_product(widths, white)
        print(f"{label:<18}{size:>10.1e}{members:>4}{a:>10.1f}{b:>10.1f}  "
              f"{'numpy' if a < b else 'compiled'} ({max(a, b) / min(a, b):.2f}x)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
