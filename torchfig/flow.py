"""The forward data flow of a piece of code, with the edges autograd did not record.

``record()`` watches every torch call in its block through a
:class:`~torch.overrides.TorchFunctionMode`. NumPy code is invisible to it, as
it is to autograd: an array made by NumPy appears with no arrow leading in.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from .describe import Names, array_lines, tensor_lines
from .figure import CUT, FILL, Figure, label_text
from .inputs import flag, instance, reader_names, text
from .memory import shares_memory

_VALUE_TYPES = (torch.Tensor, np.ndarray, numbers.Number, list)


@dataclass(frozen=True)
class Value:
    obj: object
    version: int | None  # a tensor's version counter when seen; in-place ops make a new Value


@dataclass
class Call:
    name: str
    inputs: list
    outputs: list
    grad_enabled: bool


def _flatten(obj):
    if isinstance(obj, (list, tuple)) and not isinstance(obj, torch.Size):
        for item in obj:
            yield from _flatten(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _flatten(item)
    else:
        yield obj


def _value(obj) -> Value:
    return Value(obj, obj._version if isinstance(obj, torch.Tensor) and not obj.is_inference() else None)


def _op_name(func) -> str | None:
    name = getattr(func, "__name__", str(func))
    if name in ("__get__", "__set__"):  # attribute reads such as t.grad or t.shape
        return None
    if name.startswith("__") and name.endswith("__"):
        return name.strip("_")
    return None if name.startswith("_") else name


class Recording(TorchFunctionMode):
    """The torch calls made inside ``with record() as rec:``, in order."""

    def __init__(self):
        super().__init__()
        self.calls: list[Call] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = _op_name(func)
        inputs = [_value(v) for v in _flatten((args, kwargs)) if isinstance(v, (torch.Tensor, np.ndarray))]
        result = func(*args, **kwargs)
        outputs = [_value(v) for v in _flatten(result) if isinstance(v, _VALUE_TYPES)]
        if name is not None and outputs:
            self.calls.append(Call(name, inputs, outputs, torch.is_grad_enabled()))
        return result


def record() -> Recording:
    """Record the torch calls in a ``with`` block, for :func:`data_flow`."""
    return Recording()


def _value_lines(v: Value, name: str | None) -> list[str]:
    obj = v.obj
    if isinstance(obj, np.ndarray):
        return array_lines(obj, name) + ["outside autograd"]
    if not isinstance(obj, torch.Tensor):
        return [name or "Python value", type(obj).__name__]
    lines = tensor_lines(obj, name)
    if v.version:
        lines.append(f"version {v.version}")
    if obj.grad_fn is not None:
        lines.append(f"grad_fn {type(obj.grad_fn).__name__}")
    elif obj.requires_grad:
        lines.append("leaf, requires grad")
    else:
        lines.append("no history")
    return lines


def _fill(obj) -> str:
    if isinstance(obj, np.ndarray):
        return FILL["array"]
    return FILL["tensor"] if isinstance(obj, torch.Tensor) else FILL["value"]


def data_flow(
    recording: Recording, names: dict | None = None, title: str | None = None, shared: bool = False
) -> Figure:
    """Draw what the recorded code computed, forward, marking every cut in the history.

    A dashed orange-red edge means a tensor that requires grad went into a call whose
    result autograd did not connect to it. ``shared=True`` also links every
    NumPy array to each tensor drawn that uses the same memory.
    """
    instance(recording, Recording, "data_flow", "torchfig.record()")
    reader_names(names, "data_flow")
    title = text(title, "title", "data_flow")
    shared = flag(shared, "shared", "data_flow")
    name_of = Names(names)
    fig = Figure(title or "Forward data flow, with the edges autograd did not record")
    fig.yellow = "op"
    fig.attr(rankdir="TB")
    value_id: dict = {}

    def node_for(v: Value) -> str:
        key = (id(v.obj), v.version)
        if key not in value_id:
            value_id[key] = f"v{len(value_id)}"
            fig.node(value_id[key], label_text(*_value_lines(v, name_of(v.obj))), fillcolor=_fill(v.obj))
        return value_id[key]

    produced = set()
    for i, call in enumerate(recording.calls):
        op = f"op{i}"
        mode = "" if call.grad_enabled else "(grad mode off)"
        fig.node(op, label_text(call.name, mode), shape="ellipse", style="filled", fillcolor=FILL["op"])
        tracked = any(isinstance(v.obj, torch.Tensor) and v.obj.requires_grad for v in call.inputs)
        for v in call.inputs:
            fig.edge(node_for(v), op)
        for v in call.outputs:
            produced.add(id(v.obj))
            has_history = isinstance(v.obj, torch.Tensor) and v.obj.grad_fn is not None
            if tracked and not has_history:
                fig.edge(op, node_for(v), label=label_text("not recorded"), color=CUT, fontcolor=CUT, style="dashed")
                fig.explain_line("dashed orange-red arrow", "autograd did not record this step")
            else:
                fig.edge(op, node_for(v))

    for obj in (names or {}).values():
        if isinstance(obj, (torch.Tensor, np.ndarray)):
            node_for(_value(obj))
    _link_shared_memory(fig, value_id, produced, recording, names)
    if shared:
        _link_every_sharing(fig, value_id, recording, names)
    return fig


def _link_every_sharing(fig, value_id, recording, names) -> None:
    """A dotted "same memory" edge from each array to every tensor drawn whose memory it uses."""
    latest = {}
    for call in recording.calls:
        for v in call.inputs + call.outputs:
            latest[id(v.obj)] = v
    for obj in (names or {}).values():
        if isinstance(obj, (torch.Tensor, np.ndarray)):
            latest.setdefault(id(obj), _value(obj))
    arrays = [v for v in latest.values() if isinstance(v.obj, np.ndarray)]
    tensors = [v for v in latest.values() if isinstance(v.obj, torch.Tensor)]
    linked = {(tail, head) for tail, head, _ in fig._edges}  # from_numpy's arrows already say it
    for a in arrays:
        for t in tensors:
            ends = (value_id[(id(a.obj), a.version)], value_id[(id(t.obj), t.version)])
            if shares_memory(a.obj, t.obj) and ends not in linked:
                fig.edge(*ends, label=label_text("same memory"), style="dotted", dir="both", constraint="false")
                fig.explain_line("dotted line", "the two use the same memory")


def _link_shared_memory(fig, value_id, produced, recording, names) -> None:
    """Dotted arrows from an array to a tensor that no recorded call made, that
    appeared after the array, has no history and uses the array's memory.

    That is what ``torch.from_numpy`` makes, a call the mode cannot see; the
    edge says what was observed: the same memory.
    """
    first_seen: dict[int, int] = {}  # id of an object -> the first call it appeared in
    last: dict[int, Value] = {}  # id of an object -> its last appearance
    for i, call in enumerate(recording.calls):
        for v in call.inputs + call.outputs:
            first_seen.setdefault(id(v.obj), i)
            last[id(v.obj)] = v
    for obj in (names or {}).values():  # made by NumPy code between calls: when, the mode cannot tell
        if isinstance(obj, (torch.Tensor, np.ndarray)) and id(obj) not in last:
            first_seen[id(obj)], last[id(obj)] = -1, _value(obj)
    arrays = [v for v in last.values() if isinstance(v.obj, np.ndarray)]
    for v in last.values():
        t = v.obj
        if not isinstance(t, torch.Tensor) or id(t) in produced or t.requires_grad:
            continue
        for a in arrays:
            if first_seen[id(t)] > first_seen[id(a.obj)] and shares_memory(t, a.obj):
                fig.edge(
                    value_id[(id(a.obj), a.version)],
                    value_id[(id(t), v.version)],
                    label=label_text("same memory", "(made outside the recorded calls)"),
                    style="dotted",
                )
                fig.explain_line("dotted line", "the two use the same memory")
