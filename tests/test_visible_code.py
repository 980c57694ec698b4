"""The code an explanation page shows runs as shown: its visible cells, top to bottom, in a fresh kernel.

The cells are read from the built HTML, as a reader sees them (the checks
folded under ✔ paragraphs are not visible cells and are left out), so a page
whose shown code leans on a name defined only inside a check fails here.
Cells the page shows raising on purpose may raise; no other may.

Each cell then prints what the page shows it printed. The build ran the page
in a warm kernel that had run other pages before (docs/_ext/execute_ahead.py),
with its checks between the cells; this run has a fresh kernel, started as the
build starts kernels, and no checks. Equal outputs show that neither the warm
kernel nor the checks changed what the reader's code prints.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from buildenv import prepare_kernel_environment
from output_filter import clean_output
from site_pages import explanation_pages
from sitebuild import ROOT

pytestmark = pytest.mark.build


ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes, which the page renders rather than shows


def visible_cells(html: str) -> list[tuple[str, bool]]:
    """(code, raises on purpose) of every code cell the page shows, in order."""
    return [(code, raises) for code, raises, _ in shown_cells(html)]


def shown_cells(html: str) -> list[tuple[str, bool, str]]:
    """(code, raises on purpose, the text it printed as shown) of every code cell the page shows."""
    soup = BeautifulSoup(html, "html.parser")
    cells = []
    for cell in soup.select("div.cell"):
        if cell.find_parent("details", class_="evidence"):
            continue
        code = cell.select_one(".cell_input pre")
        if code is not None:
            printed = "".join(o.get_text() for o in cell.select(".cell_output .output.stream"))
            cells.append((code.get_text(), "tag_raises-exception" in cell.get("class", []), printed.rstrip()))
    return cells


def run_in_fresh_kernel(cells: list[tuple[str, bool]], folder) -> list[str]:
    """Run the cells in one fresh kernel; the text each printed, as the build's output filter leaves it."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(code, metadata={"tags": ["raises-exception"]} if raises else {})
            for code, raises in cells
        ]
    )
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    printed = ["".join(o.text for o in cell.outputs if o.output_type == "stream") for cell in notebook.cells]
    return [ANSI.sub("", clean_output(text, str(ROOT))).rstrip() for text in printed]


@pytest.mark.parametrize("page", explanation_pages())
def test_the_code_a_page_shows_runs_as_shown(built_site, page, tmp_path, monkeypatch):
    cells = shown_cells((built_site / f"{page}.html").read_text(encoding="utf-8"))
    assert cells, "the page shows no code"
    for name in ("IPYTHONDIR", "OMP_NUM_THREADS", "PYTHONHASHSEED"):  # restored after the test
        monkeypatch.setenv(name, "")
    prepare_kernel_environment(SimpleNamespace(confdir=str(tmp_path)), None)  # kernels start as in a build
    try:
        printed = run_in_fresh_kernel([(code, raises) for code, raises, _ in cells], tmp_path)
    except CellExecutionError as err:
        pytest.fail(f"{page}: a visible cell fails when the shown code runs alone:\n{str(err)[-1500:]}")
    differ = [
        f"cell {number} ({code.splitlines()[0][:50]!r}):\n  page:  {shown!r}\n  fresh: {fresh!r}"
        for number, ((code, _, shown), fresh) in enumerate(zip(cells, printed), start=1)
        if shown != fresh
    ]
    assert not differ, f"{page}: printed otherwise than the page shows:\n" + "\n".join(differ)


def test_a_page_that_leans_on_a_hidden_check_fails(tmp_path):
    """The runner is strict: a visible cell using a name only a folded check defined fails."""
    html = (
        '<div class="cell"><div class="cell_input"><pre>x = 1</pre></div></div>'
        '<details class="evidence"><div class="cell"><div class="cell_input"><pre>hidden = 2</pre></div></div>'
        '</details><div class="cell"><div class="cell_input"><pre>print(hidden)</pre></div></div>'
    )
    cells = visible_cells(html)
    assert cells == [("x = 1", False), ("print(hidden)", False)]
    with pytest.raises(CellExecutionError, match="NameError"):
        run_in_fresh_kernel(cells, tmp_path)
