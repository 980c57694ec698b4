"""The one list of pages follows the sources: a page added to the toctree is under every page-level check."""

from __future__ import annotations

from site_pages import examples, explanation_pages
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
