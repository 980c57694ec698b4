"""
The reader's code, run
======================

``t = torch.tensor([1.0, 2.0], requires_grad=True); t.numpy()`` is where
everyone meets this question. This script runs it, shows PyTorch's error,
applies the fix, and draws the graph with and without ``detach()``
so you can see what the fix costs. Each sentence printed after a ✔ is
checked as the script runs.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# The call that fails
# -------------------
# ``caught`` prints the error your PyTorch gives and keeps it; the check
# after it reads what was kept.
import torch
import torchfig
from torchfig import caught, check, check_raises

t = torch.tensor([1.0, 2.0], requires_grad=True)
with caught() as refusal:
    t.numpy()
check_raises(
    "numpy-refuses",
    refusal,
    RuntimeError,
    "requires grad",
    sentence="numpy() refuses a tensor that requires grad",
)

# %%
# The fix, and what it shares
# ---------------------------
d = t.detach()
a = d.numpy()
print(f"{d.requires_grad=} {d.grad_fn=}")
print(f"{a=}")

check(
    "detach-same-memory-no-grad",
    not d.requires_grad and d.data_ptr() == t.data_ptr(),
    sentence="detach() returns a tensor over the same memory that does not "
    "require grad",
)
check(
    "detached-array-shares-memory",
    torchfig.shares_memory(a, t),
    sentence="the array from detach().numpy() uses the tensor's memory too",
)

# %%
# The graph with the history kept
# --------------------------------
# Stay in torch, and the figure draws the recorded steps back to ``t``.
y = (t * 3).sum()
check(
    "torch-result-leads-back",
    y.grad_fn.next_functions[0][0].next_functions[0][0].variable is t,
    sentence="staying in torch, the result's grad_fn leads back to t",
)
torchfig.autograd_graph(y, names={"t": t, "y": y})

# %%
# The graph after a trip through NumPy
# ------------------------------------
# The same computation with a detour through NumPy.
with torchfig.record() as rec:
    a = t.detach().numpy()
    back = torch.from_numpy(a * 3)
    y_np = back.sum()
check(
    "numpy-detour-no-history",
    y_np.grad_fn is None and not y_np.requires_grad,
    sentence="after the detour the result is a tensor again, with no grad_fn and no "
    "requires_grad: no recorded step leads back to t",
)
torchfig.data_flow(rec, names={"t": t, "a": a, "back": back, "y_np": y_np})
