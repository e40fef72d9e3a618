r"""The numpy kernel of gradient descent: a block of members stepped together as batched
arrays (any depth, any statistics, no compiler needed).

One step of a block is four functions, in this order at every step k:

- :func:`evaluate` — end-to-end maps, their gradient G = (W − W⋆)Σ11 and every member's loss;
- :func:`record` — at record steps, write loss, product and (optionally) the weights;
- :func:`retire` — members whose loss is non-finite leave the block, with the weights of this
  step as their final weights (their later records stay NaN);
- :func:`update` — :math:`W_l \leftarrow W_l - \eta\,\partial\mathcal L/\partial W_l` for the
  others, with the layer gradients of :func:`linnet.network.layer_gradients`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._products import above
from ..network import end_to_end_gradient, layer_gradients

#: Working-set budget of one block of members: about a core's L2 cache here (2 MiB; the
#: estimate counts the main arrays only), so a block stays in cache between steps.
_BLOCK_BYTES = 2 << 20


def block_bounds(K: int, layout, stats, n_threads: int) -> list[tuple[int, int]]:
    """Contiguous blocks ``[(a, b), ...]`` of the K members, each within :data:`_BLOCK_BYTES`,
    as many as a multiple of the threads so that they finish together."""
    M, N = stats.n_out, stats.n_in
    per_member = 8 * (3 * layout.size + 3 * M * N + 3 * M * int(layout.widths[1:].sum()))
    n_blocks = max(n_threads, -(-K // max(1, _BLOCK_BYTES // per_member)))
    n_blocks = -(-n_blocks // n_threads) * n_threads
    bounds = np.linspace(0, K, n_blocks + 1).astype(np.int64)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


@dataclass
class Block:
    """The members a block still steps.

    Attributes
    ----------
    members : ndarray of int, shape (k,)
        Their rows in the :class:`linnet.kernels.Records`.
    weights : list of ndarray, shapes (k, n_{l+1}, n_l)
        Their current layers (owned copies).
    eta : ndarray, shape (k, 1, 1)
        Their step sizes.
    """

    members: np.ndarray
    weights: list
    eta: np.ndarray


@dataclass
class Evaluation:
    """A block's state at one step: ``product`` (k, M, N), ``grad`` G = ∂L/∂W (k, M, N),
    ``loss`` (k,)."""

    product: np.ndarray
    grad: np.ndarray
    loss: np.ndarray
    above: list  # S_l = W_L⋯W_{l+2} above each layer (None for the last), reused by the update


def evaluate(block: Block, stats) -> Evaluation:
    """End-to-end maps W = W_L⋯W_1, G = (W − W⋆)Σ11 and L = L⋆ + ½ Tr(G Dᵀ), per member."""
    S = above(block.weights)
    # S[0] @ W1 is chain(weights) to the bit: the products above each layer, which the layer
    # gradients need, are formed once per step
    P = block.weights[0] if S[0] is None else S[0] @ block.weights[0]
    G = end_to_end_gradient(P, stats)
    D = P - stats.ols if not stats.is_white else G
    return Evaluation(product=P, grad=G, loss=stats.residual + 0.5 * np.sum(D * G, axis=(-2, -1)),
                      above=S)


def record(block: Block, ev: Evaluation, r: int, out, layout) -> None:
    """Write record r of the block's members into ``out`` (a non-finite loss as NaN)."""
    idx = block.members
    out.product[idx, r] = ev.product
    out.loss[idx, r] = np.where(np.isfinite(ev.loss), ev.loss, np.nan)
    if out.history is not None:
        for l, W in enumerate(block.weights):
            layout.layer(out.history, l)[idx, r] = W


def retire(block: Block, ev: Evaluation, k: int, out, layout) -> tuple[Block, Evaluation]:
    """Members with a non-finite loss at step k leave the block: their divergence step is k
    and their final weights are this step's. Returns the block and evaluation of the rest."""
    bad = ~np.isfinite(ev.loss)
    if not bad.any():
        return block, ev
    dead = block.members[bad]
    out.div_step[dead] = k
    for l, W in enumerate(block.weights):
        layout.layer(out.final, l)[dead] = W[bad]
    keep = ~bad
    rest = Block(block.members[keep], [np.ascontiguousarray(W[keep]) for W in block.weights],
                 block.eta[keep])
    return rest, Evaluation(ev.product[keep], ev.grad[keep], ev.loss[keep],
                            [None if S is None else S[keep] for S in ev.above])


def update(block: Block, ev: Evaluation) -> None:
    """One step of every layer, all from the same weights."""
    for W, g in zip(block.weights, layer_gradients(block.weights, ev.grad, above=ev.above)):
        W -= block.eta * g


def run_block(layout, lr, stats, steps: int, rec, out, members) -> None:
    """Run the members ``members`` (a contiguous range of rows of ``out``) from their weights
    ``out.final``; write their records and final weights."""
    block = Block(members, [np.array(W[members]) for W in layout.layers(out.final)],
                  lr[members][:, None, None])
    r = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is data
        for k in range(steps + 1):
            ev = evaluate(block, stats)
            if r < rec.size and rec[r] == k:
                record(block, ev, r, out, layout)
                r += 1
            block, ev = retire(block, ev, k, out, layout)
            if k == steps or not block.members.size:
                break
            update(block, ev)
    for l, W in enumerate(block.weights):
        layout.layer(out.final, l)[block.members] = W
