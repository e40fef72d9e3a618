"""Closed-form and ODE theory of learning in linear networks. No randomness in this package.

- :mod:`linnet.theory.saxe`: two-layer mode dynamics from small decoupled init (Saxe et al. 2014).
- :mod:`linnet.theory.deep`: depth-L mode equation, learning times, discrete map, stability bound.
- :mod:`linnet.theory.exact`: exact two-layer solutions for zero- and λ-balanced init (Braun et al. 2022,
  Dominé et al. 2025).
"""

from . import deep, exact, saxe
from .deep import *  # noqa: F403  (each submodule's __all__ is the list of its public names)
from .exact import *  # noqa: F403
from .saxe import *  # noqa: F403

__all__ = [*saxe.__all__, *deep.__all__, *exact.__all__]
