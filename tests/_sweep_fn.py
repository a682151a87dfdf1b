"""A sweep function for the resume test: slow enough to be killed mid-sweep, logs each call."""

import os
import time

import numpy as np


def work(a, b, seed, log=None, delay=0.0):
    if log:
        with open(log, "a") as f:
            f.write(f"{a},{b},{seed}\n")
    time.sleep(delay)
    return float(np.random.default_rng(seed).standard_normal() + a * b)


def pid_work(a, seed):
    return {"value": float(np.random.default_rng(seed).random() + a), "pid": os.getpid()}


def numpy_work(a, seed):
    """Returns NumPy values (an int64 and an array), as numerics functions do."""
    rng = np.random.default_rng(seed)
    return {"count": np.int64(a * 10 + seed), "x": rng.random(2)}


def object_work(a, seed):
    return {"bad": object()}
