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
import re

import torch
import torchfig
from torchfig import check, check_cases

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
before = torchfig.autograd_graph(loss, names=names)

# %%
# The saved weight's version
# --------------------------
# A saved tensor's note gives a :term:`version counter`. The last layer's
# ``AddmmBackward0`` saved its weight's memory (as the transpose it
# multiplies by), as ``mat2``; the checks compare the new model's parameters
# with a tensor filled in place once.
addmm = loss.grad_fn.next_functions[0][0].next_functions[0][0]
weight_note = [
    n.label for n in before.drawn_nodes() if n.label.startswith("saved mat2")
]
print(f"{type(addmm).__name__=} {weight_note=}")
check_cases(
    "mlp-figure-saved-weight-version-1",
    {
        "one note for mat2, saying version 1": len(weight_note) == 1
        and weight_note[0].endswith("(version 1)"),
        "mat2 is the last layer's weight": addmm._saved_mat2.data_ptr()
        == model[2].weight.data_ptr(),
    },
    sentence="the figure's note on the last layer's saved weight says version 1",
)
fresh = torch.empty(4, 3)
before_init = fresh._version
torch.nn.init.uniform_(fresh)
print(f"{before_init=} {fresh._version=}")
check_cases(
    "mlp-parameters-at-version-1",
    {name: p._version == 1 for name, p in model.named_parameters()}
    | {"torch.empty, then uniform_": before_init == 0 and fresh._version == 1},
    sentence="the parameters of a new Linear are at version 1, and so is a tensor "
    "after one in-place fill",
)


# %%
# The graph's leaves, found by walking it from ``loss``:
def backward_nodes(root):
    """Each node reachable from ``root``, once."""
    found, pending = {}, [root]
    while pending:
        fn = pending.pop()
        if id(fn) not in found:
            found[id(fn)] = fn
            pending += [child for child, _ in fn.next_functions if child is not None]
    return list(found.values())


leaves = {
    id(fn.variable)
    for fn in backward_nodes(loss.grad_fn)
    if type(fn).__name__ == "AccumulateGrad"
}
check_cases(
    "mlp-graph-reaches-each-parameter",
    {name: id(p) in leaves for name, p in model.named_parameters()}
    | {"no other leaf": leaves <= {id(p) for p in model.parameters()}},
    sentence="the graph reaches each parameter of the model, and nothing else, "
    "through AccumulateGrad",
)

# %%
# Notes and tensors: one memory saved twice
# -----------------------------------------
# The figure draws a note for each tensor a node saved; ``graph_memory``
# counts each saved tensor once. The ReLU's output is saved by two nodes:
# by ``ReluBackward0`` as its result, and by the last ``AddmmBackward0`` as
# ``mat1``.
saved_notes = [n.label for n in before.drawn_nodes() if n.kind == "saved"]
saved_tensors = torchfig.graph_memory(loss).saved_tensors
# every tensor the nodes saved, read from their _saved_ attributes, by memory
by_memory = {}
for fn in backward_nodes(loss.grad_fn):
    for name in dir(fn):
        value = getattr(fn, name) if name.startswith("_saved_") else None
        if isinstance(value, torch.Tensor):
            by_memory.setdefault(value.data_ptr(), []).append(f"{fn.name()}.{name}")
shared = [sorted(names) for names in by_memory.values() if len(names) > 1]
print(
    f"{len(saved_notes)} notes, {saved_tensors} tensors; saved by two nodes: {shared}"
)
check_cases(
    "mlp-relu-output-saved-twice",
    {
        "a note per saved tensor": sorted(n.split(" / ")[0] for n in saved_notes)
        == sorted(
            "saved " + name.split("._saved_")[1]
            for names in by_memory.values()
            for name in names
        ),
        "a count per memory": len(by_memory) == saved_tensors,
        "each memory shared": shared
        == [["AddmmBackward0._saved_mat1", "ReluBackward0._saved_result"]],
    },
    sentence="the figure has one note per tensor a node saved, and graph_memory one "
    "count per memory: only ReluBackward0's result and an AddmmBackward0's mat1 "
    "share theirs",
)

# %%
# After backward
# --------------
loss.backward()
print({name: tuple(p.grad.shape) for name, p in model.named_parameters()})
check_cases(
    "mlp-backward-fills-each-grad",
    {name: p.grad is not None for name, p in model.named_parameters()},
    sentence="backward filled .grad on each parameter",
)

# %%
# What the graph still holds, counted and drawn:
saved_after = torchfig.graph_memory(loss).saved_tensors
print(f"before backward {saved_tensors}, after {saved_after}")
check(
    "mlp-backward-frees-saved-tensors",
    saved_tensors > 0 and saved_after == 0,
    sentence="backward freed the tensors the graph saved",
)
after = torchfig.autograd_graph(loss, names=names, values=True)
notes = [n.label for n in after.drawn_nodes() if n.kind == "saved"]
leaf_boxes = [n.label for n in after.drawn_nodes() if n.kind == "leaf"]


def grad_shown(name):
    """What the box of the leaf called ``name`` shows after "grad", number by number."""
    box = next(label for label in leaf_boxes if label.startswith(f"{name} / "))
    return re.findall(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\.\.", box.split("grad [")[1])


def first_six_to_four_digits(grad):
    shown = [f"{float(v):.4g}" for v in grad.flatten()[:6]]
    return shown + (["..."] if grad.numel() > 6 else [])


check_cases(
    "mlp-figure-after-backward",
    {
        f"{len(notes)} saved notes, each saying freed by backward": len(notes) > 0
        and all("freed by backward" in n for n in notes),
        "4 leaves": len(leaf_boxes) == 4,
        **{
            f"{name} shows its own .grad": grad_shown(name)
            == first_six_to_four_digits(p.grad)
            for name, p in model.named_parameters()
        },
    },
    sentence="every saved-tensor note the figure now draws reads freed, and each leaf "
    "shows its gradient (its first six values, to four digits)",
)

# %%
# Large graphs
# ------------
# Two options keep a long chain of operations small: ``collapse`` and
# ``max_depth``.
deep = torch.ones(2, requires_grad=True)
out = deep
for _ in range(50):
    out = out * 1.01
folded = torchfig.autograd_graph(out.sum())
capped_root = out.sum()
capped = torchfig.autograd_graph(capped_root, collapse=None, max_depth=3)
folded_labels = [n.label for n in folded.drawn_nodes()]
check(
    "default-collapse-counts-folded-nodes",
    "MulBackward0 x50 / (a collapsed run)" in folded_labels
    and "50 backward nodes drawn as 1 box" in folded.source,
    sentence="with collapse left at its default, the figure folds the 50 "
    "multiplications into one box and says how many nodes it holds",
)
total = len(backward_nodes(capped_root.grad_fn))
boxes = [n for n in capped.drawn_nodes() if n.kind in ("function", "accumulate")]
check(
    "max-depth-counts-undrawn-nodes",
    any(
        n.label.startswith(f"{total - len(boxes)} deeper backward nodes not drawn")
        for n in capped.drawn_nodes()
    ),
    sentence="with max_depth=3, the figure says how many nodes it did not draw",
)
