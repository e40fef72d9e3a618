"""Exact two-layer solutions (docs/theory.md#exact-solutions) against gradient flow and GD."""

from __future__ import annotations

import numpy as np
import pytest
from _seeds import seeds

from linnet import Statistics, metrics, network, train
from linnet import theory as th

SEEDS = seeds([0, 7, 42, 99])
SHAPES = [(5, 8, 5), (6, 8, 3), (3, 8, 6)]  # square, N > M, N < M (hidden wider than both)


def _task(rng, N, M, s1=2.0):
    """Whitened statistics of a random teacher with top singular value s1."""
    S = rng.standard_normal((M, N))
    S *= s1 / np.linalg.svd(S, compute_uv=False)[0]
    return Statistics(np.eye(N), S, float(np.sum(S**2)) + 1.0)


def _match_sign(w, stats):
    """Square case: B is singular when det W2W1(0) and det Σ31 differ in sign (see SingularBError).

    Flipping one row of W2 keeps W2ᵀW2 (so the balance identity) and fixes the sign.
    """
    N, M = stats.n_in, stats.n_out
    if N == M and np.linalg.det(w[1] @ w[0]) * np.linalg.det(stats.sigma31) < 0:
        flip = np.ones(M)
        flip[0] = -1
        return (w[0], w[1] * flip[:, None])
    return w


def _inversion_condition(w, st):
    """Condition number of the inverse the zero-balanced solution takes, A(0) = 4B⁻¹S0⁻¹B⁻ᵀ:
    cond(B)²·s0_max/s0_min, with B = UᵀŨ + VᵀṼ from the SVDs of W2W1(0) and Σ31."""
    U, S0, Vt = np.linalg.svd(w[1] @ w[0], full_matrices=False)
    Ut, _, Vtt = np.linalg.svd(st.sigma31)
    m = S0.size
    return np.linalg.cond(U.T @ Ut[:, :m] + Vt @ Vtt.T[:, :m]) ** 2 * S0[0] / S0[-1]


def _zero_balanced_case(rng, shape, scale=0.3):
    """A whitened task of ``shape``'s end widths and zero-balanced weights with matched signs."""
    st = _task(rng, shape[0], shape[-1])
    return st, _match_sign(network.init_zero_balanced(shape, scale, rng=rng), st)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_zero_balanced_equals_gradient_flow(seed, shape):
    st, w = _zero_balanced_case(np.random.default_rng(seed), shape)
    times = np.linspace(0.0, 6.0, 13)
    ex = th.zero_balanced_solution(w, st, times)
    flow = train.gradient_flow(w, st, times)
    # solve_ivp at rtol 1e-10 / atol 1e-12 over ~t·s1 = 12 e-folds of growth keeps ~1e-9 absolute
    # accuracy on O(1) entries; 1e-7 leaves two orders for the closed form's own round-off.
    np.testing.assert_allclose(ex.product, flow.product, rtol=0, atol=1e-7)
    # At t = 0 the formula inverts A(0): round-off (1e-16) amplified by _inversion_condition,
    # times 10 for the products around it.
    np.testing.assert_allclose(ex.product[0], w[1] @ w[0], rtol=0, atol=1e-15 * _inversion_condition(w, st))


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("shape", SHAPES)
def test_zero_balanced_against_small_step_gd_is_first_order(seed, shape):
    """GD is the Euler scheme of the flow: its error at fixed t shrinks ∝ η (docs/theory.md#discrete-gradient-descent)."""
    st, w = _zero_balanced_case(np.random.default_rng(seed), shape)
    T = 4.0
    errs = []
    for eta in (2e-3, 1e-3):
        steps = int(round(T / eta))
        rec = np.linspace(0, steps, 9).astype(np.int64)
        gd = train.gradient_descent(w, st, eta, steps, record_steps=rec)
        ex = th.zero_balanced_solution(w, st, rec * eta)
        errs.append(np.abs(gd.product - ex.product).max())
        s1 = st.modes.s[0]
        # Euler's global error is at most ~½·η·t·max|Ẅ| with |Ẅ| ≲ s1³ on this attracting flow.
        assert errs[-1] < 0.5 * eta * T * s1**3
    # First order: halving η halves the error; 1.6-2.4 allows the O(η²) term at η s1 = 4e-3.
    assert 1.6 < errs[0] / errs[1] < 2.4


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lam", [-1.0, 0.5, 2.0])
def test_lambda_balanced_equals_gradient_flow(seed, lam):
    rng = np.random.default_rng(seed)
    st = _task(rng, 4, 4)
    w = _match_sign(network.init_lambda_balanced((4, 4, 4), 0.3, lam, rng=rng), st)
    times = np.linspace(0.0, 6.0, 13)
    ex = th.lambda_balanced_solution(w, st, times, full=True)
    flow = train.gradient_flow(w, st, times)
    # Same integrator budget as the zero-balanced test.
    np.testing.assert_allclose(ex.product, flow.product, rtol=0, atol=1e-7)
    assert ex.lam == pytest.approx(lam, abs=1e-12)
    # The other blocks of QQᵀ: W1ᵀW1 and W2W2ᵀ along the flow, products of O(1) weights that
    # carry the same integrator error as the product above: the same bound.
    W1T, W2T = flow.weights
    np.testing.assert_allclose(ex.qqt[-1][:4, :4], W1T.T @ W1T, atol=1e-7)
    np.testing.assert_allclose(ex.qqt[-1][4:, 4:], W2T @ W2T.T, atol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_lambda_zero_is_the_zero_balanced_solution(seed):
    st, w = _zero_balanced_case(np.random.default_rng(seed), (5, 5, 5), 0.5)
    t = np.linspace(0, 5, 11)
    a = th.zero_balanced_solution(w, st, t, full=True)
    b = th.lambda_balanced_solution(w, st, t, full=True)
    # Two algebraically equal formulas, each inverting a matrix built from B: their round-off
    # differs by up to eps·_inversion_condition (seeds 0-99: at most 0.56 of it; seed 57 has
    # cond(B) = 1.3e3 and differs by 2e-9, the others by < 1.2e-11), times 10 for the products.
    np.testing.assert_allclose(a.qqt, b.qqt, rtol=0, atol=1e-15 * _inversion_condition(w, st))


@pytest.mark.parametrize("lam", [0.0, 0.7, -1.3])
def test_riccati_residual_and_initial_state(lam):
    rng = np.random.default_rng(3)
    st = _task(rng, 4, 4)
    if lam == 0.0:
        w = _match_sign(network.init_zero_balanced((4, 4, 4), 0.4, rng=rng), st)
        sol = lambda t: th.zero_balanced_solution(w, st, t, full=True).qqt  # noqa: E731
    else:
        w = _match_sign(network.init_lambda_balanced((4, 4, 4), 0.4, lam, rng=rng), st)
        sol = lambda t: th.lambda_balanced_solution(w, st, t, full=True).qqt  # noqa: E731
    Q = np.concatenate([w[0].T, w[1]])
    np.testing.assert_allclose(sol([0.0])[0], Q @ Q.T, atol=1e-12)  # round-off of O(1) products
    h = 1e-4
    for t in (0.3, 1.0, 2.5):
        q = sol([t - h, t, t + h])
        deriv = (q[2] - q[0]) / (2 * h)
        # Central difference: truncation h²/6·|d³QQᵀ/dt³| ~ 1e-8·s1³ ≈ 1e-7, round-off eps/h ≈ 1e-12.
        np.testing.assert_allclose(deriv, th.riccati_rhs(q[1], st, lam=lam), rtol=0, atol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_exact_solution_reaches_the_optimum(shape):
    st, w = _zero_balanced_case(np.random.default_rng(11), shape)
    s_min = st.modes.s[-1]
    t_end = 40.0 / s_min  # e^{-2 s_min t} = e^{-80}: every mode is at its fixed point
    ex = th.zero_balanced_solution(w, st, [t_end])
    # What is left is the closed form's round-off on O(1) matrices (measured ≤ 1e-15); 1e-12
    # leaves room for the inverse it takes, and a mode short of its fixed point would be O(1).
    np.testing.assert_allclose(ex.product[0], st.sigma31, atol=1e-12)


def test_singular_b_raises_the_documented_error():
    rng = np.random.default_rng(5)
    st = _task(rng, 4, 4)
    w = network.init_zero_balanced((4, 4, 4), 0.3, rng=rng)
    if np.linalg.det(w[1] @ w[0]) * np.linalg.det(st.sigma31) > 0:
        w = (w[0], w[1] * np.array([-1.0, 1, 1, 1])[:, None])  # opposite signs: B is singular
    with pytest.raises(th.SingularBError, match="B = UᵀŨ"):
        th.zero_balanced_solution(w, st, [0.0, 1.0])
    assert issubclass(th.SingularBError, ValueError)
    # An exactly anti-aligned mode in a non-square task: mode 1 of Σ31 = [[2,0,0],[0,1,0]] is
    # carried with a = −b (u = e1, v = −e1), so its row of B vanishes.
    st2 = Statistics(np.eye(3), np.array([[2.0, 0, 0], [0, 1.0, 0]]), 10.0)
    W1 = np.array([[-0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.0]])
    W2 = np.array([[0.1, 0, 0], [0, 0.2, 0]])  # W2ᵀW2 = diag(.01, .04, 0) = W1W1ᵀ: zero-balanced
    with pytest.raises(th.SingularBError):
        th.zero_balanced_solution((W1, W2), st2, [0.0, 1.0])


def test_bad_input_names_the_fix():
    rng = np.random.default_rng(0)
    st = _task(rng, 5, 5)
    w = network.init_zero_balanced((5, 3, 5), 0.3, rng=rng)
    with pytest.raises(ValueError, match="no bottleneck"):
        th.zero_balanced_solution(w, st, [0.0])
    w = network.init_gaussian((5, 5, 5), 0.3, rng=rng)
    with pytest.raises(ValueError, match="zero-balanced"):
        th.zero_balanced_solution(w, st, [0.0])
    with pytest.raises(ValueError, match="λ-balanced"):
        th.lambda_balanced_solution(w, st, [0.0])
    st6 = _task(rng, 6, 4)
    w = network.init_lambda_balanced((6, 4, 4), 0.3, 0.5, rng=rng)
    with pytest.raises(ValueError, match="square networks"):  # the square closed form's class
        th.LambdaBalancedSolution.from_weights(w, st6)
    # issue 13: the wrapper now answers any shape (RectangularLambdaBalancedSolution).
    assert th.lambda_balanced_solution(w, st6, [0.0]).product.shape == (1, 4, 6)
    w = network.init_lambda_balanced((5, 5, 5), 0.3, 0.5, rng=rng)
    with pytest.raises(ValueError, match="inconsistent"):
        th.lambda_balanced_solution(w, st, [0.0], lam=1.0)
    with pytest.raises(ValueError, match="W2 must have shape"):
        th.zero_balanced_solution((w[0], w[1][:, :4]), st, [0.0])
    with pytest.raises(ValueError, match="two matrices"):
        th.zero_balanced_solution(w + (w[1],), st, [0.0])
    X = rng.standard_normal((50, 5))
    with pytest.raises(ValueError, match="whitened"):
        th.zero_balanced_solution(w, Statistics.from_data(X, X), [0.0])


# ---------------------------------------------------------------------------- scalar λ-balanced mode
@pytest.mark.parametrize("lam", [1e-4, 0.5, 3.0, -2.0])
def test_lambda_scalar_time_against_gd_and_flow(lam):
    """docs/theory.md#exact-solutions: the closed-form t(u) read on a simulated trajectory returns its time."""
    s = np.array([2.0, 1.0])
    st = Statistics(np.eye(2), np.diag(s), 6.0)
    small = np.array([0.05, 0.1])  # the weaker layer's strengths; b² − a² = λ per mode
    a, b = (small, np.sqrt(small**2 + lam)) if lam >= 0 else (np.sqrt(small**2 - lam), small)
    w = network.init_aligned(st.modes, (2, 2, 2), layer_strengths=np.stack([a, b]))
    assert metrics.lambda_balancedness(w, lam).max() < 1e-12
    T = 2.0
    flow = train.gradient_flow(w, st, [0.0, T])
    u = metrics.mode_strength_diagonal(flow.product[-1], st.modes)
    # solve_ivp at rtol 1e-10 gives u to ~1e-10; dt/du = 1/(√(λ²+4u²)(s−u)) amplifies that by
    # at most ~1/(2u(s−u)) ≈ 1e2 near the end of learning.
    np.testing.assert_allclose(th.lambda_balanced_learning_time(s, a * b, u, lam=lam), T, atol=1e-7)
    eta = 1e-3
    gd = train.gradient_descent(w, st, eta, int(T / eta), record_steps=[0, int(T / eta)])
    ug = metrics.mode_strength_diagonal(gd.product[-1], st.modes)
    # GD's growth per step is 1 + η·rate instead of e^{η·rate}: its clock runs fast by a factor
    # ≈ 1 + η·rate/2 (docs/theory.md#discrete-gradient-descent), a time error ≤ T·η·r/2 with r = √(4s1² + λ²) the largest
    # rate of the linearised mode equation; the tolerance is twice that.
    r = np.sqrt(4 * s[0] ** 2 + lam**2)
    np.testing.assert_allclose(th.lambda_balanced_learning_time(s, a * b, ug, lam=lam), T, atol=T * eta * r)
    # And the inverse: lambda_balanced_mode_strength(T) is the flow's u.
    np.testing.assert_allclose(th.lambda_balanced_mode_strength(T, s, a * b, lam=lam), u, atol=1e-9)


def test_lambda_scalar_limits():
    t = np.linspace(0, 5, 21)
    s, u0 = 1.5, 1e-3
    # λ = 0 is Saxe's logistic (bisection resolves u to round-off of the interval).
    np.testing.assert_allclose(th.lambda_balanced_mode_strength(t, s, u0, lam=0.0), th.mode_strength(t, s, u0),
                               rtol=1e-12, atol=1e-14)
    # |λ| ≫ s: lazy, u − s ≈ (u0 − s) e^{−|λ| t} up to relative corrections O(s/|λ|) in the rate.
    lam = 1e3
    tt = np.linspace(0, 5e-3, 11)
    lazy = s + (u0 - s) * np.exp(-lam * tt)
    np.testing.assert_allclose(th.lambda_balanced_mode_strength(tt, s, u0, lam=lam), lazy, atol=5 * s / lam)
    # Approach from above (u0 > s) decreases towards s.
    u = th.lambda_balanced_mode_strength(t, s, 3.0, lam=0.5)
    assert np.all(np.diff(u) < 0) and np.all(u > s)
    with pytest.raises(ValueError, match="saddle"):
        th.lambda_balanced_learning_time(s, -0.1, 0.5, lam=0.0)


# ---------------------------------------------------------------------------- solution objects
def _transcribed_qqt(sol, t):
    """QQᵀ(t) = Z A⁻¹ Zᵀ transcribed from the Notes of either solution class, one time at a time,
    with explicit inverses (as Braun et al.'s reference code), from the object's named fields.
    Returns the stack of QQᵀ and the condition number of each A(t)."""
    lam = isinstance(sol, th.LambdaBalancedSolution)
    rate = sol.Lambda if lam else sol.S_tilde
    if lam:
        plus, minus = np.diag(sol.X * sol.A_X + sol.A_X), np.diag(sol.A_X - sol.X * sol.A_X)
        core = 4 * np.eye(rate.size)
    else:
        plus = minus = np.eye(rate.size)
        core = 4 * np.diag(1 / sol.S0)
    Bi = np.linalg.inv(sol.B)
    out, conds = [], []
    for ti in t:
        e, e2 = np.diag(np.exp(-rate * ti)), np.diag(np.exp(-2 * rate * ti))
        K = e @ sol.C.T @ Bi.T @ e
        Z = np.vstack([sol.V_tilde @ (minus - plus @ K), sol.U_tilde @ (plus + minus @ K)])
        A = e @ Bi @ core @ Bi.T @ e + (np.eye(rate.size) - e2) @ np.diag(1 / rate) \
            - e @ Bi @ sol.C @ (e2 - np.eye(rate.size)) @ np.diag(1 / rate) @ sol.C.T @ Bi.T @ e
        if not lam and (sol.U_hat.size or sol.V_hat.size):
            Z += np.vstack([2 * sol.V_hat @ sol.V_hat.T @ sol.V @ Bi.T @ e,
                            2 * sol.U_hat @ sol.U_hat.T @ sol.U @ Bi.T @ e])
            A += 4 * ti * e @ Bi @ (sol.V.T @ sol.V_hat @ sol.V_hat.T @ sol.V
                                    + sol.U.T @ sol.U_hat @ sol.U_hat.T @ sol.U) @ Bi.T @ e
        out.append(Z @ np.linalg.inv(A) @ Z.T)
        conds.append(np.linalg.cond(A))
    return np.stack(out), np.array(conds)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", ["zero 5-8-5", "zero 6-8-3", "zero 3-8-6", "lam -1", "lam 2"])
def test_solution_objects_are_their_notes_formula(seed, case):
    """The objects' batched evaluation against the Notes transcribed per time from their named
    fields, and the wrappers equal to the objects to the bit."""
    rng = np.random.default_rng(seed)
    t = np.array([0.0, 0.3, 1.0, 3.0, 8.0])
    if case.startswith("zero"):
        shape = tuple(int(n) for n in case.split()[1].split("-"))
        st, w = _zero_balanced_case(rng, shape)
        sol = th.ZeroBalancedSolution.from_weights(w, st)
        ex = th.zero_balanced_solution(w, st, t, full=True)
    else:
        st = _task(rng, 4, 4)
        w = _match_sign(network.init_lambda_balanced((4, 4, 4), 0.3, float(case.split()[1]), rng=rng), st)
        sol = th.LambdaBalancedSolution.from_weights(w, st)
        ex = th.lambda_balanced_solution(w, st, t, full=True)
    ref, cond = _transcribed_qqt(sol, t)
    # Both invert A(t): round-off eps·cond(A) relative on O(1) entries (|Z| ≤ ~2, |QQᵀ| ≤ ~s1),
    # times 100 for the m-term sums evaluated in different orders (measured: ≤ 3.7 here, Xeon).
    tol = 100 * np.finfo(float).eps * cond.max()
    np.testing.assert_allclose(sol.qqt(t), ref, rtol=0, atol=tol)
    N = st.n_in
    np.testing.assert_allclose(sol.product(t), ref[:, N:, :N], rtol=0, atol=tol)
    # The wrapper is the object: same operations, so the same bits.
    np.testing.assert_array_equal(ex.product, sol.product(t))
    np.testing.assert_array_equal(ex.qqt, sol.qqt(t))
    assert ex.lam == sol.lam
    blocks = sol.blocks(t)
    np.testing.assert_array_equal(blocks.input_gram, ex.qqt[:, :N, :N])
    np.testing.assert_array_equal(blocks.output_gram, ex.qqt[:, N:, N:])
    np.testing.assert_array_equal(blocks.product, ex.qqt[:, N:, :N])
    # loss is the statistics' loss of the product (exactly: the same function of the same array).
    np.testing.assert_array_equal(sol.loss(t), st.loss(sol.product(t)))


def test_solution_fields_are_the_notes_symbols():
    rng = np.random.default_rng(4)
    st, w = _zero_balanced_case(rng, (6, 8, 3))
    sol = th.ZeroBalancedSolution.from_weights(w, st)
    # W2W1(0) = U S0 Vᵀ and Σ̃ = Ũ S̃ Ṽᵀ: reconstructions of SVDs of O(1) matrices, round-off 1e-15.
    np.testing.assert_allclose((sol.U * sol.S0) @ sol.V.T, w[1] @ w[0], atol=1e-14)
    np.testing.assert_allclose((sol.U_tilde * sol.S_tilde) @ sol.V_tilde.T, st.sigma31, atol=1e-14)
    assert sol.U_hat.shape == (3, 0) and sol.V_hat.shape == (6, 3)
    np.testing.assert_array_equal(sol.B, sol.U.T @ sol.U_tilde + sol.V.T @ sol.V_tilde)
    np.testing.assert_array_equal(sol.C, sol.U.T @ sol.U_tilde - sol.V.T @ sol.V_tilde)
    assert sol.lam == 0.0
    with pytest.raises(AttributeError):
        sol.B = sol.C  # frozen: the precomputed pieces cannot go stale
    # λ-balanced: S2² − S1² = λ and the layer spectra multiply to the map's.
    st4 = _task(rng, 4, 4)
    w4 = _match_sign(network.init_lambda_balanced((4, 4, 4), 0.3, 0.7, rng=rng), st4)
    lsol = th.LambdaBalancedSolution.from_weights(w4, st4, lam=0.7)
    np.testing.assert_allclose(lsol.S2**2 - lsol.S1**2, 0.7, atol=1e-12)  # round-off of λ from the weights
    np.testing.assert_allclose(lsol.Lambda, np.sqrt(lsol.S_tilde**2 + 0.7**2 / 4), rtol=1e-12)
    np.testing.assert_allclose(lsol.A_X, 1 / np.sqrt(1 + lsol.X**2), rtol=1e-15)


def test_solution_without_statistics_has_no_loss():
    rng = np.random.default_rng(6)
    st, w = _zero_balanced_case(rng, (5, 8, 5))
    bare = th.ZeroBalancedSolution.from_weights(w, st.sigma31)
    np.testing.assert_array_equal(bare.product([0.5]), th.ZeroBalancedSolution.from_weights(w, st).product([0.5]))
    with pytest.raises(ValueError, match="from_weights.*Statistics"):
        bare.loss([0.5])
    with pytest.raises(ValueError, match="t must be a 1-D array of times >= 0"):
        bare.product([-1.0])
