"""The autograd graph behind tensors, read from ``grad_fn`` and ``next_functions``.

Node ids come from each node's position in a breadth-first walk from the
outputs, so the same code always gives the same DOT text and the same SVG.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import torch
import torch.utils.checkpoint

from .describe import Names, shape_text, tensor_lines
from .figure import CUT, FILL, OK, Figure, label_text
from .inputs import flag, output_tensors, reader_names, text, whole

# The only place PyTorch states the version a tensor was saved at is the error
# raised when unpacking it after an in-place change.
_VERSION_MOVED = re.compile(r"is at version (\d+); expected version (\d+)")

LAYOUT_LIMIT = 10_000  # boxes and edge crossings of rows; dot takes about 5 s on one core for this many


@dataclass
class _Walk:
    """Backward nodes in breadth-first order from the outputs."""

    order: list = field(default_factory=list)
    depth: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)  # (parent, child) pairs, in walk order

    def visit(self, roots):
        queue: deque = deque()  # nodes whose children are still to visit
        for fn in roots:
            if fn is not None and fn not in self.depth:
                self.depth[fn] = 0
                self.order.append(fn)
                queue.append(fn)
        while queue:
            fn = queue.popleft()
            for child, _ in fn.next_functions:
                if child is None:
                    continue
                self.edges.append((fn, child))
                if child not in self.depth:
                    self.depth[child] = self.depth[fn] + 1
                    self.order.append(child)
                    queue.append(child)
        return self


def saved_tensor_state(fn, attr: str):
    """(tensor or None, text) for one ``_saved_*`` attribute of a backward node."""
    try:
        value = getattr(fn, attr)
    except RuntimeError as err:
        moved = _VERSION_MOVED.search(str(err))
        if moved:
            now, then = moved.groups()
            return None, f"changed since saved\n(version {then}, now {now}):\nbackward will refuse"
        return None, "freed by backward"
    if not isinstance(value, torch.Tensor):
        return None, None
    return value, f"as when saved\n(version {value._version})"  # the counter says so; the bytes are not compared


# Where non-reentrant checkpoint keeps a block's inputs (private: a torch without it finds none).
_CHECKPOINT_FRAME = getattr(torch.utils.checkpoint, "_CheckpointFrame", ())
_RAW_SAVED: dict[type, tuple[str, ...]] = {}  # per kind of node: dir() is slow, and the same for each


def saved_tensors(node) -> list[tuple[str, torch.Tensor]]:
    """(attribute, tensor) of every tensor a backward node holds for backward, read without unpacking it.

    The one place saved tensors are listed. Built-in nodes hold them as ``_saved_<name>``, tuples
    included (``_saved_indices[0]``, ...), a custom Function's node as ``saved_tensors``
    (``ctx.save_for_backward``). Each is read as autograd packed it (``_raw_saved_*``), so no unpack
    hook runs: reading a checkpointed node's tensors would otherwise recompute its forward. Where a
    saved-tensors hook packed something else, the tensors it keeps are listed instead: for
    ``torch.utils.checkpoint``, the block's inputs, kept to rerun it (``_saved_result<-input0``).
    Tensors backward freed are left out.
    """
    kind = type(node)
    if kind not in _RAW_SAVED:
        _RAW_SAVED[kind] = tuple(a for a in dir(node) if a.startswith("_raw_saved_"))
    found = []
    for raw in _RAW_SAVED[kind]:
        name = raw.replace("_raw_", "" if raw == "_raw_saved_tensors" else "_", 1)
        value = getattr(node, raw)
        packed = value if isinstance(value, (tuple, list)) else (value,)
        for index, item in enumerate(packed):
            where = name + (f"[{index}]" if len(packed) > 1 else "")
            if isinstance(item.data, torch.Tensor):
                found.append((where, item.data))
            elif item.unpack_hook is not None:
                found += [(f"{where}<-input{i}", t) for i, t in enumerate(_checkpoint_inputs(item.unpack_hook))]
    return found


def _checkpoint_inputs(unpack_hook) -> list[torch.Tensor]:
    """The inputs non-reentrant checkpoint keeps to rerun a block, found in its unpack hook's frame."""
    for cell in getattr(unpack_hook, "__closure__", None) or ():
        held = cell.cell_contents
        if isinstance(held, _CHECKPOINT_FRAME):
            return [arg.data for arg in held.saved_args if isinstance(getattr(arg, "data", None), torch.Tensor)]
    return []


def _storage(tensor: torch.Tensor) -> tuple[tuple, int] | None:
    """(key, bytes) of the memory a saved tensor holds: its whole storage, as a pack hook is handed it."""
    if tensor.layout != torch.strided or tensor.device.type == "meta" or _is_python_number(tensor):
        return None
    storage = tensor.untyped_storage()
    if not storage.nbytes():
        return None
    return (tensor.device, storage.data_ptr()), storage.nbytes()


def _is_python_number(tensor: torch.Tensor) -> bool:
    """A number torch wrapped in a tensor (the 2.0 of ``x * 2.0``): autograd never hands one to a pack hook."""
    if tensor.dim() or tensor.requires_grad or tensor.device.type != "cpu" or torch.is_inference_mode_enabled():
        return False
    packed: list[torch.Tensor] = []

    def pack(saved: torch.Tensor) -> torch.Tensor:
        packed.append(saved)
        return saved

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda saved: saved):
        torch.zeros((), requires_grad=True) * tensor  # saves tensor, unless it is a wrapped number
    return not packed


def saved_bytes_by_node(nodes) -> dict:
    """Bytes each node's saved tensors hold, a pack hook's count: every storage once, however many
    views of it are saved by however many nodes, at the node made first (in forward order)."""
    seen, found = set(), {}
    for node in sorted(nodes, key=lambda n: n._sequence_nr()):
        total = 0
        for _, tensor in saved_tensors(node):
            memory = _storage(tensor)
            if memory is not None and memory[0] not in seen:
                seen.add(memory[0])
                total += memory[1]
        found[node] = total
    return found


@dataclass(frozen=True)
class GraphMemory:
    """What the backward graphs behind some tensors keep alive."""

    nodes: int  # backward nodes reachable from the tensors
    saved_tensors: int  # distinct storages those nodes still hold for backward (freed ones not counted)
    saved_bytes: int  # the bytes of those storages


def graph_memory(*tensors: torch.Tensor) -> GraphMemory:
    """Count the backward nodes behind ``tensors`` and the memory their saved tensors still hold.

    Memory is counted by storage, as a saved-tensors pack hook sees it: views of one storage count
    once, as the whole storage; a Python number (``x * 2.0``) counts nothing.
    """
    walk = _Walk().visit([t.grad_fn for t in output_tensors(tensors, "graph_memory")])
    held = dict(
        memory for node in walk.order for _, tensor in saved_tensors(node) if (memory := _storage(tensor)) is not None
    )
    return GraphMemory(nodes=len(walk.order), saved_tensors=len(held), saved_bytes=sum(held.values()))


def _chains(walk: _Walk, min_run: int) -> dict:
    """Maps each node inside a long run of same-type, singly linked nodes to (run's head, run length)."""
    parents: dict[object, list] = {}  # node -> the nodes with an edge to it
    children: dict[object, list] = {}  # node -> the nodes it has an edge to
    for parent, child in walk.edges:
        parents.setdefault(child, []).append(parent)
        children.setdefault(parent, []).append(child)

    def links_on(fn):
        kids = children.get(fn, [])
        if len(kids) != 1:
            return None
        kid = kids[0]
        same_type = type(kid) is type(fn)
        return kid if same_type and len(parents.get(kid, [])) == 1 else None

    head_of = {}
    for fn in walk.order:
        if fn in head_of:
            continue
        run = [fn]
        while (nxt := links_on(run[-1])) is not None and nxt not in head_of:
            run.append(nxt)
        if len(run) >= min_run:
            for member in run:
                head_of[member] = (fn, len(run))
    return head_of


def _drawn_depth(walk: _Walk, head_of: dict) -> dict:
    """Each node's depth counted in drawn boxes: a collapsed run is one box (0-1 breadth-first walk)."""
    children: dict[object, list] = {}
    for parent, child in walk.edges:
        children.setdefault(parent, []).append(child)
    depth = {fn: 0 for fn in walk.order if walk.depth[fn] == 0}
    queue = deque(depth)
    while queue:
        fn = queue.popleft()
        for child in children.get(fn, []):
            same_run = fn in head_of and child in head_of and head_of[fn][0] is head_of[child][0]
            d = depth[fn] + (0 if same_run else 1)
            if child not in depth or d < depth[child]:
                depth[child] = d
                queue.appendleft(child) if same_run else queue.append(child)
    return depth


def autograd_graph(
    *outputs: torch.Tensor,
    names: dict | None = None,
    values: bool = False,
    saved: bool = True,
    max_depth: int | None = None,
    collapse: int | None = 4,
    title: str | None = None,
    layout_limit: int | None = LAYOUT_LIMIT,
) -> Figure:
    """Draw the backward graph that autograd recorded behind ``outputs``.

    outputs: tensors, or tuples, lists and dicts of them (what a model returns).

    names: ``{"x": x, ...}``; tensors are matched by identity.
    values: show tensor values (and ``.grad`` of leaves).
    saved: show the tensors each node saved for backward, with their version.
    max_depth: stop drawing below this many boxes from an output (a collapsed run is one box).
    collapse: draw runs of at least this many same-type nodes as one node (None: never).
    layout_limit: refuse (ValueError) a layout bigger than this: the boxes drawn plus one per row
    each edge crosses, what dot's time grows with. The default draws a 600-node transformer
    (``nox -s bench`` times it); a model whose shared weights feed every layer (ALBERT) reaches it sooner.

    >>> import torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> fig = autograd_graph((x * 3).sum(), names={"x": x})
    >>> [box.label.split(" / ")[0] for box in fig.drawn_nodes()][:3]
    ['tensor', 'SumBackward0', 'MulBackward0']
    """
    who = "autograd_graph"
    tensors = output_tensors(outputs, who)  # however nested
    reader_names(names, who)
    values, saved = flag(values, "values", who), flag(saved, "saved", who)
    max_depth = whole(
        max_depth, "max_depth", who, least=1, meaning="counts boxes from an output", none="draw every depth"
    )
    collapse = whole(
        collapse, "collapse", who, least=2, meaning="is the shortest run drawn as one box", none="never collapse"
    )
    title = text(title, "title", who)
    layout_limit = whole(layout_limit, "layout_limit", who, least=1, meaning="counts boxes to lay out", none="no limit")
    name_of = Names(names)
    title = title or "Autograd graph of " + ", ".join(name_of(t) or "the output" for t in tensors)
    fig = Figure(title)
    fig.attr(rankdir="TB", nodesep="0.15", ranksep="0.35")  # tight: wide graphs must fit a page column
    fig.attr(nslimit="2")  # caps dot's slowest step, placing boxes in their rows: 22 s to 5 s on a 1,400-node T5

    walk = _Walk().visit([t.grad_fn for t in tensors])
    head_of = _chains(walk, collapse) if collapse else {}
    depth = _drawn_depth(walk, head_of)
    drawn = [fn for fn in walk.order if max_depth is None or depth[fn] <= max_depth]
    node_id: dict[object, str] = {}  # node -> id of the box it is drawn in
    for fn in drawn:
        head, _ = head_of.get(fn, (fn, 0))
        node_id[fn] = node_id.setdefault(head, f"fn{len(node_id)}")

    for i, t in enumerate(tensors):
        out_id = f"out{i}"
        lines = tensor_lines(t, name_of(t), values=values)
        if t.grad_fn is None:
            lines.append("no grad_fn: nothing recorded" if not t.requires_grad else "leaf: no grad_fn")
        fig.node(out_id, label_text(*lines), fillcolor=FILL["tensor"])
        if t.grad_fn is not None:
            fig.edge(out_id, node_id[t.grad_fn])

    runs = [run for fn, (head, run) in head_of.items() if fn is head and fn in node_id]
    done = set()
    for fn in drawn:
        if node_id[fn] not in done:
            done.add(node_id[fn])
            _draw_node(fig, fn, node_id[fn], head_of, name_of, values=values, saved=saved)

    edges = set()
    for parent, child in walk.edges:
        if parent in node_id and child in node_id and node_id[parent] != node_id[child]:
            pair = (node_id[parent], node_id[child])
            if pair not in edges:
                edges.add(pair)
                fig.edge(*pair)

    _refuse_big_layouts(len(drawn), _layout_size(fig.body), layout_limit)
    hidden = len(walk.order) - len(drawn)
    if hidden:
        fig.add_note("hidden", f"{hidden} deeper backward nodes not drawn (max_depth={max_depth})")
        for parent in dict.fromkeys(p for p, child in walk.edges if p in node_id and child not in node_id):
            fig.edge(node_id[parent], "hidden", style="dashed")
    if runs:
        boxes = "1 box" if len(runs) == 1 else f"{len(runs)} boxes"
        fig.caption(f"{sum(runs)} backward nodes drawn as {boxes} (collapsed runs)")
    return fig


def _draw_node(fig, fn, fid, head_of, name_of, *, values, saved):
    kind = type(fn).__name__
    if fn in head_of:
        _, run = head_of[fn]
        fig.node(fid, label_text(f"{kind} x{run}", "(a collapsed run)"), fillcolor=FILL["function"])
        return
    if kind == "AccumulateGrad":
        fig.node(fid, label_text(kind), fillcolor=FILL["accumulate"])
        leaf = fn.variable
        leaf_id = f"{fid}_leaf"
        lines = tensor_lines(leaf, name_of(leaf), values=values, grad=values) + ["leaf: .grad lands here"]
        fig.node(leaf_id, label_text(*lines), fillcolor=FILL["leaf"])
        fig.edge(fid, leaf_id)
        return
    fig.node(fid, label_text(kind), fillcolor=FILL["function"])
    if not saved:
        return
    for attr in sorted(a for a in dir(fn) if a.startswith("_saved_")):
        tensor, state = saved_tensor_state(fn, attr)
        if state is None:
            continue
        saved_id = f"{fid}_{attr}"
        what = attr.removeprefix("_saved_")
        lines = [f"saved {what}"]  # the name PyTorch gives it: self, other, mat1, result, ...
        if tensor is not None:
            lines += [name_of(tensor) or shape_text(tensor.shape)]
            if values:
                lines += tensor_lines(tensor, None, values=True)[2:]
        lines += state.split("\n")
        colour = OK if tensor is not None else CUT
        fig.node(saved_id, label_text(*lines), shape="note", fillcolor=FILL["saved"], color=colour)
        # a plain line, no arrow: dotted lines mean shared memory in every figure
        fig.edge(fid, saved_id, arrowhead="none")
        fig.explain_line("line without an arrow", "joins a backward node to what it saved")
        fig.body.append(f"\t{{rank=same; {fid}; {saved_id}}}\n")  # beside its node: narrower than a row below


_EDGE = re.compile(r"^\t(\w+) -> (\w+)", flags=re.MULTILINE)


def _layout_size(body: list[str]) -> int:
    """Boxes dot must place: the drawn ones, plus one per row a long edge crosses (dot's cost grows with it).

    Rows are dot's ranks, the longest path from an output; a weight shared by every layer (ALBERT)
    makes edges that cross hundreds of rows.
    """
    children: dict[str, list[str]] = {}
    waiting: dict[str, int] = {}  # box -> edges into it not yet ranked
    for parent, child in _EDGE.findall("".join(body)):
        children.setdefault(parent, []).append(child)
        waiting[child] = waiting.get(child, 0) + 1
        waiting.setdefault(parent, 0)
    row = dict.fromkeys(waiting, 0)
    ready = [box for box, count in waiting.items() if count == 0]
    while ready:
        box = ready.pop()
        for child in children.get(box, []):
            row[child] = max(row[child], row[box] + 1)
            waiting[child] -= 1
            if not waiting[child]:
                ready.append(child)
    crossed = sum(row[c] - row[p] - 1 for p, kids in children.items() for c in kids)
    return len(row) + crossed


def _refuse_big_layouts(nodes: int, size: int, limit: int | None) -> None:
    if limit is not None and size > limit:
        raise ValueError(
            f"autograd_graph: {nodes} backward nodes make a layout of {size:,} boxes (those drawn, and one per "
            f"row an edge crosses), over layout_limit={limit:,}, about what dot lays out in 5 s; draw by module "
            f"with torchfig.module_graph under torchfig.module_tags, or draw less with max_depth= or collapse=, "
            f"or raise layout_limit (None: no limit)"
        )
