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
from torchfig import check, check_cases

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
# For each parameter, the check compares the gradient its ``AccumulateGrad``
# node received in the trace with the one backward stored in ``.grad``.
arrived = {
    step.node.variable: step.arrived[0]
    for step in trace.steps
    if type(step.node).__name__ == "AccumulateGrad"
}
for name, parameter in model.named_parameters():
    got = arrived.get(parameter)
    print(f"{name:9} received {None if got is None else tuple(got.shape)}")
check_cases(
    "each-parameter-received-its-grad",
    {
        name: parameter in arrived
        and torch.allclose(arrived[parameter], parameter.grad)
        for name, parameter in model.named_parameters()
    },
    sentence="the gradient each parameter's AccumulateGrad node received is the "
    "parameter's .grad",
)
# the nodes behind the loss, found from its grad_fn by following next_functions
behind, pending = {}, [loss.grad_fn]
while pending:
    node = pending.pop()
    if id(node) not in behind:
        behind[id(node)] = node
        pending += [child for child, _ in node.next_functions if child is not None]
ran = [id(step.node) for step in trace.steps]
check_cases(
    "each-node-ran-once",
    {
        type(node).__name__ + f" #{n}": ran.count(key) == 1
        for n, (key, node) in enumerate(behind.items(), start=1)
    }
    | {"no other node ran": set(ran) <= set(behind)},
    sentence="each node behind the loss ran exactly once",
)

# %%
# The hooks are gone
# ------------------
# A second backward runs through the same graph, after the block; the
# check counts the trace's steps again.
steps_watched = len(trace.steps)
loss.backward()
print(f"{steps_watched=} {len(trace.steps)=}")
check(
    "second-backward-not-traced",
    len(trace.steps) == steps_watched,
    sentence="after the block, a second backward adds no steps to the trace",
)
