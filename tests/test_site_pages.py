"""The one list of pages follows the sources: a page added to the toctree is under every page-level check."""

from __future__ import annotations

import ast
import re

from site_pages import NEWCOMER_PATH, ROOT, examples, explanation_pages
from sitebuild import copy_site

PLANTED = "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n# Planted\n"


def test_a_page_added_to_the_toctree_joins_every_page_level_check(tmp_path):
    site = copy_site(tmp_path / "site")
    before = explanation_pages(site)
    (site / "docs" / "planted.md").write_text(PLANTED)
    index = site / "docs" / "index.md"
    index.write_text(index.read_text().replace("\nexamples/index\n", "\nplanted\nexamples/index\n", 1))
    assert explanation_pages(site) == [*before, "planted"]
    number = len(examples(site)) + 1
    (site / "gallery" / f"plot_{number}_planted.py").write_text('"""\nPlanted\n=======\n"""\n')
    assert examples(site)[-1] == f"plot_{number}_planted"


def test_the_lists_hold_the_landing_page_first_and_the_examples_in_number_order():
    pages = explanation_pages()
    assert pages[0] == "index" and "verified-claims" not in pages and "glossary" not in pages
    numbers = [int(name.split("_")[1]) for name in examples()]
    assert numbers == sorted(numbers) and len(numbers) >= 10


def test_the_newcomers_pages_come_before_the_deep_dives():
    """The path a reader new to autograd follows: the answer, then what it rests on, then recipes."""
    assert explanation_pages()[: len(NEWCOMER_PATH)] == list(NEWCOMER_PATH)


def _typed_page_lists(source: str, names: set[str]) -> list[int]:
    """Lines where a list, tuple or set of four or more page names is typed in.

    Four: a check may name the few pages it expects (search results that explain a message), not a list
    standing for all of them.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            texts = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            stems = {re.sub(r"\.(md|html|py|ipynb)$", "", t) for t in texts}
            if len(texts) >= 4 and stems <= names:
                found.append(node.lineno)
    return found


def test_no_check_types_its_own_list_of_pages():
    names = set(explanation_pages()) | set(examples())
    assert _typed_page_lists('PAGES = ["index", "graph.md", "detach.html", "backward"]', names) == [1]  # it sees one
    typed = {
        path.relative_to(ROOT).as_posix(): lines
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name != "site_pages.py"  # the one home of the lists
        and (lines := _typed_page_lists(path.read_text(encoding="utf-8"), names))
    }
    assert typed == {}, f"page lists typed in (use tests/site_pages.py): {typed}"
