"""
``no_grad`` against ``inference_mode``
======================================

Both stop autograd from recording. ``inference_mode`` also skips the
version counter and marks its results as inference tensors, which makes it
a little cheaper and forbids those tensors in autograd later. This script
measures both on the machine that runs it and checks the difference in
behaviour.

Needs ``torch`` and ``torchfig``, the figure library published by this site
(see the gallery's front page for the wheel).
"""

# %%
# A model to evaluate
# -------------------
import time

import torch
from torchfig import claim, claim_raises

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
batch = torch.randn(64, 256)


def seconds_per_call(context, repeats=200):
    with context():
        model(batch)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            model(batch)
    return (time.perf_counter() - start) / repeats


# %%
# Time per forward pass
# ---------------------
# The numbers depend on the machine; the page shows the ones measured
# while the site was built.
timings = {name: seconds_per_call(ctx) for name, ctx in
           [("enable_grad", torch.enable_grad), ("no_grad", torch.no_grad), ("inference_mode", torch.inference_mode)]}
for name, seconds in timings.items():
    print(f"{name:15} {seconds * 1e6:8.1f} microseconds per forward pass")

# %%
# What each keeps in memory
# -------------------------
# With recording on, the output holds a graph whose nodes keep the
# activations they need for backward; under either switch it holds nothing.
def bytes_saved_by_graph(output):
    """Bytes of the distinct tensors the output's backward graph keeps alive."""
    seen, total, pending = set(), 0, [output.grad_fn]
    while pending:
        fn = pending.pop()
        if fn is None:
            continue
        for name in dir(fn):
            value = getattr(fn, name) if name.startswith("_saved_") else None
            if isinstance(value, torch.Tensor) and value.data_ptr() not in seen:
                seen.add(value.data_ptr())
                total += value.numel() * value.element_size()
        pending += [child for child, _ in fn.next_functions]
    return total


with torch.enable_grad():
    recorded = model(batch)
with torch.no_grad():
    plain = model(batch)
with torch.inference_mode():
    inferred = model(batch)
print(f"recording on:   the graph keeps {bytes_saved_by_graph(recorded)} bytes of saved tensors")
print("no_grad:        no graph" if plain.grad_fn is None else "no_grad: a graph")
print("inference_mode: no graph" if inferred.grad_fn is None else "inference_mode: a graph")
claim("with recording on, the output's graph keeps saved tensors", bytes_saved_by_graph(recorded) > 0)
claim("under no_grad the output has no graph", plain.grad_fn is None)
claim("under inference_mode the output has no graph", inferred.grad_fn is None)

# %%
# The difference in behaviour
# ---------------------------
claim("no_grad results are ordinary tensors", not plain.is_inference())
claim("inference_mode results are inference tensors", inferred.is_inference())
with claim_raises("inference tensors cannot be saved for backward", RuntimeError, "Inference tensors cannot be saved"):
    (model[0].weight.sum() * inferred).sum().backward()
