"""
Trace backward through your own model
=====================================

``torchfig.watch_backward`` hangs PyTorch's node hooks on every node behind
a loss, lets ``backward()`` run, and takes the hooks off again. The trace
says which node ran when and which gradient flowed along each edge; the
script checks it against the gradients backward stored.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A small model and its loss
# --------------------------
import torch

import torchfig
from torchfig import claim, claim_cases, claim_close

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
)
inputs = torch.randn(4, 2)
loss = model(inputs).pow(2).mean()

# %%
# Backward, watched
# -----------------
with torchfig.watch_backward(loss) as trace:
    loss.backward(retain_graph=True)  # kept, to run backward once more at the end
names = dict(model.named_parameters()) | {"inputs": inputs, "loss": loss}
torchfig.backward_figure(trace, names)

# %%
# The trace against the stored gradients
# --------------------------------------
# Each parameter's ``AccumulateGrad`` node received a gradient; it is the
# one backward stored in ``.grad``.
for step in trace.steps:
    if type(step.node).__name__ == "AccumulateGrad":
        parameter = step.node.variable
        claim_close(
            f"the gradient that reached {parameter.shape} is its .grad",
            step.arrived[0],
            parameter.grad,
        )
ran = [id(step.node) for step in trace.steps]
claim_cases(
    "each node behind the loss ran exactly once",
    {type(node).__name__ + f" #{n}": ran.count(id(node)) == 1
     for n, node in enumerate(trace.walk.order, start=1)},
)

# %%
# The hooks are gone
# ------------------
# A second backward through the same graph, after the block, adds no steps.
steps_watched = len(trace.steps)
loss.backward()
claim(
    "the hooks came off with the block: a second backward is not traced",
    len(trace.steps) == steps_watched,
)
