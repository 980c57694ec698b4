"""Backward, one step at a time: the step figures of a trace as one HTML block a page can step through.

``BackwardStepper(trace)`` shows in a notebook (and on the site) as a list
of figures, one per node in the order backward ran them, each with a caption
saying what the node received and what it sent. Without JavaScript that list
is what a reader sees; the site's ``stepper.js`` turns it into one figure
with Previous, Play and Next buttons, the arrow keys, and the caption read
out as it changes. The figures are embedded as data URLs, so the block needs
nothing from anywhere else.
"""

from __future__ import annotations

import base64
from html import escape

from .figure import to_svg
from .inputs import instance, reader_names
from .trace import BackwardTrace, backward_steps, describe


def step_caption(trace: BackwardTrace, number: int) -> str:
    """What step ``number`` (from 1) did, in a sentence."""
    step = trace.steps[number - 1]
    kind = type(step.node).__name__
    sent = [describe(g) for g in step.left if g is not None]
    received = describe(step.arrived[0]) if step.arrived else "nothing"
    if kind == "AccumulateGrad":
        return f"Step {number} of {len(trace.steps)}: {kind} added {received} to the leaf's .grad."
    sends = "; ".join(sent) if sent else "no gradient"
    return f"Step {number} of {len(trace.steps)}: {kind} received {received} and sent {sends}."


class BackwardStepper:
    """The steps of a backward trace as one block of HTML (``_repr_html_``), for stepping through."""

    def __init__(self, trace: BackwardTrace, names: dict | None = None):
        instance(trace, BackwardTrace, "BackwardStepper", "watch_backward")
        reader_names(names, "BackwardStepper")
        if not trace.steps:
            raise ValueError("BackwardStepper needs a trace of a backward that ran: call backward() inside the block")
        self.figures = backward_steps(trace, names)
        self.captions = [step_caption(trace, k) for k in range(1, len(trace.steps) + 1)]

    def _repr_html_(self) -> str:
        items = []
        for figure, caption in zip(self.figures, self.captions):
            data = base64.b64encode(to_svg(figure).encode()).decode()
            items.append(
                f'<li><figure><img src="data:image/svg+xml;base64,{data}" alt="{escape(figure.title)}" />'
                f"<figcaption>{escape(caption)}</figcaption></figure></li>"
            )
        return '<div class="backward-stepper"><ol class="stepper-steps">' + "".join(items) + "</ol></div>"

    def __repr__(self) -> str:
        return f"BackwardStepper({len(self.figures)} steps)"
