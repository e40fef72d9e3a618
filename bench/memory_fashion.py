"""Benchmark: peak memory of the full Fashion-MNIST pipeline, in a child process.

The child loads Fashion-MNIST (60,000 training and 10,000 test images from
/usr/share/datasets/fashion-mnist, or ``--data-dir``), PCA-whitens it to 100 components,
computes the statistics and trains a 100 → 20 → 10 network for 10,000 full-batch steps.
Its peak resident memory is ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, read here
after it exits. Reference point: the raw training images as float64 take 60,000 × 784 × 8 B
= 376 MB.

Prints ``peak_rss_mb``, ``linnet_s`` (the child's wall time), and last ``ratio`` = 2048 MB /
peak (target ≥ 1: the pipeline stays under 2 GB). No baseline runs: ``baseline_s`` is absent.

Run: ``.venv/bin/python bench/memory_fashion.py [--steps N] [--data-dir DIR]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import textwrap
import time

LIMIT_MB = 2048

CHILD = textwrap.dedent("""
    import resource, sys, time
    import numpy as np
    from linnet import Statistics, data, network, train
    from linnet.tables import rng_for
    steps, data_dir = int(sys.argv[1]), (sys.argv[2] or None)
    t = {}
    t0 = time.perf_counter()
    images = data.load("fashion", data_dir)
    t["load"] = time.perf_counter() - t0
    mb = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    peaks = {"load": mb()}
    task = data.whitened_task(images, 100)
    t["whiten"] = time.perf_counter() - t0 - sum(t.values())
    peaks["whiten"] = mb()
    stats = Statistics.from_data(task.X, task.Y)
    t["statistics"] = time.perf_counter() - t0 - sum(t.values())
    peaks["statistics"] = mb()
    ws = network.init_gaussian((stats.n_in, 20, stats.n_out), 1e-3, rng=rng_for("bench", "fashion"))
    tr = train.gradient_descent(ws, stats, 0.5 * train.stability_bound(float(stats.modes.s[0]), 2), steps)
    t["train"] = time.perf_counter() - t0 - sum(t.values())
    peaks["train"] = mb()
    print("peak_mb_after", " ".join(f"{k}={v}" for k, v in peaks.items()))
    print("stage_s", " ".join(f"{k}={v:.2f}" for k, v in t.items()))
    print(f"train P={task.X.shape[0]} loss {tr.loss[0]:.4f} -> {tr.loss[-1]:.4f}, diverged {bool(tr.diverged)}")
""")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--data-dir", default="", help="folder with the four IDX files")
    args = p.parse_args(argv)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(args.steps), args.data_dir],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        return 1
    print(done.stdout.strip())
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB on Linux
    if peak_kb <= before:
        print("warning: an earlier child had a larger peak; the value below is an upper bound")
    peak_mb = peak_kb / 1024
    print(f"peak_rss_mb {peak_mb:.0f}  (limit {LIMIT_MB})")
    print(f"summary peak RSS {peak_mb:.0f} MB of the Fashion-MNIST pipeline (limit {LIMIT_MB} MB)")
    print(f"linnet_s {wall:.2f}")
    print("target >= 1")
    print(f"ratio {LIMIT_MB / peak_mb:.2f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
