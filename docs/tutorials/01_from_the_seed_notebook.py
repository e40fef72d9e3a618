# %% [markdown]
# # From the seed notebook to linnet
#
# linnet grew out of a notebook, *Programming a linear network to classify MNIST digits*
# (its cells and printed output are in `docs/seed-notebook.txt`). It builds a two-layer linear
# network $g(x) = W_{32} W_{21} x$ with N = 100 inputs, 20 hidden units and M = 10 outputs, and
# trains it by full-batch gradient descent on P = 1,000 samples. This tutorial
#
# 1. runs the notebook's own gradient step and finds its **real step size**, η = 2·lr/P;
# 2. trains the same network through linnet and draws Saxe et al.'s theory curve over it;
# 3. computes the optimum the notebook was after, $W_\star = C_{31} C_{11}^{-1}$, and the modes
#    on MNIST, and watches the network learn them one by one.
#
# Everything runs on the embedded 5,000-digit MNIST sample in a few seconds.

# %%
import matplotlib.pyplot as plt
import numpy as np

from linnet import Statistics, conventions, metrics, network, notebook, setups, theory, train

P, N, H, M = 1000, 100, 20, 10

# %% [markdown]
# ## 1. The notebook's step, and what it really is
#
# The notebook's loss is the mean over samples of the squared error, with no ½:
# $\mathcal L_{nb} = \frac1P\sum_\mu \lVert y^\mu - g(x^\mu)\rVert^2$. Its hand-written gradient
# starts from $\partial\mathcal L_{nb}/\partial g = -2E/P$ and then takes `np.mean` over the
# samples of per-sample outer products, which divides by P a second time. Here is its
# `grads()` in a few lines, on its task: whitened Gaussian inputs and targets from a random
# teacher $\bar W$ (`linnet.notebook.make_task` builds it as the notebook did).

# %%
spec = notebook.SeedNotebook()
X, Y, W_teacher = notebook.make_task(spec, rng=np.random.default_rng(0))


def notebook_grads(W21, W32):
    """The notebook's gradient code (In[16]): per-sample outer products averaged with np.mean."""
    g1, g2 = X, X @ W21.T
    dLdg3 = -2 * (Y - g2 @ W32.T) / P                      # gradient from loss to last layer
    dLdW32 = np.mean(dLdg3[:, :, None] * g2[:, None, :], axis=0)
    dLdg2 = dLdg3 @ W32
    dLdW21 = np.mean(dLdg2[:, :, None] * g1[:, None, :], axis=0)
    return dLdW21, dLdW32


rng = np.random.default_rng(1)
W21, W32 = rng.standard_normal((H, N)), rng.standard_normal((M, H))   # the notebook's init
nb21, nb32 = notebook_grads(W21, W32)
stats = Statistics.from_data(X, Y)
lin21, lin32 = network.gradients((W21, W32), stats)      # linnet's loss: 1/(2P) Σ ‖e‖²
print("notebook gradient / linnet gradient:", np.median(nb21 / lin21).round(6), np.median(nb32 / lin32).round(6))
print("2/P =", 2 / P)

# %% [markdown]
# The notebook's gradient is exactly 2/P times linnet's: 2 because its loss has no ½ (that
# factor is a correct derivative), 1/P from the second average (that one is a slip of its code).
# So the notebook's `W -= lr * grad` is linnet's gradient-descent step at
#
# $$\eta = \mathrm{lr} \cdot \frac{2}{P},$$
#
# and its step k sits at gradient-flow time $t = k\,\eta$. `linnet.conventions` keeps these
# constants for the usual conventions (the second tutorial uses another one):

# %%
for lr in (1, 10):
    print(f"notebook lr = {lr:>2}: linnet's η =", conventions.linnet_lr(lr, "seed_notebook", n_samples=P))
print(conventions.theory_time([1000, 10000], 10, "seed_notebook", n_samples=P))

# %% [markdown]
# The notebook's lr = 10 is η = 0.02: a small step, not a large one. Its instability comes
# from the standard-normal initial weights, whose product is far larger than the teacher, not
# from the step (`analysis/seed_notebook.py` runs it over 50 draws; about half diverge).
#
# ## 2. The same network through linnet, with the theory over it
#
# From small initial weights, a two-layer network learns each singular mode α of
# $\Sigma_{31}$ along a sigmoid with rate $2 s_\alpha$ (Saxe, McClelland & Ganguli 2014, eq. 12).
# We train the notebook's network at its step (lr = 10, η = 0.02) from weights of scale 10⁻³,
# once with the notebook's own gradient code and once with linnet (which needs only the
# statistics Σ11, Σ31: its cost per step does not depend on P).

# %%
eta = conventions.linnet_lr(10, "seed_notebook", n_samples=P)
steps = 100
w0 = network.init_gaussian((N, H, M), 1e-3, rng=np.random.default_rng(2))
W21, W32 = (w.copy() for w in w0)
for _ in range(steps):                                    # the notebook's loop (vectorised grads)
    E = Y - X @ W21.T @ W32.T
    d32 = -2 * (E.T @ (X @ W21.T)) / P / P
    d21 = -2 * (W32.T @ E.T @ X) / P / P
    W21, W32 = W21 - 10 * d21, W32 - 10 * d32

run = train.gradient_descent(w0, stats, lr=eta, steps=steps, record_steps=np.arange(steps + 1))
print("notebook loop and linnet agree to", f"{np.abs(W32 @ W21 - run.product[-1]).max():.1e}")

# %%
modes = stats.modes
u_sim = metrics.mode_strength_diagonal(run.product, modes)              # (T, 10)
u0 = theory.effective_initial_strength(w0, modes)
u_theory = theory.mode_strength(run.time[:, None], modes.s, u0)
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for a in range(4):
    ax.plot(run.time, u_sim[:, a] / modes.s[a], color=f"C{a}", label=f"mode {a + 1}, s = {modes.s[a]:.1f}")
    ax.plot(run.time, u_theory[:, a] / modes.s[a], "k--", linewidth=1)
ax.set(xlabel="t = step · η", ylabel="u_α(t) / s_α", title="notebook's network (solid), Saxe eq. 12 (dashed)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The curves sit on the theory, with time measured as t = step · η with η = 2·lr/P; what is
# left between them is the finite step (η·s₁ ≈ 0.26 here: gradient descent is the Euler step of
# the flow) and the competition of modes with nearly equal singular values. With the notebook's
# lr taken at face value as η (t = step · 10), the same curves would lie 500 times further right
# on that axis.
#
# ## 3. The optimum and the modes on MNIST
#
# The notebook's goal was the best linear map from pixels to labels, $W_\star = C_{31}C_{11}^{-1}$
# ($C_{31} = \Sigma_{31}$, $C_{11} = \Sigma_{11}$). linnet's MNIST setting whitens the first
# 1,000 training digits to 100 components (so $C_{11} = I$ and $W_\star = \Sigma_{31}$), with
# targets $2e_c - 1$.

# %%
task, mnist, columns = setups.whitened_mnist(n_train=1000)
W_star = mnist.optimum()                                  # C31 C11⁻¹, closed form (scipy.linalg)
print("data:", columns["dataset"], "| W* shape", W_star.shape,
      "| ‖W* − Σ31‖ =", f"{np.linalg.norm(W_star - mnist.sigma31):.1e}")
print("test accuracy of W*:", metrics.accuracy(W_star, task.X_test, task.labels_test).round(3))
print("singular values of Σ31:", mnist.modes.s.round(3))

# %% [markdown]
# Nine modes and a tenth that is zero by construction (targets ±1 on centred inputs: the
# all-ones output direction is never reached). Train the notebook's network on the labels from
# small weights at η = 0.02 and compare every mode with its sigmoid:

# %%
w0 = network.init_gaussian((N, H, M), 1e-3, rng=np.random.default_rng(3))
run = train.gradient_descent(w0, mnist, lr=0.02, steps=1500)
u_sim = metrics.mode_strength_diagonal(run.product, mnist.modes)
u_theory = theory.mode_strength(run.time[:, None], mnist.modes.s, theory.effective_initial_strength(w0, mnist.modes))
fig, (ax, bx) = plt.subplots(1, 2, figsize=(9, 3.6))
for a in range(9):
    ax.plot(run.time, u_sim[:, a], color=f"C{a}")
    ax.plot(run.time, u_theory[:, a], "k--", linewidth=0.8)
ax.set(xscale="log", xlim=(1, None), xlabel="t = step · η", ylabel="u_α(t)", title="nine MNIST modes")
bx.plot(run.time, run.loss, label="network")
bx.axhline(mnist.min_loss(), color="k", linestyle="--", label="L(W*)")
bx.set(xscale="log", xlim=(1, None), xlabel="t", ylabel="loss", title="loss → L(W*)")
bx.legend()
plt.tight_layout()
plt.show()
print("final distance to the optimum ‖W* − W32 W21‖ =",
      f"{metrics.distance_to_optimum(run.product[-1], mnist):.2e}",
      "| loss − L(W*) =", f"{run.loss[-1] - mnist.min_loss():.1e}")

# %% [markdown]
# The modes with close singular values compete for the hidden units, so the later ones
# arrive a few per cent after their sigmoids ([Competition](../theory.md#competition)). The
# [gallery](../_generated/gallery.md)'s `mnist_modes`, `mnist_singular_vectors` and
# `mnist_seed_notebook` figures show the same analysis at full size, and
# `analysis/seed_notebook_replay.py` replays the notebook's printed numbers one by one.
