r"""Probe (not part of ``make bench``): the other ways to compile the GD step, measured beside
linnet's kernel on the three workloads of bench/kernel_rates.py.

Each implementation runs the same full-batch GD on the statistics (whitened teacher task,
N = 100 inputs, M = 10 outputs), the loss checked every step, and its rate (the thin
algorithm's FLOPs, counted as in kernel_rates) is printed as a fraction of a large matrix
product measured in the same process on as many threads as the run uses (targets 0.4 / 0.5 /
0.5). The runs and the large product alternate, best of ``--repeats`` each.

- ``linnet``: ``train.gradient_descent(kernel="numba")``, linnet.kernels.compiled;
- ``numba+BLAS``: the step loop compiled by numba, the three products per layer handed to
  BLAS through ``np.dot`` (numba calls the dgemm of scipy's OpenBLAS): what "the loop
  compiled, the products left to a tuned library" gives; the ensemble runs its members on
  two threads, as linnet does;
- ``JAX``: ``jax.jit`` of ``lax.scan`` over ``value_and_grad`` steps, ``vmap`` over members
  for the ensemble (float64); run only where ``jax`` is importable (``pip install jax``).

``--haswell`` re-runs the probe with the AVX2 code generation of bench/run_all.py (numba for
Haswell, OpenBLAS's Haswell kernels, XLA limited to AVX2); ``--wide`` with numba told to use
512-bit vectors (the host's features with ``-prefer-256-bit``, which LLVM sets for this
CPU).

Measured on the Intel Xeon (AVX-512, 2 cores) of the other benchmarks, 2026-12-01, load
average 0.4-1.2, numba 0.68.1, JAX 0.10.2 (installed for the run) — fraction of the large
product, seed network / 64-member ensemble / depth 32 × 100:

=========================  ==================  ==================
implementation             host code           AVX2 code
=========================  ==================  ==================
linnet                     0.31 / 0.31 / 0.29  0.44 / 0.44 / 0.41
linnet, 512-bit (--wide)   0.23 / 0.20 / 0.22  –
numba + BLAS               0.31 / 0.28 / 0.31  0.30 / 0.23 / 0.32
JAX jit + scan (+ vmap)    0.19 / 0.08 / 0.28  0.33 / 0.13 / 0.43
=========================  ==================  ==================

None reaches the targets. The host's large product runs on 512-bit vectors (78-82 GFLOP/s
per core in these runs) and every compiled step here on 256-bit ones or on BLAS calls sized
for 10-row matrices; 512-bit numba code is slower. With AVX2 code JAX's depth-32 run is as
fast as linnet's (0.43 against 0.41, within the runs' spread); elsewhere linnet's kernel is
the fastest, and its numbers do not depend on how members are grouped, which BLAS's and
XLA's need not guarantee.

Run: ``.venv/bin/python bench/_alternatives.py [--repeats N] [--haswell | --wide]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from ensemble import large_product_rate  # bench/ is on sys.path: the script's folder
from kernel_rates import M, N, P, thin_flops
from numba import njit
from threadpoolctl import threadpool_limits

from linnet import Statistics, network, train
from linnet.data import teacher_task
from linnet.tables import rng_for

#: (name, widths, members, steps, threads, target), as in bench/kernel_rates.py.
CASES = [("seed network 100-20-10", (N, 20, M), 1, 10_001, 1, 0.4),
         ("64-member ensemble", (N, 20, M), 64, 10_000, 2, 0.5),
         ("depth 32 x width 100", (N,) + (100,) * 31 + (M,), 1, 2_000, 1, 0.5)]

HASWELL = {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": "", "OPENBLAS_CORETYPE": "Haswell",
           "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}


@njit(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")
def _blas_run(ws, wopt, lr, steps):
    """GD on (W − W⋆) for whitened inputs, the products by ``np.dot``; returns the last loss.

    ``ws`` is a numba typed list of the layers (n_{l+1}, n_l), updated in place."""
    L, M_ = len(ws), wopt.shape[0]
    S = [np.empty((M_, ws[l].shape[0])) for l in range(L)]  # product above layer l
    R = [np.empty((M_, ws[l].shape[1])) for l in range(L)]  # error at layer l's input
    g = [np.empty(ws[l].shape) for l in range(L)]
    D = np.empty(wopt.shape)
    loss = 0.0
    for _ in range(steps):
        S[L - 2][:, :] = ws[L - 1]
        for l in range(L - 3, -1, -1):
            np.dot(S[l + 1], ws[l + 1], S[l])
        np.dot(S[0], ws[0], D)
        D -= wopt
        loss = 0.5 * np.sum(D * D)
        if not np.isfinite(loss):
            break
        R[0][:, :] = D
        for l in range(L - 1):
            np.dot(R[l], ws[l].T, R[l + 1])
            np.dot(S[l].T, R[l], g[l])
            ws[l] -= lr * g[l]
        ws[L - 1] -= lr * R[L - 1]
    return loss


def _blas(inits, stats, lr, steps, threads):
    from numba.typed import List

    members = [List([np.array(W) for W in ws]) for ws in inits]
    wopt = np.ascontiguousarray(stats.ols)
    if len(members) == 1:
        return lambda: _blas_run(members[0], wopt, lr, steps)
    half = [members[i::threads] for i in range(threads)]

    def run():
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda part: [_blas_run(ws, wopt, lr, steps) for ws in part], half))
    return run


def _jax(inits, stats, lr, steps, threads):
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    wopt = jnp.asarray(stats.ols)

    def loss(ws):
        prod = ws[-1]
        for W in ws[-2::-1]:
            prod = prod @ W
        D = prod - wopt
        return 0.5 * jnp.sum(D * D)

    def step(ws, _):
        value, grads = jax.value_and_grad(loss)(ws)
        return tuple(W - lr * G for W, G in zip(ws, grads)), value

    def trajectory(ws):
        return jax.lax.scan(step, ws, None, length=steps)

    if len(inits) == 1:
        ws, f = tuple(jnp.asarray(W) for W in inits[0]), jax.jit(trajectory)
    else:
        ws = tuple(jnp.asarray(np.stack(Ws)) for Ws in zip(*inits))
        f = jax.jit(jax.vmap(trajectory))
    jax.block_until_ready(f(ws))  # compile
    return lambda: jax.block_until_ready(f(ws))


def _linnet(inits, stats, lr, steps, threads):
    ws = network.stack(inits) if len(inits) > 1 else inits[0]
    rec = train.log_steps(steps)
    return lambda: train.gradient_descent(ws, stats, lr, steps, record_steps=rec, kernel="numba")


IMPLEMENTATIONS = {"linnet": _linnet, "numba+BLAS": _blas, "JAX": _jax}


def _best(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def _case(stats, name, widths, members, steps, threads, target, repeats):
    rng = rng_for("bench", "alternatives", name)
    inits = [network.init_gaussian(widths, s, rng=rng) for s in np.geomspace(1e-3, 0.1, members)]
    lr = 0.5 * train.stability_bound(float(stats.modes.s[0]), len(widths) - 1)
    runs = {}
    for label, make in IMPLEMENTATIONS.items():
        run = make(inits, stats, lr, 3, threads)  # compile (or load the cache) on 3 steps
        if run is not None:
            run()
            runs[label] = make(inits, stats, lr, steps, threads)
    best = dict.fromkeys(runs, np.inf)
    big = 0.0
    for _ in range(repeats):
        with threadpool_limits(threads):  # BLAS inside a run on no more threads than it uses
            for label, run in runs.items():
                best[label] = min(best[label], _best(run))
            big = max(big, large_product_rate(repeats=1))
    flops = thin_flops(widths, steps, members)
    print(f"{name} (target >= {target} of the {threads}-thread large product, "
          f"{big / 1e9:.1f} GFLOP/s):")
    for label, t in best.items():
        print(f"  {label:<11} {t:8.3f} s  {flops / t / 1e9:6.1f} GFLOP/s = {flops / t / big:.2f}")


def _reexec(env: dict) -> None:
    """Run this probe again in a fresh process under ``env`` (the code generation is fixed
    when numba, OpenBLAS and XLA start)."""
    args = [a for a in sys.argv if a not in ("--haswell", "--wide")]
    os.execve(sys.executable, [sys.executable, *args], {**os.environ, **env})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--haswell", action="store_true", help="AVX2 code generation")
    p.add_argument("--wide", action="store_true", help="numba with 512-bit vectors")
    args = p.parse_args(argv)
    if args.haswell:
        _reexec(HASWELL)
    if args.wide:
        import llvmlite.binding as ll
        _reexec({"NUMBA_CPU_FEATURES": ll.get_host_cpu_features().flatten() + ",-prefer-256-bit"})
    task = teacher_task(N, M, P, rng=rng_for("bench", "kernel_rates", "task"), whiten=True)
    stats = Statistics.from_data(task.X, task.Y)
    print(f"load average before {os.getloadavg()[0]:.2f}")
    for case in CASES:
        _case(stats, *case, repeats=args.repeats)
    print(f"load average after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
