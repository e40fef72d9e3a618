"""Benchmark: the exact zero-balanced solution at 1,000 times for a 100-input, 10-output task.

linnet's :func:`linnet.theory.zero_balanced_solution` builds the time-independent pieces once
and evaluates all times together (a batch of 10×10 solves through numpy broadcasting). The
baseline is the direct transcription of the formula (Braun et al. 2022; docs/theory.md#exact-solutions) as a
Python loop over times, forming Z(t), A(t) and the full QQᵀ(t) = Z A⁻¹ Zᵀ with explicit
inverses at every time, as the reference code does. Both give the same network function
(checked). Target: linnet under 1 s. Prints ``ratio`` = baseline / linnet.

Run: ``.venv/bin/python bench/exact_solution.py [--times N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from linnet import Statistics, network, theory
from linnet.data import teacher_task
from linnet.tables import rng_for

N, H, M, P = 100, 20, 10, 1000


def loop_solution(w1, w2, S31, times):
    """The closed form evaluated one time at a time (reference-code style), returning W2W1(t)."""
    n_i, n_o = S31.shape[1], S31.shape[0]
    u_, s_, vt_ = np.linalg.svd(S31)
    v_ = vt_.T
    u_hat, v_hat = np.zeros((n_o, 0)), v_[:, n_o:]  # n_i > n_o
    v_ = v_[:, :n_o]
    u, s, vt = np.linalg.svd(w2 @ w1, full_matrices=False)
    v = vt.T
    b_inv = np.linalg.inv(u.T @ u_ + v.T @ v_)
    c = u.T @ u_ - v.T @ v_
    i = np.eye(n_o)
    out = []
    for t in times:
        em = np.diag(np.exp(-s_ * t))
        e2m = np.diag(np.exp(-2 * s_ * t))
        z = np.vstack([v_ @ (i - em @ c.T @ b_inv.T @ em) + 2 * v_hat @ v_hat.T @ v @ b_inv.T @ em,
                       u_ @ (i + em @ c.T @ b_inv.T @ em) + 2 * u_hat @ u_hat.T @ u @ b_inv.T @ em])
        right = 4 * t * em @ b_inv @ (v.T @ v_hat @ v_hat.T @ v + u.T @ u_hat @ u_hat.T @ u) @ b_inv.T @ em
        left = 4 * em @ b_inv @ np.diag(1 / s) @ b_inv.T @ em
        centre = (i - e2m) @ np.diag(1 / s_) - em @ b_inv @ c @ (e2m - i) @ np.diag(1 / s_) @ c.T @ b_inv.T @ em
        qqt = z @ np.linalg.inv(left + centre + right) @ z.T
        out.append(qqt[n_i:, :n_i])
    return np.stack(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--times", type=int, default=1000)
    args = p.parse_args(argv)
    task = teacher_task(N, M, P, rng=rng_for("bench", "exact", "task"), whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    w = network.init_zero_balanced((N, H, M), 0.05, rng=rng_for("bench", "exact", "init"))
    times = np.linspace(0.0, 20.0, args.times)

    theory.zero_balanced_solution(w, stats, times[:10])  # warm-up (imports, thread pools)
    t0 = time.perf_counter()
    sol = theory.zero_balanced_solution(w, stats, times)
    t_lin = time.perf_counter() - t0

    t0 = time.perf_counter()
    ref = loop_solution(w[0], w[1], stats.sigma31, times)
    t_base = time.perf_counter() - t0
    err = float(np.abs(sol.product - ref).max())
    assert err < 1e-8, f"the two evaluations differ by {err}"

    print(f"N={N} H={H} M={M}, {args.times} times in [0, 20], max |difference| {err:.2e}")
    print(f"linnet_s {t_lin:.4f}")
    print(f"baseline_s {t_base:.4f}")
    print("target linnet_s < 1")
    print(f"ratio {t_base / t_lin:.2f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
