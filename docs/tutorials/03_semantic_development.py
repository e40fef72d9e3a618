# %% [markdown]
# # Semantic development in a deep linear network
#
# Saxe, McClelland & Ganguli (PNAS 2019) explain several regularities of how children acquire
# semantic knowledge with a linear network of one hidden layer: broad distinctions are learned
# before fine ones, in stages; between stages the network makes systematic errors ("illusions");
# and its hidden representations differentiate progressively. This tutorial reproduces each of
# these on their four-item toy world with `linnet`, simulation beside theory.
#
# The items are presented as one-hot inputs, scaled so that the input covariance is the identity
# (`X = √P I`, P = 4 items): every formula of `linnet.theory` then applies exactly.

# %%
import numpy as np

from linnet import data, metrics, network, theory, train

toy = data.pnas_toy()
stats = toy.stats()
modes = stats.modes
print("items:     ", toy.items)
print("properties:", toy.properties)
print(toy.Y.astype(int))

# %% [markdown]
# ## The modes of the data
#
# The singular value decomposition of the input-output correlation Σ31 splits the data into modes:
# each has an *object analyzer* v_α (a function over items), a *feature synthesizer* u_α (a pattern
# over properties) and a strength s_α. The raw {0, 1} matrix has singular values √7, √3, 1, 1;
# linnet's Σ31 = Yᵀ/√P has them divided by √P = 2.

# %%
print("raw singular values:", np.linalg.svd(toy.Y, compute_uv=False).round(4))
print("linnet's s:         ", modes.s.round(4))
print("object analyzers (rows: modes, columns: items):")
print((modes.V.T * np.sign(modes.V.T.sum(axis=1, keepdims=True) + 1e-9)).round(2))

# %% [markdown]
# Mode 1 is shared by all items (every item grows), mode 2 separates animals from plants, modes 3
# and 4 the two members of each class.
#
# ## Stages in a deep network, one timescale in a shallow one
#
# From small random weights a network with one hidden layer learns each mode along a sigmoid
# (Saxe et al. 2014, eq. 12) at a time ≈ ln(s/u0)/2s: strong modes first. A network without a
# hidden layer relaxes every mode at the same rate, s(1 − e^{−t}). We train both with gradient
# descent (time t = step · η) and compare with the theory from each draw's effective initial
# strength.

# %%
lr, steps = 0.05, 400
rng = np.random.default_rng(0)
deep_w = network.init_gaussian((4, 16, 7), 0.01, rng=rng)
shallow_w = network.init_gaussian((4, 7), 0.01, rng=rng)
record = np.arange(0, steps + 1, 4)
deep = train.gradient_descent(deep_w, stats, lr, steps, record_steps=record)
shallow = train.gradient_descent(shallow_w, stats, lr, steps, record_steps=record)
t = record * lr

u0 = theory.effective_initial_strength(deep_w, modes, competition=True)
a0 = metrics.mode_strength_diagonal(network.end_to_end(shallow_w), modes)
deep_theory = theory.mode_strength(t[:, None], modes.s, u0)
shallow_theory = theory.shallow_mode_strength(t, modes.s, a0)
deep_sim = metrics.mode_strength_diagonal(deep.product, modes)
shallow_sim = metrics.mode_strength_diagonal(shallow.product, modes)


def half_time(u, s):
    """First recorded time at which each mode reaches half its strength."""
    return t[np.argmax(u >= s / 2, axis=0)]


print("deep    t½ simulated:", half_time(deep_sim, modes.s), " theory:", half_time(deep_theory, modes.s))
print("shallow t½ simulated:", half_time(shallow_sim, modes.s), " theory:", half_time(shallow_theory, modes.s))

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, sim, theo, title in ((axes[0], deep_sim, deep_theory, "one hidden layer"),
                             (axes[1], shallow_sim, shallow_theory, "no hidden layer")):
    for a in range(4):
        ax.plot(t, sim[:, a], color=f"C{a}", label=f"mode {a + 1}")
        ax.plot(t, theo[:, a], color="black", linestyle="--", linewidth=0.8)
    ax.set(title=title, xlabel="t")
axes[0].set_ylabel("mode strength")
axes[0].legend()
fig

# %% [markdown]
# ## Illusions between stages
#
# The network's prediction for item i is ŷ_i(t) = Σ_α a_α(t) u_α v_αᵀ x_i. Once animals are told
# from plants (mode 2) but before birds are told from fish (modes 3–4), every animal is predicted
# to have half of the animals' properties: the salmon "flies". `theory.transient_errors` finds
# every such excursion with its size and time; the simulation shows the same.

# %%
predicted = theory.predicted_outputs(deep_theory, modes, toy.X)  # (T, items, properties)
simulated = toy.X @ np.swapaxes(deep.product, -1, -2)
size_theory, when_theory = theory.transient_errors(t, predicted, toy.Y)
size_sim, when_sim = theory.transient_errors(t, simulated, toy.Y)
for i, m in sorted(zip(*np.nonzero(size_theory > 0.3)), key=lambda im: -size_theory[im]):
    print(f"{toy.items[i]:>7} '{toy.properties[m]}': theory {size_theory[i, m]:.2f} at t = {when_theory[i, m]:.1f},"
          f" simulation {size_sim[i, m]:.2f} at t = {when_sim[i, m]:.1f}")

# %% [markdown]
# ## Progressive differentiation of the hidden representations
#
# With balanced layers the hidden representations' similarity is h_iᵀh_j = Σ_α a_α(t) (v_αᵀx_i)(v_αᵀx_j):
# first all items look alike (mode 1), then animals and plants separate, then the individuals.

# %%
K = theory.hidden_similarity(deep_theory, modes, toy.X)
for k in (np.argmax(t >= 3.0), np.argmax(t >= 5.0), len(t) - 1):
    print(f"t = {t[k]:4.1f}: canary~salmon {K[k, 0, 1] / K[k, 0, 0]:.2f}, canary~oak {K[k, 0, 2] / K[k, 0, 0]:.2f}")

# %% [markdown]
# The same functions work on any hierarchy: `data.deterministic_tree(B, D)` and
# `data.diffusion_tree(B, D, n_properties, flip, rng=...)` build trees whose spectra are known in
# closed form (`data.tree_modes`, `data.diffusion_spectrum`); `make figures` draws Saxe et al.'s
# Fig. 3 at the paper's size from them (figures/out/hierarchy_saxe2014.png).
