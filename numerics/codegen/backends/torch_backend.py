"""The PyTorch backend: the generic node forms on torch tensors (CPU or GPU: a tensor stays on its device), with
torch's fused, shift-stable ``softmax`` and ``logsumexp`` over the neuron axis (one pass each, not four)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .generic import nodes

__all__ = ["torch_backend"]


def torch_backend():
    """The torch backend: ``numpy.<name>`` in the generated code resolves to torch, with the few names that differ."""
    import torch

    from . import Backend

    class _Shim(SimpleNamespace):
        """``numpy.<name>`` resolved to torch, with the few names that differ."""

        def __getattr__(self, name):
            return getattr(torch, name)

    def heaviside(x, h0):
        return torch.heaviside(x, torch.as_tensor(h0, dtype=x.dtype))

    def power(a, b):
        return torch.pow(a, b)

    shim = _Shim(heaviside=heaviside, power=power, abs=torch.abs, sign=torch.sign)

    def logaddexp(a, b):
        return torch.logaddexp(torch.as_tensor(a, dtype=b.dtype if torch.is_tensor(b) else None), b)

    xp = SimpleNamespace(
        sum=lambda a, axis=-1, keepdims=False: torch.sum(a, dim=axis, keepdim=keepdims),
        max=lambda a, axis=-1, keepdims=False: torch.amax(a, dim=axis, keepdim=keepdims),
        exp=torch.exp,
        log=torch.log,
        log1p=torch.log1p,
        sinh=torch.sinh,
        tanh=torch.tanh,
        where=torch.where,
        minimum=lambda x, y: torch.clamp(x, max=y),
        abs=torch.abs,
        maximum=lambda x, y: torch.clamp(x, min=y),
        logaddexp=logaddexp,
        ones=lambda shape, dtype=None: torch.ones(shape, dtype=dtype),
    )
    ns = nodes(xp, matvec=lambda W, a: a @ W.T if W.ndim == 2 else (W @ a[..., None])[..., 0], softmax=lambda z: torch.softmax(z, dim=-1),
               logsumexp=lambda z: torch.logsumexp(z, dim=-1, keepdim=True), i0e=torch.special.i0e, i1e=torch.special.i1e)
    ns["numpy"] = shim

    def asarray(a):  # a tensor stays on its device; anything else becomes a CPU tensor
        return a if torch.is_tensor(a) else torch.as_tensor(np.asarray(a))

    return Backend("torch", torch, ns, asarray, lambda t: t.detach().cpu().numpy() if torch.is_tensor(t) else np.asarray(t))
