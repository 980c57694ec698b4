"""
Draw a real model's backward, grouped by module
===============================================

A 12-layer GPT-2, built from the ``transformers`` library with a tiny
configuration and random weights (nothing is downloaded), leaves hundreds
of backward nodes behind its loss. Drawn plainly that is a wall of boxes;
drawn grouped by the module that made each node, with the twelve identical
blocks folded into one, it reads like the model's own outline. The script
checks what the grouped figure drew.

Needs ``torch``, ``numpy``, ``transformers``, ``graphviz`` (the Python
package and Graphviz's ``dot``) and ``torchfig``, the figure library
published by this site (see the gallery's front page for the wheel).
"""

# %%
# A tiny GPT-2, run with module tags
# ----------------------------------
# Inside ``torchfig.module_tags``, the backward nodes made are tagged with
# the module that was running; the checks below read the tags back.
import torch
import torchfig
import transformers
from torchfig import check, check_cases

torch.manual_seed(0)
config = transformers.GPT2Config(
    n_layer=12,
    n_embd=32,
    n_head=2,
    n_positions=16,
    vocab_size=64,
    bos_token_id=0,
    eos_token_id=0,
    attn_implementation="eager",
)
model = transformers.GPT2LMHeadModel(config)
ids = torch.randint(0, 64, (1, 8))
with torchfig.module_tags(model) as tags:
    loss = model(ids).logits.sum()
nodes, todo = set(), [loss.grad_fn]
while todo:  # every node behind the loss
    node = todo.pop()
    if node is not None and node not in nodes:
        nodes.add(node)
        todo += [parent for parent, _ in node.next_functions]
untagged = [type(node).__name__ for node in nodes if tags.module_of(node) is None]
print(f"{len(nodes)} backward nodes, {untagged=}")
check(
    "gpt2-loss-has-hundreds-of-nodes",
    100 <= len(nodes) < 1000 and torchfig.graph_memory(loss).nodes == len(nodes),
    sentence="hundreds of backward nodes lie behind the loss",
)
others = [node for node in nodes if node is not loss.grad_fn]
check_cases(
    "only-the-final-sum-is-untagged",
    {
        "the sum taken after the model": tags.module_of(loss.grad_fn) is None,
        f"the other {len(others)} nodes": all(
            tags.module_of(node) is not None for node in others
        ),
    },
    sentence="only the sum taken after the model ran has no module tag",
)

# %%
# Grouped by module
# -----------------
# ``depth=3`` opens modules up to three levels deep (a block is at the
# third) as frames; deeper ones are drawn closed.
grouped = torchfig.module_graph(loss, tags, depth=3)
grouped

# %%
# What the figure folded, checked
# -------------------------------
labels = [label.split("\n")[0] for label, _ in grouped.clusters.values()]
print(*labels, sep="\n")
block_frames = [label for label in labels if "(GPT2Block)" in label]
check(
    "twelve-blocks-drawn-as-one-frame",
    block_frames == ["transformer.h.0 to transformer.h.11 (GPT2Block) x 12"],
    sentence="the twelve GPT2Block layers are drawn as one frame labelled x 12",
)
_, block_boxes = grouped.clusters["transformer.h.0"]
check_cases(
    "each-block-part-one-closed-box",
    {
        part: sum(box.startswith(f"{part} (") for box in block_boxes) == 1
        and f"transformer.h.0.{part}" not in grouped.clusters
        for part, _ in model.transformer.h[0].named_children()
    },
    sentence="inside the block's frame, each of the block's parts is one closed box",
)
check_cases(
    "module-bytes-add-up-at-each-depth",
    {
        f"depth {depth}": sum(
            torchfig.module_bytes(loss, tags, depth=depth).by_module.values()
        )
        == torchfig.graph_memory(loss).saved_bytes
        for depth in (1, 2, 3)
    },
    sentence="the saved bytes counted per module add up to the graph's total at "
    "each depth from 1 to 3",
)
