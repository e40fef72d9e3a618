# %% [markdown]
# # When does the test error turn up? Generalisation dynamics on a noisy teacher
#
# A linear student trained by gradient descent on P noisy samples of a linear teacher first
# learns the teacher, then the noise: its training error falls for ever, its test error has a
# minimum and rises again (overtraining). Advani & Saxe's theory predicts both curves from the
# Marchenko–Pastur spectrum of the inputs, and says overtraining is worst when the number of
# samples P equals the number of inputs N (α = P/N = 1). This tutorial checks that on a
# simulation, finds the best stopping time, and looks at the peak at α = 1.
#
# Units (docs/theory.md#generalisation-dynamics): errors are mean squared errors without the ½
# of linnet's loss; the theory's time is linnet's t = step·η divided by α.

# %%
import numpy as np

from linnet.data import descent_errors, noisy_teacher
from linnet.theory import generalisation as gen

N, alpha, snr, lr = 200, 1.0, 4.0, 0.01
P = int(alpha * N)
sigma_w2, sigma_eps2 = gen.noise_split(snr)  # σ_w² + σ_ε² = 1
print(f"σ_w² = {float(sigma_w2):.2f}, σ_ε² = {float(sigma_eps2):.2f}")

# %% [markdown]
# ## Simulation: exact gradient descent on 8 teachers
#
# `noisy_teacher` draws P unit-variance Gaussian inputs, a teacher with entries of variance
# σ_w²/N and noise of variance σ_ε²; `descent_errors` runs gradient descent from w = 0 exactly
# (from the statistics, every recorded step at once) and returns the training error and the
# exact test error ‖w − w̄‖² + σ_ε².

# %%
steps = np.unique(np.round(np.logspace(0, 4, 40)).astype(int))
runs = [descent_errors(noisy_teacher(N, P, snr=snr, rng=np.random.default_rng(seed)), steps, lr=lr)
        for seed in range(8)]
E_train = np.mean([r[0][:, 0] for r in runs], axis=0)
E_test = np.mean([r[1][:, 0] for r in runs], axis=0)

# %% [markdown]
# ## Theory at the same times
#
# `shallow_errors` takes the theory's time t/α; with `lr` (η/α in theory units) it is exact
# for gradient descent, so only the finite size N = 200 separates it from the simulation.

# %%
t = steps * lr
th_train, th_test = gen.shallow_errors(t / alpha, alpha, snr, lr=lr / alpha)
for k in range(0, steps.size, 8):
    print(f"t = {t[k]:7.2f}   E_test sim {E_test[k]:.3f} theory {th_test[k]:.3f}   "
          f"E_train sim {E_train[k]:.3f} theory {th_train[k]:.3f}")

# %% [markdown]
# ## The best time to stop
#
# `shallow_early_stopping` finds the minimum of E_g(t) (in the theory's time); the simulated
# mean curve has its minimum nearby: the minimum is flat, so its position is only defined to
# within the curve's statistical error.

# %%
t_opt, E_opt = gen.shallow_early_stopping(alpha, snr, lr=lr / alpha)
k = int(np.argmin(E_test))
print(f"theory: stop at t = {float(t_opt) * alpha:.2f}, E_g = {float(E_opt):.3f}")
print(f"simulation mean: minimum at t = {t[k]:.2f}, E_g = {E_test[k]:.3f}")
print(f"simulation at the last step (t = {t[-1]:g}): E_g = {E_test[-1]:.3f}")

# %% [markdown]
# ## The overtraining peak
#
# After long training the test error is E_g(∞) = σ_ε² α/(α − 1) above α = 1 and
# (1 − α)(σ_w² + σ0²) + σ_ε²/(1 − α) below it: it diverges at α = 1, where the smallest
# eigenvalues of the input correlation approach 0. Early stopping keeps it finite.

# %%
alphas = np.array([0.25, 0.5, 0.9, 0.99, 1.01, 1.1, 2.0, 4.0])
E_inf = gen.shallow_limits(alphas, snr)[1]
_, E_stop = gen.shallow_early_stopping(alphas, snr)
for a, e, s in zip(alphas, E_inf, E_stop):
    print(f"α = {a:5.2f}   E_g(∞) = {e:8.3f}   E_g(t*) = {s:.3f}")

# %% [markdown]
# Below α = 1 part of the input space holds no sample (the frozen subspace): whatever the
# initial weights put there stays, so larger initial weights (σ0²) raise the limit:

# %%
for init_var in (0.0, 0.25, 1.0):
    print(f"α = 0.5, σ0² = {init_var}: E_g(∞) = {float(gen.shallow_limits(0.5, snr, init_var=init_var)[1]):.3f}")
