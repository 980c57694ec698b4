"""Prose that states behaviour must be checked: a heuristic over the pages' and scripts' text.

A sentence that names a PyTorch or NumPy API and uses a verb of behaviour is
a statement about what PyTorch does. On an explanation page it must be a
checked sentence (``[...]{.checked #id}``, checked by a cell) or sit inside
a ``{documented}`` block; in a gallery script's text blocks it must be a
check in the code, or sit in a ``.. documented::`` directive. The words
around checked sentences are read like the rest of the text: they join
checked sentences and state nothing. Each page's "What you will learn" box
is an agenda of what the page then checks, and is not read. The few sentences that match the
heuristic without stating behaviour are listed, with why, in
``prose_exemptions.txt`` beside this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook

from cells import SOURCE_SPAN
from page_runner import check_and_prose_lines
from site_pages import explanation_pages

ROOT = Path(__file__).resolve().parent.parent
API = re.compile(
    r"\{api\}`[^`]+`|`[^`]*(?:\(|torch|np\.|numpy|\.grad|grad_fn|_version|requires_grad)[^`]*`"
    r"|\b(?:torch|np|numpy)\.\w+"
)
VERB = re.compile(
    r"\b(?:returns?|copies|copy|shares?|raises?|refuses?|works?|keeps?|frees?|records?|saves?"
    r"|warns?|fails?|moves?|gives?|holds?)\b",
    re.IGNORECASE,
)
CODE = re.compile(r"`[^`]*`")  # a verb inside code, such as `.copy()`, is a name, not a statement
DOCUMENTED = "(from PyTorch's documentation"  # how a script's text marks a sentence it did not execute
EXEMPTIONS = ROOT / "tests" / "prose_exemptions.txt"


def exemptions() -> dict[str, str]:
    """sentence start -> reason, from the exemptions file (``start | reason`` per line)."""
    found = {}
    for line in EXEMPTIONS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            start, reason = (part.strip() for part in line.split("|", 1))
            found[start] = reason
    return found


BLOCK_START = re.compile(r"^\s*(?:#+ |[-*] |\d+\. |: )")  # headings, list items and definitions start a block


def sentences(text: str) -> list[str]:
    """Sentences, never running across a paragraph, heading or list item."""
    blocks, current = [], []
    for line in text.splitlines():
        if not line.strip() or BLOCK_START.match(line):
            blocks.append(" ".join(current))
            current = []
        if line.strip():
            current.append(line.strip())
    blocks.append(" ".join(current))
    return [s for block in blocks for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z`{\[*(])", block) if s]


def page_text(page: Path) -> str:
    """The Markdown of a page around its checked sentences, without {documented} blocks, code blocks
    and directive options."""
    notebook = read_myst_markdown_notebook(page.read_text())
    text = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    text = SOURCE_SPAN.sub("(a checked sentence)", text)
    text = re.sub(r"^:::\{documented\}.*?^:::$", "", text, flags=re.DOTALL | re.MULTILINE)
    # an agenda
    text = re.sub(r"^:::\{admonition\} What you will learn.*?^:::$", "", text, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"^```.*?^```$", "", text, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"^---$.*?^---$", "", text, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\.md\)", "(a link to a page)", text)  # link texts are page titles
    return "\n".join(
        line for line in text.splitlines() if not line.startswith(("#", ":::", ":")) or line.startswith(": ")
    )


def script_text(script: Path) -> str:
    """The text blocks of a gallery script: its docstring and the comment lines of each ``# %%`` block."""
    source = script.read_text()
    docstring = source.split('"""')[1].split("\nNeeds ")[0]  # the abstract, not the requirements
    lines = source.splitlines()
    comments = [
        line[2:]
        for line, after in zip(lines, lines[1:] + [""])
        if line.startswith("# ")
        and not line.startswith("# %%")
        and not after.startswith("# ---")  # a block's heading
        and not set(line[2:].strip()) <= {"-"}
    ]
    text = docstring + "\n\n" + "\n".join(comments)
    # stated from documentation
    return re.sub(r"^\.\. documented::.*\n(?:[ \t]+.*\n?|\n)*", "", text, flags=re.MULTILINE)


def unchecked(text: str) -> list[str]:
    allowed = exemptions()
    return [
        s
        for s in sentences(text)
        if API.search(s)
        and VERB.search(CODE.sub("", s))
        and DOCUMENTED not in s
        and not any(s.startswith(start) for start in allowed)
    ]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_page_prose_states_no_unchecked_behaviour(page):
    assert unchecked(page_text(ROOT / "docs" / page)) == []


@pytest.mark.parametrize("page", explanation_pages())
def test_a_page_states_its_sentences_in_markdown_and_its_checks_are_shorter(page):
    """Checks are short cells keyed to sentences of the page's text: no sentence in Python, no more check
    lines than Markdown lines (figures for every page: nox -s bench)."""
    source = (ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8")
    assert "say(" not in source and "sentence=" not in source
    checks, prose = check_and_prose_lines(ROOT / "docs" / f"{page}.md")
    assert checks <= prose, f"{page}: {checks} lines of checks, {prose} lines of Markdown"


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "gallery").glob("plot_*.py")))
def test_script_text_states_no_unchecked_behaviour(script):
    assert unchecked(script_text(ROOT / "gallery" / script)) == []


def test_the_heuristic_finds_what_it_is_for(tmp_path):
    """An unchecked behavioural sentence is caught, in a page's text or around a checked one; a checked one is not."""
    page = tmp_path / "page.md"
    page.write_text(
        "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n# Page\n\n"
        "Plain words. Then `numpy()` returns a view of the memory.\n\n"
        "[`numpy()` returns a view]{.checked #view}, so `t.numpy()` shares memory.\n\n"
        "```{code-cell} python\ncheck('view', True)\n```\n\n"
        ":::{documented} https://example.org\n`cpu()` copies on a GPU.\n:::\n"
    )
    assert unchecked(page_text(page)) == [
        "Then `numpy()` returns a view of the memory.",
        "(a checked sentence), so `t.numpy()` shares memory.",
    ]


def test_every_exemption_is_still_needed():
    """An exemption whose sentence is gone, or no longer matches, is deleted rather than kept."""
    texts = [page_text(p) for p in (ROOT / "docs").glob("*.md")] + [
        script_text(p) for p in (ROOT / "gallery").glob("plot_*.py")
    ]
    matching = [s for text in texts for s in sentences(text) if API.search(s) and VERB.search(CODE.sub("", s))]
    assert len(exemptions()) <= 6, "the exemptions are meant to stay a short list"
    for start in exemptions():
        assert any(s.startswith(start) for s in matching), f"exemption no longer needed: {start}"
