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
# activations; under either switch it holds nothing.
with torch.enable_grad():
    recorded = model(batch)
with torch.no_grad():
    plain = model(batch)
with torch.inference_mode():
    inferred = model(batch)
saved = [name for name in dir(recorded.grad_fn) if name.startswith("_saved_")]
print(f"{type(recorded.grad_fn).__name__} saved {saved}")
claim("with recording on, the output's graph saves tensors", len(saved) > 0)
claim("under no_grad the output has no graph", plain.grad_fn is None)
claim("under inference_mode the output has no graph", inferred.grad_fn is None)

# %%
# The difference in behaviour
# ---------------------------
claim("no_grad results are ordinary tensors", not plain.is_inference())
claim("inference_mode results are inference tensors", inferred.is_inference())
with claim_raises("inference tensors cannot be saved for backward", RuntimeError, "Inference tensors cannot be saved"):
    (model[0].weight.sum() * inferred).sum().backward()
