"""Turn an exception raised by a page's or an example's code into one error line.

myst-nb is configured to keep a failing page's traceback in its output, and
sphinx-gallery to warn about a failing example, instead of crashing Sphinx;
this extension then reports each failure as one build error located at the
line that raised, e.g. ``docs/page.md:15: ERROR: ValueError: bad value``.
A traceback in a page cell tagged ``raises-exception`` is shown on purpose.

An extension that fails while the build starts (``builder-inited``) would
make Sphinx print a crash report; instead the build stops with one line
naming the extension and its error.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.errors import SphinxError
from myst_nb.core.read import read_myst_markdown_notebook
from sphinx.util import logging

logger = logging.getLogger(__name__)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
OUTPUT_CLASSES = {"output", "sphx-glr-script-out"}  # myst-nb and sphinx-gallery output blocks
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


def _cell_fence_lines(path: Path) -> list[int]:
    """Line of each cell's opening fence (1-based), by cell index."""
    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), add_source_map=True)
    return notebook.metadata["source_map"]


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


def report_failed_cells(app, doctree) -> None:
    fence_lines = None
    for cell in filter(failed_cell, code_cells(doctree)):
        for output in cell.findall(nodes.literal_block):
            if "traceback" not in output["classes"]:
                continue
            text = ANSI.sub("", output.astext())
            error = [line for line in text.splitlines() if line.strip()][-1].strip()
            if fence_lines is None:
                fence_lines = _cell_fence_lines(Path(app.env.doc2path(app.env.docname)))
            inside = CELL_LINE.search(text)
            line = fence_lines[cell["cell_index"]] + (int(inside.group(1)) if inside else 0)
            logger.error(f"{error} (raised by the page's code)", location=(app.env.docname, line))


def report_failed_examples(app, exception) -> None:
    """One error per failing gallery script, at the script's deepest line in the traceback."""
    if "sphinx_gallery_conf" not in app.config:  # a project without a gallery
        return
    failing = app.config.sphinx_gallery_conf.get("failing_examples", {})
    for script, traceback in sorted(failing.items()):
        text = ANSI.sub("", traceback)
        lines = re.findall(rf'File "{re.escape(str(script))}", line (\d+)', text)
        error = [line for line in text.splitlines() if line.strip()][-1].strip()
        logger.error(f"{error} (raised by the example's code)", location=f"{script}:{lines[-1] if lines else 0}")


class BuildStartFailed(SystemExit):
    """Stops the build at once: Sphinx turns an Exception into a crash report, but lets this pass."""


def _one_line_on_failure(handler):
    extension = getattr(handler, "__module__", None) or "an extension"

    def run(app, *args):
        try:
            return handler(app, *args)
        except SphinxError as err:
            message = str(err)
        except Exception as err:  # noqa: BLE001 - whatever it is, one line says it
            message = f"{type(err).__name__}: {err}"
        logger.error(f"{extension} failed while the build was starting: {' '.join(message.split())}")
        if app is not None:
            app.emit("build-start-failed")  # work already started in the background is stopped cleanly
        raise BuildStartFailed(2)

    return run


def guard_build_start(app, config) -> None:
    """Wrap every builder-inited handler, once all extensions have registered theirs."""
    listeners = app.events.listeners["builder-inited"]
    listeners[:] = [listener._replace(handler=_one_line_on_failure(listener.handler)) for listener in listeners]


def setup(app):
    app.add_event("build-start-failed")
    app.connect("config-inited", guard_build_start, priority=900)  # after every extension's setup()
    app.connect("doctree-read", report_failed_cells)
    app.connect("build-finished", report_failed_examples)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
