# %% [markdown]
# # 7. The threshold model: $2^{N_h}$ fixed points
#
# Shafiei Kafraj, Krotov & Latham (ICLR 2026) use a thresholded step $\Theta(h - \theta)$ in the hidden layer. The
# published dynamics scale the two directions differently. The workbench finds the rescaling that makes the model
# an energy model, and integrating out the visible layer gives the hidden map $s \leftarrow \Theta(Js - \theta)$.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import theory
from numerics import census, spectra
from numerics.plots import phase_diagram

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": N_h = 40, more draws
m = theory.builtin("threshold")
for note in m.notes:
    print(note)
red = m.integrate_out("v")
display(Math(r"\tau_h \dot h = " + sp.latex(red.model.dynamics["h"])))

# %% [markdown]
# ## Two notions of capacity
# * **All states**: every one of the $2^{N_h}$ codes is a fixed point. There is an exact $O(N_h^2)$ test, and it needs $N_v \gtrsim N_h^2$.
# * **Typical states**: a random code is a fixed point. This needs only $N_v \gg N_h$.

# %%
rng = np.random.default_rng(0)
nh, draws = (16, 20) if SCALE == "quick" else (40, 50)
ratios = [0.5, 1, 2, 4, 8]
p_all, typical = [], []
for r in ratios:
    nv = int(r * nh * nh)
    a, t = 0, []
    for _ in range(draws):
        xi = rng.standard_normal((nh, nv))
        J = spectra.coupling(xi)
        a += census.all_states_fixed(J, 0.5)["all"]
        t.append(census.fraction_fixed(J, 0.5, 500, rng)["fraction"])
    p_all.append(a / draws)
    typical.append(float(np.mean(t)))
fig = phase_diagram(ratios, {"all 2^N_h states fixed": p_all, "typical state fixed": typical}, "N_v / N_h^2")
plt.show()

# %% [markdown]
# ## Check: the exact criterion agrees with brute-force enumeration

# %%
xi = rng.standard_normal((12, 400))
J = spectra.coupling(xi)
assert census.all_states_fixed(J, 0.5)["all"] == (census.enumerate_fixed(J, 0.5)["count"] == 2**12)
assert typical[-1] > 0.99 and p_all[0] < 0.1
print("P_all:", p_all, "typical:", typical)

# %% [markdown]
# ## Exercises
# 1. Which threshold θ maximises the fraction of random codes that are fixed?
# 2. How does the hidden flip rate under visible noise compare with $Q\big(\tfrac12 / \sqrt{N_h\sigma_v^2/N_v + (N_h+1)/N_v}\big)$?

# %% answer
S = (rng.random((2000, 12)) < 0.5).astype(float)
for th in (0.3, 0.4, 0.5, 0.6, 0.7):
    print(th, census.is_fixed(J, S, th).mean())
print(census.basin_flip_rate(rng.standard_normal((20, 2000)), 0.5, 5.0, 2000, seed=1))
