# %% [markdown]
# # 5. Modern Hopfield networks are attention
#
# Ramsauer et al. (2021): $E = \tfrac12 x^\top x - \mathrm{lse}(\beta, \Xi x)$, and one step
# $x \leftarrow \Xi^\top\mathrm{softmax}(\beta\,\Xi x)$ is transformer attention. Here it is the Euler step with
# $dt = \tau$ of the effective dynamics that the workbench derives.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import numerics as nm
import theory
from numerics import patterns
from theory.literature import ram2021 as lit

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": 2000 patterns in d = 128
NPAT, DIM = (100, 32) if SCALE == "quick" else (2000, 128)
red = theory.builtin("ramsauer").integrate_out("h")
k = nm.compile(red)
display(Math(r"E = " + sp.latex(red.energy)))
print(k.source("update"))

# %% [markdown]
# ## One-step retrieval, and β
# Noisy queries near stored patterns snap back in one step when β is large. At small β every query goes to the
# global average (a metastable state).

# %%
rng = np.random.default_rng(0)
X = patterns.sphere(NPAT, DIM, rng, radius=np.sqrt(DIM))
q = X[:20] + 0.5 * rng.standard_normal((20, DIM))
betas = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
err = [float(np.linalg.norm(k.update(v=q, xi=X, beta=b)["v"] - X[:20], axis=1).mean()) for b in betas]
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.semilogx(betas, err, "o-")
ax.set_xlabel("inverse temperature beta")
ax.set_ylabel("mean distance to the stored pattern after one step")
plt.show()

# %% [markdown]
# ## Theorem 3 constants
# $c = b / W_0(\exp(a + \ln b))$, evaluated from the symbolic theorem:

# %%
f = lit.theorem3()
beta, K, d, p = sp.symbols("beta K d p", positive=True)
c1 = sp.N(f["c"].subs({beta: 1, K: 3, d: 20, p: sp.Rational(1, 1000)}))
c2 = sp.N(f["c"].subs({beta: 1, K: 1, d: 75, p: sp.Rational(1, 1000)}))
print(c1, c2)

# %% [markdown]
# ## Check

# %%
assert err[-1] < 1e-6 and err[0] > 1.0
assert abs(c1 - 3.1546) < 1e-4 and abs(c2 - 1.3718) < 1e-4

# %% [markdown]
# ## Exercises
# 1. Verify that the energy never increases along repeated updates.
# 2. At which β does the fixed point reached from a pattern stop being the global average? Use the entropy of the softmax.

# %% answer
x = q.copy()
E = [k.energy(v=x, xi=X, beta=0.3)]
for _ in range(10):
    x = k.update(v=x, xi=X, beta=0.3)["v"]
    E.append(k.energy(v=x, xi=X, beta=0.3))
print(np.diff(np.array(E), axis=0).max())
