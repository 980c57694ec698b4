"""Short, deterministic text about tensors and arrays for figure labels."""

from __future__ import annotations

import numpy as np
import torch

MAX_VALUES = 6
PER_LINE = 3  # values per label line: long rows of numbers make figures too wide for a page


def format_values(values) -> str:
    """At most MAX_VALUES numbers, four significant digits each (complex numbers stay complex),
    PER_LINE to a line."""
    flat = np.asarray(values).reshape(-1)
    kind = complex if np.iscomplexobj(flat) else float
    shown = [f"{kind(v):.4g}" for v in flat[:MAX_VALUES]] + (["..."] if flat.size > MAX_VALUES else [])
    rows = [", ".join(shown[i : i + PER_LINE]) for i in range(0, len(shown), PER_LINE)]
    return "[" + ",\n".join(rows) + "]"


def shape_text(shape) -> str:
    """ "scalar", "4 values" or "2 x 3": the shape in words."""
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return f"{shape[0]} value" + ("" if shape[0] == 1 else "s")
    return " x ".join(str(n) for n in shape)


def dtype_text(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def tensor_lines(t: torch.Tensor, name: str | None, *, values: bool = False, grad: bool = False) -> list[str]:
    lines = [name or "tensor", f"{shape_text(t.shape)}, {dtype_text(t.dtype)}"]
    if t.device.type != "cpu":
        lines.append(f"device {t.device.type}")
    if values and t.device.type == "cpu":
        lines += ("value " + format_values(t.detach().resolve_conj().resolve_neg())).split("\n")
    if grad and t.grad is not None:
        lines += ("grad " + format_values(t.grad.detach())).split("\n")
    return lines


def array_lines(a: np.ndarray, name: str | None) -> list[str]:
    return [name or "array", f"NumPy, {shape_text(a.shape)}, {a.dtype}"]


class Names:
    """Finds the reader's name for an object by identity, never by equality."""

    def __init__(self, names: dict | None):
        self._by_id = {id(obj): name for name, obj in (names or {}).items()}
        self._keep = list((names or {}).values())  # keeps ids valid while drawing

    def __call__(self, obj) -> str | None:
        return self._by_id.get(id(obj))
