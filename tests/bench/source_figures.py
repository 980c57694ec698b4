"""How much of each explanation page is checks: lines of check cells against lines of Markdown.

Usage: python tests/bench/source_figures.py

Prints, per page, the checked sentences, the non-blank lines of its check
cells and of its Markdown, and the totals. tests/test_prose.py holds each
page to at most as many check lines as Markdown lines; this prints how far
below that each page is.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from page_runner import ROOT, check_and_prose_lines, source_spans
from site_pages import explanation_pages


def main() -> None:
    print(f"{'page':22} {'✔ spans':>8} {'check lines':>12} {'Markdown lines':>15} {'ratio':>6}")
    totals = [0, 0, 0]
    for page in explanation_pages():
        source = ROOT / "docs" / f"{page}.md"
        spans = len(source_spans(source.read_text(encoding="utf-8")))
        checks, prose = check_and_prose_lines(source)
        totals = [totals[0] + spans, totals[1] + checks, totals[2] + prose]
        print(f"{page:22} {spans:8} {checks:12} {prose:15} {checks / prose:6.2f}")
    print(f"{'all pages':22} {totals[0]:8} {totals[1]:12} {totals[2]:15} {totals[1] / totals[2]:6.2f}")


if __name__ == "__main__":
    main()
