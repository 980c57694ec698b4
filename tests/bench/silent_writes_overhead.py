"""What detect_silent_writes costs: a 12-layer GPT-2 (tiny, random weights) forward and backward, with and without it.

Usage: python tests/bench/silent_writes_overhead.py

Prints the median time of a forward plus backward over several runs, each
way, their ratio, and the bytes of saved tensors the detector copied.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torchfig
from tiny_models import gpt2
from torchfig import silent_writes

RUNS = 7


def step(model, ids, watched: bool) -> float:
    start = time.perf_counter()
    if watched:
        with torchfig.detect_silent_writes():
            loss = model(ids).logits.logsumexp(-1).mean()
    else:
        loss = model(ids).logits.logsumexp(-1).mean()
    loss.backward()
    return time.perf_counter() - start


def copied_bytes(model, ids) -> int:
    """The bytes the detector keeps: one copy of every tensor saved for backward."""
    copies = []
    original = silent_writes._Saved.__init__

    def counting(self, where, tensor):
        original(self, where, tensor)
        copies.append(self.copy.numel())

    silent_writes._Saved.__init__ = counting
    try:
        with torchfig.detect_silent_writes():
            model(ids).logits.sum()
    finally:
        silent_writes._Saved.__init__ = original
    return sum(copies)


def main() -> None:
    model = gpt2()
    ids = torch.randint(0, 64, (2, 16))
    step(model, ids, False)  # first run: allocator and dispatch warm-up
    times = {watched: statistics.median(step(model, ids, watched) for _ in range(RUNS)) for watched in (False, True)}
    print(f"GPT-2, 12 layers, batch 2 x 16, forward + backward, median of {RUNS}:")
    print(f"  without the detector {times[False] * 1000:7.1f} ms")
    print(f"  with the detector    {times[True] * 1000:7.1f} ms  ({times[True] / times[False]:.2f}x)")
    print(f"  saved tensors copied {copied_bytes(model, ids) / 1e6:7.2f} MB")


if __name__ == "__main__":
    main()
