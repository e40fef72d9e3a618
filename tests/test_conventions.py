"""linnet.conventions: each time constant c checked against a training loop in its convention.

Every loop below is written as a user of that convention would write it: the loss as a numpy
expression (its gradient taken by complex-step differentiation of that very expression, so no
hand derivation is shared with linnet), or, for the seed notebook, the notebook's own gradient
code. Two checks per convention:

- the loop's weights after k steps at its rate lr equal linnet's gradient descent at
  η = linnet_lr(lr, ...), and its steps' times are theory_time(steps, lr, ...): a wrong c would
  give other weights at once (the loop would take steps of another size);
- against the theory: at the times theory_time gives, the loop's end-to-end map approaches
  gradient flow (linnet.train.gradient_flow) with error ∝ lr (Euler's first order), so halving lr
  (and doubling the steps) halves the error; with a wrong c the loop's map at step k would be
  compared with the flow at a wrong time and the error would not shrink.
"""

from __future__ import annotations

import numpy as np
import pytest

from linnet import Statistics, conventions, network, train

P, N, H, M = 40, 4, 5, 3


def _task():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((P, N))
    Y = X @ rng.standard_normal((N, M)) + 0.3 * rng.standard_normal((P, M))
    return X, Y, network.init_gaussian((N, H, M), 0.3, rng=rng)


# Each convention's loss, as its users write it (e = Y − X W1ᵀ W2ᵀ, samples are rows).
LOSSES = {
    "linnet": lambda e: np.sum(e ** 2) / (2 * P),
    "mean": lambda e: np.mean(e ** 2),                          # torch.nn.MSELoss()
    "half_mean": lambda e: 0.5 * np.mean(e ** 2),
    "sample_mean": lambda e: np.mean(np.sum(e ** 2, axis=1)),
    "sum": lambda e: np.sum(e ** 2),                            # MSELoss(reduction="sum")
    "half_sum": lambda e: 0.5 * np.sum(e ** 2),                 # Saxe et al. 2014
}
# Each loop's own rate (inputs, chosen so that every loop takes stable steps of η ≈ 0.05).
RATES = {"linnet": 0.05, "mean": 0.075, "half_mean": 0.15, "sample_mean": 0.025, "sum": 6.25e-4,
         "half_sum": 1.25e-3, "seed_notebook": 1.0}
SIZES = dict(n_samples=P, n_outputs=M)


def _complex_step_grad(loss, X, Y, ws):
    """∂loss/∂W for each layer by complex steps: Im L(W + ih e_ij)/h, exact to round-off."""
    h = 1e-30
    grads = []
    for layer in range(len(ws)):
        g = np.empty_like(ws[layer])
        for idx in np.ndindex(ws[layer].shape):
            wc = [w.astype(complex) for w in ws]
            wc[layer][idx] += 1j * h
            g[idx] = loss(Y - X @ wc[0].T @ wc[1].T).imag / h
        grads.append(g)
    return grads


def _notebook_grad(X, Y, ws):
    """The seed notebook's grads() (docs/seed-notebook.txt, In[16]): per-sample outer products, np.mean."""
    W21, W32 = ws
    g1, g2 = X, X @ W21.T
    dLdg3 = -2 * (Y - g2 @ W32.T) / P
    dLdW32 = np.mean(dLdg3[:, :, np.newaxis] * g2[:, np.newaxis, :], axis=0)
    dLdg2 = dLdg3 @ W32
    dLdW21 = np.mean(dLdg2[:, :, np.newaxis] * g1[:, np.newaxis, :], axis=0)
    return [dLdW21, dLdW32]


def _loop(convention, X, Y, w0, lr, steps):
    """The user's loop: ``W -= lr * grad`` for ``steps`` steps; the end-to-end map after each."""
    ws = [w.copy() for w in w0]
    products = [ws[1] @ ws[0]]
    for _ in range(steps):
        if convention == "seed_notebook":
            grads = _notebook_grad(X, Y, ws)
        else:
            grads = _complex_step_grad(LOSSES[convention], X, Y, ws)
        ws = [w - lr * g for w, g in zip(ws, grads)]
        products.append(ws[1] @ ws[0])
    return ws, np.array(products)


@pytest.mark.parametrize("convention", sorted(RATES))
def test_loop_is_linnets_descent_at_lr_times_c(convention):
    X, Y, w0 = _task()
    lr, steps = RATES[convention], 40
    ws, products = _loop(convention, X, Y, w0, lr, steps)
    run = train.gradient_descent(w0, Statistics.from_data(X, Y), conventions.linnet_lr(lr, convention, **SIZES),
                                 steps, record_steps=np.arange(steps + 1), kernel="numpy")
    # The same update in two summation orders (raw data against Σ11, Σ31): each step adds
    # round-off of relative size ~1e-16 · (a few), contracted by the stable steps, so after 40
    # steps the two agree to ~1e-13; a wrong c changes the step size and the weights at O(1).
    np.testing.assert_allclose(run.product, products, rtol=1e-10, atol=1e-12)
    for w_loop, w_linnet in zip(ws, run.weights):
        np.testing.assert_allclose(w_linnet, w_loop, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.time, conventions.theory_time(run.step, lr, convention, **SIZES),
                               rtol=1e-15)


@pytest.mark.parametrize("convention", sorted(RATES))
def test_loop_converges_to_gradient_flow_at_theory_time(convention):
    X, Y, w0 = _task()
    stats = Statistics.from_data(X, Y)
    errors = []
    for halvings in (0, 1):
        lr, steps = RATES[convention] / 2 ** halvings, 20 * 2 ** halvings
        _, products = _loop(convention, X, Y, w0, lr, steps)
        t = conventions.theory_time(np.arange(steps + 1), lr, convention, **SIZES)
        flow = train.gradient_flow(w0, stats, t, rtol=1e-11, atol=1e-13).product
        errors.append(np.max(np.linalg.norm(products - flow, axis=(1, 2))))
    # Gradient descent is the Euler step of the flow: its global error at fixed t is C·η + O(η²),
    # so the ratio for η and η/2 is 2 up to the O(η) correction (here η·‖Hessian‖ ≈ 0.1, so
    # within 1.6–2.4); a wrong c would compare step k with the flow at a wrong time, an O(1)
    # error that halving lr does not halve.
    assert 1.6 < errors[0] / errors[1] < 2.4, errors
    assert errors[0] < 0.05, errors  # and small: O(η · t · ‖∇²L‖ · ‖W‖) with η = 0.05, t = 1


def test_constants_match_the_seed_notebooks_step_mapping():
    from linnet import notebook

    # linnet.notebook's η = 2·lr/P is this module's "seed_notebook" convention.
    for lr in (1.0, 10.0):
        assert conventions.linnet_lr(lr, "seed_notebook", n_samples=1000) == notebook.eta_from_notebook(lr)


@pytest.mark.parametrize("kwargs, match", [
    (dict(convention="torch"), "unknown convention 'torch'; choose one of 'linnet'"),
    (dict(convention="mean"), "needs n_outputs="),
    (dict(convention="sum"), "needs n_samples="),
    (dict(convention="sum", n_samples=0), "n_samples must be a positive integer"),
    (dict(convention="mean", n_outputs=2.5), "n_outputs must be a positive integer"),
])
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conventions.time_factor(**kwargs)


def test_bad_lr_names_the_argument():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        conventions.theory_time([1, 2], -0.1, "linnet")
