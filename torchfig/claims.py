"""Claims: one sentence about PyTorch's behaviour, checked where it is made.

A claim that holds prints one line starting with ``CHECK_MARK`` (the site's
build collects those lines into its "Verified claims" page); a claim that does
not hold raises :class:`ClaimFailed` with the sentence and what was observed.

:func:`claim_cases` checks one sentence on several cases and says how many,
so a sentence that generalises ("every", "always", "because") can show that
its check covers more than one case. :func:`say` prints the unchecked words
that join checked sentences into a paragraph; it is marked ``CONNECTING`` so
that nobody, the site's build included, mistakes it for a check.

With ``TORCHFIG_COLLECT`` set to a file path, a claim that does not hold is
recorded there (one JSON line per claim, holding or not) instead of raising,
and the code goes on: how a run over several torch releases learns every
sentence that differs, not only the first.
"""

from __future__ import annotations

import json
import os
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


# Where the claims being collected come from (set by the runner before each cell).
collecting_from: dict = {}


def _collect(sentence: str, holds: bool, observed: str = "") -> bool:
    """Record a verdict when collecting; True if the claim was recorded (so a failure does not raise)."""
    path = os.environ.get("TORCHFIG_COLLECT")
    if not path:
        return False
    record = {**collecting_from, "sentence": _one_line(sentence), "status": "holds" if holds else "fails"}
    if not holds:
        record["observed"] = observed.removeprefix("; ") or "the check was False"
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    return True


def _one_line(sentence: str) -> str:
    """A sentence written over several source lines is printed, and failed, as one line."""
    return " ".join(sentence.split())


def _holds(sentence: str, evidence: str = "") -> None:
    _collect(sentence, True)
    print(f"{CHECK_MARK} {_one_line(sentence)}")
    for line in evidence.splitlines():
        print(f"    {line}")


def _fails(sentence: str, observed: str) -> ClaimFailed:
    return ClaimFailed(f"claim no longer holds: {_one_line(sentence)}{observed}")


def _failed(sentence: str, observed: str) -> None:
    """A claim that does not hold: recorded when collecting, raised otherwise."""
    if not _collect(sentence, False, observed):
        raise _fails(sentence, observed)


def _as_bool(holds) -> bool:
    """Only real booleans count: a claim must not pass because a value is merely truthy."""
    if isinstance(holds, torch.Tensor) and holds.dtype == torch.bool and holds.numel() == 1:
        return bool(holds)
    if isinstance(holds, (bool, np.bool_)):
        return bool(holds)
    raise TypeError(f"a claim needs a bool, got {type(holds).__name__}")


def claim(sentence: str, holds, *, observed=None) -> None:
    """Check that ``holds`` is true; ``observed`` is shown when it is not.

    >>> claim("two and two make four", 2 + 2 == 4)
    ✔ two and two make four
    """
    if not _as_bool(holds):
        _failed(sentence, "" if observed is None else f"; observed: {observed!r}")
        return
    _holds(sentence)


def claim_cases(sentence: str, cases) -> None:
    """Check one sentence on several cases: ``cases`` maps a short label to a bool.

    Every case must hold; at least two are needed (one case is :func:`claim`).
    The labels are printed under the sentence, so readers see what was covered.

    >>> claim_cases("every square is at least zero", {str(v): v * v >= 0 for v in (-2, 0, 3)})
    ✔ every square is at least zero
        checked on 3 cases: -2, 0, 3
    """
    cases = dict(cases)
    if len(cases) < 2:
        raise ValueError(f"claim_cases needs at least two cases, got {len(cases)}: use claim() for one")
    failing = [label for label, holds in cases.items() if not _as_bool(holds)]
    if failing:
        _failed(sentence, f"; fails for: {', '.join(map(str, failing))}")
        return
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
            if not _collect(sentence, False, f"observed message: {message!r}"):
                raise _fails(sentence, f"; observed message: {message!r}") from err
            return
        _holds(sentence, f"{type(err).__name__}: {message}")
    except Exception as err:  # another error than the sentence names: a failure only worth recording when collecting
        if not _collect(sentence, False, f"observed {type(err).__name__}: {err}"):
            raise
    else:
        _failed(sentence, f"; observed: no {error.__name__} was raised")


@contextmanager
def claim_warns(sentence: str, category: type[Warning], match: str):
    """Check that the block warns with ``category`` and a message matching ``match``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    hits = [w for w in caught if issubclass(w.category, category) and re.search(match, str(w.message))]
    if not hits:
        seen = [f"{w.category.__name__}: {w.message}" for w in caught]
        _failed(sentence, f"; observed warnings: {seen!r}")
        return
    _holds(sentence, f"{hits[0].category.__name__}: {hits[0].message}")
