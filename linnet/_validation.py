"""Input checks shared by the public functions of linnet.

Every check raises ``ValueError`` or ``TypeError`` naming the argument, what was received
and how to fix it (DESIGN.md, Conventions: Errors). Private kernels skip these checks.
"""

from __future__ import annotations

import numbers

import numpy as np


#: The fix named for NaN or infinite values in data (samples, targets, their statistics).
DATA_FIX = "clean or impute the data before computing statistics"


def as_float_array(
    value,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    fix: str = "pass finite values",
) -> np.ndarray:
    """Return ``value`` as a finite float64 array, or raise naming ``name``.

    Parameters
    ----------
    value : array_like
        The input.
    name : str
        The argument's name, used in the message.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    fix : str, optional
        What to do about NaN or infinite values, for the message (:data:`DATA_FIX` for data).
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; got {type(value).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must be {want}-dimensional; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); {fix}"
        )
    return arr


def check_samples(X, Y, *, y_ndim: int | tuple[int, ...] = 2) -> tuple[np.ndarray, np.ndarray]:
    """Return samples ``X`` (P, N) and targets ``Y`` (P, M) as float arrays with equal row counts.

    ``y_ndim`` allows a 1-D ``Y`` (P,) where the caller reshapes it.
    """
    X = as_float_array(X, "X", ndim=2, fix=DATA_FIX)
    Y = as_float_array(Y, "Y", ndim=y_ndim, fix=DATA_FIX)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must have the same number of rows (samples); got X {X.shape} and "
            f"Y {Y.shape}. Rows are samples: pass X of shape (P, N) and Y of shape (P, M)"
        )
    return X, Y


def step_array(value, name: str = "steps") -> np.ndarray:
    """Return ``value`` as a non-empty 1-D integer array with entries >= 0 (step counts), or raise."""
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0:
        raise ValueError(
            f"{name} must be a 1-D array of non-negative integers, not empty; got dtype {arr.dtype}, "
            f"shape {arr.shape}. Pass e.g. np.arange(0, 1001, 100)"
        )
    return arr


def positive_array(value, name: str) -> np.ndarray:
    """Return ``value`` as a finite float64 array with every entry > 0, or raise naming ``name``."""
    arr = as_float_array(value, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 everywhere; got min {arr.min():.3g}")
    return arr


def positive_float(value, name: str) -> float:
    """Return ``value`` as a float > 0, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def nonnegative_float(value, name: str) -> float:
    """Return ``value`` as a finite float >= 0, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value}")
    return value


def nonnegative_int(value, name: str) -> int:
    """Return ``value`` as an int >= 0, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0; got {value}")
    return int(value)


def positive_int(value, name: str) -> int:
    """Return ``value`` as an int >= 1, or raise naming ``name``."""
    value = nonnegative_int(value, name)
    if value < 1:
        raise ValueError(f"{name} must be >= 1; got {value}")
    return value


def check_rng(rng) -> np.random.Generator:
    """Require a ``numpy.random.Generator`` (no global random state, DESIGN.md)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator, e.g. rng=np.random.default_rng(0); "
            f"got {type(rng).__name__}"
        )
    return rng
