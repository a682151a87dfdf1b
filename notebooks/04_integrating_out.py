# %% [markdown]
# # 4. Integrating out the memory neurons: Models A, B and C
#
# When the memory layer is fast ($\tau_h \to 0$) it relaxes to $h^* = \xi g$, and its Legendre term cancels the
# coupling: $E_{\mathrm{eff}} = E_{\mathrm{rest}} - L_h(\xi g)$. One generic function does this for every model.

# %%
import os

import numpy as np
import sympy as sp
from IPython.display import Math, display

import numerics as nm
import theory

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": 3000 memories
K_MEM = 30 if SCALE == "quick" else 3000

# %% [markdown]
# ## Three models, one rule

# %%
for name in ("model_a", "model_b", "model_c"):
    red = theory.builtin(name).integrate_out("h")
    display(Math(name.replace("_", r"\_") + r":\ E_{\mathrm{eff}} = " + sp.latex(red.energy)))
    display(Math(r"\qquad \tau_v\dot v = " + sp.latex(red.model.dynamics["v"])))

# %% [markdown]
# ## Zero modes carry physics
# The softmax Hessian $\beta(\mathrm{diag}(s) - ss^\top)$ annihilates the ones vector: shifting all memory
# inputs changes nothing. The spherical Lagrangian $\lVert v\rVert$ has zero mode $v$: Model C's energy depends
# only on the direction of $v$, so the decay term $-\alpha v$ can be chosen freely.

# %%
for name, layer in (("model_b", "h"), ("model_c", "v")):
    c = theory.builtin(name).certificates[layer]
    print(name, layer, c.status, [str(z) for z in c.zero_modes])

# %% [markdown]
# ## Picture: Model C's energy along the ray c·v is flat (the zero mode), Model B's is not

# %%
import matplotlib.pyplot as plt

rng0 = np.random.default_rng(1)
xi0, v0 = rng0.standard_normal((K_MEM, 8)), rng0.standard_normal(8)
kc0 = nm.compile(theory.builtin("model_c").integrate_out("h"))
kb0 = nm.compile(theory.builtin("model_b").integrate_out("h"))
cs = np.linspace(0.2, 3, 30)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(cs, [kc0.energy(v=c * v0, xi=xi0) for c in cs], label="Model C (spherical)")
ax.plot(cs, [kb0.energy(v=c * v0, I=np.zeros(8), xi=xi0) for c in cs], label="Model B")
ax.set_xlabel("scale c of the visible state c v")
ax.set_ylabel("effective energy")
ax.legend()
plt.show()

# %% [markdown]
# ## Check: Model C's effective energy is scale invariant, and Model B's Euler step is attention

# %%
rng = np.random.default_rng(0)
kc = nm.compile(theory.builtin("model_c").integrate_out("h"))
xi, v = rng.standard_normal((30, 8)), rng.standard_normal((4, 8))
assert np.allclose(kc.energy(v=v, xi=xi), kc.energy(v=7.0 * v, xi=xi), rtol=1e-12)
kb = nm.compile(theory.builtin("model_b").integrate_out("h"))
step = kb.step(1.0, v=v, I=np.zeros(8), xi=xi, tau_v=1.0)["v"]
from theory.literature.ram2021 import attention_update  # Ramsauer's update written from the paper, not derived

mb = theory.builtin("model_b")
att = nm.compile(attention_update(mb.layer("v").state, mb.weights[0], sp.Symbol("beta", positive=True)))(v=v, xi=xi, beta=1.0)
assert np.abs(step - att).max() < 1e-12
print("scale invariance and attention step verified")

# %% [markdown]
# ## Exercises
# 1. Integrate out the *feature* layer of Model B instead. What energy on the hidden neurons do you get?
# 2. Why does integrating out need the synapse energies to be linear in the activation of the layer you remove?

# %% [markdown] answer
# **1.** $E(h) = h^\top f - \mathrm{lse}(h) - \tfrac12\lVert\xi^\top f + I\rVert^2$ with $f = \mathrm{softmax}(h)$:

# %% answer
display(Math(sp.latex(theory.builtin("model_b").integrate_out("v").energy)))

# %% [markdown] answer
# **2.** Only then is the fast fixed point $x^* = -\partial E_{syn}/\partial g$ independent of $g$ itself. The workbench
# checks this and raises a clear error otherwise.
