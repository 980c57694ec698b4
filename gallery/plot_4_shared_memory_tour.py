"""
A tour of shared memory
=======================

Which conversions between tensors and NumPy arrays share memory, and which
copy? Each conversion is made, checked and drawn as a memory figure:
boxes are tensors and arrays, grey blocks the memory they use.

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
from torchfig import claim

t = torch.arange(6.0)
with warnings.catch_warnings():
    # NumPy 2 asks a tensor's __array__ for a `copy` argument that this torch
    # may not take, and says so in a DeprecationWarning; the result is the same.
    warnings.simplefilter("ignore", DeprecationWarning)
    arrays = {
        "t": t,
        "t.numpy()": t.numpy(),
        "np.asarray(t)": np.asarray(t),
        "np.array(t)": np.array(t),
    }
for name, obj in arrays.items():
    print(f"{name:14} shares={torchfig.shares_memory(obj, t)}")
claim("t.numpy() shares", torchfig.shares_memory(arrays["t.numpy()"], t))
claim("np.asarray(t) shares", torchfig.shares_memory(arrays["np.asarray(t)"], t))
claim("np.array(t) copies", not torchfig.shares_memory(arrays["np.array(t)"], t))
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
claim("torch.tensor(a) copies", not torchfig.shares_memory(tensors["tensor(a)"], a))
claim(
    "torch.from_dlpack(a) shares", torchfig.shares_memory(tensors["from_dlpack(a)"], a)
)
torchfig.memory_figure(tensors, title="An array and four tensors made from it")

# %%
# Writes are seen on both sides
# -----------------------------
tensors["from_numpy(a)"][0] = -1.0
print(f"{a=}")
claim("a write through from_numpy's tensor changes the array", a[0] == -1.0)

# %%
# Views and offsets
# -----------------
# A slice is a view with an offset and strides; its array is a view too.
middle = t[1:5:2]
views = {"t": t, "t[1:5:2]": middle, "t[1:5:2].numpy()": middle.numpy()}
print(f"{middle.stride()=} {views['t[1:5:2].numpy()'].strides=}")
claim(
    "an array of a strided slice shares the tensor's memory",
    torchfig.shares_memory(views["t[1:5:2].numpy()"], t),
)
torchfig.memory_figure(views, title="A strided slice and its array")
