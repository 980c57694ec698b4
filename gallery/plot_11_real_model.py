"""
Draw a real model's backward, grouped by module
===============================================

A 12-layer GPT-2, built from the ``transformers`` library with a tiny
configuration and random weights (nothing is downloaded), makes about 800
backward nodes. Drawn plainly that is a wall of boxes; drawn grouped by
the module that made each node, with the twelve identical blocks folded
into one, it reads like the model's own outline.

Needs ``torch``, ``numpy``, ``transformers``, ``graphviz`` (the Python
package and Graphviz's ``dot``) and ``torchfig``, the figure library
published by this site (see the gallery's front page for the wheel).
"""

# %%
# A tiny GPT-2, run with module tags
# ----------------------------------
# ``torchfig.module_tags`` notes, for every backward node the forward makes,
# the module that was running.
import torch
import transformers

import torchfig
from torchfig import claim, claim_cases

torch.manual_seed(0)
config = transformers.GPT2Config(
    n_layer=12, n_embd=32, n_head=2, n_positions=16, vocab_size=64,
    bos_token_id=0, eos_token_id=0, attn_implementation="eager",
)
model = transformers.GPT2LMHeadModel(config)
ids = torch.randint(0, 64, (1, 8))
with torchfig.module_tags(model) as tags:
    loss = model(ids).logits.sum()
print(f"{torchfig.graph_memory(loss).nodes=}")

# %%
# Grouped by module
# -----------------
# Three levels of modules are opened; the blocks' own parts are drawn
# closed, one box each, and the twelve blocks are drawn once.
grouped = torchfig.module_graph(loss, tags, depth=3)
grouped

# %%
# What the figure folded, checked
# -------------------------------
labels = [label.split("\n")[0] for label, _ in grouped.clusters.values()]
print(*labels, sep="\n")
claim(
    "the twelve GPT2Block layers are drawn as one frame labelled x 12",
    "transformer.h.0 to transformer.h.11 (GPT2Block) x 12" in labels,
)
claim_cases(
    "the saved bytes counted per module add up to the graph's total at each depth",
    {
        f"depth {depth}": sum(
            torchfig.module_bytes(loss, tags, depth=depth).by_module.values()
        ) == torchfig.graph_memory(loss).saved_bytes
        for depth in (1, 2, 3)
    },
)
