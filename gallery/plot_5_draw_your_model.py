"""
Draw the graph of your own model
================================

``torchfig.autograd_graph`` draws the backward graph behind any tensor, so
it works on your model's output as well as on the small examples of this
site. Here it is for a two-layer MLP: the graph after the forward pass,
with the tensors each node saved, and the same graph after backward, when
those tensors have been freed. Options keep large graphs readable.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A two-layer MLP
# ---------------
import torch
import torchfig
from torchfig import claim

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
inputs = torch.randn(2, 3)
loss = model(inputs).pow(2).mean()

# %%
# The graph after the forward pass
# --------------------------------
# Name the parameters so the figure shows which leaf is which.
names = {name: p for name, p in model.named_parameters()} | {"inputs": inputs, "loss": loss}
torchfig.autograd_graph(loss, names=names)

# %%
# Every parameter is a leaf that the graph reaches through ``AccumulateGrad``.
leaves = set()
pending = [loss.grad_fn]
while pending:
    fn = pending.pop()
    if type(fn).__name__ == "AccumulateGrad":
        leaves.add(id(fn.variable))
    pending += [child for child, _ in fn.next_functions if child is not None]
claim("the graph reaches every parameter of the model", leaves == {id(p) for p in model.parameters()})

# %%
# After backward
# --------------
# Backward fills ``.grad`` on the leaves and frees the saved tensors; the
# figure now shows them as freed, and the leaves with their gradients.
loss.backward()
claim("every parameter has a gradient after backward", all(p.grad is not None for p in model.parameters()))
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
claim("a folded figure says how many nodes it collapsed", "collapsed into runs" in folded.source)
claim("a depth-capped figure says how many nodes it did not draw", "not drawn" in capped.source)
