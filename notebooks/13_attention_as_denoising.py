# %% [markdown]
# # 13. Attention as one denoising step
#
# Smart, Bietti & Sengupta (ICML 2025): a prompt holds $L$ clean tokens drawn from a distribution that changes from
# prompt to prompt, and one noisy query $\tilde x = x + z$. The context-aware energy
# $E(s) = \lVert s\rVert^2/(2\alpha) - \beta^{-1}\log\sum_t e^{\beta x_t\cdot s}$ has the tokens as its memories and the
# query as its initial state. One gradient step on it is one attention layer, and at $\alpha = 1$, $\beta = 1/\sigma^2$
# it is Tweedie's posterior mean under the context's empirical prior. Everything below is derived by the workbench
# (`theory.denoising`) and measured on seeded prompts (`numerics.denoising`).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import theory
from numerics import denoising as nd
from theory import denoising as td

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": more prompts and longer contexts
PROMPTS, LS = (600, [8, 32, 128]) if SCALE == "quick" else (8000, [8, 32, 128, 512, 2048])
model = theory.builtin("context_denoising")
display(Math(r"E(s) = " + sp.latex(model.energy)))
step = td.one_step(model)
display(Math(r"s - \alpha\nabla E(s) = " + sp.latex(step)))

# %% [markdown]
# ## Tweedie's formula is the same step
# The posterior mean under the empirical prior $\hat p_\sigma = L^{-1}\sum_t \mathcal N(x_t, \sigma^2 I)$ is derived from
# the log-density's gradient. Up to terms that are the same for every token (softmax ignores them), it is attention
# with a per-token bias $-\lVert x_t\rVert^2/(2\sigma^2)$. For tokens of equal norm the bias drops out.

# %%
n, L = sp.Symbol("n", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
q, X = theory.vector.Vector("q", n), theory.vector.Weight("X", L, n)
display(Math(r"\hat x_{\mathrm{Tweedie}} = " + sp.latex(td.drop_row_constants(td.tweedie_empirical(q, X)))))

# %% [markdown]
# ## The Bayes estimators, derived
# The linear task's shrinkage and its finite-context optimum for linear attention; the sphere's von Mises--Fisher mean.

# %%
lt = td.linear_task()
display(Math(r"\gamma^*(L) = " + sp.latex(lt["gamma_opt"]) + r",\quad \text{excess} = " + sp.latex(lt["excess"])))
display(Math(r"A_m(\kappa) = " + sp.latex(td.sphere_mean_ratio())))

# %% [markdown]
# ## Risk against context length on the sphere
# One step (α = 1, β = 1/σ²) against the Bayes estimator, the nearest context token, and the energy's iteration run
# to a local minimum.

# %%
curves = {"Bayes": [], "one step": [], "nearest token": [], "converged": []}
for Lc in LS:
    p = nd.sphere_prompts(PROMPTS, 16, 2, Lc, 1.0, 0.4, seed=Lc)
    for name, est in (("Bayes", nd.bayes(p)), ("one step", nd.one_step(p)), ("nearest token", nd.nearest_token(p))):
        curves[name].append(nd.risk(est, p)["risk"])
    curves["converged"].append(nd.risk(nd.converged(p, tol=1e-6), p)["risk"] if Lc <= 128 else np.nan)
fig, ax = plt.subplots(figsize=(5.5, 3.6))
for name, ys in curves.items():
    ax.plot(LS, ys, "o-", label=name)
ax.set_xscale("log")
ax.set_xlabel("context length L")
ax.set_ylabel("risk")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Training recovers the derived step
# A scalar softmax layer ($W_{KQ} = \beta I$, $W_{PV} = \alpha I$) trained with the derived gradients.

# %%
fit = nd.train_attention(lambda s: nd.sphere_prompts(256, 16, 2, 128, 1.0, 0.4, seed=s), steps=600, lr=0.5,
                         lr_final=0.02, init=(0.5, 1.0), seed=0)
print(f"learned alpha = {fit.alpha:.3f}, beta = {fit.beta:.3f}; the derived step has alpha = 1, beta = 1/sigma^2 = {1 / 0.4**2:.3f}")
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(fit.history, lw=0.7)
ax.set_xlabel("Adam step")
ax.set_ylabel("minibatch loss")
plt.show()

# %% [markdown]
# ## Check

# %%
excess = [o - b for o, b in zip(curves["one step"], curves["Bayes"], strict=True)]
assert 0 < excess[-1] < 0.2 * excess[0]  # the one step approaches Bayes as the context grows
assert all(o < m for o, m in zip(curves["one step"], curves["nearest token"], strict=True))
assert abs(fit.alpha - 1) < 0.05 and abs(fit.beta * 0.4**2 - 1) < 0.15
