"""What the helpers call a cell and an output in a page's doctree, in one place.

myst-nb turns each code cell into a container (``nb_element="cell_code"``)
holding its source and its outputs; sphinx-gallery writes an example's
printed output as a literal block of its own class. Both record the line
their code starts on, which is what error messages point at.
"""

from __future__ import annotations

import re

from docutils import nodes

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours a traceback may carry (CI=true turns them on)
OUTPUT_CLASSES = {"output", "sphx-glr-script-out"}  # myst-nb and sphinx-gallery output blocks


def is_output(block) -> bool:
    """A literal block that holds what executed code printed."""
    return bool(OUTPUT_CLASSES & set(block["classes"]))


def code_cells(doctree) -> list:
    return [c for c in doctree.findall(nodes.container) if c.get("nb_element") == "cell_code"]


def tags(cell) -> list[str]:
    return cell.get("cell_metadata", {}).get("tags", [])


def failed_cell(cell) -> bool:
    """A code cell whose code raised, other than one that raises on purpose."""
    return "raises-exception" not in tags(cell) and any(
        "traceback" in b["classes"] for b in cell.findall(nodes.literal_block))


def first_code_line(cell) -> int:
    """The page line of the cell's first line of code, from the line myst-nb recorded for the cell.

    myst-nb records the line after the opening fence plus one; each ``:option:`` line (such as
    ``:tags:``) sits between the fence and the code.
    """
    return cell.line - 1 + len(cell.get("cell_metadata", {}))
