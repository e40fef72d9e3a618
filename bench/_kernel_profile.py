r"""Probe (not part of ``make bench``): where a step of the compiled kernel spends its time.

Times each piece of one step of linnet.kernels.compiled on the seed network 100 → 20 → 10
and on one layer of depth 32 × width 100 (M = 10 outputs), each repeated inside one compiled
loop (no dispatch cost), best of several, beside one thread's large product (n = 2,000) in
the same process (the pieces are ``linnet.kernels.compiled.PIECES``):

- ``forward``  S_l = S_{l+1} W_{l+1} (and P = S_0 W_1): axpy rows, :func:`_matmul`;
- ``gradient`` W_l −= η S_lᵀ R_l: axpy rows, two at a time, each applied to W_l at once,
  :func:`_gradient_step` (the sum runs over the M outputs only);
- ``backprop`` R_{l+1} = R_l W_lᵀ: register-tiled dot products, :func:`_matmul_nt`;
- ``update``   W −= η R (the top layer's step, element-wise), ``loss`` ½ Σ D∘D.

The FLOPs counted are the products' (2 per multiply-add; the element-wise work is free), as in
bench/kernel_rates.py.

Run: ``.venv/bin/python bench/_kernel_profile.py`` (add the Haswell settings of
bench/run_all.py for the AVX2 code).
"""

from __future__ import annotations

import time

import numpy as np
from ensemble import large_product_rate  # bench/ is on sys.path: the script's folder
from numba import njit
from threadpoolctl import threadpool_limits

from linnet.kernels.compiled import PIECES

forward, backprop, gradient = PIECES["forward"], PIECES["backprop"], PIECES["gradient"]
update, loss = PIECES["update"], PIECES["loss"]

_FLAGS = dict(nogil=True, fastmath={"contract"}, error_model="numpy", boundscheck=False)


@njit(**_FLAGS)
def _products(kind, A, B, C, n):
    g = np.empty(2 * B.shape[1])
    for _ in range(n):
        if kind == 0:
            forward(A, B, C)
        elif kind == 1:
            gradient(A, B, C, g, 1e-300)  # a step too small to change C
        else:
            backprop(A, B, C)


@njit(**_FLAGS)
def _update(W, g, lr, n):
    for _ in range(n):
        update(W, g, lr)


@njit(**_FLAGS)
def _losses(D, n):
    s = 0.0
    for _ in range(n):
        s += loss(D, D, 0.0)
    return s


def _best(f, args, n, repeats=7):
    f(*args, 3)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        f(*args, n)
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def pieces(M, n_in, n_hidden, n=2000):
    """(name, seconds, multiply-adds) of each piece for a layer (n_hidden, n_in) under M rows."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n_hidden, n_in)) * 0.01
    S = rng.standard_normal((M, n_hidden))  # the product above the layer
    R = rng.standard_normal((M, n_in))  # the back-propagated error at the layer's input
    out = []
    for name, kind, A, B, C in [("forward", 0, S, W, np.empty((M, n_in))),
                                ("gradient", 1, S, R, W.copy()),
                                ("backprop", 2, R, W, np.empty((M, n_hidden)))]:
        out.append((name, _best(_products, (kind, A, B, C), n), M * n_in * n_hidden))
    top = rng.standard_normal((M, n_hidden))
    out.append(("update", _best(_update, (top, np.ones_like(top), 1e-300), n), 0))
    out.append(("loss", _best(_losses, (R,), n), 0))
    return out


def main() -> int:
    with threadpool_limits(1):
        big = max(large_product_rate(repeats=1) for _ in range(3))
    print(f"one thread's large product: {big / 1e9:.1f} GFLOP/s")
    for title, shape in [("seed network 100-20-10 (one step: every piece once)", (10, 100, 20)),
                         ("depth 32 x width 100 (one of its 32 layers)", (10, 100, 100))]:
        rows = pieces(*shape)
        total = sum(t for _, t, _ in rows)
        print(title)
        for name, t, macs in rows:
            rate = (f"{2 * macs / t / 1e9:5.1f} GFLOP/s = {2 * macs / t / big:.2f} of it"
                    if macs else "")
            print(f"  {name:<9}{1e6 * t:7.2f} µs  {t / total:4.0%}  {rate}")
        flops = 2 * sum(m for _, _, m in rows)
        print(f"  sum      {1e6 * total:7.2f} µs: {flops / total / 1e9:.1f} GFLOP/s = "
              f"{flops / total / big:.2f} of the large product")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
