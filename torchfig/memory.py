"""Which tensors and arrays use the same memory, drawn without raw addresses.

Objects are grouped into memory blocks by overlapping byte ranges; a figure
shows each block once, with every tensor or array that points into it and the
byte range it covers, counted from the start of the block.
"""

from __future__ import annotations

import numpy as np
import torch

from .describe import array_lines, format_values, tensor_lines
from .figure import FILL, Figure, label_text
from .inputs import flag, named_objects, tensor_or_array, text


def block_range(obj) -> tuple[int, int] | None:
    """Byte range of the whole allocation behind a tensor or an array."""
    if isinstance(obj, torch.Tensor):
        if obj.device.type != "cpu":
            return None
        storage = obj.untyped_storage()
        return storage.data_ptr(), storage.data_ptr() + storage.nbytes()
    root = obj
    while isinstance(root.base, np.ndarray):
        root = root.base
    return view_range(root)


def view_range(obj) -> tuple[int, int] | None:
    """Byte range that a tensor or an array can reach through its own strides."""
    if isinstance(obj, np.ndarray):  # NumPy's strides are in bytes and may be negative
        start = obj.__array_interface__["data"][0]
        if obj.size == 0:
            return start, start
        reach = [(size - 1) * stride for size, stride in zip(obj.shape, obj.strides)]
        return start + sum(r for r in reach if r < 0), start + sum(r for r in reach if r > 0) + obj.itemsize
    if obj.device.type != "cpu":
        return None
    start = obj.data_ptr()
    if obj.numel() == 0:
        return start, start
    last = sum((size - 1) * stride for size, stride in zip(obj.shape, obj.stride()))
    return start, start + (last + 1) * obj.element_size()


def shares_memory(a, b) -> bool:
    """True when the byte ranges two objects can reach overlap.

    >>> import torch
    >>> t = torch.arange(4.0)
    >>> shares_memory(t, t.numpy()), shares_memory(t, t.numpy().copy())
    (True, False)
    """
    tensor_or_array(a, "shares_memory")
    tensor_or_array(b, "shares_memory")
    ra, rb = view_range(a), view_range(b)
    return ra is not None and rb is not None and ra[0] < rb[1] and rb[0] < ra[1]


def _blocks(ranges: list) -> tuple[list, list]:
    """Block number per range (overlapping ranges share one, numbered by first use), and each block's span."""
    block_of: list[int | None] = [None] * len(ranges)
    spans: list[list[int]] = []  # [start, stop] per block
    for i, r in enumerate(ranges):
        if r is None:
            continue
        hits = [b for b, (lo, hi) in enumerate(spans) if r[0] < hi and lo < r[1]]
        if not hits:
            spans.append(list(r))
            block_of[i] = len(spans) - 1
            continue
        keep = hits[0]
        for b in hits[1:]:  # r bridges blocks: fold them into the first
            spans[keep] = [min(spans[keep][0], spans[b][0]), max(spans[keep][1], spans[b][1])]
            block_of = [keep if x == b else x for x in block_of]
        spans[keep] = [min(spans[keep][0], r[0]), max(spans[keep][1], r[1])]
        block_of[i] = keep
    order = {b: n for n, b in enumerate(dict.fromkeys(x for x in block_of if x is not None))}
    return [None if b is None else order[b] for b in block_of], [spans[b] for b in order]


def memory_figure(names: dict, *, values: bool = True, title: str | None = None) -> Figure:
    """Draw tensors and arrays as boxes pointing at the memory blocks they use.

    names: ``{"t": t, "a": a, ...}`` in the order to draw them.
    """
    named_objects(names, "memory_figure")
    values = flag(values, "values", "memory_figure")
    title = text(title, "title", "memory_figure")
    title = title or "Memory used by " + ", ".join(names)
    fig = Figure(title)
    fig.attr(rankdir="LR", nodesep="0.25")
    objects = list(names.items())
    block_of, spans = _blocks([block_range(obj) for _, obj in objects])

    for b, (lo, hi) in enumerate(spans):
        fig.node(
            f"block{b}",
            label_text(f"memory block {chr(65 + b)}", f"{hi - lo} bytes"),
            shape="box3d",
            style="filled",
            fillcolor=FILL["memory"],
        )
    for i, (name, obj) in enumerate(objects):
        if isinstance(obj, torch.Tensor):
            lines = tensor_lines(obj, name, values=values)
            lines.append(f"version counter {obj._version}")
            fill = FILL["tensor"]
        else:
            lines = array_lines(obj, name)
            if values:
                lines += ("value " + format_values(obj)).split("\n")
            lines.append("no version counter")
            fill = FILL["array"]
        fig.node(f"obj{i}", label_text(*lines), fillcolor=fill)
        block, reach = block_of[i], view_range(obj)  # both None for memory off the host
        if block is None or reach is None:
            fig.add_note(f"nodata{i}", "no host memory to draw")
            fig.edge(f"obj{i}", f"nodata{i}", style="dashed")
            continue
        lo, hi = reach
        start = spans[block][0]
        fig.edge(f"obj{i}", f"block{block}", label=label_text(f"bytes {lo - start} to {hi - start}"))
    return fig
