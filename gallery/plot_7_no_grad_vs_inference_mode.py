"""
``no_grad`` against ``inference_mode``
======================================

Both stop autograd from recording. ``inference_mode`` also marks its
results as inference tensors, which have no version counter and cannot be
saved for backward later. This script times both on the machine that runs
it, without assuming which is faster, and checks the difference in
behaviour.

Needs ``torch`` and ``torchfig``, the figure library published by this site
(see the gallery's front page for the wheel).
"""

# %%
# A model to evaluate
# -------------------
import time

import torch
import torchfig
from torchfig import claim, claim_raises

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
)
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
# The numbers depend on the machine and the model, and so does which
# switch is faster; the page shows the ones measured while the site was
# built. Run the script to see yours.
timings = {
    name: seconds_per_call(ctx)
    for name, ctx in [
        ("enable_grad", torch.enable_grad),
        ("no_grad", torch.no_grad),
        ("inference_mode", torch.inference_mode),
    ]
}
for name, seconds in timings.items():
    print(f"{name:15} {seconds * 1e6:8.1f} microseconds per forward pass")

# %%
# What each keeps in memory
# -------------------------
# With recording on, the output holds a graph whose nodes keep the
# activations they need for backward; under either switch it holds nothing.
with torch.enable_grad():
    recorded = model(batch)
with torch.no_grad():
    plain = model(batch)
with torch.inference_mode():
    inferred = model(batch)
print(
    f"recording on:   the graph keeps {torchfig.graph_memory(recorded).saved_bytes}"
    " bytes of saved tensors"
)
print("no_grad:        no graph" if plain.grad_fn is None else "no_grad: a graph")
print(
    "inference_mode: no graph"
    if inferred.grad_fn is None
    else "inference_mode: a graph"
)
claim(
    "with recording on, the output's graph keeps saved tensors",
    torchfig.graph_memory(recorded).saved_bytes > 0,
)
claim("under no_grad the output has no graph", plain.grad_fn is None)
claim("under inference_mode the output has no graph", inferred.grad_fn is None)

# %%
# The difference in behaviour
# ---------------------------
claim("no_grad results are ordinary tensors", not plain.is_inference())
claim("inference_mode results are inference tensors", inferred.is_inference())
with claim_raises(
    "a product that would save an inference tensor for backward is refused",
    RuntimeError,
    "Inference tensors cannot be saved",
):
    (model[0].weight.sum() * inferred).sum().backward()
(model[0].bias.sum() + inferred).sum().backward()
claim(
    "but they can meet autograd where no operation saves them: an addition works",
    model[0].bias.grad is not None,
)
