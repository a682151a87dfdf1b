# %% [markdown]
# # 6. Random matrices and decoupling
#
# In the threshold model the hidden neurons interact through $J = \xi\xi^\top/N_v$. For Gaussian $\xi$, its
# spectrum follows the Marchenko–Pastur law with $\lambda = N_h/N_v$, and $J \to I$ as $N_v/N_h$ grows.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

from numerics import spectra
from numerics.plots import spectrum
from theory.literature import mp1967 as th

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # "paper": N_h = 1000, N_v = 10000
display(Math(r"\rho(x) = " + sp.latex(th.density())))
display(Math(r"\lambda_\pm = " + sp.latex(th.edges())))

# %%
nh, nv = (400, 4000) if SCALE == "quick" else (1000, 10000)
J = spectra.coupling(np.random.default_rng(0).standard_normal((nh, nv)))
ev = np.linalg.eigvalsh(J)
fig = spectrum(ev, nh / nv)
plt.show()

# %% [markdown]
# ## Check: edges, Kolmogorov–Smirnov distance and entry statistics

# %%
lo, hi = spectra.mp_edges(nh / nv)
ks = spectra.ks_distance(ev, nh / nv)
st = spectra.entry_statistics(J, nv)
assert abs(ev.min() - lo) < 3 * nh ** (-2 / 3) and abs(ev.max() - hi) < 3 * nh ** (-2 / 3) and ks < 0.05
assert abs(st["Nv_var_off"] - 1) < 0.05
print(f"KS = {ks:.4f}, N_v var(off) = {st['Nv_var_off']:.3f}, N_v var(diag) = {st['Nv_var_diag']:.3f}")

# %% [markdown]
# ## Exercises
# 1. How does $\lVert J - I\rVert$ scale with $N_v$? Compare with $2\sqrt\lambda + \lambda$.
# 2. Why can the largest *row sum* of $|J - I|$ be more relevant than the operator norm for stability of all states?

# %% answer
for n in (1000, 10000, 100000):
    Jn = spectra.coupling(np.random.default_rng(1).standard_normal((100, n)))
    print(n, spectra.operator_deviation(Jn)["norm"], spectra.predicted_operator_deviation(100 / n))

# %% [markdown] answer
# **2.** A unit's stability against *every* configuration of the others is decided by the sum of the magnitudes of its
# couplings. That sum is about $(N_h - 1)\sqrt{2/\pi}/\sqrt{N_v}$, larger than the operator norm by about $\sqrt{N_h}$.
