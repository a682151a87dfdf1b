# %% [markdown]
# # 8. Learning many memories with few hidden neurons
#
# The threshold model can store far more memories than it has hidden neurons, because every *binary code* of the
# hidden layer can be a fixed point. Here we learn the weights with the paper's reconstruction objective
# (Eq. 16-17). The loss and its gradients are derived by `theory.learning` and compiled, and we train by minibatch
# Adam on scikit-learn's bundled 8x8 digits. We then recall every image and count the distinct minima.
# Set `AMWB_DATA` to a folder holding MNIST (under `mnist/`) and choose the paper scale to train on MNIST instead.

# %%
import os

import matplotlib.pyplot as plt
import sympy as sp
from IPython.display import Math, display

from numerics import datasets
from numerics.learning import minima_census, recall_codes, train_threshold
from numerics.plots import image_grid
from theory.learning import threshold_objective

SCALE = os.environ.get("AMWB_NOTEBOOK_SCALE", "quick")
obj = threshold_objective()
display(Math(r"\mathcal{L} = " + sp.latex(obj.loss)))
print(len(obj.weight_gradient.terms), "outer-product terms in dL/dxi")

# %%
if SCALE == "paper" and os.environ.get("AMWB_DATA"):
    X, y = datasets.load_mnist(split="train")
    X, shape, n_hidden, epochs = X[:10000] / 255.0, (28, 28), 50, 10
else:
    X, y = datasets.load_digits()
    X, shape, n_hidden, epochs = X / 16.0, (8, 8), 12, 20
fit = train_threshold(X, n_hidden, seed=0, epochs=epochs)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(range(1, len(fit.history) + 1), fit.history, "o-")
ax.set_xlabel("epoch")
ax.set_ylabel("mean reconstruction loss per image")
plt.show()

# %% [markdown]
# ## Recall and census of minima

# %%
codes, recalled, _ = recall_codes(fit, X)
census = minima_census(codes, fit)
print(f"{census['images']} images -> {census['unique']} distinct minima with {n_hidden} hidden neurons "
      f"(2^{n_hidden} = {2**n_hidden} possible codes); all verified fixed points: {census['all_fixed']}")
fig = image_grid({"original": X[:10], "recalled": recalled[:10]}, shape)
plt.show()
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.hist(census["counts"], bins=30)
ax.set_xlabel("images sharing one minimum")
ax.set_ylabel("number of minima")
plt.show()

# %% [markdown]
# ## Check: far more distinct minima than hidden neurons, and every one a fixed point

# %%
assert census["all_fixed"] and census["unique"] > 4 * n_hidden

# %% [markdown]
# ## Exercises
# 1. Train with 8 and with 16 hidden neurons. How does the number of distinct minima change?
# 2. Show the learned "basic memories" (rows of xi) as images.

# %% answer
fig = image_grid({"rows of xi": fit.xi}, shape, max_cols=12)
plt.show()
