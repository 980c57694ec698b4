"""Code fits the page: every line of a page's code cells and of a gallery script fits the column.

At 1280 px the site's code column holds about 90 characters of its monospace
font; a longer line would wrap (code and outputs wrap rather than scroll).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook

ROOT = Path(__file__).resolve().parent.parent
COLUMN = 88  # characters of code that fit the column at 1280 px, with a margin


def long_lines(lines) -> list[str]:
    return [f"{len(line)}: {line}" for line in lines if len(line) > COLUMN]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_page_code_fits_the_column(page):
    notebook = read_myst_markdown_notebook((ROOT / "docs" / page).read_text())
    code = [line for cell in notebook.cells if cell.cell_type == "code" for line in cell.source.splitlines()]
    assert long_lines(code) == []


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "gallery").glob("plot_*.py")))
def test_script_fits_the_column(script):
    assert long_lines((ROOT / "gallery" / script).read_text().splitlines()) == []
