"""
Draw the graph of your own model
================================

``torchfig.autograd_graph`` can draw your model's backward graph as well as
the small examples of this site. Here it is for a two-layer MLP: the graph
after the forward pass, with the tensors each node saved, and the same graph
after backward, when those tensors have been freed. Options keep large
graphs readable.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A two-layer MLP
# ---------------
import torch
import torchfig
from torchfig import claim, claim_cases

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)
)
inputs = torch.randn(2, 3)
loss = model(inputs).pow(2).mean()

# %%
# The graph after the forward pass
# --------------------------------
# Name the parameters so the figure shows which leaf is which.
names = {name: p for name, p in model.named_parameters()} | {
    "inputs": inputs,
    "loss": loss,
}
torchfig.autograd_graph(loss, names=names)

# %%
# Why the saved weights say "version 1"
# -------------------------------------
# A saved tensor's note gives the :term:`version counter` it was saved at.
# ``nn.Linear`` fills its parameters in place when it creates them, and that
# write counts: the forward pass saved weights that had been written once.
fresh = torch.empty(4, 3)
before_init = fresh._version
torch.nn.init.uniform_(fresh)
print(f"{before_init=} {fresh._version=}")
claim_cases(
    "the parameters of a new Linear are at version 1, as a tensor is after one "
    "in-place fill",
    {name: p._version == 1 for name, p in model.named_parameters()}
    | {"torch.empty, then uniform_": before_init == 0 and fresh._version == 1},
)

# %%
# Every parameter is a leaf that the graph reaches through ``AccumulateGrad``.
leaves = set()
pending = [loss.grad_fn]
while pending:
    fn = pending.pop()
    if type(fn).__name__ == "AccumulateGrad":
        leaves.add(id(fn.variable))
    pending += [child for child, _ in fn.next_functions if child is not None]
claim_cases(
    "the graph reaches each parameter of the model, and nothing else, "
    "through AccumulateGrad",
    {name: id(p) in leaves for name, p in model.named_parameters()}
    | {"no other leaf": leaves <= {id(p) for p in model.parameters()}},
)

# %%
# After backward
# --------------
# The figure now shows the saved tensors as freed, and the leaves with
# their gradients.
saved_before = torchfig.graph_memory(loss).saved_tensors
loss.backward()
claim_cases(
    "backward fills .grad on each parameter",
    {name: p.grad is not None for name, p in model.named_parameters()},
)
claim(
    "backward frees the tensors the graph saved",
    saved_before > 0 and torchfig.graph_memory(loss).saved_tensors == 0,
)
torchfig.autograd_graph(loss, names=names, values=True)

# %%
# Large graphs
# ------------
# ``collapse`` (on by default) folds long runs of the same operation into
# one box, and ``max_depth`` stops the drawing a few boxes below the
# output; each figure says what it left out.
deep = torch.ones(2, requires_grad=True)
out = deep
for _ in range(50):
    out = out * 1.01
folded = torchfig.autograd_graph(out.sum())
capped = torchfig.autograd_graph(out.sum(), collapse=None, max_depth=3)
claim(
    "a folded figure says how many nodes its collapsed box holds",
    "MulBackward0 x50" in folded.source
    and "50 backward nodes drawn as 1 box" in folded.source,
)
claim(
    "a depth-capped figure says how many nodes it did not draw",
    "not drawn" in capped.source,
)
