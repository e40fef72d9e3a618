r"""Time in linnet's units for a training run written in another loss convention.

linnet's loss is half the mean squared error per sample,
:math:`\mathcal L = \frac{1}{2P}\sum_\mu \lVert y^\mu - W x^\mu\rVert^2`, and its gradient-descent
step k at rate η sits at gradient-flow time **t = k·η** (docs/theory.md#conventions). A loop
written with another loss, :math:`\mathcal L_{conv} = c\,\mathcal L`, takes steps
:math:`\mathrm{lr}\cdot c\,\partial\mathcal L/\partial W`: it is linnet's gradient descent at
η = lr·c, and its step k sits at

.. math:: t = k \cdot \mathrm{lr} \cdot c .

Forgetting c shifts every theory curve along the time axis by a constant factor (2, M, P, ...),
which on a log axis looks like a plausible but wrong result. The constants
(docs/theory.md#other-conventions; P samples, M outputs):

===================  =========================================================  =====
convention           loss (or update) of the loop                               c
===================  =========================================================  =====
``"linnet"``         :math:`\frac{1}{2P}\sum_\mu\lVert e^\mu\rVert^2`           1
``"mean"``           :math:`\frac{1}{PM}\sum_{\mu,i}(e^\mu_i)^2`: PyTorch       2/M
                     ``MSELoss()``, Keras ``"mse"``, ``np.mean(e**2)``
``"half_mean"``      :math:`\frac{1}{2PM}\sum_{\mu,i}(e^\mu_i)^2`               1/M
``"sample_mean"``    :math:`\frac{1}{P}\sum_\mu\lVert e^\mu\rVert^2` (no ½)     2
``"sum"``            :math:`\sum_{\mu}\lVert e^\mu\rVert^2`: PyTorch            2P
                     ``MSELoss(reduction="sum")``
``"half_sum"``       :math:`\frac12\sum_\mu\lVert e^\mu\rVert^2`: Saxe et al.   P
                     2014 (its rate λ, τ = 1/λ)
``"seed_notebook"``  the seed notebook's update: ``lr`` times the gradient of   2/P
                     :math:`\frac1P\sum_\mu\lVert e^\mu\rVert^2` averaged once
                     more over samples (:mod:`linnet.notebook`)
===================  =========================================================  =====

Full-batch gradient descent on the whole data set only; with the same c a minibatch loop's
steps map the same way in expectation. ``tests/test_conventions.py`` checks every constant
against a training loop written with that convention's loss.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CONVENTIONS", "time_factor", "theory_time", "linnet_lr"]

#: Every convention :func:`time_factor` knows, with its loss in words.
CONVENTIONS = {
    "linnet": "1/(2P) Σ_μ ‖e_μ‖²: half the squared error, mean over samples (linnet's own)",
    "mean": "1/(P·M) Σ e²: mean over samples and outputs, no ½ (PyTorch MSELoss(), Keras 'mse')",
    "half_mean": "1/(2P·M) Σ e²: half the mean over samples and outputs",
    "sample_mean": "1/P Σ_μ ‖e_μ‖²: mean over samples of the squared error, no ½",
    "sum": "Σ_μ ‖e_μ‖²: summed over samples, no ½ (PyTorch MSELoss(reduction='sum'))",
    "half_sum": "½ Σ_μ ‖e_μ‖²: summed over samples (Saxe et al. 2014)",
    "seed_notebook": "the seed notebook's update: lr · (1/P) · ∂/∂W [1/P Σ_μ ‖e_μ‖²]",
}

# c as a function of (P, M): the convention's loss (or update) is c times linnet's.
_FACTORS = {
    "linnet": lambda P, M: 1.0,
    "mean": lambda P, M: 2.0 / M,
    "half_mean": lambda P, M: 1.0 / M,
    "sample_mean": lambda P, M: 2.0,
    "sum": lambda P, M: 2.0 * P,
    "half_sum": lambda P, M: 1.0 * P,
    "seed_notebook": lambda P, M: 2.0 / P,
}
_NEEDS = {"mean": "n_outputs", "half_mean": "n_outputs", "sum": "n_samples", "half_sum": "n_samples",
          "seed_notebook": "n_samples"}


def _size(value, name: str, convention: str):
    if value is None:
        raise ValueError(f"time_factor: convention {convention!r} needs {name}= (its c depends on it); "
                         f"pass {name}=<a positive integer>")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"time_factor: {name} must be a positive integer, got {value!r}")
    return int(value)


def time_factor(convention: str, *, n_samples: int | None = None, n_outputs: int | None = None) -> float:
    r"""The constant c with t = steps · lr · c for a loop in ``convention`` (see the module's table).

    Parameters
    ----------
    convention : str
        One of :data:`CONVENTIONS`: ``"linnet"``, ``"mean"``, ``"half_mean"``, ``"sample_mean"``,
        ``"sum"``, ``"half_sum"``, ``"seed_notebook"``.
    n_samples : int, optional
        P, the number of training samples; needed by ``"sum"``, ``"half_sum"``, ``"seed_notebook"``.
    n_outputs : int, optional
        M, the number of outputs; needed by ``"mean"``, ``"half_mean"``.

    Returns
    -------
    float
        c: the convention's loss is c times linnet's :math:`\frac{1}{2P}\sum_\mu\lVert e^\mu\rVert^2`,
        so its step at rate lr is linnet's step at η = lr·c.

    Raises
    ------
    ValueError
        For an unknown convention, or a size the convention needs that is missing or not positive.

    Examples
    --------
    >>> time_factor("linnet"), time_factor("mean", n_outputs=10), time_factor("sum", n_samples=1000)
    (1.0, 0.2, 2000.0)
    >>> time_factor("seed_notebook", n_samples=1000)   # lr = 10 in the notebook is η = 0.02
    0.002
    """
    if convention not in _FACTORS:
        raise ValueError(f"time_factor: unknown convention {convention!r}; choose one of "
                         f"{', '.join(map(repr, CONVENTIONS))}")
    need = _NEEDS.get(convention)
    P = _size(n_samples, "n_samples", convention) if need == "n_samples" else n_samples
    M = _size(n_outputs, "n_outputs", convention) if need == "n_outputs" else n_outputs
    return _FACTORS[convention](P, M)


def theory_time(steps, lr: float, convention: str, *, n_samples: int | None = None,
                n_outputs: int | None = None) -> np.ndarray:
    r"""Gradient-flow time t = steps · lr · c of the steps of a loop in ``convention``.

    Parameters
    ----------
    steps : array_like of int
        Step counts of the loop (any shape).
    lr : float
        The loop's own learning rate, in its own convention.
    convention, n_samples, n_outputs
        As for :func:`time_factor`.

    Returns
    -------
    numpy.ndarray
        Times of the same shape as ``steps``, in linnet's units: pass them to the
        :mod:`linnet.theory` functions (e.g. :func:`linnet.theory.mode_strength`).

    Examples
    --------
    >>> theory_time([0, 100, 1000], 0.5, "mean", n_outputs=5)   # c = 2/5
    array([  0.,  20., 200.])
    """
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"theory_time: lr must be a positive number, got {lr!r}")
    c = time_factor(convention, n_samples=n_samples, n_outputs=n_outputs)
    return np.asarray(steps, dtype=float) * (lr * c)


def linnet_lr(lr: float, convention: str, *, n_samples: int | None = None,
              n_outputs: int | None = None) -> float:
    r"""linnet's step η = lr · c that takes the same steps as a loop in ``convention`` at rate ``lr``.

    Use it to run the same network through :func:`linnet.train.gradient_descent`.

    Parameters
    ----------
    lr : float
        The loop's learning rate in its own convention.
    convention, n_samples, n_outputs
        As for :func:`time_factor`.

    Returns
    -------
    float
        η for linnet's loss; its ``Trajectory.time`` is then :func:`theory_time` of the loop's steps.

    Examples
    --------
    >>> linnet_lr(0.1, "mean", n_outputs=4), linnet_lr(10.0, "seed_notebook", n_samples=1000)
    (0.05, 0.02)
    """
    return float(theory_time(1, lr, convention, n_samples=n_samples, n_outputs=n_outputs))
