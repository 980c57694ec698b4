"""A decision chart in the figures' style: questions lead to answers."""

from __future__ import annotations

from .figure import FILL, Figure, label_text
from .inputs import text as _text


def decision_chart(title: str, questions: dict[str, str], answers: dict[str, str], edges: list[tuple]) -> Figure:
    """questions and answers map node keys to text (newlines allowed);
    edges are ``(from_key, to_key, label)`` triples."""
    who = "decision_chart"
    _text(title, "title", who, optional=False)
    for name, boxes in (("questions", questions), ("answers", answers)):
        if not isinstance(boxes, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in boxes.items()):
            raise TypeError(f"{who}: {name} is a dict of str keys to str texts, such as {{'q1': 'Needs grad?'}}")
    if not isinstance(edges, (list, tuple)) or not all(isinstance(e, tuple) and len(e) == 3 for e in edges):
        raise TypeError(f"{who}: edges is a list of (from_key, to_key, label) triples")
    for start, end, label in edges:
        for key in (start, end):
            if key not in questions and key not in answers:
                raise ValueError(f"{who}: the edge {start!r} -> {end!r} names {key!r}, which is no question or answer")
        _text(label, "an edge label", who, optional=False)
    chart = Figure(title, key=False)  # questions and answers say what they are
    chart.attr(rankdir="TB")
    for key, text in questions.items():
        chart.node(key, label_text(*text.splitlines()), fillcolor=FILL["op"])
    for key, text in answers.items():
        chart.node(key, label_text(*text.splitlines()), fillcolor=FILL["array"])
    for start, end, label in edges:
        chart.edge(start, end, label=label_text(label))
    return chart
