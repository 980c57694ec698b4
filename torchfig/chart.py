"""A decision chart in the figures' style: questions lead to answers."""

from __future__ import annotations

from .figure import FILL, Figure, label_text


def decision_chart(title: str, questions: dict[str, str], answers: dict[str, str], edges: list[tuple]) -> Figure:
    """questions and answers map node keys to text (newlines allowed);
    edges are ``(from_key, to_key, label)`` triples."""
    chart = Figure(title, key=False)  # questions and answers say what they are
    chart.attr(rankdir="TB")
    for key, text in questions.items():
        chart.node(key, label_text(*text.splitlines()), fillcolor=FILL["op"])
    for key, text in answers.items():
        chart.node(key, label_text(*text.splitlines()), fillcolor=FILL["array"])
    for start, end, label in edges:
        chart.edge(start, end, label=label_text(label))
    return chart
