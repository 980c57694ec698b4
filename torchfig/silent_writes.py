"""Catch the write autograd cannot see: saved memory changed while its version counter did not.

Backward refuses a saved tensor that was written in place by torch, because
every torch write moves the tensor's version counter. A write through a
NumPy array (``t.detach().numpy()[0] = 1``) or through ``t.data`` changes
the memory without moving the counter, and backward silently computes with
the new numbers. :class:`detect_silent_writes` copies every tensor saved for
backward in its block when it is saved, and checks it again just before its
backward node runs.
"""

from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode

from .graph import saved_tensors


class SilentWriteError(RuntimeError):
    """A tensor saved for backward was changed without its version counter moving."""


class _Saved:
    """One saved tensor as it was when saved: the tensor, its version, a copy of its bytes."""

    def __init__(self, where: str, tensor: torch.Tensor):
        self.where, self.tensor, self.version = where, tensor, tensor._version
        self.copy = _bytes(tensor).clone()

    def silently_changed(self) -> bool:
        return self.tensor._version == self.version and not torch.equal(_bytes(self.tensor), self.copy)


def _bytes(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor's values as raw bytes: NaN compares equal to itself, and every dtype compares alike."""
    values = tensor.detach().resolve_conj().resolve_neg().contiguous().reshape(-1)
    return values.view(torch.uint8)


class detect_silent_writes(TorchFunctionMode):  # lowercase: a context manager, used like torch's own modes
    """Make backward raise :class:`SilentWriteError` when a tensor it saved was changed silently.

    Run the forward pass inside the block; backward may run inside or after it::

        with torchfig.detect_silent_writes(names={"y": y}):
            loss = (y ** 2).sum()
        y.detach().numpy()[0] = 10.0   # a write autograd cannot see
        loss.backward()                # SilentWriteError, naming PowBackward0 and y

    A write that moved the saved tensor's version counter (an in-place
    torch operation on it or on a view of it) is left to backward's own
    in-place check; a write through ``.data`` does not move it and is
    caught here. ``names`` maps your names to tensors, so
    the error says which one changed. Every saved tensor is copied when it
    is saved, once for each node that saved it, and ``copied_bytes`` says how
    many bytes those copies hold. It reads what autograd saved through ``SavedTensor.data``, which
    torch releases before 2.10 lack (see the site's release ledger).
    """

    def __init__(self, *, names: dict | None = None):
        super().__init__()
        if not isinstance(names, (dict, type(None))):
            raise TypeError(
                f"detect_silent_writes takes names= as a dict of names to tensors, such as "
                f"{{'y': y}}; got {type(names).__name__}"
            )
        for name, tensor in (names or {}).items():
            if not isinstance(name, str) or not isinstance(tensor, torch.Tensor):
                raise TypeError(
                    f"detect_silent_writes: names= maps str to torch tensors; got "
                    f"{type(name).__name__} -> {type(tensor).__name__}"
                )
        self._names = {id(t): name for name, t in (names or {}).items()}
        self._keep = list((names or {}).values())  # keeps the ids above valid
        self._watched: set = set()
        self.copied_bytes = 0  # the copies this detector holds, in bytes

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        for out in result if isinstance(result, (tuple, list)) else (result,):
            if isinstance(out, torch.Tensor) and out.grad_fn is not None:
                self._watch_new(out.grad_fn)
        return result

    def _watch_new(self, root) -> None:
        """Copy the saved tensors of the nodes not watched yet behind ``root``, and check them before they run."""
        pending = [root]
        while pending:
            node = pending.pop()
            if node is None or node in self._watched:
                continue
            self._watched.add(node)
            saved = [
                _Saved(where, t) for where, t in saved_tensors(node) if t.layout == torch.strided and not t.is_meta
            ]
            if saved:
                self.copied_bytes += sum(entry.copy.numel() for entry in saved)  # uint8: one per byte
                node.register_prehook(self._checker(node, saved))
            pending += [child for child, _ in node.next_functions]

    def _checker(self, node, saved: list[_Saved]):
        def check(grad_outputs):
            for entry in saved:
                if entry.silently_changed():
                    name = self._names.get(id(entry.tensor))
                    which = f"{name!r} ({entry.where})" if name else entry.where
                    raise SilentWriteError(
                        f"{node.name()} saved {which} for backward, and its memory changed after that while "
                        f"its version counter stayed at {entry.version}: a write through NumPy or .data, which "
                        "autograd cannot see. Write into a copy, or call "
                        "torch.autograd.graph.increment_version on the tensor after such a write."
                    )

        return check
