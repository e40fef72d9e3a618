# %% [markdown]
# # Your own training run against the theory
#
# Most training code is not written in linnet's convention. PyTorch's `nn.MSELoss()`, Keras's
# `"mse"` and `np.mean((Y - Yhat) ** 2)` all take the **mean over samples and outputs, with no ½**;
# linnet's loss is **half the mean over samples of the squared error**,
# $\mathcal L = \frac{1}{2P}\sum_\mu\lVert y^\mu - W x^\mu\rVert^2$. The two differ by a constant
# factor c = 2/M (M outputs), so the same learning rate takes steps of different sizes, and a
# theory curve drawn at t = steps · lr lands in the wrong place.
#
# This tutorial writes such a training loop by hand, in numpy, with the gradient derived for
# *its* loss, and checks it against linnet's theory through one helper:
# `linnet.conventions.theory_time(steps, lr, convention)` = steps · lr · c.

# %%
import matplotlib.pyplot as plt
import numpy as np

from linnet import Statistics, conventions, data, metrics, network, theory

# %% [markdown]
# ## The task and the loop
#
# A linear teacher with singular values 4, 2, 1, 0.5, 0.25 (`linnet.data.teacher_task`),
# inputs whitened on the sample, and a two-layer network 20 → 32 → 5 from small random weights.

# %%
P, N, H, M = 200, 20, 32, 5
task = data.teacher_task(n_in=N, n_out=M, n_samples=P, rng=np.random.default_rng(0))
X, Y = task.X, task.Y
W1, W2 = network.init_gaussian((N, H, M), 1e-3, rng=np.random.default_rng(1))
w0 = (W1.copy(), W2.copy())


def mse(W1, W2):
    """torch.nn.MSELoss(): mean over samples and outputs of the squared error, no ½."""
    return np.mean((Y - X @ W1.T @ W2.T) ** 2)


lr, steps, every = 0.05, 10000, 20
recorded, losses, products = [], [], []
for step in range(steps + 1):
    if step % every == 0:
        recorded.append(step)
        losses.append(mse(W1, W2))
        products.append(W2 @ W1)
    E = Y - X @ W1.T @ W2.T                      # (P, M) errors
    G = -2.0 / (P * M) * E.T @ X                 # ∂mse/∂(W2 W1), shape (M, N)
    W1, W2 = W1 - lr * W2.T @ G, W2 - lr * G @ W1.T
recorded, losses, products = np.array(recorded), np.array(losses), np.array(products)
print(f"{steps} steps at lr = {lr}; final MSELoss = {losses[-1]:.2e}")

# %% [markdown]
# ## Mapping the steps to theory time
#
# Its loss is c = 2/M times linnet's, so its step at rate lr is linnet's step at η = lr·c,
# and its step k sits at gradient-flow time t = k · lr · c:

# %%
c = conventions.time_factor("mean", n_outputs=M)
t = conventions.theory_time(recorded, lr, "mean", n_outputs=M)
print(f"c = {c:g}, linnet's η = {conventions.linnet_lr(lr, 'mean', n_outputs=M):g}, last t = {t[-1]:g}")

# %% [markdown]
# Now the theory. Mode α of the teacher (singular value $s_\alpha$) is learned along Saxe et
# al.'s sigmoid $u_\alpha(t)$ from its effective initial strength, and the loss follows
# $\mathcal L(t) = \mathcal L_\star + \tfrac12\sum_\alpha (s_\alpha - u_\alpha(t))^2$ in linnet's units,
# so in the loop's units the loss is c times that.

# %%
stats = Statistics.from_data(X, Y)
modes = stats.modes
u0 = theory.effective_initial_strength(w0, modes)
u_sim = metrics.mode_strength_diagonal(products, modes)
u_theory = theory.mode_strength(t[:, None], modes.s, u0)
loss_theory = c * theory.loss_curve(t, modes.s, u0, residual=stats.min_loss())
wrong_t = recorded * lr                                  # forgetting c: t = steps · lr

fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8))
for a in range(M):
    ax.plot(t, u_sim[:, a] / modes.s[a], color=f"C{a}", label=f"s = {modes.s[a]:g}")
    ax.plot(t, u_theory[:, a] / modes.s[a], "k--", linewidth=1)
ax.set(xscale="log", xlim=(0.1, None), xlabel="t = steps · lr · c", ylabel="u_α / s_α",
       title="the loop (solid) against Saxe eq. 12 (dashed)")
ax.legend(fontsize=8)
bx.plot(t, losses, label="loop's MSELoss at t = steps · lr · c")
bx.plot(wrong_t, losses, color="C3", alpha=0.6, label="the same at t = steps · lr (no c)")
bx.plot(t, loss_theory, "k--", label="c · theory")
bx.set(xscale="log", yscale="log", xlim=(0.1, None), ylim=(1e-8 * losses[0], 2 * losses[0]), xlabel="t",
       ylabel="MSELoss", title="loss (down to 1e-8 of its start)")
bx.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# How close? Gradient descent is the Euler step of gradient flow, so the gap is of order η:

# %%
gap_modes = np.max(np.abs(u_sim - u_theory) / modes.s)
gap_loss = np.max(np.abs(losses - loss_theory)) / losses[0]
print(f"largest gap in u_α/s_α: {gap_modes:.3f}; in the loss, relative to its start: {gap_loss:.3f}")
print("half-learning times t½, theory:  ", theory.half_learning_time(modes.s, u0).round(2))
measured = [np.interp(0.5, u_sim[:, a] / modes.s[a], t) for a in range(M)]  # u/s rises through ½ once
print("                the loop, with c:", np.round(measured, 2))

# %% [markdown]
# With c the loop's half-learning times match the theory's within a few per cent (the
# finite step and the competition between modes from random weights); without it every time
# would be off by the factor 1/c = M/2 = 2.5. For other conventions, `linnet.conventions.CONVENTIONS`
# lists the constants (sums over samples, Saxe et al.'s ½ Σ, the seed notebook's update), and
# `tests/test_conventions.py` checks each against a loop written in that convention.

# %%
for name, what in conventions.CONVENTIONS.items():
    print(f"{name:>13}: c = {conventions.time_factor(name, n_samples=P, n_outputs=M):<6g} {what}")
