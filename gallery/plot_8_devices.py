"""
Devices, ``cpu()`` and ``numpy(force=True)``
============================================

Only CPU memory can back a NumPy array. Without a GPU, the ``meta`` device
(shapes and dtypes, no data) still runs PyTorch's non-CPU code path, so this
script shows the device error on any machine, then what ``.cpu()`` and
``numpy(force=True)`` do.

Needs ``torch``, ``numpy`` and ``torchfig``, the figure library published by
this site (see the gallery's front page for the wheel).
"""

# %%
# A tensor that is not on the CPU
# -------------------------------
import numpy as np
import torch
import torchfig
from torchfig import claim, claim_raises

elsewhere = torch.ones(3, device="meta")
with claim_raises("numpy() refuses a non-CPU tensor", TypeError, "meta"):
    elsewhere.numpy()

# %%
# ``cpu()`` first
# ---------------
t = torch.tensor([1.0, 2.0], requires_grad=True)
claim("cpu() of a CPU tensor is the tensor itself", t.cpu() is t)
claim(
    "detach().cpu().numpy() of a CPU tensor shares memory",
    torchfig.shares_memory(t.detach().cpu().numpy(), t),
)

# %%
# .. documented:: https://docs.pytorch.org/docs/stable/generated/torch.Tensor.cpu.html
#    :source: PyTorch's documentation of Tensor.cpu
#
#    On a GPU, ``.cpu()`` returns a copy of the tensor in host memory.
#
# This script runs the recipe on the best device it has, and its claim
# names that device: the site's build has no GPU, so there it says ``cpu``.
device = "cuda" if torch.cuda.is_available() else "cpu"
on_device = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
host = on_device.detach().cpu().numpy()
print(f"{device=} shares={torchfig.shares_memory(host, on_device)}")
claim(
    f"on {device}, detach().cpu().numpy() gives the tensor's values",
    host.tolist() == [1.0, 2.0],
)
claim(
    f"on {device}, the array {'shares' if device == 'cpu' else 'does not share'} the"
    " tensor's memory",
    torchfig.shares_memory(host, on_device) == (device == "cpu"),
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
claim("force=True works on a tensor that requires grad", isinstance(forced, np.ndarray))
claim(
    "force=True on a CPU float tensor returns a view", torchfig.shares_memory(forced, t)
)
conjugated = torch.tensor([1 + 1j]).conj()
claim(
    "force=True on a conjugated tensor returns a copy",
    not torchfig.shares_memory(conjugated.numpy(force=True), conjugated),
)

# %%
# The memory behind each result
# -----------------------------
torchfig.memory_figure(
    {
        "t": t,
        "forced": forced,
        "conjugated": conjugated,
        "conjugated.numpy(force=True)": conjugated.numpy(force=True),
    },
    title="force=True: a view when nothing needs converting, a copy otherwise",
)
