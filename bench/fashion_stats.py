"""Benchmark: load, whiten and compute the statistics of the full Fashion-MNIST training set (60,000 × 784).

linnet's path (timed as ``linnet_s``, required < 15 s on the project machine): read the two
gzipped IDX files with numpy, fit PCA whitening to 100 components (one D × D covariance pass,
eigenvalues, then the top-100 eigenvectors), transform, and :meth:`Statistics.from_data`.

Baseline (``baseline_s``, the same process, the same data): the textbook route, scikit-learn's
``PCA(n_components=100, whiten=True, svd_solver="full")`` (an SVD of the 60,000 × 784 data
matrix) then the same statistics. Its Σ11 is (P−1)/P · I (ddof = 1, docs/theory.md#other-conventions), which is
why linnet does not use it; here it is only the yardstick. ``ratio`` = baseline / linnet.

Also printed: the time per full-batch gradient-descent step (100 → 50 → 10 network) on the
statistics of P = 60,000 and of P = 1,000 samples and their ratio (``step_ratio``): a step
costs O(N²·N2) whatever P is, so it should be ≈ 1.

Usage: ``python bench/fashion_stats.py [--data-dir DIR]`` (default: Debian's folder).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from linnet import Statistics, data, network, train

STEPS = 20000


def step_time(stats, *, rng) -> float:
    w = network.init_gaussian((stats.n_in, 50, stats.n_out), 1e-3, rng=rng)
    train.gradient_descent(w, stats, 0.02, 50, record_steps=[50])  # warm-up
    t0 = time.perf_counter()
    train.gradient_descent(w, stats, 0.02, STEPS, record_steps=[STEPS])
    return (time.perf_counter() - t0) / STEPS


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=str(data.FASHION_DIR))
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    images = data.load_folder(args.data_dir, "fashion")
    t1 = time.perf_counter()
    task = data.whitened_task(images, 100)
    t2 = time.perf_counter()
    stats = Statistics.from_data(task.X, task.Y)
    t3 = time.perf_counter()
    linnet_s = t3 - t0
    err = np.max(np.abs(stats.sigma11 - np.eye(100)))
    print(f"P = {images.n_train}, D = {images.train_images.shape[1]}, k = 100")
    print(f"load_s {t1 - t0:.3f}")
    print(f"whiten_s {t2 - t1:.3f}")
    print(f"stats_s {t3 - t2:.3f}")
    print(f"sigma11_max_error {err:.2e}")

    from sklearn.decomposition import PCA

    t0 = time.perf_counter()
    images_b = data.load_folder(args.data_dir, "fashion")
    Xb = PCA(n_components=100, whiten=True, svd_solver="full").fit_transform(
        images_b.train_images.astype(np.float64))
    stats_b = Statistics.from_data(Xb, data.targets(images_b.train_labels))
    baseline_s = time.perf_counter() - t0
    print(f"baseline_sigma11_diagonal {np.mean(np.diag(stats_b.sigma11)):.8f} (= (P-1)/P)")

    rng = np.random.default_rng(0)
    small = data.whitened_task(images, 100, n_train=1000)
    t_big = step_time(stats, rng=rng)
    t_small = step_time(Statistics.from_data(small.X, small.Y), rng=np.random.default_rng(0))
    print(f"step_s_P60000 {t_big:.3e}")
    print(f"step_s_P1000 {t_small:.3e}")
    print(f"step_ratio {t_big / t_small:.3f}")
    print("target linnet_s < 15 (load + whiten + statistics of 60,000 x 784); step_ratio ~ 1")
    print(f"linnet_s {linnet_s:.3f}")
    print(f"baseline_s {baseline_s:.3f}")
    print(f"ratio {baseline_s / linnet_s:.3f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    sys.exit(main())
