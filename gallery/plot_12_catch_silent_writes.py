"""
Catching a silent write in a training step
==========================================

A small classifier takes a training step while a logging helper, called
after the loss is computed, centres the hidden activations it records, in
place, through NumPy. The loss is already computed, yet the first layer's
weight gradient comes out wrong and nothing says so.
``torchfig.detect_silent_writes`` around the forward pass turns that into an
error naming the backward node, and lets a clean step run backward. Without
the detector, marking the logged array read-only makes the helper's write
itself raise. Each check prints ``✔`` and its sentence as it runs.

Needs ``torch``, ``numpy``, ``graphviz`` (the Python package and Graphviz's
``dot``) and ``torchfig``, the figure library published by this site (see
the gallery's front page for the wheel).
"""

# %%
# A model, a batch, and a logging helper with a bug
# --------------------------------------------------
# ``log_activations`` keeps the hidden layer's values for a plot. It
# centres them with ``-=`` on the array from ``detach().numpy()``: the
# array is the tensor's memory, so the tensor is centred too.
import time
from contextlib import nullcontext

import numpy as np
import torch
import torchfig
from torchfig import caught, check, check_cases, check_raises

torch.manual_seed(0)
batch, labels = torch.randn(16, 4), torch.randint(0, 3, (16,))


def make_model():
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    )


def log_activations(hidden, logged):
    values = hidden.detach().numpy()
    values -= values.mean()  # the bug: in place, on the tensor's own memory
    logged.append(values)


def gradients(model, log):
    """One forward and backward, logged between them; the loss and the first
    layer's weight gradient."""
    hidden = model[1](model[0](batch))
    loss = torch.nn.functional.cross_entropy(model[2](hidden), labels)
    if log:
        log_activations(hidden, [])
    loss.backward()
    return loss.item(), model[0].weight.grad


# %%
# What backward will read again
# -----------------------------
# The checks below look at what the hidden layer's ``tanh`` and the last
# layer saved; the figure draws each saved tensor as a note.
probe = make_model()
hidden = probe[1](probe[0](batch))
out = probe[2](hidden)
print(f"{hidden.grad_fn.name()} and {out.grad_fn.name()} were recorded")
check(
    "hidden-values-saved-twice",
    hidden.grad_fn._saved_result.data_ptr() == hidden.data_ptr()
    and out.grad_fn._saved_mat1.data_ptr() == hidden.data_ptr(),
    sentence="tanh saved its own output for backward, and the last layer saved "
    "the same memory as its input",
)
torchfig.autograd_graph(
    out.sum(),
    names={"hidden": hidden},
    title="The classifier's backward graph: hidden is saved twice",
)

# %%
# Trained with and without the logging helper
# -------------------------------------------
# The loss is computed before the helper writes, so it cannot show the bug;
# the gradients can.
right_loss, right = gradients(make_model(), log=False)
wrong_loss, wrong = gradients(make_model(), log=True)
difference = (right - wrong).abs().max()
print(f"losses: {right_loss:.4f} without logging, {wrong_loss:.4f} with it")
print(f"largest difference in the first layer's gradient: {difference:.4f}")
check(
    "logging-bug-changes-gradients",
    not torch.allclose(right, wrong),
    sentence="the in-place centring through NumPy changed the first layer's weight "
    "gradient, and the step raised nothing",
)


# %%
# The same step, watched
# ----------------------
# The forward pass runs inside ``detect_silent_writes``; backward checks
# every saved tensor before it is used.
def watched_loss(model, log):
    """The step's loss, its forward pass run inside the detector, logged by ``log``."""
    with torchfig.detect_silent_writes():
        hidden = model[1](model[0](batch))
        loss = torch.nn.functional.cross_entropy(model[2](hidden), labels)
    log(hidden, [])
    return loss


model = make_model()
loss = watched_loss(model, log_activations)
with caught() as watched:
    loss.backward()
check_raises(
    "detector-names-the-node",
    watched,
    torchfig.SilentWriteError,
    r"(AddmmBackward0|TanhBackward0) saved",
    sentence="watched, backward raised SilentWriteError naming the node whose saved "
    "tensor changed",
)
check(
    "no-gradient-written",
    all(p.grad is None for p in model.parameters()),
    sentence="and no parameter's gradient was written",
)


# %%
# What the detector holds
# -----------------------
# Its price is memory: a copy of each tensor a node saved, kept while the
# graph lives. ``copied_bytes`` says how many bytes; below it is set beside
# the bytes the graph's nodes saved, added up node by node, and beside
# ``graph_memory``, which counts each saved memory once.
def saved_per_node(loss):
    """Bytes of every tensor each node behind ``loss`` saved, node by node."""
    nodes, pending, total = set(), [loss.grad_fn], 0
    while pending:
        node = pending.pop()
        if node is None or node in nodes:
            continue
        nodes.add(node)
        pending += [next_node for next_node, _ in node.next_functions]
        for name in [n for n in dir(node) if n.startswith("_saved_")]:
            value = getattr(node, name)
            for tensor in value if isinstance(value, (tuple, list)) else [value]:
                if isinstance(tensor, torch.Tensor):
                    total += tensor.numel() * tensor.element_size()
    return total


model = make_model()
with torchfig.detect_silent_writes() as watch:
    hidden = model[1](model[0](batch))
    loss = torch.nn.functional.cross_entropy(model[2](hidden), labels)
per_node, once_each = saved_per_node(loss), torchfig.graph_memory(loss).saved_bytes
print(f"copies {watch.copied_bytes} bytes; saved, node by node {per_node} bytes")
print(f"saved memory, each once (graph_memory): {once_each} bytes")
check(
    "detector-copies-what-nodes-saved",
    watch.copied_bytes == per_node > once_each,
    sentence="the detector's copies take as many bytes as the nodes saved, added up "
    "node by node, which is more than graph_memory's count",
)


# %%
# And time: watched, a step also copies what it saves and compares the copies
# at backward. A clean step of this small model, timed with and without the
# detector, the fastest of five rounds of 50 steps each. The numbers depend on
# the machine and the model, and how much they vary from run to run is not
# measured; nothing is checked on them. Run the script to see yours.
def seconds_per_step(watched, repeats=50, rounds=5):
    """The fastest of several rounds: a busy machine slows some rounds down."""
    model = make_model()
    fastest = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            with torchfig.detect_silent_writes() if watched else nullcontext():
                out = model(batch)
                loss = torch.nn.functional.cross_entropy(out, labels)
            loss.backward()
        fastest = min(fastest, (time.perf_counter() - start) / repeats)
    return fastest


for name, watched in [("unwatched", False), ("watched", True)]:
    print(f"{name:10} {seconds_per_step(watched) * 1e6:8.1f} microseconds per step")


# %%
# A torch write is left to backward's own check
# ---------------------------------------------
# The same centring written in torch moves the version counter, which the
# detached tensor shares with ``hidden``. Backward's own check stops it,
# and the detector passes that error on unchanged.
def log_in_torch(hidden, logged):
    values = hidden.detach()
    values -= values.mean()  # a torch write: the version counter moves
    logged.append(values)


torch_logged = watched_loss(make_model(), log_in_torch)
with caught() as torch_write:
    torch_logged.backward()
check_cases(
    "torch-write-left-to-backward",
    {
        "backward's own in-place error": isinstance(torch_write.error, RuntimeError)
        and "modified by an inplace operation" in str(torch_write.error),
        "not a SilentWriteError": not isinstance(
            torch_write.error, torchfig.SilentWriteError
        ),
    },
    sentence="written in torch, the centring is stopped by backward's own in-place "
    "error, not by the detector",
)


# %%
# A clean step passes, with the same gradients
# --------------------------------------------
# The fix is to centre a copy of the values. Watched, the step then runs
# backward, and its gradients are those of the step without logging.
def log_a_copy(hidden, logged):
    values = hidden.detach().numpy().copy()
    values -= values.mean()
    logged.append(values)


model = make_model()
watched_loss(model, log_a_copy).backward()
same_as_unlogged = np.allclose(model[0].weight.grad.numpy(), right.numpy())
check(
    "clean-step-passes",
    same_as_unlogged,
    sentence="with the copy, the watched step ran backward and gave the first layer's "
    "weight the gradient of the step without logging",
)


# %%
# Without the detector: an array marked read-only
# -----------------------------------------------
# Code that hands tensors to NumPy can guard each array it makes by
# turning the array's ``writeable`` flag off (see NumPy's
# ``ndarray.flags``). The guard below uses no ``torchfig``, and the error
# comes from the helper itself, in the logging code.
def read_only_values(tensor):
    values = tensor.detach().numpy()
    values.flags.writeable = False  # NumPy refuses writes through this array
    return values


def log_activations_guarded(hidden, logged):
    values = read_only_values(hidden)
    values -= values.mean()  # the same bug as in log_activations
    logged.append(values)


model = make_model()
hidden = model[1](model[0](batch))
before = hidden.detach().clone()
with caught() as guarded:
    log_activations_guarded(hidden, [])
check_raises(
    "read-only-array-refuses-the-write",
    guarded,
    ValueError,
    "read-only",
    sentence="with the array marked read-only, the helper's -= raised NumPy's "
    "ValueError",
)
check_cases(
    "read-only-array-is-not-a-copy",
    {
        "hidden kept its values": torch.equal(hidden, before),
        "the array is hidden's memory": np.shares_memory(
            read_only_values(hidden), hidden.detach().numpy()
        ),
    },
    sentence="hidden kept its values, and the read-only array is hidden's own "
    "memory: the guard copied nothing",
)


# %%
# The guard covers the array it marks, and no other: a second ``numpy()`` of
# the same tensor is writeable again. The detector above watches every saved
# tensor; its memory and its time are measured above.
check(
    "guard-covers-only-its-array",
    not read_only_values(hidden).flags.writeable
    and hidden.detach().numpy().flags.writeable,
    sentence="a second hidden.detach().numpy() is writeable, while the guarded array "
    "is not",
)
