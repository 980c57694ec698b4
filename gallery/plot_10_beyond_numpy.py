"""
Beyond NumPy: DLPack, dtypes and torch.compile
==============================================

The same question for other ways out of torch: DLPack, dtypes that NumPy
lacks, and NumPy code inside ``torch.compile``. Each result is checked as
the script runs, with the torch and NumPy you have.

Needs ``torch``, ``numpy`` and ``torchfig``, the figure library published by
this site (see the gallery's front page for the wheel). ``torch.compile``
runs with the ``aot_eager`` backend, which needs no C++ compiler.
"""

# %%
# DLPack
# ------
import numpy as np
import torch

import torchfig
from torchfig import claim, claim_raises

t = torch.tensor([1.0, 2.0], requires_grad=True)
with claim_raises(
    "np.from_dlpack refuses a tensor that requires grad", BufferError, "gradient"
):
    np.from_dlpack(t)
exported = np.from_dlpack(t.detach())
claim(
    "after detach(), np.from_dlpack shares the tensor's memory",
    torchfig.shares_memory(exported, t),
)
torchfig.memory_figure(
    {"t": t, "np.from_dlpack(t.detach())": exported}, title="DLPack shares memory"
)

# %%
# Dtypes NumPy does not have
# --------------------------
half = torch.tensor([1.5, 2.5], dtype=torch.bfloat16)
with claim_raises("bfloat16 has no NumPy dtype", TypeError, "BFloat16"):
    half.numpy()
print(f"{half.float().numpy()=}")
claim("converting to float32 first works", half.float().numpy().dtype == np.float32)


# %%
# NumPy code inside torch.compile
# -------------------------------
# Compiled, ``x.numpy()`` and NumPy calls are traced as torch operations,
# so gradients flow through them.
def sine_sum(x):
    return torch.from_numpy(np.sin(x.numpy())).sum()


x = torch.tensor([0.5, 1.0], requires_grad=True)
torch.compile(sine_sum, backend="aot_eager")(x).backward()
print(f"{x.grad=}")
claim(
    "through the compiled NumPy code the gradient is cos(x)",
    torch.allclose(x.grad, torch.cos(x.detach())),
)
with claim_raises(
    "the same function run eagerly refuses", RuntimeError, "requires grad"
):
    sine_sum(torch.tensor([0.5, 1.0], requires_grad=True))
