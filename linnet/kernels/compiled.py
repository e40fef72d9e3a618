r"""Compiled gradient-descent kernel (numba, the optional extra ``linnet[fast]``): any depth,
any statistics, one network at a time, the whole step loop compiled.

Each member runs its whole trajectory in one call of :func:`_member_run` (members never
interact, so threads take members one by one and nothing depends on who ran what). A step
has three kinds of product, each written in the form LLVM's loop vectoriser handles for
whatever CPU numba compiles for (AVX-512, AVX2, NEON):

- the forward products :math:`S_l = S_{l+1} W_{l+1}` and the gradients :math:`S_l^\top R_l`
  in *axpy* form, :math:`C_{i,:} \mathrel{+}= A_{iq} B_{q,:}`: the innermost loop runs along
  a contiguous row with no reduction (two rows of C, four or one terms per pass), every entry
  summed in the order q = 0, 1, ... from 0.0; each gradient is applied to its layer two rows
  at a time, while they are in L1;
- the back-propagation :math:`R_{l+1} = R_l W_l^\top` (and :math:`D\Sigma_{11}`) as dot
  products of rows, a 2 × 4 tile of them in one pass (:func:`_dot_tile`): the one loop where
  reassociation is allowed, so that the vectoriser keeps the partial sums in registers
  (2.4x faster than the transposed copy of W_l and axpy rows it replaced).

Arithmetic: IEEE double precision; the relaxed flags are ``contract`` (a·b + c may be one
fused multiply-add, as BLAS kernels do) and, in :func:`_dot_tile` alone, ``reassoc``: NaN and
infinity propagate, which is how divergence is found. Every sum runs in an order fixed by the
compiled code (the dot products' lanes and their final combination are chosen once, when
numba compiles, from the vector width of the CPU it compiles for), the same for every member,
ensemble, thread and position in a matrix, so a member's numbers are the same in any
ensemble, on any thread, and differ from the numpy kernel, and between code generations,
only by round-off.

Speed, and what bounds it: bench/kernel_rates.py and bench/_kernel_profile.py (measured on
an Intel Xeon with AVX-512: the dot tiles run at ~45 GFLOP/s, the axpy products at ~30-35,
against ~58 for a large product on 256-bit vectors and ~86 on 512-bit ones; LLVM picks
256-bit vectors on this CPU unless told otherwise).

Memory: every layer of one member lives in one flat array (``offsets``, ``widths`` give each
layer's place and shape), so a network of any depth is one numba type.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FLAGS = dict(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy", boundscheck=False)
#: The dot products of :func:`_dot_tile` alone may also be reassociated: that is what lets
#: LLVM's loop vectoriser keep their partial sums in vector registers (without it a reduction
#: stays one scalar chain). The order it picks is fixed by the compiled loop.
_DOT_FLAGS = dict(_FLAGS, fastmath={"contract", "reassoc"})


@njit(**_FLAGS)
def _row_pair(Af, rs, cs, i, B, c, d):
    r"""Rows i and i+1 of C = op(A) B, op(A)_{iq} = Af[i·rs + q·cs], into the rows c and d.

    Every entry is summed in the order q = 0, 1, ... from 0.0, four terms per pass over the
    row: (((c + a_0 b_0) + a_1 b_1) + ...) is the order of one term per pass (:func:`_row`),
    so the blocking changes no number, and the two rows share each load of B. That keeps the
    loop on the multiply-adds rather than on loads and stores of C (measured: 1.0 µs for a
    10×20×100 product, against 1.6 µs one row and one term at a time).

    Not taken, measured: writing c and d on the first pass instead of zeroing them first ran
    depth 32 × 100 16-18 % faster, but LLVM then fuses another of the first two products into
    a multiply-add: the numbers move by round-off, and 3 of lr_stability's 252 runs, chaotic
    ones above the stability bound, changed state (diverged / oscillating / slow)."""
    p, n = B.shape
    c[:] = 0.0
    d[:] = 0.0
    q = 0
    while q + 4 <= p:
        o, e = i * rs + q * cs, (i + 1) * rs + q * cs
        a0, a1, a2, a3 = Af[o], Af[o + cs], Af[o + 2 * cs], Af[o + 3 * cs]
        f0, f1, f2, f3 = Af[e], Af[e + cs], Af[e + 2 * cs], Af[e + 3 * cs]
        b0, b1, b2, b3 = B[q], B[q + 1], B[q + 2], B[q + 3]
        for j in range(n):
            x0, x1, x2, x3 = b0[j], b1[j], b2[j], b3[j]
            c[j] = c[j] + a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
            d[j] = d[j] + f0 * x0 + f1 * x1 + f2 * x2 + f3 * x3
        q += 4
    for q in range(q, p):
        a0, f0, b0 = Af[i * rs + q * cs], Af[(i + 1) * rs + q * cs], B[q]
        for j in range(n):
            c[j] = c[j] + a0 * b0[j]
            d[j] = d[j] + f0 * b0[j]


@njit(**_FLAGS)
def _row(Af, rs, cs, i, B, c):
    """Row i of C = op(A) B alone, into c, summed in the order of :func:`_row_pair`."""
    p, n = B.shape
    c[:] = 0.0
    q = 0
    while q + 4 <= p:
        o = i * rs + q * cs
        a0, a1, a2, a3 = Af[o], Af[o + cs], Af[o + 2 * cs], Af[o + 3 * cs]
        b0, b1, b2, b3 = B[q], B[q + 1], B[q + 2], B[q + 3]
        for j in range(n):
            c[j] = c[j] + a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j]
        q += 4
    for q in range(q, p):
        a0, b0 = Af[i * rs + q * cs], B[q]
        for j in range(n):
            c[j] = c[j] + a0 * b0[j]


@njit(**_FLAGS)
def _gemm(Af, rs, cs, m, B, C):
    """C = op(A) B for the (m, p) matrix op(A)_{iq} = Af[i·rs + q·cs] (rows in pairs)."""
    for i in range(0, m - 1, 2):
        _row_pair(Af, rs, cs, i, B, C[i], C[i + 1])
    if m % 2:
        _row(Af, rs, cs, m - 1, B, C[m - 1])


@njit(**_FLAGS)
def _matmul(A, B, C):
    """C = A @ B (A (m, p), B (p, n), C (m, n), all C-contiguous), in axpy form."""
    _gemm(A.ravel(), A.shape[1], 1, A.shape[0], B, C)


@njit(**_DOT_FLAGS)
def _dot_tile(a0, a1, b0, b1, b2, b3):
    """The eight dot products a_r · b_c of two rows a and four rows b (all of one length),
    in one pass over them: each load serves two or four multiply-adds, and the partial sums
    stay in registers for the whole pass (measured 0.9 µs for 10×100 by 20×100, against
    2.2 µs for the transposed copy and axpy rows this replaced)."""
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
    for j in range(a0.size):
        x0, x1, y0, y1, y2, y3 = a0[j], a1[j], b0[j], b1[j], b2[j], b3[j]
        s00 += x0 * y0
        s01 += x0 * y1
        s02 += x0 * y2
        s03 += x0 * y3
        s10 += x1 * y0
        s11 += x1 * y1
        s12 += x1 * y2
        s13 += x1 * y3
    return s00, s01, s02, s03, s10, s11, s12, s13


@njit(**_FLAGS)
def _matmul_nt(A, B, C):
    """C = A @ Bᵀ (A (m, n), B (k, n), C (m, k), all C-contiguous), as dot products of rows.

    Every entry comes out of the same :func:`_dot_tile` loop: tiles past the last row or
    column repeat it (and write the same number twice), so an entry's value does not depend
    on where in C it lies, in which network, ensemble or thread."""
    m, k = C.shape
    for i in range(0, m, 2):
        i1 = min(i + 1, m - 1)
        for c in range(0, k, 4):
            c1, c2, c3 = min(c + 1, k - 1), min(c + 2, k - 1), min(c + 3, k - 1)
            s = _dot_tile(A[i], A[i1], B[c], B[c1], B[c2], B[c3])
            C[i, c], C[i, c1], C[i, c2], C[i, c3] = s[0], s[1], s[2], s[3]
            C[i1, c], C[i1, c1], C[i1, c2], C[i1, c3] = s[4], s[5], s[6], s[7]


@njit(**_FLAGS)
def _layer(w, offsets, widths, l):
    return w[offsets[l]:offsets[l + 1]].reshape((widths[l + 1], widths[l]))


@njit(**_FLAGS)
def _view(buf, start, rows, cols):
    """The contiguous (rows, cols) matrix at ``buf[start:]``: C-contiguous views are what
    LLVM vectorises (a strided slice would have its stride known only at run time)."""
    return buf[start:start + rows * cols].reshape((rows, cols))


@njit(**_FLAGS)
def _loss(D, G, residual):
    """L⋆ + ½ Σ D∘G (G = D Σ11, or D itself for whitened inputs).

    The sum runs in eight interleaved partial sums (entry i into sum i mod 8), combined
    pairwise, then the entries past the last multiple of 8: a fixed order (whether a
    multiply-add is fused may differ between code generations), and eight independent
    chains that the CPU runs side by side, where one running sum is a chain of dependent
    additions (measured 0.17 µs against 1.9 µs for 1,000 entries)."""
    d, e = D.ravel(), G.ravel()
    n = d.size - d.size % 8
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    for i in range(0, n, 8):
        s0 += d[i] * e[i]
        s1 += d[i + 1] * e[i + 1]
        s2 += d[i + 2] * e[i + 2]
        s3 += d[i + 3] * e[i + 3]
        s4 += d[i + 4] * e[i + 4]
        s5 += d[i + 5] * e[i + 5]
        s6 += d[i + 6] * e[i + 6]
        s7 += d[i + 7] * e[i + 7]
    s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    for i in range(n, d.size):
        s += d[i] * e[i]
    return residual + 0.5 * s


@njit(**_FLAGS)
def _forward(w, S, offsets, thin, widths, P):
    """S_l = W_L ⋯ W_{l+2} (the product above layer l, 0-based, shape (M, n_{l+1})) for
    l ≤ L − 2 and P = S_0 W_1 = W_L ⋯ W_1, built from the top (network.end_to_end's order)."""
    L = widths.size - 1
    M = widths[L]
    if L == 1:
        P[:, :] = _layer(w, offsets, widths, 0)
        return
    _view(S, M * thin[L - 2], M, widths[L - 1])[:, :] = _layer(w, offsets, widths, L - 1)
    for l in range(L - 3, -1, -1):
        _matmul(_view(S, M * thin[l + 1], M, widths[l + 2]), _layer(w, offsets, widths, l + 1),
                _view(S, M * thin[l], M, widths[l + 1]))
    _matmul(_view(S, 0, M, widths[1]), _layer(w, offsets, widths, 0), P)


@njit(**_FLAGS)
def _descend(W, g, lr):
    """W −= lr · g, entry by entry."""
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            W[i, j] -= lr * g[i, j]


@njit(**_FLAGS)
def _gradient_step(S, Rl, W, g, lr):
    """W −= lr · SᵀR_l, two rows of the gradient SᵀR_l at a time (into the buffer g),
    each applied while it is in L1: the same numbers as forming all of SᵀR_l first
    (:func:`_gemm` with op(A) = Sᵀ), without a pass over a layer-sized gradient."""
    Sf, cs, m = S.ravel(), S.shape[1], S.shape[1]
    g = _view(g, 0, 2, Rl.shape[1])
    for i in range(0, m - 1, 2):
        _row_pair(Sf, 1, cs, i, Rl, g[0], g[1])
        _descend(W[i:i + 2], g, lr)
    if m % 2:
        _row(Sf, 1, cs, m - 1, Rl, g[0])
        _descend(W[m - 1:m], g[:1], lr)


@njit(**_FLAGS)
def _step(w, buffers, shape, G, lr):
    r"""One update of every layer from the same weights: with R_0 = G = (W − W⋆)Σ11,
    ∂L/∂W_l = S_lᵀ R_l and R_{l+1} = R_l W_lᵀ (network.layer_gradients; R_{l+1} is formed
    before W_l changes). ``buffers`` = (S, R, two rows of a gradient), ``shape`` = (offsets, thin,
    widths) of :func:`_member_run`."""
    S, R, g = buffers
    offsets, thin, widths = shape
    L = widths.size - 1
    M = widths[L]
    Rl = G
    for l in range(L):
        Wl = _layer(w, offsets, widths, l)
        if l == L - 1:  # the top layer's gradient is R_{L-1} itself
            _descend(Wl, Rl, lr)
        else:
            Rn = _view(R, M * thin[l], M, widths[l + 1])
            _matmul_nt(Rl, Wl, Rn)
            _gradient_step(_view(S, M * thin[l], M, widths[l + 1]), Rl, Wl, g, lr)
            Rl = Rn


@njit(**_FLAGS)
def _member_run(w, layout, task, lr, steps, rec, records):
    """Run one member from its weights ``w`` (flat, updated in place to its final weights:
    those of its divergence step if it diverges) and write its records; return the step of
    its first non-finite loss, or −1.

    ``layout`` = (offsets, widths) of :class:`linnet.kernels.Layout`; ``task`` = (W⋆ (M, N),
    Σ11 (N, N), whether Σ11 = I, L⋆); ``records`` = (loss (T,), product (T, M, N), history
    (T, size of w), whether to keep the weights), NaN-filled: the record of the divergence
    step holds its product and weights and a NaN loss."""
    offsets, widths = layout
    wopt, s11, white, residual = task
    loss, product, history, keep = records
    L = widths.size - 1
    M, N = widths[L], widths[0]
    # S_l and R_l, (M, n_{l+1}) each, at M·thin[l]. Two rows of one layer's gradient at a
    # time (_gradient_step): a buffer of every layer's gradient (2.6 MB at depth 32 × 100)
    # left L2 (680 -> 634 µs per step with one layer's, measured paired on the Xeon).
    thin = np.zeros(L, dtype=np.int64)
    for l in range(1, L):
        thin[l] = thin[l - 1] + widths[l]
    S = np.empty(M * thin[L - 1] + 1)
    R = np.empty(M * thin[L - 1] + 1)
    g = np.empty(2 * np.max(widths[:-1]))
    s11T = np.ascontiguousarray(s11.T)  # D Σ11 as dot products of rows of D and of Σ11ᵀ
    P = np.empty((M, N))
    G = P if white else np.empty((M, N))
    T = rec.size
    r = 0
    for k in range(steps + 1):
        _forward(w, S, offsets, thin, widths, P)
        recording = r < T and rec[r] == k
        if recording:
            product[r] = P
            if keep:
                history[r] = w
        for i in range(M):  # D = P − W⋆ in place
            for j in range(N):
                P[i, j] -= wopt[i, j]
        if not white:
            _matmul_nt(P, s11T, G)
        value = _loss(P, G, residual)
        finite = np.isfinite(value)
        if recording:
            if finite:
                loss[r] = value
            r += 1
        if not finite:
            return k
        if k == steps:
            break
        _step(w, (S, R, g), (offsets, thin, widths), G, lr)
    return -1


#: The pieces of a step by name, compiled functions a benchmark may time on their own
#: (bench/_kernel_profile.py): ``forward`` C = A B, ``backprop`` C = A Bᵀ, ``gradient``
#: W −= lr SᵀR (S, R, W, buffer of 2·n, lr), ``update`` W −= lr g, ``loss`` (D, G, L⋆).
PIECES = {"forward": _matmul, "backprop": _matmul_nt, "gradient": _gradient_step,
          "update": _descend, "loss": _loss}

def run_members(layout, lr, stats, steps, rec, out, members):
    """Run ``members`` (indices of rows of ``out``, :class:`linnet.kernels.Records`) from
    their weights ``out.final`` with steps ``lr`` (K,); releases the GIL while it runs."""
    task = (np.ascontiguousarray(stats.ols), np.ascontiguousarray(stats.sigma11, dtype=np.float64),
            stats.is_white, float(stats.residual))
    keep = out.history is not None
    dummy = np.empty((1, 1))
    for k in members:
        records = (out.loss[k], out.product[k], out.history[k] if keep else dummy, keep)
        out.div_step[k] = _member_run(out.final[k], (layout.offsets, layout.widths), task,
                                      float(lr[k]), steps, rec, records)
