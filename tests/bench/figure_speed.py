"""Figure library speed: 1,000-node autograd graphs and backward traces, walked and laid out by dot.

Usage: python tests/bench/figure_speed.py

Prints the node count and seconds for each graph and exits 1 when one takes
more than 2 s (the target for a 1,000-node graph, walk and layout included;
for a trace, the watched backward and the drawing are timed together; for a
12-layer GPT-2 grouped by module, the tagged forward and the drawing, with
the SVG's size). Flat drawings of transformers models: a 600-node GPT-2 must
draw within 5 s; a 12-layer ALBERT, whose shared weights make dot's layout
explode, is refused (the time to refuse is printed).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import torch

import torchfig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tiny_models import albert, gpt2

TARGET_SECONDS = 2.0
FLAT_SECONDS = 5.0  # a 600-node model drawn flat: walk, layout and SVG


def chain(n: int) -> torch.Tensor:
    """n additions in a row: the shape of an unrolled loop."""
    out = torch.ones(2, requires_grad=True)
    for _ in range(n):
        out = out + 1
    return out.sum()


def deep_mlp(layers: int) -> torch.Tensor:
    """A narrow MLP: per layer a matmul, an add, a ReLU and two parameters, all with saved tensors."""
    torch.manual_seed(0)
    h = torch.randn(1, 4)
    for _ in range(layers):
        weight = torch.randn(4, 4, requires_grad=True)
        bias = torch.randn(4, requires_grad=True)
        h = torch.relu(h @ weight + bias)
    return h.sum()


def backward_nodes(output: torch.Tensor) -> int:
    seen, pending = set(), [output.grad_fn]
    while pending:
        fn = pending.pop()
        if fn is not None and fn not in seen:
            seen.add(fn)
            pending += [child for child, _ in fn.next_functions]
    return len(seen)


def traced(output: torch.Tensor) -> torchfig.Figure:
    """Backward through ``output`` with every node watched, then its trace drawn."""
    with torchfig.watch_backward(output) as trace:
        output.backward()
    return torchfig.backward_figure(trace)


def flat(output: torch.Tensor) -> str:
    """Draw ``output``'s graph flat, to SVG: "drawn", or the start of the refusal."""
    try:
        torchfig.to_svg(torchfig.autograd_graph(output))
    except ValueError as refused:
        return "refused: " + str(refused).split(", over")[0].removeprefix("autograd_graph: ")
    return "drawn"


def gpt2_grouped(model) -> tuple[int, int]:
    """The model run with module tags and its backward graph drawn grouped by module: (nodes, SVG bytes)."""
    ids = torch.randint(0, 64, (1, 8))
    with torchfig.module_tags(model) as tags:
        loss = model(ids).logits.sum()
    svg = torchfig.to_svg(torchfig.module_graph(loss, tags, depth=3))
    return backward_nodes(loss), len(svg.encode())


def main() -> int:
    cases = {
        "chain of 1000 additions": (chain(1000), {"collapse": None}),
        "chain, runs collapsed": (chain(1000), {}),
        "MLP of 200 layers": (deep_mlp(200), {"collapse": None}),
        "MLP of 200 layers, depth 40": (deep_mlp(200), {"max_depth": 40}),
    }
    traces = {"traced chain of 1000 additions": chain(1000), "traced MLP of 200 layers": deep_mlp(200)}
    slow = []
    print(f"{'graph':32} {'nodes':>6} {'drawn':>6} {'seconds':>8}")
    for name, (output, options) in [*cases.items(), *((n, (o, None)) for n, o in traces.items())]:
        nodes = backward_nodes(output)
        start = time.perf_counter()
        figure = torchfig.autograd_graph(output, **options) if options is not None else traced(output)
        torchfig.to_svg(figure)
        seconds = time.perf_counter() - start
        drawn = len(re.findall(r"^\t(?!graph |node |edge )\w+ \[", figure.source, flags=re.MULTILINE))  # boxes drawn
        print(f"{name:32} {nodes:6d} {drawn:6d} {seconds:8.2f}")
        if seconds > TARGET_SECONDS:
            slow.append(name)
    model = gpt2()
    start = time.perf_counter()
    nodes, size = gpt2_grouped(model)
    seconds = time.perf_counter() - start
    print(f"{'GPT-2, 12 layers, by module':32} {nodes:6d} {'':>6} {seconds:8.2f}   SVG {size / 1000:.0f} kB")
    if seconds > TARGET_SECONDS:
        slow.append("GPT-2 by module")
    ids = torch.randint(0, 64, (1, 8))
    flats = {
        "GPT-2, 9 layers, flat": gpt2(9)(ids).logits.sum(),
        "ALBERT, 12 layers, flat": albert(12)(ids).last_hidden_state.sum(),
    }
    for name, output in flats.items():
        nodes = backward_nodes(output)
        start = time.perf_counter()
        result = flat(output)
        seconds = time.perf_counter() - start
        print(f"{name:32} {nodes:6d} {'':>6} {seconds:8.2f}   {result}")
        if name.startswith("GPT-2") and (seconds > FLAT_SECONDS or result != "drawn" or nodes < 600):
            slow.append(f"{name} ({FLAT_SECONDS} s for 600 nodes)")
    print(f"\nOver {TARGET_SECONDS} s: {', '.join(slow)}" if slow else f"\nAll within {TARGET_SECONDS} s.")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
