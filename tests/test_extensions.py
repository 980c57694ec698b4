"""The Sphinx helpers in-process, on a tiny sample project: checked prose, documented prose, the claims page, sitemap.

The sample project's notebook holds the outputs its cells printed, and
execution is off, so a build takes a second or two: what the helpers make of
executed output is tested without running a kernel (the full builds in the
other tests run the real pages).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from torchfig.claims import CASES, CHECK_MARK, CONNECTING

EXT = Path(__file__).resolve().parent.parent / "docs" / "_ext"

CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
extensions = ["myst_nb", "claims", "execution_errors", "output_filter", "api_links", "sitemap", "page_notebooks"]
from api_links import intersphinx_mapping as stored_inventories
intersphinx_mapping = stored_inventories()
nb_execution_mode = "off"
nitpicky = True
myst_enable_extensions = ["colon_fence"]
html_baseurl = "https://example.org/docs/"
exclude_patterns = ["_build"]
"""

INDEX = """# Sample

```{toctree}
paragraphs
verified-claims
```
"""

PROSE_OUTPUT = "\n".join([
    f"{CONNECTING} Read back:",
    f"{CHECK_MARK} {{api}}`torch.Tensor.numpy` gives an array of the same values",
    f"{CONNECTING} , and",
    f"{CHECK_MARK} every one of them is a float",
    f"    {CASES.format(count=2)}1.0, 2.0",
    f"{CONNECTING} as [the page](paragraphs.ipynb) shows.",
]) + "\n"


def code_cell(source: str, printed: str, tags=()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    return cell


def notebook(*cells) -> str:
    nb = nbformat.v4.new_notebook(cells=list(cells), metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    return json.dumps(nb)


def sample(tmp_path: Path, **pages: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
    (src / "index.md").write_text(INDEX)
    (src / "verified-claims.md").write_text("# Verified claims\n\n```{verified-claims}\n```\n")
    for name, text in pages.items():
        (src / name).write_text(text)
    return src


PARAGRAPHS = notebook(
    nbformat.v4.new_markdown_cell("# Paragraphs\n\n:::{documented} https://example.org/guide.html\n"
                                  "Guides say this.\n:::"),
    code_cell("t = torch.tensor([1.0, 2.0])", "tensor([1., 2.])\n"),
    code_cell("say('Read back:')\nclaim(...)", PROSE_OUTPUT, tags=["prose"]),
    code_cell("claim('{api}`torch.Tensor.tolist` gives a list', ...)",
              f"{CHECK_MARK} {{api}}`torch.Tensor.tolist` gives a list\n"),
)


@pytest.fixture
def built(make_app, tmp_path):
    def build(**pages):
        app = make_app("html", srcdir=sample(tmp_path, **pages))
        app.build()
        return app
    return build


def page(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def test_a_prose_cell_is_one_paragraph_whose_marks_open_the_check_under_it(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    assert app.warning.getvalue() == ""
    html = page(app, "paragraphs")
    [paragraph] = html.select("p.checked-prose")
    text = " ".join(paragraph.get_text().split())
    assert text.startswith("Read back: torch.Tensor.numpy gives an array of the same values")
    assert ", and every one of them is a float" in text and text.endswith("as the page shows.")
    marks = paragraph.select("a.claim-mark")
    assert len(marks) == 2 and all(m.select_one(".visually-hidden").get_text(strip=True) for m in marks)
    details = paragraph.find_next_sibling()
    assert details.name == "details" and "evidence" in details["class"] and details.select_one("summary")
    assert "say(" in details.select_one(".cell_input pre").get_text()  # the check's code
    for number, mark in enumerate(marks, start=1):
        line = html.find(id=mark["href"].removeprefix("#"))
        assert line.find_parent("details") is details
        assert line.select_one(f'a[href="#check-1-{number}"]') is not None  # back to the sentence
    printed = [pre.get_text() for pre in details.select(".evidence-claim pre")]
    assert printed[0] == f"{CHECK_MARK} torch.Tensor.numpy gives an array of the same values"  # rendered
    assert printed[1].splitlines()[1].strip() == "checked on 2 cases: 1.0, 2.0"
    assert not html.select(".tag_prose")


def test_printed_claims_show_rendered_text_and_are_listed_in_reading_order(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    outputs = " ".join(pre.get_text() for pre in page(app, "paragraphs").select(".cell_output pre"))
    assert f"{CHECK_MARK} torch.Tensor.tolist gives a list" in outputs and "{api}" not in outputs
    listed = page(app, "verified-claims")
    checked = [a.get_text() for a in listed.select(".claims-checked li a")]
    assert checked == ["torch.Tensor.numpy gives an array of the same values", "every one of them is a float",
                       "torch.Tensor.tolist gives a list"]
    assert [a.get_text() for a in listed.select(".claims-documented li a")] == ["Guides say this."]
    assert "not executed here" in page(app, "paragraphs").select_one(".documented").get_text()


@pytest.mark.parametrize(
    ("printed", "warns"),
    [
        (f"{CHECK_MARK} `numpy()` works because no grad is required\n", True),
        (f"{CHECK_MARK} `numpy()` works because no grad is required\n    {CASES.format(count=2)}a, b\n", False),
        (f"{CONNECTING} Because no grad is required,\n{CHECK_MARK} `numpy()` works\n", False),
        (f"{CHECK_MARK} it is harmless\n", True),
    ],
)
def test_a_sentence_that_generalises_needs_a_check_of_several_cases(built, printed, warns):
    cell = code_cell("...", printed, tags=["prose"])
    app = built(**{"paragraphs.ipynb": notebook(nbformat.v4.new_markdown_cell("# Paragraphs"), cell)})
    warning = app.warning.getvalue()
    assert ("its check covers one case" in warning) is warns, warning
    if warns:
        assert "paragraphs.ipynb" in warning and printed.split(" ", 1)[1].strip().replace("`", "") in warning


def test_a_prose_cell_that_prints_something_else_is_refused(built):
    cell = code_cell("print(1)", "1\n", tags=["prose"])
    app = built(**{"paragraphs.ipynb": notebook(nbformat.v4.new_markdown_cell("# Paragraphs"), cell)})
    assert "must print claims" in app.warning.getvalue()


def test_the_sitemap_lists_every_page_under_the_base_url(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    sitemap = (Path(app.outdir) / "sitemap.xml").read_text()
    assert "<loc>https://example.org/docs/paragraphs.html</loc>" in sitemap
    assert sitemap.index("index.html") < sitemap.index("paragraphs.html") < sitemap.index("verified-claims.html")


def test_a_page_with_code_offers_itself_as_a_notebook(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    link = page(app, "paragraphs").select_one("p.page-notebook a")
    assert link["href"] == "_notebooks/paragraphs.ipynb"
    offered = json.loads((Path(app.outdir) / "_notebooks" / "paragraphs.ipynb").read_text())
    sources = ["".join(c["source"]) for c in offered["cells"]]
    assert "https://example.org/docs/paragraphs.html" in sources[0]
    assert any("Guides say this. (from PyTorch's documentation: https://example.org/guide.html)" in s for s in sources)
    assert page(app, "index").select_one("p.page-notebook") is None  # no code, no notebook


def test_a_misspelt_api_name_fails_naming_it(built):
    source = "# Names\n\n{api}`torch.Tensor.detach` and {api}`torch.Tensor.detachh` and {api}`numpy.asarray`.\n"
    app = built(**{"paragraphs.md": source})
    warnings = app.warning.getvalue()
    assert "reference target not found: torch.Tensor.detachh" in warnings
    assert "torch.Tensor.detach\n" not in warnings and "numpy.asarray" not in warnings
    links = {a.get_text(): a["href"] for a in page(app, "paragraphs").select("a.reference.external")}
    assert links["torch.Tensor.detach"] == (
        "https://docs.pytorch.org/docs/stable/generated/torch.Tensor.detach.html#torch.Tensor.detach")
    assert links["numpy.asarray"] == "https://numpy.org/doc/stable/reference/generated/numpy.asarray.html#numpy.asarray"
