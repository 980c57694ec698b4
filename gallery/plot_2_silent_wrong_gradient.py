"""
A silently wrong gradient through a shared NumPy array
======================================================

What happens when you write into the array from ``detach().numpy()`` while
a graph still needs the tensor, what happens when the same write is made
in torch, and the patterns that are safe; each step is checked as it runs.
Here the tensor is the *result* of ``sigmoid``; the site's page on the
refusal of ``numpy()`` walks through the case of a saved input.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A computation that saves its output
# -----------------------------------
# The derivative of ``sigmoid`` is ``y * (1 - y)``, a formula in its output
# ``y``. Each run below starts again from ``setup``.
import torch
import torchfig
from torchfig import caught, check, check_cases, check_equal, check_raises


def setup():
    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = torch.sigmoid(x)
    loss = y.sum()
    values = y.detach().clone()
    return x, y, loss, values * (1 - values)


# %%
# What backward will read
# -----------------------
x, y, loss, expected = setup()
array = y.detach().numpy()
check(
    "sigmoid-saves-output-y",
    y.grad_fn._saved_result.data_ptr() == y.data_ptr(),
    sentence="sigmoid kept its output y, in y's own memory, for the backward pass",
)
check(
    "y-array-shares-memory",
    torchfig.shares_memory(array, y),
    sentence="the array from y.detach().numpy() shares y's memory",
)

# %%
# The write through NumPy
# -----------------------
version = y._version
array[0] = 0.9
with caught() as silent:
    loss.backward()
print(f"{x.grad=}")
print(f"{expected=}")
print(f"{version=} {y._version=}")

check_equal(
    "numpy-write-leaves-y-version",
    y._version,
    version,
    sentence="the write through NumPy left y's version counter where it was",
)
written = y.detach()
check_cases(
    "sigmoid-gradient-silently-wrong",
    {
        "backward raised nothing": silent.error is None,
        "x.grad differs from the gradient before the write": not torch.equal(
            x.grad, expected
        ),
        "x.grad is y * (1 - y) of the written y": torch.allclose(
            x.grad, written * (1 - written)
        ),
    },
    sentence="backward raised nothing and returned a wrong gradient, computed from "
    "the written values of y",
)

# %%
# The same write in torch
# -----------------------
# The same write, made through ``y.detach()``:
x, y, loss, expected = setup()
version = y._version
y.detach()[0] = 0.9
print(f"{version=} {y._version=}")
with caught() as refused:
    loss.backward()
check_equal(
    "detach-write-bumps-y-version",
    y._version,
    version + 1,
    sentence="the write through y.detach() moved y's version counter by one",
)
check_raises(
    "backward-refuses-changed-sigmoid-output",
    refused,
    RuntimeError,
    "modified by an inplace operation",
    sentence="backward refused the saved output changed in torch",
)

# %%
# The figure at that moment
# -------------------------
# The note on the node's saved result gives the version it was saved at
# and the one it has now.
figure = torchfig.autograd_graph(loss, names={"x": x, "y": y, "loss": loss})
notes = [n.label for n in figure.drawn_nodes() if n.kind == "saved"]
check(
    "figure-notes-both-versions",
    len(notes) == 1 and f"(version {version}, now {y._version})" in notes[0],
    sentence="the figure's note gives the version y was saved at and the one it "
    "has now",
)

# %%
# Safe patterns
# -------------
# Copy before writing, or finish backward before touching the array.
x, y, loss, expected = setup()
copied = y.detach().numpy().copy()
copied[0] = 0.9
loss.backward()
check(
    "written-copy-keeps-gradient",
    torch.equal(x.grad, expected),
    sentence="after a write into a copy, backward returned the right gradient",
)

x, y, loss, expected = setup()
loss.backward()
y.detach().numpy()[0] = 0.9
print(f"{y=}")
check(
    "write-after-backward-keeps-gradient",
    (y[0] == 0.9).item() and torch.equal(x.grad, expected),
    sentence="a write made after backward changed y, and left the gradient "
    "backward had returned as it was",
)

# %%
# ``numpy(force=True)``
# ---------------------
# The same call on ``y`` and on a conjugated complex tensor:
x, y, loss, expected = setup()
forced = y.numpy(force=True)
conjugated = torch.tensor([1 + 2j, 3 - 1j]).conj()
forced_conjugate = conjugated.numpy(force=True)
print(f"{forced=}")
print(f"{conjugated.is_conj()=} {forced_conjugate=}")
check_cases(
    "force-numpy-shares-unless-conjugated",
    {
        "y, float32 with requires_grad: shares y's memory": torchfig.shares_memory(
            forced, y
        ),
        "a conjugated complex tensor: a copy": not torchfig.shares_memory(
            forced_conjugate, conjugated
        ),
    },
    sentence="numpy(force=True) returned an array over y's own memory, and a "
    "copy for a conjugated complex tensor",
)
