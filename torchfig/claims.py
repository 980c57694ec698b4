"""Claims: one sentence about PyTorch's behaviour, checked where it is made.

A claim that holds prints one line starting with ``CHECK_MARK`` (the site's
build collects those lines into its "Verified claims" page); a claim that does
not hold raises :class:`ClaimFailed` with the sentence and what was observed.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

import numpy as np
import torch

CHECK_MARK = "\u2714"  # heavy check mark; the build looks for lines starting with it


class ClaimFailed(AssertionError):
    """A sentence on the site no longer describes what PyTorch does."""


def _one_line(sentence: str) -> str:
    """A sentence written over several source lines is printed, and failed, as one line."""
    return " ".join(sentence.split())


def _holds(sentence: str, evidence: str = "") -> None:
    print(f"{CHECK_MARK} {_one_line(sentence)}")
    for line in evidence.splitlines():
        print(f"    {line}")


def _fails(sentence: str, observed: str) -> ClaimFailed:
    return ClaimFailed(f"claim no longer holds: {_one_line(sentence)}{observed}")


def _as_bool(holds) -> bool:
    """Only real booleans count: a claim must not pass because a value is merely truthy."""
    if isinstance(holds, torch.Tensor) and holds.dtype == torch.bool and holds.numel() == 1:
        return bool(holds)
    if isinstance(holds, (bool, np.bool_)):
        return bool(holds)
    raise TypeError(f"a claim needs a bool, got {type(holds).__name__}")


def claim(sentence: str, holds, *, observed=None) -> None:
    """Check that ``holds`` is true; ``observed`` is shown when it is not."""
    if not _as_bool(holds):
        shown = "" if observed is None else f"; observed: {observed!r}"
        raise _fails(sentence, shown)
    _holds(sentence)


def claim_equal(sentence: str, actual, expected) -> None:
    """Check equality (``torch.equal`` for tensors); the actual value is shown when it fails."""
    if isinstance(actual, torch.Tensor):
        same = isinstance(expected, torch.Tensor) and actual.shape == expected.shape and torch.equal(actual, expected)
    else:
        same = actual == expected
    claim(sentence, bool(same), observed=actual)


def claim_close(sentence: str, actual: torch.Tensor, expected: torch.Tensor) -> None:
    """Check that two tensors are close (``torch.allclose``)."""
    claim(sentence, torch.allclose(actual, expected), observed=actual)


@contextmanager
def claim_raises(sentence: str, error: type[BaseException], match: str):
    """Check that the block raises ``error`` with a message matching ``match``.

    The real message is printed under the claim, so readers see PyTorch's own words.
    """
    try:
        yield
    except error as err:
        message = str(err)
        if not re.search(match, message):
            raise _fails(sentence, f"; observed message: {message!r}") from err
        _holds(sentence, f"{type(err).__name__}: {message}")
    else:
        raise _fails(sentence, f"; observed: no {error.__name__} was raised")


@contextmanager
def claim_warns(sentence: str, category: type[Warning], match: str):
    """Check that the block warns with ``category`` and a message matching ``match``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    hits = [w for w in caught if issubclass(w.category, category) and re.search(match, str(w.message))]
    if not hits:
        seen = [f"{w.category.__name__}: {w.message}" for w in caught]
        raise _fails(sentence, f"; observed warnings: {seen!r}")
    _holds(sentence, f"{hits[0].category.__name__}: {hits[0].message}")
