"""
Round trips through NumPy, and how to keep the gradient
=======================================================

A NumPy detour against the same computation in torch, then a NumPy step
wrapped in a ``torch.autograd.Function`` with a hand-written backward, and
``gradcheck`` on that backward; each result is checked as it runs.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# The round trip loses the gradient
# ---------------------------------
import numpy as np
import torch
import torchfig
from torchfig import caught, check, check_close, check_equal

x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
back = torch.from_numpy(np.sin(x.detach().numpy()))
print(f"{back.requires_grad=} {back.grad_fn=}")
check(
    "tensor-back-from-numpy-untracked",
    not back.requires_grad and back.grad_fn is None,
    sentence="the tensor back from NumPy does not require grad and has no grad_fn",
)

# %%
# Staying in torch keeps it
# -------------------------
torch.sin(x).sum().backward()
print(f"{x.grad=}")
check_close(
    "sin-sum-gradient-is-cos",
    x.grad,
    torch.cos(x.detach()),
    sentence="the gradient of sum(sin(x)) is cos(x)",
)


# %%
# A NumPy step with a backward of its own
# ---------------------------------------
# ``forward`` below computes with NumPy; ``backward`` supplies the
# derivative, here with NumPy too.
class NumpySin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return torch.from_numpy(np.sin(t.detach().numpy()))

    @staticmethod
    def backward(ctx, grad_output):
        (t,) = ctx.saved_tensors
        return grad_output * torch.from_numpy(np.cos(t.detach().numpy()))


x.grad = None
y = NumpySin.apply(x)
y.sum().backward()
print(f"{type(y.grad_fn).__name__=}")
print(f"{x.grad=}")
check_equal(
    "custom-function-recorded",
    type(y.grad_fn).__name__,
    "NumpySinBackward",
    sentence="the custom Function is recorded in the graph, as NumpySinBackward",
)
check_close(
    "numpy-sin-backward-gives-cos",
    x.grad,
    torch.cos(x.detach()),
    sentence="its backward gives cos(x)",
)

# %%
# Checking the backward numerically
# ---------------------------------
# .. documented:: https://docs.pytorch.org/docs/stable/notes/gradcheck.html
#    :source: PyTorch's note on gradcheck mechanics
#
#    ``gradcheck`` compares the gradients a backward computes with ones
#    estimated from small finite differences.
#
# Here it is given the Function and a float64 input.
x64 = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
with caught() as graded:
    passed = torch.autograd.gradcheck(NumpySin.apply, (x64,))
print(f"{passed=}")
check(
    "gradcheck-accepts-numpy-sin",
    graded.error is None and passed is True,
    sentence="gradcheck accepts the NumPy-backed Function",
)

# %%
# The graph of the custom Function
# --------------------------------
torchfig.autograd_graph(y, names={"x": x, "y": y})
