"""What the helpers call a cell, an output and a checked sentence, in one place.

myst-nb turns each code cell into a container (``nb_element="cell_code"``)
holding its source and its outputs; sphinx-gallery writes an example's
printed output as a literal block of its own class. Both record the line
their code starts on, which is what error messages point at. A checked
sentence is a span with the class ``checked`` and an id, in the doctree and
in the MyST source.
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
        "traceback" in b["classes"] for b in cell.findall(nodes.literal_block)
    )


def first_code_line(cell) -> int:
    """The page line of the cell's first line of code, from the line myst-nb recorded for the cell.

    myst-nb records the line after the opening fence plus one; each ``:option:`` line (such as
    ``:tags:``) sits between the fence and the code.
    """
    return cell.line - 1 + len(cell.get("cell_metadata", {}))


CHECKED = "checked"  # the class of a checked sentence's span: [sentence]{.checked #id}
FAILED_CHECK = re.compile(r"check '([a-z0-9-]+)' no longer holds")  # torchfig.checks.ClaimFailed's message


def checked_spans(doctree) -> list[nodes.inline]:
    return [n for n in doctree.findall(nodes.inline) if CHECKED in n["classes"]]


def with_sentence(message: str, doctree) -> str:
    """A failed check's message with the sentence of the span it checks, when the page has one."""
    failed = FAILED_CHECK.search(message)
    span = failed and next((s for s in checked_spans(doctree) if failed.group(1) in s["ids"]), None)
    if not span:
        return message
    return message.replace(failed.group(0), f"{failed.group(0)}: {' '.join(span.astext().split())}", 1)


# The same spans in a page's MyST source, for tools that read pages without Sphinx (the page runner,
# the prose rules, the page notebooks): [text]{.checked #id}, the text holding at most one level of
# brackets (a link). A test checks that they find what the build finds.
SOURCE_SPAN = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\{([^{}]*\.checked\b[^{}]*)\}")
SOURCE_ID = re.compile(r"#([\w-]+)")


def source_spans(text: str) -> list[tuple[str, str, int]]:
    """(id, sentence as written, line) of each checked span in MyST source."""
    found = []
    for span in SOURCE_SPAN.finditer(text):
        check_id = SOURCE_ID.search(span.group(2))
        found.append(
            (
                check_id.group(1) if check_id else "",
                " ".join(span.group(1).split()),
                text.count("\n", 0, span.start()) + 1,
            )
        )
    return found
