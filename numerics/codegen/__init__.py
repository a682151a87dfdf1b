"""The kernel compiler: the symbolic -> numeric handoff, apart from the simulation toolbox that uses it.

A derived :class:`theory.EnergyModel` (or a bare expression) goes in; a :class:`Kernel` that knows its argument order
and shapes, validates its inputs and prints its source comes out. The stages, one module each:

- :mod:`.stable`: rewrite the shapes that cancel or overflow in floating point into stable nodes;
- :mod:`.sharing`: pair the nodes of one layer that share work, and turn sums of products into row dots;
- :mod:`.kernel`: print and lower the expressions (``lambdify`` with common subexpressions), the :class:`Kernel`
  runtime with its call plans and input validation, and :func:`compile`, the one handoff function;
- :mod:`.backends`: the array implementations of the vector-level nodes for NumPy, JAX and PyTorch.

Nothing here imports :mod:`theory.literature` (``tests/test_layout.py``): a kernel computes what the workbench
derives, never a paper's formula.
"""

from .backends import Backend, available_backends, get_backend, memory_budget
from .kernel import ArgSpec, ExpressionKernel, Kernel, KernelInputError, compile
from .sharing import fuse_row_dots, share_passes
from .stable import stabilize

__all__ = [
    "compile",
    "Kernel",
    "ExpressionKernel",
    "ArgSpec",
    "KernelInputError",
    "Backend",
    "available_backends",
    "get_backend",
    "memory_budget",
    "stabilize",
    "share_passes",
    "fuse_row_dots",
]
