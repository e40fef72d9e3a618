"""Bad input raises ValueError/TypeError naming the argument and the fix (DESIGN.md, Errors).

Each ``match`` names the argument; where the message also says how to fix it, that is
matched too.
"""

from __future__ import annotations

import numpy as np
import pytest

from linnet import Statistics, metrics, network, theory, train
from linnet.data import teacher_task


@pytest.fixture
def task():
    return teacher_task(6, 4, 30, rng=np.random.default_rng(0))


@pytest.fixture
def stats(task):
    return Statistics.from_data(task.X, task.Y)


@pytest.fixture
def ws():
    return network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(1))


# ----------------------------------------------------------------------------- data and statistics
def test_mismatched_sample_counts(task, ws):
    with pytest.raises(ValueError, match=r"X and Y must have the same number of rows.*pass X of shape \(P, N\)"):
        Statistics.from_data(task.X, task.Y[:-1])
    with pytest.raises(ValueError, match="X and Y must have the same number of rows"):
        network.loss(ws, task.X[:-2], task.Y)
    with pytest.raises(ValueError, match="X and Y must have the same number of rows"):
        network.gradients_from_data(ws, task.X, task.Y[:3])
    with pytest.raises(ValueError, match="X and Y must have the same number of rows"):
        train.sgd(ws, task.X, task.Y[:-1], 0.1, 5, batch_size=5, rng=np.random.default_rng(0))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", ["X", "Y"])
def test_nan_or_inf_in_data(task, ws, bad, which):
    X, Y = task.X.copy(), task.Y.copy()
    (X if which == "X" else Y)[3, 1] = bad
    fix = "clean or impute the data"
    with pytest.raises(ValueError, match=rf"{which} contains 1 NaN or infinite value.*{fix}"):
        Statistics.from_data(X, Y)
    with pytest.raises(ValueError, match=rf"{which} contains 1 NaN"):
        network.loss(ws, X, Y)
    with pytest.raises(ValueError, match=rf"{which} contains 1 NaN"):
        network.gradients_from_data(ws, X, Y)
    with pytest.raises(ValueError, match=rf"{which} contains 1 NaN"):
        train.sgd(ws, X, Y, 0.1, 5, batch_size=5, rng=np.random.default_rng(0))


def test_wrong_dimensions_and_empty_data(task):
    with pytest.raises(ValueError, match="X must be 2-dimensional; got shape"):
        Statistics.from_data(task.X[0], task.Y)
    with pytest.raises(ValueError, match="X must not be empty"):
        Statistics.from_data(np.zeros((0, 3)), np.zeros((0, 2)))
    with pytest.raises(TypeError, match="X must be a numeric array"):
        Statistics.from_data([["a", "b"]], [[1.0]])


def test_inconsistent_analytic_statistics():
    with pytest.raises(ValueError, match=r"sigma11 must be square"):
        Statistics(np.ones((3, 2)), np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match=r"sigma31 must have shape \(M, 3\)"):
        Statistics(np.eye(3), np.ones((2, 4)), 1.0)
    with pytest.raises(ValueError, match="sigma11 must be symmetric.*symmetrise"):
        Statistics(np.array([[1.0, 0.5], [0.0, 1.0]]), np.ones((1, 2)), 1.0)
    with pytest.raises(ValueError, match="sigma11 must be positive semi-definite"):
        Statistics(np.diag([1.0, -1.0]), np.ones((1, 2)), 1.0)
    with pytest.raises(ValueError, match="sigma31 has a component along a null direction"):
        Statistics(np.diag([1.0, 0.0]), np.ones((1, 2)), 1.0)
    with pytest.raises(ValueError, match="sigma11 contains 1 NaN"):
        Statistics(np.diag([1.0, np.nan]), np.ones((1, 2)), 1.0)
    with pytest.raises(ValueError, match="trace33 must be a finite number >= 0"):
        Statistics(np.eye(2), np.ones((1, 2)), np.nan)
    with pytest.raises(ValueError, match="trace33 must be a finite number >= 0"):
        Statistics(np.eye(2), np.ones((1, 2)), -1.0)


@pytest.mark.parametrize("rank", [5, 7])
def test_rank_above_min_n_m(stats, rank):
    # N = 6, M = 4: min(N, M) = 4.
    with pytest.raises(ValueError, match=r"rank must be at most min\(N, M\) = 4.*rank=None"):
        stats.optimum(rank)
    with pytest.raises(ValueError, match=r"rank must be at most min\(N, M\) = 4"):
        stats.min_loss(rank)


def test_rank_not_positive_integer(stats):
    with pytest.raises(ValueError, match="rank must be >= 1"):
        stats.optimum(0)
    with pytest.raises(TypeError, match="rank must be an integer"):
        stats.optimum(2.5)


def test_map_not_matching_statistics(stats):
    with pytest.raises(ValueError, match=r"W must have shape \(\.\.\., 4, 6\)"):
        stats.loss(np.zeros((6, 4)))


# ----------------------------------------------------------------------------- weights
def test_weights_not_chaining(stats):
    bad = (np.zeros((5, 6)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"W2 must have shape \(n_3, 5\) to follow W1"):
        train.gradient_descent(bad, stats, 0.1, 5)
    with pytest.raises(ValueError, match=r"W2 must have shape \(n_3, 5\)"):
        network.gradients(bad, stats)
    with pytest.raises(ValueError, match="W2 has ensemble axes"):
        network.check_weights((np.zeros((3, 5, 6)), np.zeros((2, 4, 5))))


def test_weights_not_matching_statistics(stats):
    with pytest.raises(ValueError, match=r"W1 must have 6 columns to match the inputs \(N = 6\)"):
        train.gradient_descent((np.zeros((5, 7)), np.zeros((4, 5))), stats, 0.1, 5)
    with pytest.raises(ValueError, match=r"W2 must have 4 rows to match the targets \(M = 4\)"):
        network.gradients((np.zeros((5, 6)), np.zeros((3, 5))), stats)
    with pytest.raises(ValueError, match=r"W1 must have 6 columns"):
        train.gradient_flow((np.zeros((5, 7)), np.zeros((4, 5))), stats, [0.0, 1.0])


def test_weights_not_a_tuple_or_not_finite(stats):
    with pytest.raises(TypeError, match=r"weights must be a non-empty tuple of matrices \(W1, \.\.\., WL\)"):
        train.gradient_descent(np.zeros((4, 6)), stats, 0.1, 5)
    with pytest.raises(TypeError, match="weights must be a non-empty tuple"):
        network.check_weights(())
    W2 = np.zeros((4, 5))
    W2[1, 2] = np.nan
    with pytest.raises(ValueError, match="W2 contains 1 NaN or infinite value.*weights must be finite"):
        network.check_weights((np.zeros((5, 6)), W2))
    with pytest.raises(ValueError, match="W1 must be 2 or 3-dimensional"):
        network.check_weights((np.zeros(6),))


@pytest.mark.parametrize("widths", [(6, 0, 4), (0, 5, 4), (6, 5, 0)])
def test_zero_width(widths):
    i = widths.index(0)
    with pytest.raises(ValueError, match=rf"widths\[{i}\] must be >= 1; got 0"):
        network.init_gaussian(widths, 0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="W. must not be empty"):
        network.check_weights(tuple(np.zeros((b, a)) for a, b in zip(widths[:-1], widths[1:])))


def test_widths_too_short_and_bad_scale():
    with pytest.raises(ValueError, match=r"widths must list at least the input and output sizes"):
        network.init_gaussian((6,), 0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="scale must be a finite number > 0"):
        network.init_gaussian((6, 4), 0.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="ensemble must be >= 1"):
        network.init_gaussian((6, 4), 0.1, rng=np.random.default_rng(0), ensemble=0)


def test_init_aligned_bad_u0(stats):
    with pytest.raises(ValueError, match="u0 must be > 0 for every mode"):
        network.init_aligned(stats.modes, (6, 5, 4), 0.0)
    with pytest.raises(ValueError, match=r"u0 must be a scalar or have shape \(4,\)"):
        network.init_aligned(stats.modes, (6, 5, 4), [0.1, 0.2])
    with pytest.raises(ValueError, match=r"widths_ must start with N = 6 and end with M = 4"):
        network.init_aligned(stats.modes, (7, 5, 4), 0.1)


# ----------------------------------------------------------------------------- training arguments
@pytest.mark.parametrize("lr", [0.0, -0.1, np.inf, np.nan])
def test_lr_not_positive(stats, ws, task, lr):
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        train.gradient_descent(ws, stats, lr, 5)
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        train.sgd(ws, task.X, task.Y, lr, 5, batch_size=5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        train.gradient_descent(network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(0),
                                                     ensemble=2), stats, [0.1, lr], 5)


def test_lr_shape_not_matching_ensemble(stats):
    ens = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(0), ensemble=3)
    with pytest.raises(ValueError, match=r"lr must be a scalar or have the ensemble shape \(3,\)"):
        train.gradient_descent(ens, stats, [0.1, 0.2], 5)


@pytest.mark.parametrize("steps", [-1, -100])
def test_negative_steps(stats, ws, task, steps):
    with pytest.raises(ValueError, match="steps must be >= 0"):
        train.gradient_descent(ws, stats, 0.1, steps)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        train.sgd(ws, task.X, task.Y, 0.1, steps, batch_size=5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="steps must be >= 0"):
        train.log_steps(steps)


def test_steps_not_integer(stats, ws):
    with pytest.raises(TypeError, match="steps must be an integer"):
        train.gradient_descent(ws, stats, 0.1, 10.5)


@pytest.mark.parametrize("rec", [[0, 11], [-1, 3], [0, 5, 20]])
def test_record_steps_out_of_range(stats, ws, rec):
    with pytest.raises(ValueError, match=r"record_steps must lie in \[0, steps=10\]"):
        train.gradient_descent(ws, stats, 0.1, 10, record_steps=rec)


def test_record_steps_not_integers(stats, ws):
    with pytest.raises(ValueError, match="record_steps must be a 1-D array of integers"):
        train.gradient_descent(ws, stats, 0.1, 10, record_steps=[0.5, 2.0])
    with pytest.raises(ValueError, match="record_steps must be a 1-D array of integers"):
        train.gradient_descent(ws, stats, 0.1, 10, record_steps=[])


def test_batch_size(ws, task):
    with pytest.raises(ValueError, match="batch_size must be at most P = 30"):
        train.sgd(ws, task.X, task.Y, 0.1, 5, batch_size=31, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        train.sgd(ws, task.X, task.Y, 0.1, 5, batch_size=0, rng=np.random.default_rng(0))


def test_gradient_flow_arguments(stats, ws):
    ens = network.init_gaussian((6, 5, 4), 0.1, rng=np.random.default_rng(0), ensemble=2)
    with pytest.raises(ValueError, match=r"single network \(no ensemble axis\); loop over members"):
        train.gradient_flow(ens, stats, [0.0, 1.0])
    with pytest.raises(ValueError, match="times must be increasing and >= 0"):
        train.gradient_flow(ws, stats, [1.0, 0.5])
    with pytest.raises(ValueError, match="times must be increasing and >= 0"):
        train.gradient_flow(ws, stats, [-1.0, 0.5])


# ----------------------------------------------------------------------------- random generators
@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0), "seed"])
def test_rng_must_be_a_generator(ws, task, rng):
    fix = r"rng must be a numpy.random.Generator, e.g. rng=np.random.default_rng\(0\)"
    with pytest.raises(TypeError, match=fix):
        network.init_gaussian((6, 5, 4), 0.1, rng=rng)
    with pytest.raises(TypeError, match=fix):
        network.random_orthogonal(3, rng=rng)
    with pytest.raises(TypeError, match=fix):
        teacher_task(6, 4, 30, rng=rng)
    with pytest.raises(TypeError, match=fix):
        train.sgd(ws, task.X, task.Y, 0.1, 5, batch_size=5, rng=rng)


def test_rng_is_keyword_only():
    with pytest.raises(TypeError):
        network.init_gaussian((6, 5, 4), 0.1, np.random.default_rng(0))  # positional rng


# ----------------------------------------------------------------------------- theory arguments
def test_theory_arguments():
    with pytest.raises(ValueError, match="s must be > 0 everywhere"):
        theory.mode_strength(1.0, [1.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="u0 must be > 0 everywhere"):
        theory.mode_strength(1.0, 1.0, -0.1)
    with pytest.raises(ValueError, match="u0 and uf must be below s"):
        theory.learning_time(1.0, 0.1, 1.5)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        theory.mode_strength_discrete([0, 1], 1.0, 0.1, lr=0.0)
    with pytest.raises(ValueError, match="steps must be a 1-D array of non-negative integers"):
        theory.mode_strength_discrete([-1, 2], 1.0, 0.1, lr=0.1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        theory.half_learning_step(1.0, 0.1, lr=-1.0)
    with pytest.raises(ValueError, match="t contains 1 NaN"):
        theory.mode_strength([0.0, np.nan], 1.0, 0.1)


# ----------------------------------------------------------------------------- argument types (issue 8 §4)
@pytest.mark.parametrize("lr", ["0.1", "abc", None, True, 0.1 + 0j])
def test_lr_of_wrong_type_is_named(stats, ws, task, lr):
    # numpy would parse "0.1", make None NaN and True 1.0: each must be refused, naming lr.
    fix = r"lr must be a real number or an array of them; got .*Pass the step size η as a float"
    with pytest.raises(TypeError, match=fix):
        train.gradient_descent(ws, stats, lr, 10)
    with pytest.raises(TypeError, match=fix):
        train.sgd(ws, task.X, task.Y, lr, 5, batch_size=5, rng=np.random.default_rng(0))


def test_lr_message_shows_the_string_that_came(stats, ws):
    with pytest.raises(TypeError, match=r"got str 'abc'"):
        train.gradient_descent(ws, stats, "abc", 10)


@pytest.mark.parametrize("steps, error", [(2.5, TypeError), ("10", TypeError), (True, TypeError),
                                          (-1, ValueError)])
def test_steps_of_wrong_type_or_sign(stats, ws, task, steps, error):
    match = "steps must be an integer; got .*pass a whole number" if error is TypeError \
        else "steps must be >= 0; got -1"
    with pytest.raises(error, match=match):
        train.gradient_descent(ws, stats, 0.1, steps)
    with pytest.raises(error, match=match):
        train.sgd(ws, task.X, task.Y, 0.1, steps, batch_size=5, rng=np.random.default_rng(0))


def test_samples_where_statistics_belong(task, ws):
    fix = r"stats must be a linnet.Statistics; got ndarray .*shape \(30, 6\).*Statistics.from_data\(X, Y\)"
    with pytest.raises(TypeError, match=fix):
        train.gradient_descent(ws, task.X, 0.1, 10)
    with pytest.raises(TypeError, match=fix):
        train.gradient_flow(ws, task.X, [0.0, 1.0])
    with pytest.raises(TypeError, match=fix):
        network.gradients(ws, task.X)
    with pytest.raises(TypeError, match=fix):
        network.loss_from_stats(ws, task.X)
    with pytest.raises(TypeError, match=fix):
        metrics.distance_to_optimum(np.zeros((4, 6)), task.X)


def test_statistics_where_modes_belong(stats, ws):
    with pytest.raises(TypeError, match="modes must be a linnet Modes object; got Statistics: pass stats.modes"):
        metrics.mode_strength_diagonal(np.zeros((4, 6)), stats)
    with pytest.raises(TypeError, match="modes must be a linnet Modes object; got Statistics"):
        theory.effective_initial_strength(ws, stats)
    with pytest.raises(TypeError, match="modes must be a linnet Modes object; got ndarray"):
        network.init_aligned(np.eye(4), (6, 5, 4), 0.1)


@pytest.mark.parametrize("times, match", [
    ("abc", "times must be a numeric array of real numbers; got str 'abc'"),
    (None, "times must be a numeric array; got None"),
])
def test_gradient_flow_times_of_wrong_type(stats, ws, times, match):
    with pytest.raises(TypeError, match=match):
        train.gradient_flow(ws, stats, times)


def test_gradient_flow_times_message_shows_them(stats, ws):
    with pytest.raises(ValueError, match=r"times must be increasing and >= 0; got \[1\.  0\.5\]\. Pass e\.g\."):
        train.gradient_flow(ws, stats, [1.0, 0.5])


@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize("value, error", [("1e-8", TypeError), (0.0, ValueError), (-1e-8, ValueError)])
def test_gradient_flow_tolerances(stats, ws, name, value, error):
    with pytest.raises(error, match=rf"{name} must be a"):
        train.gradient_flow(ws, stats, [0.0, 1.0], **{name: value})


@pytest.mark.parametrize("widths", [None, "100-20-10", 100])
def test_widths_not_a_sequence(widths):
    with pytest.raises((TypeError, ValueError), match=r"widths must .*e\.g\. \(100, 20, 10\)"):
        network.init_gaussian(widths, 0.1, rng=np.random.default_rng(0))


# ----------------------------------------------------------------------------- shapes that do not fit
def test_mode_strength_shapes_named():
    match = (r"t, s, u0 must broadcast against each other.*got shapes t \(3,\), s \(4,\), u0 \(2,\)"
             r".*t\[:, None\]")
    with pytest.raises(ValueError, match=match):
        theory.mode_strength(np.ones(3), np.ones(4), np.full(2, 0.1))


def test_discrete_map_and_loss_curve_shapes_named():
    """u0 with neither one value per mode nor one for all: named, not a numpy broadcast error."""
    with pytest.raises(ValueError, match=r"s, u0 must broadcast.*s \(3,\), u0 \(2,\)"):
        theory.mode_strength_discrete([1, 2], [1.0, 2.0, 3.0], [0.1, 0.2], lr=0.1)
    with pytest.raises(ValueError, match=r"u0, s\[:n_hidden\] must broadcast.*u0 \(2,\), s\[:n_hidden\] \(3,\)"):
        theory.loss_curve(np.arange(3.0), [1.0, 2.0, 3.0], [0.1, 0.2], residual=0.0)
    # one u0 per learned mode is right when the hidden layer is narrower than the modes
    assert theory.loss_curve(np.arange(3.0), [1.0, 2.0, 3.0], [0.1, 0.2], residual=0.0, n_hidden=2).shape == (3,)


def test_mode_strength_diagonal_shapes_named(stats):
    match = r"product must have shape \(\.\.\., 4, 6\) \(M outputs, N inputs\) to match the modes; got shape \(4, 7\)"
    with pytest.raises(ValueError, match=match):
        metrics.mode_strength_diagonal(np.zeros((4, 7)), stats.modes)
    with pytest.raises(ValueError, match=match):
        metrics.mode_strengths(np.zeros((4, 7)), stats.modes)
    with pytest.raises(ValueError, match=match):
        metrics.max_offdiagonal(np.zeros((4, 7)), stats.modes)
    with pytest.raises(ValueError, match=r"product must have shape \(\.\.\., 4, 6\) .* to match the statistics"):
        metrics.distance_to_optimum(np.zeros((6, 4)), stats)


def test_effective_initial_strength_shapes_named(stats):
    with pytest.raises(ValueError, match=r"W1 must have 6 columns to match the inputs \(N = 6\); got shape \(5, 7\)"):
        theory.effective_initial_strength((np.ones((5, 7)), np.ones((4, 5))), stats.modes)
    with pytest.raises(ValueError, match=r"W2 must have 4 rows to match the targets \(M = 4\); got shape \(3, 5\)"):
        theory.effective_initial_strength((np.ones((5, 6)), np.ones((3, 5))), stats.modes)
    with pytest.raises(ValueError, match=r"W2 must have shape \(n_3, 5\) to follow W1"):
        theory.effective_initial_strength((np.ones((5, 6)), np.ones((4, 3))), stats.modes)


def test_forward_shapes_named(ws):
    with pytest.raises(ValueError, match=r"X must have N = 6 columns, the input width of W1 of shape \(5, 6\); "
                                         r"got X of shape \(3, 7\)"):
        network.forward(ws, np.ones((3, 7)))
    with pytest.raises(ValueError, match=r"W2 must have shape \(n_3, 5\) to follow W1"):
        network.forward((np.ones((5, 6)), np.ones((4, 3))), np.ones((3, 6)))


def test_end_to_end_shapes_named_but_non_finite_allowed():
    with pytest.raises(ValueError, match=r"W2 must have shape \(n_3, 5\) to follow W1 of shape \(5, 6\); got \(4, 3\)"):
        network.end_to_end((np.ones((5, 6)), np.ones((4, 3))))
    # A diverged run's weights hold inf: their map must still be computable for inspection.
    W = network.end_to_end((np.full((1, 1), np.inf), np.ones((1, 1))))
    assert np.isinf(W).all()


def test_weight_metrics_shapes_named():
    bad = (np.ones((5, 6)), np.ones((4, 3)))
    for f in (metrics.balancedness, metrics.balance_lambda, metrics.lambda_balancedness,
              metrics.weight_norms, metrics.orthogonality_error):
        with pytest.raises(ValueError, match=r"W2 must have shape \(n_3, 5\) to follow W1"):
            f(bad)
    good = (np.ones((5, 6)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"lam must be a scalar or broadcast to \(L-1, \.\.\.\) = \(1,\)"):
        metrics.lambda_balancedness(good, lam=[0.0, 1.0])


def test_accuracy_shapes_named(task):
    labels = np.zeros(30, dtype=int)
    with pytest.raises(ValueError, match=r"product must have shape \(\.\.\., 4, 6\) .* to match X of shape \(30, 6\)"):
        metrics.accuracy(np.zeros((4, 7)), task.X, labels)
    with pytest.raises(ValueError, match=r"labels must be a 1-D integer array with one class per row of X \(P = 30\)"):
        metrics.accuracy(np.zeros((4, 6)), task.X, labels[:29])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        metrics.accuracy(np.zeros((4, 6)), task.X, labels + 4)
