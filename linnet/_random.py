"""Random matrices shared by the network initialisations and the data sets.

Like :mod:`linnet._validation`, this module depends on nothing of linnet but validation, so that
data and network can both use it without depending on each other (DESIGN.md: imports point one
way). :func:`random_orthogonal` is public as :func:`linnet.network.random_orthogonal`.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_rng

__all__ = ["random_orthogonal"]


def random_orthogonal(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random orthogonal matrix of shape (n, n) (QR of a Gaussian with sign fix).

    Multiplying the columns of Q by the signs of R's diagonal makes the factorisation unique,
    so the result is uniformly (Haar) distributed over the orthogonal group, not biased by the
    QR routine's sign choices (Mezzadri 2007, "How to generate random matrices from the
    classical compact groups").

    Examples
    --------
    >>> from linnet.network import random_orthogonal
    >>> Q = random_orthogonal(3, rng=np.random.default_rng(0))
    >>> Q.shape
    (3, 3)
    >>> np.allclose(Q.T @ Q, np.eye(3))
    True
    """
    check_rng(rng)
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))
