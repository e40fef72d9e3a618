"""Input checks shared by the public functions of linnet.

Every check raises ``ValueError`` or ``TypeError`` naming the argument, what was received
and how to fix it (DESIGN.md, Conventions: Errors). Private kernels skip these checks.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

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
    if value is None:
        raise TypeError(f"{name} must be a numeric array; got None")
    if np.asarray(value).dtype.kind in "USbc":
        # numpy would parse "0.1", take True as 1.0 or drop an imaginary part: each is a bug.
        raise TypeError(
            f"{name} must be a numeric array of real numbers; got {_describe(value)}: pass real "
            "numbers (float or int)"
        )
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
        raise TypeError(f"{name} must be a real number; got {_describe(value)}: pass a float")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def nonnegative_float(value, name: str) -> float:
    """Return ``value`` as a finite float >= 0, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {_describe(value)}: pass a float")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value}")
    return value


def nonnegative_int(value, name: str) -> int:
    """Return ``value`` as an int >= 0, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer; got {_describe(value)}: pass a whole number (an int)"
        )
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


def _describe(value) -> str:
    """A short account of what a caller passed, for messages: type, and value or shape."""
    if isinstance(value, np.ndarray):
        return f"{type(value).__name__} of dtype {value.dtype} and shape {value.shape}"
    if value is None or isinstance(value, (str, bytes, numbers.Number)):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
    return type(value).__name__  # a container or object: its repr may be long


def real_array(value, name: str, *, fix: str) -> np.ndarray:
    """Return ``value`` as a float64 array of real numbers (any shape, NaN allowed), or raise.

    Rejects what numpy would silently convert: strings (``"0.1"``), booleans, ``None`` (NaN)
    and complex numbers; ``fix`` says what to pass instead.
    """
    kind = np.asarray(value).dtype.kind if value is not None else "O"
    if kind not in "iuf":
        raise TypeError(f"{name} must be a real number or an array of them; got {_describe(value)}. {fix}")
    return np.asarray(value, dtype=np.float64)


def check_stats(stats, name: str = "stats"):
    """Require a :class:`linnet.Statistics`, naming how to build one from samples."""
    from .stats import Statistics  # stats imports this module: import it only when needed

    if not isinstance(stats, Statistics):
        raise TypeError(
            f"{name} must be a linnet.Statistics; got {_describe(stats)}. Build it from samples "
            "X (P, N) and targets Y (P, M) with Statistics.from_data(X, Y)"
        )
    return stats


def check_modes(modes, name: str = "modes"):
    """Require a :class:`linnet.stats.Modes`; a Statistics is answered with ``stats.modes``."""
    from .stats import Modes, Statistics

    if not isinstance(modes, Modes):
        hint = "pass stats.modes" if isinstance(modes, Statistics) else \
            "pass Statistics.from_data(X, Y).modes"
        raise TypeError(f"{name} must be a linnet Modes object; got {_describe(modes)}: {hint}")
    return modes


def check_broadcast(**arrays) -> tuple[int, ...]:
    """Return the broadcast shape of the named arrays, or raise naming each and its shape.

    ``check_broadcast(t=t, s=s)`` raises ``ValueError`` with ``t (3,), s (4,)`` in the message.
    """
    try:
        return np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        names = ", ".join(arrays)
        got = ", ".join(f"{k} {np.shape(a)}" for k, a in arrays.items())
        raise ValueError(
            f"{names} must broadcast against each other (numpy rules); got shapes {got}. Give "
            "them one shape, or put the grid on its own axis, e.g. t[:, None] with s of shape (r,)"
        ) from None


def layer_arrays(weights, *, n_in: int | None = None, n_out: int | None = None,
                 fix: str | None = None) -> tuple[np.ndarray, ...]:
    """Validate the shapes of a network ``(W1, ..., WL)`` and return float64 arrays.

    Each ``Wl`` has shape (..., n_{l+1}, n_l) with the same leading (ensemble) axes, and the
    widths chain. ``n_in``/``n_out`` require N columns in W1 and M rows in WL. With ``fix``,
    non-finite entries raise (the message's fix); without it they pass (diverged weights).
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise TypeError(
            "weights must be a non-empty tuple of matrices (W1, ..., WL); "
            f"got {_describe(weights)}"
        )
    if fix is None:
        out = tuple(_matrix(W, f"W{l + 1}") for l, W in enumerate(weights))
    else:
        out = tuple(as_float_array(W, f"W{l + 1}", ndim=(2, 3), fix=fix) for l, W in enumerate(weights))
    lead = out[0].shape[:-2]
    for l, W in enumerate(out):
        if W.shape[:-2] != lead:
            raise ValueError(
                f"W{l + 1} has ensemble axes {W.shape[:-2]} but W1 has {lead}; every layer "
                "needs the same leading axes"
            )
        if l and W.shape[-1] != out[l - 1].shape[-2]:
            raise ValueError(
                f"W{l + 1} must have shape (n_{l + 2}, {out[l - 1].shape[-2]}) to follow "
                f"W{l} of shape {out[l - 1].shape[-2:]}; got {W.shape[-2:]}"
            )
    if n_in is not None and out[0].shape[-1] != n_in:
        raise ValueError(
            f"W1 must have {n_in} columns to match the inputs (N = {n_in}); got shape "
            f"{out[0].shape[-2:]}"
        )
    if n_out is not None and out[-1].shape[-2] != n_out:
        raise ValueError(
            f"W{len(out)} must have {n_out} rows to match the targets (M = {n_out}); got "
            f"shape {out[-1].shape[-2:]}"
        )
    return out


def _matrix(W, name: str) -> np.ndarray:
    """``W`` as a float64 array of 2 or 3 dimensions, not empty (non-finite entries allowed)."""
    arr = real_array(W, name, fix="Pass each layer as a float array of shape (n_out, n_in)")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must be 2 or 3-dimensional; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return arr
