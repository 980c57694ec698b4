"""The backward graph of a model, grouped by the ``nn.Module`` whose forward made each node.

``with module_tags(model) as tags: loss = model(x).sum()`` notes, for every
backward node made while the model ran, the deepest module running at that
moment (a :class:`~torch.overrides.TorchFunctionMode` sees each torch call;
forward hooks keep the stack of modules). A parameter's ``AccumulateGrad``
belongs to the module that owns the parameter. :func:`module_graph` then
draws the graph as nested clusters labelled with each module's path and
class, opened to ``depth`` levels, with identical sibling blocks (the twelve
blocks of a transformer) folded into one cluster labelled "x 12", and the
bytes each cluster's saved tensors hold.
"""

from __future__ import annotations

import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import graphviz
import torch
from torch.overrides import TorchFunctionMode

from .describe import shape_text, tensor_lines
from .figure import FILL, LINE, Figure, label_text
from .graph import _Walk, saved_bytes_by_node
from .inputs import flag, instance, output_tensors, text, whole

OUTSIDE = ""  # the path of nodes made outside every module (the model's own forward is path "")


@dataclass
class ModuleTags:
    """Which module made each backward node, and each module's class."""

    model: torch.nn.Module
    made_by: dict = field(default_factory=dict)  # backward node -> module path
    classes: dict = field(default_factory=dict)  # module path -> class name
    owner: dict = field(default_factory=dict)  # id(parameter) -> path of the module that owns it
    before: set = field(default_factory=set)  # nodes that existed before the model ran
    calls: Counter = field(default_factory=Counter)  # module path -> how many times its forward ran
    run_of: dict = field(default_factory=dict)  # backward node -> ((path, run number), ...) of the modules running

    def runs(self, path: str, nodes) -> int:
        """How many of ``path``'s forward runs made some of ``nodes`` (at least 1)."""
        seen = set()
        for node in nodes:
            for where, number in self.run_of.get(node, ()):
                if where == path:
                    seen.add(number)
        return max(len(seen), 1)

    def module_of(self, node) -> str | None:
        """The path of the module that made ``node`` ("" for the model itself), None if made outside it."""
        if type(node).__name__ == "AccumulateGrad":
            return self.owner.get(id(node.variable))
        return self.made_by.get(node)


class _Tagger(TorchFunctionMode):
    def __init__(self, tags: ModuleTags):
        super().__init__()
        self.tags = tags
        self.stack: list[str] = []  # paths of the modules running, outermost first
        self.numbers: list[int] = []  # and which run of each module this is

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if self.stack:
            running = tuple(zip(self.stack, self.numbers))
            for out in result if isinstance(result, (tuple, list)) else (result,):
                if isinstance(out, torch.Tensor) and out.grad_fn is not None:
                    self._tag_new(out.grad_fn, self.stack[-1], running)
        return result

    def _tag_new(self, root, path: str, running: tuple) -> None:
        """Tag ``root`` and the nodes behind it that this call made (untagged, not from before)."""
        pending = [root]
        while pending:
            node = pending.pop()
            if node is None or node in self.tags.made_by or node in self.tags.before:
                continue
            if type(node).__name__ == "AccumulateGrad":
                continue
            self.tags.made_by[node] = path
            self.tags.run_of[node] = running
            pending += [child for child, _ in node.next_functions]


def _nodes_behind(tensors) -> set:
    return set(_Walk().visit([t.grad_fn for t in tensors if isinstance(t, torch.Tensor)]).order)


@contextmanager
def module_tags(model: torch.nn.Module):
    """Inside the block, every backward node the model's forward makes is tagged with its module.

    A model compiled with torch.compile runs eagerly inside the block, so the graph recorded is
    its eager graph, not the compiled one; a warning says so.
    """
    instance(model, torch.nn.Module, "module_tags", "torch.nn")
    if type(model).__name__ == "OptimizedModule" or getattr(model, "_compiled_call_impl", None) is not None:
        warnings.warn(
            "module_tags: the model is compiled with torch.compile, but inside module_tags it runs "
            "eagerly, so the graph recorded and drawn is the eager one, not the compiled model's "
            "(one CompiledFunctionBackward node); draw the compiled graph with autograd_graph",
            UserWarning,
            stacklevel=3,
        )
    tags = ModuleTags(model)
    for path, module in model.named_modules():
        tags.classes[path] = type(module).__name__
        for parameter in module.parameters(recurse=False):
            tags.owner.setdefault(id(parameter), path)
    tagger = _Tagger(tags)
    handles = []

    def enter(path):
        def pre_hook(module, args, kwargs):
            if not tagger.stack:  # the model itself: what its inputs carry was made before
                tags.before |= _nodes_behind(list(args) + list(kwargs.values()))
            tags.calls[path] += 1
            tagger.stack.append(path)
            tagger.numbers.append(tags.calls[path])

        return pre_hook

    def leave(module, args, kwargs, output):
        tagger.stack.pop()
        tagger.numbers.pop()

    for path, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(enter(path), with_kwargs=True))
        handles.append(module.register_forward_hook(leave, with_kwargs=True))
    try:
        with tagger:
            yield tags
    finally:
        for handle in handles:
            handle.remove()


# -- Drawing -------------------------------------------------------------------------


def _shown_path(path: str | None, depth: int | None) -> str | None:
    if path is None or depth is None or path == OUTSIDE:
        return path
    return ".".join(path.split(".")[:depth])


def _size(n: int) -> str:
    for unit, scale in (("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


@dataclass
class ModuleBytes:
    """Saved bytes per shown module path, and in all: the parts add up to the whole."""

    by_module: dict
    total: int


def _node_shapes(node) -> tuple:
    """The shapes a node handles: of the gradients it receives and, for AccumulateGrad, of its parameter."""
    if type(node).__name__ == "AccumulateGrad":
        return (tuple(node.variable.shape),)
    try:
        return tuple(tuple(m.shape) for m in node._input_metadata)
    except (AttributeError, RuntimeError, TypeError):  # no metadata (old or custom nodes): kinds only
        return ()


def _signature(path: str, members: dict, classes: dict, children: dict) -> tuple:
    """What a block is made of: its class, its nodes (sub-path relative to it, kind, shapes) and the
    edges between them; two blocks with equal signatures have the same structure and shapes."""
    mine = {}
    for node_path, nodes in members.items():
        if node_path and (node_path == path or node_path.startswith(path + ".")):
            rest = node_path[len(path) :]
            for n in nodes:
                mine[n] = (rest, type(n).__name__, _node_shapes(n))
    links = Counter((mine[n], mine[c]) for n in mine for c in children.get(n, ()) if c in mine)
    return classes.get(path), tuple(sorted(Counter(mine.values()).items())), tuple(sorted(links.items()))


def _folded_runs(paths: list[str], members: dict, classes: dict, children: dict) -> dict:
    """Sibling blocks named parent.0, parent.1, ... of identical structure and shapes: first path -> the run."""
    numbered: dict[str, list[tuple[int, str]]] = {}
    for path in paths:
        parent, _, last = path.rpartition(".")
        if last.isdigit():
            numbered.setdefault(parent, []).append((int(last), path))
    runs = {}
    for parent, items in numbered.items():
        items.sort()
        signatures = [_signature(path, members, classes, children) for _, path in items]
        run = [items[0][1]]
        for i in range(1, len(items)):
            if signatures[i] == signatures[i - 1]:
                run.append(items[i][1])
            else:
                if len(run) > 1:
                    runs[run[0]] = run
                run = [items[i][1]]
        if len(run) > 1:
            runs[run[0]] = run
    return runs


MANY_BOXES = 400  # more boxes than a reader can follow in one figure


def module_graph(
    outputs, tags: ModuleTags, *, depth: int | None = 2, fold: bool = True, title: str | None = None
) -> Figure:
    """The backward graph behind ``outputs`` as clusters of the modules that made its nodes.

    depth: modules up to this many levels deep are opened as clusters showing their nodes; a module
    one level deeper is drawn closed, as one box with its node count (None: open everything).
    fold: numbered sibling blocks of identical make-up (a transformer's layers) are drawn once, "x N".
    Each cluster and closed box gives the bytes its saved tensors hold (see :func:`module_bytes`).

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> with module_tags(model) as tags:
    ...     loss = model(torch.ones(2, 3)).sum()
    >>> sorted(module_graph(loss, tags).clusters)
    ['0', '1', '2']
    """
    outputs, tags, depth = _door(outputs, tags, depth, "module_graph")
    fold = flag(fold, "fold", "module_graph")
    title = text(title, "title", "module_graph")
    walk = _Walk().visit([t.grad_fn for t in outputs])
    children_of: dict[object, list[object]] = {}
    for parent, child in walk.edges:
        children_of.setdefault(parent, []).append(child)
    saved = saved_bytes_by_node(walk.order)
    full = {n: tags.module_of(n) for n in walk.order}
    members: dict = {}
    for node in walk.order:
        members.setdefault(full[node], []).append(node)
    modules = sorted({p for p in full.values() if p} | {a for p in full.values() if p for a in _ancestors(p)})
    runs = _folded_runs(modules, members, tags.classes, children_of) if fold else {}
    first_of = {other: first for first, run in runs.items() for other in run[1:]}

    def shown(path: str | None) -> str | None:
        """The path a node of ``path`` is drawn under: its own, or the first block of its folded run."""
        if not path:
            return path
        parts = path.split(".")
        for cut in range(1, len(parts) + 1):
            head = ".".join(parts[:cut])
            if head in first_of:
                return ".".join([first_of[head], *parts[cut:]])
        return path

    def closed(path: str | None) -> str | None:
        """The closed module a path falls in, if it lies deeper than ``depth``."""
        if not path or depth is None or path.count(".") < depth:
            return None
        return ".".join(path.split(".")[: depth + 1])

    stand_in = {}  # node of a folded-away block -> the node at the same place in the run's first block
    for first, run in runs.items():
        first_nodes = _inside(first, members)
        for other in run[1:]:
            for mine, theirs in zip(_inside(other, members), first_nodes):
                stand_in[mine] = theirs

    fig = Figure(title or f"Backward graph of {type(tags.model).__name__}, grouped by module")
    fig.attr(rankdir="TB", nodesep="0.15", ranksep="0.3")
    fig.clusters = {}  # shown path -> (label, labels of the boxes drawn directly inside it)
    box_of: dict[object, str] = {}  # node -> id of the box it is drawn as
    inside: dict[str | None, list[str]] = {}  # cluster path -> box ids directly in it
    for node in walk.order:
        if node in stand_in:
            continue
        where = shown(full[node]) or None  # the model's own nodes and those of no module: top level
        box = closed(where)
        if box is None:
            box_of[node] = f"fn{len(box_of)}"
            _draw_module_node(fig, node, box_of[node], saved[node])
            inside.setdefault(where, []).append(box_of[node])
        else:
            box_of[node] = f"module_{box}"
            if box_of[node] not in inside.get(box.rpartition(".")[0] or None, []):
                inside.setdefault(box.rpartition(".")[0] or None, []).append(box_of[node])
    for node in stand_in:
        box_of[node] = box_of[stand_in[node]]

    under: dict[str, list[object]] = {}  # module path -> the nodes made under it (its own and its submodules')
    for node in walk.order:
        path = full[node]
        if path:
            for p in [*_ancestors(path), path]:
                under.setdefault(p, []).append(node)

    def held(path: str) -> tuple[int, int]:
        """(backward nodes, saved bytes) under ``path``, every block of its folded run counted."""
        nodes = [n for p in runs.get(path, [path]) for n in under.get(p, [])]
        return len(nodes), sum(saved[n] for n in nodes)

    def ran(path: str) -> tuple[str, str]:
        """(the "x N" of a folded run, or "", and what else to say of its runs) for a module drawn."""
        run = runs.get(path, [path])
        times = [tags.runs(p, under.get(p, [])) for p in run]
        if len(run) > 1:
            more = "" if sum(times) == len(run) else f", {len(run)} blocks run {sum(times)} times"
            return f" x {sum(times)}", more
        return "", f", ran {times[0]} times" if times[0] > 1 else ""

    for box in sorted({b.removeprefix("module_") for b in box_of.values() if b.startswith("module_")}):
        count, size = held(box)
        run = runs.get(box, [box])
        name = box.rpartition(".")[2] if len(run) == 1 else f"{run[0]} to {run[-1]}"
        times, more = ran(box)
        fig.node(
            f"module_{box}",
            label_text(
                f"{name} ({tags.classes.get(box, '?')}){times}{more}", f"{count} backward nodes", f"saves {_size(size)}"
            ),
            fillcolor=FILL["function"],
            style="filled",
        )

    def draw(path: str | None, graph) -> None:
        for box in inside.get(path, []):
            if graph is not fig:
                graph.node(box)  # declared above; naming it here puts it in this cluster
        children = [m for m in modules if (m.rpartition(".")[0] or None) == path and m not in first_of]
        for child in children:
            if closed(child) is not None:
                continue
            run = runs.get(child, [child])
            kind = tags.classes.get(child, "?")
            count, size = held(child)
            times, more = ran(child)
            label = (f"{child} ({kind})" if len(run) == 1 else f"{run[0]} to {run[-1]} ({kind})") + times + more
            label += f"\n{count} backward nodes, saves {_size(size)}"
            sub = graphviz.Digraph(name=f"cluster_{child}")
            sub.attr(label=label, style="rounded,dashed", color=LINE, fontcolor=LINE, labeljust="l")
            fig.clusters[child] = (label, [fig._nodes[b].label for b in inside.get(child, [])])
            draw(child, sub)
            graph.subgraph(sub)

    for i, t in enumerate(outputs):
        fig.node(f"out{i}", label_text(*tensor_lines(t, None)), fillcolor=FILL["tensor"])
    draw(None, fig)
    for i, t in enumerate(outputs):
        if t.grad_fn is not None:
            fig.edge(f"out{i}", box_of[t.grad_fn])
    edges = set()
    for parent, child in walk.edges:
        pair = (box_of[parent], box_of[child])
        if pair[0] != pair[1] and pair not in edges:
            edges.add(pair)
            fig.edge(*pair)
    fig.explain_line("dashed frame", "the module whose forward made the nodes inside")
    if any(b.startswith("module_") for b in box_of.values()):
        fig.explain_line("square box", "a module drawn closed, its backward nodes counted")
    if runs:
        fig.caption(
            "Identical numbered blocks (same structure, same shapes) are drawn once: x N is how many times they ran."
        )
    model_runs = tags.runs(OUTSIDE, walk.order)
    if model_runs > 1:
        fig.caption(f"The model ran {model_runs} times to make this graph: its runs' nodes are drawn together.")
    if depth is None and len(fig._nodes) > MANY_BOXES:
        warnings.warn(
            f"module_graph: depth=None draws {len(fig._nodes)} boxes, too many to read; "
            f"pass depth=2 or 3 to draw deeper modules closed",
            UserWarning,
            stacklevel=2,
        )
    fig.caption(f"{len(walk.order)} backward nodes; saved tensors hold {_size(sum(saved.values()))} in all")
    return fig


def module_bytes(outputs, tags: ModuleTags, *, depth: int | None = 1) -> ModuleBytes:
    """Bytes held by saved tensors, per module path opened to ``depth`` ("" for nodes of no module)."""
    outputs, tags, depth = _door(outputs, tags, depth, "module_bytes")
    walk = _Walk().visit([t.grad_fn for t in outputs])
    saved = saved_bytes_by_node(walk.order)
    by_module: Counter[str] = Counter()
    for node in walk.order:
        by_module[_shown_path(tags.module_of(node), depth) or OUTSIDE] += saved[node]
    return ModuleBytes(dict(by_module), sum(saved.values()))


def _door(outputs, tags, depth, who: str):
    """The checks module_graph and module_bytes share: outputs with a graph, tags, depth."""
    outputs = output_tensors(outputs, who)
    instance(tags, ModuleTags, who, "module_tags")
    depth = whole(depth, "depth", who, least=1, meaning="counts levels of modules", none="open every level")
    if all(t.grad_fn is None for t in outputs):
        why = (
            "made while grad was off (torch.no_grad(), torch.inference_mode()) or from tensors that do not require grad"
            if not any(t.requires_grad for t in outputs)
            else "leaves, which have no grad_fn"
        )
        raise ValueError(
            f"{who}: no backward graph behind the outputs: they were {why}; "
            f"run the model with grad enabled inside module_tags"
        )
    return outputs, tags, depth


def _ancestors(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _inside(path: str, members: dict) -> list:
    return [
        n
        for p in sorted(members, key=lambda p: (p is None, p or ""))
        if p and (p == path or p.startswith(path + "."))
        for n in members[p]
    ]


def _draw_module_node(fig, node, node_id: str, saved: int) -> None:
    kind = type(node).__name__
    if kind == "AccumulateGrad":
        fig.node(node_id, label_text(kind, shape_text(node.variable.shape)), fillcolor=FILL["accumulate"])
        return
    fig.node(node_id, label_text(kind, *([f"saves {_size(saved)}"] if saved else [])), fillcolor=FILL["function"])
