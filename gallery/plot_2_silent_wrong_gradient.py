"""
A silently wrong gradient through a shared NumPy array
======================================================

What happens when you write into the array from ``detach().numpy()`` while
a graph still needs the tensor, what happens when the same write is made
in torch, and the patterns that are safe; each step is checked as it runs.
Here the tensor is the *result* of ``sigmoid``, whose derivative is
computed from that result; the site's page on the refusal of ``numpy()``
walks through the case of a saved input.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A computation that saves its output
# -----------------------------------
# The derivative of ``sigmoid`` is ``y * (1 - y)``, computed from the output
# ``y``: backward uses the values in ``y`` at the time it runs.
import torch
import torchfig
from torchfig import claim, claim_raises


def setup():
    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = torch.sigmoid(x)
    loss = y.sum()
    values = y.detach().clone()
    return x, y, loss, values * (1 - values)


# %%
# The write through NumPy
# -----------------------
x, y, loss, expected = setup()
claim(
    "sigmoid keeps its output y, in y's own memory, for the backward pass",
    y.grad_fn._saved_result.data_ptr() == y.data_ptr(),
)
claim(
    "the array from detach().numpy() shares y's memory",
    torchfig.shares_memory(y.detach().numpy(), y),
)
array = y.detach().numpy()
version = y._version
array[0] = 0.9
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
y.detach()[0] = 0.9
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
# The node's saved result is drawn with the version it was saved at and the
# one it has now.
torchfig.autograd_graph(loss, names={"x": x, "y": y, "loss": loss})

# %%
# Safe patterns
# -------------
# Copy before writing, or finish backward before touching the array. The
# last check is about ``numpy(force=True)``.
x, y, loss, expected = setup()
copied = y.detach().numpy().copy()
copied[0] = 0.9
loss.backward()
claim("writing into a copy leaves the gradient right", torch.equal(x.grad, expected))

x, y, loss, expected = setup()
loss.backward()
y.detach().numpy()[0] = 0.9
claim(
    "writing after backward cannot change the gradient", torch.equal(x.grad, expected)
)

x, y, loss, expected = setup()
claim(
    "numpy(force=True) of a CPU tensor is still a view",
    torchfig.shares_memory(y.numpy(force=True), y),
)
