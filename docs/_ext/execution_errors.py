"""Turn an exception raised by a page's or an example's code into one error line.

myst-nb is configured to keep a failing page's traceback in its output, and
sphinx-gallery to warn about a failing example, instead of crashing Sphinx;
this extension then reports each failure as one build error located at the
line that raised, e.g. ``docs/page.md:15: ERROR: ValueError: bad value``.
A traceback in a page cell tagged ``raises-exception`` is shown on purpose.
A failed check's error names the sentence it checks.

A handler of this project's that fails while the build starts
(``builder-inited``) would make Sphinx print a crash report; wrapped in
:func:`one_line_on_failure`, it stops the build with one line naming the
extension and its error instead.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.errors import SphinxError
from sphinx.util import logging

from cells import ANSI, code_cells, failed_cell, first_code_line, with_sentence

logger = logging.getLogger(__name__)
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")  # where IPython's traceback says the cell raised


def report_failed_cells(app, doctree) -> None:
    for cell in filter(failed_cell, code_cells(doctree)):
        for output in cell.findall(nodes.literal_block):
            if "traceback" not in output["classes"]:
                continue
            text = ANSI.sub("", output.astext())
            error = with_sentence([line for line in text.splitlines() if line.strip()][-1].strip(), doctree)
            inside = CELL_LINE.search(text)
            line = first_code_line(cell) + (int(inside.group(1)) - 1 if inside else 0)
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


def drop_stale_reports(app, env, docnames) -> None:
    """myst-nb keeps a failing page's traceback in ``reports/`` of the output, and nothing removes it once
    the page is fixed: each page read again starts without one (a failure writes it anew)."""
    reports = Path(app.outdir) / "reports"
    for docname in docnames:
        (reports / f"{docname}.err.log").unlink(missing_ok=True)
    if reports.is_dir() and not any(reports.rglob("*.err.log")):
        shutil.rmtree(reports)


class BuildStartFailed(SystemExit):
    """Stops the build at once: Sphinx turns an Exception into a crash report, but lets this pass."""


def one_line_on_failure(handler):
    """A builder-inited handler of this project's that fails stops the build with one error line."""
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


def setup(app):
    app.add_event("build-start-failed")
    app.connect("env-before-read-docs", drop_stale_reports)
    app.connect("doctree-read", report_failed_cells)
    app.connect("build-finished", report_failed_examples)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
