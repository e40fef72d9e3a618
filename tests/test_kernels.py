"""Every gradient-descent kernel against the executable spec, linnet._reference.

Kernels: the numpy kernel and the compiled one (numba), each on the whole ensemble at once and
on each member alone, and minibatch SGD with the full batch (B = P: its step is the GD step,
computed by backpropagation on the samples instead of from the statistics). Cases: depths 1-4,
whitened and correlated inputs, step sizes from well inside the stable range to far beyond it,
so that members converge, diverge early and diverge late in every case.

Tolerances: the kernels and the reference do the same updates with different round-off
(other summation orders, BLAS or compiled loops, FMA or not), so they are compared at each
member's own measured round-off amplification (tests/_kernels.py, which derives C = 100 and
CAP = 1e-6): a converging member agrees to ~1e-13, a diverging one as far as its growth lets
two correct runs agree, and its divergence step exactly where it is conditioned.
"""

from __future__ import annotations

import numpy as np
import pytest

from linnet import _reference, network, train
from linnet.stats import Statistics
from linnet.tables import rng_for

import _kernels
from _seeds import seeds

SEEDS = seeds([0, 1])
WIDTHS = {"L1": (7, 5), "L2": (9, 6, 4), "L3": (8, 6, 7, 5), "L4": (7, 5, 6, 4, 3)}
K = 6


def _data(seed: int, n_in: int, n_out: int, white: bool, P: int = 120):
    rng = rng_for("test_kernels", "task", seed, white)
    X = rng.standard_normal((P, n_in))
    if white:
        X -= X.mean(0)
        X = np.linalg.qr(X)[0] * np.sqrt(P)  # Σ11 = I up to round-off
    else:
        X = X @ (np.eye(n_in) + 0.4 * rng.standard_normal((n_in, n_in)))
    Y = X @ rng.standard_normal((n_in, n_out)) / np.sqrt(n_in) + 0.3 * rng.standard_normal((P, n_out))
    return X, Y


def _reference_run(lr, steps, rec):
    """The reference over K members, one at a time, as a Trajectory (what _kernels compares)."""
    def run(weights, stats):
        runs = [_reference.gradient_descent([W[k] for W in weights], stats, lr[k], steps, rec)
                for k in range(weights[0].shape[0])]
        div = np.array([r["diverged_step"] for r in runs])
        return train.Trajectory(
            step=rec, time=rec[:, None] * lr, loss=np.stack([r["loss"] for r in runs], axis=1),
            product=np.stack([np.stack(r["product"]) for r in runs], axis=1),
            weights=tuple(np.stack(ws) for ws in zip(*(r["weights"] for r in runs))),
            diverged=div >= 0, diverged_step=div, lr=lr,
            history=[tuple(np.stack([r["history"][i][l] for r in runs]) for l in range(len(weights)))
                     for i in range(rec.size)])
    return run


def _stack(trs):
    """Single runs as one ensemble Trajectory."""
    return train.Trajectory(
        step=trs[0].step, time=np.stack([t.time for t in trs], axis=1),
        loss=np.stack([t.loss for t in trs], axis=1),
        product=np.stack([t.product for t in trs], axis=1),
        weights=tuple(np.stack(ws) for ws in zip(*(t.weights for t in trs))),
        diverged=np.array([bool(t.diverged) for t in trs]),
        diverged_step=np.array([int(t.diverged_step) for t in trs]),
        lr=np.array([float(t.lr) for t in trs]),
        history=[tuple(np.stack(h) for h in zip(*(t.history[i] for t in trs)))
                 for i in range(trs[0].step.size)])


def _kernel_run(kind, X, Y, stats, ws, lr, steps, rec):
    opts = dict(record_steps=rec, keep_weights=True)
    if kind == "sgd full batch":
        return train.sgd(ws, X, Y, lr, steps, batch_size=X.shape[0],
                         rng=np.random.default_rng(0), **opts)
    kernel, alone = kind.split()[0], kind.endswith("alone")
    if not alone:
        return train.gradient_descent(ws, stats, lr, steps, kernel=kernel, **opts)
    return _stack([train.gradient_descent(tuple(W[k] for W in ws), stats, lr[k], steps,
                                          kernel=kernel, **opts) for k in range(K)])


def _sgd_sensitivity(sens, P: int, n: int):
    """SGD's step is backpropagation on the P samples, whose sums have P terms where the
    statistics' products have at most n: its round-off per step is bounded by γ_P = P·u
    instead of γ_n, and what the trajectory amplifies is linear in it (to first order, as in
    tests/_kernels.py), so its tolerance is the measured one times P/n."""
    f = P / n
    tol, final = sens.tol * f, sens.tol_final * f
    ok = np.all(tol <= _kernels.CAP, axis=0) & (final <= _kernels.CAP)
    return _kernels.Sensitivity(tol=tol, tol_final=final, conditioned=sens.conditioned & ok)


KINDS = ["numpy", "numpy alone", "numba", "numba alone", "sgd full batch"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("white", [True, False], ids=["white", "correlated"])
@pytest.mark.parametrize("depth", sorted(WIDTHS))
@pytest.mark.parametrize("seed", SEEDS)
def test_kernel_equals_the_reference(kind, white, depth, seed):
    if kind.startswith("numba"):
        pytest.importorskip("numba")
    widths = WIDTHS[depth]
    X, Y = _data(seed, widths[0], widths[-1], white)
    stats = Statistics.from_data(X, Y)
    rng = rng_for("test_kernels", "init", seed, depth)
    ws = network.stack([network.init_gaussian(widths, s, rng=rng) for s in np.geomspace(0.1, 0.7, K)])
    bound = train.stability_bound(stats, len(widths) - 1)
    # Well inside the stable range (converge) and 2-5x beyond it (diverge within the steps);
    # none in 1-1.5x, where a trajectory may hover at the edge of stability chaotically and
    # no two summation orders need agree (tests/_kernels.py).
    lr = np.array([0.15, 0.3, 0.6, 2.0, 3.0, 5.0]) * bound
    steps = 250
    rec = np.unique(np.concatenate([np.arange(0, 40), np.arange(0, steps + 1, 13), [steps]]))
    run = _reference_run(lr, steps, rec)
    ref = run(ws, stats)
    sens = _kernels.sensitivity(ref, run, ws, X, Y, rng_for("test_kernels", "sens", seed, depth))
    got = _kernel_run(kind, X, Y, stats, ws, lr, steps, rec)
    if kind == "sgd full batch":
        sens = _sgd_sensitivity(sens, X.shape[0], max(widths))
    _kernels.assert_agree(got, ref, sens)
    np.testing.assert_array_equal(got.step, ref.step)
    assert ref.diverged.any() and not ref.diverged.all()  # both kinds of member exercised
    # Every member below the bound is compared throughout (above it, a deep network's member
    # may wander near the edge of stability for the whole run instead of diverging).
    assert sens.conditioned[lr < bound].all()
    assert (sens.conditioned & ref.diverged).any()  # and some divergence step exactly


def test_the_comparison_catches_a_wrong_step():
    """The tolerance is far below a wrong step size: 1 % off in one member fails it."""
    widths = WIDTHS["L2"]
    X, Y = _data(0, widths[0], widths[-1], True)
    stats = Statistics.from_data(X, Y)
    rng = rng_for("test_kernels", "init", 0, "wrong")
    ws = network.stack([network.init_gaussian(widths, s, rng=rng) for s in np.geomspace(0.1, 0.7, K)])
    lr = np.geomspace(0.2, 4.0, K) * train.stability_bound(stats, 2)
    rec = np.arange(0, 101, 5)
    run = _reference_run(lr, 100, rec)
    ref = run(ws, stats)
    sens = _kernels.sensitivity(ref, run, ws, X, Y, rng_for("test_kernels", "sens", "wrong"))
    off = lr.copy()
    off[0] *= 1.01
    wrong = train.gradient_descent(ws, stats, off, 100, record_steps=rec, keep_weights=True,
                                   kernel="numpy")
    with pytest.raises(AssertionError, match="relative difference"):
        _kernels.assert_agree(wrong, ref, sens)


def test_size_independent_kernel_gives_a_member_the_same_bits_in_any_group(monkeypatch):
    """Sweeps cut configurations into groups of any size and run each group with
    kernels.size_independent_kernel(): a member alone, in a group of 8 (in another place,
    among other members) and shared over 1 or 2 threads must give identical bits, or a table
    would depend on how its configurations were grouped."""
    from linnet import kernels

    widths = WIDTHS["L2"]
    X, Y = _data(0, widths[0], widths[-1], False)
    stats = Statistics.from_data(X, Y)
    rng = rng_for("test_kernels", "groups")
    ws = network.stack([network.init_gaussian(widths, s, rng=rng) for s in np.geomspace(0.1, 0.7, 8)])
    lr = np.geomspace(0.1, 4.0, 8) * train.stability_bound(stats, 2)  # some members diverge
    kernel = kernels.size_independent_kernel()
    opts = dict(record_steps=np.arange(0, 151, 10), keep_weights=True, kernel=kernel)
    order = np.array([5, 2, 7, 0, 3, 6, 1, 4])
    runs = []
    for n in (1, 2):
        monkeypatch.setattr(kernels, "n_threads", lambda members, n=n, **_: n)
        runs.append(train.gradient_descent(tuple(W[order] for W in ws), stats, lr[order], 150, **opts))
    for k in range(8):
        alone = train.gradient_descent(tuple(W[k] for W in ws), stats, lr[k], 150, **opts)
        for group in runs:
            i = int(np.flatnonzero(order == k)[0])
            np.testing.assert_array_equal(group.loss[:, i], alone.loss)
            np.testing.assert_array_equal(group.product[:, i], alone.product)
            assert group.diverged_step[i] == alone.diverged_step
            for Wg, Wa in zip(group.weights, alone.weights):
                np.testing.assert_array_equal(Wg[i], Wa)
            for Hg, Ha in zip(group.history, alone.history):
                for a, b in zip(Hg, Ha):
                    np.testing.assert_array_equal(a[i], b)
    assert runs[0].diverged.any() and not runs[0].diverged.all()  # both kinds exercised
