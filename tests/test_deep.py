"""Depth-L networks: gradients, deep mode equation, learning times, stability (docs/theory.md#deep-networks, #discrete-gradient-descent, #stability)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
from _oracles import central_differences
from _seeds import seeds

from linnet import Statistics, metrics, network, train
from linnet import theory as th

SEEDS = seeds([0, 7, 42, 99])
DEPTHS = [2, 3, 4, 5]


def _teacher_stats(s, rng=None, n=None):
    """Whitened statistics whose Σ31 has singular values ``s`` (random singular vectors if rng)."""
    s = np.asarray(s, dtype=float)
    n = n or s.size
    S = np.zeros((n, n))
    S[np.arange(s.size), np.arange(s.size)] = s
    if rng is not None:
        S = network.random_orthogonal(n, rng=rng) @ S @ network.random_orthogonal(n, rng=rng).T
    return Statistics(np.eye(n), S, float(np.sum(s**2)) + 1.0)


# ---------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("white", [True, False])
def test_every_layer_gradient_matches_central_differences(seed, depth, white):
    rng = np.random.default_rng(seed)
    N, M = 5, 3
    X = rng.standard_normal((40, N))
    if white:
        X = X @ np.linalg.inv(np.linalg.cholesky(X.T @ X / 40)).T  # Σ11 = I exactly
    Y = rng.standard_normal((40, M))
    st = Statistics.from_data(X, Y)
    widths = (N,) + tuple(rng.integers(2, 7, size=depth - 1)) + (M,)
    w = network.init_gaussian(widths, 0.6, rng=rng, fan_in=True, ensemble=2)
    grads = network.gradients(w, st)
    for k in range(2):  # each ensemble member against its own oracle
        member = tuple(W[k] for W in w)
        num = central_differences(lambda m: network.loss_from_stats(m, st), member, h=1e-5)
        for g, n in zip(grads, num):
            # Quadratic in each entry, so no truncation error (see central_differences); the
            # round-off eps·|L|/h ~ 1e-11 on O(1) losses is far inside 1e-7.
            np.testing.assert_allclose(g[k], n, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------- deep mode equation
@pytest.mark.parametrize("depth", [3, 4, 5])
def test_matrix_gd_from_aligned_init_is_the_deep_discrete_map(depth):
    """Aligned balanced weights stay aligned under matrix GD: the scalar map is exact."""
    rng = np.random.default_rng(depth)
    s = np.array([2.0, 1.2, 0.6])
    st = _teacher_stats(s, rng)
    u0 = np.array([0.3, 0.2, 0.1])
    w = network.init_aligned(st.modes, (3, 4, 5, 6, 7)[:depth] + (3,), u0, rng=rng)
    eta, steps = 0.05, 300
    rec = np.array([0, 10, 50, 100, 300])
    gd = train.gradient_descent(w, st, eta, steps, record_steps=rec)
    u_sim = metrics.mode_strength_diagonal(gd.product, st.modes)
    u_map = th.deep_mode_strength_discrete(rec, s, u0, lr=eta, depth=depth)
    # Both iterate the same map; matrix round-off (~1e-16 per step) accumulates over 300 steps.
    np.testing.assert_allclose(u_sim, u_map, rtol=0, atol=1e-11)
    assert metrics.max_offdiagonal(gd.product, st.modes).max() < 1e-11


@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_deep_mode_strength_equals_matrix_gradient_flow(depth):
    """docs/theory.md#deep-networks: the deep mode ODE against solve_ivp on the full matrices."""
    rng = np.random.default_rng(10 + depth)
    s = np.array([2.0, 1.0, 0.5])
    st = _teacher_stats(s, rng)
    u0 = np.array([0.05, 0.1, 0.2])
    w = network.init_aligned(st.modes, (3,) + (4,) * (depth - 1) + (3,), u0, rng=rng)
    t = np.linspace(0, 6, 13)
    flow = train.gradient_flow(w, st, t)
    u = metrics.mode_strength_diagonal(flow.product, st.modes)
    # Two integrations at rtol ~1e-10/1e-11 of the same smooth ODE.
    np.testing.assert_allclose(th.deep_mode_strength(t, s, u0, depth=depth), u, rtol=0, atol=1e-7)


@pytest.mark.parametrize("depth", [3, 4])
def test_gd_approaches_the_mode_ode_at_first_order(depth):
    s, u0 = np.array([2.0]), np.array([0.05])
    T = float(th.deep_learning_time(s, u0, s / 2, depth=depth)[0])  # mid-transition, where u moves most
    errs = []
    for eta in (4e-3, 2e-3):
        k = int(round(T / eta))
        u_gd = th.deep_mode_strength_discrete(np.array([k]), s, u0, lr=eta, depth=depth)[0]
        errs.append(abs(u_gd - th.deep_mode_strength([k * eta], s, u0, depth=depth)[0])[0])
    # Euler: error ∝ η; 1.6-2.4 leaves room for the O(η²) term at η·s^{2-2/L} ≈ 1e-2.
    assert 1.6 < errs[0] / errs[1] < 2.4


@pytest.mark.parametrize("depth", [2, 3, 4, 5, 8])
def test_learning_time_inverts_the_mode_strength(depth):
    s = np.array([2.0, 0.7])
    u0 = np.array([0.01, 0.05])
    for frac in (0.1, 0.5, 0.99):
        t = th.deep_learning_time(s, u0, frac * s, depth=depth)
        u = np.diag(th.deep_mode_strength(t, s, u0, depth=depth))
        # Two independent computations (quadrature or closed form vs DOP853 at rtol 1e-11): agree
        # to ~1e-10 relative; 1e-8 allows the integrator's error to accumulate over t.
        np.testing.assert_allclose(u, frac * s, rtol=1e-8)


def test_closed_forms_agree_with_quadrature():
    s, u0, uf = 1.7, 0.02, 1.5
    for L in (2, 4):
        quad, _ = scipy.integrate.quad(lambda u: 1 / (L * u ** (2 - 2 / L) * (s - u)), u0, uf,
                                       epsrel=1e-13, limit=200)
        # quad's own relative accuracy (epsrel 1e-13) on an O(1) integral, with a factor 10 for
        # the closed form's round-off (measured agreement ~1e-15).
        assert th.deep_learning_time(s, u0, uf, depth=L) == pytest.approx(quad, rel=1e-12)
    # Saxe's eq. (11) for L = 2 from the two-layer module.
    assert th.deep_learning_time(s, u0, uf, depth=2) == pytest.approx(th.learning_time(s, u0, uf), rel=1e-13)


def test_learning_step_matches_the_iterated_map_and_plateau_estimate():
    s, u0 = 2.0, 1e-4
    for eta in (0.05, 0.1, 0.3):
        k = th.deep_learning_step(s, u0, s / 2, lr=eta, depth=2)
        assert k == th.half_learning_step(s, u0, lr=eta)[0]  # the two-layer module's iteration
        est = th.half_learning_step_estimate(s, u0, lr=eta)
        gf = th.learning_time(s, u0, s / 2) / eta
        # The log(1+ηs) estimate captures the discrete plateau better than t½/η (docs/theory.md#discrete-gradient-descent).
        assert abs(est - k) < abs(gf - k)
        assert gf < k + 1  # GF underestimates the number of steps ((1+ηs)² < e^{2ηs})
    # Deep: the first crossing in the map's own iteration.
    L, eta = 4, 0.02
    k = int(th.deep_learning_step(s, 0.05, 1.0, lr=eta, depth=L))
    u = th.deep_mode_strength_discrete(np.array([k - 1, k]), s, 0.05, lr=eta, depth=L)[:, 0]
    assert u[0] < 1.0 <= u[1]


def test_deep_loss_curve_matches_simulation():
    rng = np.random.default_rng(1)
    s = np.array([2.0, 1.0, 0.0])
    st = _teacher_stats(s, rng)
    u0 = 0.1
    w = network.init_aligned(st.modes, (3, 3, 3, 3), u0, rng=rng)
    t = np.linspace(0, 4, 9)
    flow = train.gradient_flow(w, st, t)
    curve = th.deep_loss_curve(t, s, u0, depth=3, residual=st.min_loss())  # the s = 0 mode decays from u0
    np.testing.assert_allclose(curve, flow.loss, atol=1e-8)  # integrator accuracy, squared errors


# ---------------------------------------------------------------------------- stability
# Zero-balanced weights are not aligned with the task: a mode whose initial overlap with the
# teacher is small (or of the wrong sign) passes near the saddle at u = 0, where a deep mode grows
# only like u^(2-2/L), before it converges. Over seeds 0-99 and depths 2-4 the slowest run reached
# dist < 1e-8 below the bound at step ~3,700 (depth 4, seed 69; 3,000 steps, as before, left that
# mode at 1e-4); 10,000 steps leave a factor ~3 and cost ~0.1 s per run.
STABILITY_STEPS = 10_000


def _final_state(depth, factor, seed):
    rng = np.random.default_rng(seed)
    s = np.array([2.0, 1.5, 1.0, 0.8])
    st = _teacher_stats(s, rng)
    n = s.size
    # Zero-balanced (the flattest minima are balanced) with end-to-end gain ≈ 0.5 at any depth.
    w = network.init_zero_balanced((n,) * (depth + 1), 0.5 ** (1 / depth) / np.sqrt(n), rng=rng)
    if np.linalg.det(network.end_to_end(w)) * np.linalg.det(st.sigma31) < 0:
        # A balanced square network cannot change the sign of its determinant without passing a
        # singular map (one mode would stall at a saddle, as in SingularBError); match the signs.
        w = w[:-1] + (w[-1] * np.r_[-1.0, np.ones(n - 1)][:, None],)
    eta = factor * th.stability_bound(s[0], depth)
    gd = train.gradient_descent(w, st, eta, STABILITY_STEPS, record_steps=[STABILITY_STEPS])
    dist = metrics.distance_to_optimum(gd.product[-1], st)
    return gd, dist


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_stability_threshold_on_both_sides(seed, depth):
    """docs/theory.md#stability: η below 2/(L s1^{2-2/L}) converges, above it does not."""
    gd, dist = _final_state(depth, 0.8, seed)
    # Below the bound the balanced minimum attracts; once past the saddle (STABILITY_STEPS) every
    # mode contracts at the linear rate ≈ η·L·s_min^{2-2/L} per step, far below 1e-8 in the end.
    assert not gd.diverged and dist < 1e-8
    gd, dist = _final_state(depth, 1.2, seed)
    # Above it every global minimum is unstable (all are at least as sharp as the balanced one):
    # the run oscillates or diverges, never settles.
    assert gd.diverged or not dist < 1e-3


def test_stability_bound_is_the_top_hessian_eigenvalue():
    """2/η_max = L s1^{2-2/L} = top Hessian eigenvalue at the balanced minimum (scalar chain)."""
    s = 1.7
    for L in (2, 3, 4, 5):
        a = s ** (1 / L)
        # Hessian of ½(s − a1⋯aL)² at a_i = a: entries a^{2L-2} (rank one) on the minimum.
        H = np.full((L, L), a ** (2 * L - 2))
        top = np.linalg.eigvalsh(H)[-1]
        assert 2 / th.stability_bound(s, L) == pytest.approx(top, rel=1e-12)


def test_gradient_flow_on_non_white_inputs_matches_the_shared_eigenbasis_solution():
    """Non-whitened inputs (docs/theory.md#two-layer-dynamics, Saxe App. E [DER]): Σ11 = VΛVᵀ sharing V with Σ31 = USVᵀ.

    From aligned balanced weights each mode obeys u̇ = 2u(s − λu), so
    u(t) = (s/λ) e^{2st} / (e^{2st} − 1 + s/(λ u0)); solve_ivp on the full matrices must agree.
    """
    rng = np.random.default_rng(4)
    n = 4
    U = network.random_orthogonal(n, rng=rng)
    V = network.random_orthogonal(n, rng=rng)
    s = np.array([2.0, 1.0, 0.6, 0.3])
    lam = np.array([0.5, 2.0, 1.0, 3.0])
    st = Statistics(V @ np.diag(lam) @ V.T, U @ np.diag(s) @ V.T, 10.0)
    u0 = np.array([0.01, 0.02, 0.05, 0.03])
    R = network.random_orthogonal(n, rng=rng)
    w = ((R * np.sqrt(u0)) @ V.T, (U * np.sqrt(u0)) @ R.T)
    t = np.linspace(0, 8, 9)
    flow = train.gradient_flow(w, st, t)
    u_sim = np.einsum("ma,tmn,na->ta", U, flow.product, V)
    g = np.exp(2 * s * t[:, None])
    u_th = (s / lam) * g / (g - 1 + s / (lam * u0))
    # solve_ivp at rtol 1e-10 over 2·s1·t = 32 e-folds of growth: ~1e-9 on O(1) strengths
    # (measured 1.2e-10); 1e-8 leaves a factor 10 over that estimate.
    np.testing.assert_allclose(u_sim, u_th, rtol=0, atol=1e-8)


# ---------------------------------------------------------------------------- non-white stability
def _balanced_factors(W, depth):
    """Balanced layers of W = U D Vᵀ: W1 = D^{1/L} Vᵀ, W_l = D^{1/L}, W_L = U D^{1/L} (rank-wide)."""
    U, d, Vt = np.linalg.svd(W, full_matrices=False)
    root = d ** (1.0 / depth)
    return tuple([root[:, None] * Vt] + [np.diag(root)] * (depth - 2) + [U * root]) if depth > 1 else (W.copy(),)


def _rotated_task(lam, d, rng, M=None):
    """Σ11 = V diag(lam) Vᵀ sharing V with W⋆ = U diag(d) Vᵀ[:r] (random U, V); Σ31 = W⋆ Σ11."""
    N = lam.size
    M = M or N
    V = network.random_orthogonal(N, rng=rng)
    U = network.random_orthogonal(M, rng=rng)
    W = (U[:, : d.size] * d) @ V[:, : d.size].T
    s11 = (V * lam) @ V.T
    return Statistics(0.5 * (s11 + s11.T), W @ s11, 100.0 + np.sum(d**2 * lam[: d.size]))


def _shared_basis_sharpness(lam, d, depth, M):
    """max over (α, β) of λ_β Σ_l d_α^{2(L−l)/L} d_β^{2(l−1)/L}, d = 0 beyond the rank (0⁰ = 1)."""
    dM = np.r_[d, np.zeros(M - d.size)]
    dN = np.r_[d, np.zeros(lam.size - d.size)]
    L = depth
    terms = sum(np.outer(dM ** (2 * (L - l) / L), dN ** (2 * (l - 1) / L)) for l in range(1, L + 1))
    return float(np.max(terms * lam[None, :]))


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_optimum_sharpness_is_the_hessian_at_the_balanced_minimum(seed, depth):
    """Non-white, non-commuting Σ11: the top eigenvalue of a finite-difference Hessian of the loss
    at balanced factors of W⋆ equals theory.optimum_sharpness."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 4)) @ (rng.standard_normal((4, 4)) * [0.5, 1, 2, 3])
    st = Statistics.from_data(X, X @ rng.standard_normal((4, 3)) + rng.standard_normal((40, 3)))
    assert not st.is_white
    ws = _balanced_factors(st.optimum(), depth)
    sizes = [w.size for w in ws]

    def grad(theta):
        parts = np.split(theta, np.cumsum(sizes)[:-1])
        layers = tuple(p.reshape(w.shape) for p, w in zip(parts, ws))
        return np.concatenate([g.ravel() for g in network.gradients(layers, st)])

    theta = np.concatenate([w.ravel() for w in ws])
    h = 1e-5
    H = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    top = np.linalg.eigvalsh(0.5 * (H + H.T))[-1]
    # Central differences of a polynomial gradient: truncation ~h²·(third derivative, O(λ_max)),
    # 1e-10 relative, and round-off ~ε·|terms|/h ≈ 1e-10 relative; 1e-7 is far above both and far
    # below the white formula's error here (O(1)).
    assert th.optimum_sharpness(st, depth) == pytest.approx(top, rel=1e-7)
    assert 2 / th.stability_bound(st, depth) == pytest.approx(top, rel=1e-7)


@pytest.mark.parametrize("shape", [(4, 3), (60, 40)])  # M·N = 12 (dense) and 2400 (Lanczos)
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_optimum_sharpness_closed_form_for_a_shared_eigenbasis(shape, depth):
    N, M = shape
    rng = np.random.default_rng(depth)
    lam = np.geomspace(4.0, 0.25, N)
    d = np.geomspace(2.0, 0.3, min(N, M) - 1)  # rank one below min(N, M): zero modes too
    st = _rotated_task(lam, d, rng, M=M)
    want = _shared_basis_sharpness(lam, d, depth, M)
    # Dense eigvalsh is backward stable (few ε relative); Lanczos runs to tol 1e-12 relative.
    assert th.optimum_sharpness(st, depth) == pytest.approx(want, rel=1e-9)


def _converges(st, depth, etas, steps=3000):
    """Which steps η make GD from a 2 % perturbation of the balanced optimum reach it (to 1e-6)."""
    rng = np.random.default_rng(0)
    W = st.optimum()
    W0 = W * (1 + 0.02 * rng.standard_normal(W.shape))
    ws = network.stack([_balanced_factors(W0, depth)] * len(etas))
    gd = train.gradient_descent(ws, st, np.asarray(etas), steps, record_steps=[steps])
    return ~gd.diverged & (metrics.distance_to_optimum(gd.product[-1], st) < 1e-6)


def _empirical_threshold(st, depth, bound):
    """Largest converging η, bracketed by two 16-point grids in one ensemble run each."""
    lo, hi = 0.5 * bound, 2.0 * bound
    for _ in range(2):
        grid = np.linspace(lo, hi, 16)
        ok = _converges(st, depth, grid)
        assert ok[0] and not ok[-1], "the bracket must hold the threshold"
        k = int(np.argmin(ok))  # first failure: convergence is monotone in η here
        assert np.all(ok[:k]) and not np.any(ok[k:])
        lo, hi = grid[k - 1], grid[k]
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("rotate", [False, True])
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_non_white_stability_bound_is_the_empirical_threshold(depth, rotate):
    """Σ11 = diag(4, 1, 0.25), W⋆ = I (rotated or not): the white formula says 2/(L s1^{2-2/L})
    with s1 = 2; the balanced minimum, here also the flattest, has λ_max = 4L, and GD's threshold
    found by bracketing η sits there."""
    lam, d = np.array([4.0, 1.0, 0.25]), np.ones(3)
    st = _rotated_task(lam, d, np.random.default_rng(3)) if rotate else \
        Statistics(np.diag(lam), np.diag(lam), 10.0)
    bound = th.stability_bound(st, depth)
    assert bound == pytest.approx(2 / (4 * depth), rel=1e-12)  # λ_max = L·λ_1·d^{2-2/L}, d = 1
    measured = _empirical_threshold(st, depth, bound)
    # Grid resolution: the second grid spans 1.5·bound/15 = 10 % in 16 points, 0.7 %, halved by
    # taking the midpoint. Finite run: at η = (1 − ε)·bound the top mode contracts by 1 − 2ε per
    # step, so 3000 steps shrink the 2 % start below 1e-6 only for ε ≳ ln(2e4)/6000 = 0.17 %.
    # 1 % covers both; the white formula is off by a factor 2 − 2/L ≥ 1 (100 % at L = 2).
    assert measured / bound == pytest.approx(1.0, abs=0.01)
    assert th.stability_bound(float(st.modes.s[0]), depth) > 1.3 * measured


def test_non_white_bound_is_sufficient_at_the_balanced_optimum():
    """Where unbalanced minima are flatter the bound is not GD's threshold, but below it the
    balanced minimum attracts (general Σ11, depths 2-4)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 3)) @ (rng.standard_normal((3, 3)) * [0.5, 1, 2])
    st = Statistics.from_data(X, X @ rng.standard_normal((3, 3)))
    for depth in (2, 3, 4):
        assert np.all(_converges(st, depth, [0.5 * th.stability_bound(st, depth),
                                             0.9 * th.stability_bound(st, depth)]))


def test_divergence_message_quotes_the_non_white_bound():
    st = Statistics(np.diag([4.0, 1.0, 0.25]), np.diag([4.0, 1.0, 0.25]), 10.0)
    ws = network.init_gaussian((3, 3, 3), 0.1, rng=np.random.default_rng(0))
    gd = train.gradient_descent(ws, st, 0.45, 200)  # below the white formula's 0.5
    assert gd.diverged
    assert "lr < 2/λ_max = 0.25" in gd.message and "does not apply" in gd.message


# ---------------------------------------------------------------------------- edge cases
def test_stability_bound_edge_cases():
    assert th.stability_bound(0.0, 2) == np.inf  # W⋆ = 0: the Hessian vanishes there
    assert th.stability_bound(0.0, 1) == 2.0  # linear regression: Hessian = Σ11 = I
    with pytest.raises(ValueError, match="depth must be >= 1; got 0"):
        th.stability_bound(1.0, 0)
    with pytest.raises(ValueError, match=r"s1 must be a finite number >= 0; got -1"):
        th.stability_bound(-1.0, 2)
    with pytest.raises(TypeError, match="s1 must be a real number; got str"):
        th.stability_bound("1", 2)
    with pytest.raises(TypeError, match="stats must be a linnet.Statistics; got ndarray"):
        th.optimum_sharpness(np.eye(2), 2)
    # "No bound" at s1 = 0: small weights at a huge step still shrink towards W = 0.
    st = Statistics(np.eye(3), np.zeros((3, 3)), 0.0)
    ws = network.init_gaussian((3, 3, 3), 1e-2, rng=np.random.default_rng(0))
    gd = train.gradient_descent(ws, st, 100.0, 500, record_steps=[0, 500])
    assert not gd.diverged and gd.loss[-1] < gd.loss[0]


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_deep_mode_strength_at_time_zero_and_repeated_times(depth):
    s, u0 = np.array([2.0, 0.5, 0.0]), np.array([0.01, 0.02, 0.03])
    np.testing.assert_array_equal(th.deep_mode_strength([0.0], s, u0, depth=depth), u0[None])
    t = np.array([0.0, 1.0, 1.0, 2.0, 0.5])
    u = th.deep_mode_strength(t, s, u0, depth=depth)
    one = np.vstack([th.deep_mode_strength([0.5, ti], s, u0, depth=depth)[1] for ti in t])
    # Each call integrates from 0 to its own last time: the steps differ, so the answers agree to
    # the integrator's rtol 1e-11 (times O(1) strengths), not bit for bit.
    np.testing.assert_allclose(u, one, rtol=1e-9, atol=1e-12)
    assert np.array_equal(u[1], u[2])  # one evaluation serves both
    np.testing.assert_allclose(u[0], u0, rtol=1e-15)  # (u0^{1/L})^L: two roundings
    loss = th.deep_loss_curve(t, s, u0, depth=depth, residual=1.0)
    np.testing.assert_allclose(loss, 1.0 + 0.5 * np.sum((s - u) ** 2, axis=1), rtol=1e-14)
    assert th.deep_loss_curve([0.0], s, u0, depth=depth, residual=1.0).shape == (1,)
