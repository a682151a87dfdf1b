# %% [markdown]
# # 12. Temperature and phase diagrams
#
# At zero temperature a memory is a fixed point. At temperature $T$ the state fluctuates, and the questions become
# statistical mechanics: at which $T$ (or coupling) does retrieval appear, is the onset continuous or abrupt, and how
# long does a memory survive the noise? With the energy written extensively, $E = -N F(m)$ for the overlap $m$ with the
# condensed pattern, the free energy per unit is
#
# $$ f(m) = -F(m) + T\, I(m), $$
#
# with $I$ the rate function of one unit's measure (spins: the Legendre transform of $\log\cosh$; phase oscillators:
# of $\log I_0$). `theory.MeanField` derives everything below from $F$ and that measure; nothing is typed in per model.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import theory
from numerics import OverlapChain, phase_grid
from theory import MeanField
from theory.mean_field import T, m

# %% [markdown]
# ## Curie–Weiss: the classical Hopfield network with one pattern
#
# The Landau series of $f$ has an $m^2$ coefficient that changes sign at $T_c = 1$: a continuous transition. The
# built-in model's own temperature is $N$ times this $T$ (its energy is $-\tfrac12\sum_\mu(\xi_\mu\cdot\sigma)^2$).

# %%
cw = MeanField.from_model(theory.builtin("classical_hopfield"))
display(Math(r"f(m) \approx " + " + ".join(f"\\left({sp.latex(c)}\\right) m^{{{k}}}" for k, c in cw.landau(6))))
print("critical:", cw.critical(), "| the model's temperature is", cw.temperature_scale, "x T")

# %% [markdown]
# Below $T_c$ the overlap grows as $(1 - T)^{1/2}$. Glauber dynamics at finite $N$ lumps exactly onto the number of
# aligned spins (`numerics.OverlapChain`), so its stationary $\langle|m|\rangle$ is computed without sampling error:

# %%
temps = np.linspace(0.5, 1.3, 17)
theory_m = [max(r["m"] for r in cw.stationary(T=t) if r["stable"]) for t in temps]
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(temps, theory_m, "k-", label="mean field, N -> infinity")
for N in (50, 500, 5000):
    ax.plot(temps, [OverlapChain(cw.F, N, t).mean_abs_overlap for t in temps], "o", ms=3, label=f"exact Glauber law, N = {N}")
ax.set(xlabel="temperature T", ylabel="<|m|>")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Dense memories: a first-order transition
#
# With $F = m^3/3$ there is no $m^2$ term: the disordered state stays locally stable at every $T$, and memories appear
# abruptly at a spinodal, becoming the global minimum at a lower coexistence temperature. Between them a memory is
# metastable, behind a barrier $\Delta F$; it escapes after a time $\tau \asymp e^{N\Delta F/T}$.

# %%
p3 = MeanField(m**3 / 3, "ising")
tr = p3.transitions(T)
print("order:", tr["order"], "| spinodal T =", round(tr["spinodal"][0]["value"], 4), "| coexistence T =", round(tr["coexistence"][0]["value"], 4))
b = p3.barrier(T=0.5)
Ns = np.arange(20, 61, 5)
taus = []
for N in Ns:
    ch = OverlapChain(p3.F, int(N), 0.5)
    taus.append(ch.first_passage(int(N), ch.m <= b["boundary"]["m"]))
slope = np.polyfit(Ns, np.log(taus), 1)[0]
print(f"log tau grows by {slope:.4f} per unit of N; the derived Delta F / T is {b['escape_slope']:.4f}")

# %% [markdown]
# ## Phase oscillators with quartic coupling
#
# For phases $\theta_i$ and $E = -N[K|m|^2/2 + C|m|^4/4]$ the onset of retrieval is continuous at $K = 2T$ while the
# quartic coupling is weak; at the tricritical point $(K, C) = (2T, T)$ it turns first order, and a bistable window
# opens where memories coexist with the incoherent state.

# %%
K, C = sp.symbols("K C", positive=True)
ku = MeanField(K * m**2 / 2 + C * m**4 / 4, "phase")
print("onset:", ku.critical(K), "| tricritical point:", ku.tricritical(K, C))
grid = phase_grid(ku, ("K", 1.0, 3.0, 120), ("C", 0.0, 3.0, 120), T=1.0)
grid.figure()
plt.show()

# %% [markdown]
# ## The oscillators as a model: the built-in `kuramoto`
#
# The same theory, read off a model rather than typed in. The built-in `kuramoto` is a layer of phases (the `phase`
# Lagrangian: no Legendre term, no leak, so $\tau\dot\theta = -\partial E/\partial\theta$) with the patterns stored as
# $a = \cos\xi$, $b = \sin\xi$. Its noise intensity $D$ is its temperature. The model is our reconstruction of Nägerl
# & Berloff's (arXiv 2507.21984) from its abstract: the parameter names and normalisation are ours.

# %%
import theory
from numerics.oscillators import Oscillators, phase_patterns, von_mises_cue

model = theory.builtin("kuramoto")
print("global-phase symmetry:", model.symmetries["theta"].status)
osc_theory = MeanField.from_model(model)
Kk, Ck = (next(p for p in osc_theory.parameters if p.name == n) for n in ("K", "C"))
print("F =", osc_theory.F, "| onset K =", osc_theory.named(osc_theory.critical(Kk)[Kk]),
      "| tricritical (K, C) =", {str(k): osc_theory.named(v) for k, v in osc_theory.tricritical(Kk, Ck).items()})
print("Ott-Antonsen flow (Lorentzian frequencies):", osc_theory.ott_antonsen().rate)

# %% [markdown]
# Langevin dynamics on the compiled kernel (one step costs $O(NP)$ through the overlaps) against the derived branches:
# inside the bistable window a memory cue settles on the stable branch and an incoherent start stays incoherent.

# %%
Ks = np.linspace(0.2, 0.7, 6)
xi_p = phase_patterns(1, 1000, seed=1)
sim_mem, sim_inc = [], []
for Kv in Ks:
    osc = Oscillators(model, xi_p, {"K": float(Kv), "C": 1.0}, D=0.25)
    for start, out in ((0.9, sim_mem), (0.0, sim_inc)):
        run = osc.run(von_mises_cue(xi_p, start, 4, seed=2), duration=20.0, dt=0.05, seed=3)
        out.append(run.r[-10:, :, 0].mean())
Kfine = np.linspace(0.2, 0.7, 26)
branch = [[r["m"] for r in osc_theory.stationary(K=float(k), C=1.0, D=0.25)] for k in Kfine]
fig, ax = plt.subplots(figsize=(5, 3.4))
for k, ms in zip(Kfine, branch):
    ax.plot([k] * len(ms), ms, "k.", ms=3)
ax.plot(Ks, sim_mem, "o", label="simulated, from a memory cue")
ax.plot(Ks, sim_inc, "s", label="simulated, from incoherence")
ax.set(xlabel="K (C = 1, D = 0.25)", ylabel="|m|", title="derived stationary points (dots) and Langevin runs (N = 1000)")
ax.title.set_fontsize(9)
ax.legend(fontsize=8)
plt.show()
