"""The figure object every drawing function returns, and its shared look.

A figure is a :class:`graphviz.Digraph`: building one needs no Graphviz
install; only rendering (``pipe``, ``render``, notebook display) runs ``dot``,
and a missing ``dot`` raises :class:`GraphvizNotFound` with one line that says
how to install it.
"""

from __future__ import annotations

import graphviz

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; install Graphviz "
    "(apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz)"
)

# Okabe-Ito colours: distinguishable with colour-blindness. Fills are light
# enough for black text, and every box is filled, so a figure reads on a white
# page and on a dark one; lines and loose text use a grey that does both.
FILL = {
    "tensor": "#56B4E9",  # sky blue: tensors
    "leaf": "#7FC8F0",  # lighter blue: leaf tensors that collect .grad
    "array": "#E69F00",  # orange: NumPy arrays, outside autograd
    "function": "#F0E442",  # yellow: backward functions
    "accumulate": "#CC79A7",  # reddish purple: AccumulateGrad
    "saved": "#9AD9C2",  # light green: tensors saved for backward
    "memory": "#D9D9D9",  # light grey: memory blocks
    "note": "#FFFFFF",  # white: notes about what the figure left out
    "op": "#F0E442",  # yellow: forward operations
    "value": "#D9D9D9",  # light grey: plain Python values
}
LINE = "#8C8C8C"
CUT = "#D55E00"  # vermillion: edges autograd did not record
OK = "#009E73"  # bluish green: the version check passes
FONT = "Helvetica,Arial,sans-serif"


class GraphvizNotFound(RuntimeError):
    """Raised when a figure is rendered on a machine without Graphviz's ``dot``."""


class Figure(graphviz.Digraph):
    """A :class:`graphviz.Digraph` whose rendering fails with a clear message.

    ``title`` becomes the SVG ``<title>`` and doubles as the figure's alt text.
    """

    def __init__(self, title: str, **kwargs):
        super().__init__(name=title, **kwargs)
        self.title = title
        self.graph_attr.update(
            bgcolor="transparent",
            fontname=FONT,
            fontcolor=LINE,
            fontsize="11",
            tooltip=label_text(title),
        )
        self.node_attr.update(
            shape="box",
            style="rounded,filled",
            fontname=FONT,
            fontsize="11",
            fontcolor="black",
            color=LINE,
            margin="0.12,0.06",
        )
        self.edge_attr.update(color=LINE, fontcolor=LINE, fontname=FONT, fontsize="10")

    def __repr__(self) -> str:  # the default shows a memory address, which differs in every run
        return f"Figure({self.title!r})"

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound(INSTALL_HINT) from None

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound(INSTALL_HINT) from None

    def add_note(self, node_id: str, text: str) -> None:
        """A note box, for what the figure collapsed or left out."""
        self.node(node_id, label_text(text), fillcolor=FILL["note"], style="dashed,filled")


def to_svg(figure: graphviz.Digraph) -> str:
    """Render a figure to SVG text (raises :class:`GraphvizNotFound` without ``dot``)."""
    try:
        return figure.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound(INSTALL_HINT) from None


def label_text(*lines: str) -> str:
    """Join lines into a plain Graphviz label, escaping what readers typed.

    Backslashes and angle brackets lose their Graphviz meaning, so a name such
    as ``<script>`` is drawn as those characters, and the SVG escapes them.
    """
    escaped = (str(line).replace("\\", "\\\\") for line in lines if line != "")
    # "\\n" is Graphviz's centred line break; nohtml keeps "<...>" literal.
    return graphviz.nohtml("\\n".join(escaped))
