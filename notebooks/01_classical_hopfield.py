# %% [markdown]
# # 1. The classical Hopfield network
#
# A Hopfield network stores ±1 patterns $\xi_\mu$ in Hebbian couplings and recalls them by descending an
# energy. In the workbench it is the two-layer **Model A** of Krotov & Hopfield (2021) with a quadratic
# memory Lagrangian: integrating out the memory layer gives the classical energy. Everything below is
# derived by `theory/` and simulated by `numerics/`; nothing is typed by hand.

# %%
import os

import matplotlib.pyplot as plt
from IPython.display import Math, display

import theory
from numerics import capacity, patterns, retrieval
from numerics.discrete import BinaryMemory

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # set to "paper" for N = 2000
N = 300 if SCALE == "quick" else 2000

# %% [markdown]
# ## The derivation
# The built-in `classical_hopfield` model has sign neurons $v$ (Lagrangian $\sum|v_i|$) and memory neurons
# $h$ (Lagrangian $\tfrac12\sum h_\mu^2$). Integrating out $h$ ($\tau_h \to 0$) gives the effective energy:

# %%
model = theory.builtin("classical_hopfield")
red = model.integrate_out("h")
display(Math(r"E = " + theory.vector.sp.latex(model.energy_display)))
display(Math(r"h^* = " + theory.vector.sp.latex(red.fixed_point)))
display(Math(r"E_{\mathrm{eff}} = " + theory.vector.sp.latex(red.energy)))

# %% [markdown]
# That is $E = -\tfrac12\sum_\mu(\xi_\mu\cdot\sigma)^2$, the Hebbian energy (with self-coupling).

# %% [markdown]
# ## Retrieval as a function of the load α = K/N
# Start at a stored pattern and run zero-temperature asynchronous dynamics with the exact energy-difference
# rule (for $F = x^2/2$ this is the zero-diagonal Hebbian rule).

# %%
alphas = [0.05, 0.1, 0.12, 0.14, 0.16, 0.18, 0.22]
overlaps = []
for a in alphas:
    X = patterns.binary(int(a * N), N, seed=1)
    out, _ = BinaryMemory(model, X).run(X[:3], seed=2, max_sweeps=30)
    overlaps.append(float(retrieval.overlap(out, X[:3]).mean()))
alpha_c, m_c = capacity.ags_critical_load()
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(alphas, overlaps, "o-", label=f"simulation, N={N}")
ax.axvline(alpha_c, ls="--", color="k", label=f"AGS alpha_c = {alpha_c:.3f}")
ax.set_xlabel("load alpha = K/N")
ax.set_ylabel("final overlap m")
ax.legend()
plt.show()

# %% [markdown]
# ## Check
# The AGS critical load is computed from the zero-temperature retrieval equation in `theory.capacity`.

# %%
assert abs(alpha_c - 0.138) < 5e-4 and abs(m_c - 0.967) < 5e-4
assert overlaps[0] > 0.99 and overlaps[-1] < 0.9
print(f"alpha_c = {alpha_c:.4f}, m_c = {m_c:.4f}; retrieval collapses between alpha = 0.14 and 0.22 at N = {N}")

# %% [markdown]
# ## Exercises
# 1. Use the induced-field rule (`rule="induced_field"`) instead. Where does retrieval collapse now, and why
#    (hint: self-coupling)?
# 2. How many patterns are *all* exactly stable at N = 200? Compare with McEliece's N/(4 ln N).

# %% [markdown] answer
# **1.** The induced field includes the self-coupling $K\sigma_i$, which stabilises every state a little. The
# apparent collapse moves to a somewhat larger load, but spurious states are also stabilised.
#
# **2.** A binary search over K, for example:

# %% answer
law = theory.capacity_law(model)  # derived from the model: N/(4 ln N) is its all-patterns leading order


def all_stable(K, seed):
    X = patterns.binary(K, 200, seed=seed * 1000 + K)
    return BinaryMemory(model, X).all_fixed(X)

res = capacity.capacity(all_stable, seeds=[0, 1, 2], k_lo=1, k_hi=80)
print(res.mean, "vs", law.k_max_all_asymptotic, "=", capacity.theory_value(law.k_max_all_asymptotic, N=200))
