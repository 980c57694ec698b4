"""Watch a real backward pass: which node ran when, what gradient flowed along each edge,
and what each node read of the tensors it saved.

``watch_backward`` hangs PyTorch's own hooks (``Node.register_prehook`` and
``Node.register_hook``) on every node behind the outputs, and removes them
when the block ends; the gradients backward computes are not touched.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from .describe import Names, format_values, shape_text, tensor_lines
from .figure import FILL, Figure, label_text
from .graph import _Walk, saved_tensor_state
from .inputs import instance, output_tensors, reader_names, text, whole

SMALL = 6  # tensors with at most this many elements are shown by value; larger ones by shape and norm


def describe(t: torch.Tensor | None) -> str:
    """A gradient or a saved tensor in a few words: its values, or its shape and norm."""
    if t is None:
        return "no gradient"
    if t.numel() <= SMALL:
        return format_values(t.detach().resolve_conj().resolve_neg())
    return f"{shape_text(t.shape)}, norm {t.detach().float().norm().item():.4g}"


@dataclass
class Step:
    """One node's run during backward."""

    number: int  # 1 for the node that ran first
    node: object
    arrived: tuple  # gradients that arrived at the node (its grad_outputs)
    left: tuple = ()  # gradients it sent along its next_functions edges, in order (its grad_inputs)
    saved: dict = field(default_factory=dict)  # saved tensor name -> what the node read, described


class BackwardTrace:
    """What one backward pass did, node by node, in the order the nodes ran."""

    def __init__(self, outputs):
        self.outputs = list(outputs)
        self.walk = _Walk().visit([t.grad_fn for t in self.outputs])
        self.steps: list[Step] = []
        self._step_of = {}

    def step_of(self, node) -> Step | None:
        return self._step_of.get(node)

    def _before(self, node, grad_outputs):
        step = Step(len(self.steps) + 1, node, tuple(_copy(g) for g in grad_outputs))
        for attr in sorted(a for a in dir(node) if a.startswith("_saved_")):
            tensor, state = saved_tensor_state(node, attr)
            if state is not None:
                step.saved[attr.removeprefix("_saved_")] = describe(tensor) if tensor is not None else state
        self.steps.append(step)
        self._step_of[node] = step

    def _after(self, node, grad_inputs, grad_outputs):
        self._step_of[node].left = tuple(_copy(g) for g in grad_inputs)

    def gradient_along(self, parent, index: int) -> torch.Tensor | None:
        """The gradient ``parent`` sent to its ``index``-th next function (None if it sent none)."""
        step = self.step_of(parent)
        return step.left[index] if step is not None and index < len(step.left) else None


def _copy(g):
    return None if g is None else g.detach().clone()


@contextmanager
def watch_backward(*outputs: torch.Tensor):
    """``with watch_backward(loss) as trace: loss.backward()`` records what backward did.

    >>> import torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (x * x).sum()
    >>> with watch_backward(loss) as trace:
    ...     loss.backward()
    >>> [type(step.node).__name__ for step in trace.steps]
    ['SumBackward0', 'MulBackward0', 'AccumulateGrad']
    """
    trace = BackwardTrace(output_tensors(outputs, "watch_backward"))
    handles = []
    try:
        for node in trace.walk.order:
            handles.append(node.register_prehook(lambda grads, node=node: trace._before(node, grads)))
            handles.append(
                node.register_hook(lambda grad_in, grad_out, node=node: trace._after(node, grad_in, grad_out))
            )
        yield trace
    finally:
        for handle in handles:
            handle.remove()


def backward_figure(
    trace: BackwardTrace, names: dict | None = None, *, upto: int | None = None, title: str | None = None
) -> Figure:
    """The backward graph with each node numbered in the order it ran and each edge labelled with
    the gradient that flowed along it. ``upto=k`` draws the moment after step k: later nodes
    dashed and unlabelled, step k outlined."""
    instance(trace, BackwardTrace, "backward_figure", "watch_backward")
    reader_names(names, "backward_figure")
    title = text(title, "title", "backward_figure")
    upto = whole(upto, "upto", "backward_figure", least=1, meaning="is a step number", none="every step")
    if upto is not None and upto > len(trace.steps):
        raise ValueError(f"upto is a step number from 1 to {len(trace.steps)}, not {upto}")
    name_of = Names(names)
    last = len(trace.steps) if upto is None else upto
    if title is None:
        title = (
            f"Backward, step {last} of {len(trace.steps)}: {_kind(trace.steps[last - 1].node)} ran"
            if upto is not None
            else "Backward as it ran: nodes in order, gradients on the edges"
        )
    fig = Figure(title)
    fig.caption("On each edge: the gradient that flowed along it.")
    fig.attr(rankdir="TB", nodesep="0.15", ranksep="0.35")
    node_id = {fn: f"fn{i}" for i, fn in enumerate(trace.walk.order)}

    def ran(fn) -> bool:
        step = trace.step_of(fn)
        return step is not None and step.number <= last

    for i, t in enumerate(trace.outputs):
        fig.node(f"out{i}", label_text(*tensor_lines(t, name_of(t))), fillcolor=FILL["tensor"])
        root = trace.step_of(t.grad_fn)
        if root is not None and ran(t.grad_fn):
            fig.edge(f"out{i}", node_id[t.grad_fn], label=label_text(_gradient(root.arrived[0])))
        else:
            fig.edge(f"out{i}", node_id[t.grad_fn], style="dashed")

    for fn in trace.walk.order:
        step = trace.step_of(fn)
        kind = _kind(fn)
        ran_step = step if ran(fn) else None  # the node's step, once it has run
        done = ran_step is not None
        if ran_step is not None:
            header = f"{ran_step.number}. {kind}"
        else:
            header = f"{kind} (runs later)" if step else f"{kind} (did not run)"
        # an input that does not require grad (detached, or a constant) has no edge: nothing is sent
        # to it. A leaf that requires grad has no grad_fn either, yet gets an edge to AccumulateGrad.
        cut = [
            line
            for i, (child, _) in enumerate(fn.next_functions)
            if child is None and done
            for line in (f"{_ordinal(i + 1)} input: requires_grad=False,", "no gradient sent")
        ]
        attrs = {"fillcolor": FILL["accumulate" if kind == "AccumulateGrad" else "function"]}
        if ran_step is None:
            attrs.update(style="rounded,dashed,filled", fillcolor=FILL["note"])
            fig.explain_line("dashed box", "a node that has not run yet")
        elif upto is not None and ran_step.number == last:
            attrs.update(penwidth="3")
            fig.explain_line("thick outline", "the node that just ran")
        fig.node(node_id[fn], label_text(header, *cut), **attrs)
        if kind == "AccumulateGrad":
            leaf = fn.variable
            lines = tensor_lines(leaf, name_of(leaf))
            if ran_step is not None:
                lines.append(".grad += " + describe(ran_step.arrived[0]).replace("\n", " "))
            fig.node(f"{node_id[fn]}_leaf", label_text(*lines), fillcolor=FILL["leaf"])
            fig.edge(node_id[fn], f"{node_id[fn]}_leaf", label=label_text("gradient lands" if done else ""))
        if ran_step is not None and ran_step.saved:
            note = f"{node_id[fn]}_saved"
            lines = [f"read {name}: {text}".replace("\n", " ") for name, text in ran_step.saved.items()]
            fig.node(note, label_text(*lines), shape="note", fillcolor=FILL["saved"])
            fig.edge(node_id[fn], note, arrowhead="none")  # dotted lines mean shared memory
            fig.explain_line("line without an arrow", "joins a backward node to what it read")
            fig.body.append(f"\t{{rank=same; {node_id[fn]}; {note}}}\n")
        for index, (child, _) in enumerate(fn.next_functions):
            flowed = trace.gradient_along(fn, index) if done else None
            if child is None:
                continue  # said in the node's own label
            label = _gradient(flowed) if done else ""
            fig.edge(node_id[fn], node_id[child], label=label_text(label), style="solid" if done else "dashed")
    return fig


def backward_steps(trace: BackwardTrace, names: dict | None = None) -> list[Figure]:
    """One figure per step, for following backward node by node."""
    instance(trace, BackwardTrace, "backward_steps", "watch_backward")
    reader_names(names, "backward_steps")
    return [backward_figure(trace, names, upto=k) for k in range(1, len(trace.steps) + 1)]


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th: counting from one, as a reader counts a call's inputs."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _gradient(g) -> str:
    return describe(g).replace("\n", " ")


def _kind(fn) -> str:
    return type(fn).__name__
