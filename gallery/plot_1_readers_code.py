"""
The reader's code, run
======================

``t = torch.tensor([1.0, 2.0], requires_grad=True); t.numpy()`` is where
everyone meets this question. This script runs it, shows the error PyTorch
raises, applies the fix, and draws the graph with and without ``detach()``
so you can see what the fix gives up.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# The call that fails
# -------------------
# A tensor that requires grad refuses ``numpy()``. ``claim_raises`` checks
# that it does and prints the message your PyTorch gives, under the claim.
import torch
import torchfig
from torchfig import claim, claim_raises

t = torch.tensor([1.0, 2.0], requires_grad=True)
with claim_raises("numpy() refuses a tensor that requires grad", RuntimeError, "requires grad"):
    t.numpy()

# %%
# The fix, and what it shares
# ---------------------------
# ``detach()`` returns a tensor over the same memory, without history; its
# ``numpy()`` returns an array over that memory too.
d = t.detach()
a = d.numpy()
print(f"{d.requires_grad=} {d.grad_fn=}")
print(f"{a=}")

claim("detach() returns a tensor that does not require grad", not d.requires_grad)
claim("the array from detach().numpy() uses the tensor's memory", torchfig.shares_memory(a, t))

# %%
# The graph with the history kept
# --------------------------------
# Stay in torch and autograd records every step back to ``t``.
y = (t * 3).sum()
torchfig.autograd_graph(y, names={"t": t, "y": y})

# %%
# The graph after a trip through NumPy
# ------------------------------------
# The same computation with a detour through NumPy: the result is a tensor
# again, but its history starts at ``torch.from_numpy`` and never reaches ``t``.
with torchfig.record() as rec:
    a = t.detach().numpy()
    back = torch.from_numpy(a * 3)
    y_np = back.sum()
claim("a result computed from NumPy data has no grad_fn", y_np.grad_fn is None)
torchfig.data_flow(rec, names={"t": t, "a": a, "back": back, "y_np": y_np})
