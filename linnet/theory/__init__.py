"""Closed-form and ODE theory of learning in linear networks. No randomness in this package.

- :mod:`linnet.theory.saxe`: two-layer mode dynamics from small decoupled init (Saxe et al. 2014).
"""

from .saxe import (effective_initial_strength, half_learning_step, half_learning_time, learning_time, loss_curve,
                   mode_strength, mode_strength_discrete)

__all__ = [
    "mode_strength",
    "mode_strength_discrete",
    "learning_time",
    "half_learning_time",
    "half_learning_step",
    "loss_curve",
    "effective_initial_strength",
]
