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
    """A Haar-random orthogonal matrix of shape (n, n) (QR of a Gaussian with sign fix)."""
    check_rng(rng)
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))
