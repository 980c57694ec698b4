"""
``no_grad`` against ``inference_mode``
======================================

Two switches for evaluating a model without recording a graph. This script
times both on the machine that runs it, without assuming which is faster,
then checks what each one's results are: whether they hold a graph,
whether they are inference tensors, whether they have a version counter,
and whether autograd may later save them for backward.

Needs ``torch`` and ``torchfig``, the figure library published by this site
(see the gallery's front page for the wheel).
"""

# %%
# A model to evaluate
# -------------------
import time

import torch
import torchfig
from torchfig import caught, check, check_raises

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
)
batch = torch.randn(64, 256)


def seconds_per_call(context, repeats=200, rounds=5):
    """The fastest of several rounds: a busy machine slows some rounds down."""
    fastest = float("inf")
    with context():
        model(batch)  # warm-up
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(repeats):
                model(batch)
            fastest = min(fastest, (time.perf_counter() - start) / repeats)
    return fastest


# %%
# Time per forward pass
# ---------------------
# The numbers depend on the machine and the model, and so does which
# switch is faster; the page shows the ones measured while the site was
# built, the fastest of five rounds of 200 calls each; how much they vary
# from run to run is not measured. Run the script to see yours.
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
# The same batch, evaluated with recording on and under each switch; the
# checks read what each output holds.
with torch.enable_grad():
    recorded = model(batch)
with torch.no_grad():
    plain = model(batch)
with torch.inference_mode():
    inferred = model(batch)
print(f"no_grad:        grad_fn={plain.grad_fn}")
print(f"inference_mode: grad_fn={inferred.grad_fn}")
check(
    "no-grad-output-has-no-graph",
    plain.grad_fn is None and not plain.requires_grad,
    sentence="under no_grad the output has no graph",
)
check(
    "inference-mode-output-has-no-graph",
    inferred.grad_fn is None and not inferred.requires_grad,
    sentence="under inference_mode the output has no graph",
)

# %%
# With recording on, the figure library counts what the graph saved:
saved_bytes = torchfig.graph_memory(recorded).saved_bytes
print(f"recording on:   {recorded.grad_fn.name()}, {saved_bytes} bytes saved")
check(
    "recorded-output-keeps-saved-tensors",
    recorded.grad_fn is not None and saved_bytes > 0,
    sentence="with recording on, the output has a graph, and the graph keeps "
    "saved tensors",
)

# %%
# The difference in behaviour
# ---------------------------
# Each result is asked whether it is an inference tensor and for its
# version counter.
plain_version = plain._version
print(f"{plain.is_inference()=} {plain_version=}")
print(f"{inferred.is_inference()=}")
with caught() as no_counter:
    inferred._version
check(
    "no-grad-results-are-ordinary",
    not plain.is_inference() and plain_version == 0,
    sentence="no_grad results are ordinary tensors, with a version counter",
)
check(
    "inference-mode-results-are-inference-tensors",
    inferred.is_inference(),
    sentence="inference_mode results are inference tensors",
)
check_raises(
    "inference-tensor-has-no-version-counter",
    no_counter,
    RuntimeError,
    "do not track version counter",
    sentence="an inference tensor has no version counter: asking for it raises a "
    "RuntimeError",
)

# %%
# Meeting autograd later
# ----------------------
# A multiplication by a weight would save the inference tensor for
# backward.
with caught() as refused:
    model[0].weight.sum() * inferred
bias_grad_before = model[0].bias.grad
(model[0].bias.sum() + inferred).sum().backward()
print(f"{bias_grad_before=} {model[0].bias.grad.shape=}")
check_raises(
    "inference-tensor-cannot-be-saved",
    refused,
    RuntimeError,
    "Inference tensors cannot be saved",
    sentence="a product that would save an inference tensor for backward is "
    "refused, when it is computed",
)
check(
    "inference-tensor-in-an-addition",
    bias_grad_before is None and model[0].bias.grad is not None,
    sentence="but an inference tensor may meet autograd in an addition: backward "
    "through the sum ran, and gave the bias a gradient",
)
