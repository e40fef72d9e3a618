"""Closed-form and ODE theory of learning in linear networks. No randomness in this package.

- :mod:`linnet.theory.saxe`: two-layer mode dynamics from small decoupled init (Saxe et al. 2014).
- :mod:`linnet.theory.deep`: depth-L mode equation, learning times, discrete map, stability bound.
- :mod:`linnet.theory.exact`: exact two-layer solutions for zero- and λ-balanced init (Braun et al. 2022,
  Dominé et al. 2025), as objects built once from the weights (:class:`ZeroBalancedSolution`,
  :class:`LambdaBalancedSolution`, :class:`RectangularLambdaBalancedSolution`) that answer
  ``product(t)``, ``blocks(t)``, ``loss(t)``.
- :mod:`linnet.theory.prior`: starting that solution from a learned network (Braun et al. 2022's
  prior knowledge): :func:`balanced_weights`, :func:`block_strengths`, :func:`unused_output_perturbation`.
- :mod:`linnet.theory.semantic`: shallow vs deep mode strengths, every item's predicted properties,
  hidden similarity, typicality, coherence and transient errors (Saxe et al. PNAS 2019).
- :mod:`linnet.theory.curvature`: Hessian and Gauss–Newton spectra of the two-layer loss at
  aligned weights, by group, and the sharpness along training.
- :mod:`linnet.theory.generalisation`: train and test error over time on a noisy teacher
  (Advani & Saxe's shallow student, Lampinen & Ganguli's two-layer student), by name
  (``theory.generalisation.shallow_errors``): its names are not re-exported here.
- :mod:`linnet.theory.transfer`: transfer between two noisy rank-1 tasks learned jointly
  (Lampinen & Ganguli), by name as well (``theory.transfer.transfer_benefit``).

Arguments follow one convention (stated in :mod:`linnet.theory.saxe`): a curve's grid (``t`` or
``steps``) first, then the mode ``s, u0`` and a target strength ``uf``; parameters of the dynamics
(``lr``, ``depth``, ``lam``, ``residual``, ``n_hidden``) keyword-only.

Examples
--------
>>> from linnet import theory
>>> print(theory.mode_strength([0.0, 1.0], 2.0, 0.01).round(4))
[0.01   0.4306]
"""

from . import curvature, deep, exact, generalisation, prior, saxe, semantic
from .deep import *  # noqa: F403  (each submodule's __all__ is the list of its public names)
from .exact import *  # noqa: F403
from .saxe import *  # noqa: F403
from .semantic import *  # noqa: F403
from .curvature import *  # noqa: F403
from .prior import *  # noqa: F403
from . import transfer  # noqa: E402  (by name only, like generalisation)

__all__ = [*saxe.__all__, *deep.__all__, *exact.__all__, *semantic.__all__, *curvature.__all__, *prior.__all__]
