"""Closed-form and ODE theory of learning in linear networks. No randomness in this package.

- :mod:`linnet.theory.saxe`: two-layer mode dynamics from small decoupled init (Saxe et al. 2014).
- :mod:`linnet.theory.deep`: depth-L mode equation, learning times, discrete map, stability bound.
- :mod:`linnet.theory.exact`: exact two-layer solutions for zero- and λ-balanced init (Braun et al. 2022,
  Dominé et al. 2025).
"""

from .saxe import (effective_initial_strength, half_learning_step, half_learning_time, learning_time, loss_curve,
                   mode_strength, mode_strength_discrete)
from .deep import (deep_learning_step, deep_learning_time, deep_loss_curve, deep_mode_strength,
                   deep_mode_strength_discrete, plateau_steps_estimate, stability_bound)
from .exact import (ExactSolution, SingularBError, lambda_balanced_solution, lambda_balanced_strength,
                    lambda_balanced_time, riccati_rhs, zero_balanced_solution)

__all__ = [
    "mode_strength",
    "mode_strength_discrete",
    "learning_time",
    "half_learning_time",
    "half_learning_step",
    "loss_curve",
    "effective_initial_strength",
    "deep_mode_strength",
    "deep_mode_strength_discrete",
    "deep_learning_time",
    "deep_learning_step",
    "deep_loss_curve",
    "plateau_steps_estimate",
    "stability_bound",
    "ExactSolution",
    "SingularBError",
    "zero_balanced_solution",
    "lambda_balanced_solution",
    "lambda_balanced_time",
    "lambda_balanced_strength",
    "riccati_rhs",
]
