# %% [markdown]
# # 9. Derive your own model
#
# Write a model as a TOML spec with a Lagrangian *string*. Strings are parsed by a whitelist and never evaluated.
# You get the energy, the dynamics, a certificate for every layer, the effective model and a compiled kernel.

# %%
import os
import tempfile
from pathlib import Path

import numpy as np
import sympy as sp
from IPython.display import Math, display

import numerics as nm
import theory

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")  # the derivation is size-free; "paper" only enlarges the kernel demo
spec = '''
name = "wavy"
[[layers]]
name = "v"
size = "N_v"
lagrangian = { expr = "x**2/2 + 2*cos(x)" }
activation = "g"
[[layers]]
name = "h"
size = "N_h"
lagrangian = { name = "logsumexp", beta = "2" }
activation = "f"
[[synapses]]
kind = "energy"
expr = "-sum(f * (xi @ g))"
[weights]
xi = { shape = ["N_h", "N_v"] }
'''
path = Path(tempfile.mkdtemp()) / "wavy.toml"
path.write_text(spec)
model = theory.load(path)
display(model)

# %% [markdown]
# ## The certificate refutes convexity, with a verified counterexample

# %%
c = model.certificates["v"]
print(c.status, "|", c.method)
print(c.counterexample)
print(model.lyapunov.reason)

# %% [markdown]
# ## Picture: the entrywise Lagrangian and its curvature, with the counterexample

# %%
import matplotlib.pyplot as plt

from theory import lagrangians as lg

F = model.layer("v").entrywise.xreplace({model.layer("v").state: lg.T})
f0, f2 = sp.lambdify(lg.T, F, "numpy"), sp.lambdify(lg.T, sp.diff(F, lg.T, 2), "numpy")
t = np.linspace(-6, 6, 400)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(t, f0(t), label="F(x)")
ax.plot(t, f2(t), label="F''(x)")
x_ce = float(sp.sympify(c.counterexample["x"][0]))
ax.axvline(x_ce, color="r", ls=":", label="counterexample")
ax.axhline(0, color="k", lw=0.5)
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.legend()
plt.show()

# %% [markdown]
# ## The derivation still works: effective model and kernel

# %%
red = model.integrate_out("h")
display(Math(r"\tau_v\dot v = " + sp.latex(red.model.dynamics["v"])))
k = nm.compile(red)
print(k.signature)
print(k.source("rhs"))

# %% [markdown]
# ## Check: hostile strings are rejected

# %%
for bad in ["__import__('os').system('ls')", "x.__class__", "lambda: 0", "9**9**9"]:
    try:
        theory.parse(bad, {"x": theory.lagrangians.X})
    except theory.ParseError as e:
        print("rejected:", str(e)[:80])
    else:
        raise AssertionError(bad)
assert c.verdict is False and float(c.counterexample["min_eigenvalue"]) < 0

# %% [markdown]
# ## Exercises
# 1. Make the Lagrangian convex again, for example by raising the quadratic coefficient. What does the certificate say now?
# 2. Write a recurrent model with an asymmetric weight. What error do you get?

# %% answer
from theory import lagrangians as lg

print(theory.certify(lg.additive(3 * lg.T**2 + 2 * sp.cos(lg.T)).expr, lg.X).status)
try:
    v = theory.Layer("v", "N", lg.tanh(1))
    theory.recurrent(v, theory.Weight("W", v.size, v.size))
except theory.ModelError as e:
    print(e)
