"""
A silently wrong gradient through a shared NumPy array
======================================================

What happens when you write into the array from ``detach().numpy()`` while
a graph still needs the tensor, what happens when the same write is made
in torch, and the patterns that are safe; each step is checked as it runs.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A computation that saves its input
# ----------------------------------
# The right gradient with respect to ``x`` is ``2 * y`` for the values
# ``y`` had when the loss was computed.
import torch
import torchfig
from torchfig import claim, claim_raises


def setup():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    loss = (y**2).sum()
    return x, y, loss, 2 * y.detach().clone()


# %%
# The write through NumPy
# -----------------------
x, y, loss, expected = setup()
claim(
    "(y ** 2).sum() keeps y itself for the backward pass",
    loss.grad_fn.next_functions[0][0]._saved_self is y,
)
claim(
    "the array from detach().numpy() shares y's memory",
    torchfig.shares_memory(y.detach().numpy(), y),
)
array = y.detach().numpy()
version = y._version
array[0] = 10.0
loss.backward()
print(f"{x.grad=}")
print(f"{expected=}")
print(f"{version=} {y._version=}")

claim("a NumPy write leaves the version counter where it was", y._version == version)
claim(
    "backward returns a wrong gradient without raising",
    not torch.equal(x.grad, expected),
)

# %%
# The same write in torch
# -----------------------
# An in-place torch operation moves the counter, so backward notices.
x, y, loss, expected = setup()
version = y._version
y.detach()[0] = 10.0
claim(
    "a write through a torch tensor moves the version counter",
    y._version == version + 1,
)
with claim_raises(
    "backward refuses a saved tensor changed in torch",
    RuntimeError,
    "modified by an inplace operation",
):
    loss.backward()

# %%
# The figure at that moment
# -------------------------
# The saved ``y`` is drawn with the version it was saved at and the one it
# has now.
torchfig.autograd_graph(loss, names={"x": x, "y": y, "loss": loss})

# %%
# Safe patterns
# -------------
# Copy before writing, or finish backward before touching the array. The
# last check is about ``numpy(force=True)``.
x, y, loss, expected = setup()
copied = y.detach().numpy().copy()
copied[0] = 10.0
loss.backward()
claim("writing into a copy leaves the gradient right", torch.equal(x.grad, expected))

x, y, loss, expected = setup()
loss.backward()
y.detach().numpy()[0] = 10.0
claim(
    "writing after backward cannot change the gradient", torch.equal(x.grad, expected)
)

x, y, loss, expected = setup()
claim(
    "numpy(force=True) of a CPU tensor is still a view",
    torchfig.shares_memory(y.numpy(force=True), y),
)
