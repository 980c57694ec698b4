"""The messages readers search for: each captured from execution on the messages page, never typed.

``MESSAGES`` holds a distinctive part of each PyTorch message the site
explains. A source that types one into its prose (page Markdown, checked
sentences included, a gallery script's text and the sentences its checks
state) fails here: the text a reader sees must be the one PyTorch printed when the
site was built. Patterns that checks match against are code, and allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from myst_nb.core.read import read_myst_markdown_notebook

from site_pages import examples, explanation_pages
from test_prose import script_text

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = [
    "Can't call numpy() on Tensor that requires grad",
    "modified by an inplace operation",
    "Trying to backward through the graph a second time",
    "does not require grad and does not have a grad_fn",
    "a leaf Variable that requires grad is being used in an in-place operation",
    "Inference tensors cannot be saved for backward",
    "Got unsupported ScalarType BFloat16",
    "Converting a tensor with requires_grad=True to a scalar",
    "may lead to unexpected behavio",  # the same warning's words, in either spelling
    "is not a leaf Tensor is being accessed",
    "Can't export tensors that require gradient",
    "To copy construct from a tensor, it is recommended",
    "device type tensor to numpy",
]


SCRIPT_SENTENCE = re.compile(r'sentence=((?:\s*"(?:[^"\\]|\\.)*")+)')  # a script's check states its sentence


def typed_text(path: Path) -> str:
    """Everything a source makes the reader read that is not executed output."""
    if path.suffix == ".md":
        notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"))
        return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    sentences = [" ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m)) for m in SCRIPT_SENTENCE.findall(path.read_text())]
    return script_text(path) + "\n" + "\n".join(sentences)


@pytest.mark.parametrize(
    "source", [f"docs/{p}.md" for p in explanation_pages()] + [f"gallery/{e}.py" for e in examples()]
)
def test_no_message_is_typed_into_a_source(source):
    text = " ".join(typed_text(ROOT / source).split())
    typed = [m for m in MESSAGES if m.lower() in text.lower()]
    assert typed == [], f"{source} types PyTorch's words instead of showing them from execution: {typed}"


def test_the_guard_catches_a_typed_message(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n# Page\n\n"
        "You will see Trying to backward through the graph a second time here.\n"
    )
    assert "Trying to backward through the graph a second time" in " ".join(typed_text(page).split())


@pytest.mark.build
def test_the_messages_page_shows_them_from_execution(built_site):
    html = BeautifulSoup((built_site / "messages.html").read_text(encoding="utf-8"), "html.parser")
    printed = " ".join(pre.get_text() for pre in html.select("div.output pre, .cell_output pre"))
    shown = [m for m in MESSAGES if m in " ".join(printed.split())]
    assert len(shown) >= 10, f"only {len(shown)} messages in executed output: missing {set(MESSAGES) - set(shown)}"
    headings = " ".join(h.get_text() for h in html.select("h2, h3"))
    assert re.search(r"backward through the graph", headings, re.IGNORECASE), (
        "headings do not carry the messages' words"
    )
