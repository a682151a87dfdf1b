# %% [markdown]
# # 3. The Lagrangian framework (Krotov & Hopfield 2021)
#
# Each layer has a Lagrangian $L(x)$, activation $g = \nabla L$ and Legendre energy $x^\top g - L$. Synapses are
# scalar energies of the activations. The dynamics $\tau\dot x = -\partial E/\partial g$ give
# $\dot E = -\sum_l \tau_l \dot x_l^\top \mathrm{Hess}(L_l)\,\dot x_l$, which is $\le 0$ when every Hessian is PSD.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import numerics as nm
import theory
from numerics.integrate import simulate

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": larger layers
NV, NH = (10, 30) if SCALE == "quick" else (100, 1000)
model = theory.builtin("model_b")

# %% [markdown]
# ## Layers, energy, dynamics and the energy rate, derived

# %%
for lay in model.layers:
    display(Math(rf"L_{{{lay.name}}} = {sp.latex(lay.L)},\quad {sp.latex(lay.g)} = {sp.latex(lay.activation_expr)}"))
display(model)
display(Math(r"\dot E = " + sp.latex(model.dissipation)))

# %% [markdown]
# ## Certificates: three-valued PSD proofs of each Hessian

# %%
for name, c in model.certificates.items():
    print(name, c.status, "|", c.method, "| zero modes:", [str(z) for z in c.zero_modes])
print(model.lyapunov.reason)

# %% [markdown]
# ## Simulation: the energy decreases

# %%
rng = np.random.default_rng(0)
k = nm.compile(model)
xi = rng.standard_normal((NH, NV)) / np.sqrt(NV)
tr = simulate(k, {"v": rng.standard_normal((3, NV)), "h": rng.standard_normal((3, NH))}, {"xi": xi, "I": np.zeros(NV)}, 20.0, method="adaptive")
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(tr.t, tr.energy)
ax.set_xlabel("time t")
ax.set_ylabel("energy E")
plt.show()

# %% [markdown]
# ## Check: the chain-rule rate equals the Hessian form, and E never rises

# %%
rc = model.check_energy_rate()
assert rc.holds, rc.detail
assert tr.max_energy_increase <= 1e-10
print(rc.detail, "| largest relative increase:", tr.max_energy_increase)

# %% [markdown]
# ## Exercises
# 1. Replace the visible Lagrangian by $\sum\cos(x_i)$. What does the certificate say?
# 2. Show that the Hessian of the layer-norm Lagrangian has the ones vector as a zero mode.

# %% [markdown] answer
# **1.** The certificate is refuted with an exact counterexample, and the Lyapunov claim is reported as not established:

# %% answer
from theory import lagrangians as lg

v = theory.Layer("v", "N_v", lg.additive(sp.cos(lg.T)), activation="g")
print(v.certificate.status, v.certificate.counterexample)
print(theory.certify(lg.layernorm().expr, lg.X).zero_modes)
