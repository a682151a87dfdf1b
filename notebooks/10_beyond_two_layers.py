# %% [markdown]
# # 10. Beyond two layers: hierarchies, the Energy Transformer and diffusion
#
# Every tool of the workbench applies to deeper models. Here we look at a HAMUX-style three-layer model, the Energy
# Transformer energy (attention as an energy), and the diffusion/associative-memory correspondence on a circle.

# %%
import os

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import sympy as sp
from IPython.display import Math, display

import numerics as nm
import theory
from numerics.integrate import simulate
from theory import diffusion as df
from theory.literature import tut2025 as lit

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": wider layers
W1, W0, W2 = (6, 12, 4) if SCALE == "quick" else (64, 256, 32)
m = theory.builtin("hamux3")
display(m)
print(m.lyapunov.reason)

# %%
rng = np.random.default_rng(0)
k = nm.compile(m)
args = {"W1": rng.standard_normal((W1, W0)) / np.sqrt(W0), "W2": rng.standard_normal((W2, W1)) / np.sqrt(W1)}
tr = simulate(k, {"v": rng.standard_normal((3, W0)), "h1": rng.standard_normal((3, W1)), "h2": rng.standard_normal((3, W2))}, args, 20.0, method="adaptive")
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(tr.t, tr.energy)
ax.set_xlabel("time t")
ax.set_ylabel("energy E")
plt.show()

# %% [markdown]
# ## Energy Transformer attention energy
# $E^{ATT} = -\beta^{-1}\sum_h\sum_C\log\sum_{B\ne C}\exp(\beta\,(W^K_h g_B)\cdot(W^Q_h g_C))$. Its gradient with
# respect to a token, derived by the workbench, is the attention update.

# %%
from theory.energies import et_attention_energy
from theory.vector import Vector, Weight, size_symbol

D, Y = size_symbol("D"), size_symbol("Y")
toks = [Vector(f"g{b}", D) for b in range(3)]
E = et_attention_energy(toks, [Weight("WK", Y, D)], [Weight("WQ", Y, D)], sp.Symbol("beta", positive=True))
display(Math(r"E^{ATT} = " + sp.latex(E)))

# %% [markdown]
# ## Diffusion as memory: a continuum of memories on the unit circle
# $E(R) = R^2 + 1 - \beta^{-1}\log I_0(2\beta R) \to (R-1)^2$ as $\beta$ grows.

# %%
f = sp.lambdify((df.R, df.beta), lit.circle_energy_closed(), "mpmath")
R = np.linspace(0, 2, 81)
fig, ax = plt.subplots(figsize=(5, 3.2))
for b in (1, 5, 50):
    ax.plot(R, [float(f(r, b)) for r in R], label=f"beta = {b}")
ax.plot(R, (R - 1) ** 2, "k--", label="(R - 1)^2")
ax.set_xlabel("radius R = |x|")
ax.set_ylabel("energy E(R)")
ax.legend()
plt.show()

# %% [markdown]
# ## Check

# %%
assert tr.max_energy_increase <= 1e-10 and m.lyapunov.established
assert abs(float(f(1.3, 1000)) - 0.09) < 0.01

# %% [markdown]
# ## Exercises
# 1. Add a fourth layer to the hierarchical model (as a TOML spec), and check its certificates and energy rate.
# 2. Show numerically that the angular integral equals the Bessel closed form at β = 10, R = 0.7.

# %% answer
integ = df.circle_energy_integral()
body = integ.atoms(sp.Integral).pop().function
g = sp.lambdify((df.phi, df.R, df.beta), body, "mpmath")
val = -mpmath.log(mpmath.quad(lambda t: g(t, 0.7, 10), [0, mpmath.pi, 2 * mpmath.pi]) / (2 * mpmath.pi)) / 10
print(val, f(0.7, 10))
