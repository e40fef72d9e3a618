r"""Compiled gradient-descent kernel (numba) for two-layer networks on whitened statistics.

The common case of the simulations — depth 2, :math:`\Sigma_{11} = I`, an ensemble of K
members — runs here instead of in the buffered numpy kernel of :mod:`linnet.train` when numba
is installed (the optional extra ``linnet[fast]``). Why: at the notebook's sizes (100 → 20 →
10) every product of a step is a 10×20×100 GEMM, which BLAS runs at about half of its
large-product rate whatever the layout. Here eight members share one SIMD register, lane by
lane (member v of a chunk is lane v of every 8-double vector): each product becomes a
sequence of 512-bit fused multiply-adds over register-blocked tiles, with no reductions across
lanes, so every member's arithmetic is exactly the same whichever chunk, lane or thread runs
it, and members never mix.

Arithmetic: IEEE double precision throughout, no fast-math flags (non-finite values must
propagate: they are how divergence is found). Products use the IEEE 754 fused multiply-add
(``llvm.fma``, one rounding, as BLAS kernels do); sums run in a fixed order, so results are
deterministic and differ from the numpy kernel only by round-off (~1e-15 relative per step).

Semantics are those of :func:`linnet.train._gd_chunk`: a member's loss
:math:`\mathcal L_\star + \tfrac12\lVert W - W_\star\rVert^2` is checked at every step; at the
first non-finite one it is marked diverged, keeps that step's weights, and its later records
stay NaN; the others go on. The record at the divergence step holds its product and weights
and a NaN loss.

Layout and padding: sizes are padded with zeros to the register tiles (M to a multiple of 5,
n_hidden and N to multiples of 4, K to a multiple of 8). Zero rows/columns stay exactly zero
under the updates and add exact zeros to every sum, so padding changes no number.
"""

from __future__ import annotations

import collections
import threading

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

#: Members per SIMD vector (8 doubles = one 512-bit register).
LANES = 8
#: Register tile sizes (see the products in :func:`_chunk_steps`): 5×4 tiles of 8-wide
#: accumulators use 20 of the 32 vector registers, leaving room for the 9 operands.
TILE_M, TILE_H, TILE_N = 5, 4, 4
#: Block of inputs n in the product G W1ᵀ: its panels of G (Mp × NB) and W1 (Hp × NB), 8
#: lanes each, fit a 48 KiB L1 data cache at the notebook's sizes (12.8 + 25.6 KiB).
_NB = 20

_VT = ir.VectorType(ir.DoubleType(), LANES)


# ------------------------------------------------------------------ 8-double vector values
class _Vec8(types.Type):
    def __init__(self):
        super().__init__(name="Vec8")


_vec8 = _Vec8()


@register_model(_Vec8)
class _Vec8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VT)


def _pointer(context, builder, aryty, ary, offset):
    data = context.make_array(aryty)(context, builder, ary).data
    return builder.bitcast(builder.gep(data, [offset]), _VT.as_pointer())


@intrinsic
def _vload(typingctx, ary, offset):
    """The 8 doubles ``ary[offset:offset+8]`` of a contiguous 1-D array (unchecked)."""
    def codegen(context, builder, sig, args):
        return builder.load(_pointer(context, builder, sig.args[0], args[0], args[1]), align=8)
    return _vec8(ary, offset), codegen


@intrinsic
def _vstore(typingctx, ary, offset, v):
    def codegen(context, builder, sig, args):
        builder.store(args[2], _pointer(context, builder, sig.args[0], args[0], args[1]), align=8)
        return context.get_dummy_value()
    return types.none(ary, offset, v), codegen


@intrinsic
def _vzero(typingctx):
    def codegen(context, builder, sig, args):
        return ir.Constant(_VT, [0.0] * LANES)
    return _vec8(), codegen


@intrinsic
def _vsplat(typingctx, x):
    def codegen(context, builder, sig, args):
        v = builder.insert_element(ir.Constant(_VT, ir.Undefined), args[0], ir.Constant(ir.IntType(32), 0))
        mask = ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES)
        return builder.shuffle_vector(v, v, mask)
    return _vec8(types.float64), codegen


@intrinsic
def _vfma(typingctx, a, b, c):
    """a·b + c rounded once (IEEE 754 fusedMultiplyAdd), lane by lane."""
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VT, [_VT] * 3),
                                            "llvm.fma.v8f64")
        return builder.call(fn, args)
    return _vec8(_vec8, _vec8, _vec8), codegen


def _binary(name):
    @intrinsic
    def op(typingctx, a, b):
        def codegen(context, builder, sig, args):
            return getattr(builder, name)(args[0], args[1])
        return _vec8(_vec8, _vec8), codegen
    return op


_vadd, _vsub, _vmul = _binary("fadd"), _binary("fsub"), _binary("fmul")


@intrinsic
def _vget(typingctx, v, i):
    def codegen(context, builder, sig, args):
        return builder.extract_element(args[0], args[1])
    return types.float64(_vec8, i), codegen


# ------------------------------------------------------------------ tiles of 4 vectors
@njit(inline="always")
def _zero4():
    z = _vzero()
    return (z, z, z, z)


@njit(inline="always")
def _load4(a, o, stride):
    return (_vload(a, o), _vload(a, o + stride), _vload(a, o + 2 * stride), _vload(a, o + 3 * stride))


@njit(inline="always")
def _store4(a, o, stride, t):
    for j in range(4):
        _vstore(a, o + j * stride, t[j])


@njit(inline="always")
def _mul4(t, x):
    return (_vmul(t[0], x), _vmul(t[1], x), _vmul(t[2], x), _vmul(t[3], x))


@njit(inline="always")
def _fma4(x, u, acc):
    return (_vfma(x, u[0], acc[0]), _vfma(x, u[1], acc[1]), _vfma(x, u[2], acc[2]), _vfma(x, u[3], acc[3]))


@njit(inline="always")
def _store_error(G, Pbuf, recording, Wopt, m, n, Np, acc, sq):
    """G[m, n:n+4] = acc − W*[m, n:n+4] (acc holds P); accumulate the squares into ``sq``."""
    o = (m * Np + n) * LANES
    for j in range(4):
        if recording:
            _vstore(Pbuf, o + LANES * j, acc[j])
        d = _vsub(acc[j], _vsplat(Wopt[m, n + j]))
        _vstore(G, o + LANES * j, d)
        sq = _vfma(d, d, sq)
    return sq


@njit(inline="always")
def _product_column(w1, w2, Wopt, G, Pbuf, recording, n, Mp, Hp, Np, sq):
    """P[:, n:n+4] = W2 W1[:, n:n+4] (5×4 tiles, summed over h; P kept in ``Pbuf`` when
    ``recording``), G = P − W* there, and the squares of G added to the five running sums
    ``sq`` (one per tile row: a single sum would be a chain of dependent additions as long
    as G, the bottleneck of this product)."""
    sq0, sq1, sq2, sq3, sq4 = sq
    for m in range(0, Mp, TILE_M):
        a0 = a1 = a2 = a3 = a4 = _zero4()
        for h in range(Hp):
            u = _load4(w1, (h * Np + n) * LANES, LANES)
            o = (m * Hp + h) * LANES
            a0 = _fma4(_vload(w2, o), u, a0)
            a1 = _fma4(_vload(w2, o + LANES * Hp), u, a1)
            a2 = _fma4(_vload(w2, o + 2 * LANES * Hp), u, a2)
            a3 = _fma4(_vload(w2, o + 3 * LANES * Hp), u, a3)
            a4 = _fma4(_vload(w2, o + 4 * LANES * Hp), u, a4)
        sq0 = _store_error(G, Pbuf, recording, Wopt, m, n, Np, a0, sq0)
        sq1 = _store_error(G, Pbuf, recording, Wopt, m + 1, n, Np, a1, sq1)
        sq2 = _store_error(G, Pbuf, recording, Wopt, m + 2, n, Np, a2, sq2)
        sq3 = _store_error(G, Pbuf, recording, Wopt, m + 3, n, Np, a3, sq3)
        sq4 = _store_error(G, Pbuf, recording, Wopt, m + 4, n, Np, a4, sq4)
    return (sq0, sq1, sq2, sq3, sq4)


@njit(inline="always")
def _update_w1_column(w1, E2, G, n, Mp, Hp, Np):
    """W1[:, n:n+4] −= E2ᵀ G[:, n:n+4] with E2 = η W2 (4×4 tiles, summed over m)."""
    for h in range(0, Hp, TILE_H):
        a0 = a1 = a2 = a3 = _zero4()
        for m in range(Mp):
            u = _load4(G, (m * Np + n) * LANES, LANES)
            o = (m * Hp + h) * LANES
            a0 = _fma4(_vload(E2, o), u, a0)
            a1 = _fma4(_vload(E2, o + LANES), u, a1)
            a2 = _fma4(_vload(E2, o + 2 * LANES), u, a2)
            a3 = _fma4(_vload(E2, o + 3 * LANES), u, a3)
        o = (h * Np + n) * LANES
        for j in range(4):
            p = o + LANES * j
            _vstore(w1, p, _vsub(_vload(w1, p), a0[j]))
            p += LANES * Np
            _vstore(w1, p, _vsub(_vload(w1, p), a1[j]))
            p += LANES * Np
            _vstore(w1, p, _vsub(_vload(w1, p), a2[j]))
            p += LANES * Np
            _vstore(w1, p, _vsub(_vload(w1, p), a3[j]))


# ------------------------------------------------------------------ the kernel
@njit(nogil=True, cache=True)
def _chunk_steps(w1, w2, eta, Wopt, res, s0, s1, final, rec, K, c, M, H, N,
                 loss_out, prod_out, keep, h1_out, h2_out, div_step, fin1, fin2):
    """Steps s0 ≤ s < s1 (check, record, update) of chunk ``c``, then the check and record of
    step s1 if ``final``. ``w1`` (Hp·Np·8), ``w2`` (Mp·Hp·8) and ``eta`` (8) are the chunk's
    lane-interleaved weights and steps, updated in place (a dead lane's are zero).

    One step, per lane: P = W2 W1 (5×4 tiles of (m, n), summed over h), G = P − W*,
    sq = Σ G²; g2 = (G W1ᵀ) η (5×4 tiles of (m, h), over n); W1 −= (η W2)ᵀ G (4×4 tiles of
    (h, n), over m); W2 −= g2 — the association order of :func:`linnet.train._gd_chunk`.
    The update of W1 and the next step's P run together, column of tiles by column, so a
    column of W1 is read from L1 (measured ~15% faster than two passes, same numbers).
    """
    Mp, Np = Wopt.shape
    Hp = w2.shape[0] // (LANES * Mp)
    T = rec.shape[0]
    G = np.empty(Mp * Np * LANES)
    Pbuf = np.empty(Mp * Np * LANES)
    E2 = np.empty(Mp * Hp * LANES)
    g2 = np.empty(Mp * Hp * LANES)
    alive = np.zeros(LANES, dtype=np.bool_)
    n_alive = 0
    for v in range(LANES):
        k = c * LANES + v
        if k < K and div_step[k] < 0:
            alive[v] = True
            n_alive += 1
    r = 0
    while r < T and rec[r] < s0:
        r += 1
    last = s1 + 1 if final else s1
    # The product of step s0; each later step's is computed with the update that leads to it.
    sq = (_vzero(), _vzero(), _vzero(), _vzero(), _vzero())
    for n in range(0, Np, TILE_N):
        sq = _product_column(w1, w2, Wopt, G, Pbuf, r < T and rec[r] == s0, n, Mp, Hp, Np, sq)
    for s in range(s0, last):
        if n_alive == 0:
            break
        recording = r < T and rec[r] == s  # then Pbuf holds this step's P
        loss_sq = _vadd(_vadd(_vadd(sq[0], sq[1]), _vadd(sq[2], sq[3])), sq[4])
        # Per member: record, and find divergence at its first non-finite loss.
        for v in range(LANES):
            if not alive[v]:
                continue
            k = c * LANES + v
            loss = res + 0.5 * _vget(loss_sq, v)
            ok = np.isfinite(loss)
            if recording:
                loss_out[r, k] = loss if ok else np.nan
                for i in range(M):
                    for j in range(N):
                        prod_out[r, k, i, j] = Pbuf[(i * Np + j) * LANES + v]
                if keep:
                    for i in range(H):
                        for j in range(N):
                            h1_out[r, k, i, j] = w1[(i * Np + j) * LANES + v]
                    for i in range(M):
                        for j in range(H):
                            h2_out[r, k, i, j] = w2[(i * Hp + j) * LANES + v]
            if not ok:
                # Frozen: keep this step's weights, then zero the lane (zeros stay zero and
                # finite, so the lane costs nothing and touches nothing).
                div_step[k] = s
                _copy_out(w1, w2, v, Np, Hp, M, H, N, fin1[k], fin2[k])
                for i in range(Hp * Np):
                    w1[i * LANES + v] = 0.0
                for i in range(Mp * Hp):
                    w2[i * LANES + v] = 0.0
                for i in range(Mp * Np):
                    G[i * LANES + v] = 0.0
                eta[v] = 0.0
                alive[v] = False
                n_alive -= 1
        if recording:
            r += 1
        if s == s1 or n_alive == 0:
            break
        ev = _vload(eta, 0)
        # g2 = (G W1ᵀ) η, summed over n in blocks of NB so that the G and W1 panels of a
        # block stay in L1 for every tile; a tile's partial sums wait in g2 between blocks
        # (the order of the sum is still n = 0, 1, ..., N−1).
        for n0 in range(0, Np, _NB):
            n1 = min(n0 + _NB, Np)
            for m in range(0, Mp, TILE_M):
                for h in range(0, Hp, TILE_H):
                    o = (m * Hp + h) * LANES
                    if n0 == 0:
                        a0 = a1 = a2 = a3 = a4 = _zero4()
                    else:
                        a0 = _load4(g2, o, LANES)
                        a1 = _load4(g2, o + LANES * Hp, LANES)
                        a2 = _load4(g2, o + 2 * LANES * Hp, LANES)
                        a3 = _load4(g2, o + 3 * LANES * Hp, LANES)
                        a4 = _load4(g2, o + 4 * LANES * Hp, LANES)
                    for n in range(n0, n1):
                        u = _load4(w1, (h * Np + n) * LANES, LANES * Np)
                        q = (m * Np + n) * LANES
                        a0 = _fma4(_vload(G, q), u, a0)
                        a1 = _fma4(_vload(G, q + LANES * Np), u, a1)
                        a2 = _fma4(_vload(G, q + 2 * LANES * Np), u, a2)
                        a3 = _fma4(_vload(G, q + 3 * LANES * Np), u, a3)
                        a4 = _fma4(_vload(G, q + 4 * LANES * Np), u, a4)
                    if n1 == Np:  # complete: times η
                        a0 = _mul4(a0, ev)
                        a1 = _mul4(a1, ev)
                        a2 = _mul4(a2, ev)
                        a3 = _mul4(a3, ev)
                        a4 = _mul4(a4, ev)
                    _store4(g2, o, LANES, a0)
                    _store4(g2, o + LANES * Hp, LANES, a1)
                    _store4(g2, o + 2 * LANES * Hp, LANES, a2)
                    _store4(g2, o + 3 * LANES * Hp, LANES, a3)
                    _store4(g2, o + 4 * LANES * Hp, LANES, a4)
        for i in range(Mp * Hp):
            _vstore(E2, i * LANES, _vmul(_vload(w2, i * LANES), ev))
        for i in range(Mp * Hp):
            _vstore(w2, i * LANES, _vsub(_vload(w2, i * LANES), _vload(g2, i * LANES)))
        # W1 −= (η W2)ᵀ G one column of tiles at a time, each followed at once by the next
        # step's P = W2 W1 of that column while it is in L1 (column n of the update needs
        # only column n of G, so G can be overwritten column by column).
        recording = r < T and rec[r] == s + 1
        sq = (_vzero(), _vzero(), _vzero(), _vzero(), _vzero())
        for n in range(0, Np, TILE_N):
            _update_w1_column(w1, E2, G, n, Mp, Hp, Np)
            sq = _product_column(w1, w2, Wopt, G, Pbuf, recording, n, Mp, Hp, Np, sq)


@njit(nogil=True, cache=True)
def _copy_out(w1, w2, v, Np, Hp, M, H, N, f1, f2):
    for i in range(H):
        for j in range(N):
            f1[i, j] = w1[(i * Np + j) * LANES + v]
    for i in range(M):
        for j in range(H):
            f2[i, j] = w2[(i * Hp + j) * LANES + v]


@njit(nogil=True, cache=True)
def _chunks(W1c, W2c, etac, Wopt, res, s0, s1, final, rec, K, c0, c1, M, H, N,
            loss_out, prod_out, keep, h1_out, h2_out, div_step, fin1, fin2):
    """Chunks c0 ≤ c < c1 one after the other (one thread's share), then the final weights
    of their surviving members when ``final``."""
    for c in range(c0, c1):
        _chunk_steps(W1c[c], W2c[c], etac[c], Wopt, res, s0, s1, final, rec, K, c, M, H, N,
                     loss_out, prod_out, keep, h1_out, h2_out, div_step, fin1, fin2)
        if final:
            Np = Wopt.shape[1]
            Hp = W2c.shape[1] // (LANES * Wopt.shape[0])
            for v in range(LANES):
                k = c * LANES + v
                if k < K and div_step[k] < 0:
                    _copy_out(W1c[c], W2c[c], v, Np, Hp, M, H, N, fin1[k], fin2[k])


def _ceil(n: int, m: int) -> int:
    return -(-n // m) * m


def run(flat, lr, stats, steps, rec, out, n_threads, bar=None):
    """Run the members ``flat = [W1 (K, H, N), W2 (K, M, H)]`` with steps ``lr`` (K,) and
    write into ``out`` (the record arrays of :func:`linnet.train._run_gd`, NaN-filled)."""
    W1, W2 = flat
    K, H, N = W1.shape
    M = W2.shape[1]
    C = -(-K // LANES)
    Mp, Hp, Np = _ceil(M, TILE_M), _ceil(H, TILE_H), _ceil(N, TILE_N)
    # Lane-interleaved copies: member c·8 + v is lane v of chunk c.
    W1c = np.zeros((C * LANES, Hp, Np))
    W1c[:K, :H, :N] = W1
    W1c = np.ascontiguousarray(W1c.reshape(C, LANES, Hp, Np).transpose(0, 2, 3, 1)).reshape(C, -1)
    W2c = np.zeros((C * LANES, Mp, Hp))
    W2c[:K, :M, :H] = W2
    W2c = np.ascontiguousarray(W2c.reshape(C, LANES, Mp, Hp).transpose(0, 2, 3, 1)).reshape(C, -1)
    etac = np.zeros(C * LANES)
    etac[:K] = lr
    etac = etac.reshape(C, LANES)
    Wopt = np.zeros((Mp, Np))
    Wopt[:M, :N] = stats._ols
    keep = out["history"] is not None
    h1, h2 = out["history"] if keep else (np.empty((1, 1, 1, 1)), np.empty((1, 1, 1, 1)))
    fin1, fin2 = out["final"]
    args = (rec, K)
    tail = (M, H, N, out["loss"], out["product"], keep, h1, h2, out["div_step"], fin1, fin2)
    n = max(1, min(n_threads, C))
    # Work units are segments of one chunk's steps, not whole chunks: with 8 chunks on 2 threads
    # a thread that finished its last whole chunk idled while the other ran its own to the end
    # (up to a whole chunk's time, more when the other core was disturbed). With segments of
    # ~1/16 of the run, the threads stay busy until the last segments (bench/ensemble.py sizes,
    # whole chunks vs segments, interleaved in one process: median 53 → 66 GFLOP/s on 2 cores;
    # fraction of the large product ≥ 0.5 in 10 of 10 bench runs, 7 of 10 before). A segment
    # costs a Python call and recomputes its first product (≤ 0.1% of the work at ≥ 256
    # steps), and changes no number: a chunk's segments run in order, each from the weights the last one left.
    # With a progress bar, segments of 1/100 of the run so that the bar moves.
    seg = max(1, steps // 100) if bar is not None else max(256, -(-steps // 16))
    edges = list(range(0, steps, seg)) + [steps]
    if len(edges) == 1:  # steps == 0: only the check and record of step 0
        edges = [0, 0]
    if bar is not None:
        bar.total = steps * C  # chunk-steps
        bar.refresh()
    res = float(stats._residual)
    # Threads take the next ready (chunk, segment) from a shared queue, first in first out, and
    # put the chunk back for its next segment: the chunks advance together, so at the end every
    # thread has work until the last segment or so, and a thread slowed by other work on its
    # core runs fewer segments instead of holding up the others. A chunk is held by one thread
    # at a time and its segments run in order (the lock orders one thread's writes before the
    # next thread's reads), and chunks are independent, so who runs what changes no number.
    ready = collections.deque((c, 0) for c in range(C))
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not ready:  # unfinished chunks are held by other threads: nothing to share
                    return
                c, i = ready.popleft()
            a, b = edges[i], edges[i + 1]
            _chunks(W1c, W2c, etac, Wopt, res, a, b, b == steps, *args, c, c + 1, *tail)
            if bar is not None:
                bar.update(b - a)
            if i + 2 < len(edges):
                with lock:
                    ready.append((c, i + 1))

    if n == 1:
        work()
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=n) as pool:
            for f in [pool.submit(work) for _ in range(n)]:
                f.result()
