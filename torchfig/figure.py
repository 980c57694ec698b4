"""The figure object every drawing function returns, and its shared look.

A figure is a :class:`graphviz.Digraph`: building one needs no Graphviz
install; only rendering (``pipe``, ``render``, notebook display) runs ``dot``,
and a missing ``dot`` raises :class:`GraphvizNotFound` with one line that says
how to install it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

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
    "value": "#EFEFEF",  # paler grey: plain Python values (never drawn beside memory blocks, but keyed apart)
}
# What each fill means, for the key drawn under a figure's title.
KEY = {
    "tensor": "tensor",
    "leaf": "leaf tensor: .grad lands here",
    "array": "NumPy array",
    "function": "backward function",
    "accumulate": "AccumulateGrad",
    "saved": "saved for backward",
    "memory": "memory block",
    "op": "torch call",
    "value": "Python value",
}
LINE = "#8C8C8C"
CUT = "#D55E00"  # vermillion: edges autograd did not record
OK = "#009E73"  # bluish green: the version check passes
FONT = "Helvetica,Arial,sans-serif"
# The names a sentence about a figure uses for its line colours.
COLOUR_NAMES = {LINE: "grey", CUT: "orange-red", OK: "green"}


@dataclass(frozen=True)
class DrawnNode:
    """A box as drawn: its text (lines joined by " / "), what its fill means, and how it is outlined."""

    label: str
    kind: str | None  # a key of FILL ("tensor", "array", ...), None for an unfilled shape
    dashed: bool
    outlined: bool  # drawn with a thicker border than the others


@dataclass(frozen=True)
class DrawnEdge:
    """An arrow as drawn, between the labels of the two boxes it joins."""

    tail: str
    head: str
    label: str
    style: str  # "solid", "dashed" or "dotted"
    colour: str  # a name from COLOUR_NAMES


def _plain(label) -> str:
    return " / ".join(str(label or "").split("\\n"))


class GraphvizNotFound(RuntimeError):
    """Raised when a figure is rendered on a machine without Graphviz's ``dot``."""


class Figure(graphviz.Digraph):
    """A :class:`graphviz.Digraph` whose rendering fails with a clear message.

    ``title`` is drawn at the top of the figure, above a key of the kinds of
    box the figure uses (``key=False`` leaves the key out), and becomes the
    SVG ``<title>``, which doubles as the figure's alt text.
    """

    def __init__(self, title: str, *, key: bool = True, **kwargs):
        super().__init__(name=title, **kwargs)
        self.title = title
        self.key = key
        self.captions: list[str] = []
        self.yellow = "function"  # what yellow boxes are: backward functions, or "op" (torch calls)
        self._fills: list[str] = []
        self._edge_key: dict[str, str] = {}  # how a kind of line is drawn -> what it means
        self._nodes: dict[str, DrawnNode] = {}
        self._edges: list[tuple[str, str, DrawnEdge]] = []
        self.graph_attr.update(
            bgcolor="transparent",
            fontname=FONT,
            fontcolor=LINE,
            fontsize="11",
            tooltip=label_text(title),
            labelloc="t",
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

    def node(self, name, label=None, _attributes=None, **attrs) -> None:
        if attrs.get("fillcolor") not in (None, *self._fills):
            self._fills.append(attrs["fillcolor"])
        fill = attrs.get("fillcolor")
        kind = next((k for k in FILL if FILL[k] == fill and (k not in ("op", "function") or k == self.yellow)), None)
        style = attrs.get("style", self.node_attr["style"])
        self._nodes[name] = DrawnNode(
            _plain(label if label is not None else name), kind, "dashed" in style, float(attrs.get("penwidth", 1)) > 1
        )
        super().node(name, label, _attributes=_attributes, **attrs)

    def edge(self, tail_name, head_name, label=None, _attributes=None, **attrs) -> None:
        drawn = DrawnEdge(
            "",
            "",
            _plain(label),
            attrs.get("style", "solid"),
            COLOUR_NAMES.get(attrs.get("color", LINE), attrs.get("color", LINE)),
        )
        self._edges.append((tail_name, head_name, drawn))
        super().edge(tail_name, head_name, label, _attributes=_attributes, **attrs)

    def drawn_nodes(self) -> list[DrawnNode]:
        """Every box, in the order drawn: what a sentence about the figure can be checked against."""
        return list(self._nodes.values())

    def drawn_edges(self) -> list[DrawnEdge]:
        """Every arrow, in the order drawn, named by the labels of the boxes it joins."""

        def label(name):
            return self._nodes[name].label if name in self._nodes else name

        return [DrawnEdge(label(t), label(h), e.label, e.style, e.colour) for t, h, e in self._edges]

    def explain_line(self, drawn_as: str, meaning: str) -> None:
        """A row of the key for a kind of arrow, such as "dashed orange-red arrow"."""
        self._edge_key.setdefault(drawn_as, meaning)

    def caption(self, text: str) -> None:
        """A line under the title, for what the figure folded or left out."""
        self.captions.append(text)

    def heading(self) -> str:
        """The title, captions and key as one Graphviz HTML label."""
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="13"><B>{escape(self.title)}</B></FONT></TD></TR>']
        rows += [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{escape(text)}</TD></TR>' for text in self.captions]
        if self.key:
            other_yellow = "op" if self.yellow == "function" else "function"
            kinds = [k for k in KEY if FILL[k] in self._fills and k != other_yellow]
            cells = [
                f'<TD BGCOLOR="{FILL[k]}" BORDER="1" COLOR="{LINE}"><FONT COLOR="black">{escape(KEY[k])}</FONT></TD>'
                for k in kinds
            ]
            for start in range(0, len(cells), 2):  # two to a row keeps the key narrow
                pair = cells[start : start + 2]
                rows.append("<TR>" + "".join(pair) + ("<TD></TD>" if len(pair) == 1 else "") + "</TR>")
            rows += [
                f'<TR><TD COLSPAN="2" ALIGN="LEFT">{escape(drawn_as)}: {escape(meaning)}</TD></TR>'
                for drawn_as, meaning in self._edge_key.items()
            ]
        return "<" + '<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="3">' + "".join(rows) + "</TABLE>>"

    def __iter__(self, subgraph: bool = False):
        """The DOT lines, which every rendering reads; the heading is made last, to key what was drawn."""
        self.graph_attr["label"] = self.heading()
        yield from super().__iter__(subgraph=subgraph)

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
    if not isinstance(figure, graphviz.Digraph):
        raise TypeError(f"to_svg takes a figure (a graphviz.Digraph), got {type(figure).__name__}")
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
