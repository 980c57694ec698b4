"""Claims: one sentence about PyTorch's behaviour, checked where it is made.

A claim that holds prints one line starting with ``CHECK_MARK`` (the site's
build collects those lines into its "Verified claims" page); a claim that does
not hold raises :class:`ClaimFailed` with the sentence and what was observed.

:func:`claim_cases` checks one sentence on several cases and says how many,
so a sentence that generalises ("every", "always", "because") can show that
its check covers more than one case. :func:`say` prints the unchecked words
that join checked sentences into a paragraph; it is marked ``CONNECTING`` so
that nobody, the site's build included, mistakes it for a check.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

import numpy as np
import torch

CHECK_MARK = "\u2714"  # heavy check mark; the build looks for lines starting with it
CONNECTING = "\u00b6"  # pilcrow: words between checked sentences, checked by nothing
CASES = "checked on {count} cases: "  # the first evidence line of a claim_cases


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


def claim_cases(sentence: str, cases) -> None:
    """Check one sentence on several cases: ``cases`` maps a short label to a bool.

    Every case must hold; at least two are needed (one case is :func:`claim`).
    The labels are printed under the sentence, so readers see what was covered.
    """
    cases = dict(cases)
    if len(cases) < 2:
        raise ValueError(f"claim_cases needs at least two cases, got {len(cases)}: use claim() for one")
    failing = [label for label, holds in cases.items() if not _as_bool(holds)]
    if failing:
        raise _fails(sentence, f"; fails for: {', '.join(map(str, failing))}")
    _holds(sentence, CASES.format(count=len(cases)) + ", ".join(map(str, cases)))


def say(text: str) -> None:
    """Connecting words between the checked sentences of a paragraph: printed, never checked."""
    print(f"{CONNECTING} {_one_line(text)}")


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
