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
# Which error the refusal raises has changed between releases of torch: the
# Beyond NumPy page checks the type on each release. The check below is on the
# refusal itself, whatever its type.
import numpy as np
import torch
import torchfig
from torchfig import caught, check, check_cases, check_raises

t = torch.tensor([1.0, 2.0], requires_grad=True)
with caught() as refused:
    np.from_dlpack(t)
check(
    "from-dlpack-refuses-with-this-release",
    isinstance(refused.error, (BufferError, RuntimeError))
    and "gradient" in str(refused.error),
    sentence=f"with torch {torch.__version__}, np.from_dlpack refuses a tensor that "
    "requires grad, with an error that names the gradient",
)
exported = np.from_dlpack(t.detach())
print(f"{torchfig.shares_memory(exported, t)=}")
check(
    "from-dlpack-shares-after-detach",
    torchfig.shares_memory(exported, t),
    sentence="after detach(), np.from_dlpack shares the tensor's memory",
)
torchfig.memory_figure(
    {"t": t, "np.from_dlpack(t.detach())": exported}, title="DLPack shares memory"
)

# %%
# Dtypes NumPy does not have
# --------------------------
bf16 = torch.tensor([1.5, 2.5], dtype=torch.bfloat16)
with caught() as no_dtype:
    bf16.numpy()
as_float = bf16.float().numpy()
print(f"{as_float=}")
check_raises(
    "bfloat16-has-no-numpy-dtype",
    no_dtype,
    TypeError,
    "BFloat16",
    sentence="numpy() refuses a bfloat16 tensor with a TypeError naming the dtype",
)
check(
    "float32-first-converts",
    as_float.dtype == np.float32 and as_float.tolist() == [1.5, 2.5],
    sentence="converting to float32 first works, and keeps the values",
)


# %%
# NumPy code inside torch.compile
# -------------------------------
# The function below calls ``x.numpy()`` and ``np.sin``; it is run once
# compiled and once eagerly.
def sine_sum(x):
    return torch.from_numpy(np.sin(x.numpy())).sum()


x = torch.tensor([0.5, 1.0], requires_grad=True)
total = torch.compile(sine_sum, backend="aot_eager")(x)
with caught() as compiled_backward:
    total.backward()
print(f"{x.grad=}")
with caught() as eager:
    sine_sum(torch.tensor([0.5, 1.0], requires_grad=True))
check_cases(
    "compiled-numpy-code-gradient-is-cos",
    {
        "backward ran": compiled_backward.error is None,
        "x.grad is cos(x)": x.grad is not None
        and torch.allclose(x.grad, torch.cos(x.detach())),
    },
    sentence="through the compiled NumPy code backward runs, and the gradient "
    "is cos(x)",
)
check_raises(
    "eager-numpy-code-refused",
    eager,
    RuntimeError,
    "requires grad",
    sentence="the same function run eagerly refuses a tensor that requires grad",
)
