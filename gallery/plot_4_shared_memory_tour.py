"""
A tour of shared memory
=======================

Which conversions between tensors and NumPy arrays share memory, and which
copy? Each conversion is made, checked and drawn as a memory figure of the
tensors and arrays and the memory they use.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# From a tensor to arrays
# -----------------------
import warnings

import numpy as np
import torch
import torchfig
from torchfig import check, check_cases, check_equal

t = torch.arange(6.0)
with warnings.catch_warnings():
    # DeprecationWarnings are filtered out of this block; the site's page on
    # shared memory is where they are discussed.
    warnings.simplefilter("ignore", DeprecationWarning)
    arrays = {
        "t": t,
        "t.numpy()": t.numpy(),
        "np.asarray(t)": np.asarray(t),
        "np.array(t)": np.array(t),
    }
for name, obj in arrays.items():
    print(f"{name:14} shares={torchfig.shares_memory(obj, t)}")
check(
    "tour-numpy-shares",
    torchfig.shares_memory(arrays["t.numpy()"], t),
    sentence="t.numpy() shares t's memory",
)
check(
    "tour-asarray-shares",
    torchfig.shares_memory(arrays["np.asarray(t)"], t),
    sentence="np.asarray(t) shares t's memory",
)
check(
    "tour-np-array-copies",
    not torchfig.shares_memory(arrays["np.array(t)"], t),
    sentence="np.array(t) copies",
)
torchfig.memory_figure(arrays, title="A tensor and three arrays made from it")

# %%
# From an array to tensors
# ------------------------
a = np.arange(4.0)
tensors = {
    "a": a,
    "from_numpy(a)": torch.from_numpy(a),
    "as_tensor(a)": torch.as_tensor(a),
    "from_dlpack(a)": torch.from_dlpack(a),
    "tensor(a)": torch.tensor(a),
}
for name, obj in tensors.items():
    print(f"{name:14} shares={torchfig.shares_memory(obj, a)}")
check_cases(
    "tour-from-numpy-and-as-tensor-share",
    {
        name: torchfig.shares_memory(tensors[name], a)
        for name in ("from_numpy(a)", "as_tensor(a)")
    },
    sentence="torch.from_numpy(a) and torch.as_tensor(a) share a's memory",
)
check(
    "tour-tensor-of-array-copies",
    not torchfig.shares_memory(tensors["tensor(a)"], a),
    sentence="torch.tensor(a) copies",
)
check(
    "tour-from-dlpack-shares",
    torchfig.shares_memory(tensors["from_dlpack(a)"], a),
    sentence="torch.from_dlpack(a) shares a's memory",
)
torchfig.memory_figure(tensors, title="An array and four tensors made from it")

# %%
# Writes are seen on both sides
# -----------------------------
tensors["from_numpy(a)"][0] = -1.0
a[1] = -2.0
print(f"{a=}")
print(f"{tensors['from_numpy(a)']=}")
check(
    "tour-from-numpy-write-reaches-array",
    bool(a[0] == -1.0),
    sentence="a write through from_numpy's tensor changes the array",
)
check(
    "tour-array-write-reaches-from-numpy",
    (tensors["from_numpy(a)"][1] == -2.0).item(),
    sentence="and a write into the array changes that tensor",
)

# %%
# Views and offsets
# -----------------
# A slice of ``t`` with a step of 2, and its array:
middle = t[1:5:2]
views = {"t": t, "t[1:5:2]": middle, "t[1:5:2].numpy()": middle.numpy()}
print(f"{middle.storage_offset()=} {middle.stride()=}")
print(f"{views['t[1:5:2].numpy()'].strides=}")
check(
    "tour-strided-slice-array-shares",
    torchfig.shares_memory(views["t[1:5:2].numpy()"], t),
    sentence="the array of a strided slice shares the tensor's memory",
)
check_equal(
    "tour-slice-array-same-step",
    views["t[1:5:2].numpy()"].strides,
    (middle.stride()[0] * middle.element_size(),),
    sentence="the array steps through memory as the slice does: its stride in "
    "bytes is the slice's stride times the size of an element",
)
torchfig.memory_figure(views, title="A strided slice and its array")
