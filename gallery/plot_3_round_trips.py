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
from torchfig import claim, claim_close

x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
back = torch.from_numpy(np.sin(x.detach().numpy()))
print(f"{back.requires_grad=} {back.grad_fn=}")
claim("a tensor back from NumPy does not require grad", not back.requires_grad)

# %%
# Staying in torch keeps it
# -------------------------
torch.sin(x).sum().backward()
print(f"{x.grad=}")
claim_close("the gradient of sum(sin(x)) is cos(x)", x.grad, torch.cos(x.detach()))


# %%
# A NumPy step with a backward of its own
# ---------------------------------------
# ``forward`` may use NumPy freely because autograd does not look inside it;
# ``backward`` supplies the derivative, in torch or in NumPy.
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
claim("the custom Function is recorded in the graph", y.grad_fn is not None)
claim_close("its backward gives cos(x)", x.grad, torch.cos(x.detach()))

# %%
# Checking the backward numerically
# ---------------------------------
# ``gradcheck`` compares the backward with finite differences, in float64.
x64 = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
claim(
    "gradcheck accepts the NumPy-backed Function",
    torch.autograd.gradcheck(NumpySin.apply, (x64,)),
)

# %%
# The graph of the custom Function
# --------------------------------
torchfig.autograd_graph(y, names={"x": x, "y": y})
