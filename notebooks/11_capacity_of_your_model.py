# %% [markdown]
# # 11. The capacity of your model
#
# Write a memory function $F$ as a string, and the workbench derives how many random $\pm1$ patterns the memory
# $E(\sigma) = -\sum_\mu F(\xi_\mu\cdot\sigma)$ stores, and how that grows with $N$ -- the signal-to-noise argument
# of Krotov & Hopfield (2016, Sec. 2), done symbolically for *your* $F$. Then one call checks it by simulation.

# %%
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import sympy as sp
from IPython.display import Math, display

import theory
from numerics import capacity
from theory import moments

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")
spec = '''
name = "my_memory"
[[layers]]
name = "v"
size = "N_v"
lagrangian = "absolute"
activation = "sigma"
[[layers]]
name = "h"
size = "N_h"
lagrangian = { expr = "x**3/3 + x**5/50" }
activation = "f"
[[synapses]]
kind = "dense"
post = "h"
pre = "v"
weight = "xi"
'''
path = Path(tempfile.mkdtemp()) / "my_memory.toml"
path.write_text(spec)
model = theory.load(path)
law = theory.capacity_law(model)  # the memory layer h is integrated out: E = -sum_mu F(xi_mu . sigma)
display(law)

# %% [markdown]
# ## What was derived
# Flipping bit $i$ of a stored pattern changes the energy by a *signal* from that pattern and a *crosstalk* from the
# $K-1$ others. For a polynomial $F$ the crosstalk variance is an exact polynomial in $N$: the moments of a sum of
# $N-1$ random signs come from the cumulants of $\log\cosh$, never from a sum over $N$ terms.

# %%
display(Math(r"\mathrm{signal} = " + sp.latex(sp.expand(law.signal))))
display(Math(r"\mathrm{Var} = " + sp.latex(sp.factor(law.noise_variance))))
display(Math(r"K_{max} \sim " + sp.latex(law.k_max_asymptotic)))
print("scaling:", law.scaling.kind, law.scaling.exponent, "|", law.approximation)
m = sp.Symbol("m")
display(Math(r"\mathbb{E}[S^8] = " + sp.latex(moments.rademacher_moment(m, 8)) + r"\quad (S = \text{sum of } m \text{ signs})"))

# %% [markdown]
# ## Check it by simulation
# `capacity.check` measures, for each $N$ and seed, the largest $K$ at which a stored pattern has on average at
# most one unstable bit ($N P_{error} = 1$), in one pass over the patterns.

# %%
Ns = [16, 32, 64] if SCALE == "quick" else [32, 64, 128]
chk = capacity.check(law, Ns, seeds=5, progress=False)
for p in chk.points:
    print(f"N={p.N:4d}  predicted {p.K_pred:10.1f}  measured {p.K_sim:8.0f}  [{p.K_sim_low:.0f}, {p.K_sim_high:.0f}]  ratio {p.ratio:.2f}")
chk.figure()
plt.show()

# %% [markdown]
# ## Where the Gaussian argument breaks: exponential $F$
# For $F = e^x$ the crosstalk is dominated by rare patterns that nearly coincide with the stored one. The law says so
# and gives the large-deviation exponent, from the Legendre transform of $\log\cosh$ (Cramér).

# %%
exp_law = theory.capacity_law(theory.builtin("dam_exp"))
ld = exp_law.large_deviation
print("Gaussian exponent:", exp_law.scaling.exponent, "=", float(exp_law.scaling.exponent))
display(Math(r"I(x) = " + sp.latex(ld.rate)))
print("all patterns stable for alpha <", ld.value("all"), "=", float(ld.value("all")), "(Demircigil et al.: ln 2 / 2)")

# %% [markdown]
# ## Check

# %%
assert chk.within(2.0), [p.ratio for p in chk.points]
assert law.scaling.exponent == 4
assert sp.simplify(ld.value("all") - sp.log(2) / 2) == 0

# %% [markdown]
# ## Exercises
# 1. Replace $F$ by `log(cosh(x))`. How does the capacity grow with $N$, and why?
# 2. Which $F$ gives the classical Hopfield network, and what are its two capacities (one pattern, all patterns)?

# %% answer
lc = theory.capacity_law(theory.from_dict({
    "name": "logcosh",
    "layers": [{"name": "v", "size": "N_v", "lagrangian": "absolute", "activation": "sigma"},
               {"name": "h", "size": "N_h", "lagrangian": {"expr": "log(cosh(x))"}, "activation": "f"}],
    "synapses": [{"kind": "dense", "post": "h", "pre": "v", "weight": "xi"}],
}))
print("log cosh:", lc.scaling.kind, "exponent", lc.scaling.exponent, "-- F' = tanh is bounded, so the signal stays O(1)")
hop = theory.capacity_law(theory.builtin("classical_hopfield"))
print("F = x^2/2:", hop.k_max_asymptotic, "and", hop.k_max_all_asymptotic)
