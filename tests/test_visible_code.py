"""The code an explanation page shows runs as shown: its visible cells, top to bottom, in a fresh kernel.

The cells are read from the built HTML, as a reader sees them (the checks
folded under ✔ paragraphs are not visible cells and are left out), so a page
whose shown code leans on a name defined only inside a check fails here.
Cells the page shows raising on purpose may raise; no other may.
"""

from __future__ import annotations

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from site_pages import explanation_pages

pytestmark = pytest.mark.build


def visible_cells(html: str) -> list[tuple[str, bool]]:
    """(code, raises on purpose) of every code cell the page shows, in order."""
    soup = BeautifulSoup(html, "html.parser")
    cells = []
    for cell in soup.select("div.cell"):
        if cell.find_parent("details", class_="evidence"):
            continue
        code = cell.select_one(".cell_input pre")
        if code is not None:
            cells.append((code.get_text(), "tag_raises-exception" in cell.get("class", [])))
    return cells


def run_in_fresh_kernel(cells: list[tuple[str, bool]], folder) -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(code, metadata={"tags": ["raises-exception"]} if raises else {})
            for code, raises in cells
        ]
    )
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()


@pytest.mark.parametrize("page", explanation_pages())
def test_the_code_a_page_shows_runs_as_shown(built_site, page, tmp_path):
    cells = visible_cells((built_site / f"{page}.html").read_text(encoding="utf-8"))
    assert cells, "the page shows no code"
    try:
        run_in_fresh_kernel(cells, tmp_path)
    except CellExecutionError as err:
        pytest.fail(f"{page}: a visible cell fails when the shown code runs alone:\n{str(err)[-1500:]}")


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
