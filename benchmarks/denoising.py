"""In-context denoising benchmarks (issue 32): ratios of medians over interleaved repetitions in one process, and a
median wall time where the target is an absolute one (never timed tests).

Records (``--json`` prints a JSON list of {"name", "ratio" or "value", "detail"}):

* ``attention_grad_vs_hand``: the loss and both weight gradients of one softmax-attention layer over a minibatch
  (:func:`numerics.denoising.attention_gradients`: kernels compiled from the derived
  :class:`theory.denoising.AttentionObjective`, the contexts as per-prompt weights) over a hand-written NumPy gradient of
  the same loss, at 256 prompts, L = 64, n = 16, full W_KQ and W_PV (target <= 1.2);
* ``train_quick_s``: training the scalar (alpha, beta) softmax layer on the sphere task as ICD-8's quick-scale run does
  (600 Adam steps of 256 prompts at L = 128), median wall time (target < 60 s).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _timing import block_median, compare, tune_process

# benchmarks/numerics.py would shadow the numerics package: keep this folder off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def hand_gradients(X, q, x, W_KQ, W_PV):
    """Loss and gradients of |W_PV X^T softmax(X W_KQ q) - x|^2, mean over prompts, by hand (the reference)."""
    B = len(q)
    k = q @ W_KQ.T
    z = np.einsum("bln,bn->bl", X, k)
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    y = np.einsum("bl,bln->bn", p, X)
    r = y @ W_PV.T - x
    loss = float(np.einsum("bn,bn->", r, r)) / B
    r *= 2
    G_PV = r.T @ y / B
    s = np.einsum("bln,bn->bl", X, r @ W_PV)
    s -= np.einsum("bl,bl->b", p, s)[:, None]
    s *= p
    G_KQ = np.einsum("bl,bln->bn", s, X).T @ q / B
    return loss, G_KQ, G_PV


def main() -> None:
    tune_process()
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run: the records, not the targets)")
    a = ap.parse_args()
    from numerics import denoising as nd

    records = []
    B, L, n = (64, 16, 8) if a.quick else (256, 64, 16)
    p = nd.sphere_prompts(B, n, 2, L, 1.0, 0.4, seed=0)
    rng = np.random.default_rng(1)
    W_KQ, W_PV = 6.0 * np.eye(n) + 0.1 * rng.standard_normal((n, n)), np.eye(n) + 0.1 * rng.standard_normal((n, n))
    mine = nd.attention_gradients(p, W_KQ, W_PV)
    ref = hand_gradients(p.tokens, p.query, p.target, W_KQ, W_PV)
    assert abs(mine[0] - ref[0]) < 1e-12 * max(1.0, ref[0]) and all(np.allclose(u, v, rtol=1e-10, atol=1e-13) for u, v in zip(mine[1:], ref[1:])), \
        "the gradients must agree"
    c = compare(lambda: nd.attention_gradients(p, W_KQ, W_PV), lambda: hand_gradients(p.tokens, p.query, p.target, W_KQ, W_PV),
                a.repeat * 5, warmup=3)
    records.append({"name": "attention_grad_vs_hand", "ratio": c["ratio"],
                    "detail": f"{B} prompts, L = {L}, n = {n}: derived kernels {c['a'] * 1e3:.2f} ms, hand NumPy {c['b'] * 1e3:.2f} ms "
                              f"(medians of {a.repeat * 5}, interleaved); target <= 1.2"})

    steps, Lt = (60, 32) if a.quick else (600, 128)

    def train():
        nd.train_attention(lambda s: nd.sphere_prompts(256, 16, 2, Lt, 1.0, 0.4, seed=s), steps=steps, lr=0.5, lr_final=0.02,
                           init=(0.5, 1.0), seed=1)

    t = block_median(train, 0.0, max(3, a.repeat // 2))
    records.append({"name": "train_quick_s", "value": t,
                    "detail": f"scalar softmax layer, sphere task, {steps} Adam steps of 256 prompts at L = {Lt}, median: {t:.1f} s; "
                              "target < 60 s"})
    if a.json:
        print(json.dumps(records, indent=2))
    else:
        for rec in records:
            print(f"{rec['name']:<26} {rec.get('ratio', rec.get('value')):.3f}  {rec['detail']}")


if __name__ == "__main__":
    main()
