r"""Gradient descent as plainly as it can be written: the executable spec of the kernels.

tests/test_kernels.py runs every kernel (numpy, compiled, SGD with the full batch, ensembles)
against :func:`gradient_descent` here; nothing else in linnet calls it.
"""

from __future__ import annotations

import numpy as np

from .network import end_to_end, end_to_end_gradient, layer_gradients


def gradient_descent(weights, stats, lr: float, steps: int, record_steps) -> dict:
    """One network, ``steps`` steps of ``W_l -= lr · ∂L/∂W_l``, the loss checked at every step
    and the run frozen at its first non-finite loss. Returns the records at ``record_steps``
    (NaN after the divergence step; at it, a NaN loss with its product and weights):
    ``loss`` (T,), ``product`` (T, M, N), ``history`` (T tuples of layers), ``weights`` (the
    final layers) and ``diverged_step`` (−1 if none)."""
    ws = [np.array(W, dtype=np.float64) for W in weights]
    rec = list(record_steps)
    nan = [np.full_like(W, np.nan) for W in ws]
    out = {"loss": [np.nan] * len(rec), "product": [np.full((stats.n_out, stats.n_in), np.nan)] * len(rec),
           "history": [tuple(nan)] * len(rec), "diverged_step": -1}
    with np.errstate(all="ignore"):  # overflow of a diverging run is data
        for k in range(steps + 1):
            P = end_to_end(ws)
            loss = stats.loss(P)
            if k in rec:
                r = rec.index(k)
                out["loss"][r] = loss if np.isfinite(loss) else np.nan
                out["product"][r], out["history"][r] = P, tuple(W.copy() for W in ws)
            if not np.isfinite(loss):
                out["diverged_step"] = k
                break
            if k < steps:
                grads = layer_gradients(ws, end_to_end_gradient(P, stats))
                ws = [W - lr * g for W, g in zip(ws, grads)]
    out["weights"] = tuple(ws)
    return out
