r"""Probe (not part of ``make bench``): can plain numba loops vectorise a GD kernel across
ensemble members, each layer stored (vectors, lanes) with the member axis innermost?

The product :math:`C_{ij\cdot} = \sum_q A_{iq\cdot} \odot B_{qj\cdot}` (every entry a vector of
``lanes`` members, no sum across lanes, q in order 0, 1, ...) in the two forms plain numba
allows, timed on the seed network's three product shapes, GFLOP/s on one thread:

- :func:`lanes_axpy`: 2 output rows × 2 output columns × 4 terms per pass over the lanes, the
  lane loop innermost (register blocking: each load of A and B serves two outputs);
- the same with ``lanes`` a compile-time constant of 8 is fully unrolled by LLVM before its
  loop vectoriser runs, and numba leaves LLVM's SLP vectoriser off (``NUMBA_SLP_VECTORIZE``
  defaults to 0), so that form compiles to scalar code (measured 5-9 GFLOP/s).

Measured on the Intel Xeon (AVX-512, 2 cores) of the other benchmarks, quiet, numba 0.68:
:func:`lanes_axpy` runs at 8.6 GFLOP/s with 16 lanes, 11 with 32 and 14-15 with 64 (more
lanes leave L2), against ~20 for the row kernel of linnet.kernels.compiled on the same network
and ~97 for one core's large product. LLVM vectorises the lane loop with 256-bit vectors only
(its default preference on this CPU), checks at run time that the 12 rows it reads do not
overlap the 4 it writes, on every entry of the innermost loop, and cannot keep an accumulator
in registers across the q loop (it may not assume that C does not alias A or B). So the
member-lane layout loses to the row kernel here: it was not adopted (see kernels.choose).

Run: ``.venv/bin/python bench/_lane_probe.py``.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

_FLAGS = dict(nogil=True, fastmath={"contract"}, error_model="numpy", boundscheck=False)


@njit(**_FLAGS)
def lanes_axpy(A, ar, ac, B, br, bc, C, shape):
    """C[i·n + j] = Σ_q A[i·ar + q·ac] ⊙ B[q·br + j·bc] for rows of (vectors, lanes) arrays;
    ``shape`` = (m, n, p), each even and p a multiple of 4 (a probe: no remainders)."""
    m, n, p = shape
    for i in range(0, m, 2):
        for j in range(0, n, 2):
            c, d, e, g = C[i * n + j], C[i * n + j + 1], C[(i + 1) * n + j], C[(i + 1) * n + j + 1]
            c[:] = 0.0
            d[:] = 0.0
            e[:] = 0.0
            g[:] = 0.0
            for q in range(0, p, 4):
                x, y = i * ar + q * ac, q * br + j * bc
                a0, a1, a2, a3 = A[x], A[x + ac], A[x + 2 * ac], A[x + 3 * ac]
                f0, f1, f2, f3 = A[x + ar], A[x + ar + ac], A[x + ar + 2 * ac], A[x + ar + 3 * ac]
                b0, b1, b2, b3 = B[y], B[y + br], B[y + 2 * br], B[y + 3 * br]
                h0, h1, h2, h3 = B[y + bc], B[y + bc + br], B[y + bc + 2 * br], B[y + bc + 3 * br]
                for l in range(c.size):
                    c[l] = c[l] + a0[l] * b0[l] + a1[l] * b1[l] + a2[l] * b2[l] + a3[l] * b3[l]
                    d[l] = d[l] + a0[l] * h0[l] + a1[l] * h1[l] + a2[l] * h2[l] + a3[l] * h3[l]
                    e[l] = e[l] + f0[l] * b0[l] + f1[l] * b1[l] + f2[l] * b2[l] + f3[l] * b3[l]
                    g[l] = g[l] + f0[l] * h0[l] + f1[l] * h1[l] + f2[l] * h2[l] + f3[l] * h3[l]


@njit(**_FLAGS)
def _repeat(A, B, C, shape, times):
    for _ in range(times):
        lanes_axpy(A, shape[2], 1, B, shape[1], 1, C, shape)


def rate(shape, lanes: int, flops: float = 2e8) -> float:
    """Best-of-5 GFLOP/s of :func:`lanes_axpy` for C (m, n) = A (m, p) B (p, n), checked
    against numpy first.

    Examples
    --------
    >>> rate((2, 2, 4), 8, flops=1e4) > 0
    True
    """
    m, n, p = shape
    rng = np.random.default_rng(0)
    A, B = rng.random((m * p, lanes)), rng.random((p * n, lanes))
    C = np.zeros((m * n, lanes))
    _repeat(A, B, C, shape, 1)
    ref = np.einsum("iql,qjl->ijl", A.reshape(m, p, lanes), B.reshape(p, n, lanes))
    np.testing.assert_allclose(C.reshape(m, n, lanes), ref, rtol=1e-12)
    times = max(1, int(flops / (2 * m * n * p * lanes)))
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        _repeat(A, B, C, shape, times)
        best = min(best, time.perf_counter() - t0)
    return 2 * m * n * p * lanes * times / best / 1e9


if __name__ == "__main__":
    # The seed network's products (M = 10, hidden 20, N = 100), p rounded to a multiple of 4.
    shapes = ((10, 100, 20), (20, 100, 12), (10, 20, 100))
    for lanes in (16, 32, 64):
        print(f"lanes {lanes}: " + ", ".join(f"{s}: {rate(s, lanes):.1f} GFLOP/s" for s in shapes))
