"""
Devices, ``cpu()`` and ``numpy(force=True)``
============================================

A NumPy array is a view of host memory. The site's build has no GPU, so
this script shows the device refusal on the ``meta`` device (shapes and
dtypes, no data), runs the ``.cpu()`` recipe on the best device it finds,
and checks when ``numpy(force=True)`` needs memory of its own. What
happens on a CUDA device is taken from PyTorch's documentation and marked
as such.

Needs ``torch``, ``numpy`` and ``torchfig``, the figure library published by
this site (see the gallery's front page for the wheel).
"""

# %%
# A tensor that is not on the CPU
# -------------------------------
# .. documented:: https://docs.pytorch.org/docs/stable/generated/torch.Tensor.numpy.html
#    :source: PyTorch's documentation of Tensor.numpy
#
#    Without ``force=True``, ``numpy()`` converts only a tensor in CPU memory, so
#    it refuses a CUDA tensor.
#
# Without a GPU, a tensor on the ``meta`` device is the one shown here; the
# check says only what happens to it.
import numpy as np
import torch
import torchfig
from torchfig import caught, check, check_raises

elsewhere = torch.ones(3, device="meta")
with caught() as refused:
    elsewhere.numpy()
check_raises(
    "numpy-refuses-a-meta-tensor",
    refused,
    TypeError,
    "meta",
    sentence="numpy() refuses a tensor on the meta device, with a TypeError "
    "naming the device",
)

# %%
# ``cpu()`` first
# ---------------
t = torch.tensor([1.0, 2.0], requires_grad=True)
host = t.detach().cpu().numpy()
print(f"{t.cpu() is t=}")
print(f"{torchfig.shares_memory(host, t)=}")
check(
    "cpu-of-a-cpu-tensor-is-itself",
    t.cpu() is t,
    sentence="cpu() of a CPU tensor is the tensor itself",
)
check(
    "cpu-recipe-shares-on-the-cpu",
    torchfig.shares_memory(host, t),
    sentence="detach().cpu().numpy() of a CPU tensor shares its memory",
)

# %%
# .. documented:: https://docs.pytorch.org/docs/stable/generated/torch.Tensor.cpu.html
#    :source: PyTorch's documentation of Tensor.cpu
#
#    On a GPU, ``.cpu()`` returns a copy of the tensor in host memory.
#
# This script runs the recipe on the best device it has, and its checks
# name that device: on a machine without a GPU, that is ``cpu``.
device = "cuda" if torch.cuda.is_available() else "cpu"
on_device = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
from_device = on_device.detach().cpu().numpy()
shares = torchfig.shares_memory(from_device, on_device)
print(f"{device=} {from_device=} {shares=}")
check(
    "cpu-recipe-gives-the-values",
    from_device.tolist() == [1.0, 2.0],
    sentence=f"on {device}, detach().cpu().numpy() gives the tensor's values",
)
check(
    "cpu-recipe-shares-or-copies",
    shares == (device == "cpu"),
    sentence=f"on {device}, the array "
    f"{'shares' if device == 'cpu' else 'does not share'} the tensor's memory",
)

# %%
# ``numpy(force=True)``
# ---------------------
# .. documented:: https://docs.pytorch.org/docs/stable/generated/torch.Tensor.numpy.html
#    :source: PyTorch's documentation of Tensor.numpy
#
#    With ``force=True``, ``numpy()`` detaches the tensor, copies it to the CPU
#    and resolves its conjugate and negative bits where needed.
#
# The checks below show when it copies on this machine.
forced = t.numpy(force=True)
conjugated = torch.tensor([1 + 1j]).conj()
resolved = conjugated.numpy(force=True)
print(f"{forced=} {torchfig.shares_memory(forced, t)=}")
print(f"{conjugated.is_conj()=} {resolved=}")
print(f"{torchfig.shares_memory(resolved, conjugated)=}")
check(
    "force-works-on-a-tensor-that-requires-grad",
    isinstance(forced, np.ndarray) and forced.tolist() == [1.0, 2.0],
    sentence="force=True gives an array for a tensor that requires grad",
)
check(
    "force-on-a-cpu-float-tensor-is-a-view",
    torchfig.shares_memory(forced, t),
    sentence="force=True on a CPU float tensor returns a view of its memory",
)
check(
    "force-on-a-conjugated-tensor-copies",
    conjugated.is_conj()
    and not torchfig.shares_memory(resolved, conjugated)
    and resolved.tolist() == [1 - 1j],
    sentence="force=True on a conjugated tensor returns a copy holding the "
    "conjugated values",
)

# %%
# The memory behind each result
# -----------------------------
torchfig.memory_figure(
    {
        "t": t,
        "forced": forced,
        "conjugated": conjugated,
        "conjugated.numpy(force=True)": resolved,
    },
    title="force=True: a view of t, a copy of the conjugated tensor",
)
