"""Checks: a verdict on one statement about PyTorch's behaviour, keyed by an id.

A page states the sentence in its text and checks it in code by the same id::

    with caught() as refusal:          # the demonstration, visible to readers
        t.numpy()
    check_raises("numpy-refuses", refusal, RuntimeError, "requires grad")

A check that holds shows its verdict: in a Jupyter kernel as display data of
type :data:`MIME_TYPE` (the site's build reads it) with a plain-text
fallback, elsewhere as a printed line. A check that does not hold raises
:class:`ClaimFailed` naming its id and what was observed. A gallery script,
whose sentences live in its code, passes ``sentence=``: the check then prints
``✔ sentence``.

With ``TORCHFIG_COLLECT`` set to a file path, every verdict is appended
there as a JSON line and a failing check does not raise: how a run over
several torch releases learns every statement that differs, not only the
first.

:func:`caught` keeps what a demonstration raised or warned, printed as a
reader sees it, so a check reads the demonstration's result instead of
running it again.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is 3.11+; annotations here are never evaluated

MIME_TYPE = "application/vnd.torchfig.check+json"
CHECK_MARK = "\u2714"  # heavy check mark
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # lower-case words joined by hyphens: also an HTML id
CASES = "checked on {count} cases: "  # a script's evidence line under a check of several cases


class ClaimFailed(AssertionError):
    """A statement on the site no longer describes what PyTorch does."""


@dataclass
class Verdict:
    """What one check found: the payload of its display data."""

    id: str
    holds: bool
    kind: str  # check, cases, equal, close, raises or warns
    observed: str = ""  # what was compared or seen, in one line
    cases: list[list] = field(default_factory=list)  # [label, holds] of each case
    sentence: str | None = None  # only a script's check states its sentence

    def text(self) -> str:
        """The verdict as plain text: the fallback where the display data is not understood."""
        mark = CHECK_MARK if self.holds else "\u2718"
        head = f"{mark} {self.sentence}" if self.sentence else f"{mark} check {self.id!r}"
        if self.cases:
            head += "\n    " + CASES.format(count=len(self.cases)) + ", ".join(label for label, _ in self.cases)
        return head


# Where the verdicts being collected come from (set by a runner before each cell).
collecting_from: dict = {}
# Every verdict of this process, oldest first: a runner (the gallery's) may read and clear it.
made: list[Verdict] = []


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _as_bool(holds) -> bool:
    """Only real booleans count: a check must not pass because a value is merely truthy."""
    if isinstance(holds, torch.Tensor) and holds.dtype == torch.bool and holds.numel() == 1:
        return bool(holds)
    if isinstance(holds, (bool, np.bool_)):
        return bool(holds)
    raise TypeError(f"a check needs a bool, got {type(holds).__name__}")


def _sentence(sentence) -> str | None:
    if sentence is not None and not isinstance(sentence, str):
        raise TypeError(f"a check's sentence is a str or None, not {type(sentence).__name__}")
    return sentence


def _pattern(match, who: str) -> str:
    if not isinstance(match, str):
        raise TypeError(f"{who}: match is a regular expression as a str, not {type(match).__name__}")
    try:
        re.compile(match)
    except re.error as err:
        raise ValueError(f"{who}: match is not a regular expression: {err}") from None
    return match


def _kind(kind, base: type, name: str, who: str) -> type:
    if not (isinstance(kind, type) and issubclass(kind, base)):
        example = "UserWarning" if base is Warning else "RuntimeError"
        raise TypeError(f"{who}: {name} is a subclass of {base.__name__}, such as {example}; got {kind!r}")
    return kind


def _checked_id(check_id) -> str:
    if not isinstance(check_id, str) or not ID.fullmatch(check_id):
        raise ValueError(
            f"a check's id is lower-case words joined by hyphens, such as 'numpy-refuses': got {check_id!r}"
        )
    return check_id


def _report(verdict: Verdict) -> None:
    """Record, show or raise one verdict."""
    path = os.environ.get("TORCHFIG_COLLECT")
    if path:
        record = {**collecting_from, "id": verdict.id, "status": "holds" if verdict.holds else "fails"}
        if not verdict.holds:
            record["observed"] = verdict.observed or "the check was False"
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
    elif not verdict.holds:
        about = f": {verdict.sentence}" if verdict.sentence else ""
        raise ClaimFailed(f"check {verdict.id!r} no longer holds{about}; observed: {verdict.observed or 'False'}")
    made.append(verdict)
    _show(verdict)


def _show(verdict: Verdict) -> None:
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    if shell is None or verdict.sentence:
        print(verdict.text())
        return
    from IPython.display import display

    display({MIME_TYPE: asdict(verdict), "text/plain": verdict.text()}, raw=True)


def check(check_id: str, holds, *, observed=None, sentence: str | None = None) -> None:
    """Check that ``holds`` is true; ``observed`` is reported when it is not.

    >>> check("two-and-two", 2 + 2 == 4, sentence="two and two make four")
    ✔ two and two make four
    """
    verdict = Verdict(_checked_id(check_id), _as_bool(holds), "check", sentence=_sentence(sentence))
    if not verdict.holds and observed is not None:
        verdict.observed = _one_line(repr(observed))
    _report(verdict)


def check_cases(check_id: str, cases, *, sentence: str | None = None) -> None:
    """Check one statement on several cases: ``cases`` maps a short label to a bool.

    Every case must hold; at least two are needed (one case is :func:`check`).
    Each case's label and verdict are shown with the check.

    >>> check_cases("squares", {str(v): v * v >= 0 for v in (-2, 0, 3)}, sentence="a square is not negative")
    ✔ a square is not negative
        checked on 3 cases: -2, 0, 3
    """
    _checked_id(check_id)
    _sentence(sentence)
    if not isinstance(cases, dict):
        raise TypeError(f"check_cases takes cases as a dict of labels to bools, not {type(cases).__name__}")
    cases = [[str(label), _as_bool(holds)] for label, holds in cases.items()]
    if len(cases) < 2:
        raise ValueError(f"check_cases needs at least two cases, got {len(cases)}: use check() for one")
    failing = [label for label, holds in cases if not holds]
    _report(
        Verdict(
            check_id,
            not failing,
            "cases",
            cases=cases,
            sentence=sentence,
            observed=f"fails for: {', '.join(failing)}" if failing else "",
        )
    )


def check_equal(check_id: str, actual, expected, *, sentence: str | None = None) -> None:
    """Check equality (``torch.equal`` for tensors); both values are shown."""
    _checked_id(check_id)
    _sentence(sentence)
    if isinstance(actual, torch.Tensor):
        same = isinstance(expected, torch.Tensor) and actual.shape == expected.shape and torch.equal(actual, expected)
    else:
        same = bool(actual == expected)
    _report(
        Verdict(
            check_id,
            same,
            "equal",
            sentence=sentence,
            observed=_one_line(f"{actual!r} {'==' if same else '!='} {expected!r}"),
        )
    )


def check_close(check_id: str, actual: torch.Tensor, expected: torch.Tensor, *, sentence: str | None = None) -> None:
    """Check that two tensors are close (``torch.allclose``); both are shown."""
    _checked_id(check_id)
    _sentence(sentence)
    for name, value in (("actual", actual), ("expected", expected)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"check_close compares tensors: {name} is a {type(value).__name__}")
    close = bool(torch.allclose(actual, expected))
    _report(
        Verdict(
            check_id,
            close,
            "close",
            sentence=sentence,
            observed=_one_line(f"{actual!r} {'≈' if close else 'differs from'} {expected!r}"),
        )
    )


def check_raises(
    check_id: str, result: caught, error: type[BaseException], match: str, *, sentence: str | None = None
) -> None:
    """Check that the demonstration ``result`` (a :class:`caught`) raised ``error`` with a message matching ``match``."""
    _checked_id(check_id)
    _sentence(sentence)
    _kind(error, BaseException, "error", "check_raises")
    _pattern(match, "check_raises")
    raised = _caught(result).error
    if raised is None:
        holds, observed = False, f"no {error.__name__} was raised"
    else:
        holds = isinstance(raised, error) and re.search(match, str(raised)) is not None
        observed = _one_line(f"{type(raised).__name__}: {raised}")
    _report(Verdict(check_id, holds, "raises", observed=observed, sentence=sentence))


def check_warns(
    check_id: str, result: caught, category: type[Warning], match: str, *, sentence: str | None = None
) -> None:
    """Check that the demonstration ``result`` (a :class:`caught`) warned with ``category`` and a matching message."""
    _checked_id(check_id)
    _sentence(sentence)
    _kind(category, Warning, "category", "check_warns")
    _pattern(match, "check_warns")
    seen = _caught(result).warnings
    hits = [w for w in seen if issubclass(w.category, category) and re.search(match, str(w.message))]
    shown = hits[:1] or seen
    observed = "; ".join(_one_line(f"{w.category.__name__}: {w.message}") for w in shown) or "no warning"
    _report(Verdict(check_id, bool(hits), "warns", observed=observed, sentence=sentence))


def _caught(result) -> caught:
    if not isinstance(result, caught):
        raise TypeError(
            f"check_raises and check_warns read a `with caught() as result:` block, got {type(result).__name__}"
        )
    return result


class caught:  # lowercase: used as `with caught() as result:`, like contextlib's helpers
    """Run a block that may raise or warn; print what it raised or warned, and keep it.

    ``error`` is the exception the block raised (None if none); ``warnings``
    the warnings it gave. Each is printed as ``Type: message``, the way a
    reader sees it, without a traceback through PyTorch's own files. Only
    exceptions derived from :class:`Exception` are caught.
    """

    def __init__(self):
        self.error: Exception | None = None
        self.warnings: list[warnings.WarningMessage] = []
        self._recording: warnings.catch_warnings[list[warnings.WarningMessage]] | None = None

    def __enter__(self) -> Self:
        self._recording = warnings.catch_warnings(record=True)
        self.warnings = self._recording.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if self._recording is None:
            raise RuntimeError("caught: __exit__ without __enter__")
        self._recording.__exit__(None, None, None)
        for warning in self.warnings:
            print(f"{warning.category.__name__}: {warning.message}")
        if isinstance(error, Exception):
            self.error = error
            print(f"{type(error).__name__}: {error}")
            return True
        return False
