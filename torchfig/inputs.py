"""What the public functions accept, checked at the door: a clear TypeError or ValueError, never one from inside."""

from __future__ import annotations

import numpy as np
import torch


def output_tensors(outputs, who: str) -> list[torch.Tensor]:
    """The tensors in ``outputs``: tensors, or tuples, lists and dicts of them, nested as models return them.

    >>> import torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> len(output_tensors(({"loss": x.sum()}, [x * 2]), "autograd_graph"))
    2
    >>> output_tensors((3,), "autograd_graph")
    Traceback (most recent call last):
    ...
    TypeError: autograd_graph takes tensors, or tuples, lists or dicts of tensors (as a model returns them); got int
    """
    found = []

    def walk(obj):
        if isinstance(obj, torch.Tensor):
            found.append(obj)
        elif isinstance(obj, (tuple, list)):
            for item in obj:
                walk(item)
        elif isinstance(obj, dict):
            for item in obj.values():
                walk(item)
        else:
            raise TypeError(
                f"{who} takes tensors, or tuples, lists or dicts of tensors "
                f"(as a model returns them); got {type(obj).__name__}"
            )

    walk(outputs)
    if not found:
        raise ValueError(f"{who} was given no tensor")
    return found


def tensor_or_array(obj, who: str) -> None:
    if not isinstance(obj, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{who} takes torch tensors and NumPy arrays; got {type(obj).__name__}")


def named_objects(names, who: str) -> None:
    """A dict of name -> tensor or array, as the memory figure draws them."""
    if not isinstance(names, dict):
        raise TypeError(
            f"{who} takes a dict of names to tensors or arrays, such as {{'t': t, 'a': a}}; got {type(names).__name__}"
        )
    if not names:
        raise ValueError(f"{who} was given an empty dict: nothing to draw")
    for name, obj in names.items():
        if not isinstance(obj, (torch.Tensor, np.ndarray)):
            raise TypeError(f"{who}: {name!r} is a {type(obj).__name__}, not a torch tensor or a NumPy array")


def instance(obj, kind: type, who: str, made_by: str) -> None:
    if not isinstance(obj, kind):
        raise TypeError(f"{who} takes a {kind.__name__} (made by {made_by}); got {type(obj).__name__}")


def flag(value, name: str, who: str) -> bool:
    """A switch: True or False only (not 0, 1 or a string such as 'no')."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} is True or False, not {value!r}")
    return bool(value)


def whole(value, name: str, who: str, *, least: int, meaning: str, none: str | None = None) -> int | None:
    """A whole number of at least ``least`` (None too, when ``none`` says what None means)."""
    if value is None and none is not None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        also = f" or None ({none})" if none is not None else ""
        raise TypeError(f"{who}: {name} is a whole number{also}, {meaning}; got {type(value).__name__} {value!r}")
    if value < least:
        raise ValueError(f"{who}: {name} {meaning} and must be at least {least}, not {value}")
    return int(value)


def text(value, name: str, who: str, *, optional: bool = True) -> str | None:
    """A str (or None when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        allowed = "a str or None" if optional else "a str"
        raise TypeError(f"{who}: {name} is {allowed}, not {type(value).__name__}")
    return value


def reader_names(names, who: str) -> None:
    """names=: None, or a dict of str -> the tensor (or array) the name stands for."""
    if names is None:
        return
    if not isinstance(names, dict):
        raise TypeError(f"{who}: names is a dict of names to tensors, such as {{'x': x}}; got {type(names).__name__}")
    for name, obj in names.items():
        if not isinstance(name, str):
            raise TypeError(f"{who}: names maps str to tensors; got the key {name!r}")
        if not isinstance(obj, (torch.Tensor, np.ndarray)):
            raise TypeError(f"{who}: names[{name!r}] is a {type(obj).__name__}, not a torch tensor or NumPy array")
